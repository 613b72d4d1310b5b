"""Parts requests from the field and deliveries confirmed on the phone, pushed and pulled
as a phone would (docs/sync-protocol.md, "Parts requests and deliveries")."""

import uuid

import pytest
from sqlalchemy import select

from server.extensions import db
from server.inventory import fieldstock
from server.inventory import service as stock
from server.inventory.models import (
    LocationKind,
    MovementKind,
    PartRequest,
    StockLocation,
    StockMovement,
    StockReservation,
)
from tests import factories
from tests.factories import walk_to
from tests.sync.phone import new_id


@pytest.fixture(autouse=True)
def in_a_request(app):
    """The office's calls below run as in a console request (their messages translate)."""
    with app.test_request_context():
        yield


@pytest.fixture
def phone(phone_for, technician):
    return phone_for(technician)


@pytest.fixture
def warehouse(dispatcher, make_part):
    location = StockLocation(kind=LocationKind.WAREHOUSE, name="Central warehouse")
    db.session.add(location)
    db.session.flush()
    return location


@pytest.fixture
def on_site(job, phone):
    for to in ("en_route", "on_site"):
        phone.queue("transition", {"order_id": str(job.id), "to": to,
                                   "device_time": phone.now()})
    phone.sync()
    return job


def result_of(phone, mutation_id):
    body = phone.push().get_json()
    return next(r for r in body["results"] if r["id"] == mutation_id)


def level(location, part):
    rows = [lv for lv, _, _ in stock.levels(location.id) if lv.part_id == part.id]
    return rows[0].quantity if rows else 0


def test_a_request_from_site_puts_the_order_awaiting_parts_and_the_phone_sees_it(
        phone, on_site, make_part):
    part = make_part()
    mutation_id, request_id = phone.request_part(str(on_site.id), str(part.id), 2,
                                                 "compressor relay")
    assert result_of(phone, mutation_id)["status"] == "applied"
    db.session.expire_all()
    assert on_site.status == "awaiting_parts"
    request = db.session.get(PartRequest, uuid.UUID(request_id))
    assert (request.quantity, request.status, request.note) == (2, "open", "compressor relay")
    assert [e.kind for e in on_site.events if e.kind == "part_requested"] == ["part_requested"]
    phone.pull()
    assert [(r["status"], r["quantity"]) for r in phone.requests_for(str(on_site.id))] == [
        ("open", 2)]
    assert phone.orders()[str(on_site.id)]["status"] == "awaiting_parts"


def test_the_same_request_again_is_a_replay_and_its_id_with_other_content_is_refused(
        phone, on_site, make_part):
    part = make_part()
    first, request_id = phone.request_part(str(on_site.id), str(part.id), 1)
    phone.push()
    phone.queue("request_part", {"order_id": str(on_site.id), "request_id": request_id,
                                 "part_id": str(part.id), "quantity": 1,
                                 "device_time": phone.now()})
    again = phone.outbox[-1]["id"]
    assert result_of(phone, again)["status"] == "applied"
    phone.queue("request_part", {"order_id": str(on_site.id), "request_id": request_id,
                                 "part_id": str(part.id), "quantity": 3,
                                 "device_time": phone.now()})
    other = phone.outbox[-1]["id"]
    answer = result_of(phone, other)
    assert answer["status"] == "rejected" and answer["reason"] == "duplicate_id"
    assert db.session.scalars(select(PartRequest)).all() == [
        db.session.get(PartRequest, uuid.UUID(request_id))]


def test_a_request_for_an_order_no_longer_the_technician_s_is_refused(
        phone, on_site, make_part, dispatcher, make_technician):
    part = make_part()
    mutation_id, request_id = phone.request_part(str(on_site.id), str(part.id), 1)
    walk_to(on_site, "cancelled", dispatcher, None)
    db.session.commit()
    answer = result_of(phone, mutation_id)
    assert answer["status"] == "rejected" and answer["reason"] == "no_longer_yours"
    assert db.session.get(PartRequest, uuid.UUID(request_id)) is None


