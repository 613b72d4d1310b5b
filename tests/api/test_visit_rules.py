"""After the signature, the rules: charges agree everywhere, ``signed`` means a customer
signed, reports render as soon as the last piece arrives (issue 9)."""

import pytest
from sqlalchemy import select

from server.extensions import db
from server.reports.content import signed_content
from server.workorders.charges import order_charges
from server.workorders.models import WorkOrder
from tests.api.test_reports import (  # noqa: F401 — fixtures used by these tests
    _signing_key_outside_the_instance_folder,
    do_the_work,
    pdf_of,
    pdftotext,
    report_of,
    signing_dir,
    visit_for,
)

# -- charges agree everywhere -----------------------------------------------------------------


def fresh(order) -> WorkOrder:
    db.session.expire_all()
    return db.session.get(WorkOrder, order.id)


def test_use_two_return_one_charges_one_on_the_order_the_api_the_signed_content_and_the_pdf(
        visit_for, api_as, dispatcher, tmp_path):
    visit = do_the_work(visit_for("en"))  # capacitor (45.00) ×2, motor (128.00) ×1, capacitor −1
    capacitor, motor = visit.parts
    order = fresh(visit.order)
    parts_cents = 4500 + 12800

    assert order.parts_cents == parts_cents
    charges = order_charges(order)
    assert charges.parts_cents == parts_cents
    assert [(p.sku, p.quantity, p.total_cents) for p in charges.parts] == sorted(
        [(capacitor.sku, 1, 4500), (motor.sku, 1, 12800)])
    assert charges.total_cents == parts_cents + order.labour_cents + order.travel_cents

    body = api_as(dispatcher).get(f"/api/v1/workorders/{order.id}").get_json()
    assert body["parts_cents"] == parts_cents

    content = signed_content(order)
    assert content["charges"]["parts_cents"] == parts_cents
    assert content["charges"]["total_cents"] == charges.total_cents
    assert {p["sku"]: p["quantity"] for p in content["parts"]} == {capacitor.sku: 1,
                                                                  motor.sku: 1}

    phone = visit.phone.pull() and visit.phone.rows("work_order")[str(order.id)]
    assert phone["parts_cents"] == parts_cents

    visit.sign("Alice Smith")
    assert report_of(visit).status == "ready", report_of(visit).failure_reason
    text = pdftotext(tmp_path, pdf_of(visit))
    parts_line = next(line for line in text.splitlines() if line.strip().startswith("Parts "))
    assert "173.00" in parts_line, parts_line
    total_line = next(line for line in text.splitlines() if line.strip().startswith("Total"))
    assert f"{charges.total_cents // 100:,}.{charges.total_cents % 100:02d}" in total_line


def test_in_warranty_nothing_is_charged_but_the_parts_are_listed(visit_for):
    visit = do_the_work(visit_for("en", warranty_days=200))
    order = fresh(visit.order)
    charges = order_charges(order)
    assert charges.in_warranty and charges.total_cents == 0 and order.parts_cents == 0
    assert [p.quantity for p in charges.parts] == [1, 1]
    assert signed_content(order)["charges"] == charges.as_content()


def test_lines_pushed_in_one_batch_are_all_counted(visit_for):
    """A return in the same push as its use: the order's loaded lines must not go stale."""
    from tests.sync.phone import new_id

    visit = visit_for("en")
    capacitor, _ = visit.parts
    for name, quantity in (("use_part", 3), ("return_part", 1), ("return_part", 1)):
        visit.phone.queue(name, {"order_id": visit.order_id, "line_id": new_id(),
                                 "part_id": str(capacitor.id), "quantity": quantity,
                                 "device_time": visit.phone.now()})
    results = visit.phone.push().get_json()["results"]
    assert [r["status"] for r in results] == ["applied"] * 3
    assert fresh(visit.order).parts_cents == 4500


