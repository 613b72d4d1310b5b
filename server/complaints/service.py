"""The complaints workflow's rules (seed 003 投诉处理, seed 001 红黄绿, seed 004 自动升级).

* **First-contact ownership (首问负责制).** Whoever records a complaint owns it until it
  closes. One recorded by the customer on their page has no owner until someone in the
  office takes it (``take``); from then on it is theirs.
* **Deadlines on the working calendar** (``deadlines``): the customer is answered within
  ``COMPLAINT_RESPOND_DAYS`` working days, the facts are verified within
  ``COMPLAINT_VERIFY_DAYS``; a green complaint is closed within
  ``COMPLAINT_GREEN_CLOSE_DAYS``, a yellow one reports progress within
  ``COMPLAINT_YELLOW_PROGRESS_DAYS``. A resolution plan told to the customer adds its own
  date. After hours, weekends and holidays do not count.
* **Grading.** green: the owner's team solves it; yellow: another department is needed;
  red: serious: the owner's supervisor is notified the moment it is recorded.
* **Escalation** (``escalate_overdue``, called by the SLA sweep): a missed deadline goes
  to the owner's supervisor, then, ``ESCALATE_TO_MANAGER_AFTER_MINUTES`` later, to the
  supervisor's manager. Each level happens once per complaint; each is a step and a
  console notification.
* **Steps** are records: who, when, what was said to the customer. What was said is
  messaged to the customer through the outbox (an event on the order queues it).
* **Closure** needs a resolution, a root-cause category and the customer's confirmation
  or a follow-up.

Functions flush, never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from ..accounts.models import User
from ..database import utcnow
from ..errors import Conflict, Invalid, NotFound, checked_text
from ..extensions import db
from ..notifications.models import Notification
from ..workorders import sla
from ..workorders.models import WorkOrder
from ..workorders.service import add_event, calendar, order_calendar
from .models import CATEGORIES, CHANNELS, CONFIRMATIONS, GRADES, Complaint, ComplaintStep

MAX_TEXT = 4000
# Steps the office takes by hand (the others are written by the rules).
MANUAL_STEPS = ("answer", "verify", "plan", "progress", "result", "note")
SUPERVISOR, MANAGER = 1, 2
LEVEL_NAMES = {SUPERVISOR: "supervisor", MANAGER: "manager"}


@dataclass(frozen=True)
class Deadlines:
    respond_by: datetime
    verify_by: datetime
    resolve_by: datetime


def deadlines(received_at: datetime, grade: str, cal: sla.WorkingCalendar | None = None,
              config=None) -> Deadlines:
    """The complaint's deadlines for ``grade``, counted in working time from ``received_at``."""
    cal = cal or calendar()
    config = config or current_app.config
    day = cal.day_length

    def after(days: float) -> datetime:
        return cal.add_working_time(received_at, day * days)

    resolve_days = config["COMPLAINT_GREEN_CLOSE_DAYS"] if grade == "green" \
        else config["COMPLAINT_YELLOW_PROGRESS_DAYS"]
    return Deadlines(after(config["COMPLAINT_RESPOND_DAYS"]),
                     after(config["COMPLAINT_VERIFY_DAYS"]), after(resolve_days))


def _text(value, field: str, required: bool = True, limit: int = MAX_TEXT) -> str | None:
    """A free-text argument (required unless said): ``errors.checked_text``."""
    return checked_text(value, field, required=required, limit=limit)


def _choice(value, field: str, choices) -> str:
    if value not in choices:
        msg = _l("Must be one of: %(choices)s.", choices=", ".join(choices))
        raise Invalid(msg, {field: [msg]})
    return value


def get(complaint_id: uuid.UUID) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(_l("No such complaint."))
    return complaint


