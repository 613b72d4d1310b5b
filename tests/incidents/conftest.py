"""Generated bursts of failure reports: many homes, one product model, one symptom."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from server.assets.models import Asset
from server.customers.models import Address, Customer
from server.extensions import db
from server.inventory.models import Part
from server.workorders.models import PartUsage, WorkOrder

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
CITIES = ("上海市", "北京市", "广州市", "成都市")
_serial = itertools.count(1)


def make_burst(count: int, model: str = "JSQ24-12", symptom: str | None = "WH_NO_HOT_WATER",
               now: datetime = NOW, spread_days: int = 20, cities=CITIES,
               status: str = "new", batch: str | None = None, serial_prefix: str = "B",
               root_cause: str | None = None, part=None, part_lines: int = 1
               ) -> list[uuid.UUID]:
    """``count`` reports spread evenly over the last ``spread_days`` and over ``cities``,
    each from its own home and appliance; returns the orders' ids. ``batch`` is recorded on
    the assets, ``serial_prefix`` starts their serials, ``root_cause`` is the visit's, and
    ``part`` (a Part) is fitted ``part_lines`` times on each order."""
    customers, addresses, assets, orders, usages = [], [], [], [], []
    for i in range(count):
        n = next(_serial)
        customer_id, address_id, asset_id, order_id = (uuid.uuid4() for _ in range(4))
        created = now - timedelta(days=spread_days) * (i + 1) / (count + 1)
        customers.append({"id": customer_id, "name": f"客户 {n}", "phone": f"+86 139 {n:08d}",
                          "language": "zh", "preferences": [], "created_at": created,
                          "updated_at": created})
        addresses.append({"id": address_id, "customer_id": customer_id,
                          "line1": f"人民路 {n} 号", "city": cities[i % len(cities)],
                          "country": "CN", "created_at": created})
        assets.append({"id": asset_id, "customer_id": customer_id, "address_id": address_id,
                       "category": "water_heater", "brand": "Haier", "model": model,
                       "serial": f"{serial_prefix}{n:09d}", "production_batch": batch,
                       "created_at": created, "updated_at": created})
        orders.append({"id": order_id, "number": f"WO-T-{n:09d}", "channel": "phone",
                       "type": "repair", "status": status, "priority": "normal",
                       "language": "zh", "customer_id": customer_id, "address_id": address_id,
                       "asset_id": asset_id, "symptom_code": symptom, "intake_answers": {},
                       "sla_state": "green", "created_at": created, "updated_at": created,
                       "root_cause": root_cause, "version": 1})
        if part is not None:
            usages += [{"id": uuid.uuid4(), "work_order_id": order_id, "part_id": part.id,
                        "quantity": 1, "unit_price_cents": part.price_cents,
                        "created_at": created} for _ in range(part_lines)]
    if count:
        for model_class, rows in ((Customer, customers), (Address, addresses),
                                  (Asset, assets), (WorkOrder, orders), (PartUsage, usages)):
            if rows:
                db.session.execute(insert(model_class.__table__), rows)
    return [row["id"] for row in orders]


@pytest.fixture
def burst():
    return make_burst


@pytest.fixture
def part():
    made = Part(sku="THERMO-12", name_en="Thermostat", name_zh="温控器", category="water_heater",
                fits_models=[], price_cents=4500)
    db.session.add(made)
    db.session.flush()
    return made
