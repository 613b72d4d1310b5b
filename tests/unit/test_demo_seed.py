"""The demo seed: realistic, bilingual, every status, histories in time order, repeatable.

Seeding takes a couple of seconds, so this module seeds once into one rolled-back
transaction that its tests only read, instead of once per test.
"""

from __future__ import annotations

import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import scoped_session, sessionmaker

from server.accounts import service as accounts
from server.accounts.models import User
from server.assets.models import Asset
from server.assets.service import warranty_status
from server.customers.models import Customer
from server.database import utcnow
from server.demo import DEMO_PASSWORD, SHANGHAI, seed
from server.errors import Conflict
from server.extensions import db
from server.feedback.models import Complaint, Survey
from server.intake import symptoms
from server.inventory.models import Part, StockLevel, StockLocation, StockMovement
from server.knowledge.models import KnowledgeArticle
from server.technicians.models import Technician
from server.words import term
from server.workorders.lifecycle import Status
from server.workorders.models import WorkOrder, WorkOrderEvent
from server.workorders.service import ROOT_CAUSES

CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Demo:
    now: datetime
    counts: dict[str, int]
    first_run: tuple


@contextmanager
def _rolled_back_session():
    """``db.session`` bound to a transaction that is rolled back afterwards (as conftest)."""
    connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = scoped_session(sessionmaker(bind=connection,
                                             join_transaction_mode="create_savepoint"))
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()


def _fingerprint() -> tuple:
    """Everything the seed chose, without ids or the real clock."""
    rows = lambda query: tuple(map(tuple, db.session.execute(query).all()))  # noqa: E731
    return (
        rows(select(Customer.name, Customer.phone, Customer.email, Customer.language)
             .order_by(Customer.name)),
        rows(select(Asset.model, Asset.serial, Asset.purchase_date, Asset.warranty_end)
             .order_by(Asset.serial)),
        rows(select(Part.sku, Part.name_zh, Part.price_cents).order_by(Part.sku)),
        rows(select(StockLevel.quantity, Part.sku, StockLocation.name)
             .join(Part, Part.id == StockLevel.part_id)
             .join(StockLocation, StockLocation.id == StockLevel.location_id)
             .order_by(StockLocation.name, Part.sku)),
        rows(select(WorkOrder.number, WorkOrder.status, WorkOrder.priority, WorkOrder.type,
                    WorkOrder.sla_state, WorkOrder.created_at, WorkOrder.appointment_start,
                    Customer.name).join(Customer, Customer.id == WorkOrder.customer_id)
             .order_by(WorkOrder.number)),
        rows(select(WorkOrder.number, WorkOrderEvent.seq, WorkOrderEvent.kind,
                    WorkOrderEvent.to_status, WorkOrderEvent.server_time, WorkOrderEvent.reason)
             .join(WorkOrder, WorkOrder.id == WorkOrderEvent.work_order_id)
             .order_by(WorkOrder.number, WorkOrderEvent.seq)),
    )


@pytest.fixture(scope="module")
def demo(app):
    now = utcnow()
    with pytest.MonkeyPatch.context() as patch, app.app_context():
        # The real hasher is deliberately slow; the seed hashes eleven passwords, twice.
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
        with _rolled_back_session():
            seed(now=now)
            first_run = _fingerprint()
        with _rolled_back_session():
            counts = seed(now=now)
            yield Demo(now, counts, first_run)


@pytest.fixture(autouse=True)
def _transaction(demo):
    """Replaces conftest's per-test transaction: these tests read the one seeded above."""
    yield


def _orders() -> list[WorkOrder]:
    return list(db.session.scalars(select(WorkOrder).order_by(WorkOrder.number)))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_counts_are_in_the_documented_ranges(demo):
    counts = demo.counts
    assert counts["users"] == 11
    assert counts["technicians"] == 6
    assert 35 <= counts["customers"] <= 45
    assert counts["assets"] >= counts["customers"]
    assert 150 <= counts["parts"] <= 250
    assert 55 <= counts["work orders"] <= 65
    assert 8 <= counts["knowledge articles"] <= 15
    assert counts["surveys"] >= 3 and counts["complaints"] >= 2
    assert counts["notes"] > 0 and counts["parts used"] > 0
    # The counts are what is in the database, not what the code hoped for.
    for model, name in ((Customer, "customers"), (WorkOrder, "work orders"), (Part, "parts"),
                        (WorkOrderEvent, "order events"), (StockMovement, "stock movements")):
        assert _count(model) == counts[name]


