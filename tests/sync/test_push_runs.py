"""A batch applies in runs (one savepoint and one flush per run, the stock ledger, the
reservations and the charges done once per run) and ends exactly as applying its mutations
one by one, each in its own savepoint, would (sync/push.py).

Each test pushes the same visit twice, to two orders of the same technician: once as the
engine does it, once with every run refused at its flush (so the whole batch goes one by
one), and compares what the office and the phone then see of each order.
"""

import uuid

import pytest
from sqlalchemy import select

from server.extensions import db
from server.inventory import service as stock
from server.inventory.fieldstock import reserve
from server.inventory.models import StockLevel, StockMovement, StockReservation
from server.media.models import Photo
from server.workorders import service as work_orders
from server.workorders.models import PartUsage, TimeLog, WorkOrder, WorkOrderEvent, WorkOrderNote
from sync import push as engine
from sync.models import RejectedMutation, SyncConflict
from tests import factories
from tests.factories import walk_to
from tests.sync.phone import new_id


@pytest.fixture
def orders(app, make_order, dispatcher, technician):
    """Two scheduled jobs of the technician, out of warranty (so parts are charged), with
    the quote-before-work rule off for the length of the test."""
    made = []
    for _ in range(2):
        order = make_order(actor=dispatcher)
        walk_to(order, "scheduled", dispatcher, technician)
        order.in_warranty = False
        work_orders.recompute_charges(order)
        made.append(order)
    app.config["QUOTE_BEFORE_WORK"] = False
    yield made
    app.config["QUOTE_BEFORE_WORK"] = True


@pytest.fixture
def parts(make_part, technician):
    first, second = make_part(price_cents=4500), make_part(price_cents=1200)
    factories.stock_van(technician, first, 5)
    factories.stock_van(technician, second, 5)
    return first, second


def visit(phone, order, parts, taken_note_id, foreign_order):
    """A visit with refusals spread through it: bad arguments (known before anything
    applies), a return above what was used, an id of another order, an order never
    assigned, an unknown root cause — between ordinary steps."""
    first, second = parts
    at = phone.now()
    line = {"order_id": str(order.id), "device_time": at}
    steps = [
        ("transition", {**line, "to": "en_route"}, 2),
        ("transition", {**line, "to": "on_site", "latitude": 31.2, "longitude": 121.4}, 2),
        ("add_note", {**line, "note_id": new_id(), "body": "Compressor noise"}, 1),
        ("use_part", {**line, "line_id": new_id(), "part_id": str(first.id), "quantity": 2}, 1),
        ("use_part", {**line, "line_id": new_id(), "part_id": str(first.id), "quantity": 0}, 1),
        ("return_part", {**line, "line_id": new_id(), "part_id": str(first.id),
                         "quantity": 1}, 1),
        ("return_part", {**line, "line_id": new_id(), "part_id": str(first.id),
                         "quantity": 9}, 1),
        ("add_note", {**line, "note_id": taken_note_id, "body": "Compressor noise"}, 1),
        ("attach_photo", {"order_id": str(order.id), "photo_id": new_id(), "kind": "before",
                          "sha256": uuid.uuid4().hex * 2, "taken_at": at}, 1),
        ("log_time", {"order_id": str(order.id), "log_id": new_id(), "kind": "work",
                      "started_at": "2026-11-23T09:00:00+08:00",
                      "ended_at": "2026-11-23T09:40:00+08:00"}, 1),
        ("set_fields", {**line, "fields": {"diagnosis": "Start capacitor failed"}}, 1),
        ("use_part", {**line, "line_id": new_id(), "part_id": str(second.id), "quantity": 3}, 1),
        ("add_note", {"order_id": str(foreign_order.id), "note_id": new_id(), "body": "x",
                      "device_time": at}, 1),
        ("set_fields", {**line, "fields": {"root_cause": "gremlins"}}, 1),
        ("set_fields", {**line, "fields": {"resolution": "Replaced it",
                                          "root_cause": "control_board"}}, 1),
        ("add_note", {**line, "note_id": new_id(), "body": "Customer happy"}, 1),
    ]
    for name, args, version in steps:
        phone.queue(name, args, version=version)


def level(location, part) -> int:
    return db.session.scalar(select(StockLevel.quantity).where(
        StockLevel.location_id == location.id, StockLevel.part_id == part.id))


