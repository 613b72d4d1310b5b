"""Customer rules: search, creation with addresses, edits, tombstones, the archive."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from flask_babel import gettext as _

from ..database import utcnow
from ..errors import Invalid, NotFound
from ..extensions import db
from . import geocoding, phones
from .models import Address, Customer


def search_customers(q: str | None, page: int, per_page: int) -> tuple[list[Customer], int]:
    """Live customers whose name, phone, e-mail or address matches ``q``."""
    query = select(Customer).where(Customer.deleted_at.is_(None))
    if q:
        like = f"%{q.strip()}%"
        # A number matches however it was spaced: "13917782046" finds "+86 139 1778 2046".
        digits = re.sub(r"[\s\-()]", "", q)
        compact = func.replace(func.replace(Customer.phone, " ", ""), "-", "")
        query = query.where(or_(
            Customer.name.ilike(like), Customer.phone.ilike(like), Customer.email.ilike(like),
            compact.ilike(f"%{digits}%") if digits else False,
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


def _region(addresses: list[dict] | list[Address]) -> str:
    first = addresses[0] if addresses else None
    country = first.get("country") if isinstance(first, dict) else getattr(first, "country", None)
    return country or phones.DEFAULT_REGION


def create_customer(data: dict) -> Customer:
    addresses = data.pop("addresses", [])
    if data.get("phone"):
        data["phone"] = phones.display(data["phone"], _region(addresses))
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


def likely_duplicates(name: str | None, phone: str | None, line1: str | None = None,
                      region: str | None = None, limit: int = 5) -> list[Customer]:
    """Live customers who are probably the person being typed in: the same phone number
    however written, or the same name at the same street address."""
    found: dict[uuid.UUID, Customer] = {}
    wanted = phones.normalise(phone, region)
    if wanted:
        digits = phones.tail(wanted)
        compact = func.replace(func.replace(Customer.phone, " ", ""), "-", "")
        for customer in db.session.scalars(
                select(Customer).where(Customer.deleted_at.is_(None),
                                       compact.like(f"%{digits}%")).limit(50)):
            if phones.normalise(customer.phone, region) == wanted:
                found[customer.id] = customer
    if name and name.strip() and line1 and line1.strip():
        for customer in db.session.scalars(
                select(Customer).join(Address, Address.customer_id == Customer.id)
                .where(Customer.deleted_at.is_(None), Address.deleted_at.is_(None),
                       func.lower(Customer.name) == name.strip().lower(),
                       func.lower(Address.line1) == line1.strip().lower()).limit(limit)):
            found.setdefault(customer.id, customer)
    return list(found.values())[:limit]


def merge(actor, keep: Customer, duplicate: Customer) -> Customer:
    """Fold ``duplicate`` into ``keep``: its addresses, appliances, orders and complaints
    move over; it stays as a tombstone that points to ``keep`` (a phone may still refer to
    it). Each moved order's history says so, and the audit log has the whole merge.

    Raises Invalid when the two are the same customer or one is already deleted.
    """
    from ..assets.models import Asset
    from ..audit.service import record
    from ..feedback.models import Complaint
    from ..workorders.models import WorkOrder
    from ..workorders.service import add_event

    if keep.id == duplicate.id or keep.deleted_at or duplicate.deleted_at:
        raise Invalid(_("Choose two different customers that are not deleted."),
                      errors={"duplicate_id": [_("Choose another customer.")]})
    moved = {}
    for model in (Address, Asset, Complaint):
        rows = db.session.scalars(select(model).where(model.customer_id == duplicate.id)).all()
        for row in rows:
            row.customer_id = keep.id
        moved[model.__tablename__] = len(rows)
    orders = db.session.scalars(
        select(WorkOrder).where(WorkOrder.customer_id == duplicate.id)).all()
    for order in orders:
        order.customer_id = keep.id
        add_event(order, "field_changed", actor, data={
            "field": "customer_id", "from": duplicate.name, "to": keep.name})
    moved["work_orders"] = len(orders)
    keep.preferences = list(dict.fromkeys([*(keep.preferences or []),
                                           *(duplicate.preferences or [])]))
    keep.email = keep.email or duplicate.email
    duplicate.deleted_at = utcnow()
    duplicate.notes = "\n".join(filter(None, [duplicate.notes, f"merged into {keep.id}"]))
    record("customer.merged", actor, keep, duplicate_id=str(duplicate.id),
           duplicate_name=duplicate.name, duplicate_phone=duplicate.phone, moved=moved)
    db.session.flush()
    return keep


def correct_point(actor, customer: Customer, address_id: uuid.UUID, latitude, longitude
                  ) -> Address:
    """The dispatcher puts an address's point right (the gazetteer gave its district's
    middle, or the geocoder was wrong). Raises Invalid naming the field, NotFound for an
    address of someone else."""
    from ..audit.service import record

    address = db.session.get(Address, address_id)
    if address is None or address.customer_id != customer.id:
        raise NotFound(_("No such address."))
    try:
        lat, lng = float(latitude), float(longitude)
    except (TypeError, ValueError):
        lat = lng = float("nan")
    if not (-90 <= lat <= 90):
        raise Invalid(_("Check the fields marked."),
                      {"latitude": [_("A latitude between -90 and 90.")]})
    if not (-180 <= lng <= 180):
        raise Invalid(_("Check the fields marked."),
                      {"longitude": [_("A longitude between -180 and 180.")]})
    old = (address.latitude, address.longitude)
    address.latitude, address.longitude = lat, lng
    record("address.point_corrected", actor, address, old=list(old), new=[lat, lng])
    db.session.flush()
    return address
