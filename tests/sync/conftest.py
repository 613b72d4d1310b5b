import pytest

from server.extensions import db
from tests import factories
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
    part = make_part(price_cents=4500)
    factories.stock_van(technician, part, 5)
    return part