def seen(order_id, results) -> dict:
    """What the office and the phone see of an order after the push (ids left out)."""
    order = db.session.get(WorkOrder, order_id)
    db.session.refresh(order)

    def rows(query):
        return list(db.session.execute(query).all())

    return {
        "results": [(r["status"], r.get("reason"), len(r.get("conflicts", [])))
                    for r in results],
        "order": (order.status, order.parts_cents, order.labour_cents, order.travel_cents,
                  order.diagnosis, order.resolution, order.root_cause,
                  order.started_at is not None),
        "history": rows(select(WorkOrderEvent.kind, WorkOrderEvent.from_status,
                               WorkOrderEvent.to_status, WorkOrderEvent.device_id.is_not(None))
                        .where(WorkOrderEvent.work_order_id == order_id)
                        .order_by(WorkOrderEvent.seq)),
        "part_lines": sorted(rows(select(PartUsage.part_id, PartUsage.quantity,
                                         PartUsage.unit_price_cents)
                                  .where(PartUsage.work_order_id == order_id))),
        "ledger": sorted(rows(select(StockMovement.reason, StockMovement.part_id,
                                     StockMovement.quantity, StockMovement.from_location_id,
                                     StockMovement.to_location_id)
                              .where(StockMovement.work_order_id == order_id))),
        "reservations": sorted(rows(select(StockReservation.part_id, StockReservation.status)
                                    .where(StockReservation.work_order_id == order_id))),
        "notes": sorted(rows(select(WorkOrderNote.body)
                             .where(WorkOrderNote.work_order_id == order_id))),
        "photos": rows(select(Photo.kind, Photo.status).where(Photo.work_order_id == order_id)),
        "time_logs": rows(select(TimeLog.kind).where(TimeLog.work_order_id == order_id)),
        "conflicts": sorted(rows(select(SyncConflict.kind)
                                 .where(SyncConflict.work_order_id == order_id))),
    }


def test_a_batch_with_refusals_ends_as_one_by_one_would(
        phone_for, technician, dispatcher, orders, parts, make_order, monkeypatch):
    fast_order, slow_order = orders
    foreign = make_order(actor=dispatcher)  # never assigned to this technician
    # Reservations of the first part for both jobs: a part used ends its job's reservation.
    van = stock.van_of(technician.id)
    for order in orders:
        reserve(dispatcher.id, van, parts[0], order, 1)
    phone = phone_for(technician)
    taken = new_id()
    phone.queue("add_note", {"order_id": str(foreign.id), "note_id": taken, "body": "x",
                             "device_time": phone.now()})
    phone.push()  # refused (not in scope): the id stays free
    other = make_order(actor=dispatcher)
    walk_to(other, "scheduled", dispatcher, technician)
    phone.queue("add_note", {"order_id": str(other.id), "note_id": taken, "body": "x",
                             "device_time": phone.now()})
    assert phone.push().get_json()["results"][0]["status"] == "applied"

    visit(phone, fast_order, parts, taken, foreign)
    fast = phone.push().get_json()["results"]

    monkeypatch.setattr(engine, "_apply_run", lambda *args, **kwargs: None)
    visit(phone, slow_order, parts, taken, foreign)
    slow = phone.push().get_json()["results"]

    assert seen(fast_order.id, fast) == seen(slow_order.id, slow)
    reasons = [r.get("reason") for r in fast if r["status"] == "rejected"]
    assert reasons == ["invalid_arguments", "return_exceeds_use", "duplicate_id",
                       "not_in_scope", "invalid_value"]
    # Every rejection is recorded once, for each of the two pushes.
    assert db.session.scalar(select(db.func.count()).select_from(RejectedMutation)) == 1 + 2 * 5
    assert stock.check() == []


def test_a_clean_batch_owes_its_ledger_and_charges_and_they_match_one_by_one(
        phone_for, technician, orders, parts, monkeypatch):
    """Parts used on several orders in one batch: one ledger line each, the van's level
    moved by all of them, and each order's charges as if computed after every line."""
    fast_order, slow_order = orders
    first, second = parts
    phone = phone_for(technician)

    def parts_visit(order):
        line = {"order_id": str(order.id), "device_time": phone.now()}
        for part, quantity in ((first, 1), (second, 2), (first, 2)):
            phone.queue("use_part", {**line, "line_id": new_id(), "part_id": str(part.id),
                                     "quantity": quantity})
        phone.queue("return_part", {**line, "line_id": new_id(), "part_id": str(first.id),
                                    "quantity": 1})
        # A payment reads the charges the part lines owe: it comes after them; the first
        # asks one unit more than is due.
        due = order.labour_cents + order.travel_cents + 2 * 4500 + 2 * 1200
        for amount in (due + 1, due):
            phone.queue("record_payment", {"order_id": str(order.id), "payment_id": new_id(),
                                           "method": "cash", "amount_cents": amount,
                                           "device_time": phone.now()})
        phone.queue("add_note", {**line, "note_id": new_id(), "body": "Paid in cash"})

    parts_visit(fast_order)
    fast = phone.push().get_json()["results"]
    monkeypatch.setattr(engine, "_apply_run", lambda *args, **kwargs: None)
    parts_visit(slow_order)
    slow = phone.push().get_json()["results"]

    assert [(r["status"], r.get("reason")) for r in fast] == [("applied", None)] * 4 + [
        ("rejected", "payment_exceeds_due"), ("applied", None), ("applied", None)]
    assert seen(fast_order.id, fast) == seen(slow_order.id, slow)
    assert seen(fast_order.id, fast)["order"][1] == 2 * 4500 + 2 * 1200
    van = stock.van_of(technician.id)
    assert level(van, first) == 5 - 2 * (1 + 2 - 1)
    assert level(van, second) == 5 - 2 * 2
    assert stock.check() == []
