"""Who should take this job? Technicians ranked for one order on one day.

Each technician gets a score out of 100 from four parts, and one line that explains it:

* skills (40): the product category (25) and the job type (15) among their skills;
* distance (25): from where they will be just before the job — the previous job that day,
  or their home base — full marks next door, none from 30 km;
* workload (15): the share of their working day still free;
* SLA risk (20): whether their first free slot that day (after travelling) beats the
  deadline the order is racing, with an hour to spare for full marks;

minus 5 when the slot falls outside the window the customer asked for (the first slot
inside the window is offered when there is one; only when none fits, the first of the day).
A technician without the product's skill keeps half their score (they can be sent, but
should rarely come first); one more than ``OUT_OF_AREA_KM`` away is not suggested at all,
nor one based in another city than the job's (``customers.geocoding.city_of``) unless the
dispatcher asks for other cities. A booking in another city is never a place to set off
from: distances are only measured within one city.

``rank`` is pure (no database) so it can be tested and timed on its own; ``load`` reads
what it needs in two queries. Explanations are written only for the suggestions shown.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_time, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from ..accounts.models import User
from ..customers import geocoding
from ..customers.models import Address
from ..extensions import db
from ..technicians.models import Technician
from ..words import phrase, term
from ..workorders import lifecycle, sla
from ..workorders.models import WorkOrder

SKILL_CATEGORY, SKILL_TYPE, DISTANCE, WORKLOAD, SLA_RISK = 25, 15, 25, 15, 20
OUTSIDE_WINDOW = 5
UNSKILLED_SHARE = 0.5
FAR_KM = 30.0
OUT_OF_AREA_KM = 150.0
SPEED_KMH = 25.0  # door to door in town, parking included
UNKNOWN_TRAVEL = timedelta(minutes=30)
SPARE = timedelta(hours=1)
SLOT_STEP = 15  # minutes: appointments start on the quarter hour
JOB_MINUTES = {"repair": 90, "install": 180, "maintenance": 60, "inspection": 45,
               "return_exchange": 60}
# Emergencies are booked outside working hours and on days off too, within these hours.
EMERGENCY_FROM, EMERGENCY_UNTIL = time(7, 0), time(22, 0)


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    approximate: bool = False


@dataclass(frozen=True)
class Booking:
    start: datetime
    end: datetime
    place: Place | None
    number: str


@dataclass
class Candidate:
    technician_id: uuid.UUID
    name: str
    region: str
    skills: frozenset[str]
    home: Place | None
    bookings: list[Booking] = field(default_factory=list)  # that day, by start
    city: str | None = None  # the gazetteer city of their home base


@dataclass(frozen=True)
class Job:
    """The order to place, as the ranking needs it."""

    category: str | None
    type: str
    place: Place | None
    duration: timedelta
    deadline: datetime | None
    # arrive: on site by the deadline (emergencies); finish: done by it
    deadline_means: str
    earliest: datetime
    latest: datetime
    preferred: tuple[datetime, datetime] | None = None
    city: str | None = None  # the gazetteer city of the address


@dataclass
class Suggestion:
    candidate: Candidate
    score: int
    slot_start: datetime | None
    slot_end: datetime | None
    km: float | None
    from_number: str | None  # the previous job's number; None: from home base
    jobs_that_day: int
    margin: timedelta | None  # time to spare before the deadline (negative: late)
    outside_window: bool
    parts: dict[str, float]
    explanation: str = ""


def haversine_km(a: Place, b: Place) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude,
                                                b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + \
        math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def travel(a: Place | None, b: Place | None) -> tuple[float | None, timedelta]:
    if a is None or b is None:
        return None, UNKNOWN_TRAVEL
    km = haversine_km(a, b)
    return km, timedelta(hours=km / SPEED_KMH)


def _ceil_to_step(moment: datetime) -> datetime:
    seconds = SLOT_STEP * 60
    stamp = moment.timestamp()
    return datetime.fromtimestamp(math.ceil(stamp / seconds) * seconds, moment.tzinfo)


class ToJob:
    """Distances from places (homes, bookings) to the job's, each worked out once per
    ranking: a technician's places are asked about again for every slot tried."""

    def __init__(self, job: Job):
        self.place = job.place
        self.known: dict[int, float] = {}

    def km(self, place: Place | None) -> float | None:
        if place is None or self.place is None:
            return None
        key = id(place)  # the places live as long as the candidates being ranked
        km = self.known.get(key)
        if km is None:
            km = self.known[key] = haversine_km(place, self.place)
        return km

    def travel(self, place: Place | None) -> tuple[float | None, timedelta]:
        km = self.km(place)
        return (None, UNKNOWN_TRAVEL) if km is None else (km, timedelta(hours=km / SPEED_KMH))


