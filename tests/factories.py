"""Factories that build realistic records through the services, flushing, never committing."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from server.accounts import service as accounts
from server.assets.models import Asset
from server.customers.models import Address, Customer
from server.extensions import db
from server.inventory.models import Part
from server.technicians.service import create_technician
from server.workorders import service as orders

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(role: str = "dispatcher", name: str | None = None, email: str | None = None,
              locale: str | None = None):
    n = next(_counter)
    return accounts.create_user(email or f"{role}{n}@example.test", name or f"{role.title()} {n}",
                                role, PASSWORD, locale)


def make_technician(name: str | None = None, skills=("air_conditioner", "repair"),
                    region: str = "Shanghai"):
    user = make_user("technician", name=name)
    return create_technician(user, list(skills), region, "Xuhui depot", 31.19, 121.44)


def make_customer(name: str = "王秀英", phone: str | None = None, language: str = "zh",
                  city: str = "上海市") -> Customer:
    n = next(_counter)
    customer = Customer(name=name, phone=phone or f"+86 138 0000 {n:04d}", language=language,
                        preferences=["老人在家，只约上午"])
    customer.addresses = [Address(line1=f"漕溪北路 {n} 号 3 室", district="徐汇区", city=city,
                                  country="CN", latitude=31.19, longitude=121.44)]
    db.session.add(customer)
    db.session.flush()
    return customer


def make_asset(customer: Customer, warranty_days: int = 200, category: str = "air_conditioner"
               ) -> Asset:
    n = next(_counter)
    asset = Asset(customer_id=customer.id, address_id=customer.addresses[0].id, category=category,
                  brand="Gree", model="KFR-35GW", serial=f"SN{n:08d}",
                  purchase_date=date.today() - timedelta(days=365),
                  warranty_end=date.today() + timedelta(days=warranty_days))
    db.session.add(asset)
    db.session.flush()
    return asset


def make_part(price_cents: int = 4500, category: str = "air_conditioner") -> Part:
    n = next(_counter)
    part = Part(sku=f"P-{n:05d}", name_en=f"Capacitor {n}", name_zh=f"电容 {n}", category=category,
                price_cents=price_cents)
    db.session.add(part)
    db.session.flush()
    return part


def stock_van(technician, part: Part, quantity: int):
    """Put ``quantity`` of ``part`` on the technician's van the way a storekeeper does: a
    receipt in the ledger, so levels keep equalling the sum of the ledger."""
    from sqlalchemy import select

    from server.inventory.models import MovementKind, StockLocation
    from server.inventory.service import record_movement

    van = db.session.scalar(select(StockLocation).where(
        StockLocation.technician_id == technician.id))
    record_movement(MovementKind.RECEIVE, part, quantity, None, target=van,
                    note="test stock")
    return van


def make_order(actor=None, customer=None, asset=None, assignee=None, priority="normal",
               type="repair", status="new", **extra):
    """An order, walked through the state machine to ``status`` with realistic steps."""
    actor = actor or make_user("dispatcher")
    customer = customer or make_customer()
    if asset is None:
        asset = make_asset(customer)
    data = {"channel": "phone", "type": type, "priority": priority, "customer_id": customer.id,
            "asset_id": asset.id if asset else None, "description": "Not cooling", **extra}
    order = orders.create_order(actor, data)
    if status != "new":
        walk_to(order, status, actor, assignee or make_technician())
    return order


PATHS = {
    "new": [],
    "scheduled": ["scheduled"],
    "en_route": ["scheduled", "en_route"],
    "on_site": ["scheduled", "en_route", "on_site"],
    "awaiting_parts": ["scheduled", "en_route", "on_site", "awaiting_parts"],
    "awaiting_customer": ["scheduled", "en_route", "on_site", "awaiting_customer"],
    "completed": ["scheduled", "en_route", "on_site", "completed"],
    "signed": ["scheduled", "en_route", "on_site", "completed", "signed"],
    "closed": ["scheduled", "en_route", "on_site", "completed", "signed", "closed"],
    "cancelled": ["cancelled"],
    "reopened": ["scheduled", "en_route", "on_site", "completed", "signed", "closed", "reopened"],
}


def sign_on_phone(order, signer: str = "Alice Smith"):
    """The customer's signature as the phone captures it, over the content the server would
    print (its image bytes not uploaded): ``signed`` needs one."""
    import uuid

    from server.media import service as media
    from server.reports.content import content_hash, signed_content

    return media.capture_signature(order, uuid.uuid4(), signer, "5" * 64,
                                   content_hash(signed_content(order)), None, None, None)


def walk_to(order, status: str, office, technician):
    """Drive ``order`` to ``status`` the way people would: office schedules, tech works."""
    from datetime import UTC, datetime

    for step in PATHS[status]:
        if step == "scheduled":
            start = datetime.now(UTC) + timedelta(hours=3)
            orders.update_order(office, order, {"assignee_id": technician.id,
                                                "appointment_start": start,
                                                "appointment_end": start + timedelta(hours=2)})
        if step == "completed":
            orders.update_order(technician.user, order, {"resolution": "Replaced capacitor"})
        if step == "signed":
            sign_on_phone(order)
        actor = technician.user if step in {"en_route", "on_site", "awaiting_parts",
                                            "awaiting_customer", "completed", "signed"} else office
        orders.transition(actor, order, step, reason="test step")
    return order
