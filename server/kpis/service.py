"""KPIs: every number of the dashboard, computed in the database with aggregate queries.

The same SQL runs on SQLite and PostgreSQL: instants become whole epoch seconds through
one function (``epoch``) compiled per dialect, percentiles are nearest-rank values read with
ORDER BY … LIMIT 1 OFFSET k, and the working calendar (``workorders.sla.WorkingCalendar``)
becomes a CASE expression over the period's working days (``_due_expression``).

docs/kpis.md defines each number in words; the base of the order KPIs is the set of orders
*requested* (created) in the period, in the company's time zone.
"""

from __future__ import annotations

import math
from itertools import chain
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (BigInteger, and_, case, func, literal, null, or_, select,
                        true)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..assets.models import Asset
from ..customers.models import Address
from ..extensions import db
from ..feedback.models import Complaint, Survey
from ..technicians.models import Technician
from ..warranty.models import WarrantyClaim
from ..workorders.models import PartUsage, WorkOrder, WorkOrderEvent
from ..settings.service import company_calendar
from ..workorders.sla import WorkingCalendar

TIERS = ("emergency", "high", "normal", "low")
GROUPS = ("technician", "region", "category", "week")
WORKING_DAYS_TO_CLOSE = 3
MAX_DAYS = 400  # the longest period one request may ask for


class epoch(FunctionElement):  # noqa: N801 - reads like the SQL function it stands for
    """Whole seconds since 1970-01-01 UTC of a UTCDateTime column, on both databases."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch"


@compiles(epoch, "postgresql")
def _epoch_pg(element, compiler, **kw):
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@dataclass(frozen=True)
class Filters:
    region: str | None = None  # the assigned technician's region
    city: str | None = None  # the order address's city
    category: str | None = None  # the product category of the order's appliance
    type: str | None = None
    channel: str | None = None
    technician_id: uuid.UUID | None = None

    def active(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[lo, hi) in UTC: local midnight of the first day to local midnight after the last."""
        lo = datetime.combine(self.start, datetime.min.time(), zone).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), datetime.min.time(), zone)
        return lo, hi.astimezone(UTC)

    def weeks(self) -> list[Period]:
        """The period cut into weeks starting on Mondays (the first and last may be short)."""
        out, cursor = [], self.start
        while cursor <= self.end:
            end = min(self.end, cursor + timedelta(days=6 - cursor.weekday()))
            out.append(Period(cursor, end))
            cursor = end + timedelta(days=1)
        return out


def _calendar() -> WorkingCalendar:
    return company_calendar()


def _ts(value: datetime) -> int:
    return math.floor(value.timestamp())


# --- the order facts: one row per order requested in the period -------------------------

def _due_expression(created, lo: datetime, hi: datetime, calendar: WorkingCalendar):
    """SQL for "the instant (epoch s) ``WORKING_DAYS_TO_CLOSE`` working days after the
    request", exact for the working calendar over [lo, hi).

    Between one working day's close and the next one's opening the deadline is one instant;
    within working hours it moves with the request (request + a fixed span for that day).
    """
    zone = ZoneInfo(calendar.timezone)
    amount = calendar.day_length * WORKING_DAYS_TO_CLOSE
    whens = []
    day = lo.astimezone(zone).date() - timedelta(days=1)
    last = hi.astimezone(zone).date()
    while day <= last:
        if calendar.is_working_day(day):
            opens = datetime.combine(day, calendar.start, zone)
            closes = datetime.combine(day, calendar.end, zone)
            # up to and including the opening: the same deadline as at the opening
            whens.append((created <= _ts(opens), literal(_ts(calendar.add_working_time(
                opens, amount)))))
            middle = opens + (closes - opens) / 2
            span = _ts(calendar.add_working_time(middle, amount)) - _ts(middle)
            whens.append((created < _ts(closes), created + span))
        day += timedelta(days=1)
    after = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    fallback = literal(_ts(calendar.add_working_time(after, amount)))
    # No working day in the span (one weekend order refreshed alone in the rollup): one
    # deadline for all of it.
    return case(*whens, else_=fallback) if whens else fallback


def _history(ids):
    """Per order among ``ids``, what the KPIs read from its history, in one pass over the
    events (the index on to_status, work_order_id): the first time it was booked (entered
    ``scheduled``, server time), its visits (``en_route`` → ``on_site`` transitions) and
    how often it was reopened. Orders without such events have no row."""
    e = WorkOrderEvent
    return (select(e.work_order_id.label("oid"),
                   func.min(case((e.to_status == "scheduled", e.server_time))).label("booked"),
                   func.count(case((and_(e.to_status == "on_site",
                                         e.from_status == "en_route"), 1))).label("visits"),
                   func.count(case((e.to_status == "reopened", 1))).label("reopens"))
            .where(e.to_status.in_(("scheduled", "on_site", "reopened")),
                   e.work_order_id.in_(select(ids.c.id)))
            .group_by(e.work_order_id).subquery("history"))


def _filtered(stmt, filters: Filters):
    """Join what the filters need and restrict ``stmt`` (over WorkOrder) by them."""
    if filters.category:
        stmt = stmt.join(Asset, Asset.id == WorkOrder.asset_id).where(
            Asset.category == filters.category)
    if filters.city:
        stmt = stmt.join(Address, Address.id == WorkOrder.address_id).where(
            Address.city == filters.city)
    if filters.region:
        stmt = stmt.join(Technician, Technician.id == WorkOrder.assignee_id).where(
            Technician.region == filters.region)
    if filters.type:
        stmt = stmt.where(WorkOrder.type == filters.type)
    if filters.channel:
        stmt = stmt.where(WorkOrder.channel == filters.channel)
    if filters.technician_id:
        stmt = stmt.where(WorkOrder.assignee_id == filters.technician_id)
    return stmt


