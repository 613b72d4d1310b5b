"""Warranty claims: made from a finished in-warranty job in one step, edited as a draft,
then moved draft → submitted → accepted | rejected → credited; every move audited."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from server.audit.models import AuditEvent
from server.errors import Conflict, Invalid
from server.extensions import db
from server.warranty import service
from server.warranty.models import WarrantyClaim


def test_a_claim_is_prefilled_from_the_visit(warranty_job, dispatcher):
    order, part, _ = warranty_job(serials=("FAULTY-001",), quantity=2)
    claim = service.create_claim(dispatcher, order.id)
    assert claim.state == "draft" and claim.number.startswith("WC-")
    assert claim.supplier == order.asset.brand and claim.asset_serial == order.asset.serial
    # One line for the unit whose faulty serial came back, one for the rest.
    assert [(line.quantity, line.faulty_serial) for line in claim.lines] == [
        (1, "FAULTY-001"), (1, None)]
    assert all(line.unit_price_cents == 12000 for line in claim.lines)
    # Labour and travel as the tariff would have charged (the customer paid nothing).
    assert claim.labour_cents == current_app.config["LABOUR_CENTS"].get(order.type, 0)
    assert claim.travel_cents == current_app.config["TRAVEL_CENTS"]
    assert claim.total_cents == 24000 + claim.labour_cents + claim.travel_cents


@pytest.mark.parametrize("status, in_warranty, field", [
    ("on_site", True, "work_order_id"), ("closed", False, "work_order_id")])
def test_only_a_finished_in_warranty_job_is_claimed(warranty_job, dispatcher, status,
                                                    in_warranty, field):
    order, _, _ = warranty_job(status=status, in_warranty=in_warranty)
    with pytest.raises(Invalid) as refused:
        service.create_claim(dispatcher, order.id)
    assert field in refused.value.errors
    assert db.session.scalar(select(WarrantyClaim)) is None


def test_one_claim_per_order(warranty_job, dispatcher):
    order, _, _ = warranty_job()
    service.create_claim(dispatcher, order.id)
    with pytest.raises(Conflict) as refused:
        service.create_claim(dispatcher, order.id)
    assert refused.value.code == "claim_exists"


def test_the_whole_life_of_a_claim_is_audited(warranty_job, dispatcher):
    order, _, _ = warranty_job()
    claim = service.create_claim(dispatcher, order.id)
    service.update_claim(dispatcher, claim, {"lines": [
        {"id": claim.lines[0].id, "replacement_serial": "NEW-777"}], "labour_cents": 5000})
    service.move_claim(dispatcher, claim, "submitted")
    with pytest.raises(Conflict):
        service.update_claim(dispatcher, claim, {"labour_cents": 1})
    service.move_claim(dispatcher, claim, "accepted")
    with pytest.raises(Invalid) as refused:
        service.move_claim(dispatcher, claim, "credited", credited_cents=claim.total_cents + 1)
    assert "credited_cents" in refused.value.errors and claim.state == "accepted"
    service.move_claim(dispatcher, claim, "credited", credited_cents=claim.total_cents - 500)
    assert claim.credited_cents == claim.total_cents - 500 and claim.credited_at is not None
    assert claim.lines[0].replacement_serial == "NEW-777" and claim.labour_cents == 5000
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_id == str(claim.id)).order_by(AuditEvent.created_at,
                                                         AuditEvent.action)).all()
    assert sorted(actions) == sorted(["warranty_claim.created", "warranty_claim.edited",
                                      "warranty_claim.submitted", "warranty_claim.accepted",
                                      "warranty_claim.credited"])
    submitted = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "warranty_claim.submitted"))
    assert submitted.actor_id == dispatcher.id and submitted.data["from"] == "draft"


def test_a_rejection_needs_its_reason_and_ends_the_claim(warranty_job, dispatcher):
    order, _, _ = warranty_job()
    claim = service.create_claim(dispatcher, order.id)
    service.move_claim(dispatcher, claim, "submitted")
    with pytest.raises(Invalid) as refused:
        service.move_claim(dispatcher, claim, "rejected", reason="  ")
    assert "reason" in refused.value.errors
    service.move_claim(dispatcher, claim, "rejected", reason="Outside the parts warranty")
    assert claim.rejection_reason == "Outside the parts warranty"
    with pytest.raises(Conflict) as refused:
        service.move_claim(dispatcher, claim, "credited", credited_cents=100)
    assert refused.value.code == "bad_transition"


def test_a_bad_line_edit_changes_nothing(warranty_job, dispatcher):
    order, _, _ = warranty_job()
    claim = service.create_claim(dispatcher, order.id)
    with pytest.raises(Invalid) as refused:
        service.update_claim(dispatcher, claim, {"supplier": "Midea", "lines": [
            {"id": claim.lines[0].id, "replacement_serial": "X" * 81}]})
    assert "lines" in refused.value.errors
    assert claim.supplier != "Midea"


def test_filters_find_claims_by_state_supplier_and_serial(warranty_job, dispatcher):
    first, _, _ = warranty_job(serials=("AAA-1",))
    second, _, _ = warranty_job(serials=("BBB-2",))
    a = service.create_claim(dispatcher, first.id)
    b = service.create_claim(dispatcher, second.id)
    service.move_claim(dispatcher, b, "submitted")
    service.update_claim(dispatcher, a, {"supplier": "Midea"})
    assert service.claims(service.ClaimFilter(state="submitted"))[0] == [b]
    assert service.claims(service.ClaimFilter(supplier="Midea"))[0] == [a]
    assert service.claims(service.ClaimFilter(q="bbb-2"))[0] == [b]
