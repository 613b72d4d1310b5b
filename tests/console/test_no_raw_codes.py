"""Every console page, in English and in Simplified Chinese, with the demo data: no stored
code where a word belongs, no English left on a Chinese page, no time with seconds.

The pages are found, not listed: every GET route of the app that answers with HTML is
rendered (an order of every status, a customer, the board with an order open…). A new
page with a parameter this module cannot fill fails ``test_every_page_is_covered`` until
its parameter is added to ``FILL`` below.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from sqlalchemy import select

from server.customers.models import Customer
from server.demo import seed
from server.extensions import db
from server.workorders.models import WorkOrder
from tests.console.pages import raw_codes, stored_words, untranslated, visible_text

# Rules that are not pages a person reads.
NOT_PAGES = {
    "static": "files",
    "console.vendor_htmx": "a script",
    "kpis_console.vendor_echarts": "a script",
    "kpis_console.export": "a CSV or XLSX download (tests/kpis/test_kpi_console.py)",
    "reports_public.download": "a PDF behind a customer's signed link",
    "/app": "the technician app (tests/e2e/test_labels_browser.py)",
    "/api/": "JSON",
    "console.logout": "POST only",
    "console.order_report_pdf": "a PDF (tests/api/test_order_page.py)",
    "console.order_photo": "an image",
    "console.order_signature": "an image",
    "knowledge_console.image_file": "an article image (tests/knowledge)",
    "portal.report": "a PDF behind a customer's signed link",
    "portal.quote": "a PDF behind a customer's signed link (tests/billing/test_money_pages.py)",
    "billing_console.order_quote": "a PDF (tests/billing/test_money_pages.py)",
    "portal.page": "the customer's page behind a signed link (tests/api/test_customer_page.py, both languages)",
    "messaging_console.preview": "a message preview in the language it names (tests/messaging)",
    "kpis_console.export_groups": "a CSV or XLSX download (tests/kpis/test_kpi_console.py)",
    "portal.company_logo": "an image (tests/api/test_company_identity.py)",
    "returns_console.photo": "an image (tests/returns/test_console_and_portal.py)",
    "warranty_console.claim_photo": "an image (tests/warranty/test_claim_photos.py)",
}
# (warranty_console.claims with export=… is a download: tests/warranty/test_console.py)
LANGUAGES = ("en", "zh")


def _orders_of_every_status() -> list[WorkOrder]:
    chosen = {}
    for order in db.session.scalars(select(WorkOrder).order_by(WorkOrder.number)):
        chosen.setdefault((order.status, order.type, bool(order.intake_answers)), order)
    return list(chosen.values())


def _customers() -> list[Customer]:
    return list(db.session.scalars(select(Customer).order_by(Customer.name)).all()[:4])


def _order_ids():
    return [o.id for o in _orders_of_every_status()]


def _incident_ids():
    """The demo data has no batch failure: open one the way detection does."""
    from server.incidents import service as incidents
    from server.incidents.models import Incident
    from server.workorders.models import utcnow

    if db.session.scalar(select(Incident.id).limit(1)) is None:
        incidents._open(("KFR-35GW", "AC_NOT_COOLING"), 1, 12, utcnow())
        incidents._open(("KFR-35GW", "manufacturing_defect"), 1, 12, utcnow(), "root_cause")
    return [i for i in db.session.scalars(select(Incident.id)).all()[:2]]


def _article_ids():
    from server.knowledge.models import KnowledgeArticle

    return db.session.scalars(select(KnowledgeArticle.id)).all()[:2]


def _qc_reviews():
    """A scored review and one waiting for its reviewer (the demo has both)."""
    from server.qc.models import QcReview

    return [db.session.scalars(select(QcReview.id).where(QcReview.state == state)
                               .order_by(QcReview.id).limit(1)).first()
            for state in ("reviewed", "to_review")]


# URL parameter name → the values to render it with (read from the demo data).
def _first_ids(model_path: str, count: int = 2):
    module, name = model_path.rsplit(".", 1)
    model = getattr(__import__(module, fromlist=[name]), name)
    return lambda: db.session.scalars(select(model.id).limit(count)).all()


FILL = {
    "part_id": _first_ids("server.inventory.models.Part"),
    "complaint_id": _first_ids("server.feedback.models.Complaint"),
    "followup_id": _first_ids("server.followups.models.FollowUp"),
    "review_id": lambda: _qc_reviews(),
    "technician_id": _first_ids("server.technicians.models.Technician"),
    "incident_id": _incident_ids,
    "article_id": _article_ids,
    "template_id": _first_ids("server.checklists.models.ChecklistTemplate"),
    "order_id": _order_ids,
    "customer_id": lambda: [c.id for c in _customers()],
    "technician_id": _first_ids("server.technicians.models.Technician"),
    "code": lambda: ["WH_NO_HOT_WATER"],  # a symptom's intake questions (/admin)
    "claim_id": lambda: _warranty_claims(),
    "return_id": _first_ids("server.warranty.models.SupplierReturn"),
    "serial": lambda: _warranty_serials() + _returned_serials(),
    "request_id": lambda: _return_requests(),
    "minmax_id": _first_ids("server.inventory.models.MinMaxTemplate"),
    "purchase_id": _first_ids("server.inventory.models.PurchaseOrder", 3),  # each state
}


def _return_requests():
    """A customer return in each state (the demo has one of each, and each decision)."""
    from server.returns.models import ReturnRequest

    return db.session.scalars(select(ReturnRequest.id).order_by(ReturnRequest.number)).all()


def _returned_serials():
    """An exchanged appliance's serial and its replacement's."""
    from server.returns.models import ReturnRequest

    exchanged = db.session.scalars(select(ReturnRequest).where(
        ReturnRequest.decision == "exchange")).first()
    return [exchanged.asset.serial, exchanged.replacement.serial] if exchanged else []


def _warranty_claims():
    """A claim in each state (the demo has one of each)."""
    from server.warranty.models import WarrantyClaim

    return db.session.scalars(select(WarrantyClaim.id).order_by(WarrantyClaim.state)).all()


def _warranty_serials():
    """An appliance's serial with a claim, and a faulty part's serial that went back."""
    from server.warranty.models import SupplierReturnLine, WarrantyClaim

    return [db.session.scalars(select(WarrantyClaim.asset_serial).order_by(
                WarrantyClaim.number)).first(),
            db.session.scalars(select(SupplierReturnLine.serial).order_by(
                SupplierReturnLine.serial)).first()]
def _demo_months() -> dict:
    """A period holding all the demo's orders (the last months)."""
    from datetime import date, timedelta

    today = date.today()
    return {"from": (today - timedelta(days=120)).isoformat(),
            "to": (today + timedelta(days=1)).isoformat()}


