"""Orders linked to an incident get the incident SLA tier: deadlines still running move
earlier (never later), counted from the link, written in the order's history; resolved
orders keep theirs. Linked by detection or by hand, alike."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.incidents import service
from server.incidents.models import Incident
from server.workorders import service as orders
from server.workorders.models import WorkOrder, WorkOrderEvent
from server.workorders.sla import incident_deadlines

from .conftest import NOW


def _events(order):
    return db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == order.id, WorkOrderEvent.kind == "sla_override")
        .order_by(WorkOrderEvent.seq)).all()


def test_detection_puts_linked_open_orders_on_the_incident_tier(burst):
    ids = burst(12, symptom="WH_NO_HOT_WATER")
    late = NOW + timedelta(days=30)
    for order in db.session.scalars(select(WorkOrder).where(WorkOrder.id.in_(ids))):
        order.respond_by, order.resolve_by = late, late
    first, done = (db.session.get(WorkOrder, i) for i in ids[:2])
    done.status = "completed"
    early = NOW + timedelta(minutes=30)
    first.respond_by = early  # already tighter than the tier: kept
    db.session.flush()
    service.detect(NOW)
    incident = db.session.scalars(select(Incident)).one()
    tier = incident_deadlines(NOW, orders.calendar())
    assert tier.respond_by < late and tier.resolve_by < late
    db.session.expire_all()
    first, done, other = (db.session.get(WorkOrder, i) for i in ids[:3])
    assert (other.respond_by, other.resolve_by) == (tier.respond_by, tier.resolve_by)
    assert (first.respond_by, first.resolve_by) == (early, tier.resolve_by)
    assert (done.respond_by, done.resolve_by) == (late, late) and _events(done) == []
    [event] = _events(other)
    assert event.data["incident"] == incident.number
    service.detect(NOW + timedelta(minutes=5))  # nothing new: no second move
    assert len(_events(other)) == 1


def test_an_order_linked_by_hand_gets_the_tier_and_the_page_says_so(
        client, burst, dispatcher, make_order):
    ids = burst(10, symptom="WH_NO_HOT_WATER")
    service.detect(NOW)
    incident = db.session.scalars(select(Incident)).one()
    order = make_order(actor=dispatcher, priority="low")
    before = order.resolve_by
    service.link_orders(dispatcher, incident, [order.id])
    assert order.resolve_by < before
    from .test_console import signed_in

    office = signed_in(client, dispatcher, "zh")
    page = office.get(f"/orders/{order.id}").get_data(as_text=True)
    assert f"已关联批量故障 {incident.number}" in page
