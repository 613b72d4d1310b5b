"""The customer's "Return or exchange" on their page, the office's pages (new request,
inspection, decision, list with exports, analysis, policy) and the serial's history."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from server.audit.models import AuditEvent
from server.extensions import db
from server.portal import links
from server.returns import service
from server.returns.models import ReturnRequest
from tests import factories
from tests.api.test_console import sign_in, text
from tests.returns.conftest import receipt_png


def _page_of(order):
    return "/c/" + links.token_of(links.ensure_link(order))


def _portal_form(asset, **extra):
    return {"reason": "performance_fault", "wish": "refund",
            "purchase_date": asset.purchase_date.isoformat(),
            "description": "Makes a loud noise", **extra}


def test_the_customer_asks_on_their_page_with_a_photo_and_sees_the_state_in_chinese(
        client, dispatcher, bought):
    asset = bought(4)
    order = factories.make_order(dispatcher, customer=asset.customer, asset=asset)
    url = _page_of(order)
    page = text(client.get(url + "?lang=zh"))
    assert "申请退货或换货" in page
    r = client.post(url + "/return", data=_portal_form(asset), content_type="multipart/form-data")
    assert r.status_code == 422 and "请添加购物凭证" in text(r)
    assert db.session.scalar(select(ReturnRequest)) is None
    r = client.post(url + "/return", data=_portal_form(
        asset, proof=(io.BytesIO(b"GIF89a broken"), "receipt.gif")),
        content_type="multipart/form-data")
    assert r.status_code == 422 and db.session.scalar(select(ReturnRequest)) is None
    huge = io.BytesIO(b"\x89PNG" + b"\0" * (service.MAX_PHOTO_BYTES + 10))
    r = client.post(url + "/return", data=_portal_form(asset, proof=(huge, "big.png")),
                    content_type="multipart/form-data")
    assert r.status_code == 413 and "照片最大 10 MB。" in text(r)
    assert db.session.scalar(select(ReturnRequest)) is None
    future = (service.company_day(service.utcnow()) + timedelta(days=2)).isoformat()
    r = client.post(url + "/return", data=_portal_form(
        asset, purchase_date=future, proof=(io.BytesIO(receipt_png()), "receipt.png")),
        content_type="multipart/form-data")
    assert r.status_code == 422 and "不能晚于今天" in text(r)
    r = client.post(url + "/return", data=_portal_form(
        asset, proof=(io.BytesIO(receipt_png()), "receipt.png")),
        content_type="multipart/form-data")
    assert r.status_code == 303
    req = db.session.scalar(select(ReturnRequest))
    assert (req.channel, req.window, req.work_order_id) == ("portal", "refund", order.id)
    assert [p.kind for p in req.photos] == ["proof"]
    page = text(client.get(url))
    assert req.number in page and "已申请退换货" in page
    assert "申请退货或换货" not in page  # one request at a time


def test_the_office_takes_a_request_through_inspection_to_an_exchange(client, dispatcher,
                                                                       bought):
    asset = bought(12)
    sign_in(client, dispatcher)
    page = text(client.get(f"/customers/{asset.customer_id}?lang=en"))
    assert "Return or exchange " + asset.serial in page
    r = client.post("/returns/new", data={
        "customer_id": str(asset.customer_id), "asset_id": str(asset.id),
        "reason": "performance_fault", "wish": "exchange",
        "purchase_date": asset.purchase_date.isoformat(),
        "proof": (io.BytesIO(receipt_png()), "r.png")}, content_type="multipart/form-data")
    assert r.status_code == 303
    req = db.session.scalar(select(ReturnRequest))
    one = f"/returns/{req.id}"
    assert "Exchange window" in text(client.get(one + "?lang=en"))
    assert client.post(one + "/inspect", data={"mode": "workshop"}).status_code == 303
    r = client.post(one + "/findings", data={"finding": "nonsense"})
    assert r.status_code == 422 and "Choose one of the options." in text(r)
    r = client.post(one + "/findings", data={
        "finding": "fault_confirmed", "notes": "Compressor dead",
        "photos": [(io.BytesIO(receipt_png((1, 2, 3))), "a.png")]},
        content_type="multipart/form-data")
    assert r.status_code == 303
    page = text(client.get(one + "?lang=en"))
    assert "The policy proposes:" in page and "Fault confirmed" in page
    sha = [p.sha256 for p in req.photos if p.kind == "inspection"][0]
    assert client.get(f"{one}/photos/{sha}?size=thumb").status_code == 200
    r = client.post(one + "/decide", data={"decision": "exchange", "replacement_serial": ""})
    assert r.status_code == 422 and req.state == "inspected"
    r = client.post(one + "/decide", data={"decision": "exchange",
                                           "replacement_serial": "SN-NEW-77"})
    assert r.status_code == 303
    page = text(client.get(one + "?lang=zh"))
    assert "SN-NEW-77" in page and "换货" in page
    page = text(client.get(f"/customers/{asset.customer_id}?lang=en"))
    assert "Returned in exchange · " + req.number in page
    assert "Return or exchange " + asset.serial not in page
    assert "Return or exchange SN-NEW-77" in page
    history = text(client.get(f"/warranty/serials/{asset.serial}?lang=en"))
    assert req.number in history and "SN-NEW-77" in history
    history = text(client.get("/warranty/serials/SN-NEW-77?lang=en"))
    assert req.number in history and "Replacement unit of an exchange" in history
    # A new request for this customer offers the replacement, not the unit taken back.
    intake = text(client.get(f"/intake?customer_id={asset.customer_id}&lang=en"))
    assert "SN-NEW-77" in intake and asset.serial not in intake


def test_the_list_filters_and_exports_and_the_analysis_drills_down(client, admin, bought,
                                                                     api_as):
    api = api_as(admin)
    from tests.returns.conftest import b64
    made = []
    for days, wish in ((2, "refund"), (10, "exchange"), (500, "refund")):
        asset = bought(days)
        made.append(api.post("/api/v1/returns", json={
            "asset_id": str(asset.id), "reason": "performance_fault", "wish": wish,
            "purchase_date": asset.purchase_date.isoformat(),
            "proof_photo": b64(receipt_png())}).json)
    url = f"/api/v1/returns/{made[0]['id']}"
    api.post(f"{url}/inspect", json={"mode": "workshop"})
    api.post(f"{url}/findings", json={"finding": "fault_confirmed"})
    api.post(f"{url}/decide", json={"decision": "refund", "refund_cents": 199900})
    sign_in(client, admin)
    month = service.company_day(service.utcnow()).strftime("%Y-%m")
    page = text(client.get(f"/returns?decision=refund&month={month}&lang=en"))
    assert made[0]["number"] in page and made[1]["number"] not in page
    r = client.get(f"/returns?export=xlsx&month={month}&lang=zh")
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = list(sheet.values)
    assert len(rows) == 4 and "退款" in rows[1:][[r[0] for r in rows[1:]].index(
        made[0]["number"])]
    csv = client.get(f"/returns?export=csv&state=refused&lang=en").get_data(as_text=True)
    assert made[2]["number"] in csv and "Outside the policy" in csv
    page = text(client.get(f"/returns/analysis?month={month}&lang=en"))
    assert "¥1,999.00" in page or "1,999.00" in page
    assert f"/returns?month={month}&amp;decision=refund" in page
    assert "67 %" in page  # two of three within the policy
    r = client.get("/returns/analysis?month=2026-13&lang=en")
    assert r.status_code == 422 and "Give a month such as 2026-11." in text(r)


def test_an_admin_edits_the_policy_and_bad_values_are_refused_by_field(client, admin,
                                                                         dispatcher, api_as,
                                                                         bought):
    earlier = api_as(admin).post("/api/v1/returns", json={
        "asset_id": str(bought(20).id), "reason": "other", "wish": "exchange",
        "purchase_date": (service.company_day(service.utcnow())
                          - timedelta(days=20)).isoformat(),
        "proof_photo": __import__("base64").b64encode(receipt_png()).decode()}).json
    assert earlier["window"] == "warranty"
    sign_in(client, admin)
    form = {"refund_days": "10", "exchange_days": "5", "warranty_months": "24",
            "allow_refund_refund": "1", "allow_exchange_exchange": "1",
            "proof_required": "1"}
    r = client.post("/admin/returns-policy?lang=en", data=form)
    assert r.status_code == 422
    page = text(r)
    assert "The exchange window cannot end before the refund window." in page
    form["exchange_days"] = "30"
    r = client.post("/admin/returns-policy?lang=en", data=form)
    assert r.status_code == 422 and "Allow at least one decision in each window." in text(r)
    form["allow_warranty_repair"] = "1"
    assert client.post("/admin/returns-policy", data=form).status_code == 303
    from server.returns import policy
    assert policy.current()["exchange_days"] == 30
    assert policy.current()["allows"]["warranty"] == ["repair"]
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "settings.return_policy")) is not None
    # The new days apply to new requests; the earlier one keeps its window.
    form.pop("proof_required")
    assert client.post("/admin/returns-policy", data=form).status_code == 303
    later = api_as(admin).post("/api/v1/returns", json={
        "asset_id": str(bought(20).id), "reason": "other", "wish": "refund",
        "purchase_date": (service.company_day(service.utcnow())
                          - timedelta(days=20)).isoformat()})
    assert later.status_code == 201, later.json  # no photo needed any more
    assert (later.json["window"], later.json["allowed"]) == ("exchange",
                                                             ["exchange", "decline"])
    assert api_as(admin).get(f"/api/v1/returns/{earlier['id']}").json["window"] == "warranty"
    client.post("/logout")
    sign_in(client, dispatcher)
    assert client.get("/admin/returns-policy").status_code == 403


def test_a_request_from_the_order_page_is_linked_to_the_order_and_listed_there(
        client, dispatcher, bought):
    asset = bought(6)
    order = factories.make_order(dispatcher, customer=asset.customer, asset=asset)
    sign_in(client, dispatcher)
    page = text(client.get(f"/orders/{order.id}?lang=zh"))
    start = page.index('id="order-returns"')
    link = page[start:].split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert link.startswith("/returns/new?") and str(order.id) in link
    form = text(client.get(link))
    assert f'value="{order.id}"' in form and "购买日期（凭证上的日期）" in form
    other = factories.make_asset(asset.customer)
    r = client.post("/returns/new", data={
        "customer_id": str(asset.customer_id), "asset_id": str(other.id),
        "work_order_id": str(order.id), "reason": "other", "wish": "refund",
        "purchase_date": asset.purchase_date.isoformat(),
        "proof": (io.BytesIO(receipt_png()), "r.png")}, content_type="multipart/form-data")
    assert r.status_code == 422 and db.session.scalar(select(ReturnRequest)) is None
    r = client.post("/returns/new", data={
        "customer_id": str(asset.customer_id), "asset_id": str(asset.id),
        "work_order_id": str(order.id), "reason": "other", "wish": "refund",
        "purchase_date": asset.purchase_date.isoformat(),
        "proof": (io.BytesIO(receipt_png()), "r.png")}, content_type="multipart/form-data")
    assert r.status_code == 303
    req = db.session.scalar(select(ReturnRequest))
    assert req.work_order_id == order.id and req.window == "refund"
    page = text(client.get(f"/orders/{order.id}?lang=zh"))
    assert req.number in page and "已申请退换货" in page


def test_after_an_on_site_inspection_the_office_reads_the_technician_s_diagnosis(
        client, dispatcher, bought):
    asset = bought(8)
    request = service.create(dispatcher, asset_id=asset.id, reason="performance_fault",
                             wish="exchange", purchase_date=asset.purchase_date,
                             proof=io.BytesIO(receipt_png()))
    service.start_inspection(dispatcher, request, "on_site")
    visit = request.inspection_order
    assert (visit.type, visit.asset_id) == ("return_exchange", asset.id)
    assert request.number in visit.description
    visit.diagnosis = "Compressor seized after two days"
    sign_in(client, dispatcher)
    page = text(client.get(f"/returns/{request.id}?lang=zh"))
    assert "技师诊断" in page and "Compressor seized after two days" in page
    assert visit.number in page
    order_page = text(client.get(f"/orders/{visit.id}?lang=zh"))
    assert request.number in order_page  # the order links back to the request
