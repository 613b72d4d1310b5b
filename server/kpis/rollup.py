"""Keeping the KPI rollup (``kpi_order_facts`` and ``kpi_event_facts``) equal to a fresh
computation.

What changes an order's facts is watched on the session, not called from each service:
after every flush the orders touched are noted (the order itself; its history events and
part lines and its warranty claim; the order a repeat order points at, before and after;
the orders of a technician whose region changed, of an address whose city changed, of an
appliance whose category changed), and so are the ratings, follow-ups and time logs
touched, and the orders whose filter dimensions may have moved (their events carry them).
Before the transaction commits their rows are recomputed with the same SQL as
``service.facts`` (delete + insert … select), so the rollup commits with the change. A
reader in the same transaction (``service.summary``) first catches up with its own
session's noted orders.

``flask kpis rebuild`` recomputes a range of request days from scratch; ``flask kpis
check`` compares the stored rows with a fresh computation and lists the orders that differ.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import chain
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (bindparam, case, delete, event, func, insert, inspect, literal,
                        null, select)
from sqlalchemy.orm import Session

from ..assets.models import Asset
from ..customers.models import Address
from ..extensions import db
from ..feedback.models import Survey
from ..followups.models import FollowUp
from ..technicians.models import Technician
from ..warranty.models import WarrantyClaim
from ..workorders.models import PartUsage, TimeLog, WorkOrder, WorkOrderEvent
from .models import KpiEventFacts, KpiOrderFacts

_NOTED = "doorstep_kpi_orders"
_BY = {Technician: ("region", WorkOrder.assignee_id), Address: ("city", WorkOrder.address_id),
       Asset: ("category", WorkOrder.asset_id)}
CHUNK = 500
COLUMNS = [c.name for c in KpiOrderFacts.__table__.columns]
EVENT_COLUMNS = [c.name for c in KpiEventFacts.__table__.columns]
# What an event row is made from, and the kinds of row each source gives.
_SOURCES = {"Survey": (Survey, ("rating",)),
            "FollowUp": (FollowUp, ("followup_due", "followup_done")),
            "TimeLog": (TimeLog, ("time",))}
# The order attributes its filter dimensions come from: a change re-files its events.
_ORDER_DIMENSIONS = ("assignee_id", "address_id", "asset_id", "type", "channel")


def _is_app_session(session: Session) -> bool:
    from flask import has_app_context

    return has_app_context() and db.session.registry.has() and db.session.registry() is session


def _changed(obj, attribute: str) -> bool:
    return inspect(obj).attrs[attribute].history.has_changes()


@event.listens_for(Session, "after_flush")
def _note_orders(session: Session, flush_context) -> None:
    noted = session.info.setdefault(_NOTED, set())
    changed = [obj for obj in session.dirty if session.is_modified(obj)]
    for obj in chain(session.new, changed, session.deleted):
        if isinstance(obj, WorkOrder):
            noted.add(("order", obj.id))
            if obj not in session.new and (obj in session.deleted or any(
                    _changed(obj, name) for name in _ORDER_DIMENSIONS)):
                noted.add(("dims", obj.id))
            history = inspect(obj).attrs.repeat_of_id.history
            for value in chain(history.added, history.unchanged, history.deleted):
                if value is not None:
                    noted.add(("order", value))
        elif isinstance(obj, (WorkOrderEvent, PartUsage, WarrantyClaim)):
            noted.add(("order", obj.work_order_id))
        elif type(obj).__name__ in _SOURCES:
            noted.add(("source", (type(obj).__name__, obj.id)))
        elif type(obj) in _BY and obj not in session.new:
            attribute, _ = _BY[type(obj)]
            if obj in session.deleted or _changed(obj, attribute):
                noted.add((type(obj).__name__, obj.id))


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None or not _is_app_session(session):
        return
    session.flush()
    _refresh_noted(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_NOTED, None)


def note_written(model_name: str, ids) -> None:
    """Rows of a rating, follow-up or time log (``_SOURCES``: "Survey", "FollowUp",
    "TimeLog") written without the session — a bulk insert no flush sees — so the commit
    files their event rows as it does the session's."""
    if model_name not in _SOURCES:
        raise ValueError(f"{model_name} has no event rows")
    noted = db.session().info.setdefault(_NOTED, set())
    noted.update(("source", (model_name, key)) for key in ids)


