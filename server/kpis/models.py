"""The KPI rollup: one row per work order with every fact the order KPIs read.

Maintained as orders change (``kpis.rollup``: the order, its history, its part lines, a
repeat order pointing at it, its technician's region, its address's city, its appliance's
category) and rebuilt from scratch by ``flask kpis rebuild``. The filter dimensions are
copied onto the row, so the dashboard reads one narrow table by an indexed request time
instead of joining the orders, their history, part lines, repeat orders, technicians,
addresses and appliances. The columns are named as ``service.facts`` names them.

No foreign key: a derived row; a deleted order's row is dropped by the next refresh.
"""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class KpiOrderFacts(db.Model):
    __tablename__ = "kpi_order_facts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the work order's id
    created_s: Mapped[int] = mapped_column(BigInteger)  # request instant, epoch seconds
    tier: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    # the filter dimensions
    tech: Mapped[uuid.UUID | None] = mapped_column()  # the assignee (technician id)
    region: Mapped[str | None] = mapped_column(String(80))  # the assignee's region
    city: Mapped[str | None] = mapped_column(String(100))  # the order address's city
    category: Mapped[str | None] = mapped_column(String(40))  # the appliance's category
    type: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    # instants (epoch seconds) and flags
    booked_s: Mapped[int | None] = mapped_column(BigInteger)
    arrived_s: Mapped[int | None] = mapped_column(BigInteger)
    completed_s: Mapped[int | None] = mapped_column(BigInteger)
    respond_by_s: Mapped[int | None] = mapped_column(BigInteger)
    due3_s: Mapped[int] = mapped_column(BigInteger)
    visits: Mapped[int] = mapped_column(Integer)
    reopened: Mapped[int] = mapped_column(Integer)
    repeated: Mapped[int] = mapped_column(Integer)
    parts_cents: Mapped[int] = mapped_column(BigInteger)
    labour_cents: Mapped[int] = mapped_column(BigInteger)
    travel_cents: Mapped[int] = mapped_column(BigInteger)
    warranty_parts_cents: Mapped[int] = mapped_column(BigInteger)
    # what the manufacturer credited on the order's warranty claim (server/warranty)
    warranty_credited_cents: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        Index("ix_kpi_order_facts_created", "created_s"),
        Index("ix_kpi_order_facts_tech", "tech", "created_s"),
        Index("ix_kpi_order_facts_region", "region", "created_s"),
        Index("ix_kpi_order_facts_city", "city", "created_s"),
        Index("ix_kpi_order_facts_category", "category", "created_s"),
        Index("ix_kpi_order_facts_type", "type", "created_s"),
        Index("ix_kpi_order_facts_channel", "channel", "created_s"),
    )


# The kinds of rows in ``kpi_event_facts``.
EVENT_KINDS = ("rating", "followup_due", "followup_done", "time")
# Each of the order's filter dimensions has an index (kind, dimension, instant).
ORDER_DIMENSIONS = ("tech", "region", "city", "category", "type", "channel")
# The index by instant holds every column a KPI reads but the order's dimensions.
COVERED = ("kind", "at_s", "value", "sub", "timeliness", "attitude", "quality", "logger",
           "logger_region")


class KpiEventFacts(db.Model):
    """The rollup of what happens to an order after its request, filed under its own
    instant: one row per rating (``surveys.submitted_at``), two per follow-up call (when
    it was due, and when it was done), one per time log (when it started). Each row
    carries the filter dimensions of its order as ``kpi_order_facts`` holds them, so the
    satisfaction, follow-up and utilisation KPIs under a filter read one narrow indexed
    range instead of joining a year of order rows (docs/kpis.md, "The rollup").

    Kept by ``kpis.rollup`` with the order rows (a rating, follow-up or time log that
    changes; an order whose dimensions change; a technician whose region changes); rebuilt
    and checked by the same commands. No foreign key: a derived row.
    """

    __tablename__ = "kpi_event_facts"

    src: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the survey, follow-up or log
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # EVENT_KINDS
    order_id: Mapped[uuid.UUID | None] = mapped_column()  # None: a follow-up of a plan
    at_s: Mapped[int] = mapped_column(BigInteger)  # the instant it is filed under
    # rating: the stars; followup_due: 1 when done; time: seconds logged (None: open log)
    value: Mapped[int | None] = mapped_column(BigInteger)
    # followup_done: the customer's scores per dimension (each may be unanswered)
    timeliness: Mapped[int | None] = mapped_column(Integer)
    attitude: Mapped[int | None] = mapped_column(Integer)
    quality: Mapped[int | None] = mapped_column(Integer)
    # time: work | travel, and who logged it with their region (utilisation is by logger)
    sub: Mapped[str | None] = mapped_column(String(20))
    logger: Mapped[uuid.UUID | None] = mapped_column()
    logger_region: Mapped[str | None] = mapped_column(String(80))
    # the order's filter dimensions (kpi_order_facts' columns of the same names)
    tech: Mapped[uuid.UUID | None] = mapped_column()
    region: Mapped[str | None] = mapped_column(String(80))
    city: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(40))
    type: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (
        # Covering: without a filter (or by the logger) a period is read from the index
        # alone, not row by row from the table (a month's time logs: 130 → 30 ms, SQLite).
        Index("ix_kpi_event_facts_at", *COVERED),
        Index("ix_kpi_event_facts_order", "order_id"),
        *(Index(f"ix_kpi_event_facts_{name}", "kind", name, "at_s")
          for name in ORDER_DIMENSIONS),
    )
