"""/api/v1/complaints and the console's complaints pages, as the office uses them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.complaints import service
from server.database import utcnow
from server.extensions import db
from server.feedback.models import Complaint
from tests.api.test_console import sign_in, text


@pytest.fixture
def done_order(make_order, make_technician):
    return make_order(status="closed", assignee=make_technician(name="Li Wei"))


def test_creating_a_complaint_answers_with_its_working_calendar_deadlines(api_as, dispatcher,
                                                                          done_order):
    api = api_as(dispatcher)
    response = api.post("/api/v1/complaints", json={
        "description": "修完没几天又坏了", "grade": "yellow", "work_order_id": str(done_order.id)})
    assert response.status_code == 201, response.json
    body = response.json
    c = db.session.get(Complaint, uuid.UUID(body["id"]))
    due = service.deadlines(c.created_at, "yellow")
    assert body["respond_by"] == due.respond_by.isoformat()
    assert body["verify_by"] == due.verify_by.isoformat()
    assert body["owner_id"] == str(dispatcher.id) and body["grade"] == "yellow"
    assert body["technician_id"] == str(done_order.assignee_id)


def test_bad_input_names_the_field_and_stores_nothing(api_as, dispatcher):
    api = api_as(dispatcher)
    response = api.post("/api/v1/complaints", json={"description": "x", "grade": "purple"})
    assert response.status_code == 422 and "grade" in str(response.json["errors"])
    response = api.post("/api/v1/complaints", json={"description": "no one"})
    assert response.status_code == 422 and "customer_id" in str(response.json["errors"])
    assert db.session.scalar(select(Complaint)) is None


def test_steps_and_close_over_the_api(api_as, dispatcher, done_order):
    api = api_as(dispatcher)
    cid = api.post("/api/v1/complaints", json={
        "description": "Still leaking", "work_order_id": str(done_order.id)}).json["id"]
    r = api.post(f"/api/v1/complaints/{cid}/steps",
                 json={"kind": "answer", "said_to_customer": "Sorry; checking today."})
    assert r.status_code == 201 and r.json["status"] == "answered"
    r = api.post(f"/api/v1/complaints/{cid}/close", json={
        "resolution": "Re-sealed", "category": "repair_quality", "confirmation": "maybe"})
    assert r.status_code == 422 and "confirmation" in str(r.json["errors"])
    r = api.post(f"/api/v1/complaints/{cid}/close", json={
        "resolution": "Re-sealed", "category": "repair_quality", "confirmation": "customer"})
    assert r.status_code == 200 and r.json["status"] == "closed"
    r = api.get(f"/api/v1/complaints/{cid}")
    assert [s["kind"] for s in r.json["steps"]] == ["answer", "closed"]
    r = api.post(f"/api/v1/complaints/{cid}/steps", json={"kind": "note", "note": "late"})
    assert r.status_code == 409
    assert api.get("/api/v1/complaints").json["items"] == []
    assert len(api.get("/api/v1/complaints?include_closed=true").json["items"]) == 1


def test_technicians_may_not_use_the_complaints_api(api_as, technician):
    assert api_as(technician.user).get("/api/v1/complaints").status_code == 403


def test_a_complaint_from_the_customers_page_lands_in_the_queue_unowned(client, dispatcher,
                                                                      done_order):
    # The route is rate-limited; the browser test posts through it. Here: its service.
    from server.portal.service import complain

    complain(done_order, "没人回电话")
    c = db.session.scalar(select(Complaint))
    assert c.channel == "link" and c.owner_id is None and c.respond_by is not None
    assert sign_in(client, dispatcher).status_code == 302
    page = text(client.get("/complaints/"))
    assert "没人回电话" in page and "nobody yet" in page
    client.post(f"/complaints/{c.id}/take")
    db.session.refresh(c)
    assert c.owner_id == dispatcher.id


def test_the_console_walks_a_complaint_to_closed_in_chinese(client, make_user, done_order):
    zh = make_user("dispatcher", locale="zh")
    assert sign_in(client, zh).status_code == 302
    response = client.post("/complaints/new", data={
        "work_order_id": str(done_order.id), "description": "师傅态度差", "grade": "green"})
    assert response.status_code == 303
    c = db.session.scalar(select(Complaint))
    page = text(client.get(response.headers["Location"]))
    assert "答复客户期限" in page and "核实情况期限" in page
    client.post(f"/complaints/{c.id}/steps", data={"kind": "answer",
                                                   "said_to_customer": "已了解，今天回复您。"})
    page = text(client.get(f"/complaints/{c.id}"))
    assert "已了解，今天回复您。" in page and "答复客户" in page
    refused = text(client.post(f"/complaints/{c.id}/close", data={
        "resolution": "道歉并培训", "category": "", "confirmation": "customer"},
        follow_redirects=True))
    assert "请选择原因分类" in refused
    client.post(f"/complaints/{c.id}/close", data={
        "resolution": "道歉并培训", "category": "attitude", "confirmation": "customer"})
    db.session.refresh(c)
    assert c.status == "closed" and c.category == "attitude"
    page = text(client.get(f"/complaints/{c.id}"))
    assert "服务态度" in page and "关闭投诉" not in page


def test_the_queue_shows_overdue_first_and_filters_by_colour(client, dispatcher, done_order):
    service.record(dispatcher, description="old yellow", channel="console", grade="yellow",
                   work_order_id=done_order.id, now=utcnow() - timedelta(days=10))
    service.record(dispatcher, description="fresh green", channel="console",
                   work_order_id=done_order.id)
    db.session.flush()
    assert sign_in(client, dispatcher).status_code == 302
    page = text(client.get("/complaints/"))
    assert page.index("old yellow") < page.index("fresh green") and "overdue" in page
    only = text(client.get("/complaints/?grade=green"))
    assert "fresh green" in only and "old yellow" not in only


@pytest.mark.parametrize("path", ["/complaints/"])
def test_technicians_may_not_open_the_complaints_pages(client, technician, path):
    with client.session_transaction() as session:
        session["_user_id"] = str(technician.user.id)
        session["_fresh"] = True
        session["session_version"] = technician.user.session_version
    assert client.get(path).status_code == 403


def test_the_order_page_lists_its_complaints_and_records_one(client, dispatcher, done_order):
    assert sign_in(client, dispatcher).status_code == 302
    page = text(client.get(f"/orders/{done_order.id}"))
    assert "No complaints about this order." in page and "Record a complaint" in page
    client.post("/complaints/new", data={"work_order_id": str(done_order.id),
                                         "description": "Came back broken", "grade": "red"})
    page = text(client.get(f"/orders/{done_order.id}"))
    assert "Came back broken" in page


def test_the_supervisor_reads_the_escalation_in_their_notifications(client, make_user,
                                                                   done_order):
    supervisor = make_user("dispatcher", name="Supervisor Su", locale="zh")
    owner = make_user("dispatcher", name="Owner Ou")
    owner.supervisor_id = supervisor.id
    c = service.record(owner, description="x", channel="console", work_order_id=done_order.id)
    service.escalate_overdue(c.respond_by + timedelta(minutes=1))
    db.session.flush()
    assert sign_in(client, supervisor).status_code == 302
    page = text(client.get("/notifications"))
    assert f"{done_order.number} 的正常投诉已升级（响应）" in page and "Owner Ou" in page
    assert f"/complaints/{c.id}" in page


def test_the_analysis_counts_by_cause_model_technician_and_region_with_what_is_behind(
        client, dispatcher, make_order, make_technician, make_customer, make_asset):
    customer = make_customer(city="上海市")
    asset = make_asset(customer)
    li = make_technician(name="Li Wei")
    first = make_order(customer=customer, asset=asset, status="closed", assignee=li)
    second = make_order(customer=customer, asset=asset, status="closed", assignee=li)
    other = make_order(status="closed", assignee=make_technician(name="Sam Carter"))
    for order, text_ in ((first, "leak again"), (second, "late again"), (other, "rude")):
        c = service.record(dispatcher, description=text_, channel="console",
                           work_order_id=order.id)
        if order is other:
            service.close(dispatcher, c, resolution="apology", category="attitude",
                          confirmation="customer")
    data = service.analysis(utcnow() - timedelta(days=1))
    assert data["total"] == 3
    techs = {r["value"]: r["count"] for r in data["dimensions"]["technician"]}
    assert techs == {"Li Wei": 2, "Sam Carter": 1}
    assert {r["value"]: r["count"] for r in data["dimensions"]["category"]} == {
        "": 2, "attitude": 1}
    assert data["dimensions"]["model"][0] == {
        "value": "Gree KFR-35GW", "count": 3, "by_month": {data["months"][0]: 3}}
    assert data["dimensions"]["region"][0]["value"].startswith("上海市")
    db.session.flush()
    assert sign_in(client, dispatcher).status_code == 302
    page = text(client.get("/complaints/analysis?dimension=technician&value=Li+Wei"))
    assert "Product model" in page and "Gree KFR-35GW" in page
    behind = page[page.index('id="behind"'):]
    assert "leak again" in behind and "late again" in behind and "rude" not in behind


def test_the_complaint_list_comes_a_page_at_a_time(api_as, dispatcher, done_order):
    api = api_as(dispatcher)
    for n in range(3):
        assert api.post("/api/v1/complaints", json={
            "work_order_id": str(done_order.id), "description": f"complaint {n}",
            "grade": "green"}).status_code == 201
    first = api.get("/api/v1/complaints?per_page=2").get_json()
    second = api.get("/api/v1/complaints?per_page=2&page=2").get_json()
    assert (first["total"], len(first["items"]), len(second["items"])) == (3, 2, 1)
    seen = {c["id"] for c in first["items"]} | {c["id"] for c in second["items"]}
    assert len(seen) == 3
    refused = api.get("/api/v1/complaints?per_page=1000")
    assert refused.status_code == 422 and "per_page" in refused.get_json()["errors"]["query"]


def test_closing_too_early_in_chinese_says_what_is_missing_without_field_codes(
        client, make_user, done_order):
    """The refusal flashed "resolution: 请说明处理结果。; category: …" on a Chinese page."""
    zh = make_user("dispatcher", locale="zh")
    assert sign_in(client, zh).status_code == 302
    client.post("/complaints/new", data={"work_order_id": str(done_order.id),
                                         "description": "师傅态度差", "grade": "green"})
    c = db.session.scalar(select(Complaint))
    page = text(client.post(f"/complaints/{c.id}/close", data={}, follow_redirects=True))
    flashed = page.split('class="flashes"', 1)[1].split("</div>", 1)[0]
    assert "请说明处理结果。" in flashed and "请选择原因分类。" in flashed
    assert not any(code in flashed for code in ("resolution", "category", "confirmation"))
    db.session.refresh(c)
    assert c.status != "closed"
