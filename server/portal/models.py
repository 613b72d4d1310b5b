"""Customer links and what customers ask from their page."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, new_uuid, utcnow
from ..extensions import db


class CustomerLink(db.Model):
    """One link to an order's page. The URL is the order id and ``nonce``, signed with the
    secret key; revoking sets ``revoked_at`` and the next link gets a new nonce."""

    __tablename__ = "customer_links"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class AppointmentRequest(db.Model):
    """A customer confirmed the booked window, or asked for another one (for the board)."""

    __tablename__ = "appointment_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # confirm | change
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open|handled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