def test_demo_accounts_sign_in_and_escalate_dispatcher_supervisor_manager(demo):
    dispatcher = accounts.authenticate("dispatcher@demo.doorstep", DEMO_PASSWORD)
    assert dispatcher is not None and dispatcher.role == "dispatcher"
    assert dispatcher.locale == "en"
    chinese_desk = accounts.authenticate("dispatcher.zh@demo.doorstep", DEMO_PASSWORD)
    assert chinese_desk.locale == "zh"
    supervisor = db.session.get(User, dispatcher.supervisor_id)
    assert supervisor.email == "supervisor@demo.doorstep"
    assert chinese_desk.supervisor_id == supervisor.id
    assert db.session.get(User, supervisor.supervisor_id).email == "manager@demo.doorstep"
    assert accounts.authenticate("admin@demo.doorstep", DEMO_PASSWORD).role == "admin"
    for n in range(1, 7):
        tech = accounts.authenticate(f"tech{n}@demo.doorstep", DEMO_PASSWORD)
        assert tech.role == "technician"


def test_technicians_cover_every_category_in_both_cities(demo):
    techs = list(db.session.scalars(select(Technician)))
    categories = {"air_conditioner", "washing_machine", "water_heater", "refrigerator",
                  "range_hood"}
    shanghai = [t for t in techs if t.home_latitude and t.home_latitude < 40]
    london = [t for t in techs if t.home_latitude and t.home_latitude > 40]
    assert len(shanghai) == 3 and len(london) == 3
    assert all(CJK.search(t.region) for t in shanghai)
    assert not any(CJK.search(t.region) for t in london)
    for city in (shanghai, london):
        assert categories <= {skill for t in city for skill in t.skills}
        assert all("repair" in t.skills for t in city)


def test_customers_are_chinese_in_shanghai_and_english_in_london(demo):
    people = list(db.session.scalars(select(Customer)))
    chinese = [c for c in people if c.language == "zh"]
    english = [c for c in people if c.language == "en"]
    assert len(chinese) >= 15 and len(english) >= 15
    for customer in chinese:
        address = customer.addresses[0]
        assert CJK.search(customer.name) and customer.phone.startswith("+86 1")
        assert re.search(r"路\d+弄\d+号\d+室$", address.line1)
        assert 30.9 < address.latitude < 31.5 and 121.1 < address.longitude < 121.8
    for customer in english:
        address = customer.addresses[0]
        assert not CJK.search(customer.name) and customer.phone.startswith("+44 ")
        assert address.city == "London" and address.country == "GB"
        assert 51.3 < address.latitude < 51.7 and -0.4 < address.longitude < 0.2
    preferences = {p for c in people for p in c.preferences}
    assert "老人在家，只约上午" in preferences and "call before arriving" in preferences
    assert any(not c.preferences for c in people)


def test_some_appliances_are_in_warranty_and_some_are_out(demo):
    states = [warranty_status(a, demo.now.date()) for a in db.session.scalars(select(Asset))]
    assert "in_warranty" in states and "out_of_warranty" in states
    assert "unknown" not in states


