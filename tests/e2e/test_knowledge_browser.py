"""An article the office writes in the console reaches a technician's phone through the
pull and is suggested, offline, on a job with that symptom — in English and Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from server.extensions import db
from server.workorders.models import WorkOrder
from tests import factories
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    phone_context_fixture,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]

CASES = {
    "en": {"button": "English", "title": "Burning smell: make the unit safe first",
           "body": "1. Switch off at the **isolator**.\n2. Check the fan motor terminals.",
           "bold": "isolator", "symptom": "Burning smell or smoke", "suggested":
               "Suggested articles", "console": "en"},
    "zh": {"button": "中文", "title": "焦糊味：先确保设备安全",
           "body": "1. 先断开**隔离开关**。\n2. 检查风机接线端子。", "bold": "隔离开关",
           "symptom": "有焦糊味或冒烟", "suggested": "推荐文章", "console": "zh"},
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_article_written_in_the_console_is_suggested_offline_by_symptom(
        app, live_server, page, phone_context, committed, monkeypatch, lang):
    case = CASES[lang]
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    def build():
        job = build_job(language=lang)
        order = db.session.get(WorkOrder, __import__("uuid").UUID(job.order_id))
        order.symptom_code = "AC_BURNING"
        db.session.flush()
        office = factories.make_user("dispatcher", name="Office Writer").email
        return job, office

    job, office_email = committed(build)

    phone = phone_context.new_page()
    tech = TechnicianApp(phone, live_server)
    tech.sign_in(job.email, language=case["button"])

    # The office writes the article; it names no model, only the symptom.
    page.goto(f"{live_server}/login?lang={case['console']}")
    page.locator("#email").fill(office_email)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("form button.primary[type=submit]").click()
    page.goto(f"{live_server}/knowledge/new")
    page.locator("#title").fill(case["title"])
    page.locator("#language").select_option(lang)
    page.locator("#category").select_option("air_conditioner")
    page.get_by_label(case["symptom"]).check()
    page.locator("#body").fill(case["body"])
    page.locator("form.article-form button[type=submit]").click()
    expect(page.locator(".article-body strong")).to_have_text(case["bold"])

    # The phone's next pull brings it; then the phone goes offline.
    since = tech.last_sync()
    phone.reload()
    tech.wait_synced(since=since)
    phone_context.set_offline(True)
    phone.reload()
    tech.open_job(job.number)
    suggested = phone.get_by_test_id("suggested-articles")
    expect(suggested).to_contain_text(case["suggested"])
    expect(suggested).to_contain_text(case["title"])
    suggested.get_by_role("link", name=case["title"]).click()
    expect(phone.locator(".article-heading")).to_have_text(case["title"])
    phone_context.set_offline(False)
