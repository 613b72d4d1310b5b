"""The percentiles are exact nearest-rank values however the durations spread over the
coarse buckets the database counts them in (ten minutes up to two days, six hours beyond):
checked against a plain sort of the same durations, overall, per tier and per group, with
ties, bucket edges, very long and zero durations. SQLite and, with DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

from server.extensions import db
from server.kpis import service
from server.kpis.models import KpiOrderFacts
from server.kpis.service import TIERS, Filters

START = int(datetime(2026, 3, 2, tzinfo=UTC).timestamp())


def _nearest(values):
    values = sorted(values)
    if not values:
        return None, None
    n = len(values)
    return values[(n + 1) // 2 - 1], values[(9 * n + 9) // 10 - 1]


def test_percentiles_equal_a_plain_sort_of_the_durations():
    rng = random.Random(7)
    edges = [0, 599, 600, 601, 172799, 172800, 172801, 21600 * 40, 86400 * 200]
    regions = ("North", "South", "East")
    rows = []
    for n in range(700):
        created = START + rng.randrange(6 * 86400)
        response = rng.choice(edges) if rng.random() < 0.2 else rng.randrange(0, 5 * 86400)
        arrival = None if rng.random() < 0.1 else response + rng.randrange(0, 30 * 86400)
        rows.append(KpiOrderFacts(
            id=uuid.uuid4(), created_s=created, tier=rng.choice(TIERS), status="closed",
            tech=None, region=rng.choice(regions), city="X", category="c", type="repair",
            channel="phone", booked_s=created + response,
            arrived_s=None if arrival is None else created + arrival,
            completed_s=None if arrival is None else created + arrival + 3600,
            respond_by_s=created + 7200, due3_s=created + 3 * 86400, visits=1, reopened=0,
            repeated=0, parts_cents=0, labour_cents=0, travel_cents=0,
            warranty_parts_cents=0, warranty_credited_cents=0))
    db.session.add_all(rows)
    db.session.flush()
    lo = datetime.fromtimestamp(START, UTC)
    hi = datetime.fromtimestamp(START + 7 * 86400, UTC)
    now = datetime.fromtimestamp(START + 60 * 86400, UTC)
    calendar = service._calendar()

    for by in (None, "region"):
        got = service._order_kpis(lo, hi, Filters(), calendar, now, by)
        groups = regions if by else (None,)
        for group in groups:
            mine = [r for r in rows if by is None or r.region == group]
            for name, stop in (("response", "booked_s"), ("arrival", "arrived_s"),
                               ("resolution", "completed_s")):
                def durations(tier=None):
                    return [getattr(r, stop) - r.created_s for r in mine
                            if getattr(r, stop) is not None and tier in (None, r.tier)]
                figures = got[group][name]
                assert (figures["median_s"], figures["p90_s"]) == _nearest(durations()), \
                    (by, group, name)
                assert figures["count"] == len(durations())
                for tier in TIERS:
                    t = figures["tiers"][tier]
                    assert (t["median_s"], t["p90_s"]) == _nearest(durations(tier)), \
                        (by, group, name, tier)
                    assert t["count"] == len(durations(tier))
