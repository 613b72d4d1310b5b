"""The dispatch board and the moves made on it: assign, reschedule, unassign, in bulk too.

Assignment goes through ``workorders.service`` (history, stale-edit refusal, the state
machine), so a change made here reaches the technician's phone on its next pull like any
other. Functions flush and never commit. Bulk moves run each order in a savepoint and
report per order, so one order that cannot move does not stop the others.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_time
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, selectinload

from ..accounts.models import User
from ..assets.models import Asset
from ..customers.models import Address, Customer
from ..database import utcnow
from ..errors import Conflict, Invalid, ServiceError
from ..extensions import db
from ..technicians.models import Technician
from ..words import term
from ..workorders import lifecycle, sla
from ..workorders import service as orders
from ..workorders.lifecycle import Status
from ..workorders.models import WorkOrder, WorkOrderEvent
from . import suggestions

# Orders the board may (re)book. Once the technician is on the way the phone owns the visit.
ASSIGNABLE = frozenset({Status.NEW, Status.SCHEDULED, Status.REOPENED, Status.AWAITING_PARTS,
                        Status.AWAITING_CUSTOMER})
WAITING = sorted(lifecycle.OPEN - sla.RESOLVED)
SLA_RANK = {"red": 0, "yellow": 1, "green": 2}
PRIORITY_RANK = {"emergency": 0, "high": 1, "normal": 2, "low": 3}
# The lanes show the working day with an hour either side.
VIEW_BEFORE, VIEW_AFTER = timedelta(hours=1), timedelta(hours=3)


@dataclass
class QueueItem:
    order: SimpleNamespace  # a board card (``_cards``): the order's fields, read-only
    deadline_kind: str
    deadline: datetime | None
    left: timedelta | None  # negative when missed


@dataclass
class Lane:
    technician: Technician
    jobs: list[WorkOrder]
    booked: timedelta


@dataclass
class Board:
    day: date
    now: datetime
    view_start: datetime
    view_end: datetime
    queue: list[QueueItem]
    lanes: list[Lane]
    counts: dict[str, int]
    stamp: str
    # Stands for an order id in links the template builds once and fills in per order.
    placeholder: uuid.UUID = uuid.UUID(int=0)
    # When the working day starts (the lanes open scrolled to it, or to an earlier job).
    work_start: datetime | None = None

    def position(self, moment: datetime) -> float:
        """Where ``moment`` falls across the lanes, 0–100 (%)."""
        whole = (self.view_end - self.view_start).total_seconds()
        return max(0.0, min(100.0, (moment - self.view_start).total_seconds() / whole * 100))

    @property
    def hour_count(self) -> int:
        """How many hours the lanes span (each gets at least 4 rem on screen)."""
        return max(1, round((self.view_end - self.view_start).total_seconds() / 3600))

    def gridlines(self) -> list[float]:
        return [self.position(hour) for hour in self.hours()]

    def hours(self) -> list[datetime]:
        first = self.view_start
        return [first + timedelta(hours=h) for h in
                range(int((self.view_end - first).total_seconds() // 3600) + 1)]


def urgency(order: WorkOrder, now: datetime) -> tuple:
    """Sort key: red first, then the nearest running deadline, then priority, then age."""
    _kind, deadline = sla.running_deadline(order)
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return (SLA_RANK.get(order.sla_state, 3), deadline or far,
            PRIORITY_RANK.get(order.priority, 9), order.created_at)


def stamp(day: date, now: datetime) -> str:
    """Changes whenever what the board shows may have: an order was written (every write
    takes a change-feed position), or a minute passed (the time left on each card)."""
    last = db.session.scalar(select(func.max(WorkOrder.sync_pos)))
    return f"{day.isoformat()}.{last or 0}.{now.strftime('%Y%m%d%H%M')}"


# What the board shows of an order, read as plain columns (no ORM objects: building 2,000
# entities with their joined customer, address and appliance was half of a board request).
# (Not the customer, address or appliance ids: the board never reads them, and each UUID
# column costs 500 conversions per request.)
_CARD_FIELDS = (
    "id", "number", "status", "priority", "type", "sla_state", "version",
    "assignee_id", "appointment_start", "appointment_end",
    "preferred_start", "preferred_end", "respond_by", "resolve_by", "created_at",
    "repeat_of_id", "in_warranty", "description", "completed_at",
)
_ASSIGNEE = aliased(User)


def _cards(*where, order_by=None) -> list[SimpleNamespace]:
    """Orders as board cards: the order's fields above, ``customer.name``,
    ``address.district``/``city``, ``asset.category`` (None without an appliance) and
    ``assignee.user.name`` (None when unassigned) — what the board's templates read."""
    query = (
        select(*(getattr(WorkOrder, name) for name in _CARD_FIELDS),
               Customer.name.label("customer_name"), Address.district, Address.city,
               Asset.category, _ASSIGNEE.name.label("assignee_name"))
        .join(Customer, Customer.id == WorkOrder.customer_id)
        .join(Address, Address.id == WorkOrder.address_id)
        .outerjoin(Asset, Asset.id == WorkOrder.asset_id)
        .outerjoin(Technician, Technician.id == WorkOrder.assignee_id)
        .outerjoin(_ASSIGNEE, _ASSIGNEE.id == Technician.user_id)
        .where(*where))
    if order_by is not None:
        query = query.order_by(order_by)
    cards = []
    count = len(_CARD_FIELDS)
    for row in db.session.execute(query):
        card = SimpleNamespace(**dict(zip(_CARD_FIELDS, row[:count], strict=True)))
        customer_name, district, city, category, assignee_name = row[count:]
        card.customer = SimpleNamespace(name=customer_name)
        card.address = SimpleNamespace(district=district, city=city)
        # An appliance always has a category: none means the order names no appliance.
        card.asset = SimpleNamespace(category=category) if category is not None else None
        card.assignee = SimpleNamespace(user=SimpleNamespace(name=assignee_name)) \
            if card.assignee_id else None
        cards.append(card)
    return cards



