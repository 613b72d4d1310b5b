"""``sla.grade`` and ``sla.running_deadline`` as SQL expressions, for set-based sweeps.

The periodic sweep grades every open order in one ``UPDATE … SET sla_state = CASE …``
instead of loading each order: 100,000 open orders take a fraction of a second. The rules
are the ones in ``sla`` and must stay the same; ``tests/unit/test_sla_sweep.py`` grades the
same orders both ways and compares.

Datetime arithmetic is the one thing SQLite and PostgreSQL spell differently, so the
yellow test (less than a quarter of the window left) works on seconds since the epoch.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, literal, literal_column, or_

from ..database import UTCDateTime
from . import sla
from .models import WorkOrder

W = WorkOrder


def _epoch(column, dialect: str) -> ColumnElement:
    """Seconds since 1970-01-01 UTC as a number."""
    if dialect == "sqlite":
        # UTCDateTime stores naive UTC text on SQLite, which julianday() reads.
        return (func.julianday(column) - 2440587.5) * 86400.0
    return func.extract("epoch", column)


def responded() -> ColumnElement:
    return or_(W.status.in_(sorted(sla.RESPONDED)),
               and_(W.priority != "emergency", W.appointment_start.is_not(None)))


def running_deadline_kind() -> ColumnElement:
    """'respond' or 'resolve', as ``sla.running_deadline``."""
    return case((responded(), literal("resolve")), else_=literal("respond"))


def running_deadline() -> ColumnElement:
    """The deadline the order is racing now, as ``sla.running_deadline``."""
    return case((responded(), W.resolve_by), else_=W.respond_by)


def grade(now: datetime, dialect: str) -> ColumnElement:
    """The SLA state ``sla.grade`` would give each row at ``now``."""
    at = literal(now, UTCDateTime)
    deadline = running_deadline()
    share = sla.YELLOW_SHARE
    # yellow ⇔ deadline − now < share·(deadline − created)
    #        ⇔ (1−share)·deadline + share·created < now
    nearly_due = (1 - share) * _epoch(deadline, dialect) + share * _epoch(W.created_at, dialect) \
        < now.timestamp()
    return case(
        (W.status.in_(sorted(sla.RESOLVED)),
         case((and_(W.resolve_by.is_not(None), W.completed_at.is_not(None),
                    W.completed_at > W.resolve_by), literal("red")), else_=literal("green"))),
        (deadline.is_(None), literal("green")),
        (deadline <= at, literal("red")),
        (and_(deadline > W.created_at, nearly_due), literal("yellow")),
        else_=literal("green"),
    )


# --- writing history rows in SQL ------------------------------------------------------------

def new_uuid(dialect: str) -> ColumnElement:
    """A random UUID made by the database, stored the way ``sa.Uuid`` stores one."""
    if dialect == "sqlite":
        return func.lower(func.hex(func.randomblob(16)))  # CHAR(32), as SQLAlchemy writes
    return func.gen_random_uuid()


def iso_utc(column, dialect: str) -> ColumnElement:
    """A UTC timestamp as ISO-8601 text with its offset, e.g. 2030-06-03T10:00:00+00:00."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m-%dT%H:%M:%S+00:00", column)
    return func.to_char(func.timezone("UTC", column),
                        literal_column("'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"'"))


def json_object(dialect: str, *pairs) -> ColumnElement:
    """A JSON object built in SQL from key, value, key, value…"""
    if dialect == "sqlite":
        return func.json_object(*pairs)
    return func.json_build_object(*pairs)
