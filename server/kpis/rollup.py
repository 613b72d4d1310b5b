"""Keeping the KPI rollup (``kpi_order_facts``) equal to a fresh computation.

What changes an order's facts is watched on the session, not called from each service:
after every flush the orders touched are noted (the order itself; its history events and
part lines and its warranty claim; the order a repeat order points at, before and after; the orders of a
technician whose region changed, of an address whose city changed, of an appliance whose
category changed). Before the transaction commits their rows are recomputed with the same
SQL as ``service.facts`` (delete + insert … select), so the rollup commits with the change.
A reader in the same transaction (``service.summary``) first catches up with its own
session's noted orders.

``flask kpis rebuild`` recomputes a range of request days from scratch; ``flask kpis
check`` compares the stored rows with a fresh computation and lists the orders that differ.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from ..assets.models import Asset
from ..customers.models import Address
from ..extensions import db
from ..technicians.models import Technician
from ..warranty.models import WarrantyClaim
from ..workorders.models import PartUsage, WorkOrder, WorkOrderEvent
from .models import KpiOrderFacts

_NOTED = "doorstep_kpi_orders"
_BY = {Technician: ("region", WorkOrder.assignee_id), Address: ("city", WorkOrder.address_id),
       Asset: ("category", WorkOrder.asset_id)}
CHUNK = 500
COLUMNS = [c.name for c in KpiOrderFacts.__table__.columns]


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
            history = inspect(obj).attrs.repeat_of_id.history
            for value in chain(history.added, history.unchanged, history.deleted):
                if value is not None:
                    noted.add(("order", value))
        elif isinstance(obj, (WorkOrderEvent, PartUsage, WarrantyClaim)):
            noted.add(("order", obj.work_order_id))
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
    for model, (_, column) in _BY.items():
        keys = [key for kind, key in noted if kind == model.__name__]
        for i in range(0, len(keys), CHUNK):
            ids.update(session.scalars(select(WorkOrder.id).where(
                column.in_(keys[i:i + CHUNK]))))
    refresh(ids)
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
    from .service import facts_of

    f = facts_of(ids_cte, lo, hi, calendar, None, dims=True)
    db.session.execute(insert(KpiOrderFacts).from_select(
        COLUMNS, select(*(f.c[name] for name in COLUMNS))))


def refresh(order_ids) -> int:
    """Recompute the rollup rows of these orders (a deleted order loses its row)."""
    ids = sorted({i for i in order_ids if i is not None}, key=str)
    if not ids:
        return 0
    calendar, _ = _calendar_and_zone()
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        # Lock the orders first (in one order of ids, so two refreshes cannot deadlock on
        # each other). Another transaction that changed one of them still holds a lock that
        # conflicts with this one (its UPDATE of the order, or the key-share lock its new
        # event or part line takes on the order): we wait until it commits, and the
        # recomputation below — a new snapshot per statement (READ COMMITTED) — sees its
        # change as well as ours. Without it each transaction rewrote the row from its own
        # snapshot and the last commit lost the other's fact (docs/kpis.md, "The rollup").
        # SQLite needs nothing: BEGIN IMMEDIATE already serialises writers.
        db.session.execute(select(WorkOrder.id).where(WorkOrder.id.in_(chunk))
                           .order_by(WorkOrder.id).with_for_update())
        db.session.execute(delete(KpiOrderFacts).where(KpiOrderFacts.id.in_(chunk)))
        first, last = db.session.execute(select(
            func.min(WorkOrder.created_at), func.max(WorkOrder.created_at))
            .where(WorkOrder.id.in_(chunk))).one()
        if first is None:
            continue
        ids_cte = select(WorkOrder.id).where(WorkOrder.id.in_(chunk)).cte("ids")
        _write(ids_cte, first, last + timedelta(seconds=1), calendar)
    return len(ids)


def _days(start: date | None, end: date | None, zone) -> list[tuple[datetime, datetime]]:
    """[lo, hi) UTC spans of whole local months from ``start`` to ``end`` (default: the
    first and last request day on record)."""
    if start is None or end is None:
        first, last = db.session.execute(select(
            func.min(WorkOrder.created_at), func.max(WorkOrder.created_at))).one()
        if first is None:
            return []
        start = start or first.astimezone(zone).date()
        end = end or last.astimezone(zone).date()
    spans, cursor = [], start
    while cursor <= end:
        stop = min(end + timedelta(days=1), (cursor.replace(day=1) + timedelta(days=32))
                   .replace(day=1))
        spans.append((datetime.combine(cursor, datetime.min.time(), zone).astimezone(UTC),
                      datetime.combine(stop, datetime.min.time(), zone).astimezone(UTC)))
        cursor = stop
    return spans


def rebuild(start: date | None = None, end: date | None = None) -> int:
    """Recompute the rollup of the orders requested from ``start`` to ``end`` (local days,
    both included; default everything), one month per statement. Returns the row count."""
    from .service import _ts

    calendar, zone = _calendar_and_zone()
    for lo, hi in _days(start, end, zone):
        db.session.execute(delete(KpiOrderFacts).where(
            KpiOrderFacts.created_s >= _ts(lo), KpiOrderFacts.created_s < _ts(hi)))
        ids_cte = select(WorkOrder.id).where(WorkOrder.created_at >= lo,
                                             WorkOrder.created_at < hi).cte("ids")
        _write(ids_cte, lo, hi, calendar)
    return db.session.scalar(select(func.count()).select_from(KpiOrderFacts))


def check(start: date | None = None, end: date | None = None) -> list[uuid.UUID]:
    """The orders requested from ``start`` to ``end`` whose rollup row differs from a fresh
    computation (or is missing, or should not exist). Empty when the rollup is right."""
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
    return sorted(wrong, key=str)