def first_slot(job: Job, candidate: Candidate, to_job: ToJob | None = None):
    """The first start at which ``candidate`` can be on site for the whole job that day,
    where they come from, and how far it is. ``(None, …)`` when the day is full."""
    to_job = to_job or ToJob(job)
    cursor, where, number = job.earliest, candidate.home, None
    for booking in candidate.bookings:
        # A job in another city is no place to set off from (nor a neighbour).
        nearby = booking.place is not None and (
            job.place is None or to_job.km(booking.place) <= OUT_OF_AREA_KM)
        if booking.end <= cursor:
            if nearby:
                where, number = booking.place, booking.number
            continue
        km, drive = to_job.travel(where)
        start = _ceil_to_step(cursor + drive)
        if start + job.duration <= booking.start:
            return start, where, number, km
        cursor = max(cursor, booking.end)
        if nearby:
            where, number = booking.place, booking.number
    km, drive = to_job.travel(where)
    start = _ceil_to_step(cursor + drive)
    if start + job.duration <= job.latest:
        return start, where, number, km
    return None, where, number, km


def slot_in_window(job: Job, candidate: Candidate, to_job: ToJob | None = None):
    """``first_slot`` inside the customer's preferred window when one fits there, else the
    first slot of the day; the last value says whether it is inside the window."""
    to_job = to_job or ToJob(job)
    if job.preferred is not None:
        opens, closes = max(job.earliest, job.preferred[0]), min(job.latest, job.preferred[1])
        if opens < closes:
            found = first_slot(replace(job, earliest=opens, latest=closes), candidate, to_job)
            if found[0] is not None:
                return (*found, True)
    return (*first_slot(job, candidate, to_job), job.preferred is None)


def score(job: Job, candidate: Candidate, working_minutes: float,
          to_job: ToJob | None = None) -> Suggestion:
    start, _where, number, km, _inside = slot_in_window(job, candidate, to_job)
    parts = {}
    if job.category is None:
        parts["skills"] = SKILL_CATEGORY / 2
    else:
        parts["skills"] = SKILL_CATEGORY * (job.category in candidate.skills)
    parts["skills"] += SKILL_TYPE * (job.type in candidate.skills)
    if km is None:
        parts["distance"] = DISTANCE * 0.4
    else:
        parts["distance"] = DISTANCE * max(0.0, 1 - km / FAR_KM)
    booked = sum((b.end - b.start).total_seconds() / 60 for b in candidate.bookings)
    parts["workload"] = WORKLOAD * max(0.0, 1 - booked / working_minutes)
    margin, outside = None, False
    end = start + job.duration if start else None
    if start is None:
        parts["sla"] = 0.0
    elif job.deadline is None:
        parts["sla"] = float(SLA_RISK)
    else:
        margin = job.deadline - (start if job.deadline_means == "arrive" else end)
        parts["sla"] = SLA_RISK * min(1.0, max(0.0, margin / SPARE)) if margin >= timedelta(0) \
            else 0.0
    if start is not None and job.preferred is not None:
        outside = start < job.preferred[0] or end > job.preferred[1]
        parts["window"] = -OUTSIDE_WINDOW * outside
    total = max(0.0, sum(parts.values()))
    if job.category is not None and job.category not in candidate.skills:
        total *= UNSKILLED_SHARE
    total = round(total)
    return Suggestion(candidate, total, start, end, km, number, len(candidate.bookings),
                      margin, outside, parts)


def same_city(job: Job, candidate: Candidate) -> bool:
    return job.city is None or candidate.city is None or job.city == candidate.city