def record(actor: User | None, *, description: str, channel: str, grade: str = "green",
           work_order_id: uuid.UUID | None = None, customer_id: uuid.UUID | None = None,
           technician_id: uuid.UUID | None = None, asset_id: uuid.UUID | None = None,
           now: datetime | None = None) -> Complaint:
    """Record a complaint from any channel; ``actor`` (None: the customer) owns it.

    The order fills in the customer, technician and appliance unless given. Raises
    Invalid naming the field (no order and no customer, bad grade or channel, empty text).
    """
    now = now or utcnow()
    description = _text(description, "description")
    _choice(channel, "channel", CHANNELS)
    _choice(grade, "grade", GRADES)
    order = None
    if work_order_id is not None:
        order = db.session.get(WorkOrder, work_order_id)
        if order is None:
            raise Invalid(_l("No such order."), {"work_order_id": [_l("No such order.")]})
        customer_id = customer_id or order.customer_id
        technician_id = technician_id or order.assignee_id
        asset_id = asset_id or order.asset_id
    if customer_id is None:
        raise Invalid(_l("Say which customer or order the complaint is about."),
                      {"customer_id": [_l("Required when there is no order.")]})
    # Counted on the calendar of the order's region (the company's without an order).
    due = deadlines(now, grade, order_calendar(order))
    complaint = Complaint(
        customer_id=customer_id, work_order_id=work_order_id, channel=channel,
        description=description, status="open", grade=grade, created_at=now,
        owner_id=actor.id if actor is not None and actor.role != "technician" else None,
        technician_id=technician_id, asset_id=asset_id, respond_by=due.respond_by,
        verify_by=due.verify_by, resolve_by=due.resolve_by, escalation_level=0)
    db.session.add(complaint)
    db.session.flush()
    if order is not None:
        add_event(order, "complaint", actor, server_time=now,
                  data={"complaint_id": str(complaint.id), "grade": grade})
    if grade == "red":
        # A serious complaint: the supervisor hears of it at once, not when it is late.
        _escalate(complaint, SUPERVISOR, now, reason="red")
    db.session.flush()
    return complaint


def take(actor: User, complaint: Complaint) -> Complaint:
    """Own a complaint nobody owns yet (one the customer recorded on their page)."""
    if complaint.owner_id is not None and complaint.owner_id != actor.id:
        raise Conflict(_l("This complaint already has an owner."))
    complaint.owner_id = actor.id
    db.session.flush()
    return complaint


def add_step(actor: User, complaint: Complaint, kind: str, *, said_to_customer: str | None = None,
             note: str | None = None, plan_due: datetime | None = None,
             now: datetime | None = None) -> ComplaintStep:
    """Take a step: answer, verify, plan, progress, result or note.

    answer, plan, progress and result tell the customer something (``said_to_customer`` is
    required, and messaged to them); a plan also needs ``plan_due``, its timetable. Raises
    Conflict on a closed complaint, Invalid naming the field otherwise.
    """
    now = now or utcnow()
    if complaint.status == "closed":
        raise Conflict(_l("This complaint is closed."))
    _choice(kind, "kind", MANUAL_STEPS)
    tells = kind in ("answer", "plan", "progress", "result")
    said = _text(said_to_customer, "said_to_customer", required=tells)
    note = _text(note, "note", required=kind in ("verify", "note") and not said)
    if kind == "plan":
        if plan_due is None:
            raise Invalid(_l("A resolution plan needs its timetable."),
                          {"plan_due": [_l("Required.")]})
        if plan_due <= now:
            raise Invalid(_l("The plan's date must be in the future."),
                          {"plan_due": [_l("The plan's date must be in the future.")]})
    if complaint.owner_id is None:
        complaint.owner_id = actor.id  # the first to act on it owns it
    step = ComplaintStep(complaint_id=complaint.id, kind=kind, author_id=actor.id,
                         said_to_customer=said, note=note, created_at=now)
    db.session.add(step)
    if kind == "answer" and complaint.answered_at is None:
        complaint.answered_at = now
    if kind == "verify" and complaint.verified_at is None:
        complaint.verified_at = now
        complaint.answered_at = complaint.answered_at or (now if said else None)
    if kind == "plan":
        complaint.plan, complaint.plan_due = said, plan_due
    complaint.status = _status(complaint)
    db.session.flush()
    if said:
        _tell_customer(complaint, step, actor, now)
    return step


def close(actor: User, complaint: Complaint, *, resolution: str, category: str,
          confirmation: str, said_to_customer: str | None = None,
          now: datetime | None = None) -> Complaint:
    """Close with a resolution, a root-cause category and the customer's confirmation (or a
    follow-up). Raises Conflict when already closed, Invalid naming the missing field."""
    now = now or utcnow()
    if complaint.status == "closed":
        raise Conflict(_l("This complaint is closed."))
    errors = {}
    resolution = (resolution or "").strip()
    if not resolution:
        errors["resolution"] = [_l("Say how it was resolved.")]
    if category not in CATEGORIES:
        errors["category"] = [_l("Choose the root cause.")]
    if confirmation not in CONFIRMATIONS:
        errors["confirmation"] = [_l("The customer's confirmation or a follow-up is needed.")]
    if errors:
        raise Invalid(_l("A complaint closes only with a resolution, a root cause and the "
                         "customer's confirmation."), errors)
    resolution = _text(resolution, "resolution")
    said = _text(said_to_customer, "said_to_customer", required=False)
    complaint.resolution, complaint.category = resolution, category
    complaint.confirmation, complaint.closed_at, complaint.status = confirmation, now, "closed"
    if complaint.owner_id is None:
        complaint.owner_id = actor.id
    step = ComplaintStep(complaint_id=complaint.id, kind="closed", author_id=actor.id,
                         said_to_customer=said, note=resolution, created_at=now)
    db.session.add(step)
    db.session.flush()
    if said:
        _tell_customer(complaint, step, actor, now)
    return complaint


