"""The sync engine's tables: the position counter, scope intervals, rejections, conflicts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.database import Base, UTCDateTime, new_uuid, utcnow


class SyncCounter(Base):
    """One row. Incremented inside each writing transaction, so positions follow commit order."""

    __tablename__ = "sync_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class ScopeInterval(Base):
    """A span of positions during which an order was in a technician's scope.

    Open (``left_pos`` is NULL) while the order is assigned to them and not closed or
    cancelled. Pull reads these to know which orders entered or left a device's scope
    since its cursor, without keeping any per-device state on the server.
    """

    __tablename__ = "scope_intervals"
    __table_args__ = (
        Index("ix_scope_intervals_tech_entered", "technician_id", "entered_pos"),
        Index("ix_scope_intervals_tech_left", "technician_id", "left_pos"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("technicians.id"))
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    entered_pos: Mapped[int] = mapped_column(BigInteger)
    left_pos: Mapped[int | None] = mapped_column(BigInteger)


class RejectedMutation(Base):
    """A mutation that can never apply: kept with its full arguments, shown to people."""

    __tablename__ = "rejected_mutations"
    __table_args__ = (Index("ix_rejected_mutations_device_mutation", "device_id", "mutation_id",
                            unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    mutation_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(60))
    version: Mapped[int]
    args: Mapped[dict] = mapped_column(JSON)
    work_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("work_orders.id"),
                                                            index=True)
    reason: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)
    errors: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    resolution_note: Mapped[str | None] = mapped_column(Text)


class SyncConflict(Base):
    """An edit that changed someone else's data, or arrived after the order moved on."""

    __tablename__ = "sync_conflicts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("devices.id"))
    mutation_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
