"""A message for one office user about one order, shown in the console until read."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, new_uuid, utcnow
from ..extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    # The top bar counts a user's unread notifications on every page.
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    work_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("work_orders.id"),
                                                            index=True)
    # sla_escalation
    kind: Mapped[str] = mapped_column(String(40))
    # English text for logs and e-mail; the console renders ``kind`` + ``data`` in the
    # reader's language instead.
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    work_order = relationship("WorkOrder")