def test_every_part_is_in_the_warehouse_and_stock_matches_the_ledger(demo):
    assert all(re.fullmatch(r"[A-Z0-9][A-Z0-9-]{1,39}", sku)
               for sku in db.session.scalars(select(Part.sku)))
    warehouse = db.session.scalar(select(StockLocation).where(StockLocation.kind == "warehouse"))
    stocked = set(db.session.scalars(
        select(StockLevel.part_id).where(StockLevel.location_id == warehouse.id)))
    assert stocked == set(db.session.scalars(select(Part.id)))
    for van in db.session.scalars(select(StockLocation).where(StockLocation.kind == "van")):
        lines = _count(select(StockLevel).where(StockLevel.location_id == van.id).subquery())
        assert 25 <= lines <= 40
    ledger: dict = defaultdict(int)
    for move in db.session.scalars(select(StockMovement)):
        ledger[(move.to_location_id, move.part_id)] += move.quantity
        ledger[(move.from_location_id, move.part_id)] -= move.quantity
    for level in db.session.scalars(select(StockLevel)):
        assert level.quantity == ledger[(level.location_id, level.part_id)] >= 0
    initial = _count(select(StockMovement).where(StockMovement.reason == "initial_stock")
                     .subquery())
    assert initial >= _count(Part) + 6 * 25  # the warehouse's lines and the vans'


def test_every_status_appears(demo):
    assert {o.status for o in _orders()} == set(Status)


def test_histories_are_in_seq_order_with_time_never_going_backwards(demo):
    for order in _orders():
        events = order.events
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        times = [e.server_time for e in events]
        assert times == sorted(times), order.number
        assert times[0] == order.created_at and times[-1] <= demo.now
        for event in events:
            assert event.device_time is None or event.device_time <= event.server_time
        moves = [e for e in events if e.kind == "transition"]
        assert (moves[-1].to_status if moves else "new") == order.status


def test_orders_past_new_have_a_technician_with_the_right_skills(demo):
    for order in _orders():
        moves = [e for e in order.events if e.kind == "transition"]
        if order.status == "new" or (order.status == "cancelled" and len(moves) == 1):
            assert order.assignee_id is None
            continue
        assert order.assignee is not None, order.number
        assert order.asset.category in order.assignee.skills
        assert order.type in order.assignee.skills


def test_orders_are_in_the_customers_language_with_real_content(demo):
    orders = _orders()
    for order in orders:
        assert order.language == order.customer.language
        assert bool(CJK.search(order.description)) == (order.language == "zh")
        if order.description.startswith("RX-"):  # opened for a customer's return request
            assert order.type in ("return_exchange", "repair") and not order.intake_answers
            continue
        assert order.symptom_code
        assert order.intake_answers or not symptoms.get(order.symptom_code).questions
    assert {o.channel for o in orders} == {"phone", "web", "app", "email"}
    emergencies = [o for o in orders if o.priority == "emergency"]
    assert 2 <= len(emergencies) <= 6
    assert "WH_GAS_SMELL" in {o.symptom_code for o in emergencies}


def test_intake_answers_are_questions_of_the_order_s_symptom_answered_with_its_choices(
        app, demo):
    # The order page and the phone label each answer by its symptom's question and choice:
    # an answer to no such question showed its raw key ("breaker") in both languages.
    for order in _orders():
        asked = symptoms.get(order.symptom_code)
        if asked is None:  # installations, maintenance, returns: their own few labelled keys
            assert order.type in ("install", "maintenance") or order.description.startswith(
                "RX-")
            for key in order.intake_answers:
                for language in ("en", "zh"):
                    with app.test_request_context(f"/?lang={language}"):
                        assert term(key) != key, (order.type, key, language)
            continue
        for key, answer in order.intake_answers.items():
            question = asked.known_question(key)
            assert question is not None, (order.symptom_code, key)
            if question.choices:
                assert answer in {choice.key for choice in question.choices}, (
                    order.symptom_code, key, answer)


def test_finished_orders_have_diagnosis_resolution_and_root_cause(demo):
    finished = [o for o in _orders() if o.status in ("completed", "signed", "closed", "reopened")]
    assert finished
    for order in finished:
        assert order.diagnosis and order.resolution, order.number
        assert order.root_cause in ROOT_CAUSES
    assert any(o.parts_used for o in finished)
    surveyed = {s.work_order_id for s in db.session.scalars(select(Survey))}
    assert {db.session.get(WorkOrder, i).status for i in surveyed} <= {"closed", "reopened"}
    complaints = list(db.session.scalars(select(Complaint)))
    assert {c.status for c in complaints} >= {"open", "answered"}
    assert {a.language for a in db.session.scalars(select(KnowledgeArticle))} == {"en", "zh"}


