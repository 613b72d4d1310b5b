"""Issue 14 end to end, in real Chromium, in English and in Chinese: a technician on site
asks for a part the warehouse lacks; the storekeeper orders it from a supplier from the
console's requests queue; the phone says it is ordered and when it is expected; the
storekeeper receives the delivery; the part goes on to the van, the technician confirms
receipt and the phone says it is on the van."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.inventory import service as stock
from server.inventory.models import (
    LocationKind,
    MovementKind,
    Part,
    PartRequest,
    PurchaseOrder,
    StockLocation,
    StockMovement,
)
from server.technicians.models import Technician
from server.workorders import service as orders
from server.workorders.models import WorkOrder
from tests import factories
from tests.e2e.pwa_helpers import HERE, TechnicianApp, build_job, read

pytestmark = [pytest.mark.live, pytest.mark.browser]

WORDS = {
    "en": {"button": "English", "parts": "Parts", "confirm": "Send the request",
           "office": "Waiting for the office", "order": "Order from a supplier",
           "supplier": "Supplier", "expected": "Expected on",
           "save": "Save and send to the supplier", "ordered": "Ordered",
           "phone_ordered": "Ordered from supplier, expected",
           "receive": "Receive into the warehouse", "received": "Received in full",
           "on_its_way": "On its way to the van", "banner": "Incoming: 2 parts from",
           "confirm_receipt": "Confirm receipt", "on_van": "On your van",
           "relay": "Compressor relay"},
    "zh": {"button": "中文", "parts": "配件", "confirm": "提交申请",
           "office": "等待办公室处理", "order": "向供应商订购",
           "supplier": "供应商", "expected": "预计到货日期",
           "save": "保存并发给供应商", "ordered": "已下单",
           "phone_ordered": "已向供应商订购，预计",
           "receive": "收货入库", "received": "全部收货",
           "on_its_way": "正在送往车辆", "banner": "待收：2 件配件，来自",
           "confirm_receipt": "确认收货", "on_van": "已在您的车上",
           "relay": "压缩机继电器"},
}


def _on_site_job_and_an_empty_warehouse(language: str) -> dict:
    job = build_job(language=language)
    tech = db.session.get(Technician, uuid.UUID(job.technician_id))
    order = db.session.get(WorkOrder, uuid.UUID(job.order_id))
    for step in ("en_route", "on_site"):
        orders.transition(tech.user, order, step)
    warehouse = StockLocation(kind=LocationKind.WAREHOUSE,
                              name="Central warehouse" if language == "en" else "中心仓库")
    relay = Part(sku=f"RLY-{random.randrange(10**6):06d}", name_en="Compressor relay",
                 name_zh="压缩机继电器", category="air_conditioner", price_cents=3800)
    db.session.add_all([warehouse, relay])
    db.session.flush()
    office = factories.make_user("dispatcher", locale=language)
    return {"job": job, "warehouse_id": str(warehouse.id), "relay_id": str(relay.id),
            "office": office.email}


@pytest.fixture
def phone_390(browser, request):
    language = request.param
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True,
                                  locale="zh-CN" if language == "zh" else "en-GB",
                                  permissions=["geolocation"], geolocation=HERE)
    yield language, context
    context.close()


def _resync(app, page, live_server, job):
    since = app.last_sync()
    page.goto(f"{live_server}/app/#/job/{job.order_id}/parts")
    page.reload()  # a reload syncs at start
    app.wait_synced(since=since)


@pytest.mark.parametrize("phone_390", ["en", "zh"], indirect=True)
def test_a_part_ordered_from_a_supplier_reaches_the_van(live_server, phone_390, committed,
                                                       browser):
    language, context = phone_390
    words = WORDS[language]
    data = committed(lambda: _on_site_job_and_an_empty_warehouse(language))
    job = data["job"]
    page = context.new_page()
    app = TechnicianApp(page, live_server)
    app.sign_in(job.email, language=words["button"])

    # On site: the technician asks for two relays.
    app.open_job(job.number)
    app.tab(words["parts"])
    page.get_by_test_id("request-part").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("#request-search").fill(words["relay"])
    dialog.locator(".part-result").first.click()
    dialog.locator("#request-qty").fill("2")
    since = app.last_sync()
    dialog.get_by_role("button", name=words["confirm"], exact=True).click()
    app.wait_synced(timeout=60_000, since=since)
    requests = page.get_by_test_id("part-requests")
    expect(requests).to_contain_text(words["office"])

    # The storekeeper: the warehouse has none, so it is ordered from a supplier.
    office = browser.new_context(locale="zh-CN" if language == "zh" else "en-US",
                                 viewport={"width": 1280, "height": 900})
    console = office.new_page()
    console.set_default_timeout(15_000)
    try:
        console.goto(f"{live_server}/login")
        console.fill("input[name=email]", data["office"])
        console.fill("input[name=password]", factories.PASSWORD)
        console.press("input[name=password]", "Enter")
        console.wait_for_url(lambda url: "/login" not in url)
        console.goto(f"{live_server}/stock/requests")
        console.get_by_role("link", name=words["order"]).click()
        console.wait_for_url("**/stock/purchases/new*")
        expect(console.locator("input[name=request]")).to_be_checked()
        console.get_by_label(words["supplier"], exact=True).fill("Gree parts")
        expected = date.today() + timedelta(days=3)
        console.get_by_label(words["expected"]).fill(expected.isoformat())
        console.get_by_role("button", name=words["save"]).click()
        console.wait_for_url("**/stock/purchases/*-*")
        expect(console.get_by_test_id("purchase-status")).to_have_text(words["ordered"])

        # The phone says it is ordered, and when it is expected.
        _resync(app, page, live_server, job)
        expect(requests).to_contain_text(words["phone_ordered"])
        app.screenshot(f"purchase-ordered-on-phone-{language}")

        # The supplier's delivery arrives: received in full, sent on to the van.
        console.get_by_role("button", name=words["receive"]).click()
        expect(console.get_by_test_id("purchase-status")).to_have_text(words["received"])
        expect(console.locator("td.request-status")).to_have_text(words["on_its_way"])
    finally:
        office.close()

    def booked():
        purchase = db.session.scalars(select(PurchaseOrder)).one()
        received = [m.quantity for m in db.session.scalars(select(StockMovement).where(
            StockMovement.reason == MovementKind.RECEIVE,
            StockMovement.part_id == uuid.UUID(data["relay_id"])))]
        return purchase.status, received, db.session.scalars(select(PartRequest)).one().status
    assert read(booked) == ("received", [2], "sent")

    _resync(app, page, live_server, job)
    page.goto(f"{live_server}/app/#/jobs")
    banner = page.get_by_test_id("incoming-banner")
    expect(banner).to_contain_text(words["banner"])
    banner.click()
    since = app.last_sync()
    page.get_by_test_id("delivery").get_by_role("button", name=words["confirm_receipt"]).click()
    app.wait_synced(timeout=60_000, since=since)

    def on_the_van():
        van = stock.van_of(uuid.UUID(job.technician_id))
        levels = {lv.part_id: lv.quantity for lv, _p, _l in stock.levels(van.id)}
        request = db.session.scalars(select(PartRequest)).one()
        return levels[uuid.UUID(data["relay_id"])], request.status, stock.check()
    assert read(on_the_van) == (2, "on_van", [])
    page.goto(f"{live_server}/app/#/job/{job.order_id}/parts")
    expect(page.get_by_test_id("part-requests")).to_contain_text(words["on_van"])
    assert app.errors == []
