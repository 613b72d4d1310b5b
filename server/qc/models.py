"""Quality control records: a visit in the QC queue and its checklist, the corrective
actions a failed item opens, the weeks already sampled, and supervisor evaluations."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, new_uuid, utcnow
from ..extensions import db

# The checklist a reviewer scores, in the order the form shows it.
CHECKLIST = ("photos", "diagnosis", "parts", "charges", "signature_report", "followup_feedback")
# to_review: waiting for a reviewer; reviewed: scored (final).
REVIEW_STATES = ("to_review", "reviewed")
# sampled: drawn by the weekly job; hand_picked: a manager added it from the order page.
SOURCES = ("sampled", "hand_picked")
ACTION_STATES = ("open", "done")


class QcReview(db.Model):
    """One signed visit in the QC queue; scored once. A visit is reviewed at most once."""

    __tablename__ = "qc_reviews"
    __table_args__ = (Index("ix_qc_reviews_queue", "state", "week_start"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), unique=True)
    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("technicians.id"), index=True)
    # Monday (company time zone) of the week the visit was signed in.
    week_start: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="to_review")
    added_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # Share of checklist items passed, 0–100, once reviewed.
    score: Mapped[int | None] = mapped_column(Integer)
    findings: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    work_order = relationship("WorkOrder")
    technician = relationship("Technician")
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    added_by = relationship("User", foreign_keys=[added_by_id])
    items: Mapped[list[QcItem]] = relationship(back_populates="review",
                                               order_by="QcItem.position")


class QcItem(db.Model):
    """One checklist item of a review: passed or failed, with the reviewer's note."""

    __tablename__ = "qc_items"
    __table_args__ = (UniqueConstraint("review_id", "item"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    review_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qc_reviews.id"), index=True)
    item: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)

    review: Mapped[QcReview] = relationship(back_populates="items")


class CorrectiveAction(db.Model):
    """What a technician must put right after a failed checklist item."""

    __tablename__ = "qc_actions"
    __table_args__ = (Index("ix_qc_actions_open", "state", "technician_id"),
                      UniqueConstraint("review_id", "item"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    review_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qc_reviews.id"))
    item: Mapped[str] = mapped_column(String(30))
    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("technicians.id"))
    # The person who must act: the technician's own account.
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default="open")
    note: Mapped[str | None] = mapped_column(Text)
    done_note: Mapped[str | None] = mapped_column(Text)
    done_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    review: Mapped[QcReview] = relationship()
    technician = relationship("Technician")
    owner = relationship("User", foreign_keys=[owner_id])


class QcSampleWeek(db.Model):
    """A week the sampling job has drawn: the unique week makes a second run a no-op."""

    __tablename__ = "qc_sample_weeks"

    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    share: Mapped[float]
    signed_visits: Mapped[int] = mapped_column(Integer)
    drawn: Mapped[int] = mapped_column(Integer)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Evaluation(db.Model):
    """A supervisor's evaluation of a technician for a period (360°): 1–5 and a note."""

    __tablename__ = "qc_evaluations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    technician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("technicians.id"), index=True)
    evaluator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    technician = relationship("Technician")
    evaluator = relationship("User")


def _vocabulary():
    """The stored values above as words (``words.term``)."""
    from flask_babel import lazy_gettext as _l

    return (_l("photos"), _l("diagnosis"), _l("signature_report"), _l("followup_feedback"),
            _l("to_review"), _l("reviewed"), _l("sampled"), _l("hand_picked"))
