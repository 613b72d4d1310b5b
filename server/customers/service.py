"""Customer rules: search, creation with addresses, edits, tombstones, the archive."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..errors import NotFound
from ..extensions import db
from . import geocoding
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
    customer.addresses = [place(Address(**a)) for a in addresses]
    db.session.add(customer)
    db.session.flush()
    return customer


def update_customer(customer: Customer, changes: dict) -> Customer:
    for field, value in changes.items():
        setattr(customer, field, value)
    db.session.flush()
    return customer


def place(address: Address) -> Address:
    """Give an address without coordinates a point from the configured geocoder (by
    default the offline gazetteer: its district's middle). Typed coordinates are kept."""
    if address.latitude is None or address.longitude is None:
        point = geocoding.geocoder(current_app.config).locate(
            address.line1, address.district, address.city, address.postcode, address.country)
        if point is not None:
            address.latitude, address.longitude = point.latitude, point.longitude
    return address


def add_address(customer: Customer, data: dict) -> Address:
    address = place(Address(customer_id=customer.id, **data))
    db.session.add(address)
    db.session.flush()
    return address


@dataclass
class Visit:
    order: object  # WorkOrder
    report_status: str | None
    rating: int | None
    comment: str | None


@dataclass
class Archive:
    customer: Customer
    addresses: list[Address]
    assets: list  # (Asset, warranty status, visits to it)
    visits: list[Visit]
    complaints: list


def archive(customer: Customer, today=None) -> Archive:
    """Everything the desk should know about a customer, newest first: addresses,
    appliances with their warranty, every order with its report and rating, complaints."""
    from ..assets.models import Asset
    from ..assets.service import warranty_status
    from ..feedback.models import Complaint, Survey
    from ..media.models import Report
    from ..technicians.models import Technician
    from ..workorders.models import WorkOrder

    visits = db.session.scalars(
        select(WorkOrder).where(WorkOrder.customer_id == customer.id)
        .options(selectinload(WorkOrder.asset), selectinload(WorkOrder.address),
                 selectinload(WorkOrder.assignee).selectinload(Technician.user))
        .order_by(WorkOrder.created_at.desc())).all()
    ids = [v.id for v in visits]
    reports, ratings = {}, {}
    if ids:
        for report in db.session.scalars(select(Report).where(Report.work_order_id.in_(ids))
                                         .order_by(Report.created_at)):
            reports[report.work_order_id] = report.status  # the latest wins
        for survey in db.session.scalars(select(Survey).where(Survey.work_order_id.in_(ids))
                                         .order_by(Survey.submitted_at)):
            ratings[survey.work_order_id] = survey
    per_asset: dict = {}
    for visit in visits:
        if visit.asset_id:
            per_asset[visit.asset_id] = per_asset.get(visit.asset_id, 0) + 1
    assets = db.session.scalars(select(Asset).where(Asset.customer_id == customer.id,
                                                    Asset.deleted_at.is_(None))
                                .order_by(Asset.created_at)).all()
    complaints = db.session.scalars(select(Complaint).where(Complaint.customer_id ==
                                                            customer.id)
                                    .order_by(Complaint.created_at.desc())).all()
    return Archive(
        customer=customer,
        addresses=[a for a in customer.addresses if a.deleted_at is None],
        assets=[(a, warranty_status(a, today), per_asset.get(a.id, 0)) for a in assets],
        visits=[Visit(v, reports.get(v.id), ratings[v.id].rating if v.id in ratings else None,
                      ratings[v.id].comment if v.id in ratings else None) for v in visits],
        complaints=list(complaints),
    )
