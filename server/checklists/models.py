"""Job checklists: templates the office writes per job type and product category, and the
answers a technician gives on site, each answer a line the phone made (UUID)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Syncable, UTCDateTime, new_uuid, utcnow
from ..extensions import db


class ItemKind(enum.StrEnum):
    TICK = "tick"        # done / checked
    NUMBER = "number"    # a measured value, with a unit and optional limits
    TEXT = "text"        # free text
    PHOTO = "photo"      # a photo of the job must be taken (answer: its id)


class ChecklistTemplate(Syncable, db.Model):
    """A checklist for jobs of some types on some products.

    ``items`` is the ordered list of items (server.checklists.schemas.ItemIn); each save
    bumps ``version`` and keeps the earlier one in ChecklistTemplateVersion, so an answer
    names the version it was filled against.
    """

    __tablename__ = "checklist_templates"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    # Order types (server.workorders.models.OrderType) it applies to; empty: every type.
    job_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Product category (server.assets.models.ProductCategory); None: any product.
    category: Mapped[str | None] = mapped_column(String(40))
    # Asset models it applies to; empty: every model of the category.
    models: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Whether every required item must be answered before the job can be completed.
    blocks_completion: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    items: Mapped[list[dict]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    versions: Mapped[list[ChecklistTemplateVersion]] = relationship(
        order_by="ChecklistTemplateVersion.version.desc()")


class ChecklistTemplateVersion(db.Model):
    """A template as it was saved."""

    __tablename__ = "checklist_template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_templates.id"))
    version: Mapped[int]
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    job_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    category: Mapped[str | None] = mapped_column(String(40))
    models: Mapped[list[str]] = mapped_column(JSON, default=list)
    blocks_completion: Mapped[bool]
    items: Mapped[list[dict]] = mapped_column(JSON, default=list)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")


class ChecklistAnswer(Syncable, db.Model):
    """One answer to one item, made on the phone (``fill_checklist_item``). Append-only:
    answering an item again adds a line; the latest line by server arrival is the answer."""

    __tablename__ = "checklist_answers"
    __table_args__ = (Index("ix_checklist_answers_order_item", "work_order_id", "item_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_templates.id"))
    template_version: Mapped[int]
    item_key: Mapped[str] = mapped_column(String(40))
    # tick: "yes" or "no"; number: a decimal ("1.25"); text: the text; photo: the photo id.
    value: Mapped[str] = mapped_column(Text)
    # A number outside the item's limits: accepted (it was measured) and flagged.
    out_of_limits: Mapped[bool] = mapped_column(default=False)
    technician_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("technicians.id"))
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
