"""/api/v1/incidents: list, read, change the level, link and unlink, close."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from server.extensions import db
from server.incidents import service
from server.incidents.models import Incident

from .conftest import NOW


def _incident(burst, count=20):
    ids = burst(count)
    service.detect(NOW)
    return db.session.scalars(select(Incident)).one(), ids


def test_office_lists_and_reads_incidents(burst, api_as, dispatcher):
    incident, ids = _incident(burst)
    api = api_as(dispatcher)
    page = api.get("/api/v1/incidents/?status=open").get_json()
    assert page["total"] == 1
    [item] = page["items"]
    assert item["number"] == incident.number and item["level"] == 1
    assert item["owner"] == "regional_manager" and item["linked_orders"] == 20
    detail = api.get(f"/api/v1/incidents/{incident.id}").get_json()
    assert [d["kind"] for d in detail["deadlines"]] == ["compensation_plan"]
    assert detail["deadlines"][0]["state"] == "missed"  # NOW is in the past
    assert detail["history"][0]["cause"] == "detected"
    assert sorted(detail["order_ids"]) == sorted(str(i) for i in ids)
    assert detail["checklist"] == ["inspect_affected_units", "compensation_plan_to_customers"]


def test_a_technician_may_not_read_incidents(burst, api_as, technician):
    incident, _ = _incident(burst)
    response = api_as(technician.user).get(f"/api/v1/incidents/{incident.id}")
    assert response.status_code == 403


def test_raising_the_level_by_hand_needs_a_reason(burst, api_as, admin):
    incident, _ = _incident(burst)
    api = api_as(admin)
    refused = api.patch(f"/api/v1/incidents/{incident.id}", json={"level": 3})
    assert refused.status_code == 422
    assert "reason" in refused.get_json()["errors"]
    assert db.session.get(Incident, incident.id).level == 1
    ok = api.patch(f"/api/v1/incidents/{incident.id}",
                   json={"level": 3, "reason": "the press has the story"})
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["level"] == 3 and body["owner"] == "executive"
    assert {d["kind"] for d in body["deadlines"]} == {
        "compensation_plan", "explanation", "public_apology", "recall_plan"}
    assert body["history"][-1]["cause"] == "manual"


def test_an_unknown_level_names_the_field(burst, api_as, admin):
    incident, _ = _incident(burst)
    response = api_as(admin).patch(f"/api/v1/incidents/{incident.id}",
                                   json={"level": 7, "reason": "why not"})
    assert response.status_code == 422
    assert "level" in response.get_json()["errors"]


def test_link_and_unlink_orders(burst, api_as, admin, make_order):
    incident, ids = _incident(burst)
    extra = make_order()
    api = api_as(admin)
    body = api.patch(f"/api/v1/incidents/{incident.id}",
                     json={"link_orders": [str(extra.id)], "unlink_orders": [str(ids[0])]}
                     ).get_json()
    assert str(extra.id) in body["order_ids"] and str(ids[0]) not in body["order_ids"]


def test_linking_an_unknown_order_stores_nothing(burst, api_as, admin):
    incident, ids = _incident(burst)
    api = api_as(admin)
    response = api.patch(f"/api/v1/incidents/{incident.id}", json={
        "unlink_orders": [str(ids[0])], "link_orders": [str(uuid.uuid4())]})
    assert response.status_code == 422
    assert "link_orders" in response.get_json()["errors"]
    assert str(ids[0]) in api.get(f"/api/v1/incidents/{incident.id}").get_json()["order_ids"]


def test_an_empty_change_is_refused(burst, api_as, admin):
    incident, _ = _incident(burst)
    response = api_as(admin).patch(f"/api/v1/incidents/{incident.id}", json={})
    assert response.status_code == 422


def test_close_then_changes_are_refused(burst, api_as, admin):
    incident, _ = _incident(burst)
    api = api_as(admin)
    closed = api.patch(f"/api/v1/incidents/{incident.id}",
                       json={"status": "closed", "reason": "supplier lot replaced"})
    assert closed.get_json()["status"] == "closed"
    again = api.patch(f"/api/v1/incidents/{incident.id}", json={"level": 2, "reason": "x"})
    assert again.status_code == 409


def test_an_unknown_incident_is_404(api_as, admin):
    assert api_as(admin).get(f"/api/v1/incidents/{uuid.uuid4()}").status_code == 404
