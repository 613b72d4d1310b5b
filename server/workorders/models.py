"""Work orders, their append-only history, and the lines a technician adds on site.

Lines (notes, parts used, time logs) carry UUIDs made on the device so a retried upload
can never add a line twice.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..assets.models import Asset
from ..customers.models import Address, Customer
from ..database import Syncable, UTCDateTime, new_uuid, utcnow
from ..extensions import db
from ..inventory.models import Part
from ..technicians.models import Technician


class Channel(enum.StrEnum):
    PHONE = "phone"
    WEB = "web"
    APP = "app"
    EMAIL = "email"


class OrderType(enum.StrEnum):
    REPAIR = "repair"
    INSTALL = "install"
    MAINTENANCE = "maintenance"
    INSPECTION = "inspection"
    RETURN_EXCHANGE = "return_exchange"


class Priority(enum.StrEnum):
    EMERGENCY = "emergency"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class SlaState(enum.StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class WorkOrder(Syncable, db.Model):
    __tablename__ = "work_orders"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    priority: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10), default="en")

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    address_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("addresses.id"))
    asset_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("assets.id"), index=True)

    symptom_code: Mapped[str | None] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(Text)
    intake_answers: Mapped[dict] = mapped_column(JSON, default=dict)
    customer_notes: Mapped[str | None] = mapped_column(Text)
    # The window the customer asked for at intake; the appointment is what was booked.
    preferred_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    preferred_end: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # SLA: respond_by is "on site" for emergencies and "appointment" otherwise.
    respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_state: Mapped[str] = mapped_column(String(10), default=SlaState.GREEN)

    appointment_start: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    appointment_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("technicians.id"), index=True
    )
    # First-contact ownership: whoever took the request owns it until closed.
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    repeat_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("work_orders.id"),
                                                          index=True)
    # The first visit's number when this order is a rework (charges.is_rework, decided once
    # when the order is taken): the signed content and the report say "Rework of WO-…".
    rework_of: Mapped[str | None] = mapped_column(String(30))
    # The office's waiver or discount (workorders.discounts): "amount" (minor units) or
    # "percent" (1–100; 100 waives every charge), with a reason code and a free text.
    discount_kind: Mapped[str | None] = mapped_column(String(10))
    discount_value: Mapped[int | None]
    discount_reason: Mapped[str | None] = mapped_column(String(30))
    discount_note: Mapped[str | None] = mapped_column(Text)

    # Technician-owned fields.
    arrival_notes: Mapped[str | None] = mapped_column(Text)
    diagnosis: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    root_cause: Mapped[str | None] = mapped_column(String(60))

    in_warranty: Mapped[bool | None]
    labour_cents: Mapped[int] = mapped_column(default=0)
    travel_cents: Mapped[int] = mapped_column(default=0)
    parts_cents: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on every change; the console refuses a stale edit with it.
    version: Mapped[int] = mapped_column(Integer, default=1)

    customer: Mapped[Customer] = relationship()
    address: Mapped[Address] = relationship()
    asset: Mapped[Asset | None] = relationship()
    assignee: Mapped[Technician | None] = relationship()
    events: Mapped[list[WorkOrderEvent]] = relationship(
        back_populates="work_order", order_by="WorkOrderEvent.seq"
    )
    notes: Mapped[list[WorkOrderNote]] = relationship(order_by="WorkOrderNote.created_at")
    parts_used: Mapped[list[PartUsage]] = relationship(order_by="PartUsage.created_at")
    time_logs: Mapped[list[TimeLog]] = relationship(order_by="TimeLog.started_at")

    # A technician's jobs by appointment: the ETA's "previous job" look-up (messaging.eta,
    # at every en-route step) seeks the one before, instead of reading all their orders.
    __table_args__ = (Index("ix_work_orders_assignee_appointment", "assignee_id",
                            "appointment_start"),)
    __mapper_args__ = {"version_id_col": version}


class WorkOrderEvent(db.Model):
    """One entry of an order's history: a transition, a change, a note, a conflict."""

    __tablename__ = "work_order_events"
    __table_args__ = (UniqueConstraint("work_order_id", "seq"),
                      # the first booking of each order (KPIs: response time)
                      Index("ix_work_order_events_status_order", "to_status", "work_order_id",
                            "server_time"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    # Order of events within one work order, assigned by the service.
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("devices.id"))
    server_time: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    reason: Mapped[str | None] = mapped_column(Text)
    # Kind-specific details, e.g. {"field": "diagnosis", "old": ..., "new": ...}.
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    work_order: Mapped[WorkOrder] = relationship(back_populates="events")
    actor = relationship("User")


class WorkOrderNote(Syncable, db.Model):
    __tablename__ = "work_order_notes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PartUsage(Syncable, db.Model):
    """A part used on an order; a return is a new line with a negative quantity."""

    __tablename__ = "part_usages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    part_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parts.id"))
    quantity: Mapped[int]
    unit_price_cents: Mapped[int]
    from_location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stock_locations.id"))
    technician_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("technicians.id"))
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    part: Mapped[Part] = relationship()


class TimeLog(Syncable, db.Model):
    __tablename__ = "time_logs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    technician_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("technicians.id"))
    kind: Mapped[str] = mapped_column(String(20))  # travel | work
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NumberSequence(db.Model):
    """Counters for human-readable numbers (WO-2026-000123), one row per prefix and year."""

    __tablename__ = "number_sequences"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