def _status(complaint: Complaint) -> str:
    if complaint.verified_at is not None:
        return "verified"
    return "answered" if complaint.answered_at is not None else "open"


def steps(complaint: Complaint) -> list[ComplaintStep]:
    return list(db.session.scalars(select(ComplaintStep)
                                   .where(ComplaintStep.complaint_id == complaint.id)
                                   .order_by(ComplaintStep.created_at, ComplaintStep.id)))


def _tell_customer(complaint: Complaint, step: ComplaintStep, actor: User, now: datetime) -> None:
    """An event on the order: the outbox (``messaging.hooks``) queues the message."""
    if complaint.work_order_id is None:
        return
    order = db.session.get(WorkOrder, complaint.work_order_id)
    add_event(order, "complaint_update", actor, server_time=now,
              data={"complaint_id": str(complaint.id), "step_id": str(step.id),
                    "step": step.kind, "said": step.said_to_customer})


# -- deadlines and escalation ------------------------------------------------------------------

def next_deadline(complaint: Complaint, has_progress: bool = False
                  ) -> tuple[str, datetime | None]:
    """The deadline the complaint is racing now: respond, verify, resolve (green: closed;
    yellow: progress reported), then the plan's own date."""
    if complaint.status == "closed":
        return ("closed", None)
    if complaint.answered_at is None:
        return ("respond", complaint.respond_by)
    if complaint.verified_at is None:
        return ("verify", complaint.verify_by)
    if complaint.grade == "green" or not has_progress:
        if complaint.plan_due is not None:
            return ("plan", complaint.plan_due)
        return ("resolve", complaint.resolve_by)
    return ("plan", complaint.plan_due)


