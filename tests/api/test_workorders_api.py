"""The work-order API as a dispatcher and a technician use it, and how it refuses bad input."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.workorders.models import WorkOrder, WorkOrderEvent


@pytest.fixture
def office(api_as, dispatcher):
    return api_as(dispatcher)


def order_body(customer, **extra):
    return {"channel": "phone", "type": "repair", "priority": "normal",
            "customer_id": str(customer.id), "description": "空调不制冷", **extra}


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_dispatcher_creates_an_order_with_deadlines_warranty_and_history(
        office, make_customer, make_asset):
    customer = make_customer()
    asset = make_asset(customer, warranty_days=30)
    response = office.post("/api/v1/workorders/", json=order_body(
        customer, asset_id=str(asset.id), intake_answers={"noise": "while running"}))
    assert response.status_code == 201
    body = response.get_json()
    assert body["number"].startswith(f"WO-{datetime.now(UTC).year}-")
    assert body["status"] == "new" and body["in_warranty"] is True
    assert body["asset"]["warranty_status"] == "in_warranty"
    assert body["respond_by"] < body["resolve_by"]
    assert body["customer"]["name"] == customer.name
    assert body["language"] == "zh"  # from the customer
    events = office.get(f"/api/v1/workorders/{body['id']}/events").get_json()
    assert [e["kind"] for e in events] == ["created"]


def test_order_numbers_are_sequential(office, make_customer):
    customer = make_customer()
    first = office.post("/api/v1/workorders/", json=order_body(customer)).get_json()["number"]
    second = office.post("/api/v1/workorders/", json=order_body(customer)).get_json()["number"]
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1


def test_emergency_must_be_on_site_within_two_hours(office, make_customer):
    body = office.post("/api/v1/workorders/", json=order_body(
        make_customer(), priority="emergency", description="燃气泄漏")).get_json()
    created = datetime.fromisoformat(body["created_at"])
    assert datetime.fromisoformat(body["respond_by"]) - created == timedelta(hours=2)


@pytest.mark.parametrize(("change", "field"), [
    ({"priority": "whenever"}, "priority"),          # out of the allowed values
    ({"customer_id": "not-a-uuid"}, "customer_id"),  # wrong type
    ({"surprise": 1}, "surprise"),                   # unknown field
    ({"appointment_start": "2026-11-23T09:00:00"}, "appointment_start"),  # no offset
    ({"description": "x" * 5001}, "description"),    # too long
])
def test_invalid_input_is_422_naming_the_field_and_stores_nothing(
        office, make_customer, change, field):
    customer = make_customer()
    before = count(WorkOrder)
    response = office.post("/api/v1/workorders/", json={**order_body(customer), **change})
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == 422 and body["message"] == "Unprocessable Entity"
    assert field in body["errors"]["json"]
    assert count(WorkOrder) == before


def test_missing_required_fields_are_each_named(office):
    response = office.post("/api/v1/workorders/", json={})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) >= {
        "channel", "type", "priority", "customer_id"}


def test_unknown_customer_is_422_and_nothing_is_stored(office):
    before_orders, before_events = count(WorkOrder), count(WorkOrderEvent)
    response = office.post("/api/v1/workorders/", json={
        "channel": "web", "type": "repair", "priority": "low",
        "customer_id": "00000000-0000-4000-8000-000000000000"})
    assert response.status_code == 422
    assert "customer_id" in response.get_json()["errors"]
    assert (count(WorkOrder), count(WorkOrderEvent)) == (before_orders, before_events)


def test_malformed_json_is_a_clear_400(office):
    response = office.post("/api/v1/workorders/", data="{not json",
                           headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.get_json()["code"] == response.status_code


def test_another_customers_asset_is_refused(office, make_customer, make_asset):
    mine, theirs = make_customer(), make_customer()
    response = office.post("/api/v1/workorders/", json=order_body(
        mine, asset_id=str(make_asset(theirs).id)))
    assert response.status_code == 422 and "asset_id" in response.get_json()["errors"]


def test_assignment_and_edits_are_recorded_with_the_old_value(office, make_order, technician):
    order = make_order()
    response = office.patch(f"/api/v1/workorders/{order.id}",
                            json={"assignee_id": str(technician.id), "priority": "high"})
    assert response.status_code == 200
    assert response.get_json()["assignee"]["id"] == str(technician.id)
    events = office.get(f"/api/v1/workorders/{order.id}/events").get_json()
    assigned = next(e for e in events if e["kind"] == "assigned")
    changed = next(e for e in events if e["kind"] == "field_changed")
    assert assigned["data"] == {"field": "assignee_id", "from": None, "to": str(technician.id)}
    assert changed["data"] == {"field": "priority", "from": "normal", "to": "high"}


def test_a_stale_edit_is_refused_with_what_changed(office, make_order):
    order = make_order()
    loaded = office.get(f"/api/v1/workorders/{order.id}").get_json()["version"]
    assert office.patch(f"/api/v1/workorders/{order.id}",
                        json={"priority": "high", "version": loaded}).status_code == 200
    stale = office.patch(f"/api/v1/workorders/{order.id}",
                         json={"priority": "low", "version": loaded})
    assert stale.status_code == 409
    assert stale.get_json()["reason"] == "stale" and "version" in stale.get_json()["errors"]
    assert office.get(f"/api/v1/workorders/{order.id}").get_json()["priority"] == "high"


def test_appointment_must_end_after_it_starts(office, make_order):
    order = make_order()
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    response = office.patch(f"/api/v1/workorders/{order.id}", json={
        "appointment_start": start.isoformat(),
        "appointment_end": (start - timedelta(hours=1)).isoformat()})
    assert response.status_code == 422 and "appointment_end" in response.get_json()["errors"]


def test_technician_works_the_job_through_the_state_machine(api_as, make_order, technician):
    order = make_order(status="scheduled", assignee=technician)
    phone = api_as(technician.user)
    device_time = datetime(2026, 11, 23, 9, 30, tzinfo=UTC).isoformat()
    for step in ("en_route", "on_site"):
        response = phone.post(f"/api/v1/workorders/{order.id}/transitions", json={
            "to": step, "device_time": device_time, "latitude": 31.19, "longitude": 121.44})
        assert response.status_code == 200 and response.get_json()["status"] == step
    refused = phone.post(f"/api/v1/workorders/{order.id}/transitions", json={"to": "completed"})
    assert refused.status_code == 409 and refused.get_json()["reason"] == "missing_resolution"
    phone.patch(f"/api/v1/workorders/{order.id}",
                json={"diagnosis": "Start capacitor failed", "resolution": "Replaced capacitor",
                      "root_cause": "wear_and_tear"})
    done = phone.post(f"/api/v1/workorders/{order.id}/transitions", json={"to": "completed"})
    assert done.status_code == 200 and done.get_json()["completed_at"]
    events = phone.get(f"/api/v1/workorders/{order.id}/events").get_json()
    arrived = next(e for e in events if e["to_status"] == "on_site")
    assert arrived["latitude"] == 31.19 and arrived["device_time"].startswith("2026-11-23T09:30")
    assert arrived["device_id"] is not None and arrived["actor_name"] == technician.user.name


def test_unknown_root_cause_is_refused(api_as, make_order, technician):
    order = make_order(status="on_site", assignee=technician)
    response = api_as(technician.user).patch(f"/api/v1/workorders/{order.id}",
                                             json={"root_cause": "gremlins"})
    assert response.status_code == 422 and "root_cause" in response.get_json()["errors"]["json"]


def test_a_closed_order_cannot_be_edited_until_reopened(office, make_order):
    order = make_order(status="closed")
    refused = office.patch(f"/api/v1/workorders/{order.id}", json={"priority": "high"})
    assert refused.status_code == 409
    office.post(f"/api/v1/workorders/{order.id}/transitions",
                json={"to": "reopened", "reason": "fault came back"})
    assert office.patch(f"/api/v1/workorders/{order.id}",
                        json={"priority": "high"}).status_code == 200


def test_technician_sees_only_their_orders_in_the_list(api_as, make_order, make_technician):
    mine, theirs = make_technician(), make_technician()
    own = make_order(status="scheduled", assignee=mine)
    make_order(status="scheduled", assignee=theirs)
    listed = api_as(mine.user).get("/api/v1/workorders/").get_json()
    assert [o["id"] for o in listed["items"]] == [str(own.id)] and listed["total"] == 1


def test_list_filters_and_paging(office, make_order, technician):
    make_order(priority="emergency")
    make_order(status="scheduled", assignee=technician)
    make_order(status="scheduled", assignee=technician)
    by_tech = office.get(f"/api/v1/workorders/?technician_id={technician.id}").get_json()
    assert by_tech["total"] == 2
    urgent = office.get("/api/v1/workorders/?priority=emergency").get_json()
    assert urgent["total"] >= 1 and {o["priority"] for o in urgent["items"]} == {"emergency"}
    paged = office.get("/api/v1/workorders/?per_page=1&page=2").get_json()
    assert len(paged["items"]) == 1 and paged["page"] == 2
    assert office.get("/api/v1/workorders/?per_page=1000").status_code == 422


def test_openapi_document_is_generated_from_the_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "Doorstep API"
    create = spec["paths"]["/api/v1/workorders/"]["post"]
    schema_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert set(schema["required"]) >= {"channel", "type", "priority", "customer_id"}
    assert "emergency" in schema["properties"]["priority"]["enum"]
    assert {"/api/v1/customers/", "/api/v1/assets/", "/api/v1/parts/"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
