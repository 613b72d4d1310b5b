"""The intake questions of a symptom, edited under /admin/symptoms/<code>/questions: an admin
adds, relabels, reorders and withdraws questions and their answers (both languages, the
answers that raise the priority); intake, the assessment and the order page use them at
once; orders that hold a withdrawn question or answer still show its words."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.extensions import db
from server.intake import symptoms
from server.settings.models import Setting
from server.workorders.models import WorkOrder

from .test_console import sign_in
from .test_dispatch_console import new_customer_request

URL = "/admin/symptoms/WH_NO_HOT_WATER/questions"


def text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&amp;", "&")


@pytest.fixture
def admin_client(client, admin):
    assert sign_in(client, admin).status_code == 302
    return client


def edited_form(**overrides) -> dict:
    """WH_NO_HOT_WATER rewritten: a new first question whose "low" answer raises the
    priority, the fuel question relabelled with "not sure" dropped and "solar" added, the
    indicator-light question withdrawn, "since" kept last."""
    form = {
        "count": "4",
        "q0_key": "fuel", "q0_label_en": "Gas, electric or solar?",
        "q0_label_zh": "燃气、电还是太阳能？", "q0_position": "2", "q0_active": "1",
        "q0_options": "gas | Gas | 燃气\nelectric | Electric | 电\nsolar | Solar | 太阳能",
        "q1_key": "light", "q1_label_en": "Is the indicator light on?",
        "q1_label_zh": "指示灯亮吗？", "q1_position": "3",
        "q1_options": "yes | Yes | 是\nno | No | 否",  # q1_active not ticked: withdrawn
        "q2_key": "since", "q2_label_en": "Since when?", "q2_label_zh": "从什么时候开始？",
        "q2_position": "4", "q2_active": "1",
        "q2_options": "today | Today | 今天\ndays | A few days | 几天\nweeks | A week or more | 一周以上",
        "q3_key": "pressure", "q3_label_en": "Water pressure at the taps?",
        "q3_label_zh": "水龙头水压如何？", "q3_position": "1", "q3_active": "1",
        "q3_options": "normal | Normal | 正常\nlow | Very low | 很低 | high",
    }
    form.update(overrides)
    return form


def latest_order() -> WorkOrder:
    return db.session.scalars(select(WorkOrder).order_by(WorkOrder.created_at.desc())).first()


def test_an_admin_edits_a_symptom_s_questions_and_intake_asks_them_at_once(
        admin_client, client, admin, dispatcher):
    page = text(admin_client.get(URL))
    assert "Gas or electric?" in page and "gas | Gas | 燃气" in page  # built-in, written out
    response = admin_client.post(URL, data=edited_form())
    assert response.status_code == 302
    assert db.session.scalars(select(AuditEvent.action)).all()[-1] == "symptom.questions_updated"

    symptom = symptoms.get("WH_NO_HOT_WATER")
    assert [q.key for q in symptom.questions] == ["pressure", "fuel", "since"]
    assert [q.key for q in symptom.withdrawn] == ["light"]
    fuel = symptom.question("fuel")
    assert [c.key for c in fuel.choices] == ["gas", "electric", "solar"]
    assert [c.key for c in fuel.retired] == ["unsure"]  # dropped: kept for old orders
    with force_locale("zh"):
        assert str(fuel.label) == "燃气、电还是太阳能？"
        assert str(fuel.choice_label("unsure")) == "不确定"

    # The intake form and the assessment ask and weigh the new questions, in Chinese too.
    client.get("/logout")
    assert sign_in(client, dispatcher).status_code == 302
    form = text(client.post("/intake/part/problem?lang=zh", data=new_customer_request()))
    assert "水龙头水压如何？" in form and "太阳能" in form and "指示灯亮吗？" not in form
    assert form.index("水龙头水压如何？") < form.index("燃气、电还是太阳能？")
    assessment = text(client.post("/intake/part/assessment?lang=en", data=new_customer_request(
        answer_fuel="solar", answer_pressure="low")))
    assert "Water pressure at the taps? — Very low" in assessment
    # A withdrawn question or answer is no longer accepted.
    refused = text(client.post("/intake?lang=en", data=new_customer_request(answer_fuel="unsure")))
    assert "Choose one of the answers offered." in refused
    assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 0
    assert client.post("/intake", data=new_customer_request(
        answer_fuel="solar", answer_pressure="low", answer_light="yes")).status_code == 302
    order = latest_order()
    # The withdrawn question is not asked: an answer to it is not recorded.
    assert order.intake_answers == {"fuel": "solar", "pressure": "low"}
    assert order.priority == "high"


def test_an_order_keeps_showing_a_withdrawn_question_and_answer(client, admin, dispatcher):
    assert sign_in(client, dispatcher).status_code == 302
    assert client.post("/intake", data=new_customer_request(
        answer_fuel="unsure", answer_light="yes")).status_code == 302
    order = latest_order()
    client.get("/logout")
    assert sign_in(client, admin).status_code == 302
    assert client.post(URL, data=edited_form()).status_code == 302
    client.get("/logout")
    assert sign_in(client, dispatcher).status_code == 302
    english = text(client.get(f"/orders/{order.id}?lang=en"))
    assert "Is the indicator light on?" in english and "Not sure" in english
    chinese = text(client.get(f"/orders/{order.id}?lang=zh"))
    assert "指示灯亮吗？" in chinese and "不确定" in chinese
    assert not re.search(r">\s*(light|unsure)\s*<", english + chinese)


def test_bad_questions_name_the_field_and_store_nothing(admin_client):
    response = admin_client.post(URL, data=edited_form(
        q0_key="Fuel!", q1_label_zh="", q2_options="today | Today",
        q3_options="low | Very low | 很低 | urgent", q3_position="first"))
    assert response.status_code == 422
    body = text(response)
    for field in ("q0_key", "q1_label_zh", "q2_options", "q3_options", "q3_position"):
        assert re.search(rf'<label for="{field}"', body)
        assert re.search(rf'id="{field}"[^>]*aria-invalid', body)
    assert "A key of small letters, digits and _ such as gas_off." in body
    assert "Enter the Chinese question (at most 200 characters)." in body
    assert "One answer a line: key | English | 中文" in body
    assert "“urgent”: an answer raises the priority to high or emergency only." in body
    assert "A whole number: where the question comes." in body
    assert 'value="Fuel!"' in body  # what was typed stays
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0
    twice = admin_client.post(URL, data=edited_form(q1_key="fuel"))
    assert twice.status_code == 422 and "Each question once." in text(twice)
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0


def test_the_questions_page_reads_in_chinese_and_is_for_admins_only(admin_client, client,
                                                                     dispatcher):
    page = text(admin_client.get(URL + "?lang=zh"))
    assert "追问问题" in page and "用中文写的问题" in page and "燃气还是电热水器？" in page
    # A built-in answer that raises the priority is written out with it.
    assert "yes | Yes | 是 | emergency" in text(admin_client.get(
        "/admin/symptoms/WM_LEAK/questions"))
    refused = admin_client.post(URL + "?lang=zh", data=edited_form(q1_label_zh=""))
    assert refused.status_code == 422 and "请填写中文问题（最多 200 个字符）。" in text(refused)
    assert admin_client.get("/admin/symptoms/NO_SUCH_THING/questions").status_code == 404
    client.get("/logout")
    assert sign_in(client, dispatcher).status_code == 302
    assert client.get(URL).status_code in (302, 403)
    assert client.post(URL, data=edited_form()).status_code in (302, 403)
    assert symptoms.edited_questions() == {}

