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
    # Below this a part is "low" at this location (0: not watched).
    low_stock_threshold: Mapped[int] = mapped_column(default=2, server_default="2")
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
    # A van's replenishment rule for this part: below ``min_quantity`` the daily proposal
    # restores it to ``max_quantity``. Kept on the level itself so the proposal is one
    # scan of one table, not a join of a million rules with a million levels.
    min_quantity: Mapped[int | None]
    max_quantity: Mapped[int | None]

    part: Mapped[Part] = relationship()
    location: Mapped[StockLocation] = relationship()


class MovementKind(enum.StrEnum):
    """What a ledger line records. ``from``/``to`` say which levels it moves."""

    RECEIVE = "receive"                    # supplier → location
    TRANSFER = "transfer"                  # location → location
    USED_ON_ORDER = "used_on_order"        # van → job (sync ``use_part``)
    RETURNED_FROM_ORDER = "returned_from_order"  # job → van, unused (sync ``return_part``)
    DEFECTIVE_RETURN = "defective_return"  # the removed faulty unit, with its serial
    ADJUST = "adjust"                      # a count found more or fewer; a reason is required
    SCRAP = "scrap"                        # location → nowhere; a reason is required
    REVERSAL = "reversal"                  # undoes one earlier line, which is never edited
    INITIAL_STOCK = "initial_stock"        # opening balance (demo seed, first import)
    RETURN_TO_SUPPLIER = "return_to_supplier"  # a defective unit shipped back (warranty RMA)


class StockMovement(db.Model):
    """One line of the stock ledger. Never updated or deleted: a mistake is reversed.

    A level is ``sum(quantity where to = location) − sum(quantity where from = location)``.
    """

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
    # Why a count, adjustment or scrap happened (people's words).
    note: Mapped[str | None] = mapped_column(String(500))
    # The unit's serial: the removed faulty unit on a defective return.
    serial: Mapped[str | None] = mapped_column(String(80), index=True)
    # A reversal points at the line it undoes; a line is reversed at most once.
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("stock_movements.id"), unique=True)

