"""Reading and dismissing notifications. Only their recipient ever sees them."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..database import utcnow
from ..errors import NotFound
from ..extensions import db
from .models import Notification


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


def list_for(user: User, unread_only: bool = False, limit: int = 200) -> list[Notification]:
    """The user's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(db.session.scalars(
        query.options(selectinload(Notification.work_order))
        .order_by(Notification.created_at.desc()).limit(limit)))


def mark_read(user: User, notification_id: uuid.UUID) -> Notification:
    """Raises NotFound for someone else's notification, as for a missing one."""
    item = db.session.get(Notification, notification_id)
    if item is None or item.user_id != user.id:
        raise NotFound("No such notification.")
    if item.read_at is None:
        item.read_at = utcnow()
    db.session.flush()
    return item


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id,
                                   Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount
