"""Quality control rules: the weekly sample, scoring a review, corrective actions,
supervisor evaluations, and a technician's quality figures for the scorecard.

Sampling (``sample_week``): the signed visits of one week (Monday to Monday in the
company's time zone, by the server's receipt of the signature) of assigned orders not
already in the queue, grouped by technician; from each technician's n visits it draws
``max(1, round(share × n))`` (never more than n) with one random source, the groups taken
in technician-id order and each group's visits in order-number order, so a seeded run
draws the same visits on SQLite and PostgreSQL. A week is drawn once: its
``QcSampleWeek`` row (the week is the primary key) makes a second run, or a second worker
racing the first, a no-op.

Scoring (``score``): every checklist item once, passed or failed; a failed item needs a
note, which becomes the corrective action's note. The overall score is the share of
items passed, 0–100. A review is scored once. Services flush; the caller commits.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, joinedload

from ..accounts.models import User
from ..database import utcnow
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..media.models import Signature
from ..notifications.models import Notification
from ..technicians.models import Technician
from ..workorders.models import WorkOrder
from ..workorders.service import calendar
from .models import (ACTION_STATES, CHECKLIST, REVIEW_STATES, CorrectiveAction, Evaluation,
                     QcItem, QcReview, QcSampleWeek)

OFFICE = ("admin", "dispatcher")


# -- weeks ---------------------------------------------------------------------------------

def _zone() -> ZoneInfo:
    return ZoneInfo(calendar().timezone)


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(_zone()).date()


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    """The week's first and last instant (exclusive) in UTC, from the local Mondays."""
    zone = _zone()
    start = datetime.combine(week_start, time(0), zone).astimezone(UTC)
    end = datetime.combine(week_start + timedelta(days=7), time(0), zone).astimezone(UTC)
    return start, end


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Local calendar days ``start``..``end`` (both included) as UTC instants."""
    zone = _zone()
    return (datetime.combine(start, time(0), zone).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC))


# -- sampling ------------------------------------------------------------------------------

@dataclass
class SampleResult:
    week_start: date
    signed_visits: int
    drawn: int
    already_drawn: bool = False


def _per_technician(share: float, count: int) -> int:
    return min(count, max(1, math.floor(share * count + 0.5)))


def sample_week(week_start: date, share: float | None = None,
                seed: int | str | None = None) -> SampleResult:
    """Draw the QC sample of one week into the queue (see the module docstring).

    Raises Invalid if ``share`` is not in (0, 1] or the week has not begun.
    """
    week_start = week_of(week_start)
    share = current_app.config["QC_SAMPLE_SHARE"] if share is None else share
    if not 0 < share <= 1:
        raise Invalid(_("Check the fields marked."),
                      {"share": [_("Give a share greater than 0 and at most 1.")]})
    if week_start > week_of(local_today()):
        raise Invalid(_("Check the fields marked."),
                      {"week": [_("This week has not begun yet.")]})
    done = db.session.get(QcSampleWeek, week_start)
    if done is not None:
        return SampleResult(week_start, done.signed_visits, 0, already_drawn=True)
    start, end = week_bounds(week_start)
    rows = db.session.execute(
        select(WorkOrder.id, WorkOrder.assignee_id)
        .join(Signature, Signature.work_order_id == WorkOrder.id)
        .where(Signature.received_at >= start, Signature.received_at < end,
               WorkOrder.assignee_id.is_not(None),
               WorkOrder.id.not_in(select(QcReview.work_order_id)))
        .order_by(WorkOrder.assignee_id, WorkOrder.number)).all()
    groups: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for order_id, technician_id in rows:
        groups[technician_id].append(order_id)
    rng = random.Random(seed)
    # The primary key claims the week first: a racing worker fails here, not halfway.
    db.session.add(QcSampleWeek(week_start=week_start, share=share, signed_visits=len(rows),
                                drawn=0))
    db.session.flush()
    now = utcnow()
    rows_in = [{"id": uuid.uuid4(), "work_order_id": order_id, "technician_id": technician_id,
                "week_start": week_start, "source": "sampled", "state": "to_review",
                "created_at": now}
               for technician_id in sorted(groups, key=str)
               for order_id in rng.sample(groups[technician_id],
                                          _per_technician(share, len(groups[technician_id])))]
    if rows_in:  # one multi-row insert: a large week draws thousands
        db.session.execute(insert(QcReview), rows_in)
    drawn = len(rows_in)
    db.session.get(QcSampleWeek, week_start).drawn = drawn
    db.session.flush()
    return SampleResult(week_start, len(rows), drawn)


def sample_last_week(now: datetime | None = None, seed: int | str | None = None
                     ) -> SampleResult:
    """The periodic job's draw: the last complete week before ``now`` (local time)."""
    return sample_week(week_of(local_today(now)) - timedelta(days=7), seed=seed)


