"""Company settings, the SLA policy, region calendars and the symptom catalogue under /admin:
admins only; bad input names the field and stores nothing; every change is audited; what is
saved is what the rest of the server then uses (deadlines, intake, time zone, reports)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.extensions import db
from server.intake import emergency, symptoms
from server.settings import service as settings
from server.settings.models import Setting
from server.workorders import service as orders
from server.workorders.sla import WorkingCalendar, compute_deadlines
from tests import factories

SHANGHAI, LONDON = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/London")


def text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


@pytest.fixture
def admin_client(client, admin):
    assert client.post("/login", data={"email": admin.email,
                                       "password": factories.PASSWORD}).status_code == 302
    return client


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Setting))


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.created_at)))


COMPANY = {"name": "Acme Service", "address": "1 Main St", "phone": "+44 20 7946 0000",
           "locale": "zh", "currency": "GBP", "timezone": "Europe/London",
           "work_days": ["1", "2", "3", "4", "5", "6"], "opens": "09:00", "closes": "17:30",
           "holidays": "2026-12-25\n2026-12-26"}

SLA_FORM = {
    "emergency_respond": "1", "emergency_respond_unit": "hours", "emergency_resolve": "12",
    "emergency_resolve_unit": "hours", "emergency_wall_clock": "1",
    "high_respond": "2", "high_respond_unit": "hours", "high_resolve": "1",
    "high_resolve_unit": "days",
    "normal_respond": "4", "normal_respond_unit": "hours", "normal_resolve": "2",
    "normal_resolve_unit": "days",
    "low_respond": "2", "low_respond_unit": "days", "low_resolve": "5", "low_resolve_unit": "days",
    "factor_repair": "1", "factor_install": "3", "factor_maintenance": "1",
    "factor_inspection": "1", "factor_return_exchange": "2",
}


@pytest.mark.parametrize("role", ["dispatcher", "technician"])
def test_every_role_but_admin_is_refused(client, make_user, role):
    user = make_user(role)
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})

    def refused(response):
        return response.status_code == 403 or (
            response.status_code == 302 and "/login" in response.headers["Location"])

    for url in ("/admin/settings", "/admin/sla", "/admin/symptoms"):
        assert refused(client.get(url))
    assert refused(client.post("/admin/settings", data=COMPANY))
    assert refused(client.post("/admin/sla", data=SLA_FORM))
    assert refused(client.post("/admin/sla/regions", data={**COMPANY, "region": "London"}))
    assert refused(client.post("/admin/symptoms/WH_GAS_SMELL", data={"label_en": "x"}))
    assert stored() == 0


def test_the_defaults_are_today_s_policy_and_calendar(app):
    """Nothing stored: the configuration's calendar and the targets that were constants."""
    calendar = orders.calendar()
    assert calendar == WorkingCalendar.from_config(app.config)
    monday_9 = datetime(2026, 11, 23, 9, tzinfo=SHANGHAI)
    expected = {  # respond, resolve as they were hard-coded before this change
        ("emergency", "repair"): (monday_9 + timedelta(hours=2), monday_9 + timedelta(hours=24)),
        ("high", "repair"): (datetime(2026, 11, 23, 13, tzinfo=SHANGHAI),
                             datetime(2026, 11, 24, 9, tzinfo=SHANGHAI)),
        ("normal", "repair"): (datetime(2026, 11, 24, 9, tzinfo=SHANGHAI),
                               datetime(2026, 11, 26, 9, tzinfo=SHANGHAI)),
        ("normal", "install"): (datetime(2026, 11, 24, 9, tzinfo=SHANGHAI),
                                datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)),
        ("low", "repair"): (datetime(2026, 11, 25, 9, tzinfo=SHANGHAI),
                            datetime(2026, 11, 30, 9, tzinfo=SHANGHAI)),
    }
    for (priority, kind), (respond, resolve) in expected.items():
        got = orders.order_deadlines(priority, kind, monday_9, "上海市")
        assert (got.respond_by, got.resolve_by) == (respond, resolve), (priority, kind)
        assert compute_deadlines(priority, kind, monday_9, calendar) == got


