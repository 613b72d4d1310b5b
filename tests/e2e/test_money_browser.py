"""Money on an out-of-warranty job, read in real Chromium by the office and the customer,
in English and Chinese: the reference phone (tests/sync/phone.py, speaking the real sync
API) takes the customer's signed approval of a quote, fits the part, completes, records a
cash payment and a transfer; the dispatcher's order page lists them with what is still
due and serves the sealed quote PDF; the customer's page shows the quote and the balance
and downloads the quote.

The phone here is the protocol's reference client; the technician app's own quote and
payment screens are driven in tests/e2e/test_pwa_quote_payment.py.
"""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from server.extensions import db
from server.inventory.models import StockLevel, StockLocation
from server.portal import links
from server.workorders.models import WorkOrder
from tests import factories
from tests.sync.phone import Phone, new_id

pytestmark = [pytest.mark.live, pytest.mark.browser]

WORDS = {
    "en": {"section": "Quote and payments", "approved": "Quote approved by Li Wei",
           "transfer": "Bank transfer", "due": "still due", "portal": "Download the quote (PDF)",
           "paid": "Paid on site"},
    "zh": {"section": "报价与付款", "approved": "Li Wei 于", "transfer": "银行转账",
           "due": "待付", "portal": "下载报价单（PDF）", "paid": "现场已付"},
}


def build(language: str) -> dict:
    dispatcher = factories.make_user("dispatcher", locale=language)
    tech = factories.make_technician()
    customer = factories.make_customer(name="Li Wei", language=language)
    asset = factories.make_asset(customer, warranty_days=-30)
    order = factories.make_order(dispatcher, customer=customer, asset=asset, language=language,
                                 description="Not cooling")
    factories.walk_to(order, "scheduled", dispatcher, tech)
    van = db.session.scalar(select(StockLocation).where(StockLocation.technician_id == tech.id))
    part = factories.make_part(4500)
    db.session.add(StockLevel(location_id=van.id, part_id=part.id, quantity=3))
    db.session.flush()
    return {"dispatcher": dispatcher.email, "tech": tech.id, "order": order.id,
            "number": order.number, "part": str(part.id)}


def work_on_the_phone(app, data: dict) -> str:
    """The job through the reference phone; returns the customer's page path."""
    from server.technicians.models import Technician

    with app.app_context():
        try:
            tech = db.session.get(Technician, data["tech"])
            phone = Phone(app.test_client(), tech)
            order_id = str(data["order"])
            for to in ("en_route", "on_site"):
                phone.queue("transition", {"order_id": order_id, "to": to,
                                           "device_time": phone.now()})
            phone.sync()
            phone.decide_quote(order_id, phone.price_list_lines(order_id, {data["part"]: 1}),
                               "approved", signer="Li Wei")
            phone.queue("use_part", {"order_id": order_id, "line_id": new_id(),
                                     "part_id": data["part"], "quantity": 1,
                                     "device_time": phone.now()})
            phone.queue("set_fields", {"order_id": order_id, "base": {},
                                       "fields": {"resolution": "Replaced the capacitor"},
                                       "device_time": phone.now()})
            phone.queue("transition", {"order_id": order_id, "to": "completed",
                                       "device_time": phone.now()})
            phone.queue("record_payment", {"order_id": order_id, "payment_id": new_id(),
                                           "method": "cash", "amount_cents": 5000,
                                           "reference": None, "device_time": phone.now()})
            phone.queue("record_payment", {"order_id": order_id, "payment_id": new_id(),
                                           "method": "transfer", "amount_cents": 10000,
                                           "reference": "WX-889", "device_time": phone.now()})
            phone.push_all()
            assert not phone.rejections, phone.rejections
            order = db.session.get(WorkOrder, data["order"])
            path = links.url_of(links.ensure_link(order))
            db.session.commit()
            return "/" + path.split("/", 3)[3]
        finally:
            db.session.remove()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_quote_and_payments_on_the_order_page_and_the_customers_page(
        language, live_server, committed, browser, app, tmp_path):
    assert app.config["QUOTE_BEFORE_WORK"] is True  # the default
    data = committed(lambda: build(language))
    customer_path = work_on_the_phone(app, data)
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
        section = page.locator("#order-money")
        assert words["section"] in section.inner_text()
        text = section.inner_text()
        assert words["approved"] in text and words["transfer"] in text and "WX-889" in text
        assert words["due"] in text
        assert "transfer" not in text.replace("Bank transfer", "")  # never the stored code
        with page.expect_download() as download_info:
            section.get_by_role("link", name="PDF").evaluate(
                "a => { a.setAttribute('download', ''); a.click(); }")
        pdf = tmp_path / "quote.pdf"
        download_info.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")
        signed = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True,
                                timeout=60).stdout
        assert "Signature is Valid" in signed
        quote_text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                    text=True, timeout=60).stdout
        assert data["number"] in quote_text and "Li Wei" in quote_text

        page.goto(f"{live_server}{customer_path}")
        money = page.locator("#money")
        assert words["transfer"] in money.inner_text() and words["due"] in money.inner_text()
        assert money.get_by_role("link", name=words["portal"]).is_visible()
        href = money.get_by_role("link", name=words["portal"]).get_attribute("href")
        response = page.request.get(href if href.startswith("http") else live_server + href)
        assert response.status == 200 and response.body().startswith(b"%PDF")
    finally:
        context.close()
