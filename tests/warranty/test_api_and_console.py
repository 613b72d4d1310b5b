"""/api/v1/warranty and /api/v1/serials, and the console's warranty pages, as the office
uses them."""

from __future__ import annotations

import io
import uuid

from openpyxl import load_workbook
from sqlalchemy import select

from server.extensions import db
from server.warranty import service
from server.warranty.models import SupplierReturn, WarrantyClaim
from tests.api.test_console import sign_in, text


def test_a_claim_over_the_api_from_draft_to_credited(api_as, dispatcher, warranty_job):
    order, _, _ = warranty_job(serials=("API-F-1",))
    api = api_as(dispatcher)
    r = api.post("/api/v1/warranty/claims", json={"work_order_id": str(order.id)})
    assert r.status_code == 201, r.json
    claim = r.json
    assert claim["lines"][0]["faulty_serial"] == "API-F-1" and claim["state"] == "draft"
    again = api.post("/api/v1/warranty/claims", json={"work_order_id": str(order.id)})
    assert again.status_code == 409 and again.json["reason"] == "claim_exists"
    url = f"/api/v1/warranty/claims/{claim['id']}"
    r = api.patch(url, json={"labour_cents": 1.5})
    assert r.status_code == 422 and "labour_cents" in r.json["errors"]["json"]
    r = api.patch(url, json={"lines": [{"id": claim["lines"][0]["id"],
                                        "replacement_serial": "API-R-1"}]})
    assert r.status_code == 200 and r.json["lines"][0]["replacement_serial"] == "API-R-1"
    for state in ("submitted", "accepted"):
        assert api.post(f"{url}/state", json={"state": state}).status_code == 200
    r = api.post(f"{url}/state", json={"state": "credited"})
    assert r.status_code == 422 and "credited_cents" in r.json["errors"]
    r = api.post(f"{url}/state", json={"state": "credited", "credited_cents": 9000})
    assert r.status_code == 200 and r.json["credited_cents"] == 9000
    listed = api.get("/api/v1/warranty/claims?state=credited").json
    assert [c["number"] for c in listed["items"]] == [claim["number"]]
    r = api.get("/api/v1/serials/history", query_string={"serial": "API-R-1"})
    assert [(e["kind"], e["detail"]) for e in r.json["entries"]] == [("claim_part",
                                                                      "replacement")]


def test_bad_input_names_the_field_and_stores_nothing(api_as, dispatcher, warranty_job):
    order, _, _ = warranty_job(status="on_site")
    api = api_as(dispatcher)
    r = api.post("/api/v1/warranty/claims", json={"work_order_id": str(order.id)})
    assert r.status_code == 422 and "work_order_id" in str(r.json["errors"])
    r = api.post("/api/v1/warranty/claims", json={"work_order_id": "nope"})
    assert r.status_code == 422 and "work_order_id" in str(r.json["errors"])
    r = api.post("/api/v1/warranty/returns", json={"rma_number": "RMA-X", "supplier": "Gree",
                                                   "movement_ids": [str(uuid.uuid4())]})
    assert r.status_code == 422 and "movement_ids" in str(r.json["errors"])
    r = api.get("/api/v1/serials/history")
    assert r.status_code == 422 and "serial" in str(r.json["errors"])
    assert db.session.scalar(select(WarrantyClaim)) is None
    assert db.session.scalar(select(SupplierReturn)) is None


def test_a_return_over_the_api(api_as, dispatcher, warranty_job):
    warranty_job(serials=("R-1", "R-2"), quantity=2)
    api = api_as(dispatcher)
    awaiting = api.get("/api/v1/warranty/returns/awaiting").json
    assert sorted(u["serial"] for u in awaiting) == ["R-1", "R-2"]
    r = api.post("/api/v1/warranty/returns", json={
        "rma_number": "RMA-77", "supplier": "Gree", "movement_ids": [u["id"] for u in awaiting]})
    assert r.status_code == 201, r.json
    url = f"/api/v1/warranty/returns/{r.json['id']}/state"
    r = api.post(url, json={"state": "shipped"})
    assert r.status_code == 200 and all(line["shipped_movement_id"] for line in r.json["lines"])
    assert api.get("/api/v1/warranty/returns/awaiting").json == []
    assert api.post(url, json={"state": "shipped"}).status_code == 409


def test_one_click_on_the_order_page_drafts_the_claim(client, dispatcher, warranty_job):
    order, _, _ = warranty_job(serials=("C-F-1",))
    db.session.commit()
    assert sign_in(client, dispatcher).status_code == 302
    page = text(client.get(f"/orders/{order.id}"))
    assert "Claim from the manufacturer" in page
    assert f"/warranty/serials/{order.asset.serial}" in page
    r = client.post("/warranty/claims/new", data={"work_order_id": str(order.id)})
    claim = service.claim_of(order.id)
    assert r.status_code == 303 and r.location.endswith(f"/warranty/claims/{claim.id}")
    # A second click opens the same claim.
    r = client.post("/warranty/claims/new", data={"work_order_id": str(order.id)})
    assert r.location.endswith(f"/warranty/claims/{claim.id}")
    page = text(client.get(f"/warranty/claims/{claim.id}"))
    assert "C-F-1" in page and claim.number in page
    r = client.post(f"/warranty/claims/{claim.id}/edit", data={
        "supplier": "Gree", "labour": "abc", "travel": "10"})
    assert r.status_code == 303
    db.session.expire_all()
    assert service.get_claim(claim.id).travel_cents != 1000  # nothing partial stored
    assert "45.50" in text(client.get(f"/warranty/claims/{claim.id}"))


