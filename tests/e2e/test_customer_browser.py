"""The customer's side of one job, end to end in real Chromium with a real SMTP server:

the dispatcher books the job → the confirmation e-mail (link and .ics) arrives → the
customer, on a phone, asks for another window → the request is on the dispatcher's board →
the technician taps *Start travel* → the "on the way" e-mail with an ETA arrives → the
customer signs in Chinese on an English phone → the QR code of their page shows offline →
the "report ready" e-mail arrives → the customer downloads the PDF from their page and
``pdfsig`` verifies it.
"""

from __future__ import annotations

import re
import subprocess
import threading
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.inventory.models import Part
from server.messaging.models import Message
from server.tasks import report_sweep
from tests import factories
from tests.e2e.console_helpers import next_working_day, wait_for_htmx
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    PHONE,
    TechnicianApp,
    axe_violations,
    phone_context_fixture,
    read,
)
from tests.messaging.conftest import mailbox, smtp_server  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.live, pytest.mark.browser]


def build() -> dict:
    dispatcher = factories.make_user("dispatcher", name="Chen Jing")
    tech = factories.make_technician(name="Sam Carter")
    customer = factories.make_customer(name="王秀英", language="zh")
    customer.email = "wang@example.test"
    asset = factories.make_asset(customer, warranty_days=200)
    order = factories.make_order(dispatcher, customer=customer, asset=asset, language="zh",
                                 description="空调不制冷")
    part = Part(sku=f"CAP-{uuid.uuid4().hex[:6]}", name_en="Run capacitor 35 µF",
                name_zh="运行电容 35µF", category="air_conditioner", fits_models=[asset.model],
                price_cents=4500)
    db.session.add(part)
    db.session.flush()
    factories.stock_van(tech, part, 3)
    return {"dispatcher": dispatcher.email, "tech": tech.user.email, "order": str(order.id),
            "number": order.number}


def sweep_reports(app) -> None:
    with app.app_context():
        try:
            report_sweep()
            db.session.commit()
        finally:
            db.session.remove()


def link_in(mail) -> str:
    return re.search(r"http://127\.0\.0\.1:\d+/c/\S+", mail.get_body(("plain",)).get_content()
                     ).group(0)


