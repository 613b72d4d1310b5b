import pytest
from sqlalchemy import select

from server.extensions import db
from server.inventory import service as stock
from server.inventory.models import LocationKind, StockLocation


@pytest.fixture
def warehouse():
    location = StockLocation(kind=LocationKind.WAREHOUSE, name="Central warehouse")
    db.session.add(location)
    db.session.flush()
    return location


@pytest.fixture
def van_of():
    return lambda technician: db.session.scalar(select(StockLocation).where(
        StockLocation.technician_id == technician.id))


@pytest.fixture
def receive(dispatcher):
    """``receive(location, part, quantity)`` → the receipt line, through the ledger."""
    return lambda location, part, quantity: stock.record_movement(
        "receive", part, quantity, dispatcher.id, target=location)


@pytest.fixture
def level():
    def read(location, part):
        rows = [lv for lv, _, _ in stock.levels(location.id) if lv.part_id == part.id]
        return rows[0].quantity if rows else 0
    return read
