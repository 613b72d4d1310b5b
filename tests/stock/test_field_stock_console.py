"""The office's side of van stock in the console: the parts-requests queue (send to the van
or reserve at the warehouse), reservations on the stock pages, and min/max templates by
region or skill that never overwrite a van's own value. Both languages."""

import re

import pytest
from sqlalchemy import select

from server.extensions import db
from server.inventory import fieldstock
from server.inventory import service as stock
from server.inventory.models import PartRequest, StockLevel, VanDelivery
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
    assert answer.status_code == 302
    return _body(office.get(answer.headers["Location"]))


@pytest.fixture
def asked(make_order, dispatcher, technician, make_part, warehouse, receive):
    """A technician on site asked for 2 of a part the warehouse holds 5 of."""
    part = make_part()
    receive(warehouse, part, 5)
    order = make_order(actor=dispatcher)
    walk_to(order, "on_site", dispatcher, technician)
    request = PartRequest(id=__import__("uuid").uuid4(), work_order_id=order.id,
                          part_id=part.id, quantity=2, note="relay burnt",
                          technician_id=technician.id, device_time=order.created_at)
    db.session.add(request)
    db.session.commit()
    return request, order, part


def test_the_queue_shows_the_request_and_sending_it_puts_it_on_its_way_to_the_van(
        office, asked, warehouse, technician, level):
    request, order, part = asked
    page = _body(office.get("/stock/requests"))
    assert order.number in page and part.sku in page and "relay burnt" in page
    assert "Waiting for the office" in page and technician.user.name in page
    done = _follow(office, office.post(f"/stock/requests/{request.id}", data={
        "how": "send", "warehouse": str(warehouse.id)}))
    assert "the technician confirms receipt on the phone" in done
    assert "No open parts requests." in done and "Central warehouse" in done
    db.session.expire_all()
    assert db.session.get(PartRequest, request.id).status == "sent"
    (delivery,) = db.session.scalars(select(VanDelivery)).all()
    assert (delivery.quantity, delivery.request_id) == (2, request.id)
    assert level(warehouse, part) == 3 and stock.check() == []


def test_a_reservation_shows_on_the_stock_page_and_can_be_released(
        office, asked, warehouse):
    request, order, part = asked
    _follow(office, office.post(f"/stock/requests/{request.id}", data={
        "how": "reserve", "warehouse": str(warehouse.id)}))
    page = _body(office.get(f"/stock/?location={warehouse.id}"))
    row = re.search(rf'<tr class="">\s*<td>Central warehouse</td>\s*<td><a [^>]*>{part.sku}'
                    r'.*?</tr>', page, re.S).group(0)
    assert re.search(r'class="num reserved">2<', row) and re.search(
        r'class="num available">3<', row)
    queue = _body(office.get("/stock/requests"))
    assert "Reserved" in queue and order.number in queue
    # Someone asks for more than is available: refused with the reason, nothing moves.
    other = PartRequest(id=__import__("uuid").uuid4(), work_order_id=order.id,
                        part_id=part.id, quantity=4, technician_id=request.technician_id,
                        device_time=order.created_at)
    db.session.add(other)
    db.session.commit()
    refused = _follow(office, office.post(f"/stock/requests/{other.id}", data={
        "how": "send", "warehouse": str(warehouse.id)}))
    assert "has only 3" in refused
    (reservation,) = fieldstock.reservations()
    released = _follow(office, office.post(f"/stock/reservations/{reservation.id}/release"))
    assert "Reservation released." in released and fieldstock.reservations() == []
    db.session.expire_all()
    assert db.session.get(PartRequest, request.id).status == "open"


def test_the_queue_reads_in_chinese(office, asked, dispatcher):
    dispatcher.locale = "zh"
    db.session.commit()
    page = _body(office.get("/stock/requests"))
    assert "备件申请" in page and "等待办公室处理" in page and "发往车辆" in page


def test_a_template_sets_every_van_of_its_region_and_keeps_a_van_s_own_value(
        office, make_technician, make_part, van_of):
    part = make_part()
    shanghai, other, beijing = (make_technician(region="Shanghai"),
                                make_technician(region="Shanghai"),
                                make_technician(region="Beijing"))
    stock.set_rule(van_of(other), part, 1, 9)  # this van's own value
    db.session.commit()
    saved = _follow(office, office.post("/stock/templates", data={
        "name": "Shanghai vans", "for": "region", "region": "Shanghai",
        "lines": f"{part.sku} 2 6\n"}))
    assert "Template Shanghai vans saved." in saved and "Apply to 2 vans" in saved
    template = fieldstock.templates()[0]
    applied = _follow(office, office.post(f"/stock/templates/{template.id}/apply"))
    assert "Applied to 2 vans: 1 values set, 1 vans&#39; own values kept." in applied

    def rule(tech):
        level = db.session.scalar(select(StockLevel).where(
            StockLevel.location_id == van_of(tech).id, StockLevel.part_id == part.id))
        return (level.min_quantity, level.max_quantity) if level else None
    db.session.expire_all()
    assert (rule(shanghai), rule(other), rule(beijing)) == ((2, 6), (1, 9), None)


def test_a_bad_template_is_refused_naming_the_line_and_nothing_is_stored(office, make_part):
    part = make_part()
    answer = office.post("/stock/templates", data={
        "name": "Broken", "for": "skill", "skill": "repair",
        "lines": f"{part.sku} 2 6\nNOPE-1 1 2\n"})
    assert answer.status_code == 200
    assert "Line 2: no part with SKU NOPE-1." in answer.get_data(as_text=True)
    inverted = office.post("/stock/templates", data={
        "name": "Broken", "for": "skill", "skill": "repair", "lines": f"{part.sku} 5 2"})
    assert "The max must be at least the min" in inverted.get_data(as_text=True)
    assert fieldstock.templates() == []


def test_the_in_transit_location_reads_in_chinese_on_the_stock_pages(office, asked, warehouse,
                                                                     dispatcher):
    """The location holding what is on its way to vans is stored as "In transit": a Chinese
    office reads it as 在途 in the part's ledger (its stock chips, the location filter and
    the movements' from/to) and on the stock page's filter, never the stored English name."""
    request, order, part = asked
    _follow(office, office.post(f"/stock/requests/{request.id}", data={
        "how": "send", "warehouse": str(warehouse.id)}))
    dispatcher.locale = "zh"
    db.session.commit()
    ledger = _body(office.get(f"/stock/parts/{part.id}"))
    assert "在途" in ledger and "In transit" not in ledger
    levels = _body(office.get("/stock/"))
    assert "在途" in levels and "In transit" not in levels