def test_the_customer_is_told_at_each_step_and_gets_the_signed_report(
        app, live_server, browser, phone_context, committed, mailbox, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "DOORSTEP_PUBLIC_URL", live_server)
    job = committed(build)

    # The dispatcher books the job from the board: the top suggestion, from the keyboard.
    # On the next working day: today may have no free slot left at the hour CI runs.
    office = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    desk = office.new_page()
    desk.goto(f"{live_server}/board?day={next_working_day().isoformat()}&order={job['order']}")
    desk.get_by_label("E-mail").fill(job["dispatcher"])
    desk.get_by_label("Password").fill(factories.PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    expect(desk.locator("#panel .suggestion").first).to_contain_text("Sam Carter")
    wait_for_htmx(desk)  # the shortcut is console.js's: pressed earlier, it does nothing
    desk.locator("body").press("1")
    expect(desk.locator(".flash-success")).to_contain_text(
        f"{job['number']} booked with Sam Carter")

    # The confirmation arrives, in the customer's language, with the link and the calendar.
    (booked,) = mailbox.wait_for(1)
    assert booked["To"] == "wang@example.test" and "预约" in booked["Subject"]
    (calendar,) = [p for p in booked.iter_attachments()
                   if p.get_content_type() == "text/calendar"]
    assert "BEGIN:VEVENT" in calendar.get_content()
    link = link_in(booked)

    # The customer, on their own phone, asks for another window.
    customer_phone = browser.new_context(**PHONE, locale="zh-CN")
    customer = customer_phone.new_page()
    customer.goto(link)
    expect(customer.get_by_role("heading", name=f"您的服务单 {job['number']}")).to_be_visible()
    expect(customer.get_by_text("预约时间段", exact=True)).to_be_visible()
    customer.get_by_text("申请更换时间").click()
    customer.get_by_label("您哪些日期和时间方便？").fill("周六上午比较方便")
    customer.get_by_role("button", name="提交申请").click()
    expect(customer.get_by_role("status")).to_contain_text("我们已收到您的申请")
    assert axe_violations(customer) == []
    customer.screenshot(path="/tmp/doorstep-customer-page-zh.png", full_page=True)

    # The request waits on the dispatcher's board.
    desk.goto(f"{live_server}/board")
    requests = desk.locator(".customer-requests")
    expect(requests).to_contain_text(job["number"])
    expect(requests).to_contain_text("周六上午比较方便")

    # The technician (an English phone) sets off: the customer hears with an ETA.
    page = phone_context.new_page()
    tech = TechnicianApp(page, live_server)
    tech.sign_in(job["tech"])
    page.evaluate("(hash) => { location.hash = hash; }", f"#/job/{job['order']}")
    expect(page.locator(".topbar-title")).to_have_text(job["number"])
    tech.step("Start travel")
    tech.status_is("En route")
    tech.wait_synced(since=tech.last_sync())
    on_the_way = mailbox.wait_for(2, timeout=30)[1]
    assert "Sam已出发" in on_the_way["Subject"] and "预计" in on_the_way["Subject"]

    tech.step("Arrived")
    tech.tab("Work")
    tech.fill_field("Diagnosis", "Run capacitor swollen")
    page.get_by_label("Root cause").select_option("wear_and_tear")
    tech.fill_field("Resolution", "Replaced the run capacitor; cooling tested")
    tech.tab("Parts")
    tech.use_part("capacitor")
    tech.step("Complete job")
    tech.status_is("Completed")

    # No network at the customer's: they sign in Chinese on the English phone…
    phone_context.set_offline(True)
    page.locator(".stepbar").get_by_role("link", name="Customer sign-off").click()
    form = page.get_by_test_id("sign-form")
    expect(form).to_have_attribute("lang", "zh-Hans")
    expect(form).to_contain_text("签字即表示您确认所述维修工作和费用")
    tech.draw_signature()
    page.get_by_label("签字人姓名").fill("王秀英")
    page.get_by_role("button", name="确认并签字").click()
    expect(page.get_by_test_id("signed")).to_contain_text("王秀英")
    # …and scan their page's QR code, made on the phone from the link the pull carried.
    qr = page.get_by_test_id("customer-qr")
    expect(qr.locator("svg path")).to_have_count(1)
    assert qr.locator("svg").get_attribute("data-url") == link
    expect(qr).to_contain_text("扫码查看服务进度")
    page.screenshot(path="/tmp/doorstep-pwa-customer-qr.png", full_page=True)

    # Back online: the signature syncs, the report is signed, the customer is told.
    phone_context.set_offline(False)
    tech.wait_synced(timeout=60_000)
    # The signature image uploads on its own after the push, and the report waits for it.
    # An image arriving alone does not wake the report up (reports/triggers.py watches
    # photos and signatures, not blobs): the worker's five-minute report_sweep does. Run
    # that sweep now, as the worker would (in a thread of its own: this one runs
    # Playwright's event loop, and signing the PDF needs one of its own).
    expect(page.get_by_test_id("report-status")).to_be_visible(timeout=60_000)
    worker = threading.Thread(target=sweep_reports, args=(app,))
    worker.start()
    worker.join(timeout=120)
    ready = mailbox.wait_for(3, timeout=60)[2]
    assert "服务报告" in ready["Subject"] and link_in(ready) == link

    customer.goto(link)
    download = customer.get_by_role("link", name="下载服务报告（PDF）")
    expect(download).to_be_visible()
    response = customer.request.get(download.get_attribute("href")
                                    if download.get_attribute("href").startswith("http")
                                    else live_server + download.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.body())
    verdict = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True,
                             timeout=60).stdout
    assert "Signature Validation: Signature is Valid." in verdict

    kinds = read(lambda: sorted((m.kind, m.channel, m.status) for m in db.session.scalars(
        select(Message).where(Message.work_order_id == uuid.UUID(job["order"])))))
    assert kinds == [(kind, channel, "sent") for kind in ("booking_confirmation", "on_the_way",
                                                          "report_ready")
                     for channel in ("email", "sms")]
    assert not tech.errors
    customer_phone.close()
    office.close()