def _orders_in(lo: datetime, hi: datetime, filters: Filters):
    """Ids of the orders requested in [lo, hi) that match the filters."""
    stmt = select(WorkOrder.id).where(WorkOrder.created_at >= lo, WorkOrder.created_at < hi)
    return _filtered(stmt, filters)


def facts(lo: datetime, hi: datetime, filters: Filters, calendar: WorkingCalendar,
          now: datetime):
    """One row per order requested in [lo, hi): the instants and flags every order KPI
    reads, computed from the orders and their history. A subquery; the KPIs aggregate over
    it (the dashboard reads the same rows kept in ``kpi_order_facts``, ``stored_facts``)."""
    return facts_of(_orders_in(lo, hi, filters).cte("ids"), lo, hi, calendar, now)


def facts_of(ids, lo: datetime, hi: datetime, calendar: WorkingCalendar,
             now: datetime | None, dims: bool = False):
    """The facts of the orders ``ids`` (a CTE with an ``id`` column), all requested in
    [lo, hi) (the working-calendar deadline is exact over that span). With ``dims`` the
    filter dimensions come too (the rollup's columns); without ``now`` no ``now_s``."""
    window = int(current_app.config["REPEAT_WINDOW_DAYS"]) * 86400
    history = _history(ids)
    # Parts under warranty are not charged (parts_cents is 0): their cost is what was used.
    used = (select(PartUsage.work_order_id.label("oid"),
                   func.sum(PartUsage.quantity * PartUsage.unit_price_cents).label("cents"))
            .where(PartUsage.work_order_id.in_(select(ids.c.id)))
            .group_by(PartUsage.work_order_id).subquery("used"))
    # What the manufacturer credited on the order's warranty claim (one claim per order).
    credited = (select(WarrantyClaim.work_order_id.label("oid"),
                       WarrantyClaim.credited_cents.label("cents"))
                .where(WarrantyClaim.work_order_id.in_(select(ids.c.id)),
                       WarrantyClaim.state == "credited").subquery("credited"))
    repeat = WorkOrder.__table__.alias("repeat")
    repeats = (select(repeat.c.repeat_of_id.label("oid"),
                      func.min(repeat.c.created_at).label("at"))
               .where(repeat.c.repeat_of_id.in_(select(ids.c.id)),
                      repeat.c.status != "cancelled")
               .group_by(repeat.c.repeat_of_id).subquery("repeats"))
    created = epoch(WorkOrder.created_at)
    completed = epoch(WorkOrder.completed_at)
    repeated = and_(repeats.c.at.is_not(None),
                    epoch(repeats.c.at) <= completed + window)
    columns = [
        WorkOrder.id.label("id"), WorkOrder.priority.label("tier"),
        WorkOrder.status.label("status"), WorkOrder.assignee_id.label("tech"),
        created.label("created_s"),
        epoch(history.c.booked).label("booked_s"),
        epoch(WorkOrder.started_at).label("arrived_s"),
        completed.label("completed_s"),
        epoch(WorkOrder.respond_by).label("respond_by_s"),
        _due_expression(created, lo, hi, calendar).label("due3_s"),
        func.coalesce(history.c.visits, 0).label("visits"),
        case((history.c.reopens > 0, 1), else_=0).label("reopened"),
        case((repeated, 1), else_=0).label("repeated"),
        WorkOrder.parts_cents, WorkOrder.labour_cents, WorkOrder.travel_cents,
        case((WorkOrder.in_warranty == true(), func.coalesce(used.c.cents, 0)), else_=0)
        .label("warranty_parts_cents"),
        case((WorkOrder.in_warranty == true(), func.coalesce(credited.c.cents, 0)), else_=0)
        .label("warranty_credited_cents"),
    ]
    if now is not None:
        columns.append(literal(_ts(now), BigInteger).label("now_s"))
    if dims:
        columns += [Technician.region.label("region"), Address.city.label("city"),
                    Asset.category.label("category"), WorkOrder.type.label("type"),
                    WorkOrder.channel.label("channel")]
    stmt = (
        select(*columns)
        .join(ids, ids.c.id == WorkOrder.id)
        .outerjoin(history, history.c.oid == WorkOrder.id)
        .outerjoin(repeats, repeats.c.oid == WorkOrder.id)
        .outerjoin(used, used.c.oid == WorkOrder.id)
        .outerjoin(credited, credited.c.oid == WorkOrder.id)
    )
    if dims:
        stmt = (stmt.outerjoin(Technician, Technician.id == WorkOrder.assignee_id)
                .outerjoin(Address, Address.id == WorkOrder.address_id)
                .outerjoin(Asset, Asset.id == WorkOrder.asset_id))
    return stmt.subquery("facts")


# The dimension each filter narrows in the rollup (``kpi_order_facts``).
_ROLLUP_DIMENSION = {"region": "region", "city": "city", "category": "category",
                     "type": "type", "channel": "channel", "technician_id": "tech"}


# The rollup's column of each grouping the dashboard breaks down by in one pass.
_GROUP_DIMENSION = {"technician": "tech", "region": "region", "category": "category"}


