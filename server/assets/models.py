"""Installed products: what the technician comes to repair."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..customers.models import Address, Customer
from ..database import Syncable, UTCDateTime, new_uuid, utcnow
from ..extensions import db


class ProductCategory(enum.StrEnum):
    AIR_CONDITIONER = "air_conditioner"
    WASHING_MACHINE = "washing_machine"
    WATER_HEATER = "water_heater"
    REFRIGERATOR = "refrigerator"
    RANGE_HOOD = "range_hood"


class Asset(Syncable, db.Model):
    __tablename__ = "assets"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    address_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("addresses.id"))
    category: Mapped[str] = mapped_column(String(40))
    brand: Mapped[str] = mapped_column(String(80))
    model: Mapped[str] = mapped_column(String(80), index=True)
    serial: Mapped[str] = mapped_column(String(80), index=True)
    # The production batch when known (nameplate, supplier list); else the model's serial
    # rule (INCIDENT_BATCH_RULES) may derive it. Incident detection groups by it.
    production_batch: Mapped[str | None] = mapped_column(String(40))
    purchase_date: Mapped[date | None]
    warranty_end: Mapped[date | None]
    installed_on: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship()
    address: Mapped[Address | None] = relationship()
