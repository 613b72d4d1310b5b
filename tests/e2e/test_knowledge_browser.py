"""An article the office writes in the console in both languages reaches a technician's
phone through the pull and is suggested, offline, on a job with that symptom, in the
technician's language, with its image (uploaded in the editor) shown from the phone's own
copy; opened and marked helpful there; a proposal written on the job goes
to the office's review queue, and the opening and the answer show on the usage page — in
English and Chinese."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from server.extensions import db
from server.workorders.models import WorkOrder
from tests import factories
from tests.e2e.console_helpers import wait_for_htmx
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    make_jpeg,
    phone_context_fixture,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]

ARTICLE = {
    "en": {"title": "Burning smell: make the unit safe first",
           "body": "1. Switch off at the **isolator**.\n2. Check the fan motor terminals.",
           "bold": "isolator"},
    "zh": {"title": "焦糊味：先确保设备安全",
           "body": "1. 先断开**隔离开关**。\n2. 检查风机接线端子。", "bold": "隔离开关"},
}
CASES = {
    "en": {"button": "English", "symptom": "Burning smell or smoke",
           "suggested": "Suggested articles", "helped": "Yes, it helped", "work": "Work",
           "diagnosis": "Diagnosis", "found": "Fan motor terminal burnt",
           "propose": "Write a proposal", "send": "Send the proposal",
           "queue": "1 to review", "usage": "Most used"},
    "zh": {"button": "中文", "symptom": "有焦糊味或冒烟",
           "suggested": "推荐文章", "helped": "有帮助", "work": "作业",
           "diagnosis": "故障诊断", "found": "风机接线端子烧焦",
           "propose": "撰写建议", "send": "发送建议",
           "queue": "1 条待审核", "usage": "最常用"},
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_article_in_both_languages_is_suggested_offline_opened_rated_and_a_proposal_is_reviewed(
        app, live_server, page, phone_context, committed, monkeypatch, tmp_path, lang):
    case, mine = CASES[lang], ARTICLE[lang]
    other = ARTICLE["zh" if lang == "en" else "en"]
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    def build():
        job = build_job(language=lang)
        order = db.session.get(WorkOrder, uuid.UUID(job.order_id))
        order.symptom_code = "AC_BURNING"
        db.session.flush()
        office = factories.make_user("dispatcher", name="Office Writer").email
        return job, office

    job, office_email = committed(build)

    phone = phone_context.new_page()
    tech = TechnicianApp(phone, live_server)
    tech.sign_in(job.email, language=case["button"])

    # The office writes the article in both languages; it names no model, only the symptom.
    page.goto(f"{live_server}/login?lang={lang}")
    page.locator("#email").fill(office_email)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("form button.primary[type=submit]").click()
    page.goto(f"{live_server}/knowledge/new")
    wait_for_htmx(page)
    # an image, uploaded through the editor, goes in the text of both languages
    image = tmp_path / "isolator.jpg"
    make_jpeg(image, width=320, height=200)
    page.locator("#image").set_input_files(str(image))
    page.locator(".article-images button[type=submit]").click()
    snippet = page.locator(".article-image-markdown")
    expect(snippet).to_contain_text("](kb:")
    markdown = snippet.inner_text()
    for code, text in ARTICLE.items():
        page.locator(f"#title_{code}").fill(text["title"])
        page.locator(f"#body_{code}").fill(f"{text['body']}\n\n{markdown}")
    page.locator("#category").select_option("air_conditioner")
    page.get_by_label(case["symptom"]).check()
    page.locator("form.article-form button[type=submit]").click()
    # the console reader's language first, the other one below
    expect(page.locator("h1")).to_contain_text(mine["title"])
    expect(page.locator(".article-body strong").first).to_have_text(mine["bold"])
    expect(page.locator(".article-body strong").nth(1)).to_have_text(other["bold"])
    expect(page.locator(".article-body img").first).to_have_attribute(
        "src", __import__("re").compile(r"^/knowledge/images/[0-9a-f]{64}$"))

    # The phone's next pull brings it; then the phone goes offline.
    since = tech.last_sync()
    phone.reload()
    tech.wait_synced(since=since)
    phone_context.set_offline(True)
    phone.reload()
    tech.open_job(job.number)
    suggested = phone.get_by_test_id("suggested-articles")
    expect(suggested).to_contain_text(case["suggested"])
    expect(suggested).to_contain_text(mine["title"])
    expect(suggested).not_to_contain_text(other["title"])
    suggested.get_by_role("link", name=mine["title"]).click()
    expect(phone.locator(".article-heading")).to_have_text(mine["title"])
    expect(phone.locator(".article-body strong").first).to_have_text(mine["bold"])
    # the image shows offline, from the phone's own copy
    shown = phone.locator("img.article-image")
    expect(shown).to_be_visible()
    assert shown.evaluate("(img) => img.decode().then(() => img.naturalWidth)") == 320
    helped = phone.get_by_role("button", name=case["helped"], exact=True)
    expect(helped).to_be_enabled()
    helped.click()
    expect(helped).to_have_attribute("aria-pressed", "true")

    # Back on the job, still offline: the technician proposes an article from it.
    phone.go_back()
    expect(phone.locator(".topbar-title")).to_have_text(job.number)
    tech.tab(case["work"])
    tech.fill_field(case["diagnosis"], case["found"])
    proposal = phone.get_by_test_id("propose-article")
    proposal.get_by_role("button", name=case["propose"]).click()
    expect(phone.locator("#proposal-body")).to_have_value(
        __import__("re").compile(case["found"]))
    proposal.get_by_role("button", name=case["send"]).click()
    expect(proposal.get_by_role("button", name=case["propose"])).to_be_visible()
    assert tech.pending() >= 4  # the opening, the answer, the diagnosis, the proposal

    # Online again: everything reaches the office.
    since = tech.last_sync()
    phone_context.set_offline(False)
    tech.wait_synced(since=since)
    assert tech.errors == []

    page.goto(f"{live_server}/knowledge/proposals")
    queue = page.get_by_test_id("proposals")
    expect(page.locator("h1")).to_contain_text(case["queue"])
    expect(queue).to_contain_text(case["found"])
    expect(queue).to_contain_text(job.number)

    page.goto(f"{live_server}/knowledge/usage")
    wait_for_htmx(page)
    most = page.get_by_test_id("most-used")
    expect(most).to_contain_text(mine["title"])
    expect(most.locator("tbody tr").first.locator("td").nth(1)).to_have_text("1")
    expect(most.locator("tbody tr").first.locator("td").nth(2)).to_have_text("1")
    expect(page.get_by_test_id("least-helpful")).to_contain_text("100 %")
