"""Background work on huey: SQLite storage by default, Redis when REDIS_URL is set.

The consumer runs as its own process (``huey_consumer server.tasks.huey``, the Procfile's
``worker``). Tasks build the Flask app once per worker process and run inside its context,
committing once at the end like a request does.
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

from huey import RedisHuey, SqliteHuey, crontab
from huey.storage import SqliteStorage

INSTANCE = Path(__file__).resolve().parent.parent / "instance"


class QueueStorage(SqliteStorage):
    """huey's SQLite queue, written the way the database is (WAL, ``synchronous=NORMAL``,
    server/database.py) instead of huey's default ``FULL``. With ``FULL`` every job queued
    after a commit (a push's customer messages, a report to render) waited for an fsync of
    the queue file on the request's way out: 0.3 ms on a quiet disk, up to 6 ms (p95) under
    20 phones' pushes. ``NORMAL`` in WAL mode never corrupts the file; a power cut may lose
    the last jobs queued, and those are not lost work: ``message_sweep`` and
    ``report_sweep`` queue again whatever the database still owes."""

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn


def make_huey():
    if os.environ.get("REDIS_URL"):
        return RedisHuey("doorstep", url=os.environ["REDIS_URL"])
    INSTANCE.mkdir(exist_ok=True)
    path = os.environ.get("HUEY_SQLITE_PATH") or str(INSTANCE / "queue.db")
    return SqliteHuey("doorstep", filename=path, storage_class=QueueStorage)


huey = make_huey()


_build_lock = threading.Lock()


@functools.cache
def _built_app():
    from . import create_app

    return create_app()


def _worker_app():
    """The worker process's one Flask app, built by whichever thread needs it first.

    The consumer's threads start their first jobs together; building the app from two of
    them at once registers blueprints twice on the shared extensions ("The name 'api-docs'
    is already registered"). The lock makes the others wait for the first build.
    """
    with _build_lock:
        return _built_app()



def in_app_context(fn):
    """Run ``fn`` inside an app context and commit its work once, or roll it back."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from flask import has_app_context

        from .extensions import db

        if has_app_context():  # called from a request, a CLI command or a test
            return fn(*args, **kwargs)
        with _worker_app().app_context():
            try:
                result = fn(*args, **kwargs)
                db.session.commit()
                return result
            except Exception:
                db.session.rollback()
                raise

    return wrapper


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def sla_sweep() -> int:
    """Every minute: re-grade every open order's SLA state and escalate missed deadlines
    (supervisor, then manager). Returns how many orders changed state."""
    from .dispatch.escalation import sweep
    from .incidents.service import escalate_missed

    graded = sweep().graded
    escalate_missed()  # batch-failure incidents' deadlines (server/incidents)
    return graded


@huey.periodic_task(crontab(minute="*/5"))
@in_app_context
def incident_detection() -> int:
    """Every five minutes: group recent reports by product model and symptom, open or
    raise batch-failure incidents (server/incidents). Returns how many changed."""
    from .incidents.service import detect

    result = detect()
    return result.opened + result.raised


@huey.task(retries=2, retry_delay=30)
@in_app_context
def render_report(report_id: str) -> str:
    """Render and digitally sign a service report (queued when its order is ready)."""
    import uuid

    from .reports.service import render

    return render(uuid.UUID(report_id))


@huey.periodic_task(crontab(minute="*/5"))
@in_app_context
def report_sweep() -> int:
    """Every five minutes: queue again report jobs that seem lost, re-check waiting ones."""
    from .reports.service import requeue_stale

    return requeue_stale()


@huey.periodic_task(crontab(minute="23"))
@in_app_context
def plan_sweep() -> int:
    """Every hour: make the maintenance plans' calls and visits due within PLAN_LEAD_DAYS."""
    from .plans.service import generate_due

    return generate_due()


@huey.periodic_task(crontab(hour="*/6", minute="41"))
@in_app_context
def qc_sample_sweep() -> int:
    """Every six hours: draw last week's quality-control sample (server/qc) if it has not
    been drawn. A week is drawn once, so only the first run after Monday draws; the later
    ones catch a Monday the worker missed. Returns how many visits were drawn."""
    from .qc.service import sample_last_week

    return sample_last_week().drawn


@huey.periodic_task(crontab(minute="17"))
@in_app_context
def rate_limit_sweep() -> int:
    """Every hour: delete sign-in throttle counters whose window has ended (the database
    storage only; Redis expires its keys itself). Returns how many went."""
    from .accounts.ratelimit_storage import DatabaseStorage
    from .extensions import db

    return DatabaseStorage(lambda: db.engine).sweep()
@huey.task()
@in_app_context
def deliver_messages(message_ids: list[str]) -> list[str]:
    """Send the customer messages one commit queued (one job per commit, not per message:
    each job is a write to the queue). Retries are the outbox's own (``next_attempt_at``,
    picked up by ``message_sweep``), so a rerun of this job never sends a message twice.
    Returns each message's status afterwards."""
    import uuid

    from .messaging.service import deliver

    return [deliver(uuid.UUID(message_id)) for message_id in message_ids]


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def message_sweep() -> int:
    """Every minute: deliver the customer messages whose next try is due (a channel was
    down, a job was lost). Returns how many were looked at."""
    from .messaging.service import deliver, due

    ids = due()
    from .extensions import db

    db.session.commit()
    for message_id in ids:
        deliver(message_id)
    return len(ids)
