"""Concurrent writers never make a level disagree with its ledger, nor oversell a shelf.

Storekeepers transfer out of one warehouse while technicians' vans issue parts to jobs,
all at once, each in its own transaction. Row locks on the levels a movement touches make
the read-check-write of each movement atomic: exactly the warehouse's stock is
transferred, the rest is refused, and ``flask stock check`` finds nothing.
"""

import threading

import pytest
from sqlalchemy import select

from server.errors import Invalid
from server.extensions import db
from server.inventory import service as stock
from server.inventory.models import LocationKind, Part, StockLocation
from tests import factories
from tests.concurrency import require_concurrent_writers

pytestmark = pytest.mark.live

WRITERS, TRIES, STOCK = 6, 15, 40


def test_concurrent_transfers_and_issues_keep_levels_equal_to_the_ledger(app):
    require_concurrent_writers()
    office = factories.make_user("dispatcher")
    techs = [factories.make_technician() for _ in range(3)]
    part = factories.make_part()
    warehouse = StockLocation(kind=LocationKind.WAREHOUSE, name="Central")
    db.session.add(warehouse)
    db.session.flush()
    stock.record_movement("receive", part, STOCK, office.id, target=warehouse)
    db.session.commit()
    part_id, warehouse_id, office_id = part.id, warehouse.id, office.id
    van_ids = [db.session.scalar(select(StockLocation.id).where(
        StockLocation.technician_id == t.id)) for t in techs]
    done, refused, errors = [], [], []
    start = threading.Barrier(WRITERS * 2)

    def storekeeper(n):
        with app.test_request_context():  # as a request would
            start.wait()
            for i in range(TRIES):
                try:
                    stock.record_movement(
                        "transfer", db.session.get(Part, part_id), 1, office_id,
                        source=db.session.get(StockLocation, warehouse_id),
                        target=db.session.get(StockLocation, van_ids[(n + i) % len(van_ids)]))
                    db.session.commit()
                    done.append(1)
                except Invalid:
                    db.session.rollback()
                    refused.append(1)
                except Exception as problem:  # noqa: BLE001 - reported below
                    db.session.rollback()
                    errors.append(repr(problem))

    def van_on_a_job(n):
        with app.test_request_context():  # as a request would
            start.wait()
            for i in range(TRIES):
                try:
                    stock.record_movement(
                        "used_on_order", db.session.get(Part, part_id), 1, office_id,
                        source=db.session.get(StockLocation, van_ids[(n + i) % len(van_ids)]),
                        allow_negative=True)
                    db.session.commit()
                except Exception as problem:  # noqa: BLE001 - reported below
                    db.session.rollback()
                    errors.append(repr(problem))

    threads = [threading.Thread(target=storekeeper, args=(n,)) for n in range(WRITERS)]
    threads += [threading.Thread(target=van_on_a_job, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(done) == STOCK and len(refused) == WRITERS * TRIES - STOCK
    db.session.remove()
    assert stock.check() == []
    levels = {lv.location_id: lv.quantity for lv, _, _ in stock.levels()}
    assert levels[warehouse_id] == 0
    assert sum(levels[v] for v in van_ids) == STOCK - WRITERS * TRIES