# -- `signed` means a customer signed: every door ----------------------------------------------

@pytest.fixture
def completed(make_order, dispatcher, technician):
    return make_order(actor=dispatcher, status="completed", assignee=technician)


def report_status(api, order) -> str:
    return api.get(f"/api/v1/workorders/{order.id}/report").get_json()["status"]


@pytest.mark.parametrize("who", ["technician", "dispatcher", "admin"])
def test_the_rest_transitions_endpoint_refuses_signed_without_a_signature(
        completed, api_as, who, technician, dispatcher, admin):
    actor = {"technician": technician.user, "dispatcher": dispatcher, "admin": admin}[who]
    api = api_as(actor)
    response = api.post(f"/api/v1/workorders/{completed.id}/transitions", json={"to": "signed"})
    assert response.status_code == 409
    body = response.get_json()
    assert body["reason"] == "missing_signature" and "to" in body["errors"]
    assert fresh(completed).status == "completed"
    assert report_status(api, completed) == "not_signed"
    # …so the order cannot be closed as signed either: closing unsigned needs a reason.
    closed = api_as(dispatcher).post(f"/api/v1/workorders/{completed.id}/transitions",
                                     json={"to": "closed"})
    assert closed.status_code == 409 and closed.get_json()["reason"] == "reason_required"


def test_the_console_and_any_office_caller_are_held_by_the_same_service_door(
        completed, dispatcher, admin):
    """The console's actions and CLI commands move orders through
    ``workorders.service.transition``; it looks the signature up itself."""
    from server.errors import Conflict
    from server.workorders import lifecycle
    from server.workorders import service as orders

    for actor in (dispatcher, admin):
        with pytest.raises(Conflict) as refused:
            orders.transition(actor, completed, "signed")
        assert refused.value.code == "missing_signature"
        assert lifecycle.Status.SIGNED not in lifecycle.allowed_targets(
            completed.status, actor.role, signed=orders.has_customer_signature(completed))
    assert fresh(completed).status == "completed"


def test_a_sync_transition_to_signed_without_a_signature_is_rejected(visit_for, api_as,
                                                                      dispatcher):
    visit = do_the_work(visit_for("en"))
    visit.phone.queue("transition", {"order_id": visit.order_id, "to": "signed",
                                     "device_time": visit.phone.now()})
    result = visit.phone.push().get_json()["results"][-1]
    assert result["status"] == "rejected" and result["reason"] == "missing_signature"
    assert fresh(visit.order).status == "completed"
    assert report_status(api_as(dispatcher), visit.order) == "not_signed"


def test_capturing_the_signature_signs_the_order_and_the_report_is_made(visit_for):
    visit = do_the_work(visit_for("en"))
    visit.sign("Alice Smith")
    assert fresh(visit.order).status == "signed"
    assert report_of(visit).status == "ready"


def test_a_signature_captured_before_the_completion_arrives_signs_it_on_completion(visit_for):
    """The phone's outbox can carry the signature first (e.g. a completion retried later)."""
    visit = visit_for("en")
    visit.work("Capacitor failed", "Replaced the capacitor")
    visit.sign("Alice Smith")
    assert fresh(visit.order).status == "on_site"
    visit.complete(rating=None)
    assert fresh(visit.order).status == "signed"


def test_the_signature_of_an_earlier_visit_does_not_sign_a_reopened_order(
        make_order, dispatcher, technician):
    from server.errors import Conflict
    from server.workorders import service as orders
    from tests.factories import walk_to

    order = make_order(actor=dispatcher, status="reopened", assignee=technician)
    assert orders.has_customer_signature(order) is False
    walk_to(order, "scheduled", dispatcher, technician)
    for step in ("en_route", "on_site", "completed"):
        orders.transition(technician.user, order, step)
    with pytest.raises(Conflict) as refused:
        orders.transition(technician.user, order, "signed")
    assert refused.value.code == "missing_signature"
