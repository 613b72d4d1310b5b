"""A dispatcher takes a phone call in real Chromium: a new customer, a new water heater,
the warranty and the SLA deadline shown before saving, the top suggestion booked from the
keyboard — and the technician's phone finds the order on its next pull.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.accounts.service import issue_device_token
from server.extensions import db
from server.workorders.models import WorkOrder
from tests import factories
from tests.e2e.console_helpers import next_working_day, wait_for_htmx

pytestmark = [pytest.mark.live, pytest.mark.browser]

SCREENSHOTS = "/tmp"
SHANGHAI = ZoneInfo("Asia/Shanghai")



@pytest.fixture
def desk(committed):
    """A dispatcher, three technicians (one right for a water heater in Xuhui), a customer
    already known in Xuhui, and the right technician's phone."""

    def build():
        dispatcher = factories.make_user("dispatcher", name="Chen Jing")
        li = factories.make_technician(name="李师傅", skills=("water_heater", "repair"))
        factories.make_technician(name="王师傅", skills=("air_conditioner", "repair"))
        far = factories.make_technician(name="张师傅", skills=("water_heater", "repair"))
        far.home_latitude, far.home_longitude = 31.23, 121.60  # Pudong, ~16 km away
        factories.make_customer(name="王秀英")  # gives Xuhui a known location
        _, token = issue_device_token(li.user, "Li's phone", timedelta(days=1))
        return {"email": dispatcher.email, "token": token}

    return committed(build)


def test_a_phone_request_for_a_new_customer_is_booked_and_reaches_the_technician(
        app, live_server, page, desk, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page.set_viewport_size({"width": 1440, "height": 900})
    day = next_working_day()

    page.goto(f"{live_server}/intake")
    page.get_by_label("E-mail").fill(desk["email"])
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="New request")).to_be_visible()
    expect(page.get_by_label("Phone", exact=True)).to_be_checked()
    wait_for_htmx(page)

    # The caller is not on record.
    page.get_by_label("Find by phone, name or address").fill("139 5555")
    expect(page.locator("#customer-results")).to_contain_text("No customer matches")
    page.get_by_role("button", name="New customer").click()
    # The new-customer form is swapped in and focuses Name: type only once it has settled.
    expect(page.get_by_label("Name", exact=True)).to_be_focused(timeout=15_000)
    wait_for_htmx(page)
    page.get_by_label("Name", exact=True).fill("赵丽")
    page.get_by_label("Phone number").fill("+86 139 5555 0101")
    expect(page.get_by_label("Phone number")).to_have_value("+86 139 5555 0101")
    page.get_by_label("Street address").fill("漕溪北路 88 号 5 室")
    page.get_by_label("District").fill("徐汇区")
    page.get_by_label("City").fill("上海市")

    # The appliance, from its label and the receipt: the warranty shows at once.
    expect(page.get_by_label("Add an appliance")).to_be_checked()
    page.get_by_label("Product", exact=True).select_option("water_heater")
    page.get_by_label("Brand").fill("A.O. Smith")
    page.get_by_label("Model").fill("E60VN3")
    page.get_by_label("Serial number").fill("AOS2025090117")
    bought = date.today() - timedelta(days=200)
    page.get_by_label("Purchase date").fill(bought.isoformat())
    page.get_by_label("Serial number").click()  # leaving the date field sends "change"
    warranty = page.locator("#new-asset-warranty")
    expect(warranty.locator(".warranty")).to_have_text("In warranty")
    expect(warranty).to_contain_text("assuming the usual 36-month warranty")

    # A smell of gas would be an emergency: on site within two hours…
    assessment = page.locator("#assessment")
    page.get_by_label("Symptom").select_option("WH_GAS_SMELL")
    expect(assessment.locator(".priority")).to_have_text("Emergency")
    expect(assessment).to_contain_text("On site by")
    expect(assessment).to_contain_text(re.compile(r"1 h 5\d min left|2 h left"))
    expect(page.get_by_text("Gas turned off at the meter?")).to_be_visible()

    # …but it is no hot water: a normal repair, booked within a working day.
    page.get_by_label("Symptom").select_option("WH_NO_HOT_WATER")
    expect(page.get_by_text("Gas or electric?")).to_be_visible()
    page.locator("label.pill", has_text="Electric").click()
    expect(assessment.locator(".priority")).to_have_text("Normal")
    expect(assessment).to_contain_text("Appointment booked by")
    expect(assessment.locator(".warranty")).to_have_text("In warranty")
    shown_deadline = assessment.locator("[data-deadline=respond] strong").inner_text()
    page.get_by_label("Preferred day").fill(day.isoformat())
    page.get_by_label("Preferred time").select_option("morning")
    page.screenshot(path=f"{SCREENSHOTS}/doorstep-intake.png", full_page=True)
    page.get_by_role("button", name="Save request").click()

    # The board opens on the preferred day with the new order and its suggestions.
    expect(page).to_have_url(re.compile(r"/board\?order="))
    expect(page.locator(".flash-success")).to_contain_text("saved: Normal")
    panel = page.locator("#panel")
    expect(panel.locator(".suggestion").first).to_contain_text("李师傅")
    expect(panel.locator(".suggestion").first).to_contain_text("Water heater ✓ repair ✓")
    expect(panel.locator(".suggestion").first.locator(".why")).to_contain_text("km from home base")
    order = _saved_order(re.search(r"order=([0-9a-f-]{36})", page.url).group(1))
    assert order["phone"] == "+86 139 5555 0101", order
    assert order["respond_by"] == shown_deadline or order["respond_by_next"] == shown_deadline
    page.screenshot(path=f"{SCREENSHOTS}/doorstep-board.png")

    # The top suggestion, from the keyboard.
    wait_for_htmx(page)  # the shortcut is console.js's
    page.locator("body").press("1")
    expect(page.locator(".flash-success")).to_contain_text(f"{order['number']} booked with 李师傅")
    lane = page.locator(".lane", has_text="李师傅")
    expect(lane.locator(".job")).to_have_count(1)

    # The technician's phone pulls the order on its next sync.
    response = page.request.get(f"{live_server}/api/v1/sync/pull?protocol=1&cursor=0",
                                headers={"Authorization": f"Bearer {desk['token']}"})
    assert response.ok, response.text()
    pulled = {c["data"]["number"]: c["data"] for c in response.json()["changes"]
              if c["type"] == "work_order"}
    assert order["number"] in pulled
    on_phone = pulled[order["number"]]
    assert on_phone["status"] == "scheduled"
    start = datetime.fromisoformat(on_phone["appointment_start"]).astimezone(SHANGHAI)
    assert start.date() == day and 8 <= start.hour < 12  # in the morning they asked for


