"""Escalations of missed SLA deadlines: one row per order, deadline and level, ever."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, new_uuid, utcnow
from ..extensions import db


class SlaEscalation(db.Model):
    """A missed deadline handed up the chain. The unique key makes "once each" a database
    fact: a second sweep (or a second worker) cannot escalate the same miss twice."""

    __tablename__ = "sla_escalations"
    __table_args__ = (UniqueConstraint("work_order_id", "deadline", "level"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"))
    # respond | resolve: which of the order's deadlines was missed
    deadline: Mapped[str] = mapped_column(String(10))
    # 1 = the owner's supervisor, 2 = the supervisor's manager
    level: Mapped[int]
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Nobody, when the chain has no one at this level: still recorded, so it is not retried.
    recipient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    escalated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
