"""Parts catalogue, stock per location (warehouse or van) and the movement ledger.

Stock levels are a cache of the ledger: every change to a level is written together with
the movement that explains it.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Syncable, UTCDateTime, new_uuid, utcnow
from ..extensions import db


class LocationKind(enum.StrEnum):
    WAREHOUSE = "warehouse"
    VAN = "van"
    # One location holds what was sent to vans and not yet received (``VanDelivery``).
    TRANSIT = "transit"


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
    # The template the min/max came from; None with a min set means the van's own value,
    # which a template never overwrites.
    rule_template_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("stock_minmax_templates.id"))

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
    SHORTFALL = "shortfall"                # sent to a van and not received: out of transit


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



# --- templates, reservations, parts requests from the field, deliveries to vans ----------

class MinMaxTemplate(db.Model):
    """Min/max per part, defined once and applied to every van of a region or of a skill.

    Applying writes the values onto the vans' levels (where the proposal reads them) and
    marks them with the template; a van's own value (set on the van) is never overwritten.
    """

    __tablename__ = "stock_minmax_templates"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Exactly one of the two says which vans it is for.
    region: Mapped[str | None] = mapped_column(String(80))
    skill: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list["MinMaxTemplateLine"]] = relationship(
        cascade="all, delete-orphan", order_by="MinMaxTemplateLine.part_id")


class MinMaxTemplateLine(db.Model):
    __tablename__ = "stock_minmax_template_lines"
    __table_args__ = (UniqueConstraint("template_id", "part_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_minmax_templates.id"))
    part_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parts.id"))
    min_quantity: Mapped[int]
    max_quantity: Mapped[int]

    part: Mapped[Part] = relationship()


class ReservationStatus(enum.StrEnum):
    ACTIVE = "active"
    SENT = "sent"            # moved to the technician's van for the job
    USED = "used"            # the part was used on the job
    RELEASED = "released"    # the office cancelled it, or the job closed or was cancelled


class StockReservation(db.Model):
    """``quantity`` of a part held at a location for one order: not offered to the van
    replenishment nor to other jobs (available = on hand − active reservations)."""

    __tablename__ = "stock_reservations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_locations.id"), index=True)
    part_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parts.id"), index=True)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=ReservationStatus.ACTIVE)
    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("part_requests.id"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RequestStatus(enum.StrEnum):
    OPEN = "open"            # the office has not acted yet
    RESERVED = "reserved"    # held at a warehouse for the job
    SENT = "sent"            # on its way to the van (a delivery)
    ORDERED = "ordered"      # ordered from a supplier (a purchase order), expected on a date
    ON_VAN = "on_van"        # the technician confirmed receipt
    CANCELLED = "cancelled"


class PartRequest(Syncable, db.Model):
    """A part a technician lacks for a job, recorded on the phone (sync ``request_part``)."""

    __tablename__ = "part_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the device's line id
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    part_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parts.id"))
    quantity: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(500))
    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("technicians.id"))
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.OPEN, index=True)
    device_time: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The purchase order raised for it (the warehouse lacked the part), and the day the
    # supplier's delivery is expected: the phone says "ordered from supplier, expected …".
    purchase_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("purchase_orders.id"), index=True)
    expected_on: Mapped[date | None]

    part: Mapped[Part] = relationship()
    work_order = relationship("WorkOrder", viewonly=True)


class DeliveryStatus(enum.StrEnum):
    SENT = "sent"
    RECEIVED = "received"


class VanDelivery(Syncable, db.Model):
    """Parts sent to a van and not yet booked into it: the stock waits at the transit
    location until the technician confirms receipt on the phone (sync ``confirm_receipt``);
    what did not arrive is booked out of transit as a shortfall."""

    __tablename__ = "van_deliveries"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    van_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_locations.id"), index=True)
    from_location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_locations.id"))
    # The source's name when sent, for the phone ("from Central warehouse").
    from_name: Mapped[str] = mapped_column(String(120))
    part_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parts.id"))
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.SENT)
    received_quantity: Mapped[int | None]
    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("part_requests.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    part: Mapped[Part] = relationship()


# --- purchases from suppliers ------------------------------------------------------------

class PurchaseStatus(enum.StrEnum):
    DRAFT = "draft"                  # being prepared; nothing promised to anyone
    ORDERED = "ordered"              # sent to the supplier, expected on a date
    PARTLY_RECEIVED = "partly_received"
    RECEIVED = "received"            # every line received in full
    CLOSED = "closed"                # partly received, the rest is not coming
    CANCELLED = "cancelled"          # never received anything


class PurchaseOrder(db.Model):
    """Parts ordered from a supplier into one warehouse. Receiving books ``receive`` ledger
    lines; the parts requests it was raised for then go to their vans (fieldstock)."""

    __tablename__ = "purchase_orders"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    supplier: Mapped[str] = mapped_column(String(120), index=True)
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_locations.id"))
    expected_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=PurchaseStatus.DRAFT, index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    warehouse: Mapped[StockLocation] = relationship()
    lines: Mapped[list["PurchaseLine"]] = relationship(
        cascade="all, delete-orphan", order_by="PurchaseLine.position")
    requests: Mapped[list[PartRequest]] = relationship(
        viewonly=True, order_by="(PartRequest.created_at, PartRequest.id)")


class PurchaseLine(db.Model):
    __tablename__ = "purchase_lines"
    __table_args__ = (UniqueConstraint("purchase_id", "part_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    purchase_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    position: Mapped[int]
    part_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parts.id"))
    quantity: Mapped[int]
    received_quantity: Mapped[int] = mapped_column(default=0, server_default="0")
    # The supplier's price per unit, when known (for the record; not the sale price).
    unit_cost_cents: Mapped[int | None]

    part: Mapped[Part] = relationship()

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received_quantity
