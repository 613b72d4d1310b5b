"""/api/v1/returns as the office uses it: a request checked against the policy, an
inspection, a decision; bad input names its field and stores nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from server.assets.models import Asset
from server.audit.models import AuditEvent
from server.extensions import db
from server.media.models import Blob
from server.returns import service
from server.returns.models import ReturnPhoto, ReturnRequest
from server.workorders.models import WorkOrder
from tests.returns.conftest import b64, receipt_png


def _ask(api, asset, days_ago=None, **extra):
    today = service.company_day(service.utcnow())
    body = {"asset_id": str(asset.id), "reason": "performance_fault", "wish": "exchange",
            "purchase_date": (today - timedelta(days=days_ago)).isoformat()
            if days_ago is not None else asset.purchase_date.isoformat(),
            "proof_photo": b64(receipt_png()), **extra}
    return api.post("/api/v1/returns", json=body)


def test_an_exchange_within_fifteen_days_from_request_to_replacement(api_as, dispatcher,
                                                                       bought):
    asset = bought(10)
    api = api_as(dispatcher)
    r = _ask(api, asset)
    assert r.status_code == 201, r.json
    req = r.json
    assert (req["state"], req["window"], req["days_since_purchase"]) == ("requested",
                                                                         "exchange", 10)
    assert req["allowed"] == ["exchange", "repair", "decline"]
    assert [p["kind"] for p in req["photos"]] == ["proof"]
    url = f"/api/v1/returns/{req['id']}"
    r = api.post(f"{url}/inspect", json={"mode": "on_site"})
    assert r.status_code == 200 and r.json["state"] == "inspecting"
    order = db.session.get(WorkOrder, uuid.UUID(r.json["inspection_order_id"]))
    assert (order.type, order.asset_id) == ("return_exchange", asset.id)
    r = api.post(f"{url}/findings", json={"finding": "fault_confirmed", "notes": "No cooling",
                                          "photos": [b64(receipt_png((10, 10, 10)))]})
    assert r.status_code == 200 and r.json["proposed"] == "exchange"
    r = api.post(f"{url}/decide", json={"decision": "exchange"})
    assert r.status_code == 422 and "replacement_serial" in r.json["errors"]
    r = api.post(f"{url}/decide", json={"decision": "exchange",
                                        "replacement_serial": "NEW-0001"})
    assert r.status_code == 200, r.json
    assert r.json["state"] == "decided" and r.json["replacement_serial"] == "NEW-0001"
    new = db.session.get(Asset, uuid.UUID(r.json["replacement_asset_id"]))
    assert (new.customer_id, new.model, new.purchase_date) == (
        asset.customer_id, asset.model, service.company_day(service.utcnow()))
    assert service.exchanged(asset.id).number == req["number"]
    listed = api.get("/api/v1/returns", query_string={"decision": "exchange"}).json
    assert [i["number"] for i in listed["items"]] == [req["number"]]
    trail = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_id == req["id"]).order_by(AuditEvent.created_at, AuditEvent.id)).all()
    assert sorted(trail) == sorted(["return_request.requested", "return_request.inspecting",
                                    "return_request.inspected", "return_request.decided"])
    history = api.get("/api/v1/serials/history", query_string={"serial": "NEW-0001"}).json
    assert [(e["kind"], e["number"], e["other_serial"]) for e in history["entries"]] == [
        ("exchange_replacement", req["number"], asset.serial)]
    history = api.get("/api/v1/serials/history", query_string={"serial": asset.serial}).json
    assert ("return_request", "exchange", "NEW-0001") in [
        (e["kind"], e["detail"], e["other_serial"]) for e in history["entries"]]
    again = _ask(api, asset)
    assert again.status_code == 409 and again.json["reason"] == "already_exchanged"


def test_outside_every_window_is_refused_in_words_and_a_manager_may_accept_goodwill(
        app, api_as, dispatcher, admin, bought):
    asset = bought(400, warranty_days=365)
    r = _ask(api_as(dispatcher), asset)
    assert r.status_code == 201 and (r.json["state"], r.json["window"]) == ("refused", None)
    req = db.session.get(ReturnRequest, uuid.UUID(r.json["id"]))
    with app.test_request_context(), force_locale("zh"):
        assert "400 天前购买" in service.refusal(req)
    with app.test_request_context(), force_locale("en"):
        assert service.refusal(req).startswith("Bought 400 days ago: refunds are accepted "
                                               "within 7 days, exchanges within 15 days")
    url = f"/api/v1/returns/{req.id}/goodwill"
    r = api_as(dispatcher).post(url, json={"reason": "Loyal customer"})
    assert r.status_code == 403 and "goodwill" in r.json["errors"]
    r = api_as(admin).post(url, json={"reason": "Loyal customer"})
    assert r.status_code == 200 and r.json["goodwill"] and r.json["state"] == "requested"
    assert r.json["allowed"] == ["refund", "exchange", "repair", "decline"]


def test_a_manager_may_depart_from_the_proposal_with_a_reason_a_dispatcher_may_not(
        api_as, dispatcher, admin, bought):
    asset = bought(3)
    api = api_as(dispatcher)
    req = _ask(api, asset, wish="refund").json
    url = f"/api/v1/returns/{req['id']}"
    api.post(f"{url}/inspect", json={"mode": "workshop"})
    r = api.post(f"{url}/findings", json={"finding": "misuse"})
    assert r.json["proposed"] == "decline"
    r = api.post(f"{url}/decide", json={"decision": "repair", "reason": "Kind"})
    assert r.status_code == 403 and "decision" in r.json["errors"]
    r = api_as(admin).post(f"{url}/decide", json={"decision": "repair"})
    assert r.status_code == 422 and "reason" in r.json["errors"]
    r = api_as(admin).post(f"{url}/decide", json={"decision": "repair",
                                                  "reason": "Customer of 20 years"})
    assert r.status_code == 200 and r.json["decision"] == "repair"
    repair = db.session.get(WorkOrder, uuid.UUID(r.json["repair_order_id"]))
    assert (repair.type, repair.asset_id) == ("repair", asset.id)


def test_a_refund_records_the_amount_and_a_decision_outside_the_window_is_refused(
        api_as, dispatcher, admin, bought):
    api = api_as(dispatcher)
    req = _ask(api, bought(5), wish="refund").json
    url = f"/api/v1/returns/{req['id']}"
    api.post(f"{url}/inspect", json={"mode": "workshop"})
    assert api.post(f"{url}/findings", json={"finding": "fault_confirmed"}).json[
        "proposed"] == "refund"
    r = api.post(f"{url}/decide", json={"decision": "refund", "refund_cents": 0})
    assert r.status_code == 422 and "refund_cents" in str(r.json["errors"])
    r = api.post(f"{url}/decide", json={"decision": "refund", "refund_cents": 329900})
    assert r.status_code == 200 and r.json["refund_cents"] == 329900
    # A warranty-window request may only be repaired (or declined), even by a manager.
    late = _ask(api, bought(100), wish="refund").json
    assert late["window"] == "warranty" and late["allowed"] == ["repair", "decline"]
    url = f"/api/v1/returns/{late['id']}"
    api.post(f"{url}/inspect", json={"mode": "workshop"})
    assert api.post(f"{url}/findings", json={"finding": "fault_confirmed"}).json[
        "proposed"] == "repair"
    r = api_as(admin).post(f"{url}/decide", json={"decision": "refund", "reason": "x",
                                                  "refund_cents": 100})
    assert r.status_code == 422 and "decision" in r.json["errors"]
    assert db.session.get(ReturnRequest, uuid.UUID(late["id"])).state == "inspected"


def test_bad_input_names_the_field_and_stores_nothing(api_as, dispatcher, technician, bought):
    asset = bought(2)
    api = api_as(dispatcher)
    future = service.company_day(service.utcnow()) + timedelta(days=1)
    r = _ask(api, asset, purchase_date=future.isoformat())
    assert r.status_code == 422 and "purchase_date" in r.json["errors"]
    r = _ask(api, asset, proof_photo=None)
    assert r.status_code == 422 and "proof" in r.json["errors"]
    r = _ask(api, asset, proof_photo=b64(b"\x89PNG\r\n\x1a\nnot really a png"))
    assert r.status_code == 422 and "proof" in r.json["errors"]
    r = _ask(api, asset, proof_photo="%%%not base64")
    assert r.status_code == 422 and "proof_photo" in r.json["errors"]["json"]
    r = _ask(api, asset, proof_photo="A" * (service.MAX_PHOTO_BYTES * 2))
    assert r.status_code in (413, 422) and "proof_photo" in str(r.json["errors"])
    r = _ask(api, asset, reason="bored")
    assert r.status_code == 422 and "reason" in r.json["errors"]["json"]
    r = _ask(api_as(technician.user), asset)
    assert r.status_code == 403
    assert db.session.scalar(select(ReturnRequest)) is None
    assert db.session.scalar(select(ReturnPhoto)) is None
    assert db.session.scalar(select(Blob)) is None
    r = _ask(api, asset)
    assert r.status_code == 201
    r = _ask(api, asset)
    assert r.status_code == 409 and r.json["reason"] == "return_open"
