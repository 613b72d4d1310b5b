"""The stock ledger is the truth: every movement through the API moves levels by exactly
its lines, bad input is a 4xx naming the field with nothing stored, and lines are only
ever reversed."""

import uuid

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.inventory import service as stock
from server.inventory.models import StockMovement

URL = "/api/v1/stock/movements"


def _lines():
    return db.session.scalar(select(func.count()).select_from(StockMovement))


@pytest.fixture
def office(api_as, dispatcher):
    return api_as(dispatcher)


def test_receive_transfer_scrap_and_count_move_levels_and_agree_with_the_ledger(
        office, make_part, warehouse, technician, van_of, level):
    part, van = make_part(), van_of(technician)
    assert office.post(URL, json={"kind": "receive", "part_id": str(part.id), "quantity": 10,
                                  "to_location_id": str(warehouse.id)}).status_code == 201
    assert office.post(URL, json={"kind": "transfer", "part_id": str(part.id), "quantity": 4,
                                  "from_location_id": str(warehouse.id),
                                  "to_location_id": str(van.id)}).status_code == 201
    assert office.post(URL, json={"kind": "scrap", "part_id": str(part.id), "quantity": 1,
                                  "from_location_id": str(warehouse.id),
                                  "note": "dropped"}).status_code == 201
    counted = office.post(URL, json={"kind": "count", "part_id": str(part.id),
                                     "location_id": str(van.id), "counted": 3, "expected": 4,
                                     "note": "yearly count"})
    assert counted.status_code == 201
    assert counted.json["kind"] == "adjust" and counted.json["quantity"] == 1
    assert counted.json["from_location_id"] == str(van.id)
    assert (level(warehouse, part), level(van, part)) == (5, 3)
    assert stock.check() == []

    levels = office.get(f"/api/v1/stock/levels?location={van.id}").json
    assert [(row["sku"], row["quantity"]) for row in levels] == [(part.sku, 3)]
    page = office.get(f"{URL}?part={part.id}&location={van.id}").json
    assert page["total"] == 2 and {m["kind"] for m in page["items"]} == {"transfer", "adjust"}


def test_a_transfer_from_a_location_without_the_stock_is_refused_and_stores_nothing(
        office, make_part, warehouse, technician, van_of, receive, level):
    part, van = make_part(), van_of(technician)
    receive(warehouse, part, 2)
    before = _lines()
    answer = office.post(URL, json={"kind": "transfer", "part_id": str(part.id), "quantity": 3,
                                    "from_location_id": str(warehouse.id),
                                    "to_location_id": str(van.id)})
    assert answer.status_code == 422
    assert answer.json["reason"] == "insufficient_stock"
    assert answer.json["errors"] == {"quantity": ["at most 2"]}
    assert _lines() == before and (level(warehouse, part), level(van, part)) == (2, 0)


@pytest.mark.parametrize("body, field", [
    ({"quantity": -1}, "quantity"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": 1.5}, "quantity"),
    ({"quantity": "2"}, "quantity"),
    ({"kind": "melt"}, "kind"),
    ({"to_location_id": None}, "to_location_id"),
    ({"to_location_id": str(uuid.UUID(int=7))}, "to_location_id"),
    ({"part_id": str(uuid.UUID(int=8))}, "part_id"),
    ({"unexpected": 1}, "unexpected"),
])
def test_bad_movements_get_a_4xx_naming_the_field(office, make_part, warehouse, body, field):
    part = make_part()
    payload = {"kind": "receive", "part_id": str(part.id), "quantity": 2,
               "to_location_id": str(warehouse.id), **body}
    payload = {k: v for k, v in payload.items() if v is not None}
    before = _lines()
    answer = office.post(URL, json=payload)
    assert answer.status_code in (400, 422), answer.json
    assert field in answer.json["errors"] or field in answer.json["errors"].get("json", {})
    assert _lines() == before


def test_scrap_and_count_need_a_reason_and_defective_return_needs_the_serial(
        office, make_part, warehouse, receive, make_order, dispatcher):
    part = make_part()
    receive(warehouse, part, 3)
    scrap = office.post(URL, json={"kind": "scrap", "part_id": str(part.id), "quantity": 1,
                                   "from_location_id": str(warehouse.id)})
    assert scrap.status_code == 422 and "note" in scrap.json["errors"]
    order = make_order(actor=dispatcher)
    defective = {"kind": "defective_return", "part_id": str(part.id), "quantity": 1,
                 "to_location_id": str(warehouse.id), "work_order_id": str(order.id)}
    answer = office.post(URL, json=defective)
    assert answer.status_code == 422 and "serial" in answer.json["errors"]
    answer = office.post(URL, json={**defective, "serial": "SN-FAULTY-001"})
    assert answer.status_code == 201 and answer.json["serial"] == "SN-FAULTY-001"
    found = office.get(f"{URL}?serial=SN-FAULTY-001").json
    assert [m["work_order_id"] for m in found["items"]] == [str(order.id)]


def test_a_count_that_does_not_match_what_the_counter_started_from_is_refused(
        office, make_part, warehouse, receive, level):
    part = make_part()
    receive(warehouse, part, 5)
    answer = office.post(URL, json={"kind": "count", "part_id": str(part.id),
                                    "location_id": str(warehouse.id), "counted": 4,
                                    "expected": 6, "note": "shelf count"})
    assert answer.status_code == 409 and answer.json["reason"] == "count_mismatch"
    assert level(warehouse, part) == 5


def test_a_movement_is_reversed_never_edited_and_only_once(
        office, make_part, warehouse, technician, van_of, receive, level):
    part, van = make_part(), van_of(technician)
    receive(warehouse, part, 5)
    moved = office.post(URL, json={"kind": "transfer", "part_id": str(part.id), "quantity": 2,
                                   "from_location_id": str(warehouse.id),
                                   "to_location_id": str(van.id)}).json
    back = office.post(f"{URL}/{moved['id']}/reverse", json={"note": "wrong van"})
    assert back.status_code == 201
    assert back.json["kind"] == "reversal" and back.json["reverses_id"] == moved["id"]
    assert (level(warehouse, part), level(van, part)) == (5, 0)
    again = office.post(f"{URL}/{moved['id']}/reverse", json={"note": "again"})
    assert again.status_code == 409 and again.json["reason"] == "already_reversed"
    original = db.session.get(StockMovement, uuid.UUID(moved["id"]))
    assert (original.quantity, original.from_location_id) == (2, warehouse.id)
    assert stock.check() == []


def test_technicians_read_levels_but_cannot_write_the_ledger(
        api_as, technician, make_part, warehouse):
    phone = api_as(technician.user)
    assert phone.get("/api/v1/stock/locations").status_code == 200
    assert phone.get("/api/v1/stock/levels").status_code == 200
    answer = phone.post(URL, json={"kind": "receive", "part_id": str(make_part().id),
                                   "quantity": 1, "to_location_id": str(warehouse.id)})
    assert answer.status_code == 403


def test_the_check_command_names_a_level_that_disagrees_with_its_ledger(
        app, make_part, warehouse, receive):
    part = make_part()
    receive(warehouse, part, 4)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["stock", "check"])
    assert ok.exit_code == 0 and "OK" in ok.output
    [row] = [lv for lv, _, _ in stock.levels(warehouse.id)]
    row.quantity = 9  # what a direct write, bypassing the ledger, would do
    db.session.flush()
    bad = runner.invoke(args=["stock", "check"])
    assert bad.exit_code == 1
    assert f"Central warehouse · {part.sku}: level 9, ledger 4" in bad.output