# Query strings that open a part of a page (the board's order panel, a customer search).
EXTRA = {
    "console.board_page": lambda: [{"order": str(i)} for i in _order_ids()[:6]]
    + [{"day": "2020-01-06"}],
    "console.intake_customer_search": lambda: [{"q": "138"}, {"q": "Smith"}, {"q": "王"}],
    "console.orders": lambda: [{"status": "scheduled"}, {"page": "2"}],
    "qc_console.queue": lambda: [{"state": "reviewed"}],
    "qc_console.actions": lambda: [{"state": "done"}],
    "console.customer_list": lambda: [{"q": "139"}],
    "kpis_console.behind": lambda: [{"key": k, **_demo_months()}
                                    for k in ("requested", "first_time_fix", "complaints")]
    + [{"key": "sla_missed", "tier": "normal"}],
    "kpis_console.dashboard": lambda: [_demo_months()] + [
        {**_demo_months(), "group_by": g, "kpi": "first_time_fix"}
        for g in ("technician", "region", "category", "week")],
    "console.intake_page": lambda: [{"customer": str(c.id)} for c in _customers()[:2]],
    "warranty_console.claims": lambda: [{"state": "rejected"}, {"q": "zzz-none"}],
    "warranty_console.returns": lambda: [{"state": "shipped"}],
    "stock_console.purchases_page": lambda: [{"status": "ordered"}],
    "stock_console.new_purchase": lambda: [{"low": str(i)} for i in _first_ids(
        "server.inventory.models.StockLocation", 1)()],
}


def _skipped(rule) -> bool:
    return rule.endpoint in NOT_PAGES or any(
        key.startswith("/") and rule.rule.startswith(key) for key in NOT_PAGES)


def _pages(app) -> tuple[list[tuple[str, str, dict]], list[str]]:
    """(endpoint, url, query) for every page, and the rules nothing here can fill."""
    pages, unfilled = [], []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or _skipped(rule):
            continue
        choices: list[dict] = [{}]
        for name in rule.arguments:
            converter = rule._converters[name]
            values = sorted(converter.items) if hasattr(converter, "items") else \
                FILL[name]() if name in FILL else None
            if values is None:
                unfilled.append(f"{rule.rule} ({name})")
                break
            choices = [{**c, name: v} for c in choices for v in values]
        else:
            for args in choices:
                url = rule.build(args, append_unknown=False)[1]
                pages.append((rule.endpoint, url, {}))
                for query in EXTRA.get(rule.endpoint, list)():
                    pages.append((rule.endpoint, url, query))
    return pages, unfilled


