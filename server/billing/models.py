"""Quotes and payments: rows written from the phone (sync), replicated back to it."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Syncable, UTCDateTime, utcnow
from ..extensions import db


class QuoteDecision(enum.StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"


class LineKind(enum.StrEnum):
    PART = "part"
    LABOUR = "labour"
    TRAVEL = "travel"


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    CARD = "card"
    TRANSFER = "transfer"


class Quote(Syncable, db.Model):
    """The quote for an out-of-warranty order, as the customer signed it. One per order,
    write-once: its id is the phone's, its lines are the quoted prices (not today's)."""

    __tablename__ = "quotes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), unique=True)
    technician_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("technicians.id"))
    # [{"kind", "part_id" (parts only), "sku", "name_en", "name_zh", "quantity",
    #   "unit_price_cents", "total_cents"}] in the order the phone sent them.
    lines: Mapped[list[dict]] = mapped_column(JSON)
    total_cents: Mapped[int]
    diagnostic_fee_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    decision: Mapped[str] = mapped_column(String(10))
    signer_name: Mapped[str] = mapped_column(String(120))
    image_sha256: Mapped[str] = mapped_column(String(64))
    # What the phone hashed, and whether the server's own content hashed the same.
    content_hash: Mapped[str] = mapped_column(String(64))
    content_matches: Mapped[bool]
    decided_at_device: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payment(Syncable, db.Model):
    """Money the customer handed over on site (no gateway): append-only, keyed by the
    phone's id."""

    __tablename__ = "payments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    technician_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("technicians.id"))
    method: Mapped[str] = mapped_column(String(10))
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str | None] = mapped_column(String(80))
    paid_at_device: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Refund(db.Model):
    """Money the office gave back when a later decision (a declined quote, a returned part)
    left more paid than the order's total (docs/sync-protocol.md §4a rule 5). Never more
    than that excess; audited. Office-only: not replicated to phones."""

    __tablename__ = "refunds"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str | None] = mapped_column(String(80))
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
