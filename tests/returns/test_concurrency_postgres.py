"""Customers and offices acting at once (PostgreSQL): one request in progress per
appliance, and a request decided once, however many ask or decide together."""

import io
import threading

import pytest
from sqlalchemy import func, select

from server.assets.models import Asset
from server.errors import ServiceError
from server.extensions import db
from server.returns import service
from server.returns.models import ReturnRequest
from tests import factories
from tests.concurrency import require_concurrent_writers
from tests.returns.conftest import receipt_png

pytestmark = pytest.mark.live

WRITERS = 5


def _together(app, work, n=WRITERS):
    start, errors = threading.Barrier(n), []

    def run(i):
        with app.test_request_context():
            start.wait()
            try:
                work(i)
                db.session.commit()
            except ServiceError:
                db.session.rollback()
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


def test_concurrent_requests_and_decisions_keep_one_request_and_one_replacement(app):
    require_concurrent_writers()
    office = factories.make_user("dispatcher")
    customer = factories.make_customer()
    asset = factories.make_asset(customer)
    asset.purchase_date = service.company_day(service.utcnow())
    db.session.commit()
    ids = {"asset": asset.id, "office": office.id}

    def ask(i):
        service.create(None, asset_id=ids["asset"], reason="performance_fault",
                       wish="exchange", purchase_date=db.session.get(
                           Asset, ids["asset"]).purchase_date,
                       proof=io.BytesIO(receipt_png((i, i, i))), channel="portal")

    assert _together(app, ask) == []
    rows = db.session.scalars(select(ReturnRequest).where(
        ReturnRequest.asset_id == ids["asset"])).all()
    assert len(rows) == 1
    request = rows[0]
    from server.accounts.models import User

    actor = db.session.get(User, ids["office"])
    service.start_inspection(actor, request, "workshop")
    service.record_findings(actor, request, "fault_confirmed")
    db.session.commit()
    request_id = request.id

    def decide(i):
        service.decide(db.session.get(User, ids["office"]), service.get(request_id, lock=True),
                       "exchange", replacement_serial=f"NEW-RACE-{i}")

    assert _together(app, decide) == []
    db.session.expire_all()
    replacements = db.session.scalar(select(func.count()).select_from(Asset).where(
        Asset.serial.like("NEW-RACE-%")))
    assert replacements == 1
    assert db.session.get(ReturnRequest, request_id).state == "decided"
