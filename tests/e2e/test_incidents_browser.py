"""An admin watches a batch failure grow in real Chromium: detection opens an incident at
level 1, a bigger burst raises it to level 2, a missed deadline escalates through the SLA
sweep; the same pages read in Chinese."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.incidents.conftest import make_burst

pytestmark = [pytest.mark.live, pytest.mark.browser]


def test_an_incident_opens_escalates_and_reads_in_both_languages(
        app, live_server, page, committed, monkeypatch):
    from server.database import utcnow

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    now = utcnow()
    admin = committed(lambda: {"email": factories.make_user("admin", name="Zhou Min").email,
                               "burst": len(make_burst(12, model="JSQ24-12", now=now,
                                                       spread_days=5))})

    page.goto(f"{live_server}/login?lang=en")
    page.get_by_label("E-mail").fill(admin["email"])
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Incidents").click()
    expect(page.get_by_text("No incident.")).to_be_visible()

    page.get_by_role("button", name="Run detection now").click()
    expect(page.get_by_text("Detection run: 1 opened, 0 raised, 12 orders linked.")).to_be_visible()
    row = page.locator("table.incidents tbody tr").first
    expect(row).to_contain_text("Level 1")
    expect(row).to_contain_text("JSQ24-12")
    expect(row).to_contain_text("No hot water")
    expect(row).to_contain_text("regional manager")

    # The burst grows past the second threshold.
    committed(lambda: make_burst(45, model="JSQ24-12", now=utcnow(), spread_days=1))
    page.get_by_role("button", name="Run detection now").click()
    expect(page.get_by_text("Detection run: 0 opened, 1 raised, 45 orders linked.")).to_be_visible()
    page.locator("table.incidents tbody tr a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Level 2")
    expect(page.locator(".incident-owner")).to_have_text("hq technical")
    history = page.locator(".incident-history li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("Opened at level 1")
    expect(history.nth(1)).to_contain_text("Level 1 → 2")
    expect(page.locator("table.by-region")).to_contain_text("上海市")
    expect(page.locator("table.linked-orders tbody tr")).to_have_count(57)

    # Two days later the 48-hour plan is still not done: the SLA sweep escalates it.
    def sweep_later():
        from sqlalchemy import update

        from server.extensions import db
        from server.incidents.models import IncidentDeadline
        from server.tasks import sla_sweep

        # Let the 48 hours pass: the deadline was due an hour ago.
        db.session.execute(update(IncidentDeadline).where(
            IncidentDeadline.kind == "compensation_plan").values(
            due_at=utcnow() - timedelta(hours=1)))
        sla_sweep.call_local()
        return db.session.query(IncidentDeadline).filter(
            IncidentDeadline.escalated_at.is_not(None)).count()

    assert committed(sweep_later) == 1
    page.reload()
    missed = page.locator("tr.deadline-missed")
    expect(missed).to_contain_text("compensation plan")
    expect(missed).to_contain_text("escalated")
    page.get_by_title("Notifications").click()
    expect(page.get_by_text(re.compile(r"Incident INC-\d{4}-\d{6} missed its deadline"))) \
        .to_be_visible()

    page.get_by_role("button", name="中文").click()
    expect(page.get_by_text(re.compile(r"批量故障事件 INC-\d{4}-\d{6} 已超过时限“检查与补偿方案”"))) \
        .to_be_visible()
    page.get_by_role("link", name="打开事件").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2 级")
    expect(page.locator(".incident-owner")).to_have_text("总部技术部")
    expect(page.locator(".incident-history li").nth(0)).to_contain_text("以 1 级开启")
    expect(page.locator("tr.deadline-missed")).to_contain_text("已超时")
