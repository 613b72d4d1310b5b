"""The dispatcher's working pages: intake with its validation and live assessment, the
board and its moves, stale edits, sync issues, the customer archive, notifications.
"""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.accounts.service import issue_device_token
from server.customers.models import Customer
from server.extensions import db
from server.feedback.models import Complaint, Survey
from server.media.models import Report, Signature
from server.notifications.models import Notification
from server.reports.content import content_hash, signed_content
from server.workorders import service as orders
from server.workorders.models import WorkOrder, WorkOrderEvent
from sync.models import RejectedMutation, SyncConflict
from tests.factories import walk_to

from .test_console import sign_in, text

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def office(client, dispatcher):
    assert sign_in(client, dispatcher).status_code == 302
    return client


def tomorrow() -> date:
    return datetime.now(SHANGHAI).date() + timedelta(days=1)


def errors_next_to(body: str, field: str) -> list[str]:
    """The messages rendered in the field's block (label, input, hint, errors)."""
    pattern = rf'<div class="field[^"]*has-error">\s*<label for="{field}"[\s\S]*?</div>'
    block = re.search(pattern, body)
    return [html.unescape(m) for m in re.findall(r'role="alert"[^>]*>([^<]+)<',
                                                  block.group(0))] if block else []


def events(order, kind=None):
    query = select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id)
    if kind:
        query = query.where(WorkOrderEvent.kind == kind)
    return db.session.scalars(query.order_by(WorkOrderEvent.seq)).all()


def newest_order() -> WorkOrder:
    return db.session.scalars(select(WorkOrder).order_by(WorkOrder.created_at.desc())).first()


# --- intake ---------------------------------------------------------------------------------

def test_the_intake_page_opens_on_the_customer_search(office):
    body = text(office.get("/intake"))
    assert "Find by phone, name or address" in body
    assert 'hx-post="/intake/part/assessment"' in body
    assert "Save request" in body


def test_searching_finds_customers_by_phone_name_and_address(office, make_customer):
    wang = make_customer(name="王秀英", phone="+86 138 1234 5678")
    for q in ("1234 5678", "秀英", "漕溪北路"):
        body = text(office.get("/intake/customers", query_string={"q": q}))
        assert wang.name in body and f"choose={wang.id}" in body, q
    assert "No customer matches" in text(office.get("/intake/customers?q=nobody-at-all"))


def test_an_empty_request_is_refused_field_by_field(office):
    response = office.post("/intake", data={"channel": "", "customer_mode": "existing",
                                            "order_type": "repair"})
    body = text(response)
    assert response.status_code == 422
    assert "Say how the request came in." in body
    assert "Search for the customer or add a new one." in body
    assert "Choose the appliance, add it, or say there is none on record." in body
    assert db.session.scalar(select(WorkOrder.id)) is None


def test_a_new_customer_needs_a_name_a_callable_number_and_an_address(office):
    response = office.post("/intake", data={
        "channel": "phone", "customer_mode": "new", "phone": "call me maybe",
        "address_id": "new", "asset_id": "none", "order_type": "repair"})
    body = text(response)
    assert response.status_code == 422
    assert errors_next_to(body, "name") == ["Enter the customer's name."]
    assert errors_next_to(body, "phone") == ["Use digits, spaces, + ( ) or -."]
    assert errors_next_to(body, "line1") == ["Enter the street address."]
    assert errors_next_to(body, "city") == ["Enter the city."]
    assert 'aria-invalid="true"' in body


def new_customer_request(**overrides):
    data = {
        "channel": "phone", "customer_mode": "new", "name": "赵丽", "phone": "+86 139 1111 2222",
        "language": "zh", "preferences": "只约上午\n有狗", "address_id": "new",
        "line1": "漕溪北路 88 号 5 室", "district": "徐汇区", "city": "上海市",
        "asset_id": "new", "category": "water_heater", "brand": "A.O. Smith",
        "model": "E60VN3", "serial": "AOS-123", "purchase_date": "2025-09-01",
        "order_type": "repair", "symptom_code": "WH_NO_HOT_WATER", "answer_fuel": "electric",
        "description": "", "preferred_slot": "any",
    }
    data.update(overrides)
    return data