def test_company_settings_refuse_bad_fields_by_name_and_store_nothing(admin_client):
    response = admin_client.post("/admin/settings", data={
        **COMPANY, "name": " ", "timezone": "Mars/Olympus", "currency": "pounds",
        "work_days": [], "opens": "18:00", "closes": "08:00", "holidays": "2026-13-40",
        "locale": "fr"})
    assert response.status_code == 422
    body = text(response)
    for message in ("Enter the company's name", "A time zone such as Asia/Shanghai",
                    "A three-letter currency code", "Choose at least one working day.",
                    "Opening and closing times", "“2026-13-40” is not one", "Choose a language."):
        assert message in body
    assert 'value="Mars/Olympus"' in body  # what was typed stays in the form
    assert stored() == 0 and "settings.company_updated" not in actions()


def test_company_settings_are_saved_audited_and_used(admin_client, make_order):
    assert admin_client.post("/admin/settings", data=COMPANY).status_code == 302
    assert settings.get("DOORSTEP_COMPANY_NAME") == "Acme Service"
    assert settings.get("DOORSTEP_CURRENCY") == "GBP"
    calendar = orders.calendar()
    assert calendar.timezone == "Europe/London" and calendar.work_days == frozenset(range(1, 7))
    assert calendar.is_working_day(datetime(2026, 11, 28).date())  # a Saturday now
    assert not calendar.is_working_day(datetime(2026, 12, 25).date())
    assert actions().count("settings.company_updated") == 9  # one line per changed setting
    page = text(admin_client.get("/admin/settings"))
    assert 'value="Acme Service"' in page and 'value="09:00"' in page
    # Times on console pages are now written in London time.
    order = make_order()
    order.appointment_start = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
    order.appointment_end = order.appointment_start + timedelta(hours=1)
    db.session.flush()
    assert "10:30" in text(admin_client.get(f"/orders/{order.id}?lang=en"))
    # The audit log names the settings in words, in both languages.
    assert "Company settings changed" in text(admin_client.get("/admin/audit?lang=en"))
    assert "修改公司设置" in text(admin_client.get("/admin/audit?lang=zh"))


def test_sla_policy_refuses_bad_fields_by_name(admin_client):
    response = admin_client.post("/admin/sla", data={
        **SLA_FORM, "normal_respond": "0", "high_resolve_unit": "weeks", "factor_install": "x"})
    assert response.status_code == 422
    body = text(response)
    assert "A number above 0, at most 1000." in body and "Choose hours or working days." in body
    assert "A factor from 0.1 to 10" in body
    assert 'id="normal_respond" name="normal_respond" value="0"' in body
    assert stored() == 0


def test_a_changed_policy_sets_the_deadlines_of_new_orders(admin_client, admin, make_customer):
    assert admin_client.post("/admin/sla", data=SLA_FORM).status_code == 302
    assert "settings.sla_updated" in actions()
    customer = make_customer()
    monday_9 = datetime(2026, 11, 23, 9, tzinfo=SHANGHAI)
    order = orders.create_order(admin, {"channel": "phone", "type": "repair",
                                        "priority": "normal", "customer_id": customer.id},
                                now=monday_9.astimezone(UTC))
    assert order.respond_by == datetime(2026, 11, 23, 13, tzinfo=SHANGHAI)  # 4 h, not a day
    assert order.resolve_by == datetime(2026, 11, 25, 9, tzinfo=SHANGHAI)  # 2 days, not 3
    install = orders.create_order(admin, {"channel": "phone", "type": "install",
                                          "priority": "normal", "customer_id": customer.id},
                                  now=monday_9.astimezone(UTC))
    assert install.resolve_by == datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)  # 2 days × 3 working
    page = text(admin_client.get("/admin/sla"))
    assert 'id="normal_respond" name="normal_respond" value="4"' in page


def _london_calendar(**changes):
    return {"region": "London", "timezone": "Europe/London",
            "work_days": ["1", "2", "3", "4", "5"], "opens": "09:00", "closes": "17:00",
            "holidays": "2026-12-25\n2026-12-28", **changes}


