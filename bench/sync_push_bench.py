"""Push throughput in-process, on a realistic batch, against a plain-SQL reference.

Issue 17: ≥ 3,000 mutations/s on SQLite and ≥ 1,500/s on PostgreSQL, in-process (the
Flask test client: routing, authentication, the envelope schema and the push engine, no
sockets), and ≥ 5 % of the plain-SQL reference measured in the same run.

Each batch of 100 mutations works on 5 fresh scheduled orders, 20 mutations per order as a
technician sends them during a visit: en route, on site, 6 notes, 4 parts used, 3 photos,
3 time logs, 2 field edits. The reference inserts the same number of two-row steps (a note
and its history event, one INSERT each through the driver, no ORM) in the same batches,
one transaction per batch, on the same database.

    .venv/bin/python bench/sync_push_bench.py                       # SQLite
    DATABASE_URL=postgresql://… .venv/bin/python bench/sync_push_bench.py
    PUSH_BATCHES=40 PUSH_ROUNDS=3 PUSH_BATCH=100 … (defaults)

PUSH_MIX=notes pushes the issue's first mix instead (3 notes to 1 field edit). Prints the
figures and writes bench/results/sync_push_<backend>_<mix>.json. Set PUSH_PROFILE=1
to print a cProfile of the pushes of one round instead (after a warm-up round; PUSH_BATCHES
sets its size, PUSH_PROFILE_DUMP=<file> keeps the stats for pstats).
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

from _world import backend, make_app, report, technician_with_orders, token_for

# PUSH_BATCH=20 measures smaller requests (one order's visit each): the fixed cost of a
# request weighs five times as much per mutation.
BATCH = int(os.environ.get("PUSH_BATCH", "100"))
PER_ORDER = 20
assert BATCH % PER_ORDER == 0, "PUSH_BATCH must be a multiple of 20"
BATCHES = int(os.environ.get("PUSH_BATCHES", "40"))
# "visit" (the realistic mix above) or "notes" (the original figure: 3 notes to 1
# field edit, as bench/sync_push_pull.py pushes).
MIX = os.environ.get("PUSH_MIX", "visit")
ROUNDS = int(os.environ.get("PUSH_ROUNDS", "3"))
TARGETS = {"sqlite": 3000, "postgresql": 1500}


def visit(order_id: str, part_ids: list[str], start: datetime) -> list[dict]:
    """The 20 mutations of one visit, in the order a phone records them."""
    at = start.isoformat()

    def later(minutes):
        return (start + timedelta(minutes=minutes)).isoformat()

    steps = [
        {"name": "transition", "version": 2,
         "args": {"order_id": order_id, "to": "en_route", "device_time": at}},
        {"name": "transition", "version": 2,
         "args": {"order_id": order_id, "to": "on_site", "device_time": later(30),
                  "latitude": 31.2, "longitude": 121.4}},
    ]
    for i in range(6):
        steps.append({"name": "add_note", "version": 1, "args": {
            "order_id": order_id, "note_id": str(uuid.uuid4()),
            "body": f"Checked the unit, step {i}: compressor noise at start-up.",
            "device_time": later(31 + i)}})
    for i in range(4):
        steps.append({"name": "use_part", "version": 1, "args": {
            "order_id": order_id, "line_id": str(uuid.uuid4()),
            "part_id": part_ids[i % len(part_ids)], "quantity": 1 + i % 2,
            "device_time": later(40 + i)}})
    for i in range(3):
        steps.append({"name": "attach_photo", "version": 1, "args": {
            "order_id": order_id, "photo_id": str(uuid.uuid4()),
            "kind": ["before", "after", "other"][i],
            "sha256": uuid.uuid4().hex + uuid.uuid4().hex, "taken_at": later(45 + i)}})
    for i, kind in enumerate(["travel", "work", "work"]):
        steps.append({"name": "log_time", "version": 1, "args": {
            "order_id": order_id, "log_id": str(uuid.uuid4()), "kind": kind,
            "started_at": later(i * 30), "ended_at": later(i * 30 + 25)}})
    steps.append({"name": "set_fields", "version": 1, "args": {
        "order_id": order_id, "fields": {"diagnosis": "Start capacitor failed."},
        "base": {"diagnosis": None}, "device_time": later(60)}})
    steps.append({"name": "set_fields", "version": 1, "args": {
        "order_id": order_id, "fields": {"resolution": "Replaced the capacitor.",
                                         "root_cause": "control_board"},
        "device_time": later(61)}})
    assert len(steps) == PER_ORDER
    return steps


def notes(order_id: str, part_ids: list[str], start: datetime) -> list[dict]:
    """20 mutations of the issue's first measurement: three notes to one field edit."""
    at = start.isoformat()
    return [{"name": "set_fields", "version": 1, "args": {
                "order_id": order_id, "fields": {"diagnosis": f"step {i}"}, "device_time": at}}
            if i % 4 == 3 else
            {"name": "add_note", "version": 1, "args": {
                "order_id": order_id, "note_id": str(uuid.uuid4()), "body": f"note {i}",
                "device_time": at}}
            for i in range(PER_ORDER)]