def catch_up() -> None:
    """Bring the rollup up to date with this session's changes not committed yet."""
    session = db.session()
    session.flush()
    _refresh_noted(session)


def _refresh_noted(session: Session) -> None:
    noted = session.info.pop(_NOTED, None)
    if not noted:
        return
    ids = {key for kind, key in noted if kind == "order"}
    moved = {key for kind, key in noted if kind == "dims"}  # their events re-filed
    sources = {key for kind, key in noted if kind == "source"}
    for model, (_, column) in _BY.items():
        keys = [key for kind, key in noted if kind == model.__name__]
        for i in range(0, len(keys), CHUNK):
            found = set(session.scalars(select(WorkOrder.id).where(
                column.in_(keys[i:i + CHUNK]))))
            ids.update(found)
            moved.update(found)
            if model is Technician:  # their own time logs carry their region
                sources.update(("TimeLog", key) for key in session.scalars(
                    select(TimeLog.id).where(TimeLog.technician_id.in_(keys[i:i + CHUNK]))))
    refresh(ids, events_of=moved, sources=sources)
    session.info.pop(_NOTED, None)  # our own reads and writes note nothing new


def fill_if_missing(lo: datetime, hi: datetime) -> int:
    """A period with orders but no rollup row at all — the table is new after an upgrade,
    or was emptied — gets its rows computed now, so the dashboard never shows a busy
    period as an empty one (``flask kpis rebuild`` fills the whole history at once). Two
    indexed look-ups when nothing is missing. Returns how many orders it computed."""
    from .service import _ts

    in_period = (WorkOrder.created_at >= lo, WorkOrder.created_at < hi)
    if db.session.scalar(select(WorkOrder.id).where(*in_period).limit(1)) is None:
        return 0
    if db.session.scalar(select(KpiOrderFacts.id).where(
            KpiOrderFacts.created_s >= _ts(lo), KpiOrderFacts.created_s < _ts(hi))
            .limit(1)) is not None:
        return 0
    return refresh(db.session.scalars(select(WorkOrder.id).where(*in_period)).all())


def _calendar_and_zone():
    from .service import _calendar

    calendar = _calendar()
    return calendar, ZoneInfo(calendar.timezone)


def _write(ids_cte, lo: datetime, hi: datetime, calendar) -> None:
    db.session.execute(_facts_insert(ids_cte, lo, hi, calendar))


def _facts_insert(ids_cte, lo: datetime, hi: datetime, calendar):
    from .service import facts_of

    f = facts_of(ids_cte, lo, hi, calendar, None, dims=True)
    # the table, not the model: executed with parameters, the ORM would take an insert of
    # the model for a bulk insert of rows
    return insert(KpiOrderFacts.__table__).from_select(
        COLUMNS, select(*(f.c[name] for name in COLUMNS)))


_IDS = bindparam("ids", expanding=True)


@lru_cache(maxsize=64)
def _facts_insert_for_days(first: date, last: date, calendar, window_days: int):
    """The rollup's INSERT … SELECT for the orders ``:ids``, all requested from local day
    ``first`` to ``last``: built once per span of days and calendar and reused. Building
    it (a few hundred SQL elements) was most of what a commit spent keeping the rollup;
    the database driver's statement cache then finds the same SQL text."""
    zone = ZoneInfo(calendar.timezone)
    lo = datetime.combine(first, datetime.min.time(), zone).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
    ids_cte = select(WorkOrder.id).where(WorkOrder.id.in_(_IDS)).cte("ids")
    return _facts_insert(ids_cte, lo, hi, calendar)


