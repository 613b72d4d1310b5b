"""The technician app writes times in the company's time zone, not the phone's: a phone
set to New York reads a Shanghai appointment at the Shanghai time the customer agreed to,
in the format of its language; when an admin moves the company's zone, the next pull
brings it and the times follow."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from server.accounts.models import User
from server.extensions import db
from server.settings import service as settings
from server.workorders.models import WorkOrder
from tests import factories
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    HERE,
    PHONE,
    TechnicianApp,
    build_job,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _appointment_tomorrow(job) -> datetime:
    """09:30–11:00 Shanghai time, tomorrow in Shanghai (01:30 UTC; 20:30 the day before in
    New York)."""
    day = datetime.now(SHANGHAI).date() + timedelta(days=2)
    start = datetime.combine(day, time(9, 30), SHANGHAI)
    order = db.session.get(WorkOrder, uuid.UUID(job.order_id))
    dispatcher = db.session.get(User, uuid.UUID(job.dispatcher_id))
    factories.orders.update_order(dispatcher, order, {
        "appointment_start": start.astimezone(UTC),
        "appointment_end": (start + timedelta(minutes=90)).astimezone(UTC)})
    return start


def test_the_phone_writes_times_in_the_company_zone_not_its_own(live_server, browser,
                                                                 committed):
    job = committed(lambda: build_job(language="zh"))
    start = committed(lambda: _appointment_tomorrow(job))
    context = browser.new_context(**PHONE, locale="zh-CN", timezone_id="America/New_York",
                                  permissions=["geolocation"], geolocation=HERE)
    try:
        page = context.new_page()
        assert page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone") \
            == "America/New_York"
        app = TechnicianApp(page, live_server)
        app.sign_in(job.email, language="中文")
        page.get_by_role("link", name="即将到来").click()
        row = page.locator(f".job-link[data-number='{job.number}']")
        # Chinese form: "12月2日周三 09:30–11:00"; the phone's own zone would say 20:30–22:00.
        expect(row).to_contain_text("09:30–11:00")
        expect(row).to_contain_text(f"{start.month}月{start.day}日")
        expect(row).not_to_contain_text("20:30")
        app.open_job(job.number)
        expect(page.locator("p.big").first).to_contain_text("09:30–11:00")

        # English: the same moment, the English day form ("Wed 2 Dec 09:30–11:00").
        page.goto(f"{live_server}/app/#/settings")
        page.get_by_role("button", name="English").click()
        page.goto(f"{live_server}/app/#/jobs/upcoming")
        row = page.locator(f".job-link[data-number='{job.number}']")
        expect(row).to_contain_text(f"{start:%a} {start.day} {start:%b} 09:30–11:00")

        # An admin moves the company to London time: the next pull carries it.
        def move_company():
            settings.save(None, "DOORSTEP_TIMEZONE", "Europe/London",
                           "settings.company_updated", before="Asia/Shanghai",
                           after="Europe/London")
        committed(move_company)
        since = app.last_sync()
        page.reload()
        app.wait_synced(since=since)
        page.goto(f"{live_server}/app/#/jobs/upcoming")
        london = start.astimezone(ZoneInfo("Europe/London"))
        expect(page.locator(f".job-link[data-number='{job.number}']")).to_contain_text(
            f"{london:%H:%M}–{london + timedelta(minutes=90):%H:%M}")
        assert app.errors == []
    finally:
        context.close()