def add_to_queue(actor: User, order_id: uuid.UUID) -> QcReview:
    """A manager puts one signed visit in the queue by hand.

    Raises NotFound for an unknown order, Invalid if it is unsigned or unassigned,
    Conflict (``already_queued``) if it is in the queue already.
    """
    order = db.session.get(WorkOrder, order_id)
    if order is None:
        raise NotFound(_("No such work order."))
    signature = db.session.scalar(select(Signature).where(Signature.work_order_id == order.id))
    if signature is None or order.assignee_id is None:
        raise Invalid(_("Only a signed visit can be checked."),
                      {"work_order_id": [_("The customer has not signed this visit.")]})
    existing = db.session.scalar(select(QcReview).where(QcReview.work_order_id == order.id))
    if existing is not None:
        raise Conflict(_("This visit is in the quality checks already."), code="already_queued")
    review = QcReview(work_order_id=order.id, technician_id=order.assignee_id,
                      week_start=week_of(signature.received_at.astimezone(_zone()).date()),
                      source="hand_picked", added_by_id=actor.id)
    db.session.add(review)
    db.session.flush()
    return review


# -- the queue and reviews -----------------------------------------------------------------

def queue(week: date | None = None, state: str | None = None,
          technician_id: uuid.UUID | None = None, limit: int = 500) -> list[QcReview]:
    """Reviews, newest week first, waiting ones before scored ones."""
    query = select(QcReview).options(joinedload(QcReview.work_order),
                                     joinedload(QcReview.technician).joinedload(
                                         Technician.user))
    if week is not None:
        query = query.where(QcReview.week_start == week_of(week))
    if state in REVIEW_STATES:
        query = query.where(QcReview.state == state)
    if technician_id is not None:
        query = query.where(QcReview.technician_id == technician_id)
    query = query.join(WorkOrder, WorkOrder.id == QcReview.work_order_id).order_by(
        QcReview.week_start.desc(), QcReview.state, WorkOrder.number).limit(limit)
    return list(db.session.scalars(query).unique())


def get_review(review_id: uuid.UUID) -> QcReview:
    """Raises NotFound."""
    review = db.session.get(QcReview, review_id)
    if review is None:
        raise NotFound(_("No such review."))
    return review


def review_of_order(order_id: uuid.UUID) -> QcReview | None:
    return db.session.scalar(select(QcReview).where(QcReview.work_order_id == order_id))


def score(actor: User, review: QcReview, items: list[dict], findings: str | None = None
          ) -> QcReview:
    """Score every checklist item of a queued review; a failed item opens a corrective
    action for the technician, due ``QC_ACTION_DUE_DAYS`` later.

    ``items``: ``[{"item", "passed", "note"}]``, each checklist item exactly once.
    Raises Conflict (``already_reviewed``) and Invalid naming the items at fault.
    """
    if review.state != "to_review":
        raise Conflict(_("This visit has been reviewed already."), code="already_reviewed")
    errors: dict = {}
    given: dict[str, dict] = {}
    for entry in items:
        code = entry.get("item")
        if code not in CHECKLIST:
            errors.setdefault("items", []).append(_("Unknown checklist item: %(item)s",
                                                    item=code))
        elif code in given:
            errors.setdefault("items", []).append(_("Checklist item given twice: %(item)s",
                                                    item=code))
        else:
            given[code] = entry
    for code in CHECKLIST:
        entry = given.get(code)
        if entry is None or entry.get("passed") is None:
            errors[code] = [_("Mark this item passed or failed.")]
        elif not entry["passed"] and not (entry.get("note") or "").strip():
            errors[code] = [_("Say what was wrong: the note goes to the technician.")]
    if errors:
        raise Invalid(_("Check the fields marked."), errors)
    technician = db.session.get(Technician, review.technician_id)
    due = local_today() + timedelta(days=current_app.config["QC_ACTION_DUE_DAYS"])
    passed = 0
    for position, code in enumerate(CHECKLIST):
        entry = given[code]
        note = (entry.get("note") or "").strip() or None
        db.session.add(QcItem(review_id=review.id, item=code, position=position,
                              passed=bool(entry["passed"]), note=note))
        if entry["passed"]:
            passed += 1
        else:
            action = CorrectiveAction(review_id=review.id, item=code,
                                      technician_id=technician.id,
                                      owner_id=technician.user_id, due_on=due, note=note)
            db.session.add(action)
            db.session.flush()
            _tell_supervisor(action, technician, review)
    review.state = "reviewed"
    review.score = round(100 * passed / len(CHECKLIST))
    review.findings = (findings or "").strip() or None
    review.reviewer_id = actor.id
    review.reviewed_at = utcnow()
    db.session.flush()
    db.session.expire(review, ["items"])
    return review


