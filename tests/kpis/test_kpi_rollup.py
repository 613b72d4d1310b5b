"""The KPI rollup (``kpi_order_facts``) stays equal to a fresh computation as orders change,
whichever path changed them, and ``flask kpis rebuild`` / ``check`` recompute and compare it.
Runs on SQLite and, with DATABASE_URL, PostgreSQL."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from server.extensions import db
from server.kpis import rollup, service
from server.kpis.models import KpiOrderFacts
from server.kpis.service import Filters
from server.workorders import service as orders
from server.workorders.models import PartUsage
from tests.kpis.test_kpi_numbers import WEEK, at, week  # noqa: F401  (the fixture)


def _row(order_id):
    return db.session.get(KpiOrderFacts, order_id)


def test_the_hand_computed_week_is_in_the_rollup_as_a_fresh_computation_gives_it(week):  # noqa: F811
    rollup.catch_up()
    assert rollup.check() == []
    assert db.session.scalar(select(db.func.count()).select_from(KpiOrderFacts)) == 9
    b = _row(week["b"].id)
    assert (b.visits, b.reopened, b.repeated, b.warranty_parts_cents) == (2, 0, 0, 2500)
    assert (b.region, b.city, b.category, b.type, b.channel) == \
        ("Shanghai", week["b"].address.city, "air_conditioner", "repair", "phone")


def test_a_period_whose_rows_are_missing_is_filled_when_it_is_read(week):  # noqa: F811
    """After the upgrade that adds the table it is empty: the dashboard must not show a
    busy week as an empty one."""
    rollup.catch_up()
    expected = service.summary(WEEK, Filters())
    db.session.execute(delete(KpiOrderFacts))
    assert service.summary(WEEK, Filters()) == expected
    assert rollup.check(WEEK.start, WEEK.end) == []  # the week's rows are back


def test_a_commit_writes_the_changed_orders_rows_with_it(week, make_user):  # noqa: F811
    db.session.commit()  # the fixture's orders
    assert rollup.check() == []
    f = week["f"]
    orders.transition(make_user("dispatcher"), f, "cancelled", reason="duplicate",
                      now=at(9, 8))
    db.session.commit()
    assert _row(f.id).status == "cancelled"  # no read caught it up: the commit did
    assert rollup.check() == []


def test_history_parts_repeats_and_the_filter_dimensions_reach_the_rollup(  # noqa: F811
        week, make_user, make_part):
    office = make_user("dispatcher")
    i, t2 = week["i"], week["t2"]
    before = service.summary(WEEK, Filters())
    assert before["first_time_fix"]["count"] == 2
    # A repeat order of I, requested a day after its completion: I is no longer a first-time fix.
    orders.create_order(office, {"channel": "phone", "type": "repair", "priority": "normal",
                                 "customer_id": i.customer_id, "asset_id": i.asset_id,
                                 "description": "Leaking again", "repeat_of_id": i.id},
                        now=at(7, 11))
    # A part used on I, in warranty since now.
    i.in_warranty = True
    db.session.add(PartUsage(work_order_id=i.id, part_id=make_part(price_cents=900).id,
                             quantity=2, unit_price_cents=900, technician_id=t2.id))
    after = service.summary(WEEK, Filters())
    assert after["orders"]["requested"] == 8
    assert after["first_time_fix"]["count"] == 1
    assert after["repeat_repair"]["count"] == 3
    assert after["cost"]["warranty_parts_cents"] == 2500 + 1800
    # The technician moves region, the address its city, the appliance its category.
    t2.region = "Hangzhou"
    i.address.city = "杭州市"
    i.asset.category = "boiler"
    for narrowed in (Filters(region="Hangzhou"), Filters(city="杭州市"),
                     Filters(category="boiler")):
        assert service.summary(WEEK, narrowed)["orders"]["requested"] >= 1, narrowed
    assert service.summary(WEEK, Filters(region="Suzhou"))["orders"]["requested"] == 0
    assert rollup.check() == []
    # The reopening of an order's history: B reopened, on the record and in the rollup.
    orders.transition(office, week["b"], "reopened", reason="noisy", now=at(10, 18))
    assert service.summary(WEEK, Filters())["orders"]["reopened"] == 2
    assert rollup.check() == []


def test_check_names_the_orders_that_drifted_and_rebuild_mends_them(week, app):  # noqa: F811
    rollup.catch_up()
    db.session.execute(update(KpiOrderFacts).where(KpiOrderFacts.id == week["a"].id)
                       .values(visits=7))
    db.session.execute(delete(KpiOrderFacts).where(KpiOrderFacts.id == week["c"].id))
    assert set(rollup.check()) == {week["a"].id, week["c"].id}
    assert rollup.check(WEEK.start, WEEK.start) == [week["a"].id]  # only Monday's requests
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kpis", "check"])
    assert result.exit_code == 1
    assert str(week["a"].id) in result.output and "2 orders differ" in result.output
    result = runner.invoke(args=["kpis", "rebuild", "--from", "2026-03-01",
                                 "--to", "2026-03-09"])
    assert result.exit_code == 0, result.output
    assert "9 orders" in result.output
    result = runner.invoke(args=["kpis", "check"])
    assert result.exit_code == 0 and "equals a fresh computation" in result.output
    assert _row(week["a"].id).visits == 1


def test_rebuild_refuses_a_day_that_is_not_a_date(app):
    result = app.test_cli_runner().invoke(args=["kpis", "rebuild", "--from", "2026-13-01"])
    assert result.exit_code == 2
    assert "--from" in result.output or "2026-13-01" in result.output



def test_a_commit_after_the_calendar_changed_uses_the_new_calendar(  # noqa: F811
        week, app, monkeypatch):
    """The recomputation's statement is built once per span of days and calendar: a
    holiday added later must not be served the statement of the old calendar."""
    c = week["c"]  # requested Saturday 7 March 10:00 (the clock starts Monday 08:00)
    rollup.catch_up()
    before = _row(c.id).due3_s
    assert before == service._ts(at(11, 18))  # Mon, Tue, Wed: three working days
    monkeypatch.setitem(app.config, "HOLIDAYS", ["2026-03-09"])
    db.session.execute(update(KpiOrderFacts).where(KpiOrderFacts.id == c.id)
                       .values(due3_s=0))
    rollup.refresh([c.id])
    assert _row(c.id).due3_s == service._ts(at(12, 18))  # Monday off: Thursday evening
    # C is as a fresh computation gives it; the orders not recomputed since still hold the
    # old calendar's deadline until `flask kpis rebuild` (docs/operations.md).
    assert c.id not in rollup.check()
    rollup.rebuild()
    assert rollup.check() == []
