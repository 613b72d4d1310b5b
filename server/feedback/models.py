"""What customers tell us afterwards: ratings and complaints."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Syncable, UTCDateTime, new_uuid, utcnow
from ..extensions import db


class Survey(Syncable, db.Model):
    __tablename__ = "surveys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    rating: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20))  # device | link | phone
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Complaint(db.Model):
    __tablename__ = "complaints"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    work_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("work_orders.id"))
    channel: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    # open | answered | verified | closed (server.complaints holds the rules)
    status: Mapped[str] = mapped_column(String(20), default="open")
    respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # First-contact ownership: whoever recorded it owns it until it closes.
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # green | yellow | red
    grade: Mapped[str] = mapped_column(String(10), default="green")
    technician_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("technicians.id"))
    asset_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("assets.id"))
    verify_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # green: closed by; yellow: progress reported by
    resolve_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    plan: Mapped[str | None] = mapped_column(Text)
    plan_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(30))
    confirmation: Mapped[str | None] = mapped_column(String(20))  # customer | followup
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 0 none, 1 supervisor told, 2 manager told (the SLA sweep)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    work_order = relationship("WorkOrder")
    customer = relationship("Customer")
    owner = relationship("User", foreign_keys=[owner_id])
    technician = relationship("Technician")
    asset = relationship("Asset")
