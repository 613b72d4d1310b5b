"""The quote and the payments where people read them: the order page, the quote PDF (sealed
like the report), the report's paid/due lines and the customer's page — in English and
Chinese."""

import subprocess

import pytest
from sqlalchemy import select

from server.extensions import db
from server.inventory.models import StockLevel, StockLocation
from server.media.models import Report
from server.portal import links
from server.reports.service import verify_document
from tests.factories import PASSWORD, walk_to
from tests.report_scenario import Visit
from tests.sync.phone import Phone, new_id


def pdftotext(tmp_path, data: bytes) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, timeout=60).stdout


@pytest.fixture
def paid_visit(client, make_order, make_customer, make_asset, make_part, dispatcher,
               technician):
    """``paid_visit(language)``: out of warranty, quote approved, a part fitted, paid in
    part (cash, then a transfer), signed; 1,000 (minor units) still due."""
    def run(language="en"):
        customer = make_customer(name="Alice Smith" if language == "en" else "王秀英",
                                 language=language)
        asset = make_asset(customer, warranty_days=-30)
        order = make_order(actor=dispatcher, customer=customer, asset=asset, language=language,
                           description="Not cooling")
        walk_to(order, "scheduled", dispatcher, technician)
        van = db.session.scalar(select(StockLocation).where(
            StockLocation.technician_id == technician.id))
        part = make_part(4500)
        db.session.add(StockLevel(location_id=van.id, part_id=part.id, quantity=5))
        db.session.commit()
        visit = Visit(client, Phone(client, technician), order).arrive()
        visit.decide_quote(((part, 2),), signer="Alice Smith")
        visit.work("Capacitor failed", "Replaced the capacitor", parts=((part, 2),))
        visit.complete(rating=None)
        db.session.refresh(order)
        total = order.parts_cents + order.labour_cents + order.travel_cents
        visit.push("record_payment", payment_id=new_id(), method="cash", amount_cents=5000,
                   reference=None, device_time=visit.phone.now())
        visit.push("record_payment", payment_id=new_id(), method="transfer",
                   amount_cents=total - 6000, reference="WX-20261130-889",
                   device_time=visit.phone.now())
        visit.sign("Alice Smith")
        visit.part, visit.total = part, total
        return visit
    return run


def sign_in(client, user):
    assert client.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 302
    return client


def test_the_order_page_shows_the_quote_and_each_payment_with_what_is_due(
        paid_visit, client, dispatcher):
    visit = paid_visit("en")
    page = sign_in(client, dispatcher).get(f"/orders/{visit.order.id}").get_data(as_text=True)
    section = page.split('id="order-money"', 1)[1].split("</section>", 1)[0]
    assert "Quote approved by Alice Smith" in section and "Quote (PDF)" in section
    assert "Cash" in section and "Bank transfer" in section and "WX-20261130-889" in section
    assert "still due CN¥10.00" in section
    assert "<td>transfer</td>" not in section and "<td>cash</td>" not in section


def test_the_quote_pdf_is_sealed_and_shows_what_the_customer_approved(
        paid_visit, client, dispatcher, tmp_path):
    visit = paid_visit("en")
    response = sign_in(client, dispatcher).get(f"/orders/{visit.order.id}/quote.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    # The company's seal is intact (it is no report, so the verify page knows no number).
    checked = verify_document(response.data)
    assert checked.check.ok and checked.status == "valid_unknown"
    text = " ".join(pdftotext(tmp_path, response.data).split())
    for expected in ("Quote", visit.order.number, visit.part.sku, "Labour", "Travel",
                     "Approved by the customer", "Alice Smith", "90.00",
                     "Diagnostic fee CN¥50.00", "Quoted total CN¥200.00"):
        assert expected.lower() in text.lower(), expected


def test_the_report_shows_what_was_paid_and_what_is_still_due(paid_visit, tmp_path):
    visit = paid_visit("en")
    report = db.session.scalar(select(Report).where(Report.work_order_id == visit.order.id))
    assert report.status == "ready", report.failure_reason
    pdf = visit.client.get(f"/api/v1/workorders/{visit.order.id}/report/pdf",
                           headers=visit.phone._headers()).data
    text = " ".join(pdftotext(tmp_path, pdf).split())
    assert "Quote approved by Alice Smith" in text
    assert "Bank transfer · WX-20261130-889" in text
    assert "Paid on site" in text and "Still due CN¥10.00" in text


def test_the_customers_page_shows_the_quote_and_the_balance_in_their_language(
        paid_visit, client):
    visit = paid_visit("zh")
    url = links.url_of(links.ensure_link(visit.order)).removeprefix("http://localhost:5000")
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    section = page.split('id="money"', 1)[1].split("</section>", 1)[0]
    assert "报价" in section and "银行转账" in section and "待付" in section
    quote = client.get(url + "/quote.pdf")
    assert quote.status_code == 200 and quote.mimetype == "application/pdf"
    assert quote.headers["Cache-Control"] == "private, no-store"


def test_no_quote_pdf_before_the_customer_decided(client, dispatcher, make_order):
    order = make_order(actor=dispatcher)
    assert sign_in(client, dispatcher).get(f"/orders/{order.id}/quote.pdf").status_code == 404
