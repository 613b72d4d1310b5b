"""Quotes before out-of-warranty work and payments on site, pushed as a phone would
(docs/sync-protocol.md, "Quotes and payments")."""

import uuid

import pytest
from sqlalchemy import select

from server.billing import service as billing
from server.billing.models import Payment, Quote
from server.extensions import db
from server.inventory.models import StockLevel
from server.workorders import service as orders
from server.workorders.models import PartUsage, WorkOrderEvent
from sync.models import RejectedMutation, SyncConflict
from tests.sync.phone import new_id


@pytest.fixture(autouse=True)
def quote_before_work(app):
    """The rule on (the default since the app has its quote screen); a test that turns it
    off gets it back on afterwards."""
    assert app.config["QUOTE_BEFORE_WORK"] is True
    yield
    app.config["QUOTE_BEFORE_WORK"] = True


@pytest.fixture
def phone(phone_for, technician):
    return phone_for(technician)


@pytest.fixture
def paid_job(job, phone, stocked_part):
    """The technician's job, out of warranty, on site, pulled by the phone."""
    job.in_warranty = False
    orders.recompute_charges(job)  # the tariff's labour and travel now apply
    db.session.commit()
    for to in ("en_route", "on_site"):
        phone.queue("transition", {"order_id": str(job.id), "to": to,
                                   "device_time": phone.now()})
    phone.sync()
    return job


def last_result(phone):
    return phone.push().get_json()["results"][-1]


def use(phone, order, part, quantity=1):
    phone.queue("use_part", {"order_id": str(order.id), "line_id": new_id(),
                             "part_id": str(part.id), "quantity": quantity,
                             "device_time": phone.now()})
    return last_result(phone)


def complete(phone, order):
    phone.queue("transition", {"order_id": str(order.id), "to": "completed",
                               "device_time": phone.now()})
    return last_result(phone)


def pay(phone, order, amount, method="cash", reference=None):
    phone.queue("record_payment", {"order_id": str(order.id), "payment_id": new_id(),
                                   "method": method, "amount_cents": amount,
                                   "reference": reference, "device_time": phone.now()})
    return last_result(phone)


def test_out_of_warranty_no_part_and_no_completion_before_the_customer_decides(
        phone, paid_job, stocked_part):
    used = use(phone, paid_job, stocked_part)
    assert used["status"] == "rejected" and used["reason"] == "quote_required"
    assert used["errors"] == {"order_id": ["has no approved quote"]}
    completed = complete(phone, paid_job)
    assert completed["status"] == "rejected" and completed["reason"] == "quote_required"
    db.session.expire_all()
    assert paid_job.status == "on_site"
    assert db.session.scalar(select(PartUsage.id)) is None
    level = db.session.scalar(select(StockLevel).where(StockLevel.part_id == stocked_part.id))
    assert level.quantity == 5  # nothing left the van
    reasons = [r.reason for r in db.session.scalars(
        select(RejectedMutation).order_by(RejectedMutation.mutation_id))]
    assert reasons == ["quote_required", "quote_required"]


def test_with_the_rule_off_parts_wait_for_nothing_but_never_follow_a_declined_quote(
        app, phone, paid_job, stocked_part):
    app.config["QUOTE_BEFORE_WORK"] = False
    assert use(phone, paid_job, stocked_part)["status"] == "applied"
    phone.decide_quote(str(paid_job.id), phone.price_list_lines(str(paid_job.id), {}),
                       "declined")
    assert last_result(phone)["status"] == "applied"
    refused = use(phone, paid_job, stocked_part)
    assert refused["status"] == "rejected" and refused["reason"] == "quote_declined"


def test_an_approved_quote_sets_labour_and_travel_and_lets_the_work_go_on(
        phone, paid_job, stocked_part):
    lines = phone.price_list_lines(str(paid_job.id), {str(stocked_part.id): 2})
    lines[-2]["unit_price_cents"] = 12000  # the technician quotes more labour: a big job
    quote_id, content = phone.decide_quote(str(paid_job.id), lines, "approved")
    assert last_result(phone)["status"] == "applied"
    quote = db.session.get(Quote, uuid.UUID(quote_id))
    assert quote.content_matches and quote.total_cents == content["total_cents"] == (
        2 * 4500 + 12000 + paid_job.travel_cents)
    assert billing.content_hash(billing.server_content(quote)) == quote.content_hash
    assert use(phone, paid_job, stocked_part, 2)["status"] == "applied"
    assert complete(phone, paid_job)["status"] == "applied"
    db.session.expire_all()
    assert (paid_job.parts_cents, paid_job.labour_cents) == (9000, 12000)
    assert [e.kind for e in db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == paid_job.id, WorkOrderEvent.kind.like("quote_%")))] == [
        "quote_approved"]
    phone.pull()
    pulled = phone.rows("quote")[quote_id]
    assert pulled["decision"] == "approved" and pulled["total_cents"] == quote.total_cents


def test_a_declined_quote_costs_the_diagnostic_fee_only_and_no_part_may_be_used(
        app, phone, paid_job, stocked_part):
    lines = phone.price_list_lines(str(paid_job.id), {str(stocked_part.id): 1})
    phone.decide_quote(str(paid_job.id), lines, "declined")
    assert last_result(phone)["status"] == "applied"
    refused = use(phone, paid_job, stocked_part)
    assert refused["status"] == "rejected" and refused["reason"] == "quote_declined"
    assert complete(phone, paid_job)["status"] == "applied"  # the job ends at the diagnosis
    db.session.expire_all()
    fee = app.config["DIAGNOSTIC_FEE_CENTS"]
    assert (paid_job.labour_cents, paid_job.travel_cents, paid_job.parts_cents) == (fee, 0, 0)
    assert billing.balance(paid_job).total_cents == fee


