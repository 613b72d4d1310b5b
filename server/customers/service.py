"""Customer rules: search, creation with addresses, edits, tombstones."""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..errors import NotFound
from ..extensions import db
from .models import Address, Customer


def search_customers(q: str | None, page: int, per_page: int) -> tuple[list[Customer], int]:
    """Live customers whose name, phone, e-mail or address matches ``q``."""
    query = select(Customer).where(Customer.deleted_at.is_(None))
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(
            Customer.name.ilike(like), Customer.phone.ilike(like), Customer.email.ilike(like),
            Customer.id.in_(select(Address.customer_id).where(
                or_(Address.line1.ilike(like), Address.city.ilike(like),
                    Address.district.ilike(like)))),
        ))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(selectinload(Customer.addresses)).order_by(Customer.name)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return list(rows), total


def get_customer(customer_id: uuid.UUID) -> Customer:
    """Raises NotFound for an unknown or deleted customer."""
    customer = db.session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFound("No such customer.")
    return customer


def create_customer(data: dict) -> Customer:
    addresses = data.pop("addresses", [])
    customer = Customer(**data)
    customer.addresses = [Address(**a) for a in addresses]
    db.session.add(customer)
    db.session.flush()
    return customer


def update_customer(customer: Customer, changes: dict) -> Customer:
    for field, value in changes.items():
        setattr(customer, field, value)
    db.session.flush()
    return customer


def add_address(customer: Customer, data: dict) -> Address:
    address = Address(customer_id=customer.id, **data)
    db.session.add(address)
    db.session.flush()
    return address
