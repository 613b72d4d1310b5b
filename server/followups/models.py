"""A follow-up call owed to the customer after a signed visit (one per order)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, new_uuid, utcnow
from ..extensions import db

# pending: to call; done: reached (or the survey answered it); failed: wrong number
STATUSES = ("pending", "done", "failed")
OUTCOMES = ("reached", "no_answer", "wrong_number")
# Why it is in the queue: every signed visit, or a survey that needs a call anyway.
REASONS = ("signed", "low_rating", "negative_comment", "plan")


class FollowUp(db.Model):
    __tablename__ = "followups"
    __table_args__ = (Index("ix_followups_queue", "status", "urgent", "due_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    # None for a periodic call of a plan (``plan_id``).
    work_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("work_orders.id"),
                                                            unique=True)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plans.id"), index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str] = mapped_column(String(20), default="signed")
    # A low rating or a negative comment goes to the top of the queue.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(20))
    timeliness: Mapped[int | None] = mapped_column(Integer)
    attitude: Mapped[int | None] = mapped_column(Integer)
    quality: Mapped[int | None] = mapped_column(Integer)
    solved: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    # survey: the customer answered the survey well, nobody needs to call
    answered_by: Mapped[str | None] = mapped_column(String(20))
    caller_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    return_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("work_orders.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    work_order = relationship("WorkOrder", foreign_keys=[work_order_id])
    return_order = relationship("WorkOrder", foreign_keys=[return_order_id])
    customer = relationship("Customer")
    caller = relationship("User")


def _vocabulary():
    from flask_babel import lazy_gettext as _l

    return (_l("pending"), _l("done"), _l("failed"), _l("reached"), _l("no_answer"),
            _l("wrong_number"), _l("signed"), _l("low_rating"), _l("negative_comment"),
            _l("survey"))
