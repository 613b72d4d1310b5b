"""What the weekly QC sample and a technician's quality figures cost as the number of
signed visits grows: N signed visits in one week spread over 50 technicians, drawn at
QC_SAMPLE_SHARE 0.1; then every visit scored (six items each) and one technician's
``technician_quality`` over the period. The same figures at N/10 in the same run are the
reference: the ratio says how the cost grows.

    .venv/bin/python bench/qc_bench.py [N]            # default 20000
    DATABASE_URL=postgresql://… .venv/bin/python bench/qc_bench.py
"""

from __future__ import annotations

import sys
import uuid
from datetime import timedelta

from _world import backend, make_app, report, timed

TECHNICIANS = 50


def _world(n: int, tag: str, weeks_back: int):
    """``n`` signed visits of a past week over the technicians, bulk-inserted from one real
    signed order; returns (technicians, monday)."""
    from sqlalchemy import insert, select

    from server.extensions import db
    from server.media.models import Signature
    from server.qc import service
    from server.workorders.models import WorkOrder
    from tests import factories

    office = factories.make_user("dispatcher")
    techs = [factories.make_technician() for _ in range(TECHNICIANS)]
    template = factories.make_order(office, status="signed", assignee=techs[0])
    row = {c.name: getattr(template, c.key) for c in WorkOrder.__table__.columns
           if hasattr(template, c.key)}
    sig = db.session.scalar(select(Signature).where(Signature.work_order_id == template.id))
    sig_row = {c.name: getattr(sig, c.key) for c in Signature.__table__.columns}
    monday = service.week_of(service.local_today()) - timedelta(days=7 * weeks_back)
    start, _ = service.week_bounds(monday)
    orders, signatures = [], []
    for i in range(n):
        order_id = uuid.uuid4()
        orders.append({**row, "id": order_id, "number": f"{tag}-{i:08d}",
                       "assignee_id": techs[i % TECHNICIANS].id})
        signatures.append({**sig_row, "id": uuid.uuid4(), "work_order_id": order_id,
                           "received_at": start + timedelta(seconds=(i * 97) % (6 * 86400))})
    for chunk in range(0, n, 5000):
        db.session.execute(insert(WorkOrder.__table__), orders[chunk:chunk + 5000])
        db.session.execute(insert(Signature.__table__), signatures[chunk:chunk + 5000])
    db.session.commit()
    return techs, monday


def _scored(monday, reviewer):
    """Every visit of the week queued and scored (one item failed in every third)."""
    from sqlalchemy import insert, select, update

    from server.database import utcnow
    from server.extensions import db
    from server.qc import service
    from server.qc.models import CHECKLIST, QcItem, QcReview, QcSampleWeek

    db.session.query(QcReview).delete()
    db.session.query(QcSampleWeek).delete()
    service.sample_week(monday, share=1, seed=1)
    ids = db.session.scalars(select(QcReview.id).order_by(QcReview.id)).all()
    now = utcnow()
    db.session.execute(update(QcReview).values(state="reviewed", score=83, reviewer_id=reviewer.id,
                                               reviewed_at=now))
    items = [{"id": uuid.uuid4(), "review_id": rid, "item": code, "position": p,
              "passed": not (n % 3 == 0 and code == "photos"), "note": None}
             for n, rid in enumerate(ids) for p, code in enumerate(CHECKLIST)]
    for chunk in range(0, len(items), 6000):
        db.session.execute(insert(QcItem.__table__), items[chunk:chunk + 6000])
    db.session.commit()


def measure(n: int, tag: str, weeks_back: int) -> dict:
    from server.extensions import db
    from server.qc import service
    from tests import factories

    techs, monday = _world(n, tag, weeks_back)

    def draw():
        savepoint = db.session.begin_nested()
        service.sample_week(monday, share=0.1, seed=7)
        savepoint.rollback()

    sample = timed(draw, 5)
    _scored(monday, factories.make_user("dispatcher"))
    today = service.local_today()
    quality = timed(lambda: service.technician_quality(
        db.session, techs[1].id, today - timedelta(days=30), today), 10)
    db.session.rollback()
    return {"signed_visits": n, "sample_week_ms": sample, "technician_quality_ms": quality}


def main(n: int) -> None:
    app = make_app("qc")
    with app.test_request_context():
        small = measure(n // 10, "QS", 2)
        from server.extensions import db
        from server.qc.models import CorrectiveAction, QcItem, QcReview, QcSampleWeek

        for model in (QcItem, CorrectiveAction, QcReview, QcSampleWeek):
            db.session.query(model).delete()
        db.session.commit()
        large = measure(n, "QL", 1)
        figures = {
            "backend": backend(app), "technicians": TECHNICIANS, "small": small, "large": large,
            "ratio_sample": round(large["sample_week_ms"]["median_ms"]
                                  / small["sample_week_ms"]["median_ms"], 2),
            "ratio_quality": round(large["technician_quality_ms"]["median_ms"]
                                   / small["technician_quality_ms"]["median_ms"], 2)}
    report("qc", figures)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