def queue(now: datetime) -> list[QueueItem]:
    """Open orders waiting for a technician or an appointment, most urgent first."""
    waiting = _cards(WorkOrder.status.in_(WAITING),
                     or_(WorkOrder.assignee_id.is_(None), WorkOrder.appointment_start.is_(None)))
    items = []
    for order in sorted(waiting, key=lambda o: urgency(o, now)):
        kind, deadline = sla.running_deadline(order)
        items.append(QueueItem(order, kind, deadline, deadline - now if deadline else None))
    return items


def view_span(day: date, calendar, jobs: list[WorkOrder]) -> tuple[datetime, datetime]:
    """The hours the lanes show: the working day with some room either side, widened to
    whole hours so that a job booked before or after working hours is drawn where it is
    (never squashed against an edge)."""
    zone = ZoneInfo(calendar.timezone)
    start = datetime.combine(day, calendar.start, zone) - VIEW_BEFORE
    end = datetime.combine(day, calendar.end, zone) + VIEW_AFTER
    for job in jobs:
        job_end = job.appointment_end or job.appointment_start + timedelta(minutes=90)
        # Half an hour of room, so that a job is never drawn against the edge.
        start = min(start, job.appointment_start - timedelta(minutes=30))
        end = max(end, job_end + timedelta(minutes=30))
    day_start = datetime.combine(day, time(), zone)
    day_end = day_start + timedelta(days=1)
    start = max(start.astimezone(zone).replace(minute=0, second=0, microsecond=0), day_start)
    whole = end.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    end = min(whole if whole == end else whole + timedelta(hours=1), day_end)
    return start, end


def board(day: date, now: datetime | None = None) -> Board:
    """The queue, and one lane per active technician with their appointments on ``day``."""
    now = now or utcnow()
    calendar = orders.calendar()
    zone = ZoneInfo(calendar.timezone)
    start, end = suggestions.day_bounds(day, calendar)
    technicians = db.session.scalars(
        select(Technician).join(User, User.id == Technician.user_id)
        .where(Technician.active, User.active)
        .options(selectinload(Technician.user)).order_by(Technician.region, User.name)).all()
    booked = _cards(WorkOrder.assignee_id.is_not(None), WorkOrder.appointment_start >= start,
                    WorkOrder.appointment_start < end, WorkOrder.status != Status.CANCELLED,
                    order_by=WorkOrder.appointment_start)
    by_tech: dict[uuid.UUID, list[WorkOrder]] = {}
    for order in booked:
        by_tech.setdefault(order.assignee_id, []).append(order)
    lanes = []
    for tech in technicians:
        jobs = by_tech.get(tech.id, [])
        busy = sum(((o.appointment_end or o.appointment_start + timedelta(minutes=90))
                    - o.appointment_start for o in jobs), timedelta())
        lanes.append(Lane(tech, jobs, busy))
    counts = dict(db.session.execute(
        select(WorkOrder.sla_state, func.count()).where(WorkOrder.status.in_(WAITING))
        .group_by(WorkOrder.sla_state)).all())
    view_start, view_end = view_span(day, calendar, booked)
    return Board(
        day=day, now=now, view_start=view_start, view_end=view_end,
        work_start=datetime.combine(day, calendar.start, zone),
        queue=queue(now), lanes=lanes,
        counts={state: counts.get(state, 0) for state in ("red", "yellow", "green")},
        stamp=stamp(day, now))


