"""The symptom catalogue on the phone (docs/sync-protocol.md §7b): a first pull brings every
symptom with its labels in both languages; a symptom an admin adds, relabels or withdraws,
or whose intake questions an admin rewrites, reaches the phone on its next pull; a pull
with nothing new in the catalogue does not carry it again."""

from server.extensions import db
from server.intake import symptoms
from server.settings import service as settings

NEW = {"code": "WH_DISPLAY_DARK", "label_en": "Display stays dark", "label_zh": "显示屏不亮",
       "category": "water_heater", "priority": "normal"}


def changes_of(phone, kind):
    body = phone.client.get("/api/v1/sync/pull", headers=phone._headers(), query_string={
        "protocol": 2, "cursor": phone.cursor}).get_json()
    return [c for c in body["changes"] if c["type"] == kind]


def test_a_first_pull_brings_the_whole_catalogue_in_both_languages(phone_for, technician,
                                                                    job):
    phone = phone_for(technician)
    phone.pull()
    catalogue = phone.rows("symptom")
    assert set(catalogue) == set(symptoms.BY_CODE)
    assert catalogue["WH_GAS_SMELL"] == {
        "id": "WH_GAS_SMELL", "label_en": "Smell of gas", "label_zh": "有燃气味",
        "category": "water_heater", "active": True, "questions": None}
    assert catalogue["OTHER"]["category"] is None
    assert changes_of(phone, "symptom") == []  # nothing changed since: not sent again


def test_a_symptom_added_relabelled_or_withdrawn_in_admin_reaches_the_phone(
        phone_for, technician, job, admin):
    phone = phone_for(technician)
    phone.pull()
    settings.save_symptom(admin, NEW)
    settings.save_symptom(admin, {"label_en": "Gas smell", "label_zh": "燃气味",
                                  "category": "water_heater", "priority": "emergency",
                                  "emergency": "1", "active": "1"}, "WH_GAS_SMELL")
    settings.save_symptom(admin, {"label_en": "Grease dripping", "label_zh": "滴油",
                                  "category": "range_hood", "priority": "low"}, "RH_OIL_DRIP")
    db.session.commit()
    phone.pull()
    assert phone.symptom_label("WH_DISPLAY_DARK", "zh") == "显示屏不亮"
    assert phone.symptom_label("WH_DISPLAY_DARK", "en") == "Display stays dark"
    assert phone.symptom_label("WH_GAS_SMELL", "zh") == "燃气味"
    assert phone.rows("symptom")["RH_OIL_DRIP"]["active"] is False  # old orders still read it
    assert phone.symptom_label("RH_OIL_DRIP", "zh") == "滴油"
    # A second phone starting from nothing gets the same catalogue.
    fresh = phone_for(technician, "second phone")
    fresh.pull()
    assert fresh.rows("symptom") == phone.rows("symptom")


def test_rewritten_questions_reach_the_phone_with_withdrawn_ones_kept(
        phone_for, technician, job, admin):
    phone = phone_for(technician)
    phone.pull()
    settings.save_questions(admin, "WH_NO_HOT_WATER", {
        "count": "1", "q0_key": "fuel", "q0_label_en": "Gas, electric or solar?",
        "q0_label_zh": "燃气、电还是太阳能？", "q0_active": "1",
        "q0_options": "gas | Gas | 燃气\nsolar | Solar | 太阳能"})
    db.session.commit()
    phone.pull()
    questions = phone.rows("symptom")["WH_NO_HOT_WATER"]["questions"]
    assert [(q["key"], q["active"]) for q in questions] == [
        ("fuel", True), ("light", False), ("since", False)]
    assert phone.answer_words("WH_NO_HOT_WATER", "fuel", "solar", "zh") == (
        "燃气、电还是太阳能？", "太阳能")
    # "electric" is no longer offered; an order that holds it still reads it.
    assert phone.answer_words("WH_NO_HOT_WATER", "fuel", "electric", "zh") == (
        "燃气、电还是太阳能？", "电")
    assert phone.answer_words("WH_NO_HOT_WATER", "light", "yes", "en") == (
        "Is the indicator light on?", "Yes")
    assert phone.answer_words("WH_GAS_SMELL", "gas_off", "yes", "en") is None  # built in
