"""A finished in-warranty job whose technician fitted parts from the van and brought the
faulty unit back to the warehouse, as the ledger records it."""

from __future__ import annotations

import uuid

import pytest

from server.extensions import db
from server.inventory import service as stock
from server.inventory.models import LocationKind, MovementKind, StockLocation
from server.workorders import service as orders
from server.workorders.models import PartUsage
from tests import factories


@pytest.fixture
def warehouse():
    location = StockLocation(kind=LocationKind.WAREHOUSE, name="Central warehouse")
    db.session.add(location)
    db.session.flush()
    return location


def fit_part(order, technician, part, quantity=1):
    """What sync ``use_part`` writes: the ledger line off the van and the order's part line."""
    van = factories.stock_van(technician, part, quantity)
    stock.record_movement(MovementKind.USED_ON_ORDER, part, quantity, technician.user.id,
                          source=van, work_order_id=order.id, allow_negative=True)
    db.session.add(PartUsage(id=uuid.uuid4(), work_order_id=order.id, part_id=part.id,
                             quantity=quantity, unit_price_cents=part.price_cents,
                             from_location_id=van.id, technician_id=technician.id))
    db.session.flush()
    orders.recompute_charges(order)


def bring_back(order, part, warehouse, serial, actor=None):
    """The removed faulty unit, received at the warehouse with its serial."""
    return stock.record_movement(MovementKind.DEFECTIVE_RETURN, part, 1,
                                 getattr(actor, "id", None), target=warehouse,
                                 work_order_id=order.id, serial=serial)


@pytest.fixture
def warranty_job(make_technician, dispatcher, warehouse):
    """``warranty_job(status="closed", in_warranty=True)`` → (order, part, technician)."""

    def build(status="closed", in_warranty=True, serials=("FAULTY-001",), quantity=1):
        technician = make_technician()
        customer = factories.make_customer()
        asset = factories.make_asset(customer, warranty_days=200 if in_warranty else -10)
        order = factories.make_order(dispatcher, customer=customer, asset=asset,
                                     assignee=technician, status="on_site")
        part = factories.make_part(price_cents=12000)
        fit_part(order, technician, part, quantity)
        for serial in serials:
            bring_back(order, part, warehouse, serial, dispatcher)
        if status != "on_site":
            steps = factories.PATHS[status][3:]
            for step in steps:
                if step == "completed":
                    orders.update_order(technician.user, order, {"resolution": "New compressor"})
                if step == "signed":
                    factories.sign_on_phone(order)
                actor = dispatcher if step == "closed" else technician.user
                orders.transition(actor, order, step, reason="test step")
        return order, part, technician

    return build