# --- moves -----------------------------------------------------------------------------

def _overlap(technician_id: uuid.UUID, order: WorkOrder, start: datetime, end: datetime
             ) -> WorkOrder | None:
    return db.session.scalar(
        select(WorkOrder).where(
            WorkOrder.assignee_id == technician_id, WorkOrder.id != order.id,
            WorkOrder.status != Status.CANCELLED, WorkOrder.appointment_start < end,
            func.coalesce(WorkOrder.appointment_end, WorkOrder.appointment_start) > start)
        .order_by(WorkOrder.appointment_start).limit(1))


def assign(actor: User, order: WorkOrder, technician_id: uuid.UUID, start: datetime,
           end: datetime, expected_version: int | None = None,
           now: datetime | None = None) -> WorkOrder:
    """Book ``order`` with a technician from ``start`` to ``end`` (a reschedule when it is
    already theirs) and move it to *scheduled*.

    Raises Conflict when the order changed since ``expected_version`` (code ``stale``) or
    is past being booked from the office; Invalid for an unknown technician, a window that
    is backwards or over, or one that overlaps the technician's other appointments.
    """
    now = now or utcnow()
    if expected_version is not None and expected_version != order.version:
        raise Conflict(_("%(number)s changed since you loaded it.", number=order.number),
                       {"version": [f"is {order.version}, you had {expected_version}"]},
                       code="stale")
    if order.status not in ASSIGNABLE:
        raise Conflict(_("%(number)s is %(status)s: the technician's phone has it now.",
                         number=order.number, status=term(order.status)), code="not_assignable")
    tech = db.session.get(Technician, technician_id)
    if tech is None or not tech.active or not tech.user.active:
        raise Invalid(_("Choose an active technician."),
                      {"technician_id": [_("Choose an active technician.")]})
    if end <= start:
        raise Invalid(_("The appointment must end after it starts."),
                      {"end": [_("The appointment must end after it starts.")]})
    if end <= now:
        raise Invalid(_("The appointment is already over; choose a later time."),
                      {"start": [_("The appointment is already over; choose a later time.")]})
    clash = _overlap(tech.id, order, start, end)
    if clash is not None:
        message = _("%(name)s already has %(number)s from %(start)s to %(end)s.",
                    name=tech.user.name, number=clash.number,
                    start=format_time(clash.appointment_start, "HH:mm"),
                    end=format_time(clash.appointment_end or clash.appointment_start, "HH:mm"))
        raise Invalid(message, {"start": [message]})
    orders.update_order(actor, order, {"assignee_id": tech.id, "appointment_start": start,
                                       "appointment_end": end})
    if order.status != Status.SCHEDULED:
        orders.transition(actor, order, Status.SCHEDULED, now=now)
    return order


def unassign(actor: User, order: WorkOrder, reason: str,
             expected_version: int | None = None) -> WorkOrder:
    """Take the order off its technician and back to the queue; needs a reason.

    Raises Conflict (stale, or too late to take back), Invalid without a reason.
    """
    if expected_version is not None and expected_version != order.version:
        raise Conflict(_("%(number)s changed since you loaded it.", number=order.number),
                       {"version": [f"is {order.version}, you had {expected_version}"]},
                       code="stale")
    if not (reason or "").strip():
        raise Invalid(_("Say why the order goes back to the queue."),
                      {"reason": [_("Say why the order goes back to the queue.")]})
    if order.status not in ASSIGNABLE:
        raise Conflict(_("%(number)s is %(status)s: the technician's phone has it now.",
                         number=order.number, status=term(order.status)), code="not_assignable")
    if order.status == Status.SCHEDULED:
        orders.transition(actor, order, Status.NEW, reason=reason.strip())
    orders.update_order(actor, order, {"assignee_id": None, "appointment_start": None,
                                       "appointment_end": None})
    return order