def _progress_ids(ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set(db.session.scalars(
        select(ComplaintStep.complaint_id).where(
            ComplaintStep.complaint_id.in_(ids),
            ComplaintStep.kind.in_(("plan", "progress", "result"))).distinct()))


def is_overdue(complaint: Complaint, now: datetime, has_progress: bool = False) -> bool:
    _, due = next_deadline(complaint, has_progress)
    return due is not None and now >= due


def escalate_overdue(now: datetime | None = None) -> int:
    """Hand overdue complaints up the chain (owner → supervisor → manager); returns how
    many steps were taken. Each level once per complaint; flushes only."""
    now = now or utcnow()
    delay = timedelta(minutes=current_app.config["ESCALATE_TO_MANAGER_AFTER_MINUTES"])
    # The database narrows the open complaints to those with a deadline already passed
    # (a necessary condition for being overdue), so a sweep with nothing due reads nothing;
    # next_deadline() below then picks the deadline the complaint is racing exactly.
    passed = or_(
        and_(Complaint.answered_at.is_(None), Complaint.respond_by <= now),
        and_(Complaint.answered_at.is_not(None), Complaint.verified_at.is_(None),
             Complaint.verify_by <= now),
        and_(Complaint.verified_at.is_not(None),
             or_(Complaint.plan_due <= now, Complaint.resolve_by <= now)))
    due_for_next_level = or_(
        Complaint.escalation_level == 0,
        and_(Complaint.escalation_level < MANAGER, Complaint.escalated_at <= now - delay))
    candidates = list(db.session.scalars(
        select(Complaint).where(Complaint.status != "closed", passed, due_for_next_level)
        .order_by(Complaint.created_at)))
    progress = _progress_ids([c.id for c in candidates])
    taken = 0
    for complaint in candidates:
        if complaint.escalation_level == 0:
            if is_overdue(complaint, now, complaint.id in progress):
                _escalate(complaint, SUPERVISOR, now, reason=next_deadline(
                    complaint, complaint.id in progress)[0])
                taken += 1
        elif complaint.escalated_at is not None and complaint.escalated_at <= now - delay \
                and is_overdue(complaint, now, complaint.id in progress):
            _escalate(complaint, MANAGER, now,
                      reason=next_deadline(complaint, complaint.id in progress)[0])
            taken += 1
    db.session.flush()
    return taken


def _escalate(complaint: Complaint, level: int, now: datetime, reason: str) -> None:
    owner = db.session.get(User, complaint.owner_id) if complaint.owner_id else None
    boss = db.session.get(User, owner.supervisor_id) if owner and owner.supervisor_id else None
    recipient = boss if level == SUPERVISOR else (
        db.session.get(User, boss.supervisor_id) if boss and boss.supervisor_id else None)
    complaint.escalation_level, complaint.escalated_at = level, now
    db.session.add(ComplaintStep(complaint_id=complaint.id, kind="escalated", level=level,
                                 recipient_id=recipient.id if recipient else None,
                                 note=reason, created_at=now))
    if recipient is not None:
        number = complaint.work_order.number if complaint.work_order_id else ""
        db.session.add(Notification(
            user_id=recipient.id, work_order_id=complaint.work_order_id,
            kind="complaint_escalation", created_at=now,
            message=(f"Complaint {str(complaint.id)[:8]} {number} ({complaint.grade}, "
                     f"{reason}) escalated to {LEVEL_NAMES[level]} {recipient.name}."),
            data={"complaint_id": str(complaint.id), "number": number,
                  "grade": complaint.grade, "reason": reason, "level": LEVEL_NAMES[level],
                  "owner": owner.name if owner else None}))


# -- queue -------------------------------------------------------------------------------------

@dataclass
class QueueRow:
    complaint: Complaint
    deadline: str
    due: datetime | None
    overdue: bool


def queue(now: datetime | None = None, *, grade: str | None = None,
          owner_id: uuid.UUID | None = None, include_closed: bool = False) -> list[QueueRow]:
    """Open complaints by next deadline (overdue first), optionally one colour or owner."""
    now = now or utcnow()
    query = select(Complaint)
    if not include_closed:
        query = query.where(Complaint.status != "closed")
    if grade:
        query = query.where(Complaint.grade == grade)
    if owner_id:
        query = query.where(Complaint.owner_id == owner_id)
    items = list(db.session.scalars(query.limit(500)))
    progress = _progress_ids([c.id for c in items])
    rows = []
    for c in items:
        kind, due = next_deadline(c, c.id in progress)
        rows.append(QueueRow(c, kind, due, due is not None and now >= due))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    rows.sort(key=lambda r: (r.due or far, GRADES.index(r.complaint.grade) * -1))
    return rows


# -- analysis ----------------------------------------------------------------------------------

DIMENSIONS = ("category", "model", "technician", "region")


def _key(complaint: Complaint, dimension: str) -> str:
    """The complaint's value on one analysis dimension ("" when unknown)."""
    order = complaint.work_order
    if dimension == "category":
        return complaint.category or ""
    if dimension == "model":
        asset = complaint.asset or (order.asset if order else None)
        return f"{asset.brand} {asset.model}" if asset else ""
    if dimension == "technician":
        tech = complaint.technician
        return tech.user.name if tech and tech.user else ""
    if dimension == "region":
        address = order.address if order else None
        return " ".join(p for p in (address.city, address.district) if p) if address else ""
    raise ValueError(dimension)


def analysis(since: datetime, until: datetime | None = None) -> dict:
    """Counts per category, product model, technician and region, with a month-by-month
    trend for each value, over complaints received in [since, until)."""
    until = until or utcnow()
    items = list(db.session.scalars(select(Complaint).where(
        Complaint.created_at >= since, Complaint.created_at < until)))
    zone = calendar().timezone
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    months = sorted({c.created_at.astimezone(tz).strftime("%Y-%m") for c in items})
    out = {"total": len(items), "months": months, "dimensions": {}}
    for dimension in DIMENSIONS:
        table: dict[str, dict] = {}
        for c in items:
            value = _key(c, dimension)
            row = table.setdefault(value, {"value": value, "count": 0,
                                           "by_month": dict.fromkeys(months, 0)})
            row["count"] += 1
            row["by_month"][c.created_at.astimezone(tz).strftime("%Y-%m")] += 1
        out["dimensions"][dimension] = sorted(table.values(),
                                              key=lambda r: (-r["count"], r["value"]))
    return out


def behind(dimension: str, value: str, since: datetime, until: datetime | None = None
           ) -> list[Complaint]:
    """The complaints behind one number of the analysis."""
    until = until or utcnow()
    if dimension not in DIMENSIONS:
        raise Invalid(_l("Must be one of: %(choices)s.", choices=", ".join(DIMENSIONS)),
                      {"dimension": [_l("Unknown.")]})
    items = db.session.scalars(select(Complaint).where(
        Complaint.created_at >= since, Complaint.created_at < until)
        .order_by(Complaint.created_at.desc()))
    return [c for c in items if _key(c, dimension) == value]
