"""Last upload stored → report ready, through a real huey consumer (issue 9).

Target: ≤ 10 s on an idle machine. Each run is a whole visit pushed through the sync
protocol with its photos uploaded, signed on the phone, and the signature image uploaded
LAST (the case that used to wait for the five-minute sweep). The clock starts when that
upload's PUT is sent and stops when the report row says ``ready``; the render job runs in a
separate ``huey_consumer`` process started with the Procfile's worker command, periodic
tasks off (``-n``), so the sweep cannot be what makes the report.

Between runs the consumer is left idle (75 s by default), as between visits, so the figure
includes its polling back-off: huey's default longest poll interval is 10 s, which alone
could miss the target, so the Procfile's worker polls at least every second
(``-m ${HUEY_MAX_DELAY:-1}``). Figures: median and p95 of the whole span, and of the part
after the upload's response (queue pick-up + render + sign).

    .venv/bin/python bench/report_ready_bench.py       # BENCH_RUNS=6 BENCH_IDLE_S=75
"""

from __future__ import annotations

import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _world import ROOT, percentile, report

RUNS = int(os.environ.get("BENCH_RUNS", "6"))
# Long enough for an idle consumer to reach its longest polling interval (-m): the worst
# case of a visit that ends after a quiet spell.
IDLE_S = float(os.environ.get("BENCH_IDLE_S", "75"))
TIMEOUT_S = 120


def environment() -> dict:
    """One scratch world shared by this process and the consumer: database, blobs, queue,
    signing key. DATABASE_URL is used when set (its schema is reset)."""
    scratch = Path(tempfile.mkdtemp(prefix="doorstep-bench-ready-"))
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{scratch / 'bench.db'}",
        "BLOB_DIR": str(scratch / "blobs"),
        "HUEY_SQLITE_PATH": str(scratch / "queue.db"),
        "REPORT_SIGNING_CERT": str(scratch / "cert.pem"),
        "REPORT_SIGNING_KEY": str(scratch / "key.pem"),
        "SECRET_KEY": "bench-secret-key",
    }


def make_app():
    from flask_migrate import upgrade
    from sqlalchemy import text

    from server import create_app
    from server.extensions import db

    app = create_app({"TESTING": True})
    app.config["REPORT_SIGNING_DEV_CERT"] = True  # made once here, read by the worker
    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        from server.reports import signing

        signing.ensure_certificate()  # the development certificate, which the worker reads
    return app


def worker_command() -> list[str]:
    """The Procfile's worker line, with periodic tasks off."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines()
                if line.startswith("worker:"))
    command = line.split(":", 1)[1]
    for name, default in (("HUEY_WORKERS", "2"), ("HUEY_SHUTDOWN_TIMEOUT", "25"),
                          ("HUEY_MAX_DELAY", "1")):
        command = command.replace(f"${{{name}:-{default}}}", os.environ.get(name, default))
    args = shlex.split(command)
    args[0] = str(ROOT / ".venv" / "bin" / args[0])
    return [*args, "-n"]


def visit_waiting_for_its_signature_image(client, language: str, run: int):
    """A visit worked, photographed and signed, its signature image not uploaded yet.
    Returns (visit, signature image bytes): bytes new to the server on every run."""
    from sqlalchemy import select

    from server.extensions import db
    from server.inventory.models import StockLevel, StockLocation
    from tests import factories
    from tests.report_scenario import Visit, photo, signature_png
    from tests.sync.phone import Phone

    name = f"王秀英 {run}" if language == "zh" else f"Alice Smith {run}"
    office = factories.make_user("dispatcher")
    tech = factories.make_technician()
    customer = factories.make_customer(name=name, language=language)
    order = factories.make_order(actor=office, customer=customer,
                                 asset=factories.make_asset(customer, warranty_days=-30),
                                 language=language)
    factories.walk_to(order, "scheduled", office, tech)
    van = db.session.scalar(select(StockLocation).where(StockLocation.technician_id == tech.id))
    part = factories.make_part(4500)
    db.session.add(StockLevel(location_id=van.id, part_id=part.id, quantity=5))
    db.session.commit()
    visit = Visit(client, Phone(client, tech), order).arrive()
    visit.work("Run capacitor failed", "Replaced the capacitor", parts=((part, 2), (part, -1)))
    for index in range(4):
        visit.take_photo(("before", "after")[index % 2],
                         photo(1600, 1200, seed=run * 10 + index))
    visit.complete(rating=5)
    visit.sign(name, upload_image=False)
    db.session.commit()
    return visit, signature_png(name)


def report_status(order_id) -> str:
    from sqlalchemy import select

    from server.extensions import db
    from server.media.models import Report

    status = db.session.scalar(select(Report.status).where(Report.work_order_id == order_id))
    # End the read at once: on SQLite every transaction holds the write lock (BEGIN
    # IMMEDIATE), which would keep the worker from writing the result.
    db.session.rollback()
    return status


def main():
    env = environment()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from server.tasks import huey

    huey.immediate = False  # the render job goes to the queue, for the consumer
    app = make_app()
    log = open(Path(env["BLOB_DIR"]).parent / "worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(worker_command(), cwd=ROOT, env={**os.environ, **env},
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    total, after_upload = [], []
    try:
        client = app.test_client()
        with app.app_context():
            # A first report warms the worker (imports, fonts) as a running worker would be.
            for run in range(RUNS + 1):
                language = ("en", "zh")[run % 2]
                visit, image = visit_waiting_for_its_signature_image(client, language, run)
                assert report_status(visit.order.id) == "waiting"
                time.sleep(IDLE_S)  # the consumer idles (and backs off) between visits
                started = time.perf_counter()
                response = visit.upload(image, "image/png")
                stored = time.perf_counter()
                assert response.status_code == 201, response.get_json()
                while (status := report_status(visit.order.id)) != "ready":
                    assert status in ("waiting", "rendering"), status
                    assert time.perf_counter() - started < TIMEOUT_S, "report not ready"
                    time.sleep(0.02)
                done = time.perf_counter()
                if run:
                    total.append((done - started) * 1000)
                    after_upload.append((done - stored) * 1000)
                print(f"run {run} ({language}): {(done - started) * 1000:.0f} ms"
                      + (" (warm-up, not counted)" if not run else ""), flush=True)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        log.close()
    figures = {
        "backend": app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0],
        "runs": RUNS, "idle_between_runs_s": IDLE_S,
        "worker": " ".join(worker_command()[1:]),
        "upload_to_ready_ms": {"median": round(statistics.median(total)),
                               "p95": round(percentile(total, 95)),
                               "max": round(max(total))},
        "after_upload_response_ms": {"median": round(statistics.median(after_upload)),
                                     "p95": round(percentile(after_upload, 95))},
        "cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
        "target_ms": 10_000,
    }
    report("report_ready", figures)


if __name__ == "__main__":
    main()
