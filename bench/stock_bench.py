"""Stock benchmarks.

    .venv/bin/python bench/stock_bench.py [proposal] [ledger] [--database URL]

* proposal — the daily van replenishment proposal over 500 vans × 2,000 parts (a level
  with its min/max for each of the 1,000,000 pairs; about 5 % of them below their min):
  the one set-based query plus sharing out the warehouse; target ≤ 2 s.
* ledger   — ledger inserts per second: warehouse→van transfers through
  ``service.record_movement`` (locks both levels, checks the source, writes the line),
  one commit per movement as a request does, then 50 per commit as a batch does.

By default on a fresh SQLite file; ``--database postgresql://…`` runs it on PostgreSQL
(the database is wiped first). Prints the figures and writes them to
bench/results/stock.json, keyed by database (each run replaces what it measured).
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "stock.json"
VANS, PARTS, BELOW = 500, 2_000, 0.05


def make_app(url: str | None):
    tmp = Path(tempfile.mkdtemp(prefix="doorstep-bench-stock-"))
    os.environ.setdefault("HUEY_SQLITE_PATH", str(tmp / "queue.db"))
    from server import create_app

    if url and url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app({"TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{tmp / 'b.db'}",
                      "SECRET_KEY": "bench", "BLOB_DIR": str(tmp / "blobs")})
    with app.app_context():
        from flask_migrate import upgrade
        from sqlalchemy import text

        from server.extensions import db

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    return app


def build_world(vans: int, parts: int, ledger: bool = False):
    """Locations, parts, rules and levels by bulk insert; with ``ledger`` each level also
    gets its opening-stock line, so ``flask stock check`` holds."""
    from sqlalchemy import insert

    from server.database import utcnow
    from server.extensions import db
    from server.inventory.models import (
        Part,
        StockLevel,
        StockLocation,
        StockMovement,
    )

    def levels(rows):
        db.session.execute(insert(StockLevel), rows)
        if ledger:
            db.session.execute(insert(StockMovement), [
                {"id": uuid.uuid4(), "part_id": r["part_id"], "to_location_id": r["location_id"],
                 "quantity": r["quantity"], "reason": "initial_stock", "created_at": now,
                 "details": {}} for r in rows if r["quantity"]])

    rng = random.Random(14)
    now = utcnow()
    warehouse = uuid.uuid4()
    van_ids = [uuid.uuid4() for _ in range(vans)]
    part_ids = [uuid.uuid4() for _ in range(parts)]
    db.session.execute(insert(StockLocation), [
        {"id": warehouse, "kind": "warehouse", "name": "Central", "low_stock_threshold": 2}] + [
        {"id": v, "kind": "van", "name": f"Van {n:03d}", "low_stock_threshold": 1}
        for n, v in enumerate(van_ids)])
    db.session.execute(insert(Part), [
        {"id": p, "sku": f"P-{n:05d}", "name_en": f"Part {n}", "name_zh": f"备件{n}",
         "category": "air_conditioner", "fits_models": [], "price_cents": 1000, "unit": "pcs",
         "active": True, "updated_at": now} for n, p in enumerate(part_ids)])
    levels([
        {"id": uuid.uuid4(), "location_id": warehouse, "part_id": p, "quantity": 200,
         "min_quantity": None, "max_quantity": None, "updated_at": now} for p in part_ids])
    for van in van_ids:
        levels([
            {"id": uuid.uuid4(), "location_id": van, "part_id": p,
             "quantity": rng.randint(0, 1) if rng.random() < BELOW else rng.randint(2, 5),
             "min_quantity": 2, "max_quantity": 5, "updated_at": now} for p in part_ids])
    db.session.commit()
    return warehouse, van_ids, part_ids


def bench_proposal(app) -> dict:
    from server.extensions import db
    from server.inventory import service
    from server.inventory.models import StockLocation

    with app.app_context():
        started = time.perf_counter()
        warehouse_id, _, _ = build_world(VANS, PARTS)
        print(f"  built {VANS} vans × {PARTS} parts in {time.perf_counter() - started:.1f} s")
        warehouse = db.session.get(StockLocation, warehouse_id)
        runs = []
        for _ in range(3):
            db.session.expire_all()
            started = time.perf_counter()
            lines = service.proposal(warehouse)
            runs.append(time.perf_counter() - started)
        best = min(runs)
        print(f"  proposal: {len(lines)} lines, best of 3 {best:.3f} s "
              f"(runs {', '.join(f'{r:.3f}' for r in runs)}; target ≤ 2 s)")
        return {"proposal_500_vans_2000_parts_s": round(best, 3), "proposal_lines": len(lines)}


def bench_ledger(app, count: int = 2_000) -> dict:
    from flask import g  # noqa: F401  (request context for gettext)

    from server.extensions import db
    from server.inventory import service
    from server.inventory.models import Part, StockLocation

    with app.test_request_context():
        warehouse_id, van_ids, part_ids = build_world(20, 50, ledger=True)
        warehouse = db.session.get(StockLocation, warehouse_id)
        vans = [db.session.get(StockLocation, v) for v in van_ids]
        parts = [db.session.get(Part, p) for p in part_ids]
        figures = {}
        for per_commit in (1, 50):
            started = time.perf_counter()
            for n in range(count):
                service.record_movement("transfer", parts[n % len(parts)], 1, None,
                                        source=warehouse, target=vans[n % len(vans)])
                if (n + 1) % per_commit == 0:
                    db.session.commit()
            db.session.commit()
            rate = count / (time.perf_counter() - started)
            figures[f"ledger_inserts_per_s_{per_commit}_per_commit"] = round(rate)
            print(f"  ledger: {rate:,.0f} movements/s, {per_commit} per commit")
        problems = service.check()
        print(f"  stock check after the run: {len(problems)} disagreement(s)")
        figures["check_disagreements"] = len(problems)
        figures.update(_plain_sql_reference(warehouse_id, van_ids, part_ids, count))
        return figures


def _plain_sql_reference(warehouse_id, van_ids, part_ids, count: int) -> dict:
    """The same writes in plain SQL, measured in the same run: per movement one ledger row
    inserted and the two levels moved, with the same commits. What the service adds on top
    (locks, the stock check, the ORM) is the difference."""
    from sqlalchemy import insert, update

    from server.database import utcnow
    from server.extensions import db
    from server.inventory.models import StockLevel, StockMovement

    levels, movements = StockLevel.__table__, StockMovement.__table__
    figures = {}
    for per_commit in (1, 50):
        started = time.perf_counter()
        for n in range(count):
            part_id, van_id = part_ids[n % len(part_ids)], van_ids[n % len(van_ids)]
            db.session.execute(insert(movements).values(
                id=uuid.uuid4(), part_id=part_id, quantity=1, reason="transfer",
                from_location_id=warehouse_id, to_location_id=van_id, created_at=utcnow()))
            for location_id, delta in ((warehouse_id, -1), (van_id, 1)):
                db.session.execute(update(levels).where(
                    levels.c.location_id == location_id, levels.c.part_id == part_id)
                    .values(quantity=levels.c.quantity + delta))
            if (n + 1) % per_commit == 0:
                db.session.commit()
        db.session.commit()
        rate = count / (time.perf_counter() - started)
        figures[f"reference_plain_sql_per_s_{per_commit}_per_commit"] = round(rate)
        print(f"  reference, the same writes in plain SQL: {rate:,.0f}/s, {per_commit} per commit")
    return figures


def main(argv: list[str]) -> None:
    url = None
    if "--database" in argv:
        url = argv[argv.index("--database") + 1]
        argv = [a for a in argv if a not in ("--database", url)]
    which = set(argv) or {"proposal", "ledger"}
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    dialect = "postgresql" if url and url.startswith("postgresql") else "sqlite"
    mine = results.setdefault(dialect, {})
    if "proposal" in which:
        print(f"proposal on {dialect}")
        mine.update(bench_proposal(make_app(url)))
    if "ledger" in which:
        print(f"ledger on {dialect}")
        mine.update(bench_ledger(make_app(url)))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