def prepare(app, batches: int):
    """A technician with a van, parts, and 5 scheduled orders per batch."""
    from server.extensions import db
    from tests import factories

    with app.app_context():
        office, tech, orders = technician_with_orders(batches * BATCH // PER_ORDER)
        parts = [str(factories.make_part().id) for _ in range(4)]
        token = token_for(tech.user)
        order_ids = [str(o.id) for o in orders]
        db.session.commit()
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    next_id = 1
    plan = []
    per_batch = BATCH // PER_ORDER
    for b in range(batches):
        mutations = []
        for order_id in order_ids[b * per_batch:(b + 1) * per_batch]:
            mutations += (visit if MIX == "visit" else notes)(order_id, parts, start)
        # Interleave the visits (a phone juggles jobs) while keeping each order's own order.
        mutations = [mutations[o * PER_ORDER + s] for s in range(PER_ORDER)
                     for o in range(per_batch)]
        for m in mutations:
            m["id"] = next_id
            next_id += 1
        plan.append(mutations)
    return token, plan


class StatementCount:
    """SQL statements sent to the database while counting: a figure the machine's load
    does not change."""

    def __init__(self, app):
        from sqlalchemy import event

        from server.extensions import db

        self.count = 0
        self.on = False
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args, **kwargs):
        if self.on:
            self.count += 1


def push_round(app, batches: int, statements: StatementCount | None = None,
               profiler=None) -> dict:
    token, plan = prepare(app, batches)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    samples = []
    if statements is not None:
        statements.count, statements.on = 0, True
    cpu = time.process_time()
    started = time.perf_counter()
    for mutations in plan:
        t0 = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        response = client.post("/api/v1/sync/push", headers=headers,
                               json={"protocol": 1, "mutations": mutations})
        if profiler is not None:
            profiler.disable()
        samples.append(time.perf_counter() - t0)
        body = response.get_json()
        assert response.status_code == 200, body
        bad = [r for r in body["results"] if r["status"] != "applied"]
        assert not bad, bad[:3]
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    total = batches * BATCH
    figures = {"mutations": total, "seconds": round(elapsed, 3),
               "mutations_per_s": round(total / elapsed),
               # This process's CPU time only (on SQLite the database's work too): far less
               # sensitive to the shared machine's load than the wall-clock rate.
               "mutations_per_cpu_s": round(total / cpu),
               "batch_median_ms": round(statistics.median(samples) * 1000, 1)}
    if statements is not None:
        statements.on = False
        figures["sql_statements_per_mutation"] = round(statements.count / total, 2)
    return figures