def refresh(order_ids, events_of=None, sources=()) -> int:
    """Recompute the rollup rows of these orders (a deleted order loses its row), then the
    event rows of the ratings, follow-ups and time logs of the orders ``events_of``
    (default: all of them; the ones whose filter dimensions may have moved) and of the
    ``sources`` named as (model name, id)."""
    ids = sorted({i for i in order_ids if i is not None}, key=str)
    if ids:
        calendar, zone = _calendar_and_zone()
        window = int(current_app.config["REPEAT_WINDOW_DAYS"])
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        # Lock the orders first (in one order of ids, so two refreshes cannot deadlock on
        # each other): every transaction that changed an order's facts recomputes its row
        # under this lock before it commits, so the second one waits for the first to
        # commit and its recomputation — a new snapshot per statement (READ COMMITTED) —
        # sees the first one's change as well as its own. Without it each transaction
        # rewrote the row from its own snapshot and the last commit lost the other's fact
        # (docs/kpis.md, "The rollup"). FOR NO KEY UPDATE, the lock an UPDATE of the order
        # takes, not FOR UPDATE: that one also conflicts with the key-share lock a new
        # event, part line or claim takes on its order, so two transactions each holding
        # one of those locks waited for each other here and one died of a deadlock.
        # SQLite needs nothing: BEGIN IMMEDIATE already serialises writers.
        # (Through the session: it flushes what is pending first. The writes below go to
        # its connection directly: they are plain table statements, built once.)
        created = db.session.execute(_LOCK_ORDERS, {"ids": chunk}).all()
        connection = db.session.connection()
        connection.execute(_DELETE_ORDER_FACTS, {"ids": chunk})
        if not created:
            continue
        days = [at.astimezone(zone).date() for _, at in created]
        connection.execute(_facts_insert_for_days(min(days), max(days), calendar, window),
                           {"ids": [order_id for order_id, _ in created]})
    refresh_events(ids if events_of is None else events_of, sources)
    return len(ids)


# refresh()'s statements, built once (their ids bound at each call): building even a small
# statement costs more than SQLite takes to run it, and a commit runs them for every
# changed order.
_LOCK_ORDERS = (select(WorkOrder.id, WorkOrder.created_at).where(WorkOrder.id.in_(_IDS))
                .order_by(WorkOrder.id).with_for_update(key_share=True))
_DELETE_ORDER_FACTS = delete(KpiOrderFacts.__table__).where(
    KpiOrderFacts.__table__.c.id.in_(_IDS))


# --- the event rows: ratings, follow-ups and time logs with their order's dimensions -----

def _event_selects() -> dict:
    """``{kind: SELECT}`` of the event rows of each kind (``EVENT_COLUMNS``, in order)
    with the order's dimensions from its rollup row; the caller adds a WHERE."""
    from .service import epoch

    k = KpiOrderFacts
    dims = [k.tech, k.region, k.city, k.category, k.type, k.channel]
    none = null()

    def row(model, kind, at, value, scores=(none, none, none), sub=none, logger=none,
            logger_region=none):
        return (select(model.id, literal(kind), model.work_order_id, epoch(at), value,
                       *scores, sub, logger, logger_region, *dims)
                .outerjoin(k, k.id == model.work_order_id))

    logger = Technician.__table__.alias("logger")
    return {
        "rating": row(Survey, "rating", Survey.submitted_at, Survey.rating),
        "followup_due": row(FollowUp, "followup_due", FollowUp.due_at,
                            case((FollowUp.status == "done", 1), else_=0)),
        "followup_done": row(FollowUp, "followup_done", FollowUp.done_at, none,
                             (FollowUp.timeliness, FollowUp.attitude, FollowUp.quality))
        .where(FollowUp.status == "done", FollowUp.done_at.is_not(None)),
        "time": row(TimeLog, "time", TimeLog.started_at,
                    epoch(TimeLog.ended_at) - epoch(TimeLog.started_at), sub=TimeLog.kind,
                    logger=TimeLog.technician_id, logger_region=logger.c.region)
        .outerjoin(logger, logger.c.id == TimeLog.technician_id),
    }


