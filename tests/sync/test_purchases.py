"""Issue 14: a parts request the warehouse cannot fill is fulfilled by a purchase from a
supplier. Ordering it tells the phone "ordered from supplier, expected <day>"; receiving it
books ``receive`` ledger lines into the warehouse and sends the requests it was raised for
to their vans (transit → the technician confirms receipt → on the van; the job returns to
the queue, protocol §4c). Over the API, as a storekeeping system would; every state change
audited; bad input a 4xx naming the field with nothing stored."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.extensions import db
from server.inventory import fieldstock
from server.inventory import service as stock
from server.inventory.models import (
    LocationKind,
    PartRequest,
    PurchaseOrder,
    StockLocation,
    StockMovement,
)


@pytest.fixture
def warehouse(dispatcher):
    location = StockLocation(kind=LocationKind.WAREHOUSE, name="Central warehouse")
    db.session.add(location)
    db.session.flush()
    return location


@pytest.fixture
def asked(phone_for, technician, job, make_part):
    """On site, the technician asked for 2 of one part and 1 of another; the warehouse has
    none of either."""
    phone = phone_for(technician)
    for to in ("en_route", "on_site"):
        phone.queue("transition", {"order_id": str(job.id), "to": to,
                                   "device_time": phone.now()})
    parts = [make_part(), make_part()]
    phone.request_part(str(job.id), str(parts[0].id), 2)
    phone.request_part(str(job.id), str(parts[1].id), 1)
    phone.sync()
    return phone, job, parts


def _level(location, part):
    rows = [lv for lv, _, _ in stock.levels(location.id) if lv.part_id == part.id]
    return rows[0].quantity if rows else 0


def test_a_request_ordered_from_a_supplier_reaches_the_van_when_received(
        api_as, dispatcher, asked, warehouse, technician):
    phone, job, (relay, fan) = asked
    office = api_as(dispatcher)
    requests = {r["sku"]: r["id"] for r in office.get("/api/v1/stock/requests").get_json()}
    # The warehouse lacks the part: sending is refused, so the storekeeper orders it.
    refused = office.post(f"/api/v1/stock/requests/{requests[relay.sku]}/fulfil",
                          json={"how": "send", "warehouse_id": str(warehouse.id)})
    assert refused.status_code == 422 and refused.get_json()["reason"] == "insufficient_stock"
    expected = date.today() + timedelta(days=3)
    created = office.post("/api/v1/stock/purchases", json={
        "supplier": "Gree parts Shanghai", "warehouse_id": str(warehouse.id),
        "request_ids": list(requests.values()),
        "lines": [{"part_id": str(relay.id), "quantity": 5, "unit_cost_cents": 1200}]})
    assert created.status_code == 201, created.get_json()
    purchase = created.get_json()
    assert purchase["status"] == "draft" and purchase["number"] == "PO-00001"
    assert sorted((line["sku"], line["quantity"]) for line in purchase["lines"]) == sorted(
        [(relay.sku, 5), (fan.sku, 1)])
    assert sorted(purchase["request_ids"]) == sorted(requests.values())
    # A draft promises nothing to the phone yet, and the queue cannot send it twice.
    phone.pull()
    assert {r["status"] for r in phone.requests_for(str(job.id))} == {"open"}
    twice = office.post(f"/api/v1/stock/requests/{requests[fan.sku]}/fulfil",
                        json={"how": "send", "warehouse_id": str(warehouse.id)})
    assert twice.status_code == 409 and twice.get_json()["reason"] == "request_on_purchase"
    # No expected day: cannot be ordered (the phone would have nothing to say).
    no_day = office.post(f"/api/v1/stock/purchases/{purchase['id']}/order", json={})
    assert no_day.status_code == 422 and "expected_on" in no_day.get_json()["errors"]
    ordered = office.post(f"/api/v1/stock/purchases/{purchase['id']}/order",
                          json={"expected_on": expected.isoformat()})
    assert ordered.status_code == 200 and ordered.get_json()["status"] == "ordered"
    phone.pull()
    assert {(r["status"], r["expected_on"]) for r in phone.requests_for(str(job.id))} == {
        ("ordered", expected.isoformat())}
    assert phone.request_state(requests[relay.sku]) == ("ordered", expected.isoformat())
    # Part of it arrives: the relay in full (its request goes to the van), no fan yet.
    lines = {line["sku"]: line["id"] for line in purchase["lines"]}
    received = office.post(f"/api/v1/stock/purchases/{purchase['id']}/receive", json={
        "lines": [{"line_id": lines[relay.sku], "quantity": 5},
                  {"line_id": lines[fan.sku], "quantity": 0}]})
    assert received.status_code == 200 and received.get_json()["status"] == "partly_received"
    assert _level(warehouse, relay) == 3  # 5 received, 2 on their way to the van
    receipts = db.session.scalars(select(StockMovement).where(
        StockMovement.reason == "receive", StockMovement.part_id == relay.id)).all()
    assert [(m.quantity, m.to_location_id) for m in receipts] == [(5, warehouse.id)]
    assert "PO-00001" in receipts[0].note
    phone.pull()
    states = {r["part_id"]: r["status"] for r in phone.requests_for(str(job.id))}
    assert states == {str(relay.id): "sent", str(fan.id): "ordered"}
    (incoming,) = phone.incoming()
    assert (incoming["part_id"], incoming["quantity"]) == (str(relay.id), 2)
    phone.confirm_receipt(incoming["id"], 2)
    phone.sync()
    assert phone.van_level(str(relay.id)) == 2
    db.session.expire_all()
    assert job.status == "awaiting_parts" and job.appointment_start is not None  # fan due
    # The rest arrives: the fan goes too; once on the van, the job is back in the queue.
    office.post(f"/api/v1/stock/purchases/{purchase['id']}/receive", json={
        "lines": [{"part_id": str(fan.id), "quantity": 1}]})
    phone.pull()
    (incoming,) = phone.incoming()
    phone.confirm_receipt(incoming["id"], 1)
    phone.sync()
    assert {r["status"] for r in phone.requests_for(str(job.id))} == {"on_van"}
    db.session.expire_all()
    assert job.appointment_start is None and job.assignee_id == technician.id
    final = office.get(f"/api/v1/stock/purchases/{purchase['id']}").get_json()
    assert final["status"] == "received"
    again = office.post(f"/api/v1/stock/purchases/{purchase['id']}/receive", json={
        "lines": [{"part_id": str(fan.id), "quantity": 1}]})
    assert again.status_code == 409 and again.get_json()["reason"] == "already_received"
    actions = sorted(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_id == purchase["id"])))
    assert actions == ["purchase.created", "purchase.ordered", "purchase.partly_received",
                       "purchase.received", "purchase.request_sent",
                       "purchase.request_sent"]
    assert stock.check() == []


def test_a_purchase_by_hand_and_its_list(api_as, dispatcher, warehouse, make_part):
    part = make_part()
    office = api_as(dispatcher)
    made = office.post("/api/v1/stock/purchases", json={
        "supplier": "Midea service parts", "warehouse_id": str(warehouse.id),
        "expected_on": date.today().isoformat(), "order": True,
        "lines": [{"part_id": str(part.id), "quantity": 4}]})
    assert made.status_code == 201 and made.get_json()["status"] == "ordered"
    assert [p["number"] for p in office.get(
        "/api/v1/stock/purchases?status=ordered").get_json()] == ["PO-00001"]
    assert office.get("/api/v1/stock/purchases?status=draft").get_json() == []
    assert [p["supplier"] for p in office.get(
        "/api/v1/stock/purchases?supplier=midea").get_json()] == ["Midea service parts"]
    cancelled = office.post(f"/api/v1/stock/purchases/{made.get_json()['id']}/cancel",
                            json={"reason": "found elsewhere"})
    assert cancelled.get_json()["status"] == "cancelled"
    late = office.post(f"/api/v1/stock/purchases/{made.get_json()['id']}/receive",
                       json={"lines": [{"part_id": str(part.id), "quantity": 4}]})
    assert late.status_code == 409 and late.get_json()["reason"] == "purchase_not_open"
    assert _level(warehouse, part) == 0


def test_a_purchase_closed_short_hands_its_requests_back_to_the_queue(
        api_as, dispatcher, asked, warehouse):
    phone, job, (relay, fan) = asked
    office = api_as(dispatcher)
    ids = [r["id"] for r in office.get("/api/v1/stock/requests").get_json()]
    purchase = office.post("/api/v1/stock/purchases", json={
        "supplier": "Gree", "warehouse_id": str(warehouse.id), "request_ids": ids,
        "expected_on": date.today().isoformat(), "order": True}).get_json()
    office.post(f"/api/v1/stock/purchases/{purchase['id']}/receive", json={
        "lines": [{"part_id": str(relay.id), "quantity": 2}]})
    closed = office.post(f"/api/v1/stock/purchases/{purchase['id']}/close", json={})
    assert closed.get_json()["status"] == "closed"
    queue = office.get("/api/v1/stock/requests").get_json()
    assert [(r["sku"], r["status"], r["expected_on"], r["purchase_id"]) for r in queue] == [
        (fan.sku, "open", None, None)]


@pytest.mark.parametrize("body, field", [
    ({"supplier": "", "lines": [{"part_id": "PART", "quantity": 1}]}, "supplier"),
    ({"supplier": "S", "lines": []}, "lines"),
    ({"supplier": "S", "lines": [{"part_id": "PART", "quantity": 0}]}, "lines"),
    ({"supplier": "S", "lines": [{"part_id": "PART", "quantity": 1.5}]}, "lines"),
    ({"supplier": "S", "lines": [{"part_id": "PART", "quantity": -2}]}, "lines"),
    ({"supplier": "S", "lines": [{"part_id": str(uuid.UUID(int=7)), "quantity": 1}]},
     "lines"),
    ({"supplier": "S", "request_ids": [str(uuid.UUID(int=7))]}, "request_ids"),
    ({"supplier": "S", "expected_on": "31/12/2026",
      "lines": [{"part_id": "PART", "quantity": 1}]}, "expected_on"),
])
def test_a_bad_purchase_is_a_4xx_naming_the_field_and_nothing_is_stored(
        api_as, dispatcher, warehouse, make_part, body, field):
    part = make_part()
    db.session.commit()
    body = dict(body, warehouse_id=str(warehouse.id))
    for line in body.get("lines", []):
        if line["part_id"] == "PART":
            line["part_id"] = str(part.id)
    answer = api_as(dispatcher).post("/api/v1/stock/purchases", json=body)
    assert answer.status_code in (400, 422), answer.get_json()
    errors = answer.get_json()["errors"]
    assert field in errors.get("json", errors)
    assert db.session.scalar(select(func.count()).select_from(PurchaseOrder)) == 0


def test_receiving_more_than_outstanding_is_refused_and_nothing_is_booked(
        api_as, dispatcher, warehouse, make_part):
    part, other = make_part(), make_part()
    office = api_as(dispatcher)
    purchase = office.post("/api/v1/stock/purchases", json={
        "supplier": "S", "warehouse_id": str(warehouse.id), "order": True,
        "expected_on": date.today().isoformat(),
        "lines": [{"part_id": str(part.id), "quantity": 3},
                  {"part_id": str(other.id), "quantity": 2}]}).get_json()
    url = f"/api/v1/stock/purchases/{purchase['id']}/receive"
    too_many = office.post(url, json={"lines": [{"part_id": str(part.id), "quantity": 3},
                                                {"part_id": str(other.id), "quantity": 9}]})
    assert too_many.status_code == 422
    assert too_many.get_json()["errors"] == {"lines": {"1": {"quantity": ["at most 2"]}}}
    stranger = office.post(url, json={"lines": [{"part_id": str(uuid.uuid4()),
                                                 "quantity": 1}]})
    assert stranger.status_code == 422 and "lines" in stranger.get_json()["errors"]
    fraction = office.post(url, json={"lines": [{"part_id": str(part.id), "quantity": 0.5}]})
    assert fraction.status_code == 422
    nothing = office.post(url, json={"lines": [{"part_id": str(part.id), "quantity": 0}]})
    assert nothing.status_code == 422 and "lines" in nothing.get_json()["errors"]
    assert (_level(warehouse, part), _level(warehouse, other)) == (0, 0)
    db.session.expire_all()
    assert db.session.get(PurchaseOrder, uuid.UUID(purchase["id"])).status == "ordered"
    assert api_as(dispatcher).get(
        f"/api/v1/stock/purchases/{uuid.uuid4()}").status_code == 404


def test_requests_already_dealt_with_cannot_be_ordered(api_as, dispatcher, asked, warehouse):
    phone, job, (relay, fan) = asked
    office = api_as(dispatcher)
    first, second = (r["id"] for r in office.get("/api/v1/stock/requests").get_json())
    office.post(f"/api/v1/stock/requests/{first}/fulfil", json={"how": "cancel"})
    answer = office.post("/api/v1/stock/purchases", json={
        "supplier": "S", "warehouse_id": str(warehouse.id), "request_ids": [second, first]})
    assert answer.status_code == 409 and answer.get_json()["reason"] == "request_not_open"
    assert "request_ids" in answer.get_json()["errors"]
    db.session.expire_all()
    assert db.session.get(PartRequest, uuid.UUID(second)).purchase_id is None
    assert fieldstock.requests() and db.session.scalar(
        select(func.count()).select_from(PurchaseOrder)) == 0


def test_a_request_whose_arrived_stock_is_reserved_elsewhere_goes_back_to_the_queue(
        api_as, dispatcher, asked, warehouse, make_order):
    """Another job's reservation still counts on stock a scrap took: what the purchase
    brings covers that reservation first, so the request is not sent and returns to the
    office's queue rather than blocking the receipt."""
    phone, job, (relay, fan) = asked
    other = make_order(actor=dispatcher)
    stock.record_movement("receive", relay, 2, dispatcher.id, target=warehouse)
    fieldstock.reserve(dispatcher.id, warehouse, relay, other, 2)
    stock.record_movement("scrap", relay, 2, dispatcher.id, source=warehouse, note="dropped")
    db.session.commit()
    office = api_as(dispatcher)
    relay_request = next(r["id"] for r in office.get("/api/v1/stock/requests").get_json()
                         if r["sku"] == relay.sku)
    purchase = office.post("/api/v1/stock/purchases", json={
        "supplier": "Gree", "warehouse_id": str(warehouse.id), "request_ids": [relay_request],
        "expected_on": date.today().isoformat(), "order": True}).get_json()
    received = office.post(f"/api/v1/stock/purchases/{purchase['id']}/receive", json={
        "lines": [{"part_id": str(relay.id), "quantity": 2}]})
    assert received.status_code == 200 and received.get_json()["status"] == "received"
    assert _level(warehouse, relay) == 2 and fieldstock.deliveries() == []
    back = [r for r in office.get("/api/v1/stock/requests").get_json()
            if r["id"] == relay_request]
    assert [(r["status"], r["purchase_id"], r["expected_on"]) for r in back] == [
        ("open", None, None)]
    assert "purchase.request_back_to_queue" in db.session.scalars(select(AuditEvent.action))
