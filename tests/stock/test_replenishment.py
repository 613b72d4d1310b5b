"""Van replenishment: min/max per part per van, a daily proposal that restores every van
below its min to its max from the warehouse, confirmed by the storekeeper in whole or in
part, all or nothing."""

import pytest

from server.inventory import fieldstock
from server.inventory import service as stock

URL = "/api/v1/stock/replenishment"


@pytest.fixture
def office(api_as, dispatcher):
    return api_as(dispatcher)


@pytest.fixture
def two_vans(make_technician, van_of):
    return van_of(make_technician()), van_of(make_technician())


def _rule(office, van, part, low, high):
    answer = office.put("/api/v1/stock/rules", json={
        "location_id": str(van.id), "part_id": str(part.id),
        "min_quantity": low, "max_quantity": high})
    assert answer.status_code == 200, answer.json
    return answer


def test_the_proposal_restores_each_van_below_its_min_to_its_max(
        office, make_part, warehouse, two_vans, receive, dispatcher):
    part, (first, second) = make_part(), two_vans
    receive(warehouse, part, 20)
    receive(first, part, 1)
    receive(second, part, 3)
    _rule(office, first, part, 2, 6)
    _rule(office, second, part, 2, 6)  # at 3, above its min: not proposed
    lines = office.get(f"{URL}?warehouse={warehouse.id}").json
    assert [(line["van_id"], line["quantity"], line["short"]) for line in lines] == [
        (str(first.id), 5, 0)]


def test_the_warehouse_is_shared_emptiest_van_first_and_the_rest_is_short(
        office, make_part, warehouse, two_vans, receive):
    part, (first, second) = make_part(), two_vans
    receive(warehouse, part, 7)
    receive(second, part, 1)
    _rule(office, first, part, 2, 5)
    _rule(office, second, part, 2, 5)
    lines = {line["van_id"]: line for line in office.get(f"{URL}?warehouse={warehouse.id}").json}
    assert (lines[str(first.id)]["quantity"], lines[str(first.id)]["short"]) == (5, 0)
    assert (lines[str(second.id)]["quantity"], lines[str(second.id)]["short"]) == (2, 2)


def test_confirming_in_part_transfers_only_the_confirmed_lines(
        office, make_part, warehouse, two_vans, receive, level):
    part, (first, second) = make_part(), two_vans
    receive(warehouse, part, 20)
    _rule(office, first, part, 1, 4)
    _rule(office, second, part, 1, 4)
    answer = office.post(URL, json={"warehouse_id": str(warehouse.id), "lines": [
        {"van_id": str(first.id), "part_id": str(part.id), "quantity": 3}]})
    assert answer.status_code == 201 and answer.json[0]["kind"] == "transfer"
    # The three wait in transit until the technician confirms receipt; the proposal
    # counts them as on their way to the first van.
    assert (level(warehouse, part), level(first, part), level(second, part)) == (17, 0, 0)
    assert level(fieldstock.transit(), part) == 3
    lines = office.get(f"{URL}?warehouse={warehouse.id}").json
    assert [line["van_id"] for line in lines] == [str(second.id)]
    assert stock.check() == []


def test_a_confirmation_the_warehouse_cannot_cover_is_refused_whole(
        office, make_part, warehouse, two_vans, receive, level):
    part, (first, second) = make_part(), two_vans
    receive(warehouse, part, 4)
    answer = office.post(URL, json={"warehouse_id": str(warehouse.id), "lines": [
        {"van_id": str(first.id), "part_id": str(part.id), "quantity": 3},
        {"van_id": str(second.id), "part_id": str(part.id), "quantity": 3}]})
    assert answer.status_code == 422 and answer.json["reason"] == "insufficient_stock"
    assert answer.json["errors"] == {"lines": {"1": {"quantity": ["at most 1"]}}}
    assert (level(warehouse, part), level(first, part), level(second, part)) == (4, 0, 0)


def test_a_rule_is_for_a_van_with_a_max_at_least_its_min(office, make_part, warehouse, two_vans):
    part = make_part()
    answer = office.put("/api/v1/stock/rules", json={
        "location_id": str(warehouse.id), "part_id": str(part.id),
        "min_quantity": 1, "max_quantity": 3})
    assert answer.status_code == 422 and "location_id" in answer.json["errors"]
    answer = office.put("/api/v1/stock/rules", json={
        "location_id": str(two_vans[0].id), "part_id": str(part.id),
        "min_quantity": 5, "max_quantity": 3})
    assert answer.status_code == 422 and "max_quantity" in answer.json["errors"]
