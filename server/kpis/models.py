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
