"""After the signature, in real Chromium: a technician does a whole visit offline (photos,
parts with one returned, a note, the customer's signature), the phone syncs, and the
dispatcher's order page shows all of it — a photo opens full size, the report is ready, the
PDF downloads and checks out with poppler — and the dispatcher closes the order. The parts
charge on the page, in the API and in the PDF is the same number.
"""

from __future__ import annotations

import re
import subprocess
import uuid

import pytest
from playwright.sync_api import expect

from server.accounts.models import User
from server.extensions import db
from tests import factories
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    phone_context_fixture,
    photos_fixture,
    read,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]
SHOTS = "/tmp"


@pytest.fixture
def signing_key(app, tmp_path, monkeypatch):
    """Reports are signed with a development key made for this test, not in instance/."""
    monkeypatch.setitem(app.config, "REPORT_SIGNING_CERT", str(tmp_path / "cert.pem"))
    monkeypatch.setitem(app.config, "REPORT_SIGNING_KEY", str(tmp_path / "key.pem"))
    monkeypatch.setitem(app.config, "REPORT_SIGNING_DEV_CERT", True)


def do_the_visit_offline(app: TechnicianApp, phone_context, job, photos):
    page = app.page
    app.sign_in(job.email)
    phone_context.set_offline(True)
    page.reload()
    app.open_job(job.number)
    app.step("Start travel")
    app.step("Arrived")
    app.status_is("On site")

    app.tab("Work")
    app.fill_field("Diagnosis", "Run capacitor swollen; fan motor bearings worn")
    page.get_by_label("Root cause").select_option("wear_and_tear")
    page.get_by_label("New note").fill("Advised the customer to clean the filter monthly.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("ol.notes li")).to_have_count(1)
    app.fill_field("Resolution", "Replaced the run capacitor and the indoor fan motor")

    app.take_quote(parts=("capacitor", "fan motor"))
    app.tab("Parts")
    app.use_part("capacitor", quantity=2)
    app.use_part("fan motor")
    used = page.get_by_test_id("parts-used").locator("li")
    expect(used).to_have_count(2)
    # One capacitor was not needed after all: back to the van.
    page.get_by_role("button", name=re.compile("^Return Run capacitor")).click()
    page.locator("dialog[open]").get_by_role("button", name="Return", exact=True).click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(used.filter(has_text="capacitor")).to_contain_text("1 ×")

    app.tab("Photos")
    app.add_photos("before", photos[:2])
    app.add_photos("after", photos[2:3])

    app.step("Complete job")
    app.status_is("Completed")
    page.locator(".stepbar").get_by_role("link", name="Customer sign-off").click()
    expect(page.get_by_test_id("report-preview").locator(".photo-grid img")).to_have_count(3)
    app.draw_signature()
    page.get_by_label("Name of the person signing").fill("Alice Smith")
    page.locator(".star").nth(4).click()
    page.get_by_label("Comment (optional)").fill("Quick and tidy.")
    page.get_by_role("button", name="Confirm and sign").click()
    app.status_is("Signed")

    phone_context.set_offline(False)
    app.wait_synced(timeout=60_000)


def amount(text: str) -> str:
    """The digits of a money amount: CN¥305.00 → 305.00."""
    return re.search(r"\d[\d,]*\.\d\d", text).group(0)


def test_the_dispatcher_sees_the_whole_visit_downloads_the_pdf_and_closes_the_order(
        app, live_server, browser, phone_context, committed, photos, signing_key,
        tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    job = committed(build_job)
    phone = TechnicianApp(phone_context.new_page(), live_server)
    do_the_visit_offline(phone, phone_context, job, photos)

    desk = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 768},
                               accept_downloads=True)
    page = desk.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    email = read(lambda: db.session.get(User, uuid.UUID(job.dispatcher_id)).email)
    page.goto(f"{live_server}/orders/{job.order_id}")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(job.number)

    # The report is rendered in the background: wait for it as a dispatcher would.
    state = page.locator("[data-report-state]")
    for _ in range(60):
        if state.get_attribute("data-report-state") in ("ready", "failed", "hash_mismatch"):
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(state).to_have_attribute("data-report-state", "ready")
    expect(state).to_have_text(re.compile(r"^\s*ready\s*$", re.IGNORECASE))

    # The visit as it happened.
    expect(page.locator("ol.notes")).to_contain_text(
        "Advised the customer to clean the filter monthly.")
    expect(page.locator("[data-time-on-site]")).to_have_text(re.compile(r"\d+ min"))
    capacitor = page.locator("table.parts tr", has_text="Run capacitor")
    expect(capacitor.locator("td").nth(2)).to_have_text("2")
    expect(capacitor.locator("td").nth(3)).to_have_text("1")
    expect(capacitor.locator("td").nth(5)).to_contain_text("Sam Carter")
    expect(page.locator("ul.thumbs img")).to_have_count(3)
    expect(page.locator(".upload-ready")).to_have_count(3)
    expect(page.locator("[data-signer]")).to_have_text("Alice Smith")
    expect(page.locator("img.signature")).to_be_visible()
    expect(page.locator(".rating")).to_contain_text("5 of 5")
    expect(page.locator("ol.timeline.history")).to_contain_text("Status On site → Completed")
    expect(page.locator("ol.timeline.history")).to_contain_text(
        "Note: Advised the customer to clean the filter monthly.")
    page.screenshot(path=f"{SHOTS}/doorstep-visit-order-en.png", full_page=True)
    page.screenshot(path=f"{SHOTS}/doorstep-visit-order-en-1366.png")

    # A photo full size, then the next one with the keyboard.
    page.locator("ul.thumbs a").first.click()
    lightbox = page.locator("dialog#lightbox")
    expect(lightbox).to_be_visible()
    page.wait_for_function("() => document.querySelector('#lightbox img').naturalWidth > 1000")
    expect(lightbox.locator(".lightbox-count")).to_have_text("1 / 3")
    page.screenshot(path=f"{SHOTS}/doorstep-visit-lightbox.png")
    page.keyboard.press("ArrowRight")
    expect(lightbox.locator(".lightbox-count")).to_have_text("2 / 3")
    expect(lightbox.locator("figcaption")).to_contain_text("Before")
    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()

    # The signed PDF, from the console session.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    signature = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True,
                               timeout=60).stdout
    assert "Signature is Valid" in signature, signature
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    assert list(tmp_path.glob("page*.png"))
    printed = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                             text=True, timeout=60).stdout

    # One parts charge: on the page, in the API, in the PDF.
    on_page = amount(page.locator('[data-charge="parts"]').inner_text())
    token = page.request.post(f"{live_server}/api/v1/auth/token", data={
        "email": email, "password": factories.PASSWORD, "device_name": "desk"}).json()["token"]
    record = page.request.get(f"{live_server}/api/v1/workorders/{job.order_id}/visit",
                              headers={"Authorization": f"Bearer {token}"}).json()
    assert record["charges"]["parts_cents"] == 4500 + 26000
    assert on_page == f"{record['charges']['parts_cents'] / 100:,.2f}" == "305.00"
    assert re.search(rf"Parts\b.*{re.escape(on_page)}", printed), printed

    # Close the order: the only way on is through the state machine.
    page.get_by_text("Close the order").click()
    page.get_by_role("button", name="Close it").click()
    expect(page.get_by_text("The order is closed.")).to_be_visible()
    expect(page.locator("h1 .status")).to_have_text(re.compile(r"^\s*closed\s*$", re.IGNORECASE))
    expect(page.locator("[data-action]")).to_have_text(["Reopen"])
    expect(page.get_by_role("heading", name="Edit the request")).to_have_count(0)

    page.goto(f"{live_server}/orders/{job.order_id}?lang=zh")
    expect(page.locator("h1 .status")).to_have_text("已关闭")
    expect(page.locator("[data-report-state]")).to_have_text("已生成")
    page.screenshot(path=f"{SHOTS}/doorstep-visit-order-zh.png", full_page=True)
    page.screenshot(path=f"{SHOTS}/doorstep-visit-order-zh-1366.png")
    assert not errors
    desk.close()