def test_the_production_batch_from_the_rating_plate_is_kept_with_the_appliance(office):
    """Batch-failure detection groups appliances by batch when it is known (issue 15)."""
    from server.assets.models import Asset

    response = office.post("/intake", data=new_customer_request(production_batch=" 2509 "))
    assert response.status_code == 302
    asset = db.session.scalar(select(Asset).where(Asset.serial == "AOS-123"))
    assert asset.production_batch == "2509"
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.asset_id == asset.id))
    page = text(office.get(f"/orders/{order.id}?lang=zh"))
    assert "生产批次" in page and "2509" in page
    body = text(office.post("/intake?lang=zh", data=new_customer_request(
        production_batch="x" * 41)))
    assert "生产批次" in body and errors_next_to(body, "production_batch")


def test_a_new_appliance_needs_brand_and_model_and_sane_dates(office):
    body = text(office.post("/intake", data=new_customer_request(
        brand="", model="", purchase_date=(date.today() + timedelta(days=3)).isoformat(),
        warranty_end="2020-01-01")))
    assert errors_next_to(body, "brand") == ["Enter the brand."]
    assert errors_next_to(body, "model") == ["Enter the model, from the label."]
    assert errors_next_to(body, "purchase_date") == ["The purchase date is in the future."]


def test_a_repair_needs_a_symptom_and_answers_from_the_list(office):
    body = text(office.post("/intake", data=new_customer_request(
        symptom_code="", answer_fuel="")))
    assert "What is wrong? Choose the closest symptom." in body
    body = text(office.post("/intake", data=new_customer_request(
        symptom_code="AC_NOISE")))  # an air-conditioner symptom for a water heater
    assert db.session.scalar(select(WorkOrder.id)) is None
    assert "— choose what the customer describes —" in body


def test_a_preferred_day_in_the_past_is_refused(office):
    body = text(office.post("/intake", data=new_customer_request(
        preferred_date=(date.today() - timedelta(days=3)).isoformat())))
    assert errors_next_to(body, "preferred_date") == ["The preferred day has passed."]


def test_a_new_customer_s_request_creates_customer_address_appliance_and_order(
        office, dispatcher):
    response = office.post("/intake", data=new_customer_request(
        preferred_date=tomorrow().isoformat(), preferred_slot="morning",
        customer_notes="Ring twice"))
    assert response.status_code == 302
    order = newest_order()
    # Straight to the board, on the day the customer asked for, with the order open.
    assert response.headers["Location"] == f"/board?order={order.id}&day={tomorrow()}"
    customer = db.session.get(Customer, order.customer_id)
    assert (customer.name, customer.phone, customer.preferences) == (
        "赵丽", "+86 139 1111 2222", ["只约上午", "有狗"])
    assert order.address.district == "徐汇区"
    assert (order.asset.brand, order.asset.model, order.asset.serial) == (
        "A.O. Smith", "E60VN3", "AOS-123")
    # No warranty card date: the category's usual 36 months from purchase.
    assert order.asset.warranty_end == date(2028, 9, 1) and order.in_warranty
    assert (order.channel, order.type, order.priority) == ("phone", "repair", "normal")
    assert order.symptom_code == "WH_NO_HOT_WATER"
    assert order.intake_answers == {"fuel": "electric"}
    assert order.description == "No hot water"
    assert order.customer_notes == "Ring twice"
    assert order.preferred_start == datetime.combine(tomorrow(), datetime.min.time().replace(
        hour=8), SHANGHAI)
    assert order.owner_id == dispatcher.id
    assert order.respond_by and order.resolve_by


def test_a_gas_smell_is_an_emergency_with_two_hours_to_be_on_site(office):
    before = datetime.now(UTC)
    office.post("/intake", data=new_customer_request(symptom_code="WH_GAS_SMELL",
                                                     answer_fuel=""))
    order = newest_order()
    assert order.priority == "emergency"
    assert before + timedelta(hours=2) <= order.respond_by <= datetime.now(UTC) + timedelta(
        hours=2)