def _saved_order(order_id: str) -> dict:
    """The order the board opened, as plain values (see ``committed``: never hold ORM
    objects here)."""
    import uuid

    from flask_babel import force_locale

    from server.console.formatting import moment

    try:
        order = db.session.get(WorkOrder, uuid.UUID(order_id))
        assert order is not None, f"the board opened order {order_id}, which is not stored"
        with force_locale("en"):
            result = {"number": order.number, "phone": order.customer.phone,
                      "respond_by": moment(order.respond_by),
                      "respond_by_next": moment(order.respond_by - timedelta(minutes=1))}
    finally:
        db.session.remove()
    return result


def test_a_request_missing_details_is_explained_next_to_each_field(live_server, page, desk):
    page.goto(f"{live_server}/intake")
    page.get_by_label("E-mail").fill(desk["email"])
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    wait_for_htmx(page)
    page.get_by_role("button", name="New customer").click()
    # The new-customer form is swapped in and focuses Name: type only once it has settled.
    expect(page.get_by_label("Name", exact=True)).to_be_focused(timeout=15_000)
    page.get_by_label("Phone number").fill("not a number")
    expect(page.get_by_label("Phone number")).to_have_value("not a number")
    page.get_by_role("button", name="Save request").click()
    expect(page.locator(".problem")).to_contain_text("Some fields need attention")
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name-error")).to_have_text("Enter the customer's name.")
    expect(page.locator("#phone-error")).to_have_text("Use digits, spaces, + ( ) or -.")
    expect(page.locator("#line1-error")).to_have_text("Enter the street address.")
    try:
        assert db.session.scalar(select(WorkOrder.id)) is None
    finally:
        db.session.remove()
