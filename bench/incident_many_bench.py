"""The periodic detection run when many incidents are open at once.

    .venv/bin/python bench/incident_many_bench.py [OPEN] [ORDERS]   (defaults 1,000 and 100,000)
    DATABASE_URL=postgresql://… .venv/bin/python bench/incident_many_bench.py

incident_bench.py's year of orders (ORDERS of background noise and its seven bursts), plus
OPEN product models with ten reports each in the last 30 days, so that OPEN level-1
incidents are open. Times (medians):

* detect_first  — the run that opens them all and links their orders (once);
* detect_steady — the next runs, five minutes apart, with nothing new (five runs): what
  every periodic run costs while the incidents stay open;
* reference_per_incident — in the same run, what one window query per open incident (the
  way linking worked before) costs on its own, and the steady run's share of it.

Writes bench/results/incidents-many.json.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import incident_bench  # noqa: E402
from _world import backend, make_app, report  # noqa: E402


def main() -> None:
    many = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
    orders = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    incident_bench.BURSTS = incident_bench.BURSTS + tuple(
        (f"MANY-{k:04d}", "WH_NO_HOT_WATER", None, f"MN{k:04d}-", 0, None, 10, 1)
        for k in range(many))
    app = make_app("incidents-many")
    build_s = incident_bench.build(app, orders)
    now = incident_bench.NOW

    from sqlalchemy import func, select

    from server.extensions import db
    from server.incidents import service
    from server.incidents.models import Incident, IncidentOrder

    with app.app_context():
        t = time.perf_counter()
        first = service.detect(now)
        db.session.commit()
        first_s = time.perf_counter() - t
        open_count = db.session.scalar(select(func.count()).select_from(Incident).where(
            Incident.status == "open"))
        steadies, changes = [], 0
        for k in range(5):
            t = time.perf_counter()
            steady = service.detect(now + timedelta(minutes=5 * (k + 1)))
            db.session.commit()
            steadies.append(time.perf_counter() - t)
            changes += steady.opened + steady.raised + steady.linked

        # The reference: one scan of the window per open incident, as linking used to do.
        start = service._window_start(now)
        t = time.perf_counter()
        for incident in db.session.scalars(select(Incident).where(Incident.status == "open")):
            rows = service._reports(incident.kind, start, now)
            known = select(IncidentOrder.work_order_id).where(
                IncidentOrder.incident_id == incident.id)
            db.session.scalars(select(rows.c.order_id).distinct().where(
                rows.c.model == incident.product_model, rows.c.value == incident.group_value,
                rows.c.order_id.not_in(known))).all()
        reference_s = time.perf_counter() - t
    steady_s = statistics.median(steadies)
    report("incidents-many", {
        "backend": backend(app), "orders": orders, "open_incidents": open_count,
        "build_s": round(build_s, 1), "detect_first_s": round(first_s, 3),
        "linked_first": first.linked, "detect_steady_median_s": round(steady_s, 3),
        "steady_changes": changes,
        "reference_per_incident_queries_s": round(reference_s, 3),
        "steady_over_reference": round(steady_s / reference_s, 2) if reference_s else None,
    })


if __name__ == "__main__":
    main()
