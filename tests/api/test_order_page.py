"""The order page as the office's complete record of a visit: what the technician's phone
sent (notes, time on site, part lines, photos, signature, rating), the report's state and
its PDF, and a history written for people — in English and Simplified Chinese."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from server.extensions import db
from server.media.models import Photo
from server.workorders import service as orders
from tests.api.test_console import sign_in, text
from tests.api.test_reports import (  # noqa: F401 — fixtures
    _signing_key_outside_the_instance_folder,
    do_the_work,
    report_of,
    signing_dir,
    visit_for,
)
from tests.report_scenario import photo
from tests.sync.phone import new_id


@pytest.fixture
def office(client, dispatcher):
    assert sign_in(client, dispatcher).status_code == 302
    return client


@pytest.fixture
def signed_visit(visit_for):  # noqa: F811
    visit = visit_for("en")
    visit.push("add_note", note_id=new_id(), body="Customer asked to keep the old capacitor",
               device_time=visit.phone.now())
    do_the_work(visit, photos=3)
    visit.sign("Alice Smith")
    assert report_of(visit).status == "ready", report_of(visit).failure_reason
    return visit


def test_the_order_page_shows_the_whole_visit(office, signed_visit):
    visit = signed_visit
    page = text(office.get(f"/orders/{visit.order.id}"))
    assert "Customer asked to keep the old capacitor" in page
    capacitor, motor = visit.parts
    row = re.search(rf'<tr data-sku="{capacitor.sku}">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[2:4] == ["2", "1"]  # used 2, returned 1
    assert "¥45.00" in cells[4] or "CN¥45.00" in cells[4]
    assert page.count("/thumb") == 3 and "/display" in page
    assert "Alice Smith" in page and "★★★★★" in page and "On time and tidy" in page
    assert 'data-report-state="ready"' in page
    assert f"/orders/{visit.order.id}/report.pdf" in page
    assert report_of(visit).content_hash[:16] in page
    history = re.sub(r"<[^>]+>", " ", page.split('class="timeline history"', 1)[1])
    assert history.count("Photo (before) received") == 2
    assert "Signed by the customer, Alice Smith" in history
    # Time on site: arrival to completion.
    assert re.search(r"data-time-on-site>\d+ min|data-time-on-site>\d+ h \d\d min", page)


def test_the_page_and_the_api_state_the_same_parts_charge(office, signed_visit, api_as,
                                                          dispatcher):
    visit = signed_visit
    record = api_as(dispatcher).get(f"/api/v1/workorders/{visit.order.id}/visit").get_json()
    expected = 2 * 4500 - 4500 + 12800
    assert record["charges"]["parts_cents"] == expected
    page = text(office.get(f"/orders/{visit.order.id}"))
    shown = re.search(r'data-charge="parts">([^<]+)<', page).group(1)
    assert shown.replace("CN", "") == "¥173.00"
    assert {line["sku"]: (line["used"], line["returned"]) for line in record["parts"]} == {
        visit.parts[0].sku: (2, 1), visit.parts[1].sku: (1, 0)}
    assert len(record["photos"]) == 3 and record["signature"]["signer_name"] == "Alice Smith"
    assert record["survey"]["rating"] == 5 and record["report"]["status"] == "ready"
    assert record["notes"][0]["body"] == "Customer asked to keep the old capacitor"
    assert record["minutes_on_site"] is not None
    assert record["allowed_actions"] == ["close", "reopen"]


def test_the_visit_record_is_for_the_office_only(signed_visit, api_as, technician):
    response = api_as(technician.user).get(f"/api/v1/workorders/{signed_visit.order.id}/visit")
    assert response.status_code == 403


def test_office_downloads_the_pdf_and_photos_from_the_console(office, signed_visit, client):
    visit = signed_visit
    response = office.get(f"/orders/{visit.order.id}/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    photo_row = db.session.scalars(select(Photo).where(
        Photo.work_order_id == visit.order.id)).first()
    for rendition in ("thumb", "display"):
        image = office.get(f"/orders/{visit.order.id}/photos/{photo_row.id}/{rendition}")
        assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert office.get(f"/orders/{visit.order.id}/photos/{photo_row.id}/original").status_code \
        == 404
    assert office.get(f"/orders/{visit.order.id}/signature").mimetype == "image/png"


def test_a_photo_of_another_order_is_not_served_under_this_one(office, signed_visit,
                                                               make_order, dispatcher):
    other = make_order(actor=dispatcher)
    photo_row = db.session.scalars(select(Photo).where(
        Photo.work_order_id == signed_visit.order.id)).first()
    assert office.get(f"/orders/{other.id}/photos/{photo_row.id}/display").status_code == 404


def test_signed_out_visitors_get_no_pdf(client, signed_visit):
    response = client.get(f"/orders/{signed_visit.order.id}/report.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_photos_waiting_for_upload_say_so_and_hold_the_report(office, visit_for):  # noqa: F811
    visit = visit_for("en")
    do_the_work(visit, photos=2, upload=False)
    visit.sign("Alice Smith")
    page = text(office.get(f"/orders/{visit.order.id}"))
    assert "waiting for 2 photos to upload" in page
    assert page.count("waiting for upload") == 2
    assert 'data-report-state="waiting"' in page


def test_history_is_written_for_people(office, make_order, dispatcher, technician):
    order = make_order(actor=dispatcher)
    orders.update_order(dispatcher, order, {
        "assignee_id": technician.id,
        "appointment_start": datetime(2026, 11, 29, 23, 30, tzinfo=UTC),
        "appointment_end": datetime(2026, 11, 30, 1, 0, tzinfo=UTC)})
    db.session.flush()
    page = text(office.get(f"/orders/{order.id}"))
    history = re.sub(r"<[^>]+>", " ", page.split('class="timeline history"', 1)[1])
    assert "Appointment set to Mon, Nov 30 07:30–09:00" in history
    assert f"Assigned to {technician.user.name}" in history
    assert "field_changed" not in history and "+08:00" not in history
    assert not re.search(r"\d\d:\d\d:\d\d", history)
    page = text(office.get(f"/orders/{order.id}?lang=zh"))
    assert "11月30日周一 07:30–09:00" in page


def test_a_signed_order_is_read_only_unless_the_change_is_confirmed(office, signed_visit):
    visit = signed_visit
    order = visit.order
    page = text(office.get(f"/orders/{order.id}"))
    assert "the request is read-only" in page and 'name="confirm_resign"' in page
    form = {"priority": order.priority, "type": order.type, "description": "Different fault",
            "customer_notes": "", "reason": "", "version": order.version,
            "loaded_at": datetime.now(UTC).isoformat()}
    refused = office.post(f"/orders/{order.id}/edit", data=form)
    assert refused.status_code == 422
    db.session.expire_all()
    assert order.description != "Different fault"
    saved = office.post(f"/orders/{order.id}/edit", data={**form, "confirm_resign": "yes"})
    assert saved.status_code == 302
    assert report_of(visit).status == "needs_resign"
    page = text(office.get(f"/orders/{order.id}"))
    assert "needs a new signature" in page


def test_a_failed_report_says_why_and_the_office_retries_it_from_the_page(
        office, visit_for, app, tmp_path, monkeypatch):  # noqa: F811
    from server.reports import signing

    monkeypatch.setitem(app.config, "REPORT_SIGNING_CERT", str(tmp_path / "company.pem"))
    monkeypatch.setitem(app.config, "REPORT_SIGNING_KEY", str(tmp_path / "company.key"))
    monkeypatch.setitem(app.config, "REPORT_SIGNING_DEV_CERT", False)
    visit = do_the_work(visit_for("en"), photos=1)
    visit.sign("Alice Smith")
    page = text(office.get(f"/orders/{visit.order.id}"))
    assert 'data-report-state="failed"' in page and "failed: " in page and "company.pem" in page
    assert "Make the report again" in page and "Download the PDF" not in page
    signing.create_development_certificate(tmp_path / "company.pem", tmp_path / "company.key",
                                           "Doorstep Home Services")
    retried = office.post(f"/orders/{visit.order.id}/report/retry", follow_redirects=True)
    assert "The report is being made again." in text(retried)
    assert report_of(visit).status == "ready"
    assert 'data-report-state="ready"' in text(office.get(f"/orders/{visit.order.id}"))


def test_a_reopened_order_links_its_new_visit(office, signed_visit):
    order = signed_visit.order
    page = office.post(f"/orders/{order.id}/actions/reopen", data={"reason": "Still rattles"},
                       follow_redirects=True)
    body = text(page)
    assert "The order is reopened." in body
    new_visit = orders.reopened_as(order)
    assert new_visit is not None and f"New visit {new_visit.number} made for it." in body
    assert f'href="/orders/{new_visit.id}"' in body
    history = re.sub(r"<[^>]+>", " ", body.split('class="timeline history"', 1)[1])
    assert "Status Signed → Reopened" in history and "Still rattles" in history
    assert text(office.get(f"/orders/{new_visit.id}")).count(order.number) >= 1


def test_retrying_the_report_of_an_unsigned_order_answers_on_the_order_page_in_chinese(
        office, make_order, dispatcher):
    """A stale page (the order was reopened, or the button was kept open in another tab)
    can post a retry for an order with no signature: the office reads why on the order page
    in its own language, not an English error page, and nothing is queued."""
    order = make_order(actor=dispatcher)
    dispatcher.locale = "zh"
    db.session.commit()
    answer = office.post(f"/orders/{order.id}/report/retry", headers={"Accept": "text/html"})
    body = text(answer)
    assert answer.status_code == 409
    assert "该工单没有服务报告：尚未签字。" in body and order.number in body
    assert "no report to make" not in body and "正在重新生成服务报告" not in body