# -- corrective actions --------------------------------------------------------------------

def actions(state: str | None = None, technician_id: uuid.UUID | None = None,
            supervisor_id: uuid.UUID | None = None, owner_id: uuid.UUID | None = None,
            limit: int = 500) -> list[CorrectiveAction]:
    """Corrective actions, open ones first by due date; ``supervisor_id`` keeps those of
    the technicians that person supervises."""
    query = select(CorrectiveAction).options(
        joinedload(CorrectiveAction.technician).joinedload(Technician.user),
        joinedload(CorrectiveAction.review).joinedload(QcReview.work_order))
    if state in ACTION_STATES:
        query = query.where(CorrectiveAction.state == state)
    if technician_id is not None:
        query = query.where(CorrectiveAction.technician_id == technician_id)
    if owner_id is not None:
        query = query.where(CorrectiveAction.owner_id == owner_id)
    if supervisor_id is not None:
        query = query.where(CorrectiveAction.owner_id.in_(
            select(User.id).where(User.supervisor_id == supervisor_id)))
    query = query.order_by(CorrectiveAction.state.desc(), CorrectiveAction.due_on,
                           CorrectiveAction.created_at, CorrectiveAction.item).limit(limit)
    return list(db.session.scalars(query).unique())


def get_action(action_id: uuid.UUID) -> CorrectiveAction:
    """Raises NotFound."""
    action = db.session.get(CorrectiveAction, action_id)
    if action is None:
        raise NotFound(_("No such corrective action."))
    return action


def complete_action(actor: User, action: CorrectiveAction, note: str | None) -> CorrectiveAction:
    """Mark an action done with a note saying what was done: by the office, or by the
    technician who owns it.

    Raises Forbidden (another technician's action), Conflict (``already_done``), Invalid
    (no note).
    """
    if actor.role not in OFFICE and action.owner_id != actor.id:
        raise Forbidden(_("This corrective action is someone else's."))
    if action.state != "open":
        raise Conflict(_("This corrective action is done already."), code="already_done")
    note = (note or "").strip()
    if not note:
        raise Invalid(_("Check the fields marked."), {"note": [_("Say what was done.")]})
    action.state, action.done_note = "done", note
    action.done_by_id, action.done_at = actor.id, utcnow()
    _dismiss_notifications(action)
    db.session.flush()
    return action


# -- the supervisor's bell -----------------------------------------------------------------

ACTION_NOTICE = "corrective_action"


def _tell_supervisor(action: CorrectiveAction, technician: Technician, review: QcReview
                     ) -> None:
    """A notification for the technician's supervisor (``users.supervisor_id``) that a
    corrective action opened; nobody is told when the technician has no supervisor."""
    user = db.session.get(User, technician.user_id)
    if user is None or user.supervisor_id is None:
        return
    order = db.session.get(WorkOrder, review.work_order_id)
    db.session.add(Notification(
        user_id=user.supervisor_id, work_order_id=review.work_order_id, kind=ACTION_NOTICE,
        message=(f"Corrective action for {user.name} ({action.item}) on "
                 f"{order.number if order else ''}, due {action.due_on.isoformat()}."),
        data={"action_id": str(action.id), "technician": user.name,
              "technician_id": str(technician.id), "item": action.item,
              "number": order.number if order else "", "due": action.due_on.isoformat()}))


def _dismiss_notifications(action: CorrectiveAction) -> None:
    """The action is closed: its notifications leave the bell (marked read)."""
    review = action.review
    pending = db.session.scalars(select(Notification).where(
        Notification.kind == ACTION_NOTICE, Notification.work_order_id == review.work_order_id,
        Notification.read_at.is_(None)))
    for item in pending:
        if (item.data or {}).get("action_id") == str(action.id):
            item.read_at = utcnow()


def actions_noticed(items: list[Notification]) -> dict[str, CorrectiveAction]:
    """The corrective actions the given notifications are about, by id (as text), so the
    list can show each one's state and flag the overdue ones."""
    ids = [uuid.UUID(n.data["action_id"]) for n in items
           if n.kind == ACTION_NOTICE and (n.data or {}).get("action_id")]
    if not ids:
        return {}
    found = db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.id.in_(ids)))
    return {str(a.id): a for a in found}


# -- evaluations ---------------------------------------------------------------------------

