"""The KPI dashboard over many orders.

    .venv/bin/python bench/kpi_bench.py [ORDERS ...]        (default 10000 1000000)
    DATABASE_URL=postgresql://… .venv/bin/python bench/kpi_bench.py 10000 1000000
    KPI_BENCH_DB=sqlite:////path/kpi-1m.db .venv/bin/python bench/kpi_bench.py 1000000

With KPI_BENCH_DB (a database URL, one size) the database is kept between runs: the first
run generates the orders into it, later runs find them there, only migrate the schema and
rebuild the rollup (generating 1,000,000 orders takes ~15 minutes); KPI_BENCH_REBUILD=0
keeps the rollup an earlier run built (its ``check`` still runs).

For each size builds ORDERS work orders spread over the last 365 days (bulk inserts:
2,000 appliances in five categories, four cities, 40 technicians in four regions, every
job type, channel and priority; 92 % completed, 3 % cancelled, some reopened or repeat
orders), each with its history events (booked, on site), surveys for a third, a
follow-up for a quarter, time logs and complaints for 1 %. The bulk inserts bypass the
session, so the KPI rollup is then filled as after an upgrade (``flask kpis rebuild``,
timed) and checked for the measured period and the previous one (``flask kpis check``:
the rows equal a fresh computation). Then times the whole dashboard of the last 28 days
(that period and the previous one, every KPI: what ``GET /api/v1/kpis`` answers) with no
filter and with each single filter; the incremental upkeep of one order (what a change
costs at commit); and references in the same run: one COUNT(*) of the period's orders and
a fixed pure-Python loop (the machine's load: compare it between runs).

Prints the figures and writes them to bench/results/kpis-<backend>.json.
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _world import backend, make_app, report, timed  # noqa: E402

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
CITIES = ("上海市", "北京市", "广州市", "成都市")
REGIONS = ("Shanghai", "Beijing", "Guangzhou", "Chengdu")
CATEGORIES = ("air_conditioner", "washing_machine", "water_heater", "refrigerator",
              "range_hood")
TYPES = ("repair", "repair", "repair", "install", "maintenance", "inspection",
         "return_exchange")
CHANNELS = ("phone", "web", "app", "email")
PRIORITIES = ("normal", "normal", "normal", "high", "low", "emergency")


def _bulk(conn, table, rows: list[dict]) -> None:
    """Insert ``rows`` through the driver's own bulk path: COPY on PostgreSQL, executemany on
    SQLite (SQLAlchemy's per-value type processing was most of the generation time).
    Columns the rows leave out get their Python-side default, as an ORM insert would."""
    import json

    first = rows[0]
    columns, defaults = [], {}
    for column in table.columns:
        if column.name in first:
            columns.append(column.name)
        elif column.default is not None and not column.default.is_sequence:
            value = column.default.arg
            defaults[column.name] = value(None) if callable(value) else value
            columns.append(column.name)
    dbapi = conn.connection.dbapi_connection
    names = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name == "postgresql":
        def convert(v):
            return json.dumps(v) if isinstance(v, (dict, list)) else v
        with dbapi.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([convert(row[c]) if c in row else convert(defaults[c])
                                for c in columns])
        return

    def convert(v):
        if isinstance(v, uuid.UUID):
            return v.hex
        if isinstance(v, datetime):
            return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(v, (dict, list)):
            return json.dumps(v)
        return v
    marks = ", ".join("?" for _ in columns)
    dbapi.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})",
                      [[convert(row[c]) if c in row else convert(defaults[c]) for c in columns]
                       for row in rows])


def build(app, orders: int) -> dict:
    from sqlalchemy import insert, text

    from server.accounts.models import User
    from server.assets.models import Asset
    from server.customers.models import Address, Customer
    from server.extensions import db
    from server.feedback.models import Complaint, Survey
    from server.followups.models import FollowUp
    from server.technicians.models import Technician
    from server.workorders.models import TimeLog, WorkOrder, WorkOrderEvent

    rng = random.Random(13)
    started = time.perf_counter()
    with app.app_context():
        conn = db.session.connection()
        techs = []
        for i in range(40):
            uid, tid = uuid.uuid4(), uuid.uuid4()
            conn.execute(insert(User.__table__), [{
                "id": uid, "email": f"t{i}@bench.test", "name": f"技师 {i}",
                "role": "technician", "password_hash": "x", "active": True,
                "session_version": 0, "created_at": NOW}])
            conn.execute(insert(Technician.__table__), [{
                "id": tid, "user_id": uid, "skills": [], "region": REGIONS[i % 4],
                "active": True}])
            techs.append(tid)
        customers, addresses, assets = [], [], []
        for i in range(2000):
            cid, aid, asid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            customers.append({"id": cid, "name": f"客户 {i}", "phone": f"+86 139 {i:08d}",
                              "language": "zh", "preferences": [], "created_at": NOW,
                              "updated_at": NOW})
            addresses.append({"id": aid, "customer_id": cid, "line1": f"人民路 {i} 号",
                              "city": CITIES[i % 4], "country": "CN", "created_at": NOW})
            assets.append({"id": asid, "customer_id": cid, "address_id": aid,
                           "category": CATEGORIES[i % 5], "brand": "Haier",
                           "model": f"M-{i % 40:02d}", "serial": f"S{i:09d}",
                           "created_at": NOW, "updated_at": NOW})
        for table, rows in ((Customer.__table__, customers), (Address.__table__, addresses),
                            (Asset.__table__, assets)):
            conn.execute(insert(table), rows)
        tables = {name: [] for name in ("orders", "events", "surveys", "followups", "logs",
                                        "complaints")}
        targets = {"orders": WorkOrder.__table__, "events": WorkOrderEvent.__table__,
                   "surveys": Survey.__table__, "followups": FollowUp.__table__,
                   "logs": TimeLog.__table__, "complaints": Complaint.__table__}

        def flush(force=False):
            # All tables at once, orders first: the others refer to them.
            if not force and max(len(rows) for rows in tables.values()) < 20_000:
                return
            for name, rows in tables.items():
                if rows:
                    _bulk(conn, targets[name], rows)
                    rows.clear()

        previous_ids: list = []
        for n in range(orders):
            asset = assets[rng.randrange(2000)]
            created = NOW - timedelta(seconds=rng.randrange(365 * 86400))
            oid = uuid.uuid4()
            tech = techs[rng.randrange(40)]
            roll = rng.random()
            status = "cancelled" if roll < 0.03 else "new" if roll < 0.08 else "closed"
            booked = created + timedelta(minutes=rng.randrange(5, 1500))
            arrived = booked + timedelta(minutes=rng.randrange(60, 4000))
            done = arrived + timedelta(minutes=rng.randrange(30, 3000))
            finished = status == "closed"
            order = {"id": oid, "number": f"WO-K-{n:09d}", "channel": rng.choice(CHANNELS),
                     "type": rng.choice(TYPES), "status": status,
                     "priority": rng.choice(PRIORITIES), "language": "zh",
                     "customer_id": asset["customer_id"], "address_id": asset["address_id"],
                     "asset_id": asset["id"], "intake_answers": {}, "sla_state": "green",
                     "assignee_id": tech if status != "new" else None,
                     "respond_by": created + timedelta(hours=20),
                     "resolve_by": created + timedelta(hours=72),
                     "appointment_start": booked + timedelta(hours=2),
                     "appointment_end": booked + timedelta(hours=4),
                     "started_at": arrived if finished else None,
                     "completed_at": done if finished else None,
                     "closed_at": done if finished else None,
                     "in_warranty": rng.random() < 0.4, "labour_cents": rng.choice((0, 8000)),
                     "travel_cents": rng.choice((0, 3000)),
                     "parts_cents": rng.randrange(0, 20000),
                     "repeat_of_id": rng.choice(previous_ids)
                     if previous_ids and rng.random() < 0.03 else None,
                     "created_at": created, "updated_at": created, "version": 1}
            tables["orders"].append(order)
            if finished:
                previous_ids.append(oid)
                if len(previous_ids) > 1000:
                    previous_ids.pop(0)
                seq = 1
                for frm, to, at in (("new", "scheduled", booked),
                                    ("en_route", "on_site", arrived),
                                    ("on_site", "completed", done)):
                    tables["events"].append({"id": uuid.uuid4(), "work_order_id": oid,
                                             "seq": seq, "kind": "transition",
                                             "from_status": frm, "to_status": to,
                                             "server_time": at, "data": {}})
                    seq += 1
                if rng.random() < 0.33:
                    tables["surveys"].append({"id": uuid.uuid4(), "work_order_id": oid,
                                              "rating": rng.choice((3, 4, 5, 5, 2)),
                                              "channel": "link", "submitted_at": done
                                              + timedelta(hours=3), "created_at": done,
                                              "updated_at": done})
                if rng.random() < 0.25:
                    tables["followups"].append({
                        "id": uuid.uuid4(), "work_order_id": oid,
                        "customer_id": asset["customer_id"], "status": "done",
                        "reason": "signed", "urgent": False, "due_at": done + timedelta(days=2),
                        "attempts": 1, "timeliness": 4, "attitude": 5, "quality": 4,
                        "done_at": done + timedelta(days=2), "created_at": done})
                tables["logs"].append({"id": uuid.uuid4(), "work_order_id": oid,
                                       "technician_id": tech, "kind": "work",
                                       "started_at": arrived, "ended_at": done,
                                       "created_at": done, "updated_at": done})
                if rng.random() < 0.01:
                    tables["complaints"].append({
                        "id": uuid.uuid4(), "customer_id": asset["customer_id"],
                        "work_order_id": oid, "channel": "phone", "description": "慢",
                        "status": "closed", "created_at": done + timedelta(days=1),
                        "respond_by": done + timedelta(days=2),
                        "answered_at": done + timedelta(hours=30), "grade": "green",
                        "verify_by": done + timedelta(days=4), "category": "timeliness",
                        "escalation_level": 0})
            flush()
        flush(force=True)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
        db.session.commit()
        return {"techs": techs}


def reference_loop() -> None:
    """A fixed amount of pure-Python work: how busy the machine is."""
    total = 0
    for i in range(1_000_000):
        total += i % 7
    return total


def kept_app(url: str, orders: int):
    """An app on a database kept between runs: migrated, not reset. Returns (app, world)
    where world is None when the orders are not there yet (they must be generated)."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from server import create_app
    from server.accounts.models import User
    from server.extensions import db
    from server.technicians.models import Technician
    from server.workorders.models import WorkOrder

    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                      "BLOB_DIR": __import__("tempfile").mkdtemp(prefix="doorstep-bench-blobs-")})
    with app.app_context():
        upgrade()
        have = db.session.scalar(select(func.count()).select_from(WorkOrder))
        if not have:
            return app, None
        if have != orders:
            raise SystemExit(f"{url} holds {have} orders, not {orders}")
        techs = [db.session.scalar(select(Technician.id).join(User, User.id == Technician.user_id)
                                   .where(User.email == f"t{i}@bench.test")) for i in range(40)]
        db.session.rollback()
    return app, {"techs": techs}


