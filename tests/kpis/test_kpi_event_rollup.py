"""The rollup's event rows (``kpi_event_facts``): each rating, follow-up and time log with
its order's filter dimensions, kept as they and their orders change, rebuilt and checked by
the same commands, and filled by the migration that adds them. The satisfaction,
follow-up and utilisation KPIs read them. Runs on SQLite and, with DATABASE_URL,
PostgreSQL."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import delete, select, update

from server.extensions import db
from server.feedback.models import Survey
from server.followups.models import FollowUp
from server.kpis import rollup, service
from server.kpis.models import KpiEventFacts
from server.kpis.service import Filters
from server.workorders.models import TimeLog
from tests.kpis.test_kpi_numbers import WEEK, H, at, week  # noqa: F401  (the fixture)


def _events(kind: str) -> list[KpiEventFacts]:
    return list(db.session.scalars(select(KpiEventFacts).where(KpiEventFacts.kind == kind)
                                   .order_by(KpiEventFacts.at_s)))


def _all_rows() -> set[tuple]:
    table = KpiEventFacts.__table__
    return {tuple(r) for r in db.session.execute(select(*table.columns))}


def test_each_rating_follow_up_and_time_log_is_filed_with_its_orders_dimensions(week):  # noqa: F811
    rollup.catch_up()
    assert rollup.check() == []
    ratings = _events("rating")
    assert [(r.value, r.order_id) for r in ratings] == [
        (5, week["a"].id), (4, week["i"].id), (3, week["b"].id)]
    i_rating = ratings[1]
    assert (i_rating.tech, i_rating.region, i_rating.type, i_rating.channel) == \
        (week["t2"].id, "Suzhou", "maintenance", "web")
    assert [(f.value, f.order_id) for f in _events("followup_due")] == [
        (1, week["a"].id), (0, week["b"].id)]
    done = _events("followup_done")
    assert [(f.timeliness, f.attitude, f.quality) for f in done] == [(5, 4, 3)]
    logs = _events("time")
    assert [(t.sub, t.value, t.logger_region) for t in logs] == [
        ("travel", H, "Shanghai"), ("work", H, "Shanghai"), ("travel", H, "Suzhou"),
        ("work", H, "Suzhou")]


def test_the_kpis_under_a_filter_follow_the_events_and_their_orders(week):  # noqa: F811
    """Every change that moves a number under a filter: the rating itself, the order's
    channel, the technician's region, a time log moved to another order, a follow-up done,
    a rating deleted — each reaches the event rows, and the rollup stays a fresh
    computation."""
    web = Filters(channel="web")
    k = service.summary(WEEK, web)
    assert (k["satisfaction"]["count"], k["satisfaction"]["average"]) == (1, 4.0)
    assert k["utilisation"]["on_site_s"] == H

    survey = db.session.scalar(select(Survey).where(Survey.work_order_id == week["i"].id))
    survey.rating = 2
    assert service.summary(WEEK, web)["satisfaction"]["average"] == 2.0

    week["i"].channel = "phone"  # the order's dimension moves: its events follow
    k = service.summary(WEEK, web)
    assert (k["satisfaction"]["count"], k["utilisation"]["on_site_s"]) == (0, 0)
    assert service.summary(WEEK, Filters(channel="phone"))["satisfaction"]["count"] == 2

    week["t2"].region = "Hangzhou"  # utilisation goes by the logger's region
    k = service.summary(WEEK, Filters(region="Hangzhou"))
    assert (k["utilisation"]["on_site_s"], k["utilisation"]["travel_s"]) == (H, H)
    assert k["satisfaction"]["count"] == 1  # I's rating: I is Han Meimei's order
    assert service.summary(WEEK, Filters(region="Suzhou"))["utilisation"]["on_site_s"] == 0

    log = db.session.scalar(select(TimeLog).where(TimeLog.work_order_id == week["i"].id,
                                                  TimeLog.kind == "work"))
    log.work_order_id = week["c"].id  # C: an emergency repair, by phone
    assert service.summary(WEEK, Filters(type="maintenance"))["utilisation"]["on_site_s"] == 0
    assert service.summary(WEEK, Filters(type="repair"))["utilisation"]["on_site_s"] == 2 * H

    pending = db.session.scalar(select(FollowUp).where(FollowUp.status == "pending"))
    pending.status, pending.done_at, pending.quality = "done", at(7, 12), 5
    k = service.summary(WEEK, Filters())
    assert k["followups"] == {"due": 2, "done": 2, "rate": 1.0}
    assert k["satisfaction"]["dimensions"]["quality"] == {"count": 2, "average": 4.0}

    db.session.delete(survey)
    assert service.summary(WEEK, Filters(region="Hangzhou"))["satisfaction"]["count"] == 0
    assert rollup.check() == []


def test_a_commit_files_a_new_time_log_with_it(week):  # noqa: F811
    db.session.commit()
    db.session.add(TimeLog(work_order_id=week["c"].id, technician_id=week["t2"].id,
                           kind="work", started_at=at(7, 12), ended_at=at(7, 14)))
    db.session.commit()
    assert [t.value for t in _events("time") if t.order_id == week["c"].id] == [2 * H]
    assert rollup.check() == []


def test_a_follow_up_of_a_plan_counts_without_a_filter_and_under_none(  # noqa: F811
        week, make_customer):
    db.session.add(FollowUp(work_order_id=None, customer_id=make_customer().id,
                            status="pending", reason="plan", due_at=at(4, 10)))
    assert service.summary(WEEK, Filters())["followups"]["due"] == 3
    assert service.summary(WEEK, Filters(channel="phone"))["followups"]["due"] == 2  # A, B
    assert rollup.check() == []


def test_check_names_a_drifted_event_and_rebuild_mends_it(week):  # noqa: F811
    rollup.catch_up()
    db.session.execute(update(KpiEventFacts).where(
        KpiEventFacts.kind == "rating", KpiEventFacts.order_id == week["i"].id)
        .values(value=1))
    db.session.execute(delete(KpiEventFacts).where(
        KpiEventFacts.kind == "time", KpiEventFacts.order_id == week["a"].id))
    assert set(rollup.check()) == {week["i"].id, week["a"].id}
    rollup.rebuild(WEEK.start, WEEK.end)
    assert rollup.check() == []
    db.session.execute(delete(KpiEventFacts))
    rollup.rebuild()
    assert rollup.check() == []


def test_the_migration_fills_the_events_on_record_as_the_rollup_writes_them(week):  # noqa: F811
    """An installation upgraded to this version has ratings, follow-ups and time logs
    already: the migration files them with their orders' dimensions."""
    rollup.catch_up()
    written = _all_rows()
    assert len(written) == 3 + 2 + 1 + 4
    db.session.execute(delete(KpiEventFacts))
    path = next(Path(__file__).resolve().parents[2].glob(
        "migrations/versions/s22_kpievents_event_facts.py"))
    spec = importlib.util.spec_from_file_location("event_facts_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with Operations.context(MigrationContext.configure(db.session.connection())):
        migration._fill()
    assert _all_rows() == written
