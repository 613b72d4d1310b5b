"""What a phone pushes reaches the KPI rollup with the push's commit: the order's row, and
the event rows of the time it logged and the rating the customer gave on the phone.
Runs on SQLite and, with DATABASE_URL, PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.kpis import rollup
from server.kpis.models import KpiEventFacts
from tests.factories import walk_to
from tests.sync.phone import new_id


def test_a_pushed_visit_files_its_time_logs_and_rating_in_the_rollup(
        phone_for, technician, dispatcher, make_order):
    order = make_order(actor=dispatcher)
    walk_to(order, "scheduled", dispatcher, technician)
    db.session.commit()
    phone = phone_for(technician)
    line = {"order_id": str(order.id)}
    logs = [new_id(), new_id()]
    phone.queue("log_time", {**line, "log_id": logs[0], "kind": "travel",
                             "started_at": "2026-11-23T08:20:00+08:00",
                             "ended_at": "2026-11-23T09:00:00+08:00"})
    phone.queue("log_time", {**line, "log_id": logs[1], "kind": "work",
                             "started_at": "2026-11-23T09:00:00+08:00",
                             "ended_at": "2026-11-23T09:45:00+08:00"})
    phone.queue("submit_survey", {**line, "survey_id": new_id(), "rating": 4})
    results = phone.push().get_json()["results"]
    assert [r["status"] for r in results] == ["applied"] * 3
    db.session.expire_all()
    rows = db.session.scalars(select(KpiEventFacts).where(KpiEventFacts.order_id == order.id)
                              .order_by(KpiEventFacts.at_s, KpiEventFacts.kind)).all()
    assert [(r.kind, r.sub, r.value, r.logger) for r in rows if r.kind == "time"] == [
        ("time", "travel", 40 * 60, technician.id), ("time", "work", 45 * 60, technician.id)]
    assert [(r.value, r.tech, r.type) for r in rows if r.kind == "rating"] == [
        (4, technician.id, order.type)]
    assert rollup.check() == []