def stored_facts(lo: datetime, hi: datetime, filters: Filters, now: datetime,
                 by: str | None = None):
    """``facts`` read from the rollup (``kpi_order_facts``, kept up to date by
    ``kpis.rollup``): the same columns, one indexed range on the request instant. With
    ``by`` (technician, region or category) a ``grp`` column holds each order's group."""
    from .models import KpiOrderFacts as K

    grp = getattr(K, _GROUP_DIMENSION[by]) if by else null()
    stmt = select(K.id, K.tier, K.status, K.tech, K.created_s, K.booked_s, K.arrived_s,
                  K.completed_s, K.respond_by_s, K.due3_s, K.visits, K.reopened, K.repeated,
                  K.parts_cents, K.labour_cents, K.travel_cents, K.warranty_parts_cents,
                  K.warranty_credited_cents, literal(_ts(now), BigInteger).label("now_s"),
                  grp.label("grp")).where(
        K.created_s >= _ts(lo), K.created_s < _ts(hi))
    for name, value in filters.active().items():
        stmt = stmt.where(getattr(K, _ROLLUP_DIMENSION[name]) == value)
    return stmt.subquery("facts")


# Which orders stand behind each drill-down key (a condition on the facts).
def _behind(f, key: str, tier: str | None = None):
    """The condition on the facts ``f`` that picks the orders behind one number (only
    that one is built: the dashboard asks for many). Raises KeyError for an unknown key."""
    c = f.c
    live = lambda: c.status != "cancelled"  # noqa: E731
    done = lambda: and_(live(), c.completed_s.is_not(None))  # noqa: E731
    first_visit = lambda: and_(c.visits == 1, c.reopened == 0, c.repeated == 0)  # noqa: E731
    conditions = {
        "requested": lambda: true(),
        "cancelled": lambda: c.status == "cancelled",
        "open": lambda: and_(live(), c.completed_s.is_(None)),
        "booked": lambda: and_(live(), c.booked_s.is_not(None)),
        "arrived": lambda: and_(live(), c.arrived_s.is_not(None)),
        "completed": done,
        "within_3wd": lambda: and_(done(), c.completed_s <= c.due3_s),
        "late_3wd": lambda: and_(done(), c.completed_s > c.due3_s),
        "sla_met": lambda: and_(live(), _responded(f).is_not(None), _met(f)),
        "sla_missed": lambda: and_(live(), c.respond_by_s.is_not(None), ~_met(f),
                                   or_(_responded(f).is_not(None),
                                       c.respond_by_s <= c.now_s)),
        "first_time_fix": lambda: and_(done(), first_visit()),
        "not_first_time_fix": lambda: and_(done(), ~first_visit()),
        "repeat": lambda: and_(done(), or_(c.reopened == 1, c.repeated == 1)),
        "reopened": lambda: c.reopened == 1,
        "warranty_parts": lambda: and_(done(), c.warranty_parts_cents > 0),
    }
    condition = conditions[key]()
    return and_(condition, c.tier == tier) if tier else condition


BEHIND_KEYS = ("requested", "cancelled", "open", "booked", "arrived", "completed", "within_3wd",
               "late_3wd", "sla_met", "sla_missed", "first_time_fix", "not_first_time_fix",
               "repeat", "reopened", "warranty_parts", "complaints", "rated", "followups")


def _responded(f):
    """The instant the respond clock stopped: on site for emergencies, else booked."""
    return case((f.c.tier == "emergency", f.c.arrived_s), else_=f.c.booked_s)


def _met(f):
    responded = _responded(f)
    return and_(responded.is_not(None), f.c.respond_by_s.is_not(None),
                responded <= f.c.respond_by_s)


def _ranks(n):
    """Nearest-rank positions (1-based) of the median, ⌈n/2⌉, and the 90th percentile,
    ⌈9n/10⌉, as integer arithmetic both databases do alike."""
    return (n + 1) // 2, (9 * n + 9) // 10


def _ratio(part: int | float, whole: int | float) -> float | None:
    return None if not whole else round(part / whole, 4)


def _nearest_rank(values: list) -> tuple:
    """(median, 90th percentile) of sorted ``values``: the values at ``_ranks``."""
    if not values:
        return None, None
    median, p90 = _ranks(len(values))
    return values[median - 1], values[p90 - 1]


