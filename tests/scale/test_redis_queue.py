"""Background jobs through huey on a real Redis, run by a real consumer process, with the
blobs in object storage: the configuration of several machines, where the web process and
the worker share only the database, the queue and the object store."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from huey.storage import RedisStorage
from sqlalchemy import select

from server.extensions import db
from server.media.models import Report
from server.media.storage import key_for, sha256_of, storage
from server.reports import signing
from server.tasks import huey, sla_sweep
from tests.api.test_reports import do_the_work, visit_for  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_worker(app, redis_url, s3_app, tmp_path, monkeypatch):
    """Jobs queued by this process go to Redis; a ``huey_consumer`` process runs them.

    Yields the consumer's log file.
    """
    monkeypatch.setitem(app.config, "REPORT_SIGNING_CERT", str(tmp_path / "cert.pem"))
    monkeypatch.setitem(app.config, "REPORT_SIGNING_KEY", str(tmp_path / "key.pem"))
    monkeypatch.setitem(app.config, "REPORT_SIGNING_DEV_CERT", True)
    with app.app_context():
        signing.ensure_certificate()
    env = {**os.environ, "REDIS_URL": redis_url,
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": app.config["SECRET_KEY"], "BLOB_DIR": str(tmp_path / "worker-blobs"),
           "BLOB_URL": app.config["BLOB_URL"], "S3_ENDPOINT_URL": app.config["S3_ENDPOINT_URL"],
           "REPORT_SIGNING_CERT": str(tmp_path / "cert.pem"),
           "REPORT_SIGNING_KEY": str(tmp_path / "key.pem")}
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "huey_consumer"), "server.tasks.huey",
         "-w", "2", "-k", "thread", "--no-periodic"],
        cwd=REPO, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)
    immediate, memory = huey._immediate, huey.storage
    huey._immediate, huey.storage = False, RedisStorage("doorstep", url=redis_url)
    try:
        yield log
    finally:
        huey.storage.flush_all()
        huey._immediate, huey.storage = immediate, memory
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=15)


def _ran(log: Path, line: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if line in log.read_text():
            return True
        time.sleep(0.3)
    return False


def _report_row(order_id) -> dict | None:
    """The order's report as plain values, read in a transaction that ends at once: on
    SQLite every transaction takes the write lock, which the worker needs."""
    try:
        report = db.session.scalar(select(Report).where(Report.work_order_id == order_id))
        return None if report is None else {"status": report.status,
                                            "failure_reason": report.failure_reason,
                                            "pdf_sha256": report.pdf_sha256}
    finally:
        db.session.rollback()


def _wait_for_report(order_id, log: Path, seconds: float = 90) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        report = _report_row(order_id)
        if report is not None and report["status"] in ("ready", "failed"):
            return report
        time.sleep(0.3)
    raise AssertionError(f"no report after {seconds}s; worker log:\n{log.read_text()[-3000:]}")


@pytest.mark.live
def test_a_signed_visit_is_rendered_by_a_worker_through_redis(redis_worker, visit_for):
    visit = do_the_work(visit_for("en"), photos=2)
    visit.sign("Alice Smith")
    order_id = visit.order.id
    db.session.rollback()
    assert _report_row(order_id)["status"] != "ready"  # not rendered here: it was queued

    report = _wait_for_report(order_id, redis_worker)
    assert report["status"] == "ready", report["failure_reason"]
    # The worker stored the PDF in object storage, where this (web) process reads it.
    assert sha256_of(storage(), key_for(report["pdf_sha256"], ".pdf")) == report["pdf_sha256"]
    response = visit.client.get(f"/api/v1/workorders/{order_id}/report/pdf",
                                headers=visit.phone._headers())
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert "render_report" in redis_worker.read_text()


@pytest.mark.live
def test_a_periodic_sweep_queued_by_hand_runs_on_the_worker(redis_worker):
    # Periodic tasks keep no result in huey: the worker's log is the evidence.
    queued = sla_sweep()
    assert _ran(redis_worker, f"server.tasks.sla_sweep: {queued.id} executed"), \
        redis_worker.read_text()[-3000:]
