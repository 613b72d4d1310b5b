"""Follow-up calls' rules (回访).

* **One per signed visit.** When an order is signed (``hooks``), a follow-up is due
  ``FOLLOWUP_DUE_DAYS`` working days later (unique per order: a second signature after a
  reopen does not add another).
* **Who is called.** A customer who answered the survey (on the phone at the signature or
  from the link) is not called, unless the rating is at or below
  ``FOLLOWUP_RATING_THRESHOLD`` or the comment is negative: those go to the top.
* **The queue**: urgent first, then oldest due first.
* **Outcomes**: reached (satisfaction per dimension 1–5, solved?, comment) closes the
  follow-up and the order; no answer tries again ``FOLLOWUP_RETRY_HOURS`` later; wrong
  number ends it as failed (the office fixes the number).
* **"Problem not solved"** opens a linked return visit (``repeat_of_id``) in one call; a
  score at or below ``FOLLOWUP_COMPLAINT_RATING`` proposes a complaint prefilled from the
  visit.

Functions flush, never commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..customers.models import Address
from ..database import utcnow
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..workorders import service as orders
from ..workorders.models import WorkOrder
from .models import OUTCOMES, FollowUp

# Words that make a survey comment negative whatever the rating (zh and en).
NEGATIVE = ("又坏", "没修好", "没有修好", "不满意", "太差", "很差", "态度差", "投诉", "乱收费",
            "还是不", "not fixed", "broken again", "still broken", "terrible", "awful", "rude",
            "worse", "complain", "overcharged", "disappointed")
DIMENSIONS = ("timeliness", "attitude", "quality")


def is_negative(comment: str | None) -> bool:
    text = (comment or "").lower()
    return any(word in text for word in NEGATIVE)


def due_after(signed_at: datetime, city: str | None = None) -> datetime:
    """When the follow-up call is due: working days after the signature, on the calendar
    of the order's region (``city``: its address's city) when it has one, else the
    company's (the rule of ``orders.order_calendar``)."""
    from ..settings import service as settings

    cal = settings.calendar_for(city)
    return cal.add_working_time(signed_at,
                                cal.day_length * current_app.config["FOLLOWUP_DUE_DAYS"])


def get(followup_id: uuid.UUID) -> FollowUp:
    found = db.session.get(FollowUp, followup_id)
    if found is None:
        raise NotFound(_l("No such follow-up."))
    return found


def for_order(order_id: uuid.UUID) -> FollowUp | None:
    return db.session.scalar(select(FollowUp).where(FollowUp.work_order_id == order_id))


def survey_answer(f: FollowUp):
    """The survey answer that settled a follow-up without a call (its rating and comment
    are the result the office sees), or None."""
    from ..feedback.models import Survey

    if f.answered_by != "survey" or f.work_order_id is None:
        return None
    return db.session.scalar(select(Survey).where(Survey.work_order_id == f.work_order_id)
                             .order_by(Survey.submitted_at.desc(), Survey.id).limit(1))


def queue(now: datetime | None = None, limit: int = 200) -> list[FollowUp]:
    """Follow-ups to call now: urgent first, then oldest due first (a "no answer" waits
    until its retry time)."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(FollowUp).where(FollowUp.status == "pending")
        .order_by(FollowUp.urgent.desc(), FollowUp.due_at, FollowUp.created_at).limit(limit)))


def _score(value) -> int | None:
    """1–5, or None when missing or out of range."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 5 else None


def record_outcome(actor: User, followup: FollowUp, outcome: str, *, timeliness=None,
                   attitude=None, quality=None, solved: bool | None = None,
                   comment: str | None = None, now: datetime | None = None) -> FollowUp:
    """Record a call. ``reached`` needs the three scores and whether the problem is solved;
    it closes the follow-up and the order (when signed). Raises Conflict when the
    follow-up is finished, Invalid naming the field otherwise."""
    now = now or utcnow()
    if followup.status != "pending":
        raise Conflict(_l("This follow-up is finished."))
    if outcome not in OUTCOMES:
        msg = _l("Must be one of: %(choices)s.", choices=", ".join(OUTCOMES))
        raise Invalid(msg, {"outcome": [msg]})
    comment = (comment or "").strip() or None
    if comment and len(comment) > 2000:
        msg = _l("Please keep it under %(n)d characters.", n=2000)
        raise Invalid(msg, {"comment": [msg]})
    followup.attempts += 1
    followup.caller_id, followup.outcome = actor.id, outcome
    if outcome == "no_answer":
        followup.due_at = now + timedelta(hours=current_app.config["FOLLOWUP_RETRY_HOURS"])
        db.session.flush()
        return followup
    if outcome == "wrong_number":
        followup.status, followup.done_at, followup.comment = "failed", now, comment
        db.session.flush()
        return followup
    scores = {f: _score(v) for f, v in
              (("timeliness", timeliness), ("attitude", attitude), ("quality", quality))}
    errors = {f: [_l("Give a score from 1 to 5.")] for f, v in scores.items() if v is None}
    if solved is None:
        errors["solved"] = [_l("Say whether the problem is solved.")]
    if errors:
        raise Invalid(_l("A call that reached the customer needs the scores and whether the "
                         "problem is solved."), errors)
    for field, value in scores.items():
        setattr(followup, field, value)
    followup.solved, followup.comment = solved, comment
    followup.status, followup.done_at = "done", now
    order = followup.work_order
    if order is not None and order.status == "signed":
        orders.transition(actor, order, "closed", reason="follow-up done", now=now)
    db.session.flush()
    return followup


