"""One row per setting that an admin changed; absent rows read from the configuration.

Settings are ``Syncable``: the symptom catalogue and its intake questions reach the phones
through the change feed (``sync/pull.py``, docs/sync-protocol.md §7b)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Syncable, UTCDateTime, utcnow
from ..extensions import db


class Setting(Syncable, db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
