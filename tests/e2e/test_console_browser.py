"""A dispatcher works through the console in real Chromium: signs in, finds an order,
reads its history, and switches the console to Chinese.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.live, pytest.mark.browser]

SCREENSHOTS = "/tmp"


@pytest.fixture
def desk(committed):
    """A dispatcher, a technician and three orders in different states, committed."""

    def build():
        dispatcher = factories.make_user("dispatcher", name="Chen Jing")
        technician = factories.make_technician(name="李师傅")
        customer = factories.make_customer(name="王秀英")
        asset = factories.make_asset(customer)
        scheduled = factories.make_order(dispatcher, customer=customer, asset=asset,
                                         assignee=technician, status="scheduled")
        waiting = factories.make_order(dispatcher, status="new", priority="emergency",
                                       customer=factories.make_customer(name="张伟"))
        on_site = factories.make_order(dispatcher, status="on_site", priority="high",
                                       assignee=technician,
                                       customer=factories.make_customer(name="刘洋"))
        return {"email": dispatcher.email, "scheduled": scheduled.number,
                "waiting": waiting.number, "on_site": on_site.number}

    return committed(build)


def test_a_dispatcher_finds_an_order_reads_its_history_and_switches_to_chinese(
        app, live_server, page, desk, monkeypatch):
    # The real forms carry their CSRF tokens, so run with protection on, as in production.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    rows = page.locator("table.orders tbody tr")

    page.goto(f"{live_server}/orders")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-mail").fill(desk["email"])
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/orders$"))
    expect(page.get_by_role("heading", name="Work orders")).to_be_visible()
    expect(page.get_by_text("Chen Jing · dispatcher")).to_be_visible()
    expect(rows).to_have_count(3)
    page.screenshot(path=f"{SCREENSHOTS}/doorstep-console-orders-en.png", full_page=True)

    page.get_by_label("Status").select_option("scheduled")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=scheduled"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("王秀英")
    expect(page.get_by_label("Status")).to_have_value("scheduled")

    page.get_by_role("link", name=desk["scheduled"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(desk["scheduled"])
    timeline = page.locator("ol.timeline li")
    expect(timeline.first).to_contain_text("Request taken by")
    expect(page.locator("ol.timeline")).to_contain_text("New → Scheduled")
    expect(page.locator("ol.timeline")).to_contain_text("Chen Jing")
    expect(page.locator(".warranty")).to_have_text("In warranty")

    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", level=1)).to_contain_text(desk["scheduled"])
    expect(page.get_by_role("heading", name="处理记录")).to_be_visible()
    expect(page.get_by_role("heading", name="客户", exact=True)).to_be_visible()
    expect(page.locator("h1 .status")).to_have_text("已预约")
    expect(page.locator(".warranty")).to_have_text("保修期内")
    expect(page.locator("ol.timeline")).to_contain_text("新建 → 已预约")
    expect(page.get_by_text("Chen Jing · 调度员")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/doorstep-console-order-zh.png", full_page=True)

    # The choice is kept for the rest of the session.
    page.get_by_role("link", name="← 工单").click()
    expect(page.get_by_role("heading", name=re.compile("^工单"))).to_be_visible()
    expect(rows).to_have_count(3)
    expect(page.locator("table.orders")).to_contain_text("紧急")
    expect(page.locator("table.orders")).to_contain_text("已到场")
    page.screenshot(path=f"{SCREENSHOTS}/doorstep-console-orders-zh.png", full_page=True)

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name=re.compile("^Work orders"))).to_be_visible()


def test_a_wrong_password_is_explained_on_the_form(live_server, page, desk):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(desk["email"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
