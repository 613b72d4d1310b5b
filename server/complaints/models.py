"""A complaint's workflow: the complaint itself (``feedback.models.Complaint``, extended
here by migration rather than duplicated) and one row per step taken on it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, new_uuid, utcnow
from ..extensions import db
from ..feedback.models import Complaint  # noqa: F401  (the record this package works on)

GRADES = ("green", "yellow", "red")
STATUSES = ("open", "answered", "verified", "closed")
CATEGORIES = ("product_quality", "repair_quality", "repeat_repair", "timeliness", "attitude",
              "charges", "parts", "other")
CHANNELS = ("console", "link", "api", "phone", "rating", "followup")
# answer: first answer to the customer; verify: facts checked; plan: a resolution plan with
# its timetable; progress: progress told; result: the outcome told; note: internal;
# escalated: the sweep handed it up; closed.
STEP_KINDS = ("answer", "verify", "plan", "progress", "result", "note", "escalated", "closed")
CONFIRMATIONS = ("customer", "followup")


class ComplaintStep(db.Model):
    __tablename__ = "complaint_steps"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # What was said to the customer (messaged to them), or None for an internal step.
    said_to_customer: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    # Escalation steps: 1 supervisor, 2 manager; who was told.
    level: Mapped[int | None] = mapped_column(Integer)
    recipient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User", foreign_keys=[author_id])
    recipient = relationship("User", foreign_keys=[recipient_id])


def _vocabulary():
    """The stored values above as words: the catalogue translates each (``words.term``)."""
    from flask_babel import lazy_gettext as _l

    return (_l("green"), _l("yellow"), _l("red"), _l("verified"), _l("product_quality"),
            _l("repair_quality"), _l("repeat_repair"), _l("timeliness"), _l("attitude"),
            _l("charges"), _l("parts"), _l("other"), _l("answer"), _l("verify"), _l("plan"),
            _l("progress"), _l("result"), _l("note"), _l("escalated"), _l("customer"),
            _l("followup"), _l("respond"), _l("resolve"), _l("supervisor"), _l("manager"),
            _l("console"), _l("api"), _l("rating"), _l("phone"), _l("closed"), _l("open"),
            _l("answered"), _l("link"))
