"""Sync under load: 200 simulated devices each push 20 mutations and pull, over HTTP.

The app runs under gunicorn (several workers) on a loopback port against DATABASE_URL
(PostgreSQL for the issue's figures); load comes from several client processes. Target
(issue 3): p95 ≤ 300 ms and zero errors on this 2-core machine. Every request loop is
bounded; the server is stopped at the end.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from multiprocessing import Pool

from _world import ROOT, backend, make_app, percentile, report, token_for

DEVICES = int(os.environ.get("LOAD_DEVICES", "200"))
MUTATIONS = 20
PROCESSES = int(os.environ.get("LOAD_PROCESSES", "4"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))


def prepare(app):
    """One technician with one scheduled order per device; returns (token, order id) pairs."""
    from argon2 import PasswordHasher

    from server.accounts import service as accounts
    from server.extensions import db
    from tests import factories

    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    devices = []
    with app.app_context():
        office = factories.make_user("dispatcher")
        for _ in range(DEVICES):
            tech = factories.make_technician()
            order = factories.make_order(actor=office)
            factories.walk_to(order, "scheduled", office, tech)
            devices.append((token_for(tech.user), str(order.id)))
        db.session.commit()
    return devices


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_device(args):
    port, token, order_id = args
    latencies, errors = [], []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(method, path, body=None):
        started = time.perf_counter()
        try:
            conn.request(method, path, body=json.dumps(body) if body else None,
                         headers=headers)
            response = conn.getresponse()
            data = response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                errors.append(f"{method} {path} {response.status} {data[:120]!r}")
        except OSError as problem:
            latencies.append((time.perf_counter() - started) * 1000)
            errors.append(f"{method} {path} {problem}")

    call("GET", "/api/v1/sync/pull?protocol=1&cursor=0")
    now = "2026-11-23T09:00:00+08:00"
    for batch_start in (1, 11):  # 20 mutations in two batches of 10
        mutations = [{"id": i, "name": "add_note", "version": 1, "args": {
            "order_id": order_id, "note_id": str(uuid.uuid4()), "body": f"note {i}",
            "device_time": now}} for i in range(batch_start, batch_start + 10)]
        call("POST", "/api/v1/sync/push", {"protocol": 1, "mutations": mutations})
    call("GET", "/api/v1/sync/pull?protocol=1&cursor=0")
    conn.close()
    return latencies, errors


if __name__ == "__main__":
    app = make_app("load")
    devices = prepare(app)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": "bench"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
         "--no-control-socket", "--log-level", "warning", "server:create_app()"],
        cwd=ROOT, env=env, start_new_session=True)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        started = time.perf_counter()
        with Pool(PROCESSES) as pool:
            results = pool.map(one_device, [(port, t, o) for t, o in devices])
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    latencies = [ms for lat, _ in results for ms in lat]
    errors = [e for _, errs in results for e in errs]
    figures = {
        "backend": backend(app), "devices": DEVICES, "mutations_per_device": MUTATIONS,
        "gunicorn_workers": WORKERS, "client_processes": PROCESSES,
        "requests": len(latencies), "errors": len(errors), "error_samples": errors[:5],
        "seconds": round(elapsed, 2), "requests_per_s": round(len(latencies) / elapsed, 1),
        "mutations_per_s": round(DEVICES * MUTATIONS / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "targets": {"p95_ms": "<= 300", "errors": 0},
    }
    report(f"sync_load_{figures['backend']}", figures)
