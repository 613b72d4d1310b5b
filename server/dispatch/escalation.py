"""The SLA sweep: grade every open order, then hand missed deadlines up the chain.

Escalation follows first-contact ownership: a missed deadline goes to the supervisor of
the order's owner (``User.supervisor_id``), and, if it is still missed
``ESCALATE_TO_MANAGER_AFTER_MINUTES`` later, to that supervisor's own supervisor, the
manager. Each step happens once per order and deadline (``SlaEscalation``'s unique key),
notifies the recipient in the console and is written in the order's history. A step with
nobody to tell (no owner, no supervisor) is still recorded, so it is not retried every
minute, and the history says the chain was empty.

Only orders still racing a deadline escalate: a job completed late is graded red but has
nothing left for a supervisor to chase. Steps are found in one query and written in bulk;
a sweep takes at most ``ESCALATION_BATCH`` of them, longest-missed first, so a catch-up
after the worker was down (thousands of misses at once) spreads over a few minutes instead
of holding the database for one long transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..database import utcnow
from ..extensions import db
from ..notifications.models import Notification
from ..workorders import grading, lifecycle, sla
from ..workorders.models import WorkOrder
from ..workorders.service import add_events_in_bulk, grade_open_orders
from .models import SlaEscalation

SUPERVISOR, MANAGER = 1, 2
LEVEL_NAMES = {SUPERVISOR: "supervisor", MANAGER: "manager"}


@dataclass(frozen=True)
class SweepResult:
    graded: int  # orders whose SLA state changed
    escalated: int  # escalation steps taken (notified or recorded as having nobody to tell)


def sweep(now: datetime | None = None) -> SweepResult:
    """Grade every open order, then escalate what is missed (orders and complaints).
    Flushes, never commits."""
    from ..complaints.service import escalate_overdue
    from ..followups.service import close_answered

    now = now or utcnow()
    close_answered(now)
    graded = grade_open_orders(now)
    return SweepResult(graded, escalate_missed(now) + escalate_overdue(now))


@dataclass(frozen=True)
class _Step:
    order_id: uuid.UUID
    number: str
    deadline: str
    due: datetime
    level: int
    recipient: User | None
    owner: User | None


def escalate_missed(now: datetime | None = None, batch: int | None = None) -> int:
    """Take the escalation steps due at ``now``, the longest-missed first, at most
    ``ESCALATION_BATCH`` of them (the rest follow a minute later); returns how many."""
    now = now or utcnow()
    batch = batch or current_app.config["ESCALATION_BATCH"]
    delay = timedelta(minutes=current_app.config["ESCALATE_TO_MANAGER_AFTER_MINUTES"])
    kind, due = grading.running_deadline_kind(), grading.running_deadline()
    first, second = aliased(SlaEscalation), aliased(SlaEscalation)
    racing = sorted(lifecycle.OPEN - sla.RESOLVED)
    rows = db.session.execute(
        select(WorkOrder.id, WorkOrder.number, WorkOrder.owner_id, kind, due, first.id)
        .outerjoin(first, and_(first.work_order_id == WorkOrder.id, first.deadline == kind,
                               first.level == SUPERVISOR))
        .outerjoin(second, and_(second.work_order_id == WorkOrder.id, second.deadline == kind,
                                second.level == MANAGER))
        .where(WorkOrder.sla_state == "red", WorkOrder.status.in_(racing),
               due.is_not(None), second.id.is_(None),
               or_(first.id.is_(None), first.escalated_at <= now - delay))
        .order_by(due, WorkOrder.number).limit(batch)
    ).all()
    if not rows:
        return 0
    chain = _chain({owner_id for _, _, owner_id, _, _, _ in rows if owner_id})
    steps = []
    for order_id, number, owner_id, deadline, due_at, first_id in rows:
        level = SUPERVISOR if first_id is None else MANAGER
        owner = chain.get(owner_id)
        boss = chain.get(owner.supervisor_id) if owner else None
        recipient = boss if level == SUPERVISOR else (
            chain.get(boss.supervisor_id) if boss else None)
        steps.append(_Step(order_id, number, deadline, due_at, level, recipient, owner))
    _record(steps, now)
    return len(steps)


def _chain(owner_ids: set[uuid.UUID]) -> dict[uuid.UUID, User]:
    """The owners, their supervisors and their managers, by id, in two or three queries."""
    people: dict[uuid.UUID, User] = {}
    wanted = set(owner_ids)
    for _ in range(3):
        wanted -= set(people)
        if not wanted:
            break
        found = db.session.scalars(select(User).where(User.id.in_(sorted(wanted)))).all()
        people.update({user.id: user for user in found})
        wanted = {user.supervisor_id for user in found if user.supervisor_id}
    return people


def _message(step: _Step) -> str:
    what = "respond" if step.deadline == "respond" else "resolve"
    to = f"{LEVEL_NAMES[step.level]} {step.recipient.name}" if step.recipient \
        else f"nobody (no {LEVEL_NAMES[step.level]} set)"
    return (f"{step.number} missed its {what} deadline ({step.due.isoformat()}); "
            f"escalated to {to}.")


def _record(steps: list[_Step], now: datetime) -> None:
    db.session.execute(insert(SlaEscalation.__table__), [
        {"id": uuid.uuid4(), "work_order_id": s.order_id, "deadline": s.deadline,
         "level": s.level, "due_at": s.due, "escalated_at": now,
         "recipient_id": s.recipient.id if s.recipient else None} for s in steps])
    notified = [s for s in steps if s.recipient is not None]
    if notified:
        db.session.execute(insert(Notification.__table__), [
            {"id": uuid.uuid4(), "user_id": s.recipient.id, "work_order_id": s.order_id,
             "kind": "sla_escalation", "message": _message(s), "created_at": now,
             "read_at": None, "data": _data(s)} for s in notified])
    add_events_in_bulk([
        (s.order_id, {"kind": "escalated", "server_time": now, "data": _data(s)})
        for s in steps])


def _data(step: _Step) -> dict:
    return {"number": step.number, "deadline": step.deadline, "due": step.due.isoformat(),
            "level": LEVEL_NAMES[step.level],
            "to_id": str(step.recipient.id) if step.recipient else None,
            "to": step.recipient.name if step.recipient else None,
            "owner": step.owner.name if step.owner else None}