_MODEL_OF_KIND = {kind: model for model, kinds in _SOURCES.values() for kind in kinds}


@lru_cache(maxsize=1)
def _event_inserts() -> tuple[dict, dict]:
    """Per kind, INSERT … SELECT of the event rows of the sources ``:ids`` and of the
    sources of the orders ``:ids``: built once (``_facts_insert_for_days`` says why)."""
    by_source, by_order = {}, {}
    for kind, stmt in _event_selects().items():
        model = _MODEL_OF_KIND[kind]
        # the table, not the model (_facts_insert says why)
        by_source[kind] = insert(KpiEventFacts.__table__).from_select(
            EVENT_COLUMNS, stmt.where(model.id.in_(_IDS)))
        by_order[kind] = insert(KpiEventFacts.__table__).from_select(
            EVENT_COLUMNS, stmt.where(model.work_order_id.in_(_IDS)))
    return by_source, by_order


def refresh_events(order_ids=(), sources=()) -> None:
    """Recompute the event rows of ``sources`` ((model name, id): a rating, follow-up or
    time log; a deleted one loses its rows), then of every source of ``order_ids``.
    Sources first: one that moved to another order is deleted by its own id before that
    order's rows are rewritten."""
    by_source, by_order = _event_inserts()
    delete_by_source, delete_by_order = _event_deletes()
    keys_of = {name: sorted({key for model, key in sources if model == name}, key=str)
               for name in _SOURCES}
    orders = sorted({i for i in order_ids if i is not None}, key=str)
    if not orders and not any(keys_of.values()):
        return
    db.session.flush()  # the statements go to the connection: nothing pending is missed
    connection = db.session.connection()
    for name, keys in keys_of.items():
        for i in range(0, len(keys), CHUNK):
            chunk = keys[i:i + CHUNK]
            connection.execute(delete_by_source[name], {"ids": chunk})
            for kind in _SOURCES[name][1]:
                connection.execute(by_source[kind], {"ids": chunk})
    for i in range(0, len(orders), CHUNK):
        chunk = orders[i:i + CHUNK]
        connection.execute(delete_by_order, {"ids": chunk})
        for stmt in by_order.values():
            connection.execute(stmt, {"ids": chunk})


@lru_cache(maxsize=1)
def _event_deletes() -> tuple[dict, object]:
    """The DELETEs of ``refresh_events``, built once: per source model, of its sources'
    rows ``:ids``; and of every event row of the orders ``:ids``."""
    e = KpiEventFacts.__table__.c
    by_source = {name: delete(KpiEventFacts.__table__).where(
        e.src.in_(_IDS), e.kind.in_(kinds)) for name, (_, kinds) in _SOURCES.items()}
    return by_source, delete(KpiEventFacts.__table__).where(e.order_id.in_(_IDS))


def _days(start: date | None, end: date | None, zone,
          columns=(WorkOrder.created_at,)) -> list[tuple[datetime, datetime]]:
    """[lo, hi) UTC spans of whole local months from ``start`` to ``end`` (default: the
    first and last instant on record in ``columns``, the orders' request)."""
    if start is None or end is None:
        found = [pair for pair in (db.session.execute(select(func.min(c), func.max(c))).one()
                                   for c in columns) if pair[0] is not None]
        if not found:
            return []
        start = start or min(first for first, _ in found).astimezone(zone).date()
        end = end or max(last for _, last in found).astimezone(zone).date()
    spans, cursor = [], start
    while cursor <= end:
        stop = min(end + timedelta(days=1), (cursor.replace(day=1) + timedelta(days=32))
                   .replace(day=1))
        spans.append((datetime.combine(cursor, datetime.min.time(), zone).astimezone(UTC),
                      datetime.combine(stop, datetime.min.time(), zone).astimezone(UTC)))
        cursor = stop
    return spans


