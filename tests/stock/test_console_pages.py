"""The console's stock pages: levels by location, low stock and a part's ledger, in both
languages, filtered the way a storekeeper reads them."""

import pytest

from server.inventory import fieldstock
from server.inventory import service as stock
from tests.factories import PASSWORD


@pytest.fixture
def office(client, dispatcher):
    assert client.post("/login", data={"email": dispatcher.email,
                                       "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def stocked(make_part, warehouse, technician, van_of, receive, dispatcher, make_order):
    filter_, gasket = make_part(), make_part()
    van = van_of(technician)
    receive(warehouse, filter_, 10)
    receive(warehouse, gasket, 1)
    stock.record_movement("transfer", filter_, 3, dispatcher.id, source=warehouse, target=van)
    order = make_order(actor=dispatcher)
    stock.record_movement("defective_return", filter_, 1, dispatcher.id, target=warehouse,
                          work_order_id=order.id, serial="SN-BAD-42")
    return filter_, gasket, van, order


def _body(response):
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_stock_by_location_lists_each_level_and_filters_by_location(
        office, stocked, warehouse):
    filter_, gasket, van, _ = stocked
    everything = _body(office.get("/stock/"))
    assert filter_.sku in everything and gasket.sku in everything and van.name in everything
    only_van = _body(office.get(f"/stock/?location={van.id}"))
    tbody = only_van.split("<tbody>", 1)[1]
    assert filter_.sku in tbody and gasket.sku not in tbody


def test_low_stock_lists_only_levels_under_the_threshold(office, stocked):
    filter_, gasket, _, _ = stocked
    tbody = _body(office.get("/stock/low")).split("<tbody>", 1)[1]
    assert gasket.sku in tbody and filter_.sku not in tbody


def test_a_parts_ledger_shows_labelled_movements_and_filters_by_kind_and_serial(
        office, stocked):
    filter_, _, _, order = stocked
    table = _body(office.get(f"/stock/parts/{filter_.id}")).split("<tbody>", 1)[1]
    assert "Transfer" in table and "Defective part returned" in table
    assert "defective_return" not in table  # a label, never the raw code
    by_serial = _body(office.get(f"/stock/parts/{filter_.id}?serial=SN-BAD-42"))
    assert "1 movement" in by_serial and order.number in by_serial
    by_kind = _body(office.get(f"/stock/parts/{filter_.id}?kind=receive"))
    assert "1 movement" in by_kind and "Received" in by_kind


def test_the_stock_pages_speak_chinese(office, stocked):
    filter_, _, _, _ = stocked
    assert "按库位查看库存" in _body(office.get("/stock/?lang=zh"))
    assert "故障件退回" in _body(office.get(f"/stock/parts/{filter_.id}?lang=zh"))


def test_technicians_cannot_open_the_stock_pages(client, technician):
    client.post("/login", data={"email": technician.user.email, "password": PASSWORD})
    assert client.get("/stock/").status_code in (302, 403)


def test_the_storekeeper_confirms_part_of_the_proposal_in_the_console(
        office, make_part, warehouse, technician, van_of, receive, level):
    part, van = make_part(), van_of(technician)
    receive(warehouse, part, 3)
    stock.set_rule(van, part, 2, 5)
    page = _body(office.get(f"/stock/replenishment?warehouse={warehouse.id}"))
    key = f"{van.id}:{part.id}"
    assert f'value="{key}"' in page and part.sku in page
    answer = office.post("/stock/replenishment", data={
        "warehouse": str(warehouse.id), "line": key, f"quantity-{key}": "2"})
    assert answer.status_code == 302
    # Sent, not yet on the van: it waits in transit until the technician confirms receipt.
    in_transit = fieldstock.transit()
    assert (level(warehouse, part), level(in_transit, part), level(van, part)) == (1, 2, 0)
    assert "1 transfer recorded." in _body(office.get(answer.headers["Location"]))
    too_many = office.post("/stock/replenishment", data={
        "warehouse": str(warehouse.id), "line": key, f"quantity-{key}": "9"})
    assert "has only 1" in _body(office.get(too_many.headers["Location"]))
    assert (level(warehouse, part), level(in_transit, part)) == (1, 2)
    assert stock.check() == []
