"""A plan of periodic contact: calls or maintenance visits, every so many months."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, new_uuid, utcnow
from ..extensions import db

KINDS = ("call", "visit")  # a follow-up call, or a maintenance work order
SOURCES = ("installation", "office")


class Plan(db.Model):
    __tablename__ = "plans"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    asset_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("assets.id"))
    kind: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20), default="office")
    interval_months: Mapped[int] = mapped_column(Integer)
    # Seed 004: monthly in the first year, then quarterly.
    later_interval_months: Mapped[int | None] = mapped_column(Integer)
    switch_on: Mapped[date | None] = mapped_column(Date)
    next_due: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Whose name the generated work orders carry (first-contact ownership).
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer = relationship("Customer")
    asset = relationship("Asset")


def _vocabulary():
    from flask_babel import lazy_gettext as _l

    return (_l("call"), _l("visit"), _l("installation"), _l("office"), _l("plan"))
