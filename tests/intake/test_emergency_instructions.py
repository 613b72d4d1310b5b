"""At intake an emergency symptom shows what to read to the caller, in the dispatcher's
language, and a company can replace the lines per symptom."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

FORM = {"channel": "phone", "customer_mode": "new", "name": "赵丽", "phone": "+86 139 1111 2222",
        "language": "zh", "address_id": "new", "line1": "漕溪北路 88 号", "city": "上海市",
        "asset_id": "new", "category": "water_heater", "brand": "A.O. Smith",
        "model": "E60VN3", "serial": "AOS-1", "order_type": "repair"}


def problem(client, lang="en", **fields):
    return client.post(f"/intake/part/problem?lang={lang}",
                       data={**FORM, **fields}).get_data(as_text=True)


@pytest.fixture
def office(client, dispatcher):
    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    return client


def test_a_gas_smell_shows_what_to_read_to_the_caller(office):
    body = problem(office, symptom_code="WH_GAS_SMELL")
    assert "Read this to the caller now" in body
    assert "Turn the gas off at the meter" in body
    assert "Do not switch anything on or off" in body


def test_the_instructions_are_in_the_dispatchers_language(office):
    body = problem(office, lang="zh", symptom_code="WH_GAS_SMELL")
    assert "请立即向来电者宣读以下内容" in body
    assert "请立即关闭燃气表阀门或气瓶阀门。" in body
    assert "Turn the gas off" not in body


def test_a_water_leak_shows_the_water_lines(office):
    body = problem(office, symptom_code="WH_TANK_LEAK")
    assert "Close the water stopcock" in body and "Turn the gas off" not in body


def test_a_burning_smell_answer_brings_the_burning_lines(office):
    body = problem(office, category="air_conditioner", symptom_code="AC_NOISE",
                   answer_burning_smell="yes")
    assert "Do not use water on an electrical fire." in body
    assert "Read this to the caller now" not in problem(
        office, category="air_conditioner", symptom_code="AC_NOISE", answer_burning_smell="no")


def test_an_ordinary_symptom_shows_no_instructions(office):
    assert "Read this to the caller now" not in problem(office, symptom_code="WH_NO_HOT_WATER")


def test_a_company_replaces_the_lines_per_symptom_and_language(office, app, monkeypatch):
    monkeypatch.setitem(app.config, "EMERGENCY_INSTRUCTIONS", {
        "WH_GAS_SMELL": {"en": ["Close the yellow valve under the boiler."]}})
    body = problem(office, symptom_code="WH_GAS_SMELL")
    assert "Close the yellow valve under the boiler." in body
    assert "Turn the gas off at the meter" not in body
    # No Chinese override: the default Chinese lines.
    assert "请立即关闭燃气表阀门或气瓶阀门。" in problem(office, lang="zh",
                                                    symptom_code="WH_GAS_SMELL")
