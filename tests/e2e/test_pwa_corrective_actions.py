"""A technician reads their corrective actions from quality control in the app: what, why
(the reviewer's finding), the visit checked and the due date, the overdue one flagged; they
read the same offline; once the supervisor closes one it leaves the phone at the next sync.
English and Chinese, real Chromium, no CSP violation."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.accounts.models import User
from server.extensions import db
from server.qc import service as qc
from server.qc.models import CHECKLIST, CorrectiveAction
from server.technicians.models import Technician
from tests import factories
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    phone_context_fixture,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]

FINDINGS = {"photos": "No after photo of the outdoor unit",
            "charges": "Travel charged twice"}


def with_actions(app, language: str) -> dict:
    def build():
        job = build_job(language=language)
        tech = db.session.get(Technician, uuid.UUID(job.technician_id))
        reviewer = factories.make_user("dispatcher", name="Zhou Reviewer")
        visit = factories.make_order(reviewer, status="signed", assignee=tech)
        with app.test_request_context():
            review = qc.add_to_queue(reviewer, visit.id)
            qc.score(reviewer, review, [
                {"item": code, "passed": code not in FINDINGS, "note": FINDINGS.get(code)}
                for code in CHECKLIST], "Otherwise a tidy job")
        actions = {a.item: a for a in db.session.scalars(
            select(CorrectiveAction).where(CorrectiveAction.review_id == review.id))}
        actions["charges"].due_on = qc.local_today() - timedelta(days=2)  # overdue
        db.session.flush()
        return {"job": job, "visit": visit.number, "reviewer": str(reviewer.id),
                "ids": {item: str(a.id) for item, a in actions.items()}}

    return build


def test_the_technician_reads_their_actions_offline_until_the_supervisor_closes_one(
        app, live_server, phone_context, committed):
    data = committed(with_actions(app, "en"))
    page = phone_context.new_page()
    phone = TechnicianApp(page, live_server)
    phone.sign_in(data["job"].email)
    link = page.get_by_test_id("qc-actions-link")
    expect(link).to_have_text("2 corrective actions from quality control · 1 overdue")
    link.click()
    expect(page.locator(".topbar-title")).to_have_text("Corrective actions")
    cards = page.get_by_test_id("qc-actions").locator("li")
    expect(cards).to_have_count(2)
    overdue = page.locator(f'li[data-action="{data["ids"]["charges"]}"]')
    expect(overdue.locator("h2")).to_have_text("Charges")
    expect(overdue).to_contain_text("Travel charged twice")
    expect(overdue).to_contain_text(data["visit"])
    expect(overdue).to_contain_text("Otherwise a tidy job")
    expect(overdue.get_by_test_id("qc-action-overdue")).to_have_text("Overdue")
    photos = page.locator(f'li[data-action="{data["ids"]["photos"]}"]')
    expect(photos.locator("h2")).to_have_text("Before/after photos")
    expect(photos.get_by_test_id("qc-action-overdue")).to_have_count(0)
    # There is nothing to press: the supervisor closes an action.
    expect(page.get_by_test_id("qc-actions").get_by_role("button")).to_have_count(0)

    # Offline: the same list, from the phone.
    phone_context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("qc-actions").locator("li")).to_have_count(2)
    expect(overdue).to_contain_text("Travel charged twice")

    # The supervisor closes the overdue one; back online, the next sync drops it.
    def close():
        with app.test_request_context():
            action = db.session.get(CorrectiveAction, uuid.UUID(data["ids"]["charges"]))
            qc.complete_action(db.session.get(User, uuid.UUID(data["reviewer"])), action,
                               "Talked it through; invoice corrected")

    committed(close)
    since = phone.last_sync()
    phone_context.set_offline(False)
    phone.wait_synced(since=since)
    expect(page.get_by_test_id("qc-actions").locator("li")).to_have_count(1)
    expect(overdue).to_have_count(0)
    page.goto(f"{live_server}/app/#/jobs")
    expect(page.get_by_test_id("qc-actions-link")).to_have_text(
        "1 corrective action from quality control")
    assert phone.errors == []


def test_the_actions_read_in_chinese(app, live_server, phone_context, committed):
    data = committed(with_actions(app, "zh"))
    page = phone_context.new_page()
    phone = TechnicianApp(page, live_server)
    phone.sign_in(data["job"].email, language="中文")
    page.get_by_test_id("qc-actions-link").click()
    expect(page.locator(".topbar-title")).to_have_text("整改措施")
    overdue = page.locator(f'li[data-action="{data["ids"]["charges"]}"]')
    expect(overdue.locator("h2")).to_have_text("收费")
    expect(overdue.get_by_test_id("qc-action-overdue")).to_have_text("已逾期")
    expect(page.locator(f'li[data-action="{data["ids"]["photos"]}"] h2')).to_have_text("前后照片")
    expect(page.get_by_test_id("qc-actions")).to_contain_text("截止")
    assert phone.errors == []
