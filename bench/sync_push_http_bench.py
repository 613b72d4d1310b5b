"""Push throughput over HTTP: 20 phones pushing batches of 20 at once to a real server.

Issue 17: 20 devices in batches of 20 — ≥ 1,500 mutations/s and p95 ≤ 250 ms on SQLite,
≥ 1,000 mutations/s on PostgreSQL. The server runs as docs/operations.md runs it
(``gunicorn -c gunicorn.conf.py "server:create_app()"``: ``WEB_CONCURRENCY`` gthread
workers of ``GUNICORN_THREADS`` threads, defaults 2 and 8, 4 on SQLite) on a loopback
port; the phones are threads of this process, each on its own keep-alive connection,
each sending its batches one after the other (a phone waits for an answer before it
sends the next batch).
Every batch is one visit (bench/sync_push_bench.py's mixes: PUSH_MIX=visit, the default,
or notes); every mutation must come back ``applied`` (a batch refused as a whole, e.g. a 503 when
SQLite's busy timeout runs out, is counted as an error).

    .venv/bin/python bench/sync_push_http_bench.py                       # SQLite
    DATABASE_URL=postgresql://… .venv/bin/python bench/sync_push_http_bench.py
    PUSH_DEVICES=20 PUSH_BATCHES=10 PUSH_ROUNDS=3 WEB_CONCURRENCY=2 GUNICORN_THREADS=8
    PUSH_PHASES=1 …    # also where a request's time goes (bench/_phases.py)

Prints per round mutations/s, p50/p95/p99 of a push, the range of the phones' own p50s
(the fastest and the slowest phone: how evenly they are served), and the server's CPU
time (all gunicorn processes, from /proc) per mutation — on this shared 2-core machine
the client and other people's work take cores too, so the CPU rate is the steadier
figure. After each round, while the server is idle, the machine's pace: bench/
sync_push_bench.py's plain-SQL reference (two-row inserts through the driver, in
batches of 100, on the same database), and the round's mutations/s as a percentage of
it, so runs at different times (or on other machines) can be compared. The reference
falls by about a fifth from the first round to the fifth as the tables grow (it does
so with the WAL checkpointed after every round too; the push rate does not fall), so
compare rounds at the same place in their runs. Writes
bench/results/sync_push_http_<backend>_<mix>.json.
"""

from __future__ import annotations

import http.client
import json
import os
import runpy
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from _world import ROOT, backend, make_app, percentile, report, technician_with_orders, token_for
from sync_push_bench import notes, reference_round, visit

DEVICES = int(os.environ.get("PUSH_DEVICES", "20"))
BATCHES = int(os.environ.get("PUSH_BATCHES", "10"))  # per device and round
ROUNDS = int(os.environ.get("PUSH_ROUNDS", "3"))
MIX = os.environ.get("PUSH_MIX", "visit")
# The plain-SQL reference after each round: 40 transactions of 100 two-row steps, about
# 60 ms on SQLite here (shorter ones vary too much from one to the next).
REFERENCE_BATCHES = 40
TARGETS = {"sqlite": {"mutations_per_s": 1500, "p95_ms": 250},
           "postgresql": {"mutations_per_s": 1000}}


def prepare(app) -> list[dict]:
    """Per device: a technician with a van, parts, a token, and one scheduled order per
    batch it will push (a warm-up batch, then ``ROUNDS × BATCHES``)."""
    from argon2 import PasswordHasher

    from server.accounts import service as accounts
    from server.extensions import db
    from tests import factories

    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    devices = []
    with app.app_context():
        office = factories.make_user("dispatcher")
        parts = [str(factories.make_part().id) for _ in range(4)]
        for _ in range(DEVICES):
            _, tech, orders = technician_with_orders(1 + ROUNDS * BATCHES, office)
            devices.append({"token": token_for(tech.user), "parts": parts,
                            "orders": [str(o.id) for o in orders], "next_id": 1})
            db.session.commit()
    return devices


def batch_for(device: dict, order_id: str) -> list[dict]:
    mutations = (visit if MIX == "visit" else notes)(order_id, device["parts"],
                                                     datetime(2026, 11, 23, 9, tzinfo=UTC))
    for mutation in mutations:
        mutation["id"] = device["next_id"]
        device["next_id"] += 1
    return mutations


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every process in the server's process group, now."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def run_device(port: int, device: dict, orders: list[str], latencies: list, errors: list,
               warmup: bool = False, own: list | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {device['token']}",
               "Content-Type": "application/json"}
    if warmup:  # not counted by PUSH_PHASES
        headers["X-Bench-Warmup"] = "1"
    try:
        for order_id in orders:
            body = json.dumps({"protocol": 2, "mutations": batch_for(device, order_id)})
            started = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/sync/push", body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except OSError as problem:
                errors.append(str(problem))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            if own is not None:
                own.append(latencies[-1])
            if response.status != 200:
                errors.append(f"{response.status} {data[:160]!r}")
                continue
            bad = [r for r in json.loads(data)["results"] if r["status"] != "applied"]
            if bad:
                errors.append(f"not applied: {bad[:2]}")
    finally:
        conn.close()