def test_an_answer_can_raise_the_priority(office):
    office.post("/intake", data=new_customer_request(
        category="washing_machine", symptom_code="WM_LEAK", answer_still_flowing="yes",
        answer_fuel=""))
    assert newest_order().priority == "emergency"


def test_the_assessment_is_shown_before_saving(office):
    response = office.post("/intake/part/assessment", data=new_customer_request(
        symptom_code="WH_GAS_SMELL"))
    body = text(response)
    assert response.status_code == 200
    assert "Emergency" in body and "Smell of gas" in body
    assert "On site by" in body and re.search(r"1 h 5\d min left|2 h left", body)
    assert "In warranty" in body and "free repair until" in body
    assert db.session.scalar(select(WorkOrder.id)) is None  # nothing saved


def test_the_warranty_shows_as_soon_as_the_purchase_date_is_known(office):
    body = text(office.post("/intake/part/warranty", data=new_customer_request(
        purchase_date="2015-01-01")))
    assert 'class="warranty warranty-out_of_warranty"' in body and "ended" in body
    body = text(office.post("/intake/part/warranty", data=new_customer_request(
        purchase_date="", warranty_end="")))
    assert "Enter the purchase date" in body


def test_choosing_a_customer_brings_their_addresses_appliances_and_symptoms(
        office, make_customer, make_asset):
    customer = make_customer(name="王秀英")
    asset = make_asset(customer, warranty_days=-5, category="refrigerator")
    body = text(office.post(f"/intake/part/customer?choose={customer.id}",
                            data={"customer_mode": "existing", "channel": "phone"}))
    assert "王秀英" in body and customer.addresses[0].line1 in body
    assert f'value="{asset.id}"' in body and "Out of warranty" in body
    body = text(office.post("/intake/part/problem", data={
        "customer_mode": "existing", "customer_id": str(customer.id),
        "asset_id": str(asset.id), "symptom_code": "RF_NOT_COLD"}))
    assert "Not cold enough" in body and "Which compartment?" in body
    assert "Smell of gas" not in body  # another product's symptom


def test_an_override_needs_a_reason_and_is_kept_in_the_history(office, dispatcher):
    body = text(office.post("/intake", data=new_customer_request(priority="high")))
    assert errors_next_to(body, "override_reason") == [
        "Say why the priority or deadline differs from the computed one."]
    office.post("/intake", data=new_customer_request(priority="high",
                                                     override_reason="92-year-old alone"))
    order = newest_order()
    assert order.priority == "high"
    [override] = events(order, "sla_override")
    assert override.reason == "92-year-old alone" and override.actor_id == dispatcher.id
    assert (override.data["from"], override.data["to"]) == ("normal", "high")


def test_a_deadline_can_be_overridden_too(office):
    day = tomorrow()
    office.post("/intake", data=new_customer_request(
        respond_by_date=day.isoformat(), respond_by_time="09:30",
        override_reason="customer away until tomorrow"))
    order = newest_order()
    assert order.respond_by == datetime.combine(day, datetime.min.time().replace(
        hour=9, minute=30), SHANGHAI)


def existing_request(customer, asset, **overrides):
    data = {"channel": "web", "customer_mode": "existing", "customer_id": str(customer.id),
            "address_id": str(customer.addresses[0].id), "asset_id": str(asset.id),
            "order_type": "repair", "symptom_code": "AC_NOT_COOLING"}
    data.update(overrides)
    return data


def test_a_second_visit_within_thirty_days_is_linked_and_marked_as_a_repeat(
        office, make_order, make_customer, make_asset, make_technician, dispatcher):
    customer = make_customer()
    asset = make_asset(customer)
    first = make_order(dispatcher, customer=customer, asset=asset, status="completed",
                       assignee=make_technician())
    first.completed_at = datetime.now(UTC) - timedelta(days=12)
    preview = text(office.post("/intake/part/assessment",
                               data=existing_request(customer, asset)))
    assert "Repeat repair" in preview and first.number in preview
    response = office.post("/intake", data=existing_request(customer, asset))
    assert response.status_code == 302, re.findall(r'role="alert"[^>]*>([^<]+)<', text(response))
    order = newest_order()
    assert order.repeat_of_id == first.id
    assert events(order, "created")[0].data["repeat_of"] == first.number
    board = text(office.get(response.headers["Location"]))
    assert "Marked as a repeat repair of" in board


