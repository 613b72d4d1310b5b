"""The KPI console pages' added work: the dashboard broken down by group, and the
scorecard's weekly trend beside the company's.

    .venv/bin/python bench/kpi_pages_bench.py [ORDERS ...]        (default 10000)
    DATABASE_URL=postgresql://… .venv/bin/python bench/kpi_pages_bench.py 10000

Builds the same world as bench/kpi_bench.py (40 technicians in four regions, five
categories, orders over the last 365 days), then times, for the last 28 days, with the
whole dashboard (that period and the previous one, no filter) as the reference measured
in the same run:
- the dashboard with ``group_by`` technician (40 groups), region (4), category (5), week (4):
  what /kpis/?group_by=… computes (the page adds the trend charts, as without grouping);
- one technician's scorecard trend: their KPIs and the company's for each of the 4 weeks
  (what /kpis/technicians/<id> adds to its dashboard).
Every figure is a median of 3; the ratio to the reference is what to read on a shared
machine. Prints the figures and writes bench/results/kpi-pages-<backend>.json.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _world import backend, make_app, report, timed  # noqa: E402
from kpi_bench import NOW, build  # noqa: E402


def measure(app, orders: int) -> dict:
    from server.extensions import db
    from server.kpis import console, service
    from server.kpis.service import Filters, Period

    world = build(app, orders)
    end = NOW.date() - timedelta(days=1)
    period = Period(end - timedelta(days=27), end)
    out = {"orders": orders, "grouped": {}, "grouped_ratio": {}}
    with app.test_request_context():
        out["reference_dashboard"] = timed(lambda: service.dashboard(period, Filters(),
                                                                     now=NOW), 3)
        reference = out["reference_dashboard"]["median_ms"]
        for group in ("technician", "region", "category", "week"):
            out["grouped"][group] = timed(
                lambda g=group: service.dashboard(period, Filters(), g, now=NOW), 3)
            out["grouped_ratio"][group] = round(out["grouped"][group]["median_ms"] / reference,
                                                1)
            db.session.rollback()
        tech = Filters(technician_id=world["techs"][7])
        out["scorecard_trend"] = timed(
            lambda: console._trend_against_company(period, tech, "Bench"), 3)
        out["scorecard_trend_ratio"] = round(out["scorecard_trend"]["median_ms"] / reference, 1)
    return out


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000]
    results, name = [], None
    for size in sizes:
        app = make_app("kpi-pages")
        name = f"kpi-pages-{backend(app)}"
        results.append(measure(app, size))
        print(results[-1], flush=True)
    report(name, {"backend": name.split("-", 2)[2], "period": "28 days", "sizes": results})


if __name__ == "__main__":
    main()
