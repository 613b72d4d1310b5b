"""The set-based SLA sweep: SQL grading agrees with ``sla.grade``, breaches are recorded
once, and the sweep leaves the order's edit version alone.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from server.extensions import db
from server.workorders import grading, sla
from server.workorders.models import WorkOrder, WorkOrderEvent
from server.workorders.service import grade_open_orders
from sync.positions import transaction_position

T0 = datetime(2030, 6, 3, 1, 0, tzinfo=UTC)
STATUSES = ["new", "scheduled", "en_route", "on_site", "awaiting_parts", "awaiting_customer",
            "completed", "signed", "reopened"]


def _scatter(make_order, count: int, seed: int) -> list[WorkOrder]:
    """Orders with every combination of status, priority, appointment and deadlines."""
    rng = random.Random(seed)
    customer_orders = []
    for _ in range(count):
        order = make_order(priority=rng.choice(["emergency", "high", "normal", "low"]))
        order.status = rng.choice(STATUSES)
        order.created_at = T0 - timedelta(seconds=rng.randrange(0, 3 * 86400))
        order.respond_by = rng.choice([None, order.created_at + timedelta(
            seconds=rng.randrange(-3600, 3 * 86400))])
        order.resolve_by = rng.choice([None, order.created_at + timedelta(
            seconds=rng.randrange(0, 6 * 86400))])
        order.appointment_start = rng.choice([None, T0 + timedelta(hours=rng.randrange(48))])
        order.completed_at = rng.choice([None, T0 + timedelta(seconds=rng.randrange(
            -86400, 86400))])
        customer_orders.append(order)
    db.session.flush()
    return customer_orders


def test_sql_grading_agrees_with_the_python_rules(make_order):
    orders = _scatter(make_order, 120, seed=6)
    dialect = db.session.get_bind().dialect.name
    ids = [o.id for o in orders]
    for hours in (-30, 0, 7, 19, 40, 75, 150):
        now = T0 + timedelta(hours=hours, seconds=17)
        in_sql = dict(db.session.execute(
            select(WorkOrder.id, grading.grade(now, dialect)).where(WorkOrder.id.in_(ids))).all())
        for order in orders:
            assert in_sql[order.id] == sla.grade(order, now), (hours, order.status,
                                                                order.priority)


def test_sql_running_deadline_agrees_with_the_python_rule(make_order):
    orders = _scatter(make_order, 40, seed=7)
    rows = db.session.execute(select(WorkOrder.id, grading.running_deadline_kind(),
                                     grading.running_deadline())
                              .where(WorkOrder.id.in_([o.id for o in orders]))).all()
    by_id = {order.id: order for order in orders}
    for order_id, kind, due in rows:
        assert (kind, due) == sla.running_deadline(by_id[order_id])


def test_the_sweep_updates_only_what_changed_and_reports_the_count(make_order):
    late = make_order(priority="emergency")
    late.respond_by = datetime.now(UTC) - timedelta(minutes=5)
    fine = make_order()
    db.session.flush()
    assert grade_open_orders() == 1
    assert (late.sla_state, fine.sla_state) == ("red", "green")
    assert grade_open_orders() == 0


def test_a_breach_is_written_in_the_history_once_with_the_deadline_it_missed(make_order):
    order = make_order(priority="emergency")
    due = datetime.now(UTC) - timedelta(minutes=5)
    order.respond_by = due
    make_order(priority="emergency")  # on time: no event
    db.session.flush()
    grade_open_orders()
    grade_open_orders()
    breaches = db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == order.id, WorkOrderEvent.kind == "sla_breached")).all()
    assert len(breaches) == 1
    assert breaches[0].data == {"deadline": "respond",
                                "due": due.replace(microsecond=0).isoformat()}
    seqs = db.session.scalars(select(WorkOrderEvent.seq).where(
        WorkOrderEvent.work_order_id == order.id).order_by(WorkOrderEvent.seq)).all()
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_regrade_is_not_an_edit_the_version_stays(make_order):
    order = make_order(priority="emergency")
    order.respond_by = datetime.now(UTC) - timedelta(minutes=5)
    db.session.flush()
    # As if the order had been written by an earlier transaction.
    db.session.execute(update(WorkOrder).where(WorkOrder.id == order.id).values(sync_pos=0))
    version = order.version
    grade_open_orders()
    assert order.version == version
    assert order.sync_pos == transaction_position(db.session)  # phones pull the new state


def test_closed_and_cancelled_orders_are_left_alone(make_order):
    closed = make_order(status="closed")
    cancelled = make_order(status="cancelled")
    for order in (closed, cancelled):
        order.resolve_by = datetime.now(UTC) - timedelta(days=9)
        order.sla_state = "yellow"
    db.session.flush()
    grade_open_orders()
    assert closed.sla_state == cancelled.sla_state == "yellow"


def test_many_changes_at_once_take_the_set_based_path_with_the_same_result(
        make_order, monkeypatch):
    from server.workorders import service

    monkeypatch.setattr(service, "BY_ID_LIMIT", 1)
    orders = _scatter(make_order, 40, seed=9)
    for order in orders:
        order.sla_state = "green"
    db.session.flush()
    now = T0 + timedelta(hours=20)
    expected = {o.id: sla.grade(o, now) for o in orders if o.status not in ("closed",
                                                                               "cancelled")}
    changed = grade_open_orders(now)
    assert changed == sum(1 for state in expected.values() if state != "green")
    for order in orders:
        assert order.sla_state == expected[order.id]
        breaches = db.session.scalars(select(WorkOrderEvent).where(
            WorkOrderEvent.work_order_id == order.id,
            WorkOrderEvent.kind == "sla_breached")).all()
        assert len(breaches) == (expected[order.id] == "red")