# The instant each kind of event row is filed under.
_EVENT_AT = {"rating": Survey.submitted_at, "followup_due": FollowUp.due_at,
             "followup_done": FollowUp.done_at, "time": TimeLog.started_at}


def rebuild(start: date | None = None, end: date | None = None) -> int:
    """Recompute the rollup of the orders requested from ``start`` to ``end`` (local days,
    both included; default everything), one month per statement, then the event rows
    dated in those days (default: all of them). Returns the order row count."""
    from .service import _ts

    calendar, zone = _calendar_and_zone()
    for lo, hi in _days(start, end, zone):
        db.session.execute(delete(KpiOrderFacts).where(
            KpiOrderFacts.created_s >= _ts(lo), KpiOrderFacts.created_s < _ts(hi)))
        ids_cte = select(WorkOrder.id).where(WorkOrder.created_at >= lo,
                                             WorkOrder.created_at < hi).cte("ids")
        _write(ids_cte, lo, hi, calendar)
    e, selects = KpiEventFacts, _event_selects()
    if start is None and end is None:
        db.session.execute(delete(e))
        for stmt in selects.values():
            db.session.execute(insert(e.__table__).from_select(EVENT_COLUMNS, stmt))
    else:
        for lo, hi in _days(start, end, zone, tuple(_EVENT_AT.values())):
            for kind, stmt in selects.items():
                db.session.execute(delete(e).where(e.kind == kind, e.at_s >= _ts(lo),
                                                   e.at_s < _ts(hi)))
                db.session.execute(insert(e.__table__).from_select(EVENT_COLUMNS, stmt.where(
                    _EVENT_AT[kind] >= lo, _EVENT_AT[kind] < hi)))
    return db.session.scalar(select(func.count()).select_from(KpiOrderFacts))


def check(start: date | None = None, end: date | None = None) -> list[uuid.UUID]:
    """The orders requested from ``start`` to ``end`` whose rollup row differs from a fresh
    computation (or is missing, or should not exist), and the orders of the ratings,
    follow-ups and time logs dated in those days whose event row differs (a follow-up of a
    plan: its own id). Empty when the rollup is right."""
    from .service import _ts, facts_of

    calendar, zone = _calendar_and_zone()
    wrong: set = set()
    for lo, hi in _days(start, end, zone):
        ids_cte = select(WorkOrder.id).where(WorkOrder.created_at >= lo,
                                             WorkOrder.created_at < hi).cte("ids")
        f = facts_of(ids_cte, lo, hi, calendar, None, dims=True)
        fresh = {tuple(r) for r in db.session.execute(select(*(f.c[n] for n in COLUMNS)))}
        k = KpiOrderFacts.__table__.c
        stored = {tuple(r) for r in db.session.execute(
            select(*(k[n] for n in COLUMNS)).where(k.created_s >= _ts(lo),
                                                   k.created_s < _ts(hi)))}
        wrong.update(row[0] for row in fresh ^ stored)
    e = KpiEventFacts.__table__.c
    for lo, hi in _days(start, end, zone, tuple(_EVENT_AT.values())):
        for kind, stmt in _event_selects().items():
            fresh = {tuple(r) for r in db.session.execute(stmt.where(
                _EVENT_AT[kind] >= lo, _EVENT_AT[kind] < hi))}
            stored = {tuple(r) for r in db.session.execute(
                select(*(e[n] for n in EVENT_COLUMNS)).where(
                    e.kind == kind, e.at_s >= _ts(lo), e.at_s < _ts(hi)))}
            # the order it belongs to (a follow-up of a plan: its own id)
            wrong.update(row[2] or row[0] for row in fresh ^ stored)
    return sorted(wrong, key=str)