def test_the_office_sends_the_part_and_the_technician_confirms_receipt_into_the_van(
        phone, on_site, make_part, warehouse, dispatcher, technician):
    part = make_part()
    stock.record_movement("receive", part, 10, dispatcher.id, target=warehouse)
    _mid, request_id = phone.request_part(str(on_site.id), str(part.id), 3)
    phone.push()
    request = db.session.get(PartRequest, uuid.UUID(request_id))
    assert fieldstock.open_requests() == [request]
    delivery = fieldstock.fulfil(dispatcher.id, request, "send", warehouse)
    db.session.commit()
    van = stock.van_of(technician.id)
    assert (level(warehouse, part), level(fieldstock.transit(), part), level(van, part)) == (
        7, 3, 0)
    phone.pull()
    incoming = phone.incoming()
    assert [(d["quantity"], d["from_name"], d["part_id"]) for d in incoming] == [
        (3, "Central warehouse", str(part.id))]
    assert phone.requests_for(str(on_site.id))[0]["status"] == "sent"
    confirmed = phone.confirm_receipt(incoming[0]["id"], 3)
    assert result_of(phone, confirmed)["status"] == "applied"
    phone.pull()
    assert phone.incoming() == [] and phone.van_level(str(part.id)) == 3
    assert phone.requests_for(str(on_site.id))[0]["status"] == "on_van"
    db.session.expire_all()
    assert (level(fieldstock.transit(), part), level(van, part)) == (0, 3)
    assert delivery.status == "received" and stock.check() == []
    assert fieldstock.open_requests() == []


def test_when_every_requested_part_is_on_the_van_the_job_returns_to_the_queue(
        phone, on_site, make_part, warehouse, dispatcher, technician):
    """Issue 14: "the technician is told when it is on the van; the order returns to the
    board for a new appointment" — only once nothing it asked for is still on its way."""
    from datetime import UTC, datetime, timedelta

    from server.dispatch import service as dispatch
    from server.workorders.models import WorkOrderEvent

    first, second = make_part(), make_part()
    for part in (first, second):
        stock.record_movement("receive", part, 10, dispatcher.id, target=warehouse)
    for part in (first, second):
        phone.request_part(str(on_site.id), str(part.id), 1)
    phone.push()
    requests = fieldstock.open_requests()
    deliveries = [fieldstock.fulfil(dispatcher.id, r, "send", warehouse) for r in requests]
    db.session.commit()
    now = datetime.now(UTC)
    phone.pull()
    phone.confirm_receipt(str(deliveries[0].id), 1)
    phone.push()
    db.session.expire_all()
    assert on_site.status == "awaiting_parts" and on_site.appointment_start is not None
    assert on_site.id not in [item.order.id for item in dispatch.queue(now)]  # one coming
    phone.confirm_receipt(str(deliveries[1].id), 1)
    phone.push()
    db.session.expire_all()
    assert on_site.status == "awaiting_parts" and on_site.assignee_id == technician.id
    assert on_site.appointment_start is None and on_site.appointment_end is None
    assert on_site.id in [item.order.id for item in dispatch.queue(now)]
    cleared = db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == on_site.id, WorkOrderEvent.kind == "field_changed",
        WorkOrderEvent.data["field"].as_string() == "appointment_start")
        .order_by(WorkOrderEvent.seq.desc())).first()
    assert cleared.data["to"] is None and cleared.data["why"] == "parts_on_van"
    # The office books the new visit from the queue; the phone sees it.
    start = now + timedelta(days=1)
    dispatch.assign(dispatcher, on_site, technician.id, start, start + timedelta(hours=1))
    db.session.commit()
    phone.pull()
    assert phone.orders()[str(on_site.id)]["status"] == "scheduled"