def push_round(port: int, devices: list[dict], first: int, count: int, pgid: int,
               warmup: bool = False) -> dict:
    latencies, errors = [], []
    per_device = [[] for _ in devices]  # each phone's own latencies
    threads = [threading.Thread(target=run_device, args=(
        port, device, device["orders"][first:first + count], latencies, errors, warmup, own))
        for device, own in zip(devices, per_device, strict=True)]
    cpu = server_cpu_seconds(pgid)
    client_cpu = time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu = server_cpu_seconds(pgid) - cpu
    client_cpu = time.process_time() - client_cpu
    mutations = len(devices) * count * 20
    return {"mutations": mutations, "seconds": round(elapsed, 3),
            "mutations_per_s": round(mutations / elapsed),
            "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1),
            # The fastest and the slowest phone's median: how evenly the phones are served.
            "device_p50_ms_range": [round(min(statistics.median(own) for own in per_device), 1),
                                    round(max(statistics.median(own) for own in per_device), 1)]
            if all(per_device) else None,
            "server_cpu_s": round(cpu, 2),
            "mutations_per_server_cpu_s": round(mutations / cpu) if cpu else None,
            "client_cpu_s": round(client_cpu, 2),
            "errors": len(errors), "error_samples": errors[:3]}


def wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def gunicorn_settings(env: dict) -> dict:
    """gunicorn.conf.py's settings under ``env`` (workers, threads, worker class), read
    from the file itself so the figures name what the server really ran with."""
    with mock.patch.dict(os.environ, env, clear=True):
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


if __name__ == "__main__":
    app = make_app("pushhttp")
    name = backend(app)
    devices = prepare(app)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": "bench", "HOST": "127.0.0.1", "PORT": str(port),
           "BLOB_DIR": app.config["BLOB_DIR"]}
    settings = gunicorn_settings(env)  # what the server below runs with
    log = open(os.devnull, "w")
    # PUSH_PHASES=1: the same server with every phase of a push timed (bench/_phases.py).
    phases_dir = None
    config = "gunicorn.conf.py"
    if os.environ.get("PUSH_PHASES") == "1":
        phases_dir = tempfile.mkdtemp(prefix="doorstep-phases-")
        env["PHASES_DIR"] = phases_dir
        config = "bench/_phases_gunicorn.py"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", config, "server:create_app()"],
        cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    rounds = []
    try:
        wait_for(port)
        push_round(port, devices, 0, 1, server.pid, warmup=True)  # imports, caches, connections
        for r in range(ROUNDS):
            rounds.append(push_round(port, devices, 1 + r * BATCHES, BATCHES, server.pid))
            reference = reference_round(app, REFERENCE_BATCHES)["steps_per_s"]
            rounds[-1]["reference_steps_per_s"] = reference
            rounds[-1]["percent_of_reference"] = round(
                100 * rounds[-1]["mutations_per_s"] / reference, 2)
            print(f"round {r + 1}: {rounds[-1]['mutations_per_s']} mutations/s, "
                  f"p50 {rounds[-1]['p50_ms']} ms, p95 {rounds[-1]['p95_ms']} ms, "
                  f"p99 {rounds[-1]['p99_ms']} ms, phones' p50 "
                  f"{'–'.join(map(str, rounds[-1]['device_p50_ms_range'] or []))} ms, "
                  f"{rounds[-1]['mutations_per_server_cpu_s']} per server CPU-s, "
                  f"errors {rounds[-1]['errors']}; reference {reference} steps/s "
                  f"({rounds[-1]['percent_of_reference']} %)", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    # An error is a batch the phone sends again later (a 503 "database is busy" when a
    # writer waited longer than SQLite's busy timeout): counted and shown, not hidden.
    figures = {
        "backend": name, "mix": MIX, "devices": DEVICES, "batch": 20,
        "batches_per_device_and_round": BATCHES, "rounds": ROUNDS,
        "gunicorn": {key: settings[key] for key in ("workers", "threads", "worker_class")},
        "mutations_per_s_median": statistics.median(r["mutations_per_s"] for r in rounds),
        "p50_ms_median": statistics.median(r["p50_ms"] for r in rounds),
        "p95_ms_median": statistics.median(r["p95_ms"] for r in rounds),
        "mutations_per_server_cpu_s_median": statistics.median(
            r["mutations_per_server_cpu_s"] for r in rounds),
        "reference_steps_per_s_median": statistics.median(
            r["reference_steps_per_s"] for r in rounds),
        "percent_of_reference_median": statistics.median(
            r["percent_of_reference"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "load_average": os.getloadavg(),
        "rounds": rounds, "targets": TARGETS.get(name),
    }
    if phases_dir:
        from _phases import summary

        figures["phases_ms"] = summary(phases_dir)
    report(f"sync_push_http_{name}_{MIX}", figures)