def test_the_claims_list_exports_what_it_filters(client, dispatcher, warranty_job):
    first, _, _ = warranty_job(serials=("EXP-1",))
    second, _, _ = warranty_job(serials=("EXP-2",))
    a = service.create_claim(dispatcher, first.id)
    b = service.create_claim(dispatcher, second.id)
    service.move_claim(dispatcher, b, "submitted")
    db.session.commit()
    sign_in(client, dispatcher)
    r = client.get("/warranty/claims", query_string={"state": "submitted", "export": "csv"})
    body = r.get_data(as_text=True)
    assert r.mimetype == "text/csv" and b.number in body and a.number not in body
    assert "EXP-2" in body
    r = client.get("/warranty/claims", query_string={"export": "xlsx", "lang": "zh"})
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = list(sheet.values)
    assert rows[0][0] == "索赔单" and {row[0] for row in rows[1:]} == {a.number, b.number}
    assert "已提交" in {row[3] for row in rows[1:]}


def _stored_photo(order, kind: str, color: tuple) -> None:
    """A checked photo of ``order`` whose renditions are in the blob store."""
    import hashlib
    import os

    from PIL import Image

    from server.media import blobs
    from server.media.models import Blob, Photo
    from server.media.storage import key_for

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(buffer, "PNG")
    data = buffer.getvalue()
    sha256 = hashlib.sha256(data).hexdigest()
    with blobs.scratch_files() as (fd, scratch, new_scratch):
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        checked = blobs.store_renditions(sha256, scratch, new_scratch)
    blob = Blob(sha256=sha256, size=len(data), storage_key=key_for(sha256),
                content_type=checked.content_type, original_kept=False)
    blobs.describe(blob, checked)
    db.session.add(blob)
    db.session.add(Photo(id=uuid.uuid4(), work_order_id=order.id, kind=kind, sha256=sha256,
                         status="ready"))


def test_a_claim_batch_for_one_manufacturer_and_period_is_a_pdf_in_the_reader_s_language(
        client, dispatcher, warranty_job):
    import subprocess
    from datetime import date, timedelta

    first, _, _ = warranty_job(serials=("PDF-1",))
    second, _, _ = warranty_job(serials=("PDF-2",))
    a = service.create_claim(dispatcher, first.id)
    b = service.create_claim(dispatcher, second.id)
    b.supplier = "Other maker"
    _stored_photo(first, "before", (200, 30, 30))
    _stored_photo(first, "after", (30, 160, 60))
    db.session.commit()
    sign_in(client, dispatcher)
    today = date.today()
    listed = text(client.get("/warranty/claims", query_string={"supplier": a.supplier}))
    assert "data-claims-pdf" in listed
    r = client.get("/warranty/claims", query_string={
        "supplier": a.supplier, "from": (today - timedelta(days=1)).isoformat(),
        "to": (today + timedelta(days=1)).isoformat(), "export": "pdf", "lang": "zh"})
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "attachment" in r.headers["Content-Disposition"]
    printed = subprocess.run(["pdftotext", "-layout", "-", "-"], input=r.data,
                             capture_output=True, check=True).stdout.decode()
    assert "保修索赔" in printed and a.number in printed and "PDF-1" in printed
    assert b.number not in printed  # another manufacturer's claim
    assert "维修前" in printed and "维修后" in printed  # the visit's before/after photos
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(r.data)
        pdf.flush()
        listed_images = subprocess.run(["pdfimages", "-list", pdf.name], capture_output=True,
                                       check=True).stdout.decode().splitlines()[2:]
    assert len(listed_images) >= 2
    # A period before the claims were made lists none of them.
    r = client.get("/warranty/claims", query_string={
        "supplier": a.supplier, "to": (today - timedelta(days=2)).isoformat(), "export": "pdf"})
    assert a.number not in subprocess.run(["pdftotext", "-", "-"], input=r.data,
                                          capture_output=True, check=True).stdout.decode()


def test_the_kpis_read_what_manufacturers_credited(api_as, dispatcher, warranty_job):
    from datetime import date, timedelta

    order, _, _ = warranty_job()
    other, _, _ = warranty_job()
    claim = service.create_claim(dispatcher, order.id)
    for state in ("submitted", "accepted"):
        service.move_claim(dispatcher, claim, state)
    service.move_claim(dispatcher, claim, "credited", credited_cents=15000)
    service.move_claim(dispatcher, service.create_claim(dispatcher, other.id), "submitted")
    period = {"from": (date.today() - timedelta(days=2)).isoformat(),
              "to": (date.today() + timedelta(days=2)).isoformat()}
    body = api_as(dispatcher).get("/api/v1/kpis", query_string=period).json
    cost = body["period"]["cost"]
    # Only the credited claim counts; both orders' parts (120.00 each) were carried.
    assert cost["warranty_credited_cents"] == 15000
    assert cost["warranty_parts_cents"] == 24000


def test_a_refused_step_in_the_console_says_why_in_words(client, dispatcher, warranty_job):
    order, _, _ = warranty_job()
    claim = service.create_claim(dispatcher, order.id)
    service.move_claim(dispatcher, claim, "submitted")
    db.session.commit()
    sign_in(client, dispatcher)
    r = client.post(f"/warranty/claims/{claim.id}/state", data={"state": "rejected"},
                    query_string={"lang": "zh"}, follow_redirects=True)
    flash = text(r).split('class="flash flash-error">', 1)[1].split("</p>", 1)[0]
    assert "请说明索赔被拒绝的原因" in flash and "reason" not in flash
    db.session.expire_all()
    assert service.get_claim(claim.id).state == "submitted"
