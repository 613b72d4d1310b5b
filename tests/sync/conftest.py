import pytest

from server.inventory.models import StockLevel, StockLocation
from server.extensions import db
from tests.factories import walk_to
from tests.sync.phone import Phone


@pytest.fixture
def phone_for(client):
    """``phone_for(technician)`` → a signed-in Phone speaking the sync protocol."""
    return lambda technician, name="phone": Phone(client, technician, name)


@pytest.fixture
def job(make_order, dispatcher, technician):
    """A scheduled order assigned to ``technician``."""
    order = make_order(actor=dispatcher)
    walk_to(order, "scheduled", dispatcher, technician)
    return order


@pytest.fixture
def stocked_part(make_part, technician):
    """A part with 5 in the technician's van."""
    from sqlalchemy import select

    part = make_part(price_cents=4500)
    van = db.session.scalar(select(StockLocation).where(
        StockLocation.technician_id == technician.id))
    db.session.add(StockLevel(location_id=van.id, part_id=part.id, quantity=5))
    db.session.flush()
    return part
