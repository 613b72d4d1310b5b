"""Technicians: the field staff profile attached to a user account."""

from __future__ import annotations

import uuid

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import new_uuid
from ..extensions import db


class Technician(db.Model):
    __tablename__ = "technicians"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), unique=True)
    # Skills are product categories and job types, e.g. ["air_conditioner", "install"].
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str] = mapped_column(String(80))
    home_base: Mapped[str | None] = mapped_column(String(200))
    home_latitude: Mapped[float | None]
    home_longitude: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship()
