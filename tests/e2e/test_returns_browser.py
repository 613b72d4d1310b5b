"""A return in real Chromium, in English and Chinese: the customer asks on their phone's
page with a photo of the receipt; the office inspects it in the workshop, records the
findings with a photo and takes the policy's proposal, an exchange, typing the new unit's
serial; the customer's page then shows the new unit; the month's analysis counts it and
drills down to it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.portal import links
from server.returns import service
from tests import factories
from tests.returns.conftest import receipt_png

pytestmark = [pytest.mark.live, pytest.mark.browser]

WORDS = {
    "en": {"ask": "Ask to return or exchange this appliance", "send": "Send my request",
           "requested": "Return requested", "inspect": "Start the inspection",
           "findings": "Record the findings", "proposes": "Exchange",
           "decide": "Record the decision", "decided": "Return decided",
           "new_unit": "Your new unit", "exchange": "Exchange", "wish": "A new unit"},
    "zh": {"ask": "申请退货或换货", "send": "提交申请", "requested": "已申请退换货",
           "inspect": "开始检测", "findings": "记录检测结果", "proposes": "换货",
           "decide": "记录决定", "decided": "已作出处理决定", "new_unit": "您的新机",
           "exchange": "换货", "wish": "换新机"},
}


def build(language: str) -> dict:
    dispatcher = factories.make_user("dispatcher", locale=language)
    customer = factories.make_customer(language=language)
    asset = factories.make_asset(customer)
    asset.purchase_date = service.company_day(service.utcnow()) - timedelta(days=5)
    order = factories.make_order(dispatcher, customer=customer, asset=asset,
                                 language=language)
    token = links.token_of(links.ensure_link(order))
    return {"dispatcher": dispatcher.email, "token": token, "serial": asset.serial,
            "new_serial": f"NEW-{language}-{asset.serial}"}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_customer_asks_the_office_exchanges_and_the_customer_sees_the_new_unit(
        language, live_server, committed, browser, tmp_path):
    data = committed(lambda: build(language))
    words = WORDS[language]
    receipt = tmp_path / "receipt.png"
    receipt.write_bytes(receipt_png())
    inspection = tmp_path / "inspection.png"
    inspection.write_bytes(receipt_png((30, 60, 90)))
    phone = browser.new_context(locale="zh-CN" if language == "zh" else "en-GB",
                                viewport={"width": 390, "height": 844}, is_mobile=True)
    office = browser.new_context(locale="zh-CN" if language == "zh" else "en-US",
                                 viewport={"width": 1280, "height": 900})
    try:
        customer = phone.new_page()
        customer.set_default_timeout(15_000)
        page_url = f"{live_server}/c/{data['token']}?lang={language}"
        customer.goto(page_url)
        customer.get_by_text(words["ask"]).click()
        customer.select_option("#return-wish", label=words["wish"])
        customer.set_input_files("#return-proof", str(receipt))
        customer.get_by_role("button", name=words["send"]).click()
        customer.wait_for_url("**#return")
        request_box = customer.locator("#return .return-request")
        assert words["requested"] in request_box.inner_text()
        number = request_box.get_attribute("data-number")

        page = office.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", data["dispatcher"])
        page.fill("input[name=password]", factories.PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"{live_server}/returns")
        page.get_by_role("link", name=number).click()
        page.wait_for_url("**/returns/*")
        page.check("input[name=mode][value=workshop]")
        page.get_by_role("button", name=words["inspect"]).click()
        page.check("input[name=finding][value=fault_confirmed]")
        page.set_input_files("#photos", str(inspection))
        page.get_by_role("button", name=words["findings"]).click()
        assert page.locator(".return-proposed").inner_text() == words["proposes"]
        assert page.locator("#inspection img").count() == 1
        page.fill("#replacement_serial", data["new_serial"])
        page.get_by_role("button", name=words["decide"]).click()
        assert page.locator("h1 .return-state").inner_text() == words["decided"]
        assert data["new_serial"] in page.locator(".return-replacement").inner_text()

        customer.goto(page_url)
        box = customer.locator("#return .return-request").inner_text()
        assert words["decided"] in box and words["exchange"] in box
        assert words["new_unit"] in box and data["new_serial"] in box
        assert customer.get_by_text(words["ask"]).count() == 0  # exchanged: no second return

        page.goto(f"{live_server}/returns/analysis")
        assert int(page.locator(".figure-requests").inner_text()) >= 1
        page.locator("table.returns-decisions tr", has_text=words["exchange"]).get_by_role(
            "link").click()
        page.wait_for_url("**/returns?**decision=exchange**")
        row = page.locator("table.returns tr", has_text=number)
        assert row.locator(".return-decision").inner_text() == words["exchange"]
    finally:
        phone.close()
        office.close()
