"""Recording, first-contact ownership, steps, the close rules, escalation and what the
customer is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.complaints import service
from server.complaints.models import ComplaintStep
from server.database import utcnow
from server.errors import Conflict, Invalid
from server.extensions import db
from server.messaging.models import Message
from server.notifications.models import Notification


@pytest.fixture
def chain(make_user):
    """An owner, their supervisor, and the supervisor's manager."""
    manager = make_user("dispatcher", name="Manager Ma")
    supervisor = make_user("dispatcher", name="Supervisor Su")
    owner = make_user("dispatcher", name="Owner Ou")
    supervisor.supervisor_id, owner.supervisor_id = manager.id, supervisor.id
    db.session.flush()
    return owner, supervisor, manager


@pytest.fixture
def done_order(make_order, make_customer, make_technician):
    customer = make_customer(phone="+86 138 0013 8000")
    return make_order(customer=customer, status="closed", assignee=make_technician(name="Li Wei"))


def test_whoever_records_a_complaint_owns_it_with_the_orders_customer_technician_and_appliance(
        chain, done_order):
    owner = chain[0]
    c = service.record(owner, description="修完没几天又坏了", channel="console",
                       work_order_id=done_order.id)
    assert c.owner_id == owner.id
    assert (c.customer_id, c.technician_id, c.asset_id) == (
        done_order.customer_id, done_order.assignee_id, done_order.asset_id)
    assert c.status == "open" and c.grade == "green"
    assert c.respond_by == service.deadlines(c.created_at, "green").respond_by


def test_a_complaint_needs_a_customer_or_an_order_and_a_description(chain):
    with pytest.raises(Invalid) as refused:
        service.record(chain[0], description="bad", channel="console")
    assert "customer_id" in refused.value.errors
    with pytest.raises(Invalid) as refused:
        service.record(chain[0], description="  ", channel="console", customer_id=chain[0].id)
    assert "description" in refused.value.errors


def test_a_red_complaint_notifies_the_supervisor_at_once(chain, done_order):
    owner, supervisor, _ = chain
    c = service.record(owner, description="Flooded the kitchen", channel="console", grade="red",
                       work_order_id=done_order.id)
    note = db.session.scalar(select(Notification).where(Notification.user_id == supervisor.id))
    assert note is not None and note.kind == "complaint_escalation"
    assert c.escalation_level == 1


def test_an_answer_is_messaged_to_the_customer_and_stops_the_respond_clock(chain, done_order):
    c = service.record(chain[0], description="Still leaking", channel="console",
                       work_order_id=done_order.id)
    service.add_step(chain[0], c, "answer", said_to_customer="We are sorry; we are checking.")
    assert c.status == "answered" and c.answered_at is not None
    assert service.next_deadline(c)[0] == "verify"
    sent = db.session.scalars(select(Message).where(Message.kind == "complaint_update")).all()
    assert sent and sent[0].data["said"] == "We are sorry; we are checking."


def test_an_answer_must_say_something_to_the_customer_and_a_plan_needs_its_date(chain,
                                                                                 done_order):
    c = service.record(chain[0], description="x", channel="console", work_order_id=done_order.id)
    with pytest.raises(Invalid) as refused:
        service.add_step(chain[0], c, "answer")
    assert "said_to_customer" in refused.value.errors
    with pytest.raises(Invalid) as refused:
        service.add_step(chain[0], c, "plan", said_to_customer="New compressor next week")
    assert "plan_due" in refused.value.errors
    assert service.steps(c) == []


def test_a_complaint_from_the_customers_page_is_owned_by_the_first_to_act(chain, done_order):
    c = service.record(None, description="No one called back", channel="link",
                       work_order_id=done_order.id)
    assert c.owner_id is None
    service.add_step(chain[1], c, "note", note="Called the technician")
    assert c.owner_id == chain[1].id
    with pytest.raises(Conflict):
        service.take(chain[0], c)


