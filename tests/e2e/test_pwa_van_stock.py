"""Van stock in the technician app, in a real Chromium at 390 × 844, in English and in
Chinese: a part requested offline from a job on site (the job waits for parts at once), the
office sending it, the "incoming" banner, and receipt confirmed offline with a shortfall,
booked into the van's ledger once the phone is back online."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.inventory import fieldstock
from server.inventory import service as stock
from server.inventory.models import (
    LocationKind,
    MovementKind,
    Part,
    PartRequest,
    StockLocation,
    StockMovement,
)
from server.technicians.models import Technician
from server.workorders import service as orders
from server.workorders.models import WorkOrder
from tests.e2e.pwa_helpers import HERE, TechnicianApp, build_job, read

pytestmark = [pytest.mark.live, pytest.mark.browser]

WORDS = {
    "en": {"button": "English", "parts": "Parts", "confirm": "Send the request",
           "not_sent": "Not sent yet", "waiting_parts": "Waiting for parts",
           "office": "Waiting for the office", "banner": "Incoming: 3 parts from Central warehouse",
           "confirm_receipt": "Confirm receipt", "short": "1 missing: recorded as short.",
           "on_van": "On your van", "none": "Nothing on its way to your van.",
           "relay": "Compressor relay"},
    "zh": {"button": "中文", "parts": "配件", "confirm": "提交申请",
           "not_sent": "尚未发送", "waiting_parts": "等待配件",
           "office": "等待办公室处理", "banner": "待收：3 件配件，来自中心仓库",
           "confirm_receipt": "确认收货", "short": "缺少 1 件：记为短缺。",
           "on_van": "已在您的车上", "none": "没有正在送往您车辆的配件。",
           "relay": "压缩机继电器"},
}


def _on_site_job_and_a_warehouse(language: str) -> dict:
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
    stock.record_movement("receive", relay, 10, None, target=warehouse)
    stock.record_movement("receive", db.session.get(Part, uuid.UUID(job.parts["FLT-01"])), 10,
                          None, target=warehouse)
    return {"job": job, "warehouse_id": str(warehouse.id), "relay_id": str(relay.id)}


def _centre(page, test_id):
    """Scroll a card to the middle of the screen, clear of the step bar and the toasts."""
    for close in page.locator(".toast button").all():
        close.click()
    page.get_by_test_id(test_id).evaluate("(el) => el.scrollIntoView({ block: 'center' })")


@pytest.fixture
def phone_390(browser, request):
    language = request.param
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True,
                                  locale="zh-CN" if language == "zh" else "en-GB",
                                  permissions=["geolocation"], geolocation=HERE)
    yield language, context
    context.close()


@pytest.mark.parametrize("phone_390", ["en", "zh"], indirect=True)
def test_request_a_part_offline_then_confirm_its_receipt_with_a_shortfall(
        live_server, phone_390, committed):
    language, context = phone_390
    words = WORDS[language]
    data = committed(lambda: _on_site_job_and_a_warehouse(language))
    job = data["job"]
    page = context.new_page()
    app = TechnicianApp(page, live_server)
    app.sign_in(job.email, language=words["button"])

    # Offline, on site: ask for two relays.
    context.set_offline(True)
    app.open_job(job.number)
    app.tab(words["parts"])
    page.get_by_test_id("request-part").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("#request-search").fill(words["relay"])
    dialog.locator(".part-result").first.click()
    dialog.locator("#request-qty").fill("2")
    dialog.locator("#request-note").fill("E5 relay clicks, no start")
    dialog.get_by_role("button", name=words["confirm"], exact=True).click()
    requests = page.get_by_test_id("part-requests")
    expect(requests).to_contain_text(words["relay"])
    expect(requests).to_contain_text(words["not_sent"])
    app.status_is(words["waiting_parts"])
    _centre(page, "part-requests")
    app.screenshot(f"van-request-offline-{language}")

    context.set_offline(False)
    app.wait_synced(timeout=60_000)
    expect(requests).to_contain_text(words["office"])

    def the_request():
        (row,) = db.session.scalars(select(PartRequest)).all()
        order = db.session.get(WorkOrder, uuid.UUID(job.order_id))
        return row.quantity, row.note, row.status, order.status
    assert read(the_request) == (2, "E5 relay clicks, no start", "open", "awaiting_parts")

    # The office sends the two relays, and the day's replenishment sends one filter.
    def office_sends():
        request = db.session.scalars(select(PartRequest)).one()
        warehouse = db.session.get(StockLocation, uuid.UUID(data["warehouse_id"]))
        fieldstock.fulfil(None, request, "send", warehouse)
        van = stock.van_of(uuid.UUID(job.technician_id))
        fieldstock.send_to_van(None, warehouse, van,
                               db.session.get(Part, uuid.UUID(job.parts["FLT-01"])), 1)
    committed(office_sends)
    since = app.last_sync()
    page.goto(f"{live_server}/app/#/jobs")
    page.reload()  # a hash change alone does not restart the app: the reload syncs at start
    app.wait_synced(since=since)
    banner = page.get_by_test_id("incoming-banner")
    expect(banner).to_have_text(words["banner"])
    app.screenshot(f"van-incoming-banner-{language}")

    # Offline again: the relays arrived, the filter did not.
    context.set_offline(True)
    banner.click()
    deliveries = page.get_by_test_id("delivery")
    expect(deliveries).to_have_count(2)
    relay_card = deliveries.filter(has_text=words["relay"])
    filter_card = deliveries.filter(has_not_text=words["relay"])
    filter_card.locator("input[type=number]").fill("0")
    expect(filter_card).to_contain_text(words["short"])
    app.screenshot(f"van-incoming-{language}")
    relay_card.get_by_role("button", name=words["confirm_receipt"]).click()
    filter_card.get_by_role("button", name=words["confirm_receipt"]).click()
    expect(page.locator(".incoming-screen")).to_contain_text(words["none"])
    assert app.pending() == 2

    context.set_offline(False)
    app.wait_synced(timeout=60_000)

    def booked():
        van = stock.van_of(uuid.UUID(job.technician_id))
        levels = {lv.part_id: lv.quantity for lv, _p, _l in stock.levels(van.id)}
        short = [(m.part_id, m.quantity) for m in db.session.scalars(select(StockMovement).where(
            StockMovement.reason == MovementKind.SHORTFALL))]
        request = db.session.scalars(select(PartRequest)).one()
        return (levels[uuid.UUID(data["relay_id"])], levels[uuid.UUID(job.parts["FLT-01"])],
                short, request.status, stock.check())
    assert read(booked) == (2, 4, [(uuid.UUID(job.parts["FLT-01"]), 1)], "on_van", [])

    page.goto(f"{live_server}/app/#/job/{job.order_id}/parts")
    expect(page.get_by_test_id("part-requests")).to_contain_text(words["on_van"])
    _centre(page, "part-requests")
    app.screenshot(f"van-request-on-van-{language}")
    assert app.errors == []