def next_free_slot(order: WorkOrder, technician_id: uuid.UUID, day: date, now: datetime
                   ) -> tuple[datetime, datetime] | None:
    """The technician's first free slot for ``order`` on ``day`` (travel included)."""
    calendar = suggestions.calendar_for(order, orders.calendar())
    job = suggestions.job_for(order, day, now, calendar)
    candidate = next((c for c in suggestions.load_candidates(day, calendar, order.id)
                      if c.technician_id == technician_id), None)
    if candidate is None:
        return None
    start = suggestions.first_slot(job, candidate)[0]
    return (start, start + job.duration) if start else None


@dataclass
class Outcome:
    number: str
    ok: bool
    message: str


def _each(items: list[tuple[WorkOrder, int | None]], move) -> list[Outcome]:
    outcomes = []
    for order, version in items:
        number = order.number
        try:
            with db.session.begin_nested():
                message = move(order, version)
            outcomes.append(Outcome(number, True, message))
        except ServiceError as refused:
            outcomes.append(Outcome(number, False, refused.message))
    return outcomes


def bulk_assign(actor: User, items, technician_id: uuid.UUID, day: date,
                now: datetime | None = None) -> list[Outcome]:
    """Give each order the technician's next free slot on ``day``, most urgent first."""
    now = now or utcnow()
    tech = db.session.get(Technician, technician_id)
    if tech is None or not tech.active:
        raise Invalid(_("Choose an active technician."),
                      {"technician_id": [_("Choose an active technician.")]})

    def move(order, version):
        slot = next_free_slot(order, technician_id, day, now)
        if slot is None:
            raise Invalid(_("%(name)s has no free slot left that day.", name=tech.user.name))
        assign(actor, order, technician_id, *slot, expected_version=version, now=now)
        return _("%(number)s → %(name)s at %(time)s", number=order.number,
                 name=tech.user.name, time=format_time(slot[0], "HH:mm"))

    items = sorted(items, key=lambda item: urgency(item[0], now))
    return _each(items, move)


def bulk_move(actor: User, items, technician_id: uuid.UUID | None, day: date | None,
              now: datetime | None = None) -> list[Outcome]:
    """Hand appointments to another technician and/or another day, same time of day."""
    now = now or utcnow()
    zone = ZoneInfo(orders.calendar().timezone)

    def move(order, version):
        if order.appointment_start is None or order.assignee_id is None:
            raise Invalid(_("%(number)s has no appointment to move.", number=order.number))
        start, end = order.appointment_start, order.appointment_end or \
            order.appointment_start + timedelta(minutes=90)
        if day is not None:
            shift = datetime.combine(day, time(), zone) - datetime.combine(
                start.astimezone(zone).date(), time(), zone)
            start, end = start + shift, end + shift
        target = technician_id or order.assignee_id
        assign(actor, order, target, start, end, expected_version=version, now=now)
        tech = db.session.get(Technician, target)
        return _("%(number)s → %(name)s at %(time)s", number=order.number,
                 name=tech.user.name, time=format_time(start, "HH:mm"))

    return _each(items, move)


def bulk_unassign(actor: User, items, reason: str) -> list[Outcome]:
    if not (reason or "").strip():
        raise Invalid(_("Say why the order goes back to the queue."),
                      {"reason": [_("Say why the order goes back to the queue.")]})

    def move(order, version):
        unassign(actor, order, reason, expected_version=version)
        return _("%(number)s is back in the queue.", number=order.number)

    return _each(items, move)


def events_since(order: WorkOrder, since: datetime) -> list[WorkOrderEvent]:
    """What happened to the order after ``since``: shown when an edit is refused as stale."""
    return list(db.session.scalars(
        select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id,
                                     WorkOrderEvent.server_time > since)
        .options(selectinload(WorkOrderEvent.actor)).order_by(WorkOrderEvent.seq)))