def lowest_score(followup: FollowUp) -> int | None:
    scores = [s for s in (followup.timeliness, followup.attitude, followup.quality) if s]
    return min(scores) if scores else None


def proposes_complaint(followup: FollowUp) -> bool:
    if followup.work_order_id is None:
        return False
    low = lowest_score(followup)
    return low is not None and low <= current_app.config["FOLLOWUP_COMPLAINT_RATING"]


def complaint_prefill(followup: FollowUp) -> dict:
    """What a complaint proposed by this call starts with."""
    order = followup.work_order
    with _in_language_of(order):
        text = followup.comment or str(_l("Low rating on the follow-up call for %(number)s.",
                                          number=order.number))
    return {"description": text, "work_order_id": order.id, "grade": "yellow",
            "channel": "followup"}


def _in_language_of(order: WorkOrder):
    """Text stored on an order is written in the customer's language."""
    from flask_babel import force_locale

    return force_locale(order.customer.language or order.language or "en")


def open_return_visit(actor: User, followup: FollowUp) -> WorkOrder:
    """A repeat repair linked to the visit ("problem not solved"), once per follow-up."""
    if followup.return_order_id is not None:
        raise Conflict(_l("A return visit is already open for this follow-up."))
    if followup.solved is not False:
        raise Conflict(_l("Only a problem that is not solved opens a return visit."))
    first = followup.work_order
    if first is None:
        raise Conflict(_l("Only a problem that is not solved opens a return visit."))
    with _in_language_of(first):
        description = str(_l("Return visit: the problem of %(number)s is not solved.",
                             number=first.number))
    if followup.comment:
        description = f"{description} {followup.comment}"
    order = orders.create_order(actor, {
        "channel": "phone", "type": "repair", "priority": "high",
        "customer_id": first.customer_id, "asset_id": first.asset_id,
        "address_id": first.address_id, "description": str(description),
        "repeat_of_id": first.id})
    followup.return_order_id = order.id
    db.session.flush()
    return order


# -- what the hooks call ------------------------------------------------------------------------

def signed_when(signed_at_device: datetime | None, requested_at: datetime,
                now: datetime) -> datetime:
    """When the customer signed, as the follow-up counts from it: the phone's clock, but
    never before the request nor after the signature reached the server (an offline
    signature synced days later is still called about on time; a wrong clock cannot move
    the call into the past or the future)."""
    if signed_at_device is None:
        return now
    return min(max(signed_at_device, requested_at), now)


def rows_for_signed(session, order_ids: list[uuid.UUID], now: datetime) -> None:
    """Insert a pending follow-up for each newly signed order that has none, due working
    days after the customer signed (``signed_when``)."""
    from ..media.models import Signature

    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    for order_id, customer_id, city, requested, signed in session.execute(
            select(WorkOrder.id, WorkOrder.customer_id, Address.city, WorkOrder.created_at,
                   Signature.signed_at_device)
            .join(Address, Address.id == WorkOrder.address_id)
            .outerjoin(Signature, Signature.work_order_id == WorkOrder.id)
            .where(WorkOrder.id.in_(order_ids))).all():
        due = due_after(signed_when(signed, requested, now), city)
        session.execute(insert(FollowUp).values(
            id=uuid.uuid4(), work_order_id=order_id, customer_id=customer_id, status="pending",
            reason="signed", urgent=False, due_at=due, attempts=0, created_at=now)
            .on_conflict_do_nothing(index_elements=["work_order_id"]))


def apply_survey(session, order_id: uuid.UUID, rating: int, comment: str | None,
                 now: datetime) -> None:
    """A survey answer: a good one settles the follow-up, a poor or negative one moves it
    to the top of the queue (made now if the order has none yet)."""
    from sqlalchemy import update

    poor = rating <= current_app.config["FOLLOWUP_RATING_THRESHOLD"]
    negative = is_negative(comment)
    if poor or negative:
        exists = session.scalar(select(FollowUp.id).where(FollowUp.work_order_id == order_id))
        if exists is None:
            rows_for_signed(session, [order_id], now)
        session.execute(update(FollowUp).where(FollowUp.work_order_id == order_id,
                                               FollowUp.status == "pending")
                        .values(urgent=True, due_at=now,
                                reason="low_rating" if poor else "negative_comment")
                        .execution_options(synchronize_session=False))
    else:
        session.execute(update(FollowUp).where(FollowUp.work_order_id == order_id,
                                               FollowUp.status == "pending")
                        .values(status="done", answered_by="survey", done_at=now)
                        .execution_options(synchronize_session=False))


def close_answered(now: datetime | None = None) -> int:
    """Close signed orders whose follow-up the survey answered (the SLA sweep calls this
    every minute); returns how many."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(WorkOrder).join(FollowUp, FollowUp.work_order_id == WorkOrder.id)
        .where(WorkOrder.status == "signed", FollowUp.status == "done").limit(500)).all()
    for order in rows:
        order.status, order.closed_at = "closed", now
        orders.add_event(order, "transition", None, from_status="signed", to_status="closed",
                         reason="follow-up answered by the survey", server_time=now)
    db.session.flush()
    return len(rows)