@pytest.mark.parametrize("missing", ["resolution", "category", "confirmation"])
def test_a_complaint_closes_only_with_resolution_root_cause_and_confirmation(
        chain, done_order, missing):
    c = service.record(chain[0], description="x", channel="console", work_order_id=done_order.id)
    args = {"resolution": "Replaced the valve free of charge", "category": "repair_quality",
            "confirmation": "customer"}
    args[missing] = ""
    with pytest.raises(Invalid) as refused:
        service.close(chain[0], c, **args)
    assert list(refused.value.errors) == [missing]
    assert c.status != "closed"


def test_a_closed_complaint_takes_no_more_steps(chain, done_order):
    c = service.record(chain[0], description="x", channel="console", work_order_id=done_order.id)
    service.close(chain[0], c, resolution="Refunded the call-out", category="charges",
                  confirmation="followup")
    assert c.status == "closed" and c.closed_at is not None
    with pytest.raises(Conflict):
        service.add_step(chain[0], c, "note", note="late")
    with pytest.raises(Conflict):
        service.close(chain[0], c, resolution="again", category="charges",
                      confirmation="customer")


def test_a_missed_deadline_goes_to_the_supervisor_then_the_manager(app, chain, done_order):
    owner, supervisor, manager = chain
    c = service.record(owner, description="x", channel="console", work_order_id=done_order.id)
    assert service.escalate_overdue(c.respond_by - timedelta(minutes=1)) == 0
    late = c.respond_by + timedelta(minutes=1)
    assert service.escalate_overdue(late) == 1
    assert service.escalate_overdue(late + timedelta(minutes=5)) == 0  # once per level
    wait = timedelta(minutes=app.config["ESCALATE_TO_MANAGER_AFTER_MINUTES"])
    assert service.escalate_overdue(late + wait) == 1
    assert service.escalate_overdue(late + wait * 3) == 0
    told = [n.user_id for n in db.session.scalars(
        select(Notification).where(Notification.kind == "complaint_escalation")
        .order_by(Notification.created_at))]
    assert told == [supervisor.id, manager.id]
    levels = [s.level for s in db.session.scalars(
        select(ComplaintStep).where(ComplaintStep.kind == "escalated"))]
    assert levels == [1, 2]


def test_an_answered_complaint_escalates_when_the_facts_are_not_verified_in_time(chain,
                                                                                done_order):
    owner, supervisor, _ = chain
    c = service.record(owner, description="x", channel="console", work_order_id=done_order.id)
    service.add_step(owner, c, "answer", said_to_customer="Checking.",
                     now=c.created_at + timedelta(minutes=5))
    assert service.escalate_overdue(c.respond_by + timedelta(hours=1)) == 0
    assert service.escalate_overdue(c.verify_by + timedelta(minutes=1)) == 1
    assert db.session.scalars(select(ComplaintStep).where(
        ComplaintStep.kind == "escalated")).one().note == "verify"


def test_the_sla_sweep_escalates_complaints(chain, done_order):
    from server.dispatch.escalation import sweep

    c = service.record(chain[0], description="x", channel="console", work_order_id=done_order.id)
    result = sweep(c.respond_by + timedelta(minutes=1))
    assert result.escalated >= 1 and c.escalation_level == 1


def test_a_closed_complaint_never_escalates(chain, done_order):
    c = service.record(chain[0], description="x", channel="console", work_order_id=done_order.id)
    service.close(chain[0], c, resolution="done", category="other", confirmation="customer")
    assert service.escalate_overdue(utcnow() + timedelta(days=30)) == 0


def test_the_queue_puts_the_nearest_deadline_first_and_filters_by_colour(chain, done_order):
    owner = chain[0]
    later = service.record(owner, description="later", channel="console",
                           work_order_id=done_order.id, now=utcnow())
    sooner = service.record(owner, description="sooner", channel="console", grade="yellow",
                            work_order_id=done_order.id, now=utcnow() - timedelta(days=7))
    rows = service.queue()
    assert [r.complaint for r in rows][:2] == [sooner, later]
    assert rows[0].overdue
    assert [r.complaint for r in service.queue(grade="yellow")] == [sooner]
