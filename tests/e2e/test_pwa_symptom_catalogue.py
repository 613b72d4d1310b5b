"""A symptom an admin added, with intake questions the admin wrote, reaches the technician
app through the pull and reads in the phone's language — offline too (real Chromium)."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from server.accounts.models import User
from server.extensions import db
from server.settings import service as settings
from server.workorders import service as orders
from server.workorders.models import WorkOrder
from tests.e2e.pwa_helpers import TechnicianApp, build_job, phone_context_fixture  # noqa: F401

pytestmark = [pytest.mark.live, pytest.mark.browser]


def job_with_a_new_symptom():
    job = build_job(language="zh")
    office = db.session.get(User, uuid.UUID(job.dispatcher_id))
    settings.save_symptom(office, {
        "code": "AC_DISPLAY_DARK", "label_en": "Display stays dark", "label_zh": "显示屏不亮",
        "category": "air_conditioner", "priority": "normal"})
    settings.save_questions(office, "AC_DISPLAY_DARK", {
        "count": "1", "q0_key": "remote", "q0_label_en": "Does the remote beep?",
        "q0_label_zh": "遥控器有提示音吗？", "q0_active": "1",
        "q0_options": "beeps | It beeps | 有提示音\nsilent | Silent | 没有声音"})
    order = db.session.get(WorkOrder, uuid.UUID(job.order_id))
    orders.update_order(office, order, {"symptom_code": "AC_DISPLAY_DARK",
                                        "intake_answers": {"remote": "silent"}})
    return job


def test_a_symptom_added_in_admin_shows_its_chinese_label_on_the_phone(
        live_server, phone_context, committed):
    job = committed(job_with_a_new_symptom)
    page = phone_context.new_page()
    app = TechnicianApp(page, live_server)
    app.sign_in(job.email, language="中文")
    phone_context.set_offline(True)
    page.reload()
    expect(app.pill).to_contain_text("离线")
    app.open_job(job.number)
    symptom = page.get_by_test_id("symptom")
    expect(symptom).to_contain_text("显示屏不亮")
    expect(symptom).not_to_contain_text("AC_DISPLAY_DARK")
    answers = page.locator("dl.answers")
    expect(answers).to_contain_text("遥控器有提示音吗？")
    expect(answers).to_contain_text("没有声音")
    app.screenshot("symptom-added-in-admin-zh")
