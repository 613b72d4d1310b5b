"""Warranty claims (a job done in warranty, claimed from the manufacturer or supplier) and
return shipments (RMA: defective parts collected from jobs, sent back to the supplier).

A claim's parts come from the order's part lines; a return's units are the ledger's
defective-return lines, each in at most one return. Neither ever edits a ledger line: a
shipment writes its own ``return_to_supplier`` lines.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, new_uuid, utcnow
from ..extensions import db

# draft → submitted → accepted | rejected (with a reason); accepted → credited (an amount).
CLAIM_STATES = ("draft", "submitted", "accepted", "rejected", "credited")
CLAIM_MOVES = {"draft": ("submitted",), "submitted": ("accepted", "rejected"),
               "accepted": ("credited",), "rejected": (), "credited": ()}
# open (being packed) → shipped → received (by the supplier) → credited | replaced.
RETURN_STATES = ("open", "shipped", "received", "credited", "replaced")
RETURN_MOVES = {"open": ("shipped",), "shipped": ("received",),
                "received": ("credited", "replaced"), "credited": (), "replaced": ()}


class WarrantyClaim(db.Model):
    __tablename__ = "warranty_claims"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    # One claim per order: a second click opens the first.
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), unique=True)
    # The manufacturer or supplier claimed from (prefilled with the appliance's brand).
    supplier: Mapped[str] = mapped_column(String(120), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True, default="draft")
    # The appliance as it was when the claim was made.
    asset_serial: Mapped[str | None] = mapped_column(String(80), index=True)
    asset_model: Mapped[str | None] = mapped_column(String(80))
    fault: Mapped[str | None] = mapped_column(Text)
    labour_cents: Mapped[int] = mapped_column(default=0)
    travel_cents: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    credited_cents: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    credited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    work_order = relationship("WorkOrder")
    lines: Mapped[list[WarrantyClaimLine]] = relationship(
        back_populates="claim", order_by="WarrantyClaimLine.position",
        cascade="all, delete-orphan")
    # Photos of the claim itself (the rating plate, the faulty part), beside the visit's.
    photos: Mapped[list["WarrantyClaimPhoto"]] = relationship(
        order_by="(WarrantyClaimPhoto.created_at, WarrantyClaimPhoto.id)",
        cascade="all, delete-orphan")

    @property
    def parts_cents(self) -> int:
        return sum(line.quantity * line.unit_price_cents for line in self.lines)

    @property
    def total_cents(self) -> int:
        return self.parts_cents + self.labour_cents + self.travel_cents


class WarrantyClaimLine(db.Model):
    """A part replaced on the job: the faulty unit's and the replacement's serials."""

    __tablename__ = "warranty_claim_lines"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warranty_claims.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    part_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parts.id"))
    quantity: Mapped[int]
    unit_price_cents: Mapped[int]
    faulty_serial: Mapped[str | None] = mapped_column(String(80), index=True)
    replacement_serial: Mapped[str | None] = mapped_column(String(80), index=True)

    claim: Mapped[WarrantyClaim] = relationship(back_populates="lines")
    part = relationship("Part")


class SupplierReturn(db.Model):
    """A return shipment to a supplier under its RMA number."""

    __tablename__ = "supplier_returns"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    rma_number: Mapped[str] = mapped_column(String(60), unique=True)
    supplier: Mapped[str] = mapped_column(String(120), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True, default="open")
    note: Mapped[str | None] = mapped_column(Text)
    credited_cents: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[SupplierReturnLine]] = relationship(
        back_populates="shipment", order_by="SupplierReturnLine.position",
        cascade="all, delete-orphan")


class SupplierReturnLine(db.Model):
    """One defective unit in a return: the ledger line that brought it in, and (once
    shipped) the ledger line that took it out."""

    __tablename__ = "supplier_return_lines"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supplier_returns.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # A defective unit goes back once.
    defective_movement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stock_movements.id"), unique=True)
    shipped_movement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("stock_movements.id"), unique=True)
    part_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parts.id"))
    quantity: Mapped[int]
    serial: Mapped[str | None] = mapped_column(String(80), index=True)
    work_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("work_orders.id"))
    # replaced: the serial of the unit the supplier sent back in exchange.
    replacement_serial: Mapped[str | None] = mapped_column(String(80), index=True)

    shipment: Mapped[SupplierReturn] = relationship(back_populates="lines")
    part = relationship("Part")
    work_order = relationship("WorkOrder")


class WarrantyClaimPhoto(db.Model):
    """A photo the office attached to a claim (the manufacturer asks for the rating plate,
    the faulty part): the bytes are a checked image blob, stored as renditions."""

    __tablename__ = "warranty_claim_photos"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warranty_claims.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    caption: Mapped[str | None] = mapped_column(String(200))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
