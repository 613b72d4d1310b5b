"""axe-core on the technician app's main screens, on a phone: no serious or critical
finding (labels, names, contrast, landmarks, focusable controls), in both languages.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    axe_violations,
    build_job,
    phone_context_fixture,
    photos_fixture,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]


def scan(page, name: str, found: dict) -> None:
    page.wait_for_timeout(300)  # let transitions and live queries settle
    violations = axe_violations(page)
    if violations:
        found[name] = violations


def test_the_main_screens_have_no_serious_accessibility_problems(
        live_server, phone_context, committed, photos):
    job = committed(build_job)
    page = phone_context.new_page()
    app = TechnicianApp(page, live_server)
    found: dict = {}

    page.goto(f"{live_server}/app/")
    expect(page.locator("#email")).to_be_visible()
    scan(page, "login", found)
    app.sign_in(job.email)
    scan(page, "jobs", found)

    app.open_job(job.number)
    scan(page, "job overview", found)
    app.step("Start travel")
    app.step("Arrived")
    app.tab("Work")
    app.fill_field("Resolution", "Cleaned the condenser coil")
    page.get_by_label("New note").fill("Coil clogged with dust.")
    page.get_by_role("button", name="Add note").click()
    scan(page, "job work", found)
    app.tab("Quote")
    scan(page, "job quote", found)
    app.take_quote(parts=("filter",))
    scan(page, "quote decided", found)
    app.tab("Parts")
    app.use_part("filter")
    page.locator("#part-search").fill("fan")
    scan(page, "job parts", found)
    page.locator(".part-result").first.click()
    scan(page, "use part dialog", found)
    page.keyboard.press("Escape")
    app.tab("Photos")
    app.add_photos("before", photos[:1])
    scan(page, "job photos", found)
    app.step("Pause…")
    scan(page, "pause dialog", found)
    page.keyboard.press("Escape")
    app.step("Complete job")
    app.tab("Sign-off")
    expect(page.get_by_test_id("report-preview")).to_be_visible()
    scan(page, "customer sign-off", found)

    for screen in ("knowledge", "sync", "settings"):
        page.goto(f"{live_server}/app/#/{screen}")
        expect(page.locator("main")).to_be_visible()
        scan(page, screen, found)
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    scan(page, "settings zh", found)
    page.goto(f"{live_server}/app/#/jobs/done")
    scan(page, "jobs zh", found)

    assert not found, found
    assert not app.errors
