"""The customer's return form on a phone: a refused request comes back where the customer
was, with the reason in view (it came back at the top of a two-screen page, the form
closed out of sight at the bottom, so the phone seemed to do nothing)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.portal import links
from server.returns import service
from tests import factories

pytestmark = [pytest.mark.live, pytest.mark.browser]

MISSING_PROOF = {"en": "Add a photo of the receipt or invoice.",
                 "zh": "请添加购物凭证（小票或发票）的照片"}


def build(language: str) -> str:
    dispatcher = factories.make_user("dispatcher", locale=language)
    customer = factories.make_customer(language=language)
    asset = factories.make_asset(customer)
    asset.purchase_date = service.company_day(service.utcnow()) - timedelta(days=5)
    order = factories.make_order(dispatcher, customer=customer, asset=asset,
                                 language=language, status="completed")
    return links.token_of(links.ensure_link(order))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_return_request_without_the_receipt_shows_why_in_view_on_the_phone(
        language, live_server, committed, browser):
    token = committed(lambda: build(language))
    phone = browser.new_context(locale="zh-CN" if language == "zh" else "en-GB",
                                viewport={"width": 360, "height": 740}, is_mobile=True)
    try:
        page = phone.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server}/c/{token}?lang={language}")
        page.locator("#return summary").click()
        page.locator("#return form button").click()
        error = page.locator("#return .error")
        error.wait_for()
        page.wait_for_timeout(300)  # the browser scrolls to the target once the page loads
        assert MISSING_PROOF[language] in error.inner_text()
        assert page.evaluate("window.scrollY") > 0
        box = error.bounding_box()
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 740, box
    finally:
        phone.close()
