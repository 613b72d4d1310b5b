"""Parts requests from the field and deliveries to vans over the JSON API, as an
integration (a storekeeping system) would work them."""

from __future__ import annotations

import uuid

import pytest

from server.extensions import db
from server.inventory import fieldstock
from server.inventory import service as stock
from server.inventory.models import LocationKind, PartRequest, StockLocation


@pytest.fixture
def warehouse(dispatcher):
    location = StockLocation(kind=LocationKind.WAREHOUSE, name="Central warehouse")
    db.session.add(location)
    db.session.flush()
    return location


@pytest.fixture
def asked(phone_for, technician, job, make_part, warehouse, dispatcher):
    """A technician on site asked for two parts; the warehouse has them."""
    phone = phone_for(technician)
    for to in ("en_route", "on_site"):
        phone.queue("transition", {"order_id": str(job.id), "to": to,
                                   "device_time": phone.now()})
    parts = [make_part(), make_part()]
    for part in parts:
        stock.record_movement("receive", part, 5, dispatcher.id, target=warehouse)
        phone.request_part(str(job.id), str(part.id), 2)
    phone.sync()
    return phone, job, parts


def test_the_office_lists_sends_reserves_and_cancels_requests(api_as, dispatcher, asked,
                                                               warehouse, technician):
    phone, job, parts = asked
    office = api_as(dispatcher)
    listed = office.get("/api/v1/stock/requests").get_json()
    assert [(r["work_order_number"], r["quantity"], r["status"]) for r in listed] == [
        (job.number, 2, "open"), (job.number, 2, "open")]
    first, second = (r["id"] for r in listed)
    sent = office.post(f"/api/v1/stock/requests/{first}/fulfil",
                       json={"how": "send", "warehouse_id": str(warehouse.id)})
    assert sent.status_code == 200 and sent.get_json()["status"] == "sent"
    deliveries = office.get("/api/v1/stock/deliveries?status=sent").get_json()
    assert [(d["quantity"], d["request_id"], d["from_name"]) for d in deliveries] == [
        (2, first, "Central warehouse")]
    assert office.post(f"/api/v1/stock/requests/{second}/fulfil",
                       json={"how": "cancel"}).get_json()["status"] == "cancelled"
    again = office.post(f"/api/v1/stock/requests/{second}/fulfil",
                        json={"how": "reserve", "warehouse_id": str(warehouse.id)})
    assert again.status_code == 409 and again.get_json()["reason"] == "request_not_open"
    assert office.get("/api/v1/stock/requests").get_json() == []
    assert [r["id"] for r in office.get(
        "/api/v1/stock/requests?status=cancelled").get_json()] == [second]
    assert stock.check() == []


def test_bad_input_names_the_field_and_changes_nothing(api_as, dispatcher, asked, warehouse):
    office = api_as(dispatcher)
    request_id = office.get("/api/v1/stock/requests").get_json()[0]["id"]
    url = f"/api/v1/stock/requests/{request_id}/fulfil"
    no_source = office.post(url, json={"how": "send"})
    assert no_source.status_code == 422 and "warehouse_id" in no_source.get_json()["errors"]
    wrong = office.post(url, json={"how": "teleport", "warehouse_id": str(warehouse.id)})
    assert wrong.status_code == 422 and "how" in wrong.get_json()["errors"]["json"]
    assert office.get("/api/v1/stock/requests?status=lost").status_code == 422
    assert office.post(f"/api/v1/stock/requests/{uuid.uuid4()}/fulfil",
                       json={"how": "cancel"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(PartRequest, uuid.UUID(request_id)).status == "open"
    assert fieldstock.deliveries() == []


def test_technicians_use_the_phone_not_this_api(api_as, technician, asked):
    assert api_as(technician.user).get("/api/v1/stock/requests").status_code == 403
    assert api_as(technician.user).get("/api/v1/stock/deliveries").status_code == 403