def rank(job: Job, candidates: list[Candidate], working_minutes: float,
         limit: int | None = 10, other_cities: bool = False) -> list[Suggestion]:
    """Candidates best first (score, then earliest slot, then name); the first ``limit``
    get their one-line explanation. Technicians based in another city than the job's are
    left out unless ``other_cities`` asks for them."""
    far = datetime.max.replace(tzinfo=job.earliest.tzinfo)
    to_job = ToJob(job)
    scored = [score(job, c, working_minutes, to_job) for c in candidates
              if other_cities or same_city(job, c)]
    ranked = sorted((s for s in scored if s.km is None or s.km <= OUT_OF_AREA_KM),
                    key=lambda s: (-s.score, s.slot_start or far, s.candidate.name))
    shown = ranked if limit is None else ranked[:limit]
    for suggestion in shown:
        suggestion.explanation = explain(job, suggestion)
    return shown


# --- words ---------------------------------------------------------------------------------

def span(amount: timedelta) -> str:
    """1 h 05 min, 40 min, 3 d 4 h: a duration a dispatcher reads at a glance."""
    minutes = int(abs(amount).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return _("%(days)d d %(hours)d h", days=hours // 24, hours=hours % 24)
    if not hours:
        return _("%(minutes)d min", minutes=minutes)
    if not minutes:
        return _("%(hours)d h", hours=hours)
    return _("%(hours)d h %(minutes)02d min", hours=hours, minutes=minutes)


def explain(job: Job, s: Suggestion) -> str:
    skills = s.candidate.skills
    # The category starts the line; every other word sits inside a sentence.
    category = term(job.category) if job.category else None
    category_, kind_ = (phrase(job.category) if job.category else None), phrase(job.type)
    if job.category is None:
        skill = _("appliance not recorded; %(type)s ✓", type=kind_) if job.type in skills \
            else _("appliance not recorded; no %(type)s skill", type=kind_)
    elif job.category in skills and job.type in skills:
        skill = _("%(category)s ✓ %(type)s ✓", category=category, type=kind_)
    elif job.category in skills:
        skill = _("%(category)s ✓, no %(type)s skill", category=category, type=kind_)
    else:
        skill = _("no %(category)s skill", category=category_)
    if s.km is None:
        distance = _("distance unknown")
    else:
        about = "≈" if job.place is not None and job.place.approximate else ""
        distance = (_("%(about)s%(km).1f km from job %(number)s", about=about, km=s.km,
                      number=s.from_number) if s.from_number
                    else _("%(about)s%(km).1f km from home base", about=about, km=s.km))
    load = ngettext("%(num)d job that day", "%(num)d jobs that day", s.jobs_that_day) \
        if s.jobs_that_day else _("no other jobs that day")
    if s.slot_start is None:
        risk = _("no free slot that day")
    else:
        at = format_time(s.slot_start, "HH:mm")
        if s.margin is None:
            risk = _("free at %(time)s", time=at)
        elif s.margin < timedelta(0):
            risk = _("free at %(time)s, misses the deadline by %(late)s", time=at,
                     late=span(s.margin))
        else:
            risk = _("free at %(time)s, %(spare)s to spare", time=at, spare=span(s.margin))
    line = [skill, distance, load, risk]
    if s.outside_window:
        line.append(_("outside the customer's window"))
    return " · ".join(line)


# --- reading the database ---------------------------------------------------------------

def day_bounds(day: date, calendar: sla.WorkingCalendar) -> tuple[datetime, datetime]:
    zone = ZoneInfo(calendar.timezone)
    return datetime.combine(day, time(), zone), datetime.combine(day + timedelta(days=1),
                                                                 time(), zone)


def working_minutes(calendar: sla.WorkingCalendar) -> float:
    return calendar.day_length.total_seconds() / 60


def approximate_place(address: Address) -> Place | None:
    """The address's coordinates; failing those, the middle of the other known addresses in
    its district (or city), so a customer taken on the phone can still be placed."""
    if address.latitude is not None and address.longitude is not None:
        return Place(address.latitude, address.longitude)
    known = and_(Address.latitude.is_not(None), Address.longitude.is_not(None),
                 Address.city == address.city)
    for where in ([known, Address.district == address.district] if address.district else [],
                  [known]):
        if not where:
            continue
        lat, lng = db.session.execute(
            select(func.avg(Address.latitude), func.avg(Address.longitude)).where(*where)).one()
        if lat is not None:
            return Place(float(lat), float(lng), approximate=True)
    return None


def job_for(order: WorkOrder, day: date, now: datetime, calendar: sla.WorkingCalendar) -> Job:
    """The order as a job to place on ``day``, starting no earlier than ``now``."""
    zone = ZoneInfo(calendar.timezone)
    emergency = order.priority == "emergency"
    opens = datetime.combine(day, EMERGENCY_FROM if emergency else calendar.start, zone)
    closes = datetime.combine(day, EMERGENCY_UNTIL if emergency else calendar.end, zone)
    if not emergency and not calendar.is_working_day(day):
        closes = opens  # nobody is booked on a day off, except for an emergency
    preferred = None
    if order.preferred_start and order.preferred_end \
            and order.preferred_start.astimezone(zone).date() == day:
        preferred = (order.preferred_start, order.preferred_end)
    if emergency:
        deadline, means = order.respond_by, "arrive"
    else:
        deadline, means = order.resolve_by, "finish"
    place = approximate_place(order.address)
    return Job(
        city=(geocoding.city_of(place.latitude, place.longitude) if place else None)
        or geocoding.city_named(order.address.city),
        category=order.asset.category if order.asset else None, type=order.type,
        place=place,
        duration=timedelta(minutes=JOB_MINUTES.get(order.type, 90)),
        deadline=deadline, deadline_means=means,
        earliest=max(opens, now), latest=closes, preferred=preferred,
    )


def load_candidates(day: date, calendar: sla.WorkingCalendar,
                    exclude_order: uuid.UUID | None = None) -> list[Candidate]:
    """Every active technician with their bookings that day, in two queries."""
    # Columns, not entities: building 400 ORM objects was most of a ranking's time.
    technicians = db.session.execute(
        select(Technician.id, User.name, Technician.region, Technician.skills,
               Technician.home_latitude, Technician.home_longitude)
        .join(User, User.id == Technician.user_id)
        .where(Technician.active, User.active)).all()
    candidates = {
        tech_id: Candidate(tech_id, name, region, frozenset(skills or ()),
                           Place(lat, lng) if lat is not None and lng is not None else None,
                           city=geocoding.city_of(lat, lng))
        for tech_id, name, region, skills, lat, lng in technicians}
    start, end = day_bounds(day, calendar)
    rows = db.session.execute(
        select(WorkOrder.assignee_id, WorkOrder.number, WorkOrder.appointment_start,
               WorkOrder.appointment_end, WorkOrder.type, Address.latitude, Address.longitude)
        .join(Address, Address.id == WorkOrder.address_id)
        .where(WorkOrder.assignee_id.is_not(None), WorkOrder.appointment_start >= start,
               WorkOrder.appointment_start < end,
               WorkOrder.status != lifecycle.Status.CANCELLED,
               WorkOrder.id != (exclude_order or uuid.UUID(int=0)))
        .order_by(WorkOrder.appointment_start)).all()
    for tech_id, number, b_start, b_end, kind, lat, lng in rows:
        candidate = candidates.get(tech_id)
        if candidate is None:
            continue
        b_end = b_end or b_start + timedelta(minutes=JOB_MINUTES.get(kind, 90))
        place = Place(lat, lng) if lat is not None and lng is not None else None
        candidate.bookings.append(Booking(b_start, b_end, place, number))
    return list(candidates.values())


def calendar_for(order: WorkOrder, calendar: sla.WorkingCalendar) -> sla.WorkingCalendar:
    """The working calendar where the job is: the calendar of the order's region when it
    has one (set under /admin/sla; the rule its SLA deadlines follow,
    ``orders.order_calendar``); otherwise the company's hours and days in the time zone of
    the job's city (a London job is booked 08:00–18:00 London time, not Shanghai time);
    the company's calendar when the city is not known."""
    from ..settings import service as settings

    own = settings.region_calendar(order.address.city)
    if own is not None:
        return own
    place = approximate_place(order.address)
    city = (geocoding.city_of(place.latitude, place.longitude) if place else None) \
        or geocoding.city_named(order.address.city)
    zone = geocoding.timezone_of(city)
    return replace(calendar, timezone=zone) if zone else calendar


def suggest(order: WorkOrder, day: date, now: datetime, calendar: sla.WorkingCalendar,
            limit: int | None = 10, other_cities: bool = False) -> list[Suggestion]:
    """Technicians for ``order`` on ``day`` (in the job city's calendar), best first, with
    their explanations (only those based in the job's city unless ``other_cities``)."""
    calendar = calendar_for(order, calendar)
    job = job_for(order, day, now, calendar)
    return rank(job, load_candidates(day, calendar, exclude_order=order.id),
                working_minutes(calendar), limit, other_cities)