def _bucket(seconds):
    """The coarse bucket of a duration (ten minutes up to two days, six hours beyond): the
    same integer on both databases (integer division truncates toward zero on both)."""
    return case((seconds < 172800, seconds // 600), else_=288 + seconds // 21600)


def _durations_read(f, measures: dict, where) -> dict:
    """The median and 90th percentile (seconds) of stop − start, overall and per SLA tier,
    for each measure ``name: (start, stop)``, over the facts rows matching ``where``; per
    group (the facts' ``grp`` column): ``{group: {measure: …}}``.

    Exact nearest-rank (``_ranks``) in two statements for all measures (each reads the
    period's rows once, as a materialised CTE), so the database does
    the per-order work and only a few hundred rows come back whatever the period's size
    (the per-order read ranked in Python grew with the period: docs/kpis.md, "Percentiles"):
    1. the count of durations per group, tier and coarse bucket (``_bucket``): which bucket
       holds each wanted rank, and at which position inside it;
    2. the durations of just those buckets, sorted here: the value at that position."""
    names = list(measures)
    # The period's durations read once (a materialised CTE) for both passes' branches.
    d = select(f.c.grp, f.c.tier, *((stop - start).label(f"m{i}") for i, (start, stop)
                                    in enumerate(measures.values()))).where(where) \
        .cte("durations").prefix_with("MATERIALIZED")
    counts: dict = {}  # measure -> raw group -> tier -> [(bucket, n)] in bucket order
    buckets = [_bucket(d.c[f"m{i}"]) for i in range(len(names))]  # one object: the same
    # bound values in the SELECT and the GROUP BY (PostgreSQL compares them as text)
    branches = [select(literal(i).label("m"), d.c.grp, d.c.tier, bucket, func.count())
                .where(d.c[f"m{i}"].is_not(None)).group_by(d.c.grp, d.c.tier, bucket)
                for i, bucket in enumerate(buckets)]
    rows = sorted(db.session.execute(branches[0].union_all(*branches[1:])),
                  key=lambda r: (r[0], int(r[3])))
    for m, grp, tier, b, n in rows:
        counts.setdefault(m, {}).setdefault(grp, {}).setdefault(tier, []).append((int(b), n))
    wanted: dict = {}  # measure -> (group, tier or None) -> (n, [(rank, bucket, position)])
    for m, per_group in counts.items():
        for grp, tiers in per_group.items():
            scopes = dict(tiers)
            merged: dict = {}
            for pairs in tiers.values():
                for b, n in pairs:
                    merged[b] = merged.get(b, 0) + n
            scopes[None] = sorted(merged.items())
            for tier, pairs in scopes.items():
                total = sum(n for _, n in pairs)
                targets, seen, ranks = [], 0, sorted(set(_ranks(total)))
                for b, n in pairs:
                    while ranks and ranks[0] <= seen + n:
                        rank = ranks.pop(0)
                        targets.append((rank, b, rank - seen))
                    seen += n
                wanted.setdefault(m, {})[(grp, tier)] = (total, targets)
    values = _bucket_values(d, names, wanted)
    out: dict = {}
    for m, scopes in wanted.items():
        name = names[m]
        for (grp, tier), (total, targets) in scopes.items():
            at = {rank: values[(m, grp, tier, b)][position - 1]
                  for rank, b, position in targets}
            median, p90 = _ranks(total)
            slot = out.setdefault(_key(grp), {}).setdefault(name, {
                "count": 0, "median_s": None, "p90_s": None,
                "tiers": {t: {"count": 0, "median_s": None, "p90_s": None} for t in TIERS}})
            figures = {"count": total, "median_s": at[median], "p90_s": at[p90]}
            if tier is None:
                slot.update(figures)
            else:
                slot["tiers"][tier] = figures
    empty = _ranked(names, None)
    return {k: {name: v.get(name, empty[name]) for name in names} for k, v in out.items()}


def _bucket_values(d, names: list, wanted: dict) -> dict:
    """The durations in the buckets ``wanted`` names, sorted: ``{(measure, group, tier,
    bucket): [...]}`` and, for all tiers together, ``{(measure, group, None, bucket): …}``."""
    branches = []
    for m, scopes in wanted.items():
        per_group: dict = {}
        for (grp, _), (_, targets) in scopes.items():
            per_group.setdefault(grp, set()).update(b for _, b, _ in targets)
        column = d.c[f"m{m}"]
        picks = [and_(d.c.grp.is_(None) if grp is None else d.c.grp == grp,
                      _bucket(column).in_(sorted(bs))) for grp, bs in per_group.items()
                 if bs]
        if picks:
            branches.append(select(literal(m).label("m"), d.c.grp, d.c.tier,
                                   _bucket(column), column)
                            .where(column.is_not(None), or_(*picks)))
    if not branches:
        return {}
    out: dict = {}
    for m, grp, tier, b, value in db.session.execute(branches[0].union_all(*branches[1:])):
        out.setdefault((m, grp, tier, int(b)), []).append(int(value))
        out.setdefault((m, grp, None, int(b)), []).append(int(value))
    for found in out.values():
        found.sort()
    return out


def _ranked(names: list, slots: list | None) -> dict:
    """The percentiles of each measure from its per-tier values (none: all empty)."""
    out = {}
    for i, name in enumerate(names):
        per_tier = slots[i] if slots else {}
        every = sorted(chain.from_iterable(per_tier.values()))
        median, p90 = _nearest_rank(every)
        slot = out[name] = {"count": len(every), "median_s": median, "p90_s": p90,
                            "tiers": {t: {"count": 0, "median_s": None, "p90_s": None}
                                      for t in TIERS}}
        for tier, tier_values in per_tier.items():
            tier_values.sort()
            median, p90 = _nearest_rank(tier_values)
            slot["tiers"][tier] = {"count": len(tier_values), "median_s": median,
                                   "p90_s": p90}
    return out


def _grouped(by, grp) -> tuple:
    """``grp`` to GROUP BY when grouping (PostgreSQL refuses a constant NULL there)."""
    return (grp,) if by else ()


def _key(value) -> str | None:
    """A group's key as the page and the API name it (a technician's id as text)."""
    return None if value is None else str(value)


_ORDER_SUMS = ("requested", "cancelled", "completed", "within_3wd", "ftf", "repeat",
               "reopened", "parts", "labour", "travel", "warranty_parts", "warranty_credited")


def _order_kpis(lo, hi, filters: Filters, calendar: WorkingCalendar, now: datetime,
                by: str | None = None) -> dict:
    """The order KPIs, ``{group: {…}}`` in one grouped pass (the key None without ``by``)."""
    f = stored_facts(lo, hi, filters, now, by)
    b = lambda key: func.coalesce(func.sum(case((_behind(f, key), 1), else_=0)), 0)  # noqa: E731
    done = _behind(f, "completed")
    cost = lambda col: func.coalesce(func.sum(case((done, col), else_=0)), 0)  # noqa: E731
    # Judged for the SLA: the clock stopped, or the deadline has passed without it stopping.
    judged = or_(_behind(f, "sla_met"), _behind(f, "sla_missed"))
    # One grouped pass over the facts, per group and tier; the totals are the sums of the
    # tiers.
    rows = db.session.execute(select(
        f.c.grp, f.c.tier, func.count().label("requested"), b("cancelled").label("cancelled"),
        b("completed").label("completed"), b("within_3wd").label("within_3wd"),
        b("first_time_fix").label("ftf"), b("repeat").label("repeat"),
        b("reopened").label("reopened"),
        cost(f.c.parts_cents).label("parts"), cost(f.c.labour_cents).label("labour"),
        cost(f.c.travel_cents).label("travel"),
        cost(f.c.warranty_parts_cents).label("warranty_parts"),
        cost(f.c.warranty_credited_cents).label("warranty_credited"),
        func.coalesce(func.sum(case((and_(judged, _met(f)), 1), else_=0)), 0).label("met"),
        func.coalesce(func.sum(case((judged, 1), else_=0)), 0).label("judged"),
    ).select_from(f).group_by(f.c.grp, f.c.tier)).all()
    per_group: dict = {}
    for r in rows:
        per_group.setdefault(_key(r.grp), []).append(r)
    live = f.c.status != "cancelled"
    durations = _durations_read(f, {"response": (f.c.created_s, f.c.booked_s),
                                    "arrival": (f.c.created_s, f.c.arrived_s),
                                    "resolution": (f.c.created_s, f.c.completed_s)}, live)
    keys = set(per_group) if by else {None}
    return {k: _order_block(per_group.get(k, []), durations.get(k)) for k in keys}


def _order_block(per_tier: list, durations: dict | None) -> dict:
    """One group's order KPIs from its per-tier sums and its durations."""
    durations = durations or _ranked(["response", "arrival", "resolution"], None)
    row = type("Totals", (), {n: sum(int(getattr(r, n)) for r in per_tier)
                              for n in _ORDER_SUMS})
    sla = {tier: {"met": 0, "count": 0, "rate": None} for tier in TIERS}
    for r in per_tier:
        if int(r.judged):
            sla[r.tier] = {"met": int(r.met), "count": int(r.judged),
                           "rate": _ratio(int(r.met), int(r.judged))}
    completed = int(row.completed)
    total_cost = int(row.parts) + int(row.labour) + int(row.travel)
    return {
        "orders": {"requested": row.requested, "cancelled": int(row.cancelled),
                   "completed": completed, "reopened": int(row.reopened)},
        "response": durations["response"],
        "arrival": durations["arrival"],
        "resolution": {**durations["resolution"],
                       "within_3wd": int(row.within_3wd), "completed": completed,
                       "within_3wd_rate": _ratio(int(row.within_3wd), completed)},
        "sla": sla,
        "first_time_fix": {"count": int(row.ftf), "completed": completed,
                           "rate": _ratio(int(row.ftf), completed)},
        "repeat_repair": {"count": int(row.repeat), "completed": completed,
                          "rate": _ratio(int(row.repeat), completed)},
        "cost": {"completed": completed, "parts_cents": int(row.parts),
                 "labour_cents": int(row.labour), "travel_cents": int(row.travel),
                 "total_cents": total_cost,
                 "per_order_cents": None if not completed else round(total_cost / completed),
                 "parts_per_order_cents": None if not completed
                 else round(int(row.parts) / completed),
                 "labour_per_order_cents": None if not completed
                 else round(int(row.labour) / completed),
                 "travel_per_order_cents": None if not completed
                 else round(int(row.travel) / completed),
                 "warranty_parts_cents": int(row.warranty_parts),
                 "warranty_credited_cents": int(row.warranty_credited)},
    }


def _complaints_in(lo, hi, filters: Filters, by: str | None = None):
    """The complaints received in [lo, hi) that match the filters; with ``by`` a ``grp``
    column holds the group each one falls in (None: in none), as the filter narrowed to
    that group would pick it."""
    stmt = select(Complaint).where(Complaint.created_at >= lo, Complaint.created_at < hi)
    narrowing = filters.active()
    if narrowing or by:
        tech = narrowing.pop("technician_id", None)
        stmt = stmt.outerjoin(WorkOrder, WorkOrder.id == Complaint.work_order_id)
        if narrowing:
            stmt = _filtered(stmt.where(WorkOrder.id.is_not(None)), Filters(**narrowing))
        if tech:
            stmt = stmt.where(func.coalesce(Complaint.technician_id, WorkOrder.assignee_id)
                              == tech)
    if by == "technician":
        stmt = stmt.add_columns(func.coalesce(Complaint.technician_id, WorkOrder.assignee_id)
                                .label("grp"))
    elif by == "region":
        # as Filters(region=…) picks them: through the order's assignee
        grouping = Technician.__table__.alias("grouping")
        stmt = stmt.outerjoin(grouping, grouping.c.id == WorkOrder.assignee_id).add_columns(
            grouping.c.region.label("grp"))
    elif by == "category":
        grouping = Asset.__table__.alias("grouping")
        stmt = stmt.outerjoin(grouping, grouping.c.id == WorkOrder.asset_id).add_columns(
            grouping.c.category.label("grp"))
    return stmt


def _complaint_kpis(lo, hi, filters: Filters, requested: dict, by: str | None = None
                    ) -> dict:
    """``{group: complaint KPIs}``; ``requested`` gives each group's orders requested."""
    c = _complaints_in(lo, hi, filters, by).subquery("c")
    answered = and_(c.c.answered_at.is_not(None), c.c.respond_by.is_not(None),
                    c.c.answered_at <= c.c.respond_by)
    verified = and_(c.c.verified_at.is_not(None), c.c.verify_by.is_not(None),
                    c.c.verified_at <= c.c.verify_by)
    grp = c.c.grp if by else null()
    rows = db.session.execute(
        select(grp, c.c.category, func.count(), func.sum(case((answered, 1), else_=0)),
               func.sum(case((verified, 1), else_=0)))
        .group_by(*_grouped(by, grp), c.c.category).order_by(c.c.category)).all()
    per_group: dict = {}
    for group, *rest in rows:
        per_group.setdefault(_key(group), []).append(rest)
    return {k: _complaint_block(per_group.get(k, []), requested.get(k, 0))
            for k in (set(requested) | set(per_group))}


def _complaint_block(rows: list, requested: int) -> dict:
    total = sum(r[1] for r in rows)
    ans = sum(int(r[2] or 0) for r in rows)
    ver = sum(int(r[3] or 0) for r in rows)
    return {
        "count": total, "orders": requested,
        "per_1000_orders": None if not requested else round(total * 1000 / requested, 2),
        "answered_24h": ans, "answered_24h_rate": _ratio(ans, total),
        "verified_3wd": ver, "verified_3wd_rate": _ratio(ver, total),
        "categories": [{"category": cat, "count": n, "answered_24h": int(a or 0),
                        "verified_3wd": int(v or 0)} for cat, n, a, v in rows],
    }


def _events(kind: str, lo, hi, filters: Filters, by: str | None = None, *columns,
            logged: bool = False):
    """The rollup's event rows (``kpi_event_facts``) of ``kind`` filed in [lo, hi) whose
    order matches the filters — through the order's dimensions copied onto each row, one
    indexed range, no join — with ``columns`` and the group as ``grp`` (else NULL). With
    ``logged`` (time logs) the technician and region filters and groups are the logger's."""
    from .models import KpiEventFacts as E

    dimension = dict(_ROLLUP_DIMENSION)
    grouping = dict(_GROUP_DIMENSION)
    if logged:
        dimension.update(technician_id="logger", region="logger_region")
        grouping.update(technician="logger", region="logger_region")
    stmt = select(*columns, (getattr(E, grouping[by]) if by else null()).label("grp")).where(
        E.kind == kind, E.at_s >= _ts(lo), E.at_s < _ts(hi))
    for name, value in filters.active().items():
        stmt = stmt.where(getattr(E, dimension[name]) == value)
    return stmt.subquery(kind)


def _satisfaction_kpis(lo, hi, filters: Filters, by: str | None = None) -> dict:
    from .models import KpiEventFacts as E

    s = _events("rating", lo, hi, filters, by, E.value.label("rating"))
    ratings = {_key(g): (n, total, good) for g, n, total, good in db.session.execute(select(
        s.c.grp, func.count(), func.coalesce(func.sum(s.c.rating), 0),
        func.coalesce(func.sum(case((s.c.rating >= 4, 1), else_=0)), 0)).group_by(s.c.grp))}
    names = ("timeliness", "attitude", "quality")
    fu = _events("followup_done", lo, hi, filters, by, E.timeliness, E.attitude, E.quality)
    followed = {_key(row[0]): row[1:] for row in db.session.execute(select(
        fu.c.grp, *(func.count(fu.c[d]) for d in names),
        *(func.coalesce(func.sum(fu.c[d]), 0) for d in names)).group_by(fu.c.grp))}
    out = {}
    for k in (set(ratings) | set(followed)) if by else {None}:
        n, total, good = ratings.get(k, (0, 0, 0))
        sums = followed.get(k, (0,) * 6)
        dims = {}
        for i, dim in enumerate(names):
            count, summed = sums[i], int(sums[i + 3])
            dims[dim] = {"count": count,
                         "average": None if not count else round(summed / count, 2)}
        out[k] = {"count": n, "average": None if not n else round(int(total) / n, 2),
                  "good": int(good), "good_rate": _ratio(int(good), n), "dimensions": dims}
    return out


def _followup_kpis(lo, hi, filters: Filters, now: datetime, by: str | None = None) -> dict:
    from .models import KpiEventFacts as E

    f = _events("followup_due", lo, hi if hi <= now else now, filters, by,
                E.value.label("done"))
    rows = {_key(g): (n, int(done)) for g, n, done in db.session.execute(select(
        f.c.grp, func.count(), func.coalesce(func.sum(f.c.done), 0)).group_by(f.c.grp))}
    return {k: {"due": rows.get(k, (0, 0))[0], "done": rows.get(k, (0, 0))[1],
                "rate": _ratio(rows.get(k, (0, 0))[1], rows.get(k, (0, 0))[0])}
            for k in (set(rows) if by else {None})}


def working_seconds(period: Period, calendar: WorkingCalendar) -> int:
    days = sum(1 for i in range(period.days)
               if calendar.is_working_day(period.start + timedelta(days=i)))
    return int(days * calendar.day_length.total_seconds())


def _technicians_in_scope(filters: Filters, by: str | None = None) -> dict:
    """``{group: active technicians in scope}`` (a category narrows none of them)."""
    grp = {"technician": Technician.id, "region": Technician.region}.get(by, null())
    stmt = select(grp, func.count()).select_from(Technician).where(
        Technician.active == true()).group_by(*_grouped(by in ("technician", "region"), grp))
    if filters.region:
        stmt = stmt.where(Technician.region == filters.region)
    if filters.technician_id:
        stmt = stmt.where(Technician.id == filters.technician_id)
    counts = {_key(g): n for g, n in db.session.execute(stmt)}
    if by in (None, "category"):
        return {None: counts.get(None, 0)}
    return counts


def _utilisation_kpis(period: Period, lo, hi, filters: Filters, calendar,
                      by: str | None = None) -> dict:
    """Time on site and travelling (time logs started in the period, by whoever logged
    them) against the working hours of the active technicians in scope; ``{group: …}``
    (by technician and region: whoever logged the time, as those filters pick it)."""
    from .models import KpiEventFacts as E

    t = _events("time", lo, hi, filters, by, E.sub, E.value, logged=True)
    seconds: dict = {}
    for group, kind, total in db.session.execute(select(
            t.c.grp, t.c.sub, func.coalesce(func.sum(t.c.value), 0))
            .group_by(t.c.grp, t.c.sub)):
        seconds.setdefault(_key(group), {})[kind] = int(total)
    techs = _technicians_in_scope(filters, by)
    capacity_each = working_seconds(period, calendar)
    out = {}
    for k in (set(seconds) | set(techs)) if by else {None}:
        n = techs.get(k if by in ("technician", "region") else None, 0)
        logged = seconds.get(k, {})
        capacity = capacity_each * n
        busy = logged.get("work", 0) + logged.get("travel", 0)
        out[k] = {"on_site_s": logged.get("work", 0), "travel_s": logged.get("travel", 0),
                  "technicians": n, "capacity_s": capacity, "rate": _ratio(busy, capacity)}
    return out


def summary(period: Period, filters: Filters, now: datetime | None = None) -> dict:
    """Every KPI for one period and filter set."""
    return summaries(period, filters, None, now)[None]


def summaries(period: Period, filters: Filters, by: str | None,
              now: datetime | None = None) -> dict:
    """Every KPI for one period and filter set, ``{group: summary}`` per technician (its
    id as text), region or category with ``by`` — each section one grouped query, equal to
    ``summary`` with the filter narrowed to that group — or ``{None: summary}``."""
    from .rollup import catch_up, fill_if_missing

    catch_up()  # this session's own changes not yet in the rollup
    calendar = _calendar()
    lo, hi = period.bounds(ZoneInfo(calendar.timezone))
    fill_if_missing(lo, hi)
    now = now or datetime.now(UTC)
    orders = _order_kpis(lo, hi, filters, calendar, now, by)
    requested = {k: v["orders"]["requested"] for k, v in orders.items()}
    complaints = _complaint_kpis(lo, hi, filters, requested, by)
    satisfaction = _satisfaction_kpis(lo, hi, filters, by)
    followups = _followup_kpis(lo, hi, filters, now, by)
    utilisation = _utilisation_kpis(period, lo, hi, filters, calendar, by)
    out = {}
    for k in orders:
        out[k] = {"from": period.start.isoformat(), "to": period.end.isoformat(), **orders[k],
                  "complaints": complaints[k],
                  "satisfaction": satisfaction.get(k) or _satisfaction_empty(),
                  "followups": followups.get(k) or {"due": 0, "done": 0, "rate": None},
                  "utilisation": utilisation.get(k) or _utilisation_empty(period, calendar,
                                                                          filters, by, k)}
    return out


def _satisfaction_empty() -> dict:
    return {"count": 0, "average": None, "good": 0, "good_rate": None,
            "dimensions": {d: {"count": 0, "average": None}
                           for d in ("timeliness", "attitude", "quality")}}


def _utilisation_empty(period, calendar, filters, by, key) -> dict:
    n = _technicians_in_scope(filters, by).get(key if by in ("technician", "region") else None, 0)
    return {"on_site_s": 0, "travel_s": 0, "technicians": n,
            "capacity_s": working_seconds(period, calendar) * n, "rate": None}


def _group_values(period: Period, filters: Filters, group_by: str) -> list[tuple[str, str]]:
    """(value, label) of each group with orders requested in the period."""
    lo, hi = period.bounds(ZoneInfo(_calendar().timezone))
    ids = _orders_in(lo, hi, filters).subquery("ids")
    base = select().select_from(WorkOrder).join(ids, ids.c.id == WorkOrder.id)
    if group_by == "technician":
        from ..accounts.models import User

        stmt = (base.join(Technician, Technician.id == WorkOrder.assignee_id)
                .join(User, User.id == Technician.user_id)
                .add_columns(Technician.id, User.name).distinct().order_by(User.name))
        return [(str(tid), name) for tid, name in db.session.execute(stmt).all()]
    if group_by == "region":
        stmt = (base.join(Technician, Technician.id == WorkOrder.assignee_id)
                .add_columns(Technician.region).distinct().order_by(Technician.region))
    else:
        stmt = (base.join(Asset, Asset.id == WorkOrder.asset_id)
                .add_columns(Asset.category).distinct().order_by(Asset.category))
    return [(value, value) for (value,) in db.session.execute(stmt).all()]


def dashboard(period: Period, filters: Filters, group_by: str | None = None,
              now: datetime | None = None) -> dict:
    """The period's KPIs, the previous equal period's, and (with ``group_by``) the same
    per technician, region, product category or week."""
    out = {"period": summary(period, filters, now),
           "previous": summary(period.previous(), filters, now),
           "filters": {k: str(v) for k, v in filters.active().items()},
           "group_by": group_by, "groups": []}
    if group_by == "week":
        out["groups"] = [{"key": w.start.isoformat(), "label": w.start.isoformat(),
                          **summary(w, filters, now)} for w in period.weeks()]
    elif group_by:
        # One grouped pass, not one summary per group (docs/kpis.md, "Grouping").
        grouped = summaries(period, filters, group_by, now)
        for value, label in _group_values(period, filters, group_by):
            out["groups"].append({"key": value, "label": label, **grouped[value]})
    return out


def orders_behind(period: Period, filters: Filters, key: str, tier: str | None = None,
                  limit: int = 500) -> list[WorkOrder]:
    """The orders behind one number of the dashboard, newest request first.

    Raises KeyError for an unknown ``key``.
    """
    from .rollup import catch_up

    catch_up()  # the ratings and follow-ups are read from the rollup's event rows
    calendar = _calendar()
    lo, hi = period.bounds(ZoneInfo(calendar.timezone))
    if key == "complaints":
        c = _complaints_in(lo, hi, filters).subquery("c")
        ids = select(c.c.work_order_id).where(c.c.work_order_id.is_not(None))
    elif key in ("rated", "followups"):
        from .models import KpiEventFacts as E

        e = _events("rating" if key == "rated" else "followup_due", lo, hi, filters, None,
                    E.order_id)
        ids = select(e.c.order_id).where(e.c.order_id.is_not(None))
    else:
        f = facts(lo, hi, filters, calendar, datetime.now(UTC))
        ids = select(f.c.id).where(_behind(f, key, tier))
    return list(db.session.scalars(select(WorkOrder).where(WorkOrder.id.in_(ids))
                                   .order_by(WorkOrder.created_at.desc(), WorkOrder.number)
                                   .limit(limit)))


def choices() -> dict:
    """The values the filters offer: regions, cities, categories, technicians."""
    from ..accounts.models import User

    return {
        "regions": list(db.session.scalars(select(Technician.region).distinct()
                                           .order_by(Technician.region))),
        "cities": list(db.session.scalars(select(Address.city).distinct()
                                          .order_by(Address.city))),
        "categories": list(db.session.scalars(select(Asset.category).distinct()
                                              .order_by(Asset.category))),
        "technicians": db.session.execute(
            select(Technician.id, User.name).join(User, User.id == Technician.user_id)
            .order_by(User.name)).all(),
    }


# --- the technician scorecard and the monthly ranking ------------------------------------

def punctuality(period: Period, technician_id: uuid.UUID) -> dict:
    """Orders of the technician requested in the period that have an appointment window and
    a first arrival: on time when the arrival is at or before the window's end (early counts
    as on time), late after it."""
    lo, hi = period.bounds(ZoneInfo(_calendar().timezone))
    o = WorkOrder
    on_time = and_(o.started_at.is_not(None), o.started_at <= o.appointment_end)
    n, ok = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((on_time, 1), else_=0)), 0))
        .where(o.created_at >= lo, o.created_at < hi, o.assignee_id == technician_id,
               o.status != "cancelled", o.started_at.is_not(None),
               o.appointment_end.is_not(None))).one()
    return {"count": n, "on_time": int(ok), "rate": _ratio(int(ok), n)}


