"""The storekeeper's purchase pages: a parts request the warehouse lacks is ordered from a
supplier, received into the warehouse and sent on to the van; a purchase for the low-stock
list; bad input refused naming the line with nothing stored. Both languages."""

import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.inventory import service as stock
from server.inventory.models import PartRequest, PurchaseOrder, VanDelivery
from tests.factories import PASSWORD, walk_to


@pytest.fixture
def office(client, dispatcher):
    assert client.post("/login", data={"email": dispatcher.email,
                                       "password": PASSWORD}).status_code == 302
    return client


def _body(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _follow(office, answer):
    assert answer.status_code == 302, answer.status_code
    return _body(office.get(answer.headers["Location"]))


@pytest.fixture
def asked(make_order, dispatcher, technician, make_part, warehouse):
    """On site, a technician asked for 2 of a part the warehouse has none of."""
    part = make_part()
    order = make_order(actor=dispatcher)
    walk_to(order, "on_site", dispatcher, technician)
    request = PartRequest(id=uuid.uuid4(), work_order_id=order.id, part_id=part.id,
                          quantity=2, technician_id=technician.id,
                          device_time=order.created_at)
    db.session.add(request)
    db.session.commit()
    return request, order, part


def test_a_request_is_ordered_received_and_sent_to_the_van(office, asked, warehouse, level):
    request, order, part = asked
    queue = _body(office.get("/stock/requests"))
    assert f"/stock/purchases/new?request={request.id}" in queue
    form = _body(office.get(f"/stock/purchases/new?request={request.id}"))
    assert re.search(rf'value="{request.id}" checked', form) and order.number in form
    expected = date.today() + timedelta(days=2)
    page = _follow(office, office.post("/stock/purchases/new", data={
        "supplier": "Gree parts", "warehouse": str(warehouse.id),
        "expected_on": expected.isoformat(), "request": str(request.id),
        "lines": "", "then": "order"}))
    assert "Purchase order PO-00001 saved." in page and "Ordered" in page
    assert "Ordered from a supplier" in page and order.number in page
    queue = _body(office.get("/stock/requests"))
    assert order.number not in queue  # ordered: no longer for the office to send
    purchase = db.session.scalar(select(PurchaseOrder))
    (line,) = purchase.lines
    done = _follow(office, office.post(f"/stock/purchases/{purchase.id}/receive",
                                       data={f"received-{line.id}": "2"}))
    assert "Received into the warehouse" in done and "Received in full" in done
    assert "On its way to the van" in done
    listed = _body(office.get("/stock/purchases?status=received"))
    assert "PO-00001" in listed and "Gree parts" in listed
    db.session.expire_all()
    (delivery,) = db.session.scalars(select(VanDelivery)).all()
    assert (delivery.request_id, delivery.quantity) == (request.id, 2)
    assert level(warehouse, part) == 0 and stock.check() == []
    history = _body(office.get(f"/stock/purchases/{purchase.id}"))
    assert "Sent to the supplier" in history and "Received in full" in history


def test_a_bad_purchase_form_names_the_line_and_stores_nothing(office, warehouse, make_part):
    part = make_part()
    db.session.commit()
    answer = office.post("/stock/purchases/new", data={
        "supplier": "Gree", "warehouse": str(warehouse.id), "then": "draft",
        "lines": f"{part.sku} 3\nNOPE-1 2\n"})
    assert "Line 2: no part with SKU NOPE-1." in _body(answer)
    fraction = office.post("/stock/purchases/new", data={
        "supplier": "Gree", "warehouse": str(warehouse.id), "then": "draft",
        "lines": f"{part.sku} 1.5\n"})
    assert "Line 1: write the SKU, the quantity" in _body(fraction)
    no_day = office.post("/stock/purchases/new", data={
        "supplier": "Gree", "warehouse": str(warehouse.id), "then": "order",
        "lines": f"{part.sku} 3\n"})
    assert "Say when the supplier&#39;s delivery is expected." in _body(no_day)
    assert db.session.scalar(select(func.count()).select_from(PurchaseOrder)) == 0


def test_receiving_more_than_outstanding_in_the_console_books_nothing(
        office, warehouse, make_part, level):
    part = make_part()
    db.session.commit()
    _follow(office, office.post("/stock/purchases/new", data={
        "supplier": "Gree", "warehouse": str(warehouse.id), "then": "order",
        "expected_on": date.today().isoformat(), "lines": f"{part.sku} 3 12.50\n"}))
    purchase = db.session.scalar(select(PurchaseOrder))
    (line,) = purchase.lines
    assert line.unit_cost_cents == 1250
    page = _follow(office, office.post(f"/stock/purchases/{purchase.id}/receive",
                                       data={f"received-{line.id}": "4"}))
    assert "More than is outstanding." in page and level(warehouse, part) == 0
    page = _follow(office, office.post(f"/stock/purchases/{purchase.id}/receive",
                                       data={f"received-{line.id}": "1"}))
    assert "Partly received" in page and level(warehouse, part) == 1
    closed = _follow(office, office.post(f"/stock/purchases/{purchase.id}/close",
                                         data={"reason": "discontinued"}))
    assert "Closed short" in closed and "discontinued" in closed


def test_the_low_stock_list_becomes_a_purchase(office, warehouse, make_part, receive):
    part = make_part()
    receive(warehouse, part, 1)  # the warehouse's mark is 2: low
    db.session.commit()
    low = _body(office.get("/stock/low"))
    assert f"/stock/purchases/new?low={warehouse.id}" in low
    form = _body(office.get(f"/stock/purchases/new?low={warehouse.id}"))
    assert f"{part.sku} 3" in form  # brought to twice the mark: 4 − 1


def test_the_purchase_pages_read_in_chinese(office, asked, warehouse, dispatcher):
    request, order, part = asked
    office.post("/stock/purchases/new", data={
        "supplier": "格力配件", "warehouse": str(warehouse.id), "request": str(request.id),
        "expected_on": date.today().isoformat(), "lines": "", "then": "order"})
    dispatcher.locale = "zh"
    db.session.commit()
    purchase = db.session.scalar(select(PurchaseOrder))
    listed = _body(office.get("/stock/purchases"))
    page = _body(office.get(f"/stock/purchases/{purchase.id}"))
    assert "采购单" in listed and "已下单" in listed
    assert "收货入库" in page and "已向供应商订购" in page
