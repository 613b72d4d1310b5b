"""Parts catalogue, stock per location (warehouse or van) and the movement ledger.

Stock levels are a cache of the ledger: every change to a level is written together with
the movement that explains it.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Syncable, UTCDateTime, new_uuid, utcnow
from ..extensions import db


class LocationKind(enum.StrEnum):
    WAREHOUSE = "warehouse"
    VAN = "van"


class Part(Syncable, db.Model):
    __tablename__ = "parts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(160))
    name_zh: Mapped[str] = mapped_column(String(160))
    category: Mapped[str] = mapped_column(String(40), index=True)
    # Model numbers this part fits; empty means universal.
    fits_models: Mapped[list[str]] = mapped_column(JSON, default=list)
    price_cents: Mapped[int]
    unit: Mapped[str] = mapped_column(String(12), default="pcs")
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StockLocation(db.Model):
    __tablename__ = "stock_locations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    technician_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("technicians.id"), unique=True
    )


class StockLevel(Syncable, db.Model):
    __tablename__ = "stock_levels"
    __table_args__ = (UniqueConstraint("location_id", "part_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_locations.id"), index=True)
    part_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parts.id"))
    quantity: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    part: Mapped[Part] = relationship()
    location: Mapped[StockLocation] = relationship()


class StockMovement(db.Model):
    """One line of the stock ledger. Never updated or deleted."""

    __tablename__ = "stock_movements"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    part_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parts.id"), index=True)
    from_location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stock_locations.id"))
    to_location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stock_locations.id"))
    quantity: Mapped[int]
    reason: Mapped[str] = mapped_column(String(40))
    work_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("work_orders.id"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
