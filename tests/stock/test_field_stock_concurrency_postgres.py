"""Concurrent storekeepers sending from a warehouse that holds a reservation, and two
devices confirming the same delivery at once: only the available stock leaves, the
delivery is booked once, and every level still equals its ledger (PostgreSQL)."""

import threading

import pytest
from sqlalchemy import select

from server.errors import ServiceError
from server.extensions import db
from server.inventory import fieldstock
from server.inventory import service as stock
from server.inventory.models import (
    LocationKind,
    MovementKind,
    Part,
    StockLocation,
    StockMovement,
    VanDelivery,
)
from tests import factories
from tests.concurrency import require_concurrent_writers

pytestmark = pytest.mark.live

WRITERS, TRIES = 6, 8


def _run_together(app, work, n):
    start, errors = threading.Barrier(n), []

    def run(i):
        with app.test_request_context():
            start.wait()
            try:
                work(i)
            except Exception as problem:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(repr(problem))
            finally:
                db.session.remove()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_sends_respect_reservations_and_a_delivery_is_booked_once(app):
    require_concurrent_writers()
    office = factories.make_user("dispatcher")
    techs = [factories.make_technician() for _ in range(3)]
    part = factories.make_part()
    order = factories.make_order(actor=office)
    warehouse = StockLocation(kind=LocationKind.WAREHOUSE, name="Central")
    db.session.add(warehouse)
    db.session.flush()
    stock.record_movement("receive", part, 20, office.id, target=warehouse)
    fieldstock.reserve(office.id, warehouse, part, order, 5)
    fieldstock.transit()
    db.session.commit()
    ids = {"part": part.id, "warehouse": warehouse.id, "office": office.id,
           "vans": [stock.van_of(t.id).id for t in techs]}
    sent, refused = [], []

    def storekeeper(n):
        for i in range(TRIES):
            try:
                fieldstock.send_to_van(
                    ids["office"], db.session.get(StockLocation, ids["warehouse"]),
                    db.session.get(StockLocation, ids["vans"][(n + i) % 3]),
                    db.session.get(Part, ids["part"]), 1)
                db.session.commit()
                sent.append(1)
            except ServiceError:
                db.session.rollback()
                refused.append(1)

    assert _run_together(app, storekeeper, WRITERS) == []
    assert (len(sent), len(refused)) == (15, WRITERS * TRIES - 15)  # 20 on hand − 5 held
    assert stock.check() == []

    delivery_id = db.session.scalars(select(VanDelivery.id).where(
        VanDelivery.part_id == ids["part"]).order_by(VanDelivery.sent_at)).first()
    db.session.remove()
    booked, replays = [], []

    def device(n):
        delivery = db.session.get(VanDelivery, delivery_id)
        try:
            new = fieldstock.receive_delivery(delivery, 1, None)
            db.session.commit()
            (booked if new else replays).append(1)
        except ServiceError:
            db.session.rollback()

    assert _run_together(app, device, 4) == []
    assert (len(booked), len(replays)) == (1, 3)
    into_van = db.session.scalars(select(StockMovement).where(
        StockMovement.part_id == ids["part"], StockMovement.reason == MovementKind.TRANSFER,
        StockMovement.from_location_id == fieldstock.transit().id)).all()
    assert len(into_van) == 1 and stock.check() == []
