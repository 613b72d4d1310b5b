"""The part ledger names the transit location by its label in the reader's language: its
stored name is the English "In transit", which a Chinese page showed as is."""

from __future__ import annotations

from server.extensions import db
from server.inventory import fieldstock
from server.inventory import service as stock
from server.inventory.models import LocationKind, MovementKind, StockLocation
from tests import factories
from tests.api.test_console import sign_in, text


def _part_with_two_in_transit():
    """A part received at a warehouse, two of them moved on to the transit location."""
    part = factories.make_part()
    warehouse = StockLocation(kind=LocationKind.WAREHOUSE, name="Central warehouse — 上海嘉定")
    db.session.add(warehouse)
    db.session.flush()
    stock.record_movement(MovementKind.RECEIVE, part, 4, None, target=warehouse)
    stock.record_movement(MovementKind.TRANSFER, part, 2, None, source=warehouse,
                          target=fieldstock.transit())
    db.session.flush()
    return part


def test_the_ledger_shows_the_transit_location_as_zai_tu_in_chinese(client, make_user):
    part = _part_with_two_in_transit()
    assert sign_in(client, make_user("dispatcher", locale="zh")).status_code == 302
    page = text(client.get(f"/stock/parts/{part.id}"))
    assert "在途" in page and "In transit" not in page


def test_stock_by_location_shows_the_transit_location_as_zai_tu_in_chinese(client, make_user):
    part = _part_with_two_in_transit()
    assert sign_in(client, make_user("dispatcher", locale="zh")).status_code == 302
    page = text(client.get("/stock/"))
    assert "在途" in page and "In transit" not in page