def technician_feedback(period: Period, technician_id: uuid.UUID) -> dict:
    """The customers' ratings and comments and the complaints about the technician, in the
    period (surveys by their submission, complaints by their receipt), newest first."""
    lo, hi = period.bounds(ZoneInfo(_calendar().timezone))
    surveys = db.session.execute(
        select(Survey, WorkOrder).join(WorkOrder, WorkOrder.id == Survey.work_order_id)
        .where(WorkOrder.assignee_id == technician_id, Survey.submitted_at >= lo,
               Survey.submitted_at < hi)
        .order_by(Survey.submitted_at.desc(), Survey.id).limit(200)).all()
    complaints = list(db.session.scalars(
        _complaints_in(lo, hi, Filters(technician_id=technician_id))
        .order_by(Complaint.created_at.desc(), Complaint.id).limit(200)))
    return {"surveys": surveys, "complaints": complaints}


def ranking(period: Period) -> list[dict]:
    """Every technician with completed orders in the period, best first.

    Score (0–100) = 40 × average rating / 5 + 30 × first-time-fix rate + 20 × on-time rate
    + 10 × (1 − complaints per completed order, floored at 0); a missing figure counts 0.
    Ties go to more completed orders, then to the name.
    """
    from ..accounts.models import User

    out = []
    techs = db.session.execute(select(Technician.id, User.name)
                               .join(User, User.id == Technician.user_id)).all()
    for tech_id, name in techs:
        k = summary(period, Filters(technician_id=tech_id))
        completed = k["orders"]["completed"]
        if not completed:
            continue
        on_time = punctuality(period, tech_id)
        rating, ftf = k["satisfaction"]["average"], k["first_time_fix"]["rate"]
        complaints = k["complaints"]["count"]
        score = (40 * (rating or 0) / 5 + 30 * (ftf or 0) + 20 * (on_time["rate"] or 0)
                 + 10 * max(0.0, 1 - complaints / completed))
        out.append({"technician_id": tech_id, "name": name, "completed": completed,
                    "ftf_rate": ftf, "rating": rating, "ratings": k["satisfaction"]["count"],
                    "complaints": complaints, "on_time_rate": on_time["rate"],
                    "score": round(score, 1)})
    out.sort(key=lambda r: (-r["score"], -r["completed"], r["name"]))
    for rank, row in enumerate(out, 1):
        row["rank"] = rank
    return out
