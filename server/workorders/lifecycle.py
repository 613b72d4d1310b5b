"""The work-order state machine: the one place that says which status may follow which.

Used by the API, the console and the sync engine alike. It knows nothing about the
database: callers ask ``check_transition`` and apply the result themselves.

    new → scheduled → en_route → on_site → (awaiting_parts | awaiting_customer) →
    completed → signed → closed, plus cancelled and reopened.

``signed`` means a customer signed: ``completed → signed`` needs a customer's signature
captured for the order (the caller says whether there is one; ``workorders.service`` looks
it up), whoever asks and through whichever door (REST, console, sync, demo data, CLI).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Status(enum.StrEnum):
    NEW = "new"
    SCHEDULED = "scheduled"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    AWAITING_PARTS = "awaiting_parts"
    AWAITING_CUSTOMER = "awaiting_customer"
    COMPLETED = "completed"
    SIGNED = "signed"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    REOPENED = "reopened"


OFFICE = frozenset({"admin", "dispatcher"})
FIELD = frozenset({"technician"})
ANYONE = OFFICE | FIELD
PAUSED = frozenset({Status.AWAITING_PARTS, Status.AWAITING_CUSTOMER})
# Statuses in which the technician is doing work on site that must never be discarded.
WORK_DONE = frozenset({Status.COMPLETED, Status.SIGNED})
OPEN = frozenset(Status) - {Status.CLOSED, Status.CANCELLED}
TERMINAL = frozenset({Status.CLOSED, Status.CANCELLED})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    needs_reason: bool = False
    # Names of order attributes that must be set before the transition is allowed.
    needs: tuple[str, ...] = ()
    # Only with a customer's signature captured for the order.
    needs_signature: bool = False


S = Status
TRANSITIONS: dict[tuple[Status, Status], Rule] = {
    (S.NEW, S.SCHEDULED): Rule(OFFICE, needs=("assignee_id", "appointment_start")),
    (S.NEW, S.CANCELLED): Rule(OFFICE, needs_reason=True),
    (S.SCHEDULED, S.EN_ROUTE): Rule(ANYONE),
    (S.SCHEDULED, S.NEW): Rule(OFFICE, needs_reason=True),  # unassigned again
    (S.SCHEDULED, S.CANCELLED): Rule(OFFICE, needs_reason=True),
    (S.EN_ROUTE, S.ON_SITE): Rule(ANYONE),
    (S.EN_ROUTE, S.SCHEDULED): Rule(ANYONE, needs_reason=True),  # turned back
    (S.EN_ROUTE, S.CANCELLED): Rule(OFFICE, needs_reason=True),
    (S.ON_SITE, S.AWAITING_PARTS): Rule(ANYONE, needs_reason=True),
    (S.ON_SITE, S.AWAITING_CUSTOMER): Rule(ANYONE, needs_reason=True),
    (S.ON_SITE, S.COMPLETED): Rule(ANYONE, needs=("resolution",)),
    (S.ON_SITE, S.CANCELLED): Rule(OFFICE, needs_reason=True),  # customer sent them away
    (S.AWAITING_PARTS, S.ON_SITE): Rule(ANYONE),
    (S.AWAITING_PARTS, S.EN_ROUTE): Rule(ANYONE),
    (S.AWAITING_PARTS, S.SCHEDULED): Rule(OFFICE, needs=("assignee_id", "appointment_start")),
    (S.AWAITING_PARTS, S.CANCELLED): Rule(OFFICE, needs_reason=True),
    (S.AWAITING_CUSTOMER, S.ON_SITE): Rule(ANYONE),
    (S.AWAITING_CUSTOMER, S.EN_ROUTE): Rule(ANYONE),
    (S.AWAITING_CUSTOMER, S.SCHEDULED): Rule(OFFICE, needs=("assignee_id", "appointment_start")),
    (S.AWAITING_CUSTOMER, S.CANCELLED): Rule(OFFICE, needs_reason=True),
    (S.COMPLETED, S.SIGNED): Rule(ANYONE, needs_signature=True),
    (S.COMPLETED, S.REOPENED): Rule(OFFICE, needs_reason=True),
    (S.SIGNED, S.CLOSED): Rule(OFFICE),
    (S.SIGNED, S.REOPENED): Rule(OFFICE, needs_reason=True),
    (S.CLOSED, S.REOPENED): Rule(OFFICE, needs_reason=True),
    (S.REOPENED, S.SCHEDULED): Rule(OFFICE, needs=("assignee_id", "appointment_start")),
    (S.REOPENED, S.CANCELLED): Rule(OFFICE, needs_reason=True),
}


class TransitionError(Exception):
    """A transition the state machine refuses. ``code`` says why, for clients to act on."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def allowed_targets(current: str, role: str, signed: bool = False) -> list[Status]:
    """Statuses a user with ``role`` may move an order in ``current`` status to; ``signed``
    says whether a customer's signature is captured for it (else ``signed`` is not offered)."""
    return [to for (frm, to), rule in TRANSITIONS.items()
            if frm == current and role in rule.roles and (signed or not rule.needs_signature)]


def check_transition(order, target: str, role: str, reason: str | None = None,
                     signed: bool = False) -> Rule:
    """Return the rule allowing ``order`` to move to ``target``, or raise TransitionError.

    ``order`` is anything with a ``status`` attribute and the attributes rules may need;
    ``signed`` says whether a customer's signature is captured for it.
    Raises TransitionError with code ``unknown_status``, ``not_allowed``, ``forbidden_role``,
    ``reason_required``, ``missing_signature`` or ``missing_<field>``.
    """
    try:
        current, wanted = Status(order.status), Status(target)
    except ValueError:
        raise TransitionError("unknown_status", f"unknown status {target!r}") from None
    rule = TRANSITIONS.get((current, wanted))
    if rule is None:
        raise TransitionError("not_allowed", f"cannot go from {current} to {wanted}")
    if role not in rule.roles:
        raise TransitionError(
            "forbidden_role", f"a {role} cannot move an order from {current} to {wanted}"
        )
    if rule.needs_reason and not (reason and reason.strip()):
        raise TransitionError("reason_required", f"moving to {wanted} needs a reason")
    if rule.needs_signature and not signed:
        raise TransitionError("missing_signature",
                              f"moving to {wanted} needs the customer's signature")
    for field in rule.needs:
        if not getattr(order, field, None):
            raise TransitionError(f"missing_{field}", f"moving to {wanted} needs {field}")
    return rule
