"""Where people are: addresses placed by the gazetteer (or an HTTP geocoder), technicians
suggested only in the job's city unless the dispatcher asks, slots in the customer's
window first, and a plain word when the window cannot be met."""

from __future__ import annotations

import json
import re
import socket
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest

from server.customers import geocoding
from server.customers import service as customers
from server.technicians.service import create_technician
from server.workorders import service as orders
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def office(client, dispatcher):
    response = client.post("/login", data={"email": dispatcher.email,
                                           "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def next_working_day():
    day = datetime.now(SHANGHAI).date() + timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


# --- the gazetteer ------------------------------------------------------------------------

def test_the_gazetteer_places_a_district_and_a_postcode_district():
    g = geocoding.Gazetteer()
    xuhui = g.locate("漕溪北路 88 号", "徐汇区", "上海市", None, "CN")
    assert (round(xuhui.latitude, 2), round(xuhui.longitude, 2)) == (31.19, 121.44)
    assert xuhui.approximate and xuhui.city == "shanghai"
    camden = g.locate("12 Camden Road", None, "London", "NW1 9LR", "GB")
    assert camden.city == "london" and round(camden.latitude, 2) == 51.54
    assert g.locate("1 Main Street", "Somewhere", "Atlantis", None, None) is None


def test_a_point_knows_its_city_and_two_cities_are_never_neighbours():
    assert geocoding.city_of(31.23, 121.47) == "shanghai"
    assert geocoding.city_of(51.50, -0.12) == "london"
    assert geocoding.city_of(48.86, 2.35) is None  # Paris: not served


def test_a_new_address_without_coordinates_gets_its_district_s_point(app):
    customer = customers.create_customer({"name": "赵丽", "phone": "+86 139 5555 0101",
                                          "addresses": [{"line1": "天钥桥路 1 号",
                                                         "district": "徐汇区",
                                                         "city": "上海市"}]})
    address = customer.addresses[0]
    assert geocoding.city_of(address.latitude, address.longitude) == "shanghai"
    typed = customers.add_address(customer, {"line1": "x", "city": "上海市",
                                             "latitude": 31.3, "longitude": 121.5})
    assert (typed.latitude, typed.longitude) == (31.3, 121.5)  # typed points are kept


class _Nominatim(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = json.dumps([{"lat": "31.2000", "lon": "121.4500"}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_http_geocoder_asks_a_real_server_and_falls_back_when_it_is_down():
    server = HTTPServer(("127.0.0.1", 0), _Nominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        found = geocoding.HttpGeocoder(f"http://127.0.0.1:{server.server_port}/search").locate(
            "漕溪北路 88 号", "徐汇区", "上海市", None, "CN")
        assert (found.latitude, found.longitude, found.approximate) == (31.2, 121.45, False)
        assert found.city == "shanghai"
    finally:
        server.shutdown()
        server.server_close()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    fallback = geocoding.HttpGeocoder(f"http://127.0.0.1:{closed}/search", timeout=1).locate(
        "x", "徐汇区", "上海市", None, "CN")
    assert fallback.approximate and fallback.city == "shanghai"


# --- suggestions on the board -------------------------------------------------------------

def london_technician(name="James Wilson"):
    user = factories.make_user("technician", name=name)
    return create_technician(user, ["air_conditioner", "repair"], "Camden",
                             "Kentish Town depot", 51.550, -0.140)


def test_a_shanghai_job_is_offered_to_shanghai_technicians_unless_asked(office, make_order,
                                                                        make_technician):
    make_technician(name="李师傅")
    london_technician()
    customer = factories.make_customer(name="赵丽")
    customer.addresses[0].latitude = customer.addresses[0].longitude = None
    order = make_order(customer=customer)
    day = next_working_day().isoformat()
    body = text(office.get(f"/board?day={day}&order={order.id}"))
    names = re.findall(r'<strong class="name">([^<]+)</strong>', body)
    assert names == ["李师傅"]
    assert "Include technicians from other cities" in body
    anywhere = text(office.get(f"/board?day={day}&order={order.id}&anywhere=1"))
    assert set(re.findall(r'<strong class="name">([^<]+)</strong>', anywhere)) == \
        {"李师傅", "James Wilson"}


def test_the_customer_s_window_comes_first_and_a_full_window_is_said_plainly(
        office, make_order, make_technician, make_user):
    li = make_technician(name="李师傅")
    day = next_working_day()
    at = lambda h: datetime.combine(day, datetime.min.time(), SHANGHAI) + timedelta(hours=h)  # noqa: E731
    order = make_order(preferred_start=at(12), preferred_end=at(18))
    body = text(office.get(f"/board?day={day.isoformat()}&order={order.id}"))
    assert re.search(r"Book 12:\d\d–", body) and "data-window-full" not in body

    # The afternoon fills up: the first free time is offered, and the panel says why.
    office_user = make_user("dispatcher")
    busy = make_order()
    orders.update_order(office_user, busy, {"assignee_id": li.id, "appointment_start": at(11.5),
                                            "appointment_end": at(18.5)})
    body = text(office.get(f"/board?day={day.isoformat()}&order={order.id}"))
    assert "data-window-full" in body
    assert re.search(r"Nobody suitable is free within the customer(&#39;|&#x27;|')s window", body)


def test_a_london_job_is_booked_in_london_working_hours(office, make_order):
    london_technician()
    customer = factories.make_customer(name="Amelia Hughes", language="en", city="London")
    address = customer.addresses[0]
    address.line1, address.district, address.postcode = "12 Camden Road", "Camden", "NW1 9LR"
    address.latitude, address.longitude, address.country = 51.541, -0.139, "GB"
    order = make_order(customer=customer)
    day = next_working_day()
    body = text(office.get(f"/board/panel/{order.id}?day={day.isoformat()}"))
    start = re.search(r'name="start" value="(\d\d:\d\d)"', body).group(1)
    # 08:15 in London is 16:15 in Shanghai (winter) or 15:15 (summer): never 00:00–04:30.
    london_start = datetime.combine(day, datetime.strptime("08:00", "%H:%M").time(),
                                    ZoneInfo("Europe/London")).astimezone(SHANGHAI)
    shown = datetime.combine(day, datetime.strptime(start, "%H:%M").time(), SHANGHAI)
    assert timedelta(0) <= shown - london_start <= timedelta(minutes=45), (start, london_start)


def test_the_dispatcher_corrects_an_address_s_point(office, make_order, make_technician):
    customer = factories.make_customer(name="赵丽")
    address = customer.addresses[0]
    page = text(office.get(f"/customers/{customer.id}"))
    assert "Map point" in page and "31.1900, 121.4400" in page
    url = f"/customers/{customer.id}/addresses/{address.id}/point"
    refused = office.post(url, data={"latitude": "131.2", "longitude": "121.45"})
    assert refused.status_code == 422
    assert "A latitude between -90 and 90." in text(refused)
    assert (address.latitude, address.longitude) == (31.19, 121.44)  # nothing changed
    assert office.post(url, data={"latitude": "31.2051", "longitude": "121.4512"}
                       ).status_code == 302
    from server.customers.models import Address
    from server.extensions import db

    db.session.expire_all()
    moved = db.session.get(Address, address.id)
    assert (moved.latitude, moved.longitude) == (31.2051, 121.4512)
    other = factories.make_customer()
    assert office.post(f"/customers/{other.id}/addresses/{address.id}/point",
                       data={"latitude": "1", "longitude": "1"}).status_code == 404
