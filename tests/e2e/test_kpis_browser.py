"""The KPI dashboard in real Chromium, in English and Chinese: the charts draw (ECharts,
from a static file under the Content-Security-Policy), a number opens the orders behind
it, and a technician's scorecard opens from the ranking."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from server.extensions import limiter
from tests import factories

pytestmark = [pytest.mark.live, pytest.mark.browser]


def build() -> dict:
    desk = factories.make_user("dispatcher", name="Desk Du")
    tech = factories.make_technician(name="Li Lei")
    done = [factories.make_order(desk, status="completed", assignee=tech) for _ in range(2)]
    waiting = factories.make_order(desk)
    return {"desk": desk.email, "tech": str(tech.id),
            "numbers": sorted(o.number for o in [*done, waiting])}


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_dashboard_draws_drills_down_and_opens_a_scorecard_in_both_languages(
        app, live_server, page, committed):
    limiter.reset()
    job = committed(build)
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, live_server, job["desk"])

    page.get_by_role("link", name="KPIs", exact=True).click()
    expect(page.get_by_role("heading", name="KPIs", exact=True)).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-kpi-charts", "ready")
    chart = page.locator('.kpi-chart[data-line="requested"]')
    expect(chart.locator("svg")).to_have_count(1)
    expect(chart.locator("svg path").first).to_be_attached()
    # The table beside the chart holds the same numbers for people who cannot see it.
    expect(page.locator("#kpi-requested table")).to_contain_text("3")
    expect(page.locator('[data-kpi-value="first_time_fix"]')).to_have_text("100.0%")

    page.locator('[data-kpi-value="requested"]').click()
    expect(page.get_by_role("heading", name="Orders requested")).to_be_visible()
    rows = page.locator("#behind tbody tr")
    expect(rows).to_have_count(3)
    for number in job["numbers"]:
        expect(page.locator("#behind")).to_contain_text(number)

    page.get_by_role("link", name="Back to the KPIs").click()
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", name="指标看板", exact=True)).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-kpi-charts", "ready")
    expect(page.locator("#kpi-first_time_fix h2")).to_have_text("首次修复率")
    # Chinese text inside the chart itself (the axis unit), drawn as SVG text.
    expect(page.locator('.kpi-chart[data-line="response_median"] svg')).to_contain_text("小时")

    page.get_by_role("link", name="月度排名").click()
    expect(page.locator("#service-star")).to_contain_text("服务之星")
    page.get_by_role("link", name="Li Lei").click()
    expect(page.get_by_role("heading", name="技师绩效 · Li Lei")).to_be_visible()
    expect(page.locator('[data-kpi-value="requested"]')).to_have_text("2")
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert problems == []


def test_the_grouped_table_and_the_scorecard_trends_in_both_languages(
        app, live_server, page, committed):
    limiter.reset()
    job = committed(build)
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, live_server, job["desk"])

    page.goto(f"{live_server}/kpis/")
    page.get_by_label("Break down by").select_option("technician")
    page.locator("select[name=kpi]").select_option("requested")
    page.get_by_role("button", name="Show").click()
    groups = page.locator("#kpi-groups")
    expect(groups.get_by_role("heading")).to_have_text("Orders requested by technician")
    row = groups.locator(f'tr[data-group="{job["tech"]}"]')
    expect(row.locator("th")).to_have_text("Li Lei")
    expect(row.locator('[data-group-cell="value"]')).to_have_text("2")
    expect(groups.locator('tr[data-group="all"]')).to_contain_text("3")
    row.locator('[data-group-cell="value"]').click()
    expect(page.locator("#behind tbody tr")).to_have_count(2)

    page.go_back()
    page.get_by_role("button", name="中文").click()
    expect(page.locator("#kpi-groups h2")).to_have_text("按技师：服务单数")
    expect(page.locator(f'#kpi-groups tr[data-group="{job["tech"]}"] th')).to_have_text("Li Lei")

    page.goto(f"{live_server}/kpis/technicians/{job['tech']}")
    expect(page.locator("body")).to_have_attribute("data-kpi-charts", "ready")
    chart = page.locator('.kpi-chart[data-line="requested"]')
    # Two lines (the technician's, the company's dashed) with a legend naming both.
    expect(chart.locator("svg")).to_contain_text("全公司")
    expect(chart.locator("svg")).to_contain_text("Li Lei")
    expect(chart.locator('svg path[stroke-dasharray]').first).to_be_attached()
    table = page.locator("#kpi-requested table")
    expect(table.locator("thead")).to_contain_text("全公司")
    expect(table.locator("td[data-company]").last).to_have_text("3")
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert problems == []