def reference_round(app, batches: int) -> dict:
    """The same number of two-row steps with plain SQL through the driver, batch by batch."""
    from sqlalchemy import func, select

    from server.accounts.models import User
    from server.extensions import db
    from server.workorders.models import WorkOrder, WorkOrderEvent

    with app.app_context():
        order_id = db.session.scalar(select(WorkOrder.id).limit(1))
        user_id = db.session.scalar(select(User.id).limit(1))
        # Events are numbered per order: go on after the last one (an earlier round's too).
        seq = db.session.scalar(select(func.max(WorkOrderEvent.seq)).where(
            WorkOrderEvent.work_order_id == order_id)) or 0
        db.session.rollback()
        engine = db.engine
        postgres = engine.dialect.name == "postgresql"
        mark = "%s" if postgres else "?"
        note_sql = ("INSERT INTO work_order_notes (id, work_order_id, author_id, body, "
                    f"created_at, sync_pos) VALUES ({', '.join([mark] * 6)})")
        event_sql = ("INSERT INTO work_order_events (id, work_order_id, seq, kind, actor_id, "
                     f"server_time, data) VALUES ({', '.join([mark] * 7)})")

        def key(u: uuid.UUID):
            return u if postgres else u.hex

        now = datetime.now(UTC)
        stamp = now if postgres else now.replace(tzinfo=None).isoformat(" ")
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cpu = time.process_time()
            started = time.perf_counter()
            for _ in range(batches):
                if not postgres:  # the app's connections run with BEGIN issued by hand
                    cursor.execute("BEGIN IMMEDIATE")
                for _ in range(BATCH):
                    seq += 1
                    cursor.execute(note_sql, (key(uuid.uuid4()), key(order_id), key(user_id),
                                              "Checked the unit: compressor noise.", stamp, 1))
                    cursor.execute(event_sql, (key(uuid.uuid4()), key(order_id), seq, "note",
                                               key(user_id), stamp, '{"note_id": "x"}'))
                raw.commit()
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu
        finally:
            raw.close()
    total = batches * BATCH
    return {"steps": total, "seconds": round(elapsed, 3),
            "steps_per_s": round(total / elapsed), "steps_per_cpu_s": round(total / cpu)}


def profile(app) -> None:
    import cProfile
    import pstats

    push_round(app, 2)  # warm up: imports, compiled statements, caches
    profiler = cProfile.Profile()
    # Only the pushes (not the set-up of orders between them).
    push_round(app, BATCHES, profiler=profiler)
    stats = pstats.Stats(profiler)
    if os.environ.get("PUSH_PROFILE_DUMP"):
        stats.dump_stats(os.environ["PUSH_PROFILE_DUMP"])
    stats.sort_stats("cumulative").print_stats(int(os.environ.get("PUSH_PROFILE_LINES", "60")))
    stats.sort_stats("tottime").print_stats(int(os.environ.get("PUSH_PROFILE_LINES", "60")))


if __name__ == "__main__":
    app = make_app("push")
    name = backend(app)
    if os.environ.get("PUSH_PROFILE"):
        profile(app)
        raise SystemExit(0)
    push_round(app, 2)  # warm up: imports, compiled statements, caches
    counted = push_round(app, 5, StatementCount(app))
    rounds, references = [], []
    for r in range(ROUNDS):
        # Alternate the two so a burst of load on the shared machine hits both alike.
        references.append(reference_round(app, BATCHES))
        rounds.append(push_round(app, BATCHES))
        print(f"round {r + 1}: push {rounds[-1]['mutations_per_s']}/s "
              f"({rounds[-1]['mutations_per_cpu_s']}/CPU-s), reference "
              f"{references[-1]['steps_per_s']}/s ({references[-1]['steps_per_cpu_s']}/CPU-s)",
              flush=True)
    push_rate = statistics.median(x["mutations_per_s"] for x in rounds)
    ref_rate = statistics.median(x["steps_per_s"] for x in references)
    ratios = [p["mutations_per_s"] / q["steps_per_s"] for p, q in zip(rounds, references)]
    figures = {
        "backend": name, "mix": MIX, "batch": BATCH, "batches_per_round": BATCHES, "rounds": ROUNDS,
        "mix_per_order": "2 transitions, 6 notes, 4 parts used, 3 photos, 3 time logs, "
                         "2 field edits",
        "push_median_mutations_per_s": round(push_rate),
        "reference_median_steps_per_s": round(ref_rate),
        "ratio_median_percent": round(statistics.median(ratios) * 100, 2),
        "push_median_mutations_per_cpu_s": round(statistics.median(
            x["mutations_per_cpu_s"] for x in rounds)),
        "reference_median_steps_per_cpu_s": round(statistics.median(
            x["steps_per_cpu_s"] for x in references)),
        "sql_statements_per_mutation": counted["sql_statements_per_mutation"],
        "push_rounds": rounds, "reference_rounds": references,
        "targets": {"mutations_per_s": f">= {TARGETS.get(name)}", "ratio_percent": ">= 5"},
    }
    report(f"sync_push_{name}_{MIX}" + ("" if BATCH == 100 else f"_batch{BATCH}"), figures)
