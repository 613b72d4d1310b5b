"""Checklists: templates per job type and category with versions, over the API and in the
console; answers from the phone (replays, duplicates, limits); a gas job cannot be completed
until its safety checklist is complete (REST, sync, console service); answers in the signed
content and on the visit record."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from server.checklists import demo, service
from server.checklists.models import ChecklistAnswer, ChecklistTemplate
from server.extensions import db
from server.reports.content import signed_content
from server.workorders import service as orders
from tests.factories import PASSWORD, make_asset, make_customer, walk_to


def gas_job(make_order, dispatcher, technician, status="on_site"):
    customer = make_customer()
    asset = make_asset(customer, category="water_heater")
    asset.model = "JSQ31-C05"
    order = make_order(actor=dispatcher, customer=customer, asset=asset)
    walk_to(order, status, dispatcher, technician)
    orders.update_order(technician.user, order, {"resolution": "Replaced the gas valve"})
    return order


def test_the_gas_checklist_applies_only_to_gas_water_heaters(admin, make_order, dispatcher,
                                                             technician):
    demo.seed(admin)
    order = gas_job(make_order, dispatcher, technician)
    assert [t.name_en for t in service.templates_for(order)] == ["Gas appliance safety"]
    owner = make_customer()
    electric = make_order(actor=dispatcher, customer=owner,
                          asset=make_asset(owner, category="water_heater"))
    assert service.templates_for(electric) == []  # model KFR-35GW: not a gas model
    install = make_order(actor=dispatcher, type="install")
    assert [t.name_zh for t in service.templates_for(install)] == ["安装调试"]


def test_rest_completion_is_refused_until_every_required_item_is_answered(
        api_as, admin, make_order, dispatcher, technician):
    demo.seed(admin)
    order = gas_job(make_order, dispatcher, technician)
    phone = api_as(technician.user)
    refused = phone.post(f"/api/v1/workorders/{order.id}/transitions", json={"to": "completed"})
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["reason"] == "checklist_incomplete"
    assert "Gas leak test passed" in body["description"]
    assert sorted(body["errors"]["checklist"]) == [
        "flue: not answered", "ignition: not answered", "inlet_pressure: not answered",
        "leak_test: not answered"]  # co_reading is optional
    db.session.expire_all()
    assert db.session.get(type(order), order.id).status == "on_site"  # nothing stored
    gas = db.session.scalars(select(ChecklistTemplate).where(
        ChecklistTemplate.name_en == "Gas appliance safety")).one()
    for key, value in (("leak_test", "yes"), ("inlet_pressure", "20"), ("flue", "yes"),
                       ("ignition", "no")):
        service.record_answer(order, uuid.uuid4(), gas.id, 1, key, value)
    again = phone.post(f"/api/v1/workorders/{order.id}/transitions", json={"to": "completed"})
    assert again.status_code == 409  # a tick answered "no" is not done
    assert again.get_json()["errors"]["checklist"] == ["ignition: not answered"]
    service.record_answer(order, uuid.uuid4(), gas.id, 1, "ignition", "yes")
    done = phone.post(f"/api/v1/workorders/{order.id}/transitions", json={"to": "completed"})
    assert done.status_code == 200 and done.get_json()["status"] == "completed"


def test_the_refusal_is_in_chinese_for_a_chinese_user(api_as, admin, make_order, dispatcher,
                                                      technician):
    demo.seed(admin)
    order = gas_job(make_order, dispatcher, technician)
    refused = api_as(technician.user).post(f"/api/v1/workorders/{order.id}/transitions",
                                           json={"to": "completed"},
                                           headers={"Accept-Language": "zh"})
    assert refused.status_code == 409
    assert "燃气泄漏检测合格" in refused.get_json()["description"]


def _fill(phone, order, template, key, value, answer_id=None):
    return phone.fill_checklist_item(str(order.id), template, key, value,
                                     str(answer_id) if answer_id else None)


def test_a_phone_gets_templates_fills_offline_and_completes(phone_for, admin, make_order,
                                                            dispatcher, technician):
    demo.seed(admin)
    order = gas_job(make_order, dispatcher, technician)
    phone = phone_for(technician)
    phone.sync()
    templates = {t["name_en"]: t for t in phone.rows("checklist_template").values()}
    gas = templates["Gas appliance safety"]
    assert [i["key"] for i in gas["items"]][:3] == ["leak_test", "inlet_pressure", "flue"]
    assert phone.checklist_missing(str(order.id)) == [
        "leak_test", "inlet_pressure", "flue", "ignition"]
    early = phone.queue("transition", {"order_id": str(order.id), "to": "completed",
                                       "device_time": phone.now()})
    phone.sync()
    assert phone.rejection(early)["reason"] == "checklist_incomplete"
    same_id = uuid.uuid4()
    _fill(phone, order, gas, "leak_test", "yes", same_id)
    _fill(phone, order, gas, "leak_test", "yes", same_id)  # a replay: applied, nothing new
    _fill(phone, order, gas, "inlet_pressure", "31.50")  # outside 17–25 mbar: kept, flagged
    _fill(phone, order, gas, "flue", "yes")
    clash = _fill(phone, order, gas, "co_reading", "5", same_id)  # another answer's id
    bad = _fill(phone, order, gas, "inlet_pressure", "lots")
    unknown = _fill(phone, order, gas, "no_such_item", "yes")
    _fill(phone, order, gas, "ignition", "yes")
    assert phone.checklist_missing(str(order.id)) == []
    done = phone.queue("transition", {"order_id": str(order.id), "to": "completed",
                                      "device_time": phone.now()})
    phone.sync()
    assert phone.rejection(clash)["reason"] == "duplicate_id"
    assert phone.rejection(bad)["reason"] == "invalid_value"
    assert "value" in phone.rejection(bad)["errors"]
    assert phone.rejection(unknown)["errors"] == {"item_key": ["is not in this checklist"]}
    assert phone.rejection(done) is None
    db.session.expire_all()
    assert db.session.get(type(order), order.id).status == "completed"
    answers = db.session.scalars(select(ChecklistAnswer).where(
        ChecklistAnswer.work_order_id == order.id).order_by(ChecklistAnswer.item_key)).all()
    assert [(a.item_key, a.value, a.out_of_limits) for a in answers] == [
        ("flue", "yes", False), ("ignition", "yes", False), ("inlet_pressure", "31.5", True),
        ("leak_test", "yes", False)]
    # The answers come back to the phone in the pull, and are in the signed content.
    assert len(phone.rows("checklist_answer")) == 4
    content = signed_content(db.session.get(type(order), order.id))
    assert content["checklist"][0] == {"template": gas["id"], "version": 1, "key": "flue",
                                       "value": "yes"}
    assert [e["key"] for e in content["checklist"]] == [
        "flue", "ignition", "inlet_pressure", "leak_test"]


def test_content_without_answers_has_no_checklist_key(make_order, technician, dispatcher):
    order = make_order(actor=dispatcher, status="completed", assignee=technician)
    assert "checklist" not in signed_content(order)


def test_the_api_creates_updates_and_versions_templates(api_as, admin, technician):
    office = api_as(admin)
    body = {"name_en": "Gas safety", "name_zh": "燃气安全", "category": "water_heater",
            "job_types": ["repair"], "items": [
                {"key": "leak_test", "kind": "tick", "label_en": "Leak test",
                 "label_zh": "泄漏检测"},
                {"key": "pressure", "kind": "number", "label_en": "Pressure",
                 "label_zh": "压力", "unit": "mbar", "min": 17, "max": 25}]}
    created = office.post("/api/v1/checklists/", json=body)
    assert created.status_code == 201
    template = created.get_json()
    assert template["version"] == 1 and template["items"][1]["max"] == 25
    patched = office.patch(f"/api/v1/checklists/{template['id']}",
                           json={"items": body["items"][::-1]})
    assert patched.status_code == 200 and patched.get_json()["version"] == 2
    assert [i["key"] for i in patched.get_json()["items"]] == ["pressure", "leak_test"]
    versions = office.get(f"/api/v1/checklists/{template['id']}/versions").get_json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["items"][0]["key"] == "leak_test"
    listed = api_as(technician.user).get("/api/v1/checklists/").get_json()
    assert [t["id"] for t in listed] == [template["id"]]


def test_bad_templates_are_422_naming_the_field_and_store_nothing(api_as, admin):
    office = api_as(admin)
    item = {"key": "p", "kind": "number", "label_en": "P", "label_zh": "压"}
    cases = [
        ({"name_en": "X", "name_zh": "X", "items": []}, "items"),
        ({"name_en": "X", "name_zh": "X", "items": [{**item, "min": 5, "max": 1}]}, "items"),
        ({"name_en": "X", "name_zh": "X", "items": [item, item]}, "items"),
        ({"name_en": "X", "name_zh": "X", "items": [{**item, "kind": "dial"}]}, "items"),
        ({"name_en": "X", "items": [item]}, "name_zh"),
        ({"name_en": "X", "name_zh": "X", "category": "boat", "items": [item]}, "category"),
        ({"name_en": "X", "name_zh": "X", "job_types": ["x"], "items": [item]}, "job_types"),
    ]
    for body, field in cases:
        response = office.post("/api/v1/checklists/", json=body)
        assert response.status_code == 422, body
        assert field in response.get_json()["errors"]["json"], response.get_json()
    assert db.session.scalar(select(ChecklistTemplate.id)) is None


def test_the_office_edits_a_checklist_in_the_console_in_chinese(client, dispatcher):
    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    form = client.get("/checklists/new?lang=zh").get_data(as_text=True)
    assert "新建检查表" in form and "标签（中文）" in form
    data = {"name_en": "Gas safety", "name_zh": "燃气安全检查", "category": "water_heater",
            "job_types": ["repair"], "blocks_completion": "1", "active": "1", "rows": "3",
            "items-0-position": "2", "items-0-key": "flue", "items-0-kind": "tick",
            "items-0-label_en": "Flue", "items-0-label_zh": "烟道", "items-0-required": "1",
            "items-1-position": "1", "items-1-key": "pressure", "items-1-kind": "number",
            "items-1-label_en": "Pressure", "items-1-label_zh": "压力", "items-1-unit": "mbar",
            "items-1-min": "17", "items-1-max": "25", "items-1-required": "1"}
    bad = client.post("/checklists/new", data={**data, "items-1-min": "30"})
    assert bad.status_code == 422
    assert db.session.scalar(select(ChecklistTemplate.id)) is None
    saved = client.post("/checklists/new", data=data, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "燃气安全检查" in page and "检查表已保存。" in page
    template = db.session.scalars(select(ChecklistTemplate)).one()
    assert [i["key"] for i in template.items] == ["pressure", "flue"]  # by the order column
    assert template.items[0]["min"] == 17 and template.items[0]["unit"] == "mbar"
    edit = {**data, "items-0-remove": "1"}
    client.post(f"/checklists/{template.id}/edit", data=edit)
    db.session.expire_all()
    template = db.session.get(ChecklistTemplate, template.id)
    assert template.version == 2 and [i["key"] for i in template.items] == ["pressure"]
    listing = client.get("/checklists/?lang=en").get_data(as_text=True)
    assert "Gas safety" in listing and "Water heater" in listing and "Repair" in listing


def test_the_order_page_shows_what_is_answered_and_what_is_missing(client, admin, make_order,
                                                                   dispatcher, technician):
    demo.seed(admin)
    order = gas_job(make_order, dispatcher, technician)
    gas = db.session.scalars(select(ChecklistTemplate).where(
        ChecklistTemplate.name_en == "Gas appliance safety")).one()
    service.record_answer(order, uuid.uuid4(), gas.id, 1, "leak_test", "yes")
    service.record_answer(order, uuid.uuid4(), gas.id, 1, "inlet_pressure", "12")
    db.session.commit()
    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    page = client.get(f"/orders/{order.id}?lang=zh").get_data(as_text=True)
    assert "燃气具安全检查" in page and "燃气泄漏检测合格" in page
    assert "12 mbar" in page and "超出范围" in page and "未填写" in page
    english = client.get(f"/orders/{order.id}?lang=en").get_data(as_text=True)
    assert "Gas appliance safety" in english and "Not answered" in english


def test_a_photo_answer_must_name_a_photo_of_the_job(admin, make_order, dispatcher, technician):
    from server.errors import Invalid
    from server.media import service as media

    demo.seed(admin)
    order = make_order(actor=dispatcher, type="install", status="on_site", assignee=technician)
    other = make_order(actor=dispatcher)
    install = db.session.scalars(select(ChecklistTemplate).where(
        ChecklistTemplate.name_zh == "安装调试")).one()
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    media.attach_photo(order, mine, "after", "a" * 64, None, None)
    media.attach_photo(other, theirs, "after", "b" * 64, None, None)
    for value in (str(theirs), str(uuid.uuid4()), "not-an-id"):
        try:
            service.record_answer(order, uuid.uuid4(), install.id, 1, "photo_installed", value)
        except Invalid as refused:
            assert "value" in refused.errors
        else:
            raise AssertionError(value)
    answer = service.record_answer(order, uuid.uuid4(), install.id, 1, "photo_installed",
                                   str(mine).upper())
    assert answer.value == str(mine)


def test_a_tampered_row_counter_is_not_a_server_error(client, dispatcher):
    """The editor's hidden "rows" field is the browser's word: a NUL, a word or a huge number
    in it must neither fail the request nor loop; the rows posted are what counts."""
    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    data = {"name_en": "Flue check", "name_zh": "烟道检查", "category": "water_heater",
            "job_types": ["repair"], "blocks_completion": "1", "active": "1",
            "items-0-key": "flue", "items-0-kind": "tick", "items-0-label_en": "Flue",
            "items-0-label_zh": "烟道", "items-0-required": "1"}
    for rows in ("\x00", "abc", "-1", "99999999999999999999"):
        refused = client.post("/checklists/new", data={**data, "name_en": "", "rows": rows})
        assert refused.status_code == 422, rows
    assert db.session.scalar(select(ChecklistTemplate.id)) is None
    saved = client.post("/checklists/new", data={**data, "rows": "\x00"})
    assert saved.status_code == 302
    template = db.session.scalars(select(ChecklistTemplate)).one()
    assert [i["key"] for i in template.items] == ["flue"]


def test_the_office_finds_the_checklists_from_the_main_menu(client, dispatcher):
    """The checklist pages were linked from nowhere: an office user could not find them."""
    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    for lang, word in (("en", "Checklists"), ("zh", "检查表")):
        page = client.get(f"/orders?lang={lang}").get_data(as_text=True)
        assert f'href="/checklists/" >{word}</a>' in page
        here = client.get(f"/checklists/?lang={lang}").get_data(as_text=True)
        assert f'href="/checklists/" aria-current=page>{word}</a>' in here


def test_a_checklist_page_leads_back_to_all_checklists(client, dispatcher, admin):
    demo.seed(admin)
    template = db.session.scalars(select(ChecklistTemplate)).first()
    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    for lang, word in (("en", "All checklists"), ("zh", "全部检查表")):
        page = client.get(f"/checklists/{template.id}?lang={lang}").get_data(as_text=True)
        assert f'<a href="/checklists/">{word}</a>' in page