def test_an_older_visit_is_not_a_repeat(app, office, make_order, make_customer, make_asset,
                                        make_technician, dispatcher, monkeypatch):
    monkeypatch.setitem(app.config, "REPEAT_WINDOW_DAYS", 7)
    customer = make_customer()
    asset = make_asset(customer)
    first = make_order(dispatcher, customer=customer, asset=asset, status="completed",
                       assignee=make_technician())
    first.completed_at = datetime.now(UTC) - timedelta(days=12)
    office.post("/intake", data=existing_request(customer, asset))
    assert newest_order().repeat_of_id is None


def test_the_owner_stays_whoever_does_the_work(office, dispatcher, make_customer, make_asset,
                                              make_technician, make_user):
    customer = make_customer()
    office.post("/intake", data=existing_request(customer, make_asset(customer)))
    order = newest_order()
    walk_to(order, "on_site", make_user("dispatcher"), make_technician())
    assert order.owner_id == dispatcher.id


# --- the board -------------------------------------------------------------------------------

def queue_numbers(body: str) -> list[str]:
    queue = body.split('class="queue"', 1)[1].split('class="lanes"', 1)[0]
    return re.findall(r'class="number">(WO-\d{4}-\d{6})<', queue)


def test_the_queue_is_sorted_by_sla_urgency(office, make_order):
    relaxed = make_order(priority="low")
    soon = make_order(priority="high")
    late = make_order(priority="normal")
    late.respond_by = datetime.now(UTC) - timedelta(minutes=5)
    late.sla_state = "red"
    body = text(office.get("/board"))
    assert queue_numbers(body) == [late.number, soon.number, relaxed.number]
    assert "late by 5 min" in body


def test_each_technician_has_a_lane_with_the_day_s_appointments(office, make_order,
                                                                make_technician):
    li = make_technician(name="李师傅")
    make_technician(name="张师傅")
    booked = make_order(status="scheduled", assignee=li)
    day = booked.appointment_start.astimezone(SHANGHAI).date()
    body = text(office.get(f"/board?day={day.isoformat()}"))
    assert body.count('class="lane"') == 2
    lane = body.split("<strong>李师傅</strong>", 1)[1].split('class="lane"', 1)[0]
    assert f'data-order="{booked.id}"' in lane
    assert booked.number not in queue_numbers(body)


def test_the_board_answers_no_content_until_something_changes(office, make_order, make_user):
    order = make_order()
    body = text(office.get("/board"))
    stamp = re.search(r'data-stamp="([^"]+)"', body).group(1)
    day = stamp.split(".")[0]
    same = office.get(f"/board/live?day={day}&stamp={stamp}")
    assert same.status_code in (204, 200)  # 200 only if the minute turned meanwhile
    orders.update_order(make_user("dispatcher"), order, {"description": "now louder"})
    changed = office.get(f"/board/live?day={day}&stamp={stamp}")
    assert changed.status_code == 200 and order.number in text(changed)


def test_selecting_an_order_shows_ranked_explained_suggestions(office, make_order,
                                                              make_technician):
    make_technician(name="李师傅", skills=("air_conditioner", "repair"))
    make_technician(name="王师傅", skills=("refrigerator",))
    order = make_order()
    body = text(office.get(f"/board/panel/{order.id}?day={tomorrow().isoformat()}"))
    names = re.findall(r'<strong class="name">([^<]+)</strong>', body)
    assert names == ["李师傅", "王师傅"]
    assert "Air conditioner ✓ repair ✓" in body
    assert "no air conditioner skill" in body
    assert body.count('data-suggestion="') == 2


def book(office, order, tech, day, start="10:00", end="11:30", version=None, **extra):
    return office.post(f"/board/orders/{order.id}/assign?day={day.isoformat()}", data={
        "technician_id": str(tech.id), "day": day.isoformat(), "start": start, "end": end,
        "version": version or order.version,
        **{"loaded_at": datetime.now(UTC).isoformat(), **extra}})


