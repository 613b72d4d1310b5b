"""Parts catalogue and stock rules."""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select

from ..errors import Conflict, NotFound
from ..extensions import db
from .models import Part


def search_parts(q: str | None, category: str | None, page: int, per_page: int
                 ) -> tuple[list[Part], int]:
    query = select(Part).where(Part.active.is_(True))
    if category:
        query = query.where(Part.category == category)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(Part.sku.ilike(like), Part.name_en.ilike(like),
                                Part.name_zh.ilike(like)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Part.sku).limit(per_page)
                              .offset((page - 1) * per_page)).all()
    return list(rows), total


def get_part(part_id: uuid.UUID) -> Part:
    part = db.session.get(Part, part_id)
    if part is None:
        raise NotFound("No such part.")
    return part


def create_part(data: dict) -> Part:
    """Raises Conflict when the SKU is taken."""
    if db.session.scalar(select(Part.id).where(Part.sku == data["sku"])):
        raise Conflict("A part with this SKU exists.", {"sku": ["is already used"]})
    part = Part(**data)
    db.session.add(part)
    db.session.flush()
    return part


def update_part(part: Part, changes: dict) -> Part:
    for field, value in changes.items():
        setattr(part, field, value)
    db.session.flush()
    return part
