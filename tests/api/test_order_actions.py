"""Acting on an order from the office — cancel, hold, close, reopen — through the one state
machine: only the actions allowed now, a reason where one is required, nothing partial."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.workorders.models import WorkOrder, WorkOrderEvent, WorkOrderNote
from tests.api.test_console import sign_in, text
from tests.api.test_reports import (  # noqa: F401 — fixtures
    _signing_key_outside_the_instance_folder,
    do_the_work,
    report_of,
    signing_dir,
    visit_for,
)
from tests.factories import walk_to
from tests.sync.phone import new_id


@pytest.fixture
def office(client, dispatcher):
    assert sign_in(client, dispatcher).status_code == 302
    return client


def events_of(order) -> int:
    return db.session.scalar(select(func.count()).select_from(WorkOrderEvent)
                             .where(WorkOrderEvent.work_order_id == order.id))


def act(api, order, **body):
    return api.post(f"/api/v1/workorders/{order.id}/actions", json=body)


def test_an_action_not_allowed_now_names_the_allowed_ones(api_as, dispatcher, make_order):
    order = make_order(actor=dispatcher)
    before = events_of(order)
    response = act(api_as(dispatcher), order, action="close")
    assert response.status_code == 409
    body = response.get_json()
    assert body["description"] and "allowed now: cancel" in body["errors"]["action"][0]
    db.session.expire_all()
    assert order.status == "new" and events_of(order) == before


def test_cancelling_without_a_reason_names_the_field_and_stores_nothing(
        api_as, dispatcher, make_order):
    order = make_order(actor=dispatcher)
    before = events_of(order)
    for reason in (None, "   "):
        response = act(api_as(dispatcher), order, action="cancel", reason=reason)
        assert response.status_code == 422
        assert list(response.get_json()["errors"]) == ["reason"]
    db.session.expire_all()
    assert order.status == "new" and events_of(order) == before


def test_an_unknown_action_is_refused_by_name(api_as, dispatcher, make_order):
    response = act(api_as(dispatcher), make_order(actor=dispatcher), action="delete")
    assert response.status_code == 422 and "action" in response.get_json()["errors"]["json"]


def test_cancelling_on_site_keeps_the_work_and_flags_it(api_as, dispatcher, visit_for,  # noqa: F811
                                                         office):
    visit = visit_for("en")
    visit.push("add_note", note_id=new_id(), body="Access via the back door",
               device_time=visit.phone.now())
    visit.work("Capacitor failed", "Replaced it", parts=((visit.parts[0], 1),))
    response = act(api_as(dispatcher), visit.order, action="cancel",
                   reason="Customer sent the technician away")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["order"]["status"] == "cancelled"
    db.session.expire_all()
    event = db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == visit.order.id).order_by(WorkOrderEvent.seq.desc())).first()
    assert event.to_status == "cancelled"
    assert event.data["work_kept"] == {"notes": 1, "parts": 1}
    assert db.session.scalar(select(func.count()).select_from(WorkOrderNote).where(
        WorkOrderNote.work_order_id == visit.order.id)) == 1
    page = text(office.get(f"/orders/{visit.order.id}"))
    assert "work done on site is kept (1 note, 1 part line)" in page
    assert "Access via the back door" in page


def test_putting_a_visit_on_hold_waits_for_the_customer_or_for_parts(
        api_as, dispatcher, technician, make_order):
    order = walk_to(make_order(actor=dispatcher), "on_site", dispatcher, technician)
    api = api_as(dispatcher)
    assert act(api, order, action="hold").status_code == 422
    response = act(api, order, action="hold", reason="Part on order", waiting_for="parts")
    assert response.get_json()["order"]["status"] == "awaiting_parts"
    assert response.get_json()["allowed_actions"] == ["cancel"]


def test_closing_needs_the_signed_report_ready(api_as, dispatcher, technician, make_order):
    order = walk_to(make_order(actor=dispatcher), "completed", dispatcher, technician)
    response = act(api_as(dispatcher), order, action="close", reason="Would not sign")
    assert response.status_code == 409
    assert "signed report" in response.get_json()["description"]


def test_a_signed_order_closes_then_reopens_with_a_linked_new_visit(
        api_as, dispatcher, visit_for):  # noqa: F811
    visit = do_the_work(visit_for("en"))
    visit.sign("Alice Smith")
    assert report_of(visit).status == "ready"
    api = api_as(dispatcher)
    closed = act(api, visit.order, action="close")
    assert closed.status_code == 200 and closed.get_json()["order"]["status"] == "closed"
    assert closed.get_json()["allowed_actions"] == ["reopen"]
    assert act(api, visit.order, action="reopen").status_code == 422
    reopened = act(api, visit.order, action="reopen", reason="Fan still rattles")
    body = reopened.get_json()
    assert body["order"]["status"] == "reopened"
    new_visit = db.session.get(WorkOrder, uuid.UUID(body["new_visit"]["id"]))
    assert new_visit.repeat_of_id == visit.order.id and new_visit.status == "new"
    assert new_visit.customer_id == visit.order.customer_id


def test_the_page_shows_only_the_actions_allowed_now(office, dispatcher, technician,
                                                    make_order):
    order = make_order(actor=dispatcher)
    page = text(office.get(f"/orders/{order.id}"))
    assert re.findall(r'data-action="(\w+)"', page) == ["cancel"]
    walk_to(order, "on_site", dispatcher, technician)
    db.session.flush()
    page = text(office.get(f"/orders/{order.id}"))
    assert re.findall(r'data-action="(\w+)"', page) == ["cancel", "hold"]


def test_cancelling_from_the_page_needs_a_reason(office, dispatcher, make_order):
    order = make_order(actor=dispatcher)
    refused = office.post(f"/orders/{order.id}/actions/cancel", data={"reason": ""})
    assert refused.status_code == 422
    assert 'id="reason-cancel-error"' in text(refused)
    db.session.expire_all()
    assert order.status == "new"
    done = office.post(f"/orders/{order.id}/actions/cancel", data={"reason": "Duplicate"},
                       follow_redirects=True)
    assert "The order is cancelled." in text(done)
    db.session.expire_all()
    assert order.status == "cancelled"


def test_an_action_refused_on_the_page_is_a_409(office, dispatcher, make_order):
    order = make_order(actor=dispatcher)
    response = office.post(f"/orders/{order.id}/actions/close", data={})
    assert response.status_code == 409
    assert office.post(f"/orders/{order.id}/actions/explode", data={}).status_code == 404


@pytest.mark.parametrize("reason", ["x" * 501, "before\x00after"])
def test_a_reason_a_database_cannot_store_is_refused_from_the_page(office, dispatcher,
                                                                  make_order, reason):
    order = make_order(actor=dispatcher)
    response = office.post(f"/orders/{order.id}/actions/cancel", data={"reason": reason})
    assert response.status_code == 422
    db.session.expire_all()
    assert order.status == "new"