def test_demo_articles_match_symptoms_and_show_their_first_revision(demo):
    """Walking the demo: a gas-smell job must find the gas safety article by its symptom, and
    an article page must list who wrote it and when, not "written before versions were
    kept"."""
    from server.knowledge import service as knowledge

    gas = knowledge.list_articles(symptom="WH_GAS_SMELL")
    assert {a.language for a in gas} == {"en", "zh"}
    assert all("WH_GAS_SMELL" in a.symptoms for a in gas)
    articles = list(db.session.scalars(select(KnowledgeArticle)))
    for article in articles:
        assert [v.revision for v in article.versions] == [1]
        assert article.versions[0].author is not None and article.author_id is not None
        assert article.versions[0].title == article.title


def test_appointments_of_scheduled_orders_are_ahead_and_sla_states_are_mixed(demo):
    orders = _orders()
    for order in orders:
        if order.status == "scheduled":
            assert order.appointment_start > demo.now
    open_states = {o.sla_state for o in orders if o.status not in ("closed", "cancelled")}
    assert {"green", "red"} <= open_states


def test_seeding_twice_is_refused(demo):
    with pytest.raises(Conflict):
        seed(now=demo.now)


def test_the_same_now_gives_the_same_data(demo):
    assert _fingerprint() == demo.first_run


def _signed_in_history(order: WorkOrder) -> bool:
    return any(e.kind == "transition" and e.to_status == "signed" for e in order.events)


def test_every_order_that_reached_signed_has_a_drawn_signature_over_what_the_server_prints(
        demo):
    from server.media.models import Blob, Report, Signature
    from server.reports.content import content_hash, signed_content

    signed = [o for o in _orders() if _signed_in_history(o)]
    assert {o.status for o in signed} == {"signed", "closed", "reopened"}
    assert len(signed) >= 20
    for order in signed:
        signature = db.session.scalar(select(Signature).where(
            Signature.work_order_id == order.id))
        assert signature is not None, order.number
        assert signature.signer_name == order.customer.name
        blob = db.session.get(Blob, signature.image_sha256)
        assert blob is not None and blob.image_format == "png" and blob.width == 600
        assert signature.content_hash == content_hash(signed_content(order))
        signing = next(e for e in order.events if e.to_status == "signed")
        assert signature.received_at == signing.server_time
        report = db.session.scalar(select(Report).where(Report.signature_id == signature.id))
        assert report is not None and report.status in ("rendering", "ready"), (
            order.number, order.status, report.failure_reason)
    # Closed only after a customer signed (issue 9: every demo order in "signed" or
    # "closed" carries a real signature).
    for order in _orders():
        if order.status == "closed":
            assert _signed_in_history(order), order.number
            assert db.session.scalar(select(Signature.id).where(
                Signature.work_order_id == order.id)) is not None


def test_the_demo_reports_render_through_the_job_path_when_the_seed_commits(
        demo, tmp_path, monkeypatch, app):
    """What ``flask seed-demo`` does: commit, and the render jobs queued at that commit make
    every signed visit's PDF (tasks run in-process here; the worker does it in ``make run``).
    """
    import time

    from server.media.models import Report

    monkeypatch.setitem(app.config, "REPORT_SIGNING_CERT", str(tmp_path / "cert.pem"))
    monkeypatch.setitem(app.config, "REPORT_SIGNING_KEY", str(tmp_path / "key.pem"))
    monkeypatch.setitem(app.config, "REPORT_SIGNING_DEV_CERT", True)
    started = time.perf_counter()
    db.session.commit()  # the seed's transaction here is a savepoint, rolled back at the end
    elapsed = time.perf_counter() - started
    reports = list(db.session.scalars(select(Report)))
    assert len(reports) >= 20
    assert {r.status for r in reports} == {"ready"}, {r.failure_reason for r in reports}
    assert all(r.pdf_sha256 and r.pdf_size > 10_000 for r in reports)
    print(f"\n{len(reports)} demo reports rendered and signed in {elapsed:.1f} s")


