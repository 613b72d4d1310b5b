"""Asset rules: an asset belongs to one customer; warranty follows from its dates."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, or_, select

from ..customers.models import Address, Customer
from ..errors import Invalid, NotFound
from ..extensions import db
from .models import Asset


def warranty_status(asset: Asset | None, on: date | None = None) -> str:
    """in_warranty / out_of_warranty / unknown for an asset on a day (today by default)."""
    if asset is None or asset.warranty_end is None:
        return "unknown"
    return "in_warranty" if asset.warranty_end >= (on or date.today()) else "out_of_warranty"


def list_assets(customer_id: uuid.UUID | None, q: str | None, page: int, per_page: int
                ) -> tuple[list[Asset], int]:
    query = select(Asset).where(Asset.deleted_at.is_(None))
    if customer_id:
        query = query.where(Asset.customer_id == customer_id)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(Asset.serial.ilike(like), Asset.model.ilike(like)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Asset.created_at).limit(per_page)
                              .offset((page - 1) * per_page)).all()
    return list(rows), total


def get_asset(asset_id: uuid.UUID) -> Asset:
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.deleted_at is not None:
        raise NotFound("No such asset.")
    return asset


def _check(data: dict, customer_id: uuid.UUID) -> None:
    customer = db.session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise Invalid("Unknown customer.", {"customer_id": ["no such customer"]})
    if data.get("address_id"):
        address = db.session.get(Address, data["address_id"])
        if address is None or address.customer_id != customer_id:
            raise Invalid("Unknown address.", {"address_id": ["is not this customer's"]})
    purchase, warranty = data.get("purchase_date"), data.get("warranty_end")
    if purchase and warranty and warranty < purchase:
        raise Invalid("The warranty ends before the purchase.",
                      {"warranty_end": ["must not be before purchase_date"]})


def create_asset(data: dict) -> Asset:
    """Raises Invalid for an unknown customer or address, or inconsistent dates."""
    _check(data, data["customer_id"])
    asset = Asset(**data)
    db.session.add(asset)
    db.session.flush()
    return asset


def update_asset(asset: Asset, changes: dict) -> Asset:
    _check({"purchase_date": asset.purchase_date, "warranty_end": asset.warranty_end,
            **changes}, asset.customer_id)
    for field, value in changes.items():
        setattr(asset, field, value)
    db.session.flush()
    return asset