def measure(app, orders: int, world: dict | None = None) -> dict:
    from sqlalchemy import func, select

    from server.extensions import db
    import os

    from server.kpis import rollup, service
    from server.kpis.models import KpiOrderFacts
    from server.kpis.service import Filters, Period
    from server.workorders.models import WorkOrder

    built = time.perf_counter()
    built_now = world is None
    if world is None:
        world = build(app, orders)
        build_s = time.perf_counter() - built
    else:
        build_s = 0.0  # kept from an earlier run
    end = NOW.date() - timedelta(days=1)
    period = Period(end - timedelta(days=27), end)
    with app.app_context():
        began = time.perf_counter()
        if built_now or os.environ.get("KPI_BENCH_REBUILD", "1") != "0":
            rows = rollup.rebuild()
            db.session.commit()
        else:  # a kept database whose rollup an earlier run built (``check`` below proves it)
            rows = db.session.scalar(select(func.count()).select_from(KpiOrderFacts))
        rebuild_s = time.perf_counter() - began
        db.session.execute(__import__("sqlalchemy").text("ANALYZE"))
        db.session.commit()
        began = time.perf_counter()
        wrong = rollup.check(period.previous().start, period.end)
        check_s = time.perf_counter() - began
        db.session.rollback()
    filters = {"none": Filters(), "type": Filters(type="install"),
               "channel": Filters(channel="web"), "category": Filters(category="water_heater"),
               "region": Filters(region="Beijing"), "city": Filters(city="广州市"),
               "technician": Filters(technician_id=world["techs"][7])}
    out = {"orders": orders, "build_s": round(build_s, 1), "rollup_rows": rows,
           "rollup_rebuild_s": round(rebuild_s, 1), "check_s": round(check_s, 1),
           "check_differences": len(wrong), "dashboard": {}}
    with app.app_context():
        lo, hi = period.bounds(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
        count = lambda: db.session.scalar(select(func.count()).select_from(WorkOrder).where(  # noqa: E731
            WorkOrder.created_at >= lo, WorkOrder.created_at < hi))
        out["period_orders"] = count()
        out["reference_count"] = timed(count, 5)
        out["reference_loop"] = timed(reference_loop, 3)
        some = db.session.scalars(select(WorkOrder.id).where(
            WorkOrder.created_at >= lo, WorkOrder.created_at < hi).limit(20)).all()
        out["refresh_one_order"] = timed(lambda: rollup.refresh([some.pop()]), 5)
        db.session.rollback()
        for name, f in filters.items():
            out["dashboard"][name] = timed(
                lambda f=f: service.dashboard(period, f, now=NOW), 3)
            db.session.rollback()
    return out


def main() -> None:
    import os

    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 1_000_000]
    kept = os.environ.get("KPI_BENCH_DB")
    if kept and len(sizes) != 1:
        raise SystemExit("KPI_BENCH_DB keeps one database: give one size")
    results = []
    name = None
    for size in sizes:
        app, world = kept_app(kept, size) if kept else (make_app("kpis"), None)
        name = f"kpis-{backend(app)}-{size}" if kept else f"kpis-{backend(app)}"
        results.append(measure(app, size, world))
        print(results[-1], flush=True)
        summarise(name, results)


def summarise(name: str, results: list) -> None:
    """Write what was measured so far (a long run that is stopped keeps its figures)."""
    figures = {"backend": name.split("-", 1)[1], "period": "28 days (and the previous 28)",
               "sizes": results}
    if len(results) >= 2:
        small, large = results[0], results[-1]
        figures["ratio_large_to_small"] = {
            k: round(large["dashboard"][k]["median_ms"] / small["dashboard"][k]["median_ms"], 1)
            for k in large["dashboard"]}
        figures["worst_large_median_ms"] = max(v["median_ms"]
                                               for v in large["dashboard"].values())
        figures["ratio_reference_count"] = round(
            large["reference_count"]["median_ms"] / small["reference_count"]["median_ms"], 1)
    report(name, figures)


if __name__ == "__main__":
    main()
