"""A warranty claim in real Chromium, in English and Chinese: the dispatcher opens a
finished in-warranty job, claims it from the manufacturer in one click, reads the faulty
unit's serial the ledger recorded, types the replacement's serial, submits, marks it
accepted, records the credit, and follows the faulty serial to its history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import db
from server.inventory.models import LocationKind, StockLocation
from tests import factories
from tests.warranty.conftest import bring_back, fit_part

pytestmark = [pytest.mark.live, pytest.mark.browser]

WORDS = {
    "en": {"claim": "Claim from the manufacturer", "save": "Save the claim",
           "submit": "Submit to the supplier", "accept": "Mark accepted",
           "credit": "Record the credit", "credited": "Credited", "draft": "Draft",
           "defective": "Defective part returned",
           "faulty": "faulty unit"},
    "zh": {"claim": "向厂家索赔", "save": "保存索赔单", "submit": "提交给供应商",
           "accept": "标记为已接受", "credit": "记录入账", "credited": "已入账", "draft": "草稿",
           "defective": "故障件退回", "faulty": "故障件"},
}


def build(language: str) -> dict:
    dispatcher = factories.make_user("dispatcher", locale=language)
    tech = factories.make_technician()
    customer = factories.make_customer(language=language)
    asset = factories.make_asset(customer)
    order = factories.make_order(dispatcher, customer=customer, asset=asset, assignee=tech,
                                 status="on_site", language=language)
    part = factories.make_part(12000)
    fit_part(order, tech, part)
    warehouse = db.session.scalar(select(StockLocation).where(
        StockLocation.kind == LocationKind.WAREHOUSE)) or StockLocation(
        kind=LocationKind.WAREHOUSE, name="Central warehouse")
    db.session.add(warehouse)
    db.session.flush()
    serial = f"FLT-{language}-{order.number[-6:]}"
    bring_back(order, part, warehouse, serial, dispatcher)
    _finish(order, dispatcher, tech)
    return {"dispatcher": dispatcher.email, "order": str(order.id), "serial": serial,
            "number": order.number}


def _finish(order, dispatcher, tech):
    from server.workorders import service as orders

    orders.update_order(tech.user, order, {"resolution": "New compressor"})
    orders.transition(tech.user, order, "completed", reason="test step")
    factories.sign_on_phone(order)
    orders.transition(tech.user, order, "signed", reason="test step")
    orders.transition(dispatcher, order, "closed", reason="test step")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_claim_from_the_order_page_to_the_credit(language, live_server, committed, browser):
    data = committed(lambda: build(language))
    words = WORDS[language]
    context = browser.new_context(locale="zh-CN" if language == "zh" else "en-US",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", data["dispatcher"])
        page.fill("input[name=password]", factories.PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"{live_server}/orders/{data['order']}")
        page.locator("#order-warranty").get_by_role("button", name=words["claim"]).click()
        page.wait_for_url("**/warranty/claims/*")
        assert words["draft"] in page.locator("h1 .claim-state").inner_text()
        assert page.locator("input[name^=faulty-]").input_value() == data["serial"]
        page.locator("input[name^=replacement-]").fill("NEW-" + data["serial"])
        page.get_by_role("button", name=words["save"]).click()
        page.get_by_role("button", name=words["submit"]).click()
        page.get_by_role("button", name=words["accept"]).click()
        page.locator(".claim-move-credited input[name=credited]").fill("150.00")
        page.get_by_role("button", name=words["credit"]).click()
        assert page.locator("h1 .claim-state").inner_text() == words["credited"]
        assert "150" in page.locator("dd.credited").inner_text()
        assert "NEW-" + data["serial"] in page.locator("table.claim-lines").inner_text()
        assert "credited" not in page.locator("main").inner_text().replace("Credited", "")

        page.get_by_role("link", name=data["serial"], exact=True).click()
        page.wait_for_url("**/warranty/serials/**")
        rows = page.locator("table.serial-history tbody tr")
        assert rows.count() == 2
        assert "defective_return" not in rows.nth(0).inner_text()
        assert words["defective"] in rows.nth(0).inner_text()
        assert words["faulty"] in rows.nth(1).inner_text()
    finally:
        context.close()
