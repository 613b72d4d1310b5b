"""Batch-failure detection over a year of orders, every kind of group.

    .venv/bin/python bench/incident_bench.py [ORDERS]        (default 1,000,000)
    DATABASE_URL=postgresql://… .venv/bin/python bench/incident_bench.py

For the reference size (10,000 orders) and then ORDERS, builds that many work orders
spread over the last 365 days (50,000 appliances of 4,000 models, half with a recorded
production batch out of 120; 20 symptom codes; a root cause out of 9 on half the orders;
a fitted part out of 500 on four orders in ten; four cities): background noise that stays below every
threshold. Plus bursts in the last 30 days that must open incidents at the given levels:

* symptom:    30 × (BURST-L1, WH_NO_HOT_WATER) → 1, 120 × (BURST-L2, WH_LEAK) → 2,
              400 × (BURST-L3, AC_NOT_COOLING) → 3;
* batch:      60 × BURST-B recorded batch 2025-09 → 2; 15 × BURST-SR whose serials carry
              batch 2509 (a serial rule) → 1;
* part:       250 × BURST-P with part PART-BURST fitted (twice on each order) → 3;
* root cause: 12 × BURST-RC manufacturing_defect → 1.

Then times (medians):

* detect_first  — the first run, opening the incidents and linking their orders (three
  runs, each rolled back but the last);
* detect_steady — the next run five minutes later, nothing new: what the periodic job
  costs every five minutes (five runs), and the grouped count of each kind alone;
* escalate      — the SLA sweep's incident part, with the level-3 apology deadline missed.

Prints the figures and the ratios ORDERS / 10,000, writes bench/results/incidents.json.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _world import backend, make_app, report  # noqa: E402

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
CITIES = ("上海市", "北京市", "广州市", "成都市")
REFERENCE = 10_000
ROOT_CAUSES = ("wear_and_tear", "installation_fault", "manufacturing_defect", "power_supply",
               "water_supply", "blockage", "refrigerant_leak", "control_board", "other")
# model, symptom, recorded batch, serial prefix, part lines, root cause, count, level
BURSTS = (
    ("BURST-L1", "WH_NO_HOT_WATER", None, "L1-", 0, None, 30, 1),
    ("BURST-L2", "WH_LEAK", None, "L2-", 0, None, 120, 2),
    ("BURST-L3", "AC_NOT_COOLING", None, "L3-", 0, None, 400, 3),
    ("BURST-B", None, "2025-09", "B-", 0, None, 60, 2),
    ("BURST-SR", None, None, "SR2509", 0, None, 15, 1),
    ("BURST-P", None, None, "P-", 2, None, 250, 3),
    ("BURST-RC", None, None, "RC-", 0, "manufacturing_defect", 12, 1),
)
EXPECTED = {("symptom", "BURST-L1"): 1, ("symptom", "BURST-L2"): 2,
            ("symptom", "BURST-L3"): 3, ("batch", "BURST-B"): 2, ("batch", "BURST-SR"): 1,
            ("part", "BURST-P"): 3, ("root_cause", "BURST-RC"): 1}


def build(app, orders: int) -> float:
    from sqlalchemy import insert

    from server.assets.models import Asset
    from server.customers.models import Address, Customer
    from server.extensions import db
    from server.inventory.models import Part
    from server.workorders.models import PartUsage, WorkOrder

    rng = random.Random(15)
    started = time.perf_counter()
    with app.app_context():
        conn = db.session.connection()
        parts = [{"id": uuid.uuid4(), "sku": f"PART-{k:03d}", "name_en": f"Part {k}",
                  "name_zh": f"配件 {k}", "category": "water_heater", "fits_models": [],
                  "price_cents": 1000, "unit": "pcs", "active": True, "updated_at": NOW}
                 for k in range(500)]
        burst_part = {**parts[0], "id": uuid.uuid4(), "sku": "PART-BURST"}
        conn.execute(insert(Part.__table__), [*parts, burst_part])
        n_assets = 50_000
        customers, addresses, assets, meta = [], [], [], []

        def home(name, city, model, serial, batch):
            cid, aid, asid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            customers.append({"id": cid, "name": name, "phone": f"+86 139 {len(customers):08d}",
                              "language": "zh", "preferences": [], "created_at": NOW,
                              "updated_at": NOW})
            addresses.append({"id": aid, "customer_id": cid, "line1": f"人民路 {name} 号",
                              "city": city, "country": "CN", "created_at": NOW})
            assets.append({"id": asid, "customer_id": cid, "address_id": aid,
                           "category": "water_heater", "brand": "Haier", "model": model,
                           "serial": serial, "production_batch": batch,
                           "created_at": NOW, "updated_at": NOW})

        batches = [f"20{y}-{m:02d}" for y in range(16, 26) for m in range(1, 13)]
        for i in range(n_assets):
            batch = rng.choice(batches) if rng.random() < 0.5 else None
            home(f"客户 {i}", CITIES[i % 4], f"M-{i % 4000:04d}", f"S{i:09d}", batch)
        for model, _, batch, prefix, _, _, count, _ in BURSTS:
            meta += [(model, j) for j in range(count)]
            for j in range(count):
                home(f"{model} {j}", CITIES[j % 4], model, f"{prefix}{j:06d}", batch)
        for table, rows in ((Customer.__table__, customers), (Address.__table__, addresses),
                            (Asset.__table__, assets)):
            for k in range(0, len(rows), 20_000):
                conn.execute(insert(table), rows[k:k + 20_000])
        symptoms = [f"SYM_{k:02d}" for k in range(20)]
        plan = []
        for _ in range(max(0, orders - len(meta))):
            plan.append((assets[rng.randrange(n_assets)], rng.choice(symptoms),
                         NOW - timedelta(seconds=rng.randrange(365 * 86400)),
                         rng.choice(ROOT_CAUSES) if rng.random() < 0.5 else None,
                         [rng.choice(parts)] if rng.random() < 0.4 else []))
        k = n_assets
        for model, symptom, _, _, lines, cause, count, _ in BURSTS:
            for j in range(count):
                plan.append((assets[k], symptom,
                             NOW - timedelta(seconds=rng.randrange(30 * 86400)),
                             cause, [burst_part] * lines))
                k += 1
        chunk, usages = [], []
        for n, (asset, symptom, created, cause, fitted) in enumerate(plan):
            order_id = uuid.uuid4()
            chunk.append({"id": order_id, "number": f"WO-B-{n:09d}", "channel": "phone",
                          "type": "repair", "status": "closed", "priority": "normal",
                          "language": "zh", "customer_id": asset["customer_id"],
                          "address_id": asset["address_id"], "asset_id": asset["id"],
                          "symptom_code": symptom, "root_cause": cause,
                          "intake_answers": {}, "sla_state": "green",
                          "created_at": created, "updated_at": created, "version": 1})
            usages += [{"id": uuid.uuid4(), "work_order_id": order_id, "part_id": part["id"],
                        "quantity": 1, "unit_price_cents": 1000, "created_at": created}
                       for part in fitted]
            if len(chunk) == 20_000:  # the orders first: part lines refer to them
                conn.execute(insert(WorkOrder.__table__), chunk)
                if usages:
                    conn.execute(insert(PartUsage.__table__), usages)
                chunk, usages = [], []
        if chunk:
            conn.execute(insert(WorkOrder.__table__), chunk)
        if usages:
            conn.execute(insert(PartUsage.__table__), usages)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            from sqlalchemy import text

            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return time.perf_counter() - started


def median_s(samples: list[float]) -> float:
    return round(statistics.median(samples), 3)


def measure(orders: int) -> dict:
    app = make_app("incidents")
    app.config["INCIDENT_BATCH_RULES"] = {"BURST-SR": {"start": 3, "length": 4}}
    build_s = build(app, orders)
    from sqlalchemy import select

    from server.extensions import db
    from server.incidents import service
    from server.incidents.models import Incident

    with app.app_context():
        firsts = []
        for attempt in range(3):
            t = time.perf_counter()
            first = service.detect(NOW)
            db.session.flush()
            firsts.append(time.perf_counter() - t)
            if attempt < 2:
                db.session.rollback()
        db.session.commit()

        steadies, steady_changes = [], 0
        for k in range(5):
            t = time.perf_counter()
            steady = service.detect(NOW + timedelta(minutes=5 * (k + 1)))
            db.session.commit()
            steadies.append(time.perf_counter() - t)
            steady_changes += steady.opened + steady.raised + steady.linked
        per_kind = {}
        for kind in service.KINDS:
            samples = []
            for _ in range(3):
                t = time.perf_counter()
                service._groups(kind, service._window_start(NOW), NOW, 10)
                samples.append(time.perf_counter() - t)
            per_kind[kind] = median_s(samples)

        levels = {(i.kind, i.product_model): i.level
                  for i in db.session.scalars(select(Incident))}
        t = time.perf_counter()
        escalated = service.escalate_missed(NOW + timedelta(hours=13))
        db.session.commit()
        escalate_s = time.perf_counter() - t
    return {"backend": backend(app), "orders": orders, "build_s": round(build_s, 1),
            "detect_first_median_s": median_s(firsts),
            "detect_steady_median_s": median_s(steadies),
            "group_count_median_s": per_kind, "escalate_s": round(escalate_s, 3),
            "opened": first.opened, "linked": first.linked, "steady_changes": steady_changes,
            "levels": {f"{kind}:{model}": level for (kind, model), level in
                       sorted(levels.items())},
            "escalated": escalated, "levels_as_expected": levels == EXPECTED}


def main() -> None:
    orders = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    small = measure(REFERENCE)
    large = measure(orders)

    def ratio(key: str) -> float | None:
        return round(large[key] / small[key], 1) if small[key] else None

    report("incidents", {
        "backend": large["backend"], "reference": small, "measured": large,
        "ratio_detect_steady": ratio("detect_steady_median_s"),
        "ratio_detect_first": ratio("detect_first_median_s"),
        "orders_ratio": orders / REFERENCE,
        "levels_as_expected": small["levels_as_expected"] and large["levels_as_expected"],
    })


if __name__ == "__main__":
    main()
