"""What was paid above the total, and the office's refund of it (docs/sync-protocol.md §4a
rule 5): a payment fits what was due when it arrived; a later declined quote leaves more
paid than the total; the order shows "to refund", the office records the refund over the
API, never more than that excess, audited. Runs on SQLite and PostgreSQL (DATABASE_URL)."""

import uuid

import pytest
from sqlalchemy import select

from server.audit.models import AuditEvent
from server.billing import service as billing
from server.billing.models import Refund
from server.extensions import db
from server.workorders import service as orders
from tests.sync.conftest import job, phone_for  # noqa: F401  (fixtures)
from tests.sync.phone import new_id


@pytest.fixture
def overpaid(job, phone_for, technician, app):
    """Paid in full on one phone before a declined quote arrived from another: the total
    drops to the diagnostic fee, what was paid stays."""
    job.in_warranty = False
    orders.recompute_charges(job)
    db.session.commit()
    phone = phone_for(technician)
    for to in ("en_route", "on_site"):
        phone.queue("transition", {"order_id": str(job.id), "to": to,
                                   "device_time": phone.now()})
    phone.sync()
    total = billing.balance(job).total_cents
    phone.queue("record_payment", {"order_id": str(job.id), "payment_id": new_id(),
                                   "method": "cash", "amount_cents": total, "reference": None,
                                   "device_time": phone.now()})
    phone.push_all()
    other = phone_for(technician, name="tablet")
    other.sync()
    other.decide_quote(str(job.id), other.price_list_lines(str(job.id), {}), "declined")
    other.push_all()
    assert not phone.rejections and not other.rejections
    return job, total, app.config["DIAGNOSTIC_FEE_CENTS"]


@pytest.fixture
def office(api_as, dispatcher):
    return api_as(dispatcher)


def test_a_later_decline_leaves_something_to_refund_and_the_api_says_so(overpaid, office):
    job, paid, fee = overpaid
    body = office.get(f"/api/v1/workorders/{job.id}/payments").get_json()
    assert (body["total_cents"], body["paid_cents"], body["due_cents"]) == (fee, paid, 0)
    assert body["to_refund_cents"] == paid - fee and body["refunded_cents"] == 0
    assert [p["method"] for p in body["payments"]] == ["cash"]
    quote = office.get(f"/api/v1/workorders/{job.id}/quote").get_json()
    assert quote["decision"] == "declined" and quote["content_matches"] is True


def test_the_office_refunds_the_excess_in_parts_never_more_audited(overpaid, office,
                                                                    dispatcher):
    job, paid, fee = overpaid
    excess = paid - fee
    url = f"/api/v1/workorders/{job.id}/refunds"
    first = office.post(url, json={"method": "cash", "amount_cents": excess - 1000})
    assert first.status_code == 201, first.get_json()
    too_much = office.post(url, json={"method": "card", "amount_cents": 1001})
    assert too_much.status_code == 422
    problem = too_much.get_json()
    assert problem["reason"] == "refund_exceeds_excess"
    assert problem["errors"]["amount_cents"] == ["must be at most 1000"]
    last = office.post(url, json={"method": "transfer", "amount_cents": 1000,
                                  "reference": "RF-77"})
    assert last.status_code == 201 and last.get_json()["reference"] == "RF-77"
    nothing = office.post(url, json={"method": "cash", "amount_cents": 1})
    assert nothing.status_code == 422 and nothing.get_json()["reason"] == "nothing_to_refund"

    body = office.get(f"/api/v1/workorders/{job.id}/payments").get_json()
    assert (body["paid_cents"], body["refunded_cents"], body["to_refund_cents"],
            body["due_cents"]) == (fee, excess, 0, 0)
    assert [(r["method"], r["amount_cents"]) for r in body["refunds"]] == [
        ("cash", excess - 1000), ("transfer", 1000)]
    audited = db.session.scalars(select(AuditEvent)
                                 .where(AuditEvent.action == "refund.recorded")).all()
    assert sorted((a.actor_id, a.entity_id, a.data["amount_cents"]) for a in audited) == sorted([
        (dispatcher.id, str(job.id), excess - 1000), (dispatcher.id, str(job.id), 1000)])