@pytest.fixture
def demo_office(client, app):
    seed()
    _plans_and_a_discount()
    db.session.commit()
    response = client.post("/login", data={"email": "admin@demo.doorstep",
                                           "password": "doorstep-demo"})
    assert response.status_code == 302
    return client


def _plans_and_a_discount():
    """What the demo does not make by itself: an office plan of visits for one appliance,
    due soon (customer page and board), and a discount on an open, charged order (the order
    page's charges and history)."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from server.accounts.models import User
    from server.plans import service as plans
    from server.workorders import discounts
    from server.workorders.models import WorkOrder

    admin = db.session.scalar(select(User).where(User.email == "admin@demo.doorstep"))
    order = db.session.scalars(select(WorkOrder).where(
        WorkOrder.status.in_(sorted(discounts.OPEN)), WorkOrder.in_warranty.is_(False),
        WorkOrder.asset_id.is_not(None)).order_by(WorkOrder.number)).first()
    discounts.set_discount(admin, order, {"kind": "percent", "value": 10,
                                          "reason": "complaint_settled", "note": None})
    plans.create(admin, customer_id=order.customer_id, asset_id=order.asset_id, kind="visit",
                 interval_months=12, first_due=date.today() + timedelta(days=5),
                 later_interval_months=6, switch_on=date.today() + timedelta(days=400))


def test_every_page_is_covered(demo_office, app):
    pages, unfilled = _pages(app)
    assert unfilled == [], "add these URL parameters to FILL"
    assert {"console.board_page", "console.order_detail", "console.customer_page",
            "console.intake_page"} <= {endpoint for endpoint, _, _ in pages}


def test_no_page_shows_a_code_or_untranslated_words_in_either_language(demo_office, app):
    pages, _ = _pages(app)
    data_words = stored_words(app)
    problems: dict[str, list[str]] = defaultdict(list)
    rendered = 0
    for language in LANGUAGES:
        for endpoint, url, query in pages:
            response = demo_office.get(url, query_string={**query, "lang": language})
            if response.status_code in (301, 302) or response.mimetype != "text/html":
                continue
            assert response.status_code == 200, f"{url} {query}: {response.status_code}"
            rendered += 1
            chunks = visible_text(response.get_data(as_text=True))
            where = f"{language} {url}{'?' + str(query) if query else ''}"
            problems[where] += [f"code: {c}" for c in raw_codes(chunks)]
            if language == "zh":
                problems[where] += [f"English: {c}" for c in untranslated(chunks, data_words)]
    assert rendered > 40
    found = {where: sorted(set(p)) for where, p in problems.items() if p}
    # One line per problem, with every page it was seen on: readable when it fails.
    by_problem = defaultdict(list)
    for where, found_here in found.items():
        for problem in found_here:
            by_problem[problem].append(where)
    assert not by_problem, "\n".join(
        f"{p}: {pages[:2]}" + (f" … {len(pages) - 2} more" if len(pages) > 2 else "")
        for p, pages in sorted(by_problem.items()))


@pytest.mark.parametrize(("text", "raw"), [
    ("en_route", True), ("(water_heater)", True), ("WH_GAS_SMELL", True),
    ("old unit", True), ("repair", True), ("Emergency · Repair", False),
    ("On the way", False), ("Nov 30, 2026, 7:30:00 AM", True), ("Mon, Nov 30, 07:30", False),
    ("a customer who wants a repair", False), ("jane_doe@example.com", False),
])
def test_the_detector_tells_codes_from_words(text, raw):
    assert bool(raw_codes([text])) is raw


def test_the_detector_finds_english_on_a_chinese_page_but_not_data():
    assert untranslated(["已预约 · Out of warranty"], set()) == ["已预约 · Out of warranty"]
    assert untranslated(["客户 Alice Smith · 12 Baker Street"],
                        {"alice", "smith", "baker", "street"}) == []
    assert untranslated(["SLA 超时 · 3 km"], set()) == []


def test_visible_text_skips_scripts_and_reads_titles():
    html = '<p title="On the way">x</p><script>var en_route = 1</script><i>y</i>'
    assert visible_text(html) == ["On the way", "x", "y"]
    assert re.search("en_route", " ".join(visible_text(html))) is None
