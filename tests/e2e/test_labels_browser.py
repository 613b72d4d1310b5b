"""Every screen of the technician app, in English and in Simplified Chinese, in real
Chromium: no stored code where a word belongs (symptoms, intake questions and answers,
statuses, priorities, warranty), no English left on a Chinese screen, no time with
seconds. The console's pages are checked the same way in tests/console/test_no_raw_codes.py.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from server.accounts.models import User
from server.extensions import db
from server.workorders import service as orders
from server.workorders.models import WorkOrder
from tests.console.pages import raw_codes, stored_words, untranslated
from tests.e2e.pwa_helpers import TechnicianApp, build_job, phone_context_fixture  # noqa: F401

pytestmark = [pytest.mark.live, pytest.mark.browser]

SCREENS = ("jobs", "job/{id}", "job/{id}/work", "job/{id}/parts", "job/{id}/photos",
           "job/{id}/sign", "knowledge", "sync", "settings")
ANSWERS = {"when": "running", "burning_smell": "no", "moved": "yes",
           "floor": "Second floor, no lift"}


def job_with_intake(language: str):
    """A scheduled job whose order records a symptom and the answers to its questions."""
    job = build_job(language=language)
    order = db.session.get(WorkOrder, uuid.UUID(job.order_id))
    office = db.session.get(User, uuid.UUID(job.dispatcher_id))
    orders.update_order(office, order, {"symptom_code": "AC_NOISE", "intake_answers": ANSWERS})
    return job


@pytest.mark.parametrize(("language", "button", "symptom", "question", "answer"), [
    ("en", "English", "Noise or rattling", "At start-up or while running?", "While running"),
    ("zh", "中文", "有异响", None, None),
])
def test_every_app_screen_speaks_one_language(app, live_server, phone_context, committed,
                                              language, button, symptom, question, answer):
    job = committed(lambda: job_with_intake(language))
    words = stored_words(app)
    db.session.remove()
    page = phone_context.new_page()
    phone = TechnicianApp(page, live_server)
    phone.sign_in(job.email, language=button)
    problems = {}
    for screen in SCREENS:
        page.goto(f"{live_server}/app/#/{screen.format(id=job.order_id)}")
        expect(page.locator("main").first).to_be_visible()
        page.wait_for_timeout(300)  # the screen renders from IndexedDB after the route
        lines = [line.strip() for line in page.locator("body").inner_text().splitlines()
                 if line.strip()]
        found = raw_codes(lines)
        if language == "zh":
            found += untranslated(lines, words)
        if found:
            problems[screen] = found
        phone.screenshot(f"labels-{language}-{screen.split('/')[-1].replace('{id}', 'job')}")
    assert problems == {}

    page.goto(f"{live_server}/app/#/job/{job.order_id}")
    overview = page.locator("dl.answers")
    expect(page.locator("main")).to_contain_text(symptom)
    if question:
        expect(overview).to_contain_text(question)
        expect(overview).to_contain_text(answer)
        expect(overview).to_contain_text("Floor and access")
    else:
        expect(overview).to_contain_text("楼层与通道")
        expect(overview).to_contain_text("运行中")
