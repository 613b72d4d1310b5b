"""Escalation of missed deadlines: the owner's supervisor first, the manager later, each
once, as console notifications and in the order's history.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.dispatch.escalation import sweep
from server.dispatch.models import SlaEscalation
from server.extensions import db
from server.notifications import service as notifications
from server.notifications.models import Notification
from server.workorders.models import WorkOrderEvent
from server.workorders.service import transition
from tests.factories import walk_to


@pytest.fixture
def chain(make_user):
    """A dispatcher who reports to a supervisor, who reports to a manager."""
    manager = make_user("dispatcher", name="Manager Ma")
    supervisor = make_user("dispatcher", name="Supervisor Su")
    owner = make_user("dispatcher", name="Desk Du")
    supervisor.supervisor_id = manager.id
    owner.supervisor_id = supervisor.id
    db.session.flush()
    return owner, supervisor, manager


@pytest.fixture
def missed(chain, make_order):
    """An emergency taken by the owner whose on-site deadline passed a minute ago."""
    owner = chain[0]
    order = make_order(owner, priority="emergency")
    order.respond_by = datetime.now(UTC) - timedelta(minutes=1)
    db.session.flush()
    return order


def escalations(order):
    return db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == order.id, WorkOrderEvent.kind == "escalated")
        .order_by(WorkOrderEvent.seq)).all()


def inbox(user):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()


def test_a_missed_deadline_goes_to_the_owner_s_supervisor_at_once(chain, missed):
    owner, supervisor, manager = chain
    result = sweep()
    assert result.escalated == 1 and result.graded == 1
    [note] = inbox(supervisor)
    assert note.work_order_id == missed.id and note.kind == "sla_escalation"
    assert missed.number in note.message and "respond deadline" in note.message
    assert note.read_at is None
    assert inbox(manager) == [] and inbox(owner) == []
    [event] = escalations(missed)
    assert event.actor_id is None  # the system did it
    assert event.data["level"] == "supervisor" and event.data["to"] == "Supervisor Su"
    assert event.data["deadline"] == "respond" and event.data["owner"] == "Desk Du"


def test_then_the_manager_once_the_delay_has_passed_and_each_only_once(app, chain, missed):
    owner, supervisor, manager = chain
    start = datetime.now(UTC)
    delay = app.config["ESCALATE_TO_MANAGER_AFTER_MINUTES"]
    assert sweep(start).escalated == 1
    assert sweep(start + timedelta(minutes=1)).escalated == 0
    assert sweep(start + timedelta(minutes=delay - 1)).escalated == 0
    assert inbox(manager) == []
    assert sweep(start + timedelta(minutes=delay)).escalated == 1
    assert sweep(start + timedelta(minutes=delay + 30)).escalated == 0
    assert sweep(start + timedelta(days=3)).escalated == 0
    assert len(inbox(supervisor)) == 1 and len(inbox(manager)) == 1
    assert [e.data["level"] for e in escalations(missed)] == ["supervisor", "manager"]
    assert [e.data["to"] for e in escalations(missed)] == ["Supervisor Su", "Manager Ma"]


def test_the_history_shows_the_breach_then_the_escalations(chain, missed):
    start = datetime.now(UTC)
    sweep(start)
    sweep(start + timedelta(hours=2))
    kinds = db.session.scalars(select(WorkOrderEvent.kind).where(
        WorkOrderEvent.work_order_id == missed.id).order_by(WorkOrderEvent.seq)).all()
    assert kinds[-3:] == ["sla_breached", "escalated", "escalated"]


def test_an_order_that_is_not_late_is_not_escalated(chain, make_order):
    make_order(chain[0], priority="emergency")
    assert sweep().escalated == 0
    assert db.session.scalar(select(SlaEscalation.id)) is None


def test_an_owner_without_a_supervisor_is_recorded_once_and_nobody_is_notified(
        make_user, make_order):
    loner = make_user("dispatcher")
    order = make_order(loner, priority="emergency")
    order.respond_by = datetime.now(UTC) - timedelta(minutes=1)
    db.session.flush()
    start = datetime.now(UTC)
    assert sweep(start).escalated == 1
    assert sweep(start + timedelta(hours=2)).escalated == 1  # the manager level, also empty
    assert sweep(start + timedelta(hours=4)).escalated == 0
    assert db.session.scalar(select(Notification.id)) is None
    assert [(e.data["level"], e.data["to"]) for e in escalations(order)] == [
        ("supervisor", None), ("manager", None)]


def test_a_later_deadline_missed_escalates_again_from_the_supervisor(
        chain, missed, make_technician):
    owner, supervisor, manager = chain
    start = datetime.now(UTC)
    sweep(start)
    # The technician gets there late; the respond clock stops, the resolve clock runs on.
    walk_to(missed, "on_site", owner, make_technician())
    missed.resolve_by = start + timedelta(hours=1)
    db.session.flush()
    assert sweep(start + timedelta(minutes=30)).escalated == 0
    assert sweep(start + timedelta(hours=1, minutes=1)).escalated == 1
    assert [e.data["deadline"] for e in escalations(missed)] == ["respond", "resolve"]
    assert len(inbox(supervisor)) == 2 and inbox(manager) == []


def test_a_job_completed_late_is_red_but_not_chased(chain, missed, make_technician):
    owner = chain[0]
    tech = make_technician()
    walk_to(missed, "on_site", owner, tech)
    from server.workorders.service import update_order

    update_order(tech.user, missed, {"resolution": "Replaced the gas valve"})
    transition(tech.user, missed, "completed")
    missed.resolve_by = datetime.now(UTC) - timedelta(hours=1)
    missed.completed_at = datetime.now(UTC)
    db.session.flush()
    sweep()
    assert missed.sla_state == "red"
    assert escalations(missed) == []


def test_the_recipient_reads_and_dismisses_notifications(chain, missed):
    supervisor = chain[1]
    sweep()
    assert notifications.unread_count(supervisor) == 1
    [note] = notifications.list_for(supervisor)
    notifications.mark_read(supervisor, note.id)
    assert notifications.unread_count(supervisor) == 0
    assert notifications.list_for(supervisor, unread_only=True) == []


def test_nobody_else_can_mark_someone_s_notification(chain, missed):
    from server.errors import NotFound

    sweep()
    [note] = notifications.list_for(chain[1])
    with pytest.raises(NotFound):
        notifications.mark_read(chain[2], note.id)


def test_a_catch_up_escalates_in_batches_longest_missed_first(chain, make_order):
    from server.dispatch.escalation import escalate_missed
    from server.workorders.service import grade_open_orders

    owner = chain[0]
    now = datetime.now(UTC)
    late = []
    for minutes in (5, 50, 20):
        order = make_order(owner, priority="emergency")
        order.respond_by = now - timedelta(minutes=minutes)
        late.append(order)
    db.session.flush()
    grade_open_orders(now)
    assert escalate_missed(now, batch=2) == 2
    assert {e.work_order_id for e in db.session.scalars(select(SlaEscalation))} == {
        late[1].id, late[2].id}
    assert escalate_missed(now, batch=2) == 1
    assert escalate_missed(now, batch=2) == 0
