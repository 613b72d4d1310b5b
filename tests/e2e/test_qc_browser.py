"""Quality checks in real Chromium, in English and in Chinese: a supervisor draws the
week's sample → reviews a sampled visit and fails one checklist item → the corrective
action shows on his team's list and on the technician's quality page → his evaluation of
the technician is refused without a score, then saved and listed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from server.extensions import limiter
from server.qc import service
from tests import factories
from tests.e2e.console_helpers import wait_for_htmx

pytestmark = [pytest.mark.live, pytest.mark.browser]

WORDS = {
    "en": {"nav": "Quality checks", "diagnosis": "Diagnosis", "failed": "Failed",
           "drawn": "signed visits drawn", "evaluation": "4.0 of 5"},
    "zh": {"nav": "内部质检", "diagnosis": "诊断", "failed": "不合格",
           "drawn": "进行质检", "evaluation": "4.0 分（满分 5）"},
}


def build(lang: str) -> dict:
    supervisor = factories.make_user("dispatcher", name="Daniel Brooks", locale=lang)
    li = factories.make_technician(name="Li Wei")
    li.user.supervisor_id = supervisor.id
    other = factories.make_technician(name="Zhang Min")
    for tech in (li, li, other):
        factories.make_order(supervisor, status="signed", assignee=tech)
    return {"supervisor": supervisor.email, "li": str(li.id),
            "week": service.week_of(service.local_today()).isoformat()}


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sample_review_with_a_failed_item_action_and_evaluation(app, live_server, page,
                                                                 committed, lang):
    limiter.reset()
    job = committed(lambda: build(lang))
    words = WORDS[lang]
    sign_in(page, live_server, job["supervisor"])

    # The nav leads to the queue; this week's sample: one visit of each technician.
    page.get_by_role("link", name=words["nav"], exact=True).first.click()
    wait_for_htmx(page)
    expect(page.locator("h1")).to_have_text(words["nav"])
    page.locator("#qc-sample input[name=week]").fill(job["week"])
    page.locator("#qc-sample button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text(words["drawn"])
    rows = page.locator("table.qc-queue tbody tr")
    expect(rows).to_have_count(2)

    # Review Li Wei's visit: the diagnosis fails, with a note for him.
    rows.filter(has_text="Li Wei").locator("a.button").click()
    wait_for_htmx(page)
    expect(page.locator("#qc-checklist")).to_contain_text(words["diagnosis"])
    for item in ("photos", "parts", "charges", "signature_report", "followup_feedback"):
        page.locator(f"fieldset[data-item={item}] input[value=pass]").check()
    page.locator("fieldset[data-item=diagnosis] input[value=fail]").check()
    page.locator("fieldset[data-item=diagnosis] input[name=note_diagnosis]").fill(
        "Diagnosis says fan, capacitor replaced")
    page.locator("#qc-checklist button[type=submit]").click()
    result = page.locator("#qc-result")
    expect(result).to_contain_text("83")
    expect(result.locator("tr[data-item=diagnosis]")).to_contain_text(words["failed"])

    # His supervisor's team list shows the open corrective action.
    page.goto(f"{live_server}/qc/actions?state=open&team=1")
    action = page.locator("tr[data-action=diagnosis]")
    expect(action).to_contain_text("Diagnosis says fan, capacitor replaced")
    expect(action).to_contain_text("Li Wei")

    # The technician's quality page: the score, the failed item, the open action.
    page.goto(f"{live_server}/qc/technicians/{job['li']}")
    wait_for_htmx(page)
    expect(page.locator("[data-qc-average]")).to_have_text("83.0")
    expect(page.locator("[data-failed=diagnosis]")).to_contain_text(words["diagnosis"])
    expect(page.locator("[data-open-action=diagnosis]")).to_be_visible()

    # An evaluation without a score is refused, naming the field; then it is saved.
    page.locator("#evaluation-form textarea[name=note]").fill("Careful and polite")
    page.locator("#evaluation-form button[type=submit]").click()
    expect(page.locator("[data-error=score]")).to_be_visible()
    expect(page.locator("#evaluation-form textarea[name=note]")).to_have_value(
        "Careful and polite")
    page.locator("#evaluation-form select[name=score]").select_option("4")
    page.locator("#evaluation-form button[type=submit]").click()
    expect(page.locator("#evaluation-history tr[data-evaluation]")).to_contain_text(
        "Careful and polite")
    expect(page.locator("[data-qc-evaluation]")).to_contain_text(words["evaluation"])
