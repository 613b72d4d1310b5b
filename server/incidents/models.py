"""Incidents, their level history, their deadlines and the orders linked to them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, new_uuid, utcnow
from ..extensions import db


class Incident(db.Model):
    """A group of recent reports of one product model over a threshold. ``kind`` says what
    else the group shares (``group_value``): a symptom code, a production batch, a replaced
    part's SKU or a root cause. ``symptom_code`` is kept for symptom groups only."""

    __tablename__ = "incidents"
    # Detection looks up the open incident of each group on every run.
    __table_args__ = (Index("ix_incidents_group", "product_model", "symptom_code", "status"),
                      Index("ix_incidents_kind_group", "kind", "product_model", "group_value",
                            "status"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    product_model: Mapped[str] = mapped_column(String(80))
    symptom_code: Mapped[str | None] = mapped_column(String(60))
    # symptom | batch | part | root_cause
    kind: Mapped[str] = mapped_column(String(20), default="symptom", server_default="symptom")
    group_value: Mapped[str] = mapped_column(String(80))
    level: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | closed
    # Reports in the detection window at the last run that counted this group.
    window_count: Mapped[int] = mapped_column(default=0)
    # The window count when a person last set the level: detection raises the level again
    # only past a threshold this count had not reached.
    reviewed_count: Mapped[int | None]
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    level_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    history: Mapped[list[IncidentLevelChange]] = relationship(
        order_by="IncidentLevelChange.changed_at")
    deadlines: Mapped[list[IncidentDeadline]] = relationship(order_by="IncidentDeadline.due_at")


class IncidentLevelChange(db.Model):
    """One step of an incident's level: opened, raised by detection, changed by a person,
    or a missed deadline escalated."""

    __tablename__ = "incident_level_changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    from_level: Mapped[int | None]
    to_level: Mapped[int]
    # detected | manual | deadline_missed
    cause: Mapped[str] = mapped_column(String(20))
    report_count: Mapped[int] = mapped_column(default=0)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")


class IncidentDeadline(db.Model):
    """What the plan demands by when, e.g. a recall plan within 48 h of reaching level 3."""

    __tablename__ = "incident_deadlines"
    __table_args__ = (UniqueConstraint("incident_id", "kind"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    level: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    met_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IncidentOrder(db.Model):
    """An order counted in an incident. Unlinking keeps the row (``unlinked_at``) so the
    next detection run does not link the order again."""

    __tablename__ = "incident_orders"
    __table_args__ = (UniqueConstraint("incident_id", "work_order_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"))
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    # detected | manual
    source: Mapped[str] = mapped_column(String(20))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    linked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    unlinked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unlinked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class IncidentMessage(db.Model):
    """A message the office sent to every customer affected by an incident, through the
    customer channels (``server.messaging``): one outbox message per customer and channel,
    in the customer's language (``text_en`` / ``text_zh``, the other when one is empty)."""

    __tablename__ = "incident_messages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    text_en: Mapped[str | None] = mapped_column(Text)
    text_zh: Mapped[str | None] = mapped_column(Text)
    customers: Mapped[int] = mapped_column(default=0)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")
