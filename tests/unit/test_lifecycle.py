"""Every allowed and every refused transition of the work-order state machine."""

from itertools import product
from types import SimpleNamespace

import pytest

from server.workorders.lifecycle import (
    OFFICE,
    TRANSITIONS,
    Status,
    TransitionError,
    allowed_targets,
    check_transition,
)

ROLES = ("admin", "dispatcher", "technician")


def ready_order(status):
    """An order with everything any rule might need, so only the graph and roles decide."""
    return SimpleNamespace(status=status, assignee_id="t1", appointment_start="soon",
                           resolution="fixed")


@pytest.mark.parametrize(("frm", "to", "role"), [
    (f, t, r) for (f, t), rule in TRANSITIONS.items() for r in sorted(rule.roles)
])
def test_each_allowed_transition_passes_for_its_roles(frm, to, role):
    assert check_transition(ready_order(frm), to, role, reason="because",
                            signed=True) is TRANSITIONS[(frm, to)]


@pytest.mark.parametrize(("frm", "to"), [
    (f, t) for f, t in product(Status, Status) if (f, t) not in TRANSITIONS
])
def test_every_transition_not_in_the_table_is_refused(frm, to):
    for role in ROLES:
        with pytest.raises(TransitionError) as refused:
            check_transition(ready_order(frm), to, role, reason="because", signed=True)
        assert refused.value.code == "not_allowed"


@pytest.mark.parametrize(("frm", "to", "role"), [
    (f, t, r) for (f, t), rule in TRANSITIONS.items() for r in ROLES if r not in rule.roles
])
def test_roles_outside_a_rule_are_refused(frm, to, role):
    with pytest.raises(TransitionError) as refused:
        check_transition(ready_order(frm), to, role, reason="because")
    assert refused.value.code == "forbidden_role"


@pytest.mark.parametrize(("frm", "to"), [k for k, rule in TRANSITIONS.items() if rule.needs_reason])
def test_transitions_that_need_a_reason_refuse_a_blank_one(frm, to):
    role = sorted(TRANSITIONS[(frm, to)].roles)[0]
    for blank in (None, "", "   "):
        with pytest.raises(TransitionError) as refused:
            check_transition(ready_order(frm), to, role, reason=blank)
        assert refused.value.code == "reason_required"


def test_scheduling_needs_an_assignee_and_an_appointment():
    order = SimpleNamespace(status="new", assignee_id=None, appointment_start="soon")
    with pytest.raises(TransitionError, match="assignee_id") as refused:
        check_transition(order, "scheduled", "dispatcher")
    assert refused.value.code == "missing_assignee_id"
    order.assignee_id, order.appointment_start = "t1", None
    with pytest.raises(TransitionError) as refused:
        check_transition(order, "scheduled", "dispatcher")
    assert refused.value.code == "missing_appointment_start"


def test_completion_needs_a_resolution():
    order = SimpleNamespace(status="on_site", resolution="")
    with pytest.raises(TransitionError) as refused:
        check_transition(order, "completed", "technician")
    assert refused.value.code == "missing_resolution"


def test_unknown_target_status_is_named():
    with pytest.raises(TransitionError) as refused:
        check_transition(ready_order("new"), "teleported", "dispatcher")
    assert refused.value.code == "unknown_status"


def test_technician_cannot_cancel_or_close_but_the_office_can():
    assert Status.CANCELLED not in allowed_targets("scheduled", "technician")
    assert Status.CANCELLED in allowed_targets("scheduled", "dispatcher")
    assert Status.CLOSED in allowed_targets("signed", "admin")
    assert allowed_targets("signed", "technician") == []


def test_terminal_statuses_only_reopen():
    assert allowed_targets("cancelled", "dispatcher") == []
    assert allowed_targets("closed", "dispatcher") == [Status.REOPENED]
    assert set(TRANSITIONS[("closed", "reopened")].roles) == OFFICE


def test_every_status_is_reachable_from_new():
    reachable, frontier = {Status.NEW}, [Status.NEW]
    while frontier:
        here = frontier.pop()
        for (frm, to) in TRANSITIONS:
            if frm == here and to not in reachable:
                reachable.add(to)
                frontier.append(to)
    assert reachable == set(Status)


@pytest.mark.parametrize("role", ROLES)
def test_no_one_reaches_signed_without_a_customers_signature(role):
    with pytest.raises(TransitionError) as refused:
        check_transition(ready_order("completed"), "signed", role)
    assert refused.value.code == "missing_signature"
    assert Status.SIGNED not in allowed_targets("completed", role)
    assert Status.SIGNED in allowed_targets("completed", role, signed=True)