def test_booking_assigns_schedules_and_reaches_the_technician_s_phone(
        office, client, make_order, make_technician):
    tech = make_technician(name="李师傅")
    order = make_order()
    response = book(office, order, tech, tomorrow())
    assert response.status_code == 302
    db.session.refresh(order)
    assert order.status == "scheduled" and order.assignee_id == tech.id
    assert order.appointment_start == datetime.combine(tomorrow(), datetime.min.time().replace(
        hour=10), SHANGHAI)
    _, token = issue_device_token(tech.user, "phone", timedelta(days=1))
    pulled = client.get("/api/v1/sync/pull?protocol=1&cursor=0",
                        headers={"Authorization": f"Bearer {token}"}).get_json()
    assert str(order.id) in {c["id"] for c in pulled["changes"] if c["type"] == "work_order"}


def test_a_stale_booking_is_refused_with_what_changed(office, make_order, make_technician,
                                                      make_user):
    tech = make_technician()
    order = make_order()
    seen, loaded_at = order.version, datetime.now(UTC).isoformat()
    colleague = make_user("dispatcher", name="Chen Jing")
    orders.update_order(colleague, order, {"priority": "high"})
    response = book(office, order, tech, tomorrow(), version=seen, loaded_at=loaded_at)
    body = text(response)
    assert response.status_code == 409
    assert f"{order.number} changed since you loaded it." in body
    assert "What changed since you opened it" in body
    assert "Chen Jing" in body and "Priority changed from normal to high" in body
    db.session.refresh(order)
    assert order.assignee_id is None


def test_a_booking_that_overlaps_is_refused_next_to_the_time(office, make_order,
                                                              make_technician):
    tech = make_technician(name="李师傅")
    first, second = make_order(), make_order()
    assert book(office, first, tech, tomorrow(), "10:00", "12:00").status_code == 302
    response = book(office, second, tech, tomorrow(), "11:00", "12:30")
    assert response.status_code == 422
    assert f"李师傅 already has {first.number} from 10:00 to 12:00." in text(response)


def test_a_booking_must_end_after_it_starts(office, make_order, make_technician):
    response = book(office, make_order(), make_technician(), tomorrow(), "12:00", "11:00")
    assert response.status_code == 422
    assert "The appointment must end after it starts." in text(response)


def test_unassigning_needs_a_reason_and_puts_the_order_back_in_the_queue(
        office, make_order, make_technician):
    order = make_order(status="scheduled", assignee=make_technician())
    url = f"/board/orders/{order.id}/unassign"
    response = office.post(url, data={"reason": "", "version": order.version})
    assert response.status_code == 422 and "Say why the order goes back to the queue." in text(
        response)
    assert office.post(url, data={"reason": "customer away",
                                  "version": order.version}).status_code == 302
    db.session.refresh(order)
    assert (order.status, order.assignee_id, order.appointment_start) == ("new", None, None)


def test_bulk_booking_places_each_order_in_the_next_free_slot(office, make_order,
                                                             make_technician):
    tech = make_technician(name="李师傅")
    a, b = make_order(), make_order()
    response = office.post(f"/board/bulk?day={tomorrow().isoformat()}", data={
        "action": "assign", "technician_id": str(tech.id), "day": tomorrow().isoformat(),
        "sel": [f"{a.id}:{a.version}", f"{b.id}:{b.version}"]})
    assert response.status_code == 302
    db.session.refresh(a)
    db.session.refresh(b)
    assert a.assignee_id == b.assignee_id == tech.id
    assert a.appointment_end <= b.appointment_start or b.appointment_end <= a.appointment_start
    assert "Done:" in text(office.get(response.headers["Location"]))


