"""A customer's request to return or exchange an appliance, and its photos.

The request is the whole record: what the customer asked and when they bought it, which
policy window that fell in, the inspection's findings, the decision and what it made (a
refund amount, the replacement appliance, a repair order). The returned appliance is not
deleted or edited: a request decided ``exchange`` is what marks it returned, and it links
the old asset to the new one.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, new_uuid, utcnow
from ..extensions import db

# requested → inspecting → inspected → decided; outside every window a request is stored
# refused (with the reason in words) and a manager may accept it as goodwill (→ requested).
STATES = ("requested", "refused", "inspecting", "inspected", "decided")
REASONS = ("performance_fault", "arrived_damaged", "not_as_described", "other")
WISHES = ("refund", "exchange")
DECISIONS = ("refund", "exchange", "repair", "decline")
# The policy windows a purchase date can fall in, shortest first.
WINDOWS = ("refund", "exchange", "warranty")
FINDINGS = ("fault_confirmed", "not_reproduced", "misuse")
MODES = ("on_site", "workshop")
CHANNELS = ("portal", "console", "api")
PHOTO_KINDS = ("proof", "inspection")


class ReturnRequest(db.Model):
    __tablename__ = "return_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    # The appliance returned (and, once exchanged, the one the customer got instead).
    asset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assets.id"), index=True)
    # The order whose customer page it was asked from, or the console's order page.
    work_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("work_orders.id"))
    channel: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(30), index=True)
    wish: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    purchase_date: Mapped[date] = mapped_column(Date)
    # The model as it was asked about (the analysis groups by it).
    model: Mapped[str] = mapped_column(String(80), index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True, default="requested")
    # Decided when asked, from the policy of that day: the window (None: outside every
    # window), days since purchase and the decisions the window allows.
    window: Mapped[str | None] = mapped_column(String(20))
    days_since_purchase: Mapped[int] = mapped_column(Integer)
    allowed: Mapped[list] = mapped_column(JSON, default=list)
    # The policy's days and the warranty end as they were when asked (a refusal is
    # written from them, in the reader's language).
    terms: Mapped[dict] = mapped_column(JSON, default=dict)
    goodwill: Mapped[bool] = mapped_column(Boolean, default=False)
    goodwill_reason: Mapped[str | None] = mapped_column(Text)
    # Inspection.
    mode: Mapped[str | None] = mapped_column(String(20))
    inspection_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("work_orders.id"))
    finding: Mapped[str | None] = mapped_column(String(30))
    finding_notes: Mapped[str | None] = mapped_column(Text)
    inspected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Decision.
    proposed: Mapped[str | None] = mapped_column(String(20))
    decision: Mapped[str | None] = mapped_column(String(20), index=True)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    refund_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    replacement_asset_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("assets.id"))
    repair_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("work_orders.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    customer = relationship("Customer")
    asset = relationship("Asset", foreign_keys=[asset_id])
    replacement = relationship("Asset", foreign_keys=[replacement_asset_id])
    work_order = relationship("WorkOrder", foreign_keys=[work_order_id])
    inspection_order = relationship("WorkOrder", foreign_keys=[inspection_order_id])
    repair_order = relationship("WorkOrder", foreign_keys=[repair_order_id])
    photos: Mapped[list[ReturnPhoto]] = relationship(
        back_populates="request", order_by="ReturnPhoto.created_at",
        cascade="all, delete-orphan")

    @property
    def allowed_decisions(self) -> list[str]:
        return [d for d in DECISIONS if d in (self.allowed or []) or d == "decline"]

    @property
    def replacement_serial(self) -> str | None:
        return self.replacement.serial if self.replacement is not None else None


class ReturnPhoto(db.Model):
    """A proof of purchase or an inspection photo (a checked image in the blob store)."""

    __tablename__ = "return_photos"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("return_requests.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[ReturnRequest] = relationship(back_populates="photos")