def test_deadlines_follow_the_calendar_of_the_order_s_region(admin_client, admin,
                                                            make_customer):
    """Shanghai works on 28 December, London has a bank holiday; each order counts its own."""
    assert admin_client.post("/admin/sla/regions", data=_london_calendar()).status_code == 302
    assert admin_client.post("/admin/sla/regions", data={
        "region": "上海", "timezone": "Asia/Shanghai", "work_days": ["1", "2", "3", "4", "5"],
        "opens": "08:00", "closes": "18:00", "holidays": "2027-01-01"}).status_code == 302
    assert actions().count("settings.region_calendar_saved") == 2
    london = make_customer(name="Alice Smith", language="en", city="London")
    shanghai = make_customer()
    # Thursday 24 Dec 2026, 16:00 London = Friday 00:00 Shanghai.
    received = datetime(2026, 12, 24, 16, tzinfo=LONDON).astimezone(UTC)
    in_london = orders.create_order(admin, {"channel": "phone", "type": "repair",
                                            "priority": "normal", "customer_id": london.id},
                                    now=received)
    in_shanghai = orders.create_order(admin, {"channel": "phone", "type": "repair",
                                              "priority": "normal", "customer_id": shanghai.id},
                                      now=received)
    # London: 1 h on Thursday, then Christmas, the weekend and the 28th off: 7 h on Tuesday 29.
    assert in_london.respond_by == datetime(2026, 12, 29, 16, tzinfo=LONDON)
    # Shanghai: Friday 25 is a working day there; a full working day from its 08:00 opening.
    assert in_shanghai.respond_by == datetime(2026, 12, 25, 18, tzinfo=SHANGHAI)
    # The same order with the London calendar removed falls back to the company's.
    assert admin_client.post("/admin/sla/regions/london/remove").status_code == 302
    assert "settings.region_calendar_removed" in actions()
    assert settings.calendar_for("London") == orders.calendar()


def test_a_region_calendar_with_bad_fields_is_refused_by_name(admin_client):
    response = admin_client.post("/admin/sla/regions", data=_london_calendar(
        region="", timezone="Nowhere", opens="", holidays="Christmas"))
    assert response.status_code == 422
    body = text(response)
    assert "Enter the region's city" in body and "A time zone such as" in body
    assert "Opening and closing times" in body and "“Christmas” is not one" in body
    assert stored() == 0


def test_an_admin_rewrites_a_symptom_and_its_emergency_instructions(admin_client):
    url = "/admin/symptoms/WH_GAS_SMELL"
    assert admin_client.post(url, data={
        "label_en": "Smell of gas", "label_zh": "有燃气味", "category": "water_heater",
        "priority": "emergency", "emergency": "1", "active": "1",
        "instructions_en": "Close the gas valve.\nOpen the windows.",
        "instructions_zh": "关闭燃气阀门。\n打开窗户。"}).status_code == 302
    assert "symptom.updated" in actions()
    symptom = symptoms.get("WH_GAS_SMELL")
    with force_locale("en"):
        assert str(symptom.label) == "Smell of gas"
        assert emergency.instructions("WH_GAS_SMELL") == ["Close the gas valve.",
                                                          "Open the windows."]
    with force_locale("zh"):
        assert str(symptom.label) == "有燃气味"
        assert emergency.instructions("WH_GAS_SMELL") == ["关闭燃气阀门。", "打开窗户。"]
    assert symptom.questions  # the built-in follow-up questions stay
    # The intake form reads the new words to the dispatcher.
    page = text(admin_client.get("/intake?lang=zh&category=water_heater&symptom_code=WH_GAS_SMELL"))
    assert "有燃气味" in page


def test_a_symptom_no_longer_an_emergency_reads_nothing(admin_client):
    with force_locale("en"):
        assert emergency.instructions("WM_FLOOD")
    assert admin_client.post("/admin/symptoms/WM_FLOOD", data={
        "label_en": "Flooding", "label_zh": "漏水成灾", "category": "washing_machine",
        "priority": "high", "active": "1"}).status_code == 302
    with force_locale("en"):
        assert emergency.instructions("WM_FLOOD") == []
    assert symptoms.get("WM_FLOOD").priority == "high"


def test_an_admin_adds_a_symptom_and_stops_offering_one(admin_client):
    assert admin_client.post("/admin/symptoms", data={
        "code": "rf_ice_maker", "label_en": "Ice maker stuck", "label_zh": "制冰机卡住",
        "category": "refrigerator", "priority": "low"}).status_code == 302
    assert "symptom.created" in actions()
    offered = [s.code for s in symptoms.for_category("refrigerator")]
    assert "RF_ICE_MAKER" in offered and offered[-1] == "OTHER"
    assert "RF_ICE_MAKER" not in [s.code for s in symptoms.for_category("range_hood")]
    assert admin_client.post("/admin/symptoms/RF_NOISE", data={
        "label_en": "Noisy", "label_zh": "噪音大", "category": "refrigerator",
        "priority": "normal"}).status_code == 302  # "active" unticked
    assert "RF_NOISE" not in [s.code for s in symptoms.for_category("refrigerator")]
    assert symptoms.get("RF_NOISE") is not None  # orders that carry it still read it
    page = text(admin_client.get("/admin/symptoms?lang=zh"))
    assert "制冰机卡住" in page and "不再提供" in page