def test_the_job_waiting_for_its_quote_is_booked_on_the_technicians_today_at_any_hour():
    """"Later today" is the technician's day, not UTC's: seeded at 22:10 UTC the job was
    booked for 00:00 UTC, tomorrow by UTC but 08:00 on the same Shanghai day; seeded at
    23:30 in Shanghai, two hours on would be tomorrow there, so it takes 22:00 today."""
    from server.billing.demo import later_today

    zone = ZoneInfo(SHANGHAI.timezone)
    assert later_today(datetime(2026, 11, 30, 10, 20, tzinfo=UTC), zone) \
        == datetime(2026, 11, 30, 12, tzinfo=UTC)  # 18:20 → 20:00 in Shanghai
    assert later_today(datetime(2026, 11, 30, 22, 10, tzinfo=UTC), zone) \
        == datetime(2026, 12, 1, 0, tzinfo=UTC)  # 06:10 → 08:00 on 1 December there
    assert later_today(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), zone) \
        == datetime(2026, 11, 30, 14, tzinfo=UTC)  # 23:30 → 22:00 the same day


def test_the_demo_has_a_quote_waiting_and_one_approved_and_paid(demo):
    from server.billing import service as billing
    from server.billing.models import Quote
    from server.billing.service import server_content
    from server.billing.content import content_hash

    first = db.session.scalar(select(Technician).join(User).where(
        User.email == "tech1@demo.doorstep"))
    charged = [o for o in _orders() if o.assignee_id == first.id and o.in_warranty is False]
    quotes = {o.id: billing.quote_for(o) for o in charged}
    zone = ZoneInfo(SHANGHAI.timezone)  # the first technician's: today is theirs
    waiting = [o for o in charged if o.status == Status.SCHEDULED and quotes[o.id] is None
               and o.appointment_start.astimezone(zone).date()
               == demo.now.astimezone(zone).date()]
    assert waiting, "an out-of-warranty job booked today waits for the customer's decision"
    approved = [o for o in charged if quotes[o.id] is not None]
    assert len(approved) == 1
    order, quote = approved[0], quotes[approved[0].id]
    assert quote.decision == "approved" and quote.content_matches
    assert quote.content_hash == content_hash(server_content(quote))
    balance = billing.balance(order)
    assert balance.paid_cents == balance.total_cents > 0 and balance.due_cents == 0
    assert [p.method for p in balance.payments] == ["card"]
    assert db.session.scalar(select(func.count()).select_from(Quote)) == 1


def test_warranty_claims_and_the_supplier_return_happened_before_now_in_order(demo):
    """The demo's claims and RMA are history: no step dated after the seed ran, and the RMA
    ships only units that had come back (a claim 'credited in three days' read as a bug)."""
    from server.warranty.models import SupplierReturn, WarrantyClaim

    def naive(t):
        return t.replace(tzinfo=None) if t is not None else None

    now = naive(demo.now)
    claims = list(db.session.scalars(select(WarrantyClaim).order_by(WarrantyClaim.number)))
    assert {c.state for c in claims} == {"draft", "submitted", "accepted", "rejected",
                                         "credited"}
    for c in claims:
        steps = [naive(t) for t in (c.created_at, c.submitted_at, c.decided_at,
                                    c.credited_at) if t is not None]
        assert steps == sorted(steps) and steps[-1] <= now, (c.number, steps, now)
    rma = db.session.scalar(select(SupplierReturn))
    assert naive(rma.created_at) <= naive(rma.shipped_at) <= now
    for line in rma.lines:
        arrived = db.session.get(StockMovement, line.defective_movement_id).created_at
        assert naive(arrived) <= naive(rma.created_at), line.serial


def test_the_demo_complaints_name_the_technician_and_appliance_of_their_order(demo):
    """Like any complaint recorded on an order: the analysis counted both demo complaints
    under "technician not determined" although each order had its technician."""
    complaints = list(db.session.scalars(select(Complaint).order_by(Complaint.created_at)))
    assert len(complaints) == 2
    for c in complaints:
        order = db.session.get(WorkOrder, c.work_order_id)
        assert order.assignee_id is not None
        assert (c.technician_id, c.asset_id) == (order.assignee_id, order.asset_id)