@pytest.mark.parametrize(("body", "field"), [
    ({"method": "transfer", "amount_cents": 100}, "reference"),
    ({"method": "cheque", "amount_cents": 100}, "method"),
    ({"method": "cash", "amount_cents": 0}, "amount_cents"),
    ({"method": "cash", "amount_cents": 1.5}, "amount_cents"),
    ({"method": "cash"}, "amount_cents"),
])
def test_bad_refunds_are_refused_naming_the_field_and_nothing_is_stored(overpaid, office, body,
                                                                          field):
    job, _, _ = overpaid
    response = office.post(f"/api/v1/workorders/{job.id}/refunds", json=body)
    assert response.status_code == 422
    assert field in str(response.get_json()["errors"])
    assert db.session.scalar(select(Refund.id).where(Refund.work_order_id == job.id)) is None


def test_a_refund_on_an_order_paid_exactly_is_refused(job, office):
    response = office.post(f"/api/v1/workorders/{job.id}/refunds",
                           json={"method": "cash", "amount_cents": 100})
    assert response.status_code == 422 and response.get_json()["reason"] == "nothing_to_refund"


def test_an_unknown_order_is_404(office):
    response = office.get(f"/api/v1/workorders/{uuid.uuid4()}/payments")
    assert response.status_code == 404


def _console(client, user):
    from tests.factories import PASSWORD

    assert client.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 302
    return client


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_order_page_shows_to_refund_and_its_button_records_the_refund(
        overpaid, client, make_user, locale):
    job, paid, fee = overpaid
    excess = paid - fee
    office = make_user("dispatcher", locale=locale)
    db.session.commit()
    page = _console(client, office).get(f"/orders/{job.id}").get_data(as_text=True)
    words = {"en": ("To refund: ", "Record the refund"), "zh": ("待退款：", "登记退款")}[locale]
    assert words[0] in page and words[1] in page
    assert f"{excess / 100:.2f}" in page

    too_much = client.post(f"/orders/{job.id}/refunds",
                           data={"method": "cash", "amount": f"{excess / 100 + 0.01:.2f}"},
                           follow_redirects=True).get_data(as_text=True)
    assert {"en": "At most", "zh": "最多可退款"}[locale] in too_much
    no_reference = client.post(f"/orders/{job.id}/refunds",
                               data={"method": "transfer", "amount": "1.00"},
                               follow_redirects=True).get_data(as_text=True)
    assert {"en": "with its reference", "zh": "流水号"}[locale] in no_reference
    assert db.session.scalar(select(Refund.id).where(Refund.work_order_id == job.id)) is None

    done = client.post(f"/orders/{job.id}/refunds",
                       data={"method": "cash", "amount": f"{excess / 100:.2f}"},
                       follow_redirects=True).get_data(as_text=True)
    assert {"en": "Refund of", "zh": "已登记退款"}[locale] in done
    assert 'data-testid="to-refund"' not in done and "refund-form" not in done  # all given back
    assert {"en": "Refunded", "zh": "退款"}[locale] in done
    assert "cash" not in done.replace("Cash", "")  # the method as words, never the code
    refund = db.session.scalar(select(Refund).where(Refund.work_order_id == job.id))
    assert (refund.method, refund.amount_cents, refund.recorded_by_id) == (
        "cash", excess, office.id)


def test_the_report_shows_the_line_to_refund(overpaid, app):
    from server.reports.render import _settlement

    job, paid, fee = overpaid
    with app.test_request_context():
        lines = _settlement(job, "en")
    assert lines["to_refund"].endswith(f"{(paid - fee) / 100:.2f}")
    assert lines["due"].endswith("0.00") and lines["paid"].endswith(f"{paid / 100:.2f}")
    assert lines["refunded"] is None
