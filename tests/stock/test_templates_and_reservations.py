"""Min/max templates edited and deleted (console and API, one service function each),
and reservations over the API. Editing moves the values a template wrote on vans; deleting
one in use first says which vans it affects; every change is audited."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from server.audit.models import AuditEvent
from server.extensions import db
from server.inventory import fieldstock
from server.inventory import service as stock
from server.inventory.models import MinMaxTemplate, PartRequest, StockLevel
from tests.factories import PASSWORD, walk_to


@pytest.fixture
def office(client, dispatcher):
    assert client.post("/login", data={"email": dispatcher.email,
                                       "password": PASSWORD}).status_code == 302
    return client


def _rule(van, part):
    db.session.expire_all()
    level = db.session.scalar(select(StockLevel).where(
        StockLevel.location_id == van.id, StockLevel.part_id == part.id))
    return (level.min_quantity, level.max_quantity) if level else None


def _actions(template_id) -> list[str]:
    return sorted(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_id == str(template_id))))


@pytest.fixture
def applied(make_technician, make_part, van_of, dispatcher):
    """A Shanghai template with two parts applied to two vans; a Beijing van outside it."""
    first, second = make_part(), make_part()
    techs = [make_technician(region="Shanghai"), make_technician(region="Shanghai"),
             make_technician(region="Beijing")]
    template = fieldstock.save_template("Shanghai vans", "Shanghai", None, [
        {"part_id": first.id, "min_quantity": 2, "max_quantity": 6},
        {"part_id": second.id, "min_quantity": 1, "max_quantity": 3}], actor=dispatcher)
    fieldstock.apply_template(template, dispatcher)
    db.session.commit()
    return template, first, second, [van_of(t) for t in techs]


def test_editing_a_template_in_the_console_moves_the_values_it_wrote(
        office, applied, dispatcher):
    template, first, second, (van_a, van_b, beijing) = applied
    form = office.get(f"/stock/templates/{template.id}/edit").get_data(as_text=True)
    assert f"{first.sku} 2 6" in form and "wrote 4 min/max values" in form
    saved = office.post(f"/stock/templates/{template.id}/edit", data={
        "name": "Shanghai vans", "for": "region", "region": "Shanghai",
        "lines": f"{first.sku} 3 8\n"})
    assert saved.status_code == 302
    # The kept part follows the new values; the part taken out loses the template's value.
    assert (_rule(van_a, first), _rule(van_b, first)) == ((3, 8), (3, 8))
    assert (_rule(van_a, second), _rule(van_b, second)) == ((None, None), (None, None))
    assert _rule(beijing, first) is None
    assert _actions(template.id) == ["stock_template.applied", "stock_template.created",
                                     "stock_template.edited"]
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "stock_template.edited"))
    assert (event.data["updated"], event.data["cleared"]) == (2, 2)
    assert event.actor_id == dispatcher.id


def test_a_bad_edit_is_refused_naming_the_line_and_nothing_changes(office, applied):
    template, first, second, (van_a, _b, _c) = applied
    answer = office.post(f"/stock/templates/{template.id}/edit", data={
        "name": "Shanghai vans", "for": "region", "region": "Shanghai",
        "lines": f"{first.sku} 9 2\n"})
    assert answer.status_code == 200
    assert "The max must be at least the min" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert [(line.min_quantity, line.max_quantity) for line in
            db.session.get(MinMaxTemplate, template.id).lines] == [(2, 6), (1, 3)] or \
        sorted((line.min_quantity, line.max_quantity) for line in
               db.session.get(MinMaxTemplate, template.id).lines) == [(1, 3), (2, 6)]
    assert _rule(van_a, first) == (2, 6)


def test_deleting_a_template_in_use_says_which_vans_it_clears_first(
        office, applied, van_of, make_technician):
    template, first, _second, (van_a, van_b, _beijing) = applied
    stock.set_rule(van_a, first, 0, 1)  # now van A's own value: a delete never touches it
    db.session.commit()
    page = office.get(f"/stock/templates/{template.id}/delete").get_data(as_text=True)
    assert "This template set 3 min/max values on 2 vans" in page
    assert van_a.name in page and van_b.name in page
    done = office.post(f"/stock/templates/{template.id}/delete")
    assert done.status_code == 302
    listed = office.get(done.headers["Location"]).get_data(as_text=True)
    assert "Template Shanghai vans deleted; values cleared on 2 vans." in listed
    assert db.session.get(MinMaxTemplate, template.id) is None
    assert (_rule(van_a, first), _rule(van_b, first)) == ((0, 1), (None, None))
    assert "stock_template.deleted" in _actions(template.id)


def test_the_template_pages_read_in_chinese(office, applied, dispatcher):
    template = applied[0]
    dispatcher.locale = "zh"
    db.session.commit()
    edit = office.get(f"/stock/templates/{template.id}/edit").get_data(as_text=True)
    delete = office.get(f"/stock/templates/{template.id}/delete").get_data(as_text=True)
    assert "编辑模板" in edit and "删除模板" in delete and "清除" in delete


def test_templates_over_the_api(api_as, dispatcher, make_part, make_technician, van_of):
    part, other = make_part(), make_part()
    van = van_of(make_technician(skills=["repair"]))
    db.session.commit()
    office = api_as(dispatcher)
    created = office.post("/api/v1/stock/templates", json={
        "name": "Repairers", "skill": "repair",
        "lines": [{"part_id": str(part.id), "min_quantity": 1, "max_quantity": 4}]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["skill"], body["region"], body["lines"][0]["sku"]) == (
        "repair", None, part.sku)
    template_id = body["id"]
    fieldstock.apply_template(db.session.get(MinMaxTemplate, uuid.UUID(template_id)))
    db.session.commit()
    assert [t["name"] for t in office.get("/api/v1/stock/templates").get_json()] == [
        "Repairers"]
    updated = office.put(f"/api/v1/stock/templates/{template_id}", json={
        "name": "Repairers", "skill": "repair",
        "lines": [{"part_id": str(part.id), "min_quantity": 2, "max_quantity": 5},
                  {"part_id": str(other.id), "min_quantity": 0, "max_quantity": 2}]})
    assert updated.status_code == 200 and len(updated.get_json()["lines"]) == 2
    assert _rule(van, part) == (2, 5)
    # In use: refused until confirmed, saying what it affects.
    refused = office.delete(f"/api/v1/stock/templates/{template_id}")
    assert refused.status_code == 409
    assert refused.get_json()["reason"] == "template_in_use"
    assert "confirm" in refused.get_json()["errors"]
    deleted = office.delete(f"/api/v1/stock/templates/{template_id}?confirm=true")
    assert deleted.status_code == 200
    assert deleted.get_json() == {"vans": [van.name], "values": 1}
    assert _rule(van, part) == (None, None)
    assert office.get(f"/api/v1/stock/templates/{template_id}").status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"name": "X", "region": "Shanghai", "skill": "repair", "lines": "P"}, "lines"),
    ({"name": "", "region": "Shanghai", "lines": []}, "name"),
    ({"name": "X", "region": "Shanghai", "skill": "repair",
      "lines": [{"part_id": "PART", "min_quantity": 1, "max_quantity": 2}]}, "region"),
    ({"name": "X", "region": "Shanghai",
      "lines": [{"part_id": str(uuid.uuid4()), "min_quantity": 1, "max_quantity": 2}]},
     "lines"),
    ({"name": "X", "region": "Shanghai",
      "lines": [{"part_id": "PART", "min_quantity": 1.5, "max_quantity": 2}]}, "lines"),
    ({"name": "X", "region": "Shanghai",
      "lines": [{"part_id": "PART", "min_quantity": 3, "max_quantity": 2}]}, "lines"),
])
def test_a_bad_template_over_the_api_is_a_4xx_naming_the_field(api_as, dispatcher, make_part,
                                                                body, field):
    part = make_part()
    db.session.commit()
    if isinstance(body["lines"], list):
        for line in body["lines"]:
            if line["part_id"] == "PART":
                line["part_id"] = str(part.id)
    answer = api_as(dispatcher).post("/api/v1/stock/templates", json=body)
    assert answer.status_code in (400, 422), answer.get_json()
    assert field in answer.get_json()["errors"].get("json", answer.get_json()["errors"])
    assert fieldstock.templates() == []


def test_reservations_over_the_api_with_filters(api_as, dispatcher, technician, make_order,
                                                make_part, warehouse, receive):
    part, other = make_part(), make_part()
    receive(warehouse, part, 5)
    receive(warehouse, other, 5)
    order = make_order(actor=dispatcher)
    second = make_order(actor=dispatcher)
    walk_to(order, "on_site", dispatcher, technician)
    kept = fieldstock.reserve(dispatcher.id, warehouse, part, order, 2)
    fieldstock.reserve(dispatcher.id, warehouse, other, second, 1)
    ended = fieldstock.reserve(dispatcher.id, warehouse, other, order, 1)
    fieldstock.release(ended)
    db.session.commit()
    office = api_as(dispatcher)
    everything = office.get("/api/v1/stock/reservations").get_json()
    assert sorted((r["quantity"], r["status"]) for r in everything) == [
        (1, "active"), (2, "active")]
    mine = office.get(f"/api/v1/stock/reservations?work_order={order.id}").get_json()
    assert [(r["id"], r["part_id"]) for r in mine] == [(str(kept.id), str(part.id))]
    assert [r["quantity"] for r in office.get(
        f"/api/v1/stock/reservations?part={other.id}&location={warehouse.id}").get_json()] == [1]
    assert [r["id"] for r in office.get(
        "/api/v1/stock/reservations?status=released").get_json()] == [str(ended.id)]
    bad = office.get("/api/v1/stock/reservations?status=lost")
    assert bad.status_code == 422 and "status" in bad.get_json()["errors"]["query"]
    assert api_as(technician.user).get("/api/v1/stock/reservations").status_code == 403
