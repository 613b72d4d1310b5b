"""Batch-failure detection over a year of orders.

    .venv/bin/python bench/incident_bench.py [ORDERS]        (default 1,000,000)
    DATABASE_URL=postgresql://… .venv/bin/python bench/incident_bench.py

Builds ORDERS work orders spread over the last 365 days (50,000 appliances of 4,000
models, 20 symptom codes, four cities: background noise that stays below every
threshold), plus three bursts in the last 30 days (30, 120 and 400 reports of one model
and symptom, which must open incidents at levels 1, 2 and 3). Then times:

* detect_first   — the first detection run: one grouped count over the window, opening
  the three incidents and linking their orders;
* detect_steady  — the next run five minutes later, nothing new (what the periodic job
  costs every five minutes);
* escalate       — the SLA sweep's incident part, with the level-3 apology deadline missed.

Prints the figures and writes them to bench/results/incidents.json.
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _world import backend, make_app, report  # noqa: E402

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
CITIES = ("上海市", "北京市", "广州市", "成都市")
BURSTS = {("BURST-L1", "WH_NO_HOT_WATER"): 30, ("BURST-L2", "WH_LEAK"): 120,
          ("BURST-L3", "AC_NOT_COOLING"): 400}


def build(app, orders: int) -> float:
    from sqlalchemy import insert

    from server.assets.models import Asset
    from server.customers.models import Address, Customer
    from server.extensions import db
    from server.workorders.models import WorkOrder

    rng = random.Random(15)
    started = time.perf_counter()
    with app.app_context():
        conn = db.session.connection()
        n_assets = 50_000
        customers, addresses, assets = [], [], []
        for i in range(n_assets):
            cid, aid, asid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            customers.append({"id": cid, "name": f"客户 {i}", "phone": f"+86 139 {i:08d}",
                              "language": "zh", "preferences": [], "created_at": NOW,
                              "updated_at": NOW})
            addresses.append({"id": aid, "customer_id": cid, "line1": f"人民路 {i} 号",
                              "city": CITIES[i % 4], "country": "CN", "created_at": NOW})
            assets.append({"id": asid, "customer_id": cid, "address_id": aid,
                           "category": "water_heater", "brand": "Haier",
                           "model": f"M-{i % 4000:04d}", "serial": f"S{i:09d}",
                           "created_at": NOW, "updated_at": NOW})
        for model, symptom in BURSTS:
            for j in range(BURSTS[(model, symptom)]):
                cid, aid, asid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
                customers.append({"id": cid, "name": f"{model} {j}", "phone": f"+86 1 {j}",
                                  "language": "zh", "preferences": [], "created_at": NOW,
                                  "updated_at": NOW})
                addresses.append({"id": aid, "customer_id": cid, "line1": f"路 {j} 号",
                                  "city": CITIES[j % 4], "country": "CN", "created_at": NOW})
                assets.append({"id": asid, "customer_id": cid, "address_id": aid,
                               "category": "water_heater", "brand": "Haier", "model": model,
                               "serial": f"{model}-{j}", "created_at": NOW, "updated_at": NOW})
        for table, rows in ((Customer.__table__, customers), (Address.__table__, addresses),
                            (Asset.__table__, assets)):
            for k in range(0, len(rows), 20_000):
                conn.execute(insert(table), rows[k:k + 20_000])
        symptoms = [f"SYM_{k:02d}" for k in range(20)]
        burst_assets = assets[n_assets:]
        plan = [(assets[rng.randrange(n_assets)], rng.choice(symptoms),
                 NOW - timedelta(seconds=rng.randrange(365 * 86400)))
                for _ in range(orders - len(burst_assets))]
        k = 0
        for (model, symptom), count in BURSTS.items():
            for j in range(count):
                plan.append((burst_assets[k], symptom,
                             NOW - timedelta(seconds=rng.randrange(30 * 86400))))
                k += 1
        chunk = []
        for n, (asset, symptom, created) in enumerate(plan):
            chunk.append({"id": uuid.uuid4(), "number": f"WO-B-{n:09d}", "channel": "phone",
                          "type": "repair", "status": "closed", "priority": "normal",
                          "language": "zh", "customer_id": asset["customer_id"],
                          "address_id": asset["address_id"], "asset_id": asset["id"],
                          "symptom_code": symptom, "intake_answers": {}, "sla_state": "green",
                          "created_at": created, "updated_at": created, "version": 1})
            if len(chunk) == 20_000:
                conn.execute(insert(WorkOrder.__table__), chunk)
                chunk = []
        if chunk:
            conn.execute(insert(WorkOrder.__table__), chunk)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            from sqlalchemy import text

            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return time.perf_counter() - started


def main() -> None:
    orders = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    app = make_app("incidents")
    build_s = build(app, orders)
    from server.extensions import db
    from server.incidents import service

    with app.app_context():
        t = time.perf_counter()
        first = service.detect(NOW)
        db.session.commit()
        detect_first = time.perf_counter() - t

        t = time.perf_counter()
        steady = service.detect(NOW + timedelta(minutes=5))
        db.session.commit()
        detect_steady = time.perf_counter() - t

        from sqlalchemy import select

        from server.incidents.models import Incident

        levels = {i.product_model: i.level for i in db.session.scalars(select(Incident))}
        t = time.perf_counter()
        escalated = service.escalate_missed(NOW + timedelta(hours=13))
        db.session.commit()
        escalate_s = time.perf_counter() - t

    expected = {"BURST-L1": 1, "BURST-L2": 2, "BURST-L3": 3}
    report("incidents", {
        "backend": backend(app), "orders": orders, "build_s": round(build_s, 1),
        "detect_first_s": round(detect_first, 3), "detect_steady_s": round(detect_steady, 3),
        "escalate_s": round(escalate_s, 3),
        "opened": first.opened, "linked": first.linked, "steady_changes": steady.opened
        + steady.raised + steady.linked, "levels": levels, "escalated": escalated,
        "levels_as_expected": levels == expected,
    })


if __name__ == "__main__":
    main()