def test_a_shortfall_is_booked_as_such_and_a_second_count_is_refused(
        phone, job, make_part, warehouse, dispatcher, technician):
    part = make_part()
    van = stock.van_of(technician.id)
    stock.record_movement("receive", part, 10, dispatcher.id, target=warehouse)
    stock.set_rule(van, part, 2, 4)
    stock.confirm_replenishment(dispatcher.id, warehouse, [
        {"van_id": van.id, "part_id": part.id, "quantity": 4}])
    db.session.commit()
    phone.sync()
    (delivery,) = phone.incoming()
    assert delivery["quantity"] == 4 and delivery["request_id"] is None
    first = phone.confirm_receipt(delivery["id"], 3)
    assert result_of(phone, first)["status"] == "applied"
    same = phone.confirm_receipt(delivery["id"], 3)
    assert result_of(phone, same)["status"] == "applied"  # a replay: nothing booked twice
    other = phone.confirm_receipt(delivery["id"], 4)
    answer = result_of(phone, other)
    assert answer["status"] == "rejected" and answer["reason"] == "already_received"
    db.session.expire_all()
    assert (level(van, part), level(fieldstock.transit(), part)) == (3, 0)
    short = db.session.scalars(select(StockMovement).where(
        StockMovement.reason == MovementKind.SHORTFALL)).all()
    assert [(m.quantity, m.from_location_id, m.to_location_id) for m in short] == [
        (1, fieldstock.transit().id, None)]
    assert stock.check() == []


def test_more_than_sent_or_another_van_s_delivery_is_refused_and_nothing_moves(
        phone, job, make_part, warehouse, dispatcher, make_technician):
    part = make_part()
    stock.record_movement("receive", part, 10, dispatcher.id, target=warehouse)
    other_van = stock.van_of(make_technician().id)
    mine = fieldstock.send_to_van(dispatcher.id, warehouse, stock.van_of(phone.technician.id),
                                  part, 2)[0]
    theirs = fieldstock.send_to_van(dispatcher.id, warehouse, other_van, part, 2)[0]
    db.session.commit()
    phone.sync()
    too_many = phone.confirm_receipt(str(mine.id), 3)
    answer = result_of(phone, too_many)
    assert answer["status"] == "rejected" and answer["reason"] == "more_than_sent"
    assert answer["errors"] == {"received_quantity": ["at most 2"]}
    not_mine = phone.confirm_receipt(str(theirs.id), 2)
    answer = result_of(phone, not_mine)
    assert answer["status"] == "rejected" and answer["reason"] == "not_your_delivery"
    db.session.expire_all()
    assert level(fieldstock.transit(), part) == 4 and stock.check() == []


def test_a_reserved_part_is_not_offered_to_vans_and_leaves_with_its_job(
        phone, on_site, make_part, warehouse, dispatcher, technician, make_technician):
    part = make_part()
    stock.record_movement("receive", part, 3, dispatcher.id, target=warehouse)
    other_van = stock.van_of(make_technician().id)
    stock.set_rule(other_van, part, 1, 3)
    _mid, request_id = phone.request_part(str(on_site.id), str(part.id), 2)
    phone.push()
    request = db.session.get(PartRequest, uuid.UUID(request_id))
    reservation = fieldstock.fulfil(dispatcher.id, request, "reserve", warehouse)
    assert isinstance(reservation, StockReservation) and request.status == "reserved"
    db.session.commit()
    # Three on hand, two held for the job: the other van is offered only one.
    (line,) = stock.proposal(warehouse)
    assert (line["van_id"], line["quantity"], line["short"]) == (other_van.id, 1, 2)
    with pytest.raises(Exception) as refused:
        stock.confirm_replenishment(dispatcher.id, warehouse, [
            {"van_id": other_van.id, "part_id": part.id, "quantity": 2}])
    assert refused.value.errors == {"lines": {0: {"quantity": ["at most 1"]}}}
    db.session.rollback()
    request = db.session.get(PartRequest, uuid.UUID(request_id))
    fieldstock.fulfil(dispatcher.id, request, "send", warehouse)
    db.session.commit()
    reservation = db.session.get(StockReservation, reservation.id)
    assert reservation.status == "sent" and fieldstock.reserved_at(warehouse.id) == {}
    assert level(warehouse, part) == 1 and stock.check() == []


def test_a_reservation_of_a_cancelled_job_holds_nothing(
        job, make_part, warehouse, dispatcher):
    part = make_part()
    stock.record_movement("receive", part, 2, dispatcher.id, target=warehouse)
    fieldstock.reserve(dispatcher.id, warehouse, part, job, 2)
    assert fieldstock.reserved_at(warehouse.id) == {part.id: 2}
    walk_to(job, "cancelled", dispatcher, None)
    assert fieldstock.reserved_at(warehouse.id) == {}