def test_one_quote_per_order_and_the_same_quote_again_is_a_replay(phone, paid_job):
    lines = phone.price_list_lines(str(paid_job.id), {})
    phone.decide_quote(str(paid_job.id), lines, "approved")
    replay = dict(phone.outbox[0])
    assert last_result(phone)["status"] == "applied"
    phone.queue("decide_quote", replay["args"])  # re-queued after a reinstall
    assert last_result(phone)["status"] == "applied"
    phone.decide_quote(str(paid_job.id), lines, "declined")  # a second, different quote
    second = last_result(phone)
    assert second["status"] == "rejected" and second["reason"] == "quote_exists"
    assert db.session.scalar(select(Quote).where(Quote.work_order_id == paid_job.id)
                             ).decision == "approved"


def test_no_quote_in_warranty(phone, job):
    assert job.in_warranty is True
    phone.pull()
    phone.decide_quote(str(job.id), phone.price_list_lines(str(job.id), {}), "approved")
    result = last_result(phone)
    assert result["status"] == "rejected" and result["reason"] == "in_warranty"
    assert db.session.scalar(select(Quote.id)) is None


@pytest.mark.parametrize("line, field", [
    ({"kind": "part", "part_id": None, "quantity": 1, "unit_price_cents": 100}, "part_id"),
    ({"kind": "labour", "quantity": 0, "unit_price_cents": 100}, "quantity"),
    ({"kind": "labour", "quantity": 1.5, "unit_price_cents": 100}, "quantity"),
    ({"kind": "travel", "quantity": 1, "unit_price_cents": -1}, "unit_price_cents"),
    ({"kind": "gift", "quantity": 1, "unit_price_cents": 1}, "kind"),
])
def test_a_bad_quote_line_is_rejected_naming_the_field(phone, paid_job, line, field):
    phone.queue("decide_quote", {
        "order_id": str(paid_job.id), "quote_id": new_id(), "lines": [line],
        "decision": "approved", "diagnostic_fee_cents": 5000, "signer_name": "Li",
        "image_sha256": "a" * 64, "content_hash": "b" * 64, "device_time": phone.now()})
    result = last_result(phone)
    assert result["status"] == "rejected"
    assert result["reason"] in {"invalid_arguments", "invalid_line"}
    assert field in str(result["errors"])
    assert db.session.scalar(select(Quote.id)) is None


def test_a_quote_signed_on_stale_data_is_kept_and_flagged(phone, paid_job, stocked_part):
    lines = phone.price_list_lines(str(paid_job.id), {str(stocked_part.id): 1})
    paid_job.customer.name = "Renamed by the office"
    db.session.commit()
    quote_id, _ = phone.decide_quote(str(paid_job.id), lines, "approved")
    assert last_result(phone)["status"] == "applied"
    assert db.session.get(Quote, uuid.UUID(quote_id)).content_matches is False
    assert [c.kind for c in db.session.scalars(select(SyncConflict))] == [
        "quote_content_mismatch"]


def test_payments_on_site_add_up_and_never_pass_what_is_due(phone, paid_job, stocked_part):
    phone.decide_quote(str(paid_job.id), phone.price_list_lines(
        str(paid_job.id), {str(stocked_part.id): 1}), "approved")
    use(phone, paid_job, stocked_part)
    db.session.expire_all()
    total = billing.balance(paid_job).total_cents
    first = pay(phone, paid_job, 5000, "cash")
    assert first["status"] == "applied", first
    no_reference = pay(phone, paid_job, 100, "transfer")
    assert no_reference["status"] == "rejected" and "reference" in no_reference["errors"]["args"]
    too_much = pay(phone, paid_job, total, "card", "slip 0042")
    assert too_much["status"] == "rejected" and too_much["reason"] == "payment_exceeds_due"
    assert too_much["errors"] == {"amount_cents": [f"must be at most {total - 5000}"]}
    assert pay(phone, paid_job, total - 5000, "transfer", "WX-889")["status"] == "applied"
    db.session.expire_all()
    owed = billing.balance(paid_job)
    assert (owed.paid_cents, owed.due_cents) == (total, 0)
    assert sorted((p.method, p.reference) for p in db.session.scalars(select(Payment))) == [
        ("cash", None), ("transfer", "WX-889")]
    phone.pull()
    assert sorted(p["amount_cents"] for p in phone.rows("payment").values()) == sorted(
        [5000, total - 5000])


def test_the_same_payment_twice_is_recorded_once(phone, paid_job):
    phone.decide_quote(str(paid_job.id), phone.price_list_lines(str(paid_job.id), {}),
                       "approved")
    args = {"order_id": str(paid_job.id), "payment_id": new_id(), "method": "cash",
            "amount_cents": 1000, "reference": None, "device_time": phone.now()}
    phone.queue("record_payment", args)
    phone.queue("record_payment", args)
    phone.push_all()
    assert db.session.scalar(select(Payment.amount_cents)) == 1000
    assert len(list(db.session.scalars(select(Payment)))) == 1
