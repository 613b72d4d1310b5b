"""The dashboard broken down by technician, region or category comes from one grouped pass
(each section one query grouped by the rollup's dimension), and every group's numbers equal
the whole dashboard with the filter narrowed to that group — the numbers a manager gets by
clicking the group. Runs on SQLite and, with DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event

from server.extensions import db
from server.feedback.models import Complaint
from server.kpis import service
from server.kpis.service import Filters
from tests.kpis.test_kpi_numbers import WEEK, at, week  # noqa: F401  (the fixture)

FIELD = {"technician": "technician_id", "region": "region", "category": "category"}


def _narrowed(filters: Filters, by: str, key: str) -> Filters:
    value = uuid.UUID(key) if by == "technician" else key
    return Filters(**{**filters.active(), FIELD[by]: value})


@pytest.mark.parametrize("by", ["technician", "region", "category"])
@pytest.mark.parametrize("filters", [Filters(), Filters(channel="phone"),
                                     Filters(region="Shanghai")], ids=["all", "phone", "sh"])
def test_each_group_equals_the_dashboard_narrowed_to_it(week, by, filters):  # noqa: F811
    # A complaint naming the technician directly, on no order: it counts for Han Meimei
    # (as her filter counts it), for no region and no category.
    db.session.add(Complaint(customer_id=week["a"].customer_id, technician_id=week["t2"].id,
                             channel="phone", description="Rude", created_at=at(5, 10),
                             category="attitude"))
    db.session.flush()
    groups = service.dashboard(WEEK, filters, by, now=at(11, 9))["groups"]
    assert groups, "the week has orders in some group"
    for group in groups:
        alone = service.summary(WEEK, _narrowed(filters, by, group["key"]), now=at(11, 9))
        assert {k: v for k, v in group.items() if k not in ("key", "label")} == alone, \
            group["label"]


def test_the_grouped_numbers_are_the_hand_computed_ones(week):  # noqa: F811
    groups = {g["label"]: g for g in
              service.dashboard(WEEK, Filters(), "technician", now=at(11, 9))["groups"]}
    li, han = groups["Li Lei"], groups["Han Meimei"]
    assert li["orders"] == {"requested": 3, "cancelled": 0, "completed": 3, "reopened": 0}
    assert han["orders"] == {"requested": 2, "cancelled": 0, "completed": 2, "reopened": 1}
    assert han["first_time_fix"]["rate"] == 0.5
    assert (li["complaints"]["count"], han["complaints"]["count"]) == (2, 0)
    assert li["satisfaction"]["average"] == 5.0  # A 5★ (B was rated after the week)
    assert han["utilisation"]["rate"] == round(2 * 3600 / (5 * 10 * 3600), 4)
    by_category = {g["key"]: g for g in
                   service.dashboard(WEEK, Filters(), "category", now=at(11, 9))["groups"]}
    assert by_category["water_heater"]["orders"]["requested"] == 1  # I
    assert by_category["air_conditioner"]["orders"]["requested"] == 6


def test_a_breakdown_by_technician_costs_the_same_statements_as_one_summary(
        week, make_technician):  # noqa: F811
    """One grouped pass: adding technicians adds no statement (it was one summary each)."""
    for n in range(5):
        make_technician(name=f"Spare {n}")

    def statements(by):
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            service.dashboard(WEEK, Filters(), by, now=at(11, 9))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    plain = statements(None)
    assert statements("technician") <= plain + plain // 2 + 2