def test_a_bad_symptom_names_the_field_and_stores_nothing(admin_client):
    response = admin_client.post("/admin/symptoms", data={
        "code": "WH_GAS_SMELL", "label_en": "", "label_zh": "", "category": "spaceship",
        "priority": "urgent", "emergency": "1"})
    assert response.status_code == 422
    body = text(response)
    for message in ("That code is taken.", "Enter the English label",
                    "Enter the Chinese label", "Choose a product category.", "Choose a priority.",
                    "An emergency needs instructions to read to the caller."):
        assert message in body
    bad_code = admin_client.post("/admin/symptoms", data={
        "code": "bad code!", "label_en": "x", "label_zh": "x", "category": "refrigerator",
        "priority": "low"})
    assert bad_code.status_code == 422 and "A code of capitals" in text(bad_code)
    assert stored() == 0


def test_the_settings_pages_speak_chinese(admin_client):
    assert "公司设置" in text(admin_client.get("/admin/settings?lang=zh"))
    sla = text(admin_client.get("/admin/sla?lang=zh"))
    assert "响应时限" in sla and "所有地区都使用公司的工作日历。" in sla and "星期一" in sla
    assert "故障现象目录" in text(admin_client.get("/admin/symptoms?lang=zh"))


def test_the_built_in_emergency_symptoms_are_those_with_default_instructions():
    assert symptoms.DEFAULT_INSTRUCTIONS == frozenset(emergency.DEFAULTS)


def test_a_withdrawn_symptom_can_be_offered_again(admin_client):
    form = {"label_en": "Loud noise or humming", "label_zh": "噪音大或嗡嗡响",
            "category": "refrigerator", "priority": "normal"}
    assert admin_client.post("/admin/symptoms/RF_NOISE", data=form).status_code == 302
    assert "RF_NOISE" not in [s.code for s in symptoms.for_category("refrigerator")]
    again = admin_client.post("/admin/symptoms/RF_NOISE", data={**form, "active": "1"})
    assert again.status_code == 302
    assert "RF_NOISE" in [s.code for s in symptoms.for_category("refrigerator")]
    taken = admin_client.post("/admin/symptoms", data={**form, "code": "RF_NOISE"})
    assert taken.status_code == 422 and "That code is taken." in text(taken)


def test_an_admin_sets_where_a_model_s_serial_carries_its_batch(admin_client):
    asset = factories.make_asset(factories.make_customer())
    asset.model, asset.serial = "E60VN3", "E62509001234"
    db.session.commit()
    page = text(admin_client.get("/admin/batches"))
    assert "No rules: a batch is known only where it was recorded." in page

    refused = admin_client.post("/admin/batches", data={"model": " ", "start": "0",
                                                         "length": "x"})
    assert refused.status_code == 422
    body = text(refused)
    assert "Enter the model as on the rating plate" in body
    assert body.count("A whole number from 1 to") == 2
    assert stored() == 0

    saved = admin_client.post("/admin/batches", data={"model": "E60VN3", "start": "3",
                                                      "length": "4"})
    assert saved.status_code == 302
    assert settings.batch_rules() == {"E60VN3": {"start": 3, "length": 4}}
    page = text(admin_client.get("/admin/batches?lang=zh"))
    # The rule shown on a real appliance of the model, in the reader's language.
    assert "<code>E6<mark>2509</mark>001234</code>" in page and "批次 2509" in page
    assert "生产批次" in page
    assert "settings.batch_rule_saved" in actions()
    assert "设置批次序列号规则" in text(admin_client.get("/admin/audit"))  # still in Chinese

    assert admin_client.post("/admin/batches/remove",
                             data={"model": "E60VN3"}).status_code == 302
    assert settings.batch_rules() == {}
    assert actions()[-1] == "settings.batch_rule_removed"


def test_only_an_admin_sets_serial_rules(client, make_user):
    client.post("/login", data={"email": make_user("dispatcher").email,
                                "password": factories.PASSWORD})
    assert client.get("/admin/batches").status_code == 403
    assert client.post("/admin/batches", data={"model": "E60VN3", "start": "3",
                                               "length": "4"}).status_code == 403
    assert stored() == 0