def test_bulk_reports_each_order_that_could_not_move(office, make_order, make_technician,
                                                    make_user):
    a, b = make_order(status="scheduled"), make_order(status="scheduled")
    stale = b.version
    orders.update_order(make_user("dispatcher"), b, {"priority": "high"})
    response = office.post("/board/bulk", data={
        "action": "unassign", "reason": "van broke down",
        "sel": [f"{a.id}:{a.version}", f"{b.id}:{stale}"]}, follow_redirects=True)
    body = text(response)
    assert f"{a.number} is back in the queue." in body
    assert f"{b.number} not moved: {b.number} changed since you loaded it." in body
    db.session.refresh(a)
    db.session.refresh(b)
    assert a.assignee_id is None and b.assignee_id is not None


def test_bulk_moves_appointments_to_another_technician(office, make_order, make_technician):
    li, wang = make_technician(name="李师傅"), make_technician(name="王师傅")
    order = make_order(status="scheduled", assignee=li)
    start = order.appointment_start
    office.post("/board/bulk", data={"action": "move", "technician_id": str(wang.id),
                                     "sel": [f"{order.id}:{order.version}"]})
    db.session.refresh(order)
    assert order.assignee_id == wang.id and order.appointment_start == start


def test_an_order_on_its_way_cannot_be_rebooked_from_the_board(office, make_order,
                                                               make_technician):
    order = make_order(status="en_route", assignee=make_technician())
    body = text(office.get(f"/board?order={order.id}"))
    assert "the technician's phone has this visit now" in html.unescape(body)
    response = book(office, order, make_technician(), tomorrow())
    assert response.status_code == 409


# --- editing an order --------------------------------------------------------------------------

def test_an_edit_saves_and_a_priority_change_moves_the_deadlines(office, make_order):
    order = make_order(priority="normal")
    respond_before = order.respond_by
    form = {"priority": "high", "type": "repair", "description": "Not cooling at all",
            "customer_notes": "", "reason": "", "version": order.version}
    response = office.post(f"/orders/{order.id}/edit", data=form)
    assert response.status_code == 422 and "Say why the priority changes." in text(response)
    form["reason"] = "customer has a baby at home"
    assert office.post(f"/orders/{order.id}/edit", data=form).status_code == 302
    db.session.refresh(order)
    assert order.priority == "high" and order.respond_by < respond_before
    assert events(order, "sla_override")[0].reason == "customer has a baby at home"


def test_a_stale_edit_is_refused_with_what_changed_and_nothing_is_overwritten(
        office, make_order, make_user):
    order = make_order(description="Not cooling")
    page = text(office.get(f"/orders/{order.id}"))
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    loaded_at = re.search(r'name="loaded_at" value="([^"]+)"', page).group(1)
    orders.update_order(make_user("dispatcher", name="Chen Jing"), order,
                        {"description": "Water dripping too"})
    response = office.post(f"/orders/{order.id}/edit", data={
        "priority": "normal", "type": "repair", "description": "Makes a noise",
        "customer_notes": "", "reason": "", "version": version, "loaded_at": loaded_at})
    body = text(response)
    assert response.status_code == 409
    assert "This order changed since you opened it." in body
    assert "Chen Jing" in body and "Fault changed from Not cooling to Water dripping too" in body
    assert "Makes a noise" in body  # what the user typed is kept for them
    db.session.refresh(order)
    assert order.description == "Water dripping too"


# --- sync issues ---------------------------------------------------------------------------------

@pytest.fixture
def synced(make_order, make_technician, dispatcher):
    tech = make_technician(name="李师傅")
    order = make_order(dispatcher, status="on_site", assignee=tech)
    device, _ = issue_device_token(tech.user, "Li's phone", timedelta(days=1))
    conflict = SyncConflict(work_order_id=order.id, device_id=device.id, mutation_id=7,
                            kind="field_overwritten", message="diagnosis was changed",
                            data={"field": "diagnosis", "overwritten": "Office diagnosis",
                                  "device_base": None, "value": "Phone diagnosis"})
    rejection = RejectedMutation(device_id=device.id, user_id=tech.user.id, mutation_id=8,
                                 name="transition", version=2,
                                 args={"order_id": str(order.id), "to": "signed"},
                                 work_order_id=order.id, reason="not_allowed",
                                 message="cannot go from on_site to signed", errors={})
    order.diagnosis = "Phone diagnosis"
    db.session.add_all([conflict, rejection])
    db.session.flush()
    return order, conflict, rejection