def get_technician(technician_id: uuid.UUID) -> Technician:
    """Raises NotFound."""
    technician = db.session.get(Technician, technician_id)
    if technician is None:
        raise NotFound(_("No such technician."))
    return technician


def evaluate(actor: User, technician_id: uuid.UUID, score: int | None, note: str | None,
             period_start: date | None, period_end: date | None) -> Evaluation:
    """Record a supervisor's evaluation (1–5 and a note) of a technician for a period.

    Raises NotFound for an unknown technician and Invalid naming each field at fault.
    """
    technician = get_technician(technician_id)
    errors: dict = {}
    if score is None:
        errors["score"] = [_("Give a score from 1 to 5.")]
    elif not 1 <= score <= 5:
        errors["score"] = [_("Give a score from 1 to 5.")]
    if period_start is None:
        errors["period_start"] = [_("Give the first day of the period.")]
    if period_end is None:
        errors["period_end"] = [_("Give the last day of the period.")]
    elif period_start is not None and period_end < period_start:
        errors["period_end"] = [_("The period cannot end before it starts.")]
    if note is not None and len(note) > 4000:
        errors["note"] = [_("At most 4000 characters.")]
    if errors:
        raise Invalid(_("Check the fields marked."), errors)
    evaluation = Evaluation(technician_id=technician.id, evaluator_id=actor.id,
                            period_start=period_start, period_end=period_end, score=score,
                            note=(note or "").strip() or None)
    db.session.add(evaluation)
    db.session.flush()
    return evaluation


def evaluations(technician_id: uuid.UUID | None = None, limit: int = 500) -> list[Evaluation]:
    """Evaluations, the latest period first."""
    query = select(Evaluation).options(joinedload(Evaluation.evaluator),
                                       joinedload(Evaluation.technician).joinedload(
                                           Technician.user))
    if technician_id is not None:
        query = query.where(Evaluation.technician_id == technician_id)
    return list(db.session.scalars(query.order_by(
        Evaluation.period_end.desc(), Evaluation.created_at.desc()).limit(limit)).unique())


# -- the scorecard's quality figures -------------------------------------------------------

@dataclass
class TechnicianQuality:
    technician_id: uuid.UUID
    start: date
    end: date
    reviews: int
    average_score: float | None
    failed_items: dict[str, int]
    open_actions: list[CorrectiveAction]
    evaluation_average: float | None
    evaluations: list[Evaluation] = field(default_factory=list)
    recent_reviews: list[QcReview] = field(default_factory=list)


def technician_quality(session: Session, technician_id: uuid.UUID, start: date, end: date
                       ) -> TechnicianQuality:
    """A technician's quality over local days ``start``..``end`` (both included):

    - ``reviews`` and ``average_score``: reviews scored in the period, their mean score;
    - ``failed_items``: how often each checklist item failed in those reviews;
    - ``open_actions``: corrective actions open now (whatever the period);
    - ``evaluations`` and ``evaluation_average``: evaluations whose period overlaps it.
    """
    first, last = day_bounds(start, end)
    in_period = (QcReview.technician_id == technician_id, QcReview.state == "reviewed",
                 QcReview.reviewed_at >= first, QcReview.reviewed_at < last)
    count, average = session.execute(
        select(func.count(QcReview.id), func.avg(QcReview.score)).where(*in_period)).one()
    failed = Counter(dict(session.execute(
        select(QcItem.item, func.count(QcItem.id)).join(QcReview)
        .where(*in_period, QcItem.passed.is_(False)).group_by(QcItem.item)).all()))
    open_actions = list(session.scalars(
        select(CorrectiveAction).where(CorrectiveAction.technician_id == technician_id,
                                       CorrectiveAction.state == "open")
        .order_by(CorrectiveAction.due_on, CorrectiveAction.created_at,
                  CorrectiveAction.item)))
    evaluated = list(session.scalars(
        select(Evaluation).where(Evaluation.technician_id == technician_id,
                                 Evaluation.period_start <= end, Evaluation.period_end >= start)
        .order_by(Evaluation.period_end.desc(), Evaluation.created_at.desc())))
    recent = list(session.scalars(
        select(QcReview).where(*in_period)
        .order_by(QcReview.reviewed_at.desc()).limit(10)))
    return TechnicianQuality(
        technician_id=technician_id, start=start, end=end, reviews=count,
        average_score=round(float(average), 1) if average is not None else None,
        failed_items={code: failed[code] for code in CHECKLIST if failed[code]},
        open_actions=open_actions,
        evaluation_average=round(sum(e.score for e in evaluated) / len(evaluated), 2)
        if evaluated else None,
        evaluations=evaluated, recent_reviews=recent)