def test_the_conflicts_page_links_each_conflict_to_its_order(office, synced):
    order, conflict, _ = synced
    body = text(office.get("/sync/conflicts"))
    assert f'href="/orders/{order.id}"' in body and order.number in body
    assert "diagnosis was changed in the office, then the technician" in body
    assert "office: Office diagnosis → technician: Phone diagnosis" in body
    assert "李师傅" in body and "Li&#39;s phone" in body


def test_the_rejections_page_says_what_the_phone_sent(office, synced):
    order, _, rejection = synced
    body = text(office.get("/sync/rejections"))
    assert order.number in body and "status → Signed" in body
    assert "The state machine refused it: Status step not possible" in body
    assert "change #8" in body


def test_resolving_a_conflict_can_restore_the_office_value(office, synced, dispatcher):
    order, conflict, _ = synced
    response = office.post(f"/sync/conflicts/{conflict.id}/resolve",
                           data={"note": "phoned Li", "restore": "1"})
    assert response.status_code == 302
    db.session.refresh(conflict)
    db.session.refresh(order)
    assert conflict.resolved_at is not None and conflict.resolved_by_id == dispatcher.id
    assert order.diagnosis == "Office diagnosis"
    assert "No open conflicts." in text(office.get("/sync/conflicts"))
    assert "Resolved" in text(office.get("/sync/conflicts?show=all"))


def test_resolving_a_rejection_keeps_the_note(office, synced):
    _, _, rejection = synced
    office.post(f"/sync/rejections/{rejection.id}/resolve", data={"note": "asked Li to sign"})
    db.session.refresh(rejection)
    assert rejection.resolved_at is not None and rejection.resolution_note == "asked Li to sign"


def test_the_order_page_lists_its_sync_issues(office, synced):
    order, _, _ = synced
    body = text(office.get(f"/orders/{order.id}"))
    assert "Sync issues" in body and "status → Signed" in body


def test_an_unknown_conflict_is_not_found(office):
    assert office.post(f"/sync/conflicts/{uuid.uuid4()}/resolve", data={}).status_code == 404


# --- the customer archive -------------------------------------------------------------------------

def test_the_customer_page_shows_the_whole_story(office, make_customer, make_asset, make_order,
                                                 make_technician, dispatcher):
    customer = make_customer(name="王秀英", phone="+86 138 1234 5678")
    fridge = make_asset(customer, warranty_days=-30, category="refrigerator")
    aircon = make_asset(customer, warranty_days=100)
    done = make_order(dispatcher, customer=customer, asset=aircon, status="signed",
                      assignee=make_technician(name="李师傅"))
    waiting = make_order(dispatcher, customer=customer, asset=fridge)
    db.session.add_all([
        # The report of the customer's signature (taken by the factory), already rendered.
        Report(work_order_id=done.id, number=f"R-{done.number}", status="ready",
               signature_id=db.session.scalar(select(Signature.id).where(
                   Signature.work_order_id == done.id)),
               content_hash=content_hash(signed_content(done))),
        Survey(work_order_id=done.id, rating=4, comment="Quick and tidy", channel="device"),
        Complaint(customer_id=customer.id, work_order_id=done.id, channel="phone",
                  description="Left dust on the floor", status="open",
                  respond_by=datetime.now(UTC) + timedelta(hours=5)),
    ])
    db.session.flush()
    body = text(office.get(f"/customers/{customer.id}"))
    assert "王秀英" in body and "+86 138 1234 5678" in body
    assert customer.addresses[0].line1 in body and "老人在家，只约上午" in body
    assert 'class="warranty warranty-out_of_warranty"' in body
    assert 'class="warranty warranty-in_warranty"' in body
    assert done.number in body and waiting.number in body and "李师傅" in body
    assert 'class="report report-ready"' in body and "★★★★☆" in body
    assert "Left dust on the floor" in body
    assert f"/intake?customer_id={customer.id}" in body


def test_the_customer_list_searches(office, make_customer):
    make_customer(name="王秀英")
    make_customer(name="Alice Smith")
    body = text(office.get("/customers?q=Alice"))
    assert "Alice Smith" in body and "王秀英" not in body


def test_a_new_request_from_the_customer_page_starts_with_the_customer_chosen(
        office, make_customer):
    customer = make_customer(name="王秀英")
    body = text(office.get(f"/intake?customer_id={customer.id}"))
    assert 'class="chosen-name">王秀英<' in body
    assert f'value="{customer.addresses[0].id}" checked' in body


# --- notifications ---------------------------------------------------------------------------

def test_an_escalation_shows_in_the_top_bar_and_on_the_notifications_page(
        office, dispatcher, make_order, make_user):
    from server.dispatch.escalation import sweep

    owner = make_user("dispatcher")
    owner.supervisor_id = dispatcher.id
    order = make_order(owner, priority="emergency")
    order.respond_by = datetime.now(UTC) - timedelta(minutes=3)
    db.session.flush()
    sweep()
    assert 'data-unread="1"' in text(office.get("/notifications/badge"))
    body = text(office.get("/notifications"))
    assert f"{order.number} missed its respond deadline" in body
    assert "Escalated to you as Supervisor" in body
    note = db.session.scalar(select(Notification))
    response = office.post(f"/notifications/{note.id}/read", data={"open": "1"})
    assert response.headers["Location"] == f"/orders/{order.id}"
    assert 'data-unread' not in text(office.get("/notifications/badge"))
    history = text(office.get(f"/orders/{order.id}"))
    assert "Escalated" in history and f"to supervisor {dispatcher.name}" in history


# --- who may use these pages -------------------------------------------------------------------

DISPATCH_PAGES = ["/board", "/board/live", "/intake", "/intake/customers?q=ab",
                  "/customers", "/sync/conflicts", "/sync/rejections", "/notifications",
                  "/notifications/badge"]


@pytest.mark.parametrize("path", DISPATCH_PAGES)
def test_anonymous_visitors_go_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", DISPATCH_PAGES)
def test_technicians_may_not_open_dispatch_pages(client, technician, path):
    # Technicians cannot sign in to the console; even a session of theirs gets 403.
    with client.session_transaction() as session:
        session["_user_id"] = str(technician.user.id)
        session["_fresh"] = True
        session["session_version"] = technician.user.session_version
    assert client.get(path).status_code == 403


def test_every_console_view_declares_who_may_use_it(app):
    open_views = {"console.index", "console.login", "console.logout", "console.set_language",
                  "console.vendor_htmx"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console.") and rule.endpoint not in open_views:
            view = app.view_functions[rule.endpoint]
            assert getattr(view, "_doorstep_roles", None) == ("admin", "dispatcher"), \
                rule.endpoint


def test_htmx_is_served_from_the_npm_package(client):
    response = client.get("/console/vendor/htmx.min.js")
    assert response.status_code == 200 and b"htmx" in response.data[:2000]


def test_the_form_choices_cover_every_category_type_priority_and_channel():
    from server.assets.models import ProductCategory
    from server.console import forms
    from server.workorders.models import Channel, OrderType, Priority

    assert {c.value for c in forms.CATEGORIES} == set(ProductCategory)
    assert {c.value for c in forms.ORDER_TYPES} == set(OrderType)
    assert {c.value for c in forms.PRIORITIES} == set(Priority)
    assert {c.value for c in forms.CHANNELS} == set(Channel)


def test_every_symptom_belongs_to_a_known_category_and_raises_to_a_known_priority():
    from server.assets.models import ProductCategory
    from server.intake import symptoms
    from server.workorders.models import Priority

    for symptom in symptoms.SYMPTOMS:
        assert symptom.category in set(ProductCategory), symptom.code
        assert symptom.priority in set(Priority)
        for question in symptom.questions:
            assert set(question.raises) <= {c.key for c in question.choices}
            assert set(question.raises.values()) <= set(Priority)
    assert {s.code for s in symptoms.SYMPTOMS if s.priority == "emergency"} >= {
        "WH_GAS_SMELL", "WM_FLOOD", "WH_TANK_LEAK"}
