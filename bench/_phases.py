"""Where a push request's wall time and CPU go, phase by phase, inside a gunicorn worker.

Used by bench/sync_push_http_bench.py when ``PUSH_PHASES=1``: gunicorn is started with
``-c bench/_phases_gunicorn.py`` (the real gunicorn.conf.py plus two hooks), which calls
``install(app)`` in every worker after it has loaded the app and ``dump()`` when it exits.
Nothing here changes what a request does: the functions are wrapped, not replaced.

Phases (wall ms and this thread's CPU ms; nested ones are said so):

* ``total`` — the whole WSGI call (routing, hooks, view, response, commit);
* ``auth`` — the before-request hook: bearer token → device, last-seen stamp, roles;
* ``parse`` — webargs/marshmallow: the JSON body through PushIn;
* ``engine`` — ``sync.push.push`` (flushes only);
* ``dump`` — PushOut dumping the answer;
* ``commit`` — the after-request hook's commit, with inside it ``rollup`` (the KPI
  rollup's refresh at before_commit) and ``enqueue`` (queuing message delivery after it);
* ``lock_wait`` — SQLite only: the time ``BEGIN IMMEDIATE`` took (SQLite's busy handler
  waiting for the one write lock), and ``queue_wait``, the wait for the turn in the
  writer queue before it;
* ``hold`` — from taking the database's one writer turn (SQLite: BEGIN IMMEDIATE;
  PostgreSQL: the change-feed counter's row lock) to the end of the commit. Requests
  that write take turns, so 1 / hold is the most requests per second the database takes;
* ``sql`` — every statement's execute time, and the number of statements.

``dump()`` writes one JSON file per worker process into ``PHASES_DIR``; ``summary(dir)``
reads them back and gives medians and p95s per phase over the push requests.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from functools import wraps
from pathlib import Path

_local = threading.local()
_records: list[dict] = []
_lock = threading.Lock()
PHASES = ("total", "auth", "parse", "engine", "dump", "commit", "rollup", "enqueue",
          "lock_wait", "sql")


def _current() -> dict | None:
    return getattr(_local, "record", None)


def _timed(name: str, fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        record = _current()
        if record is None:
            return fn(*args, **kwargs)
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            record[name + "_wall"] = record.get(name + "_wall", 0) + time.perf_counter() - wall
            record[name + "_cpu"] = record.get(name + "_cpu", 0) + time.thread_time() - cpu
    return wrapper


def _held(fn):
    """``hold`` — from taking the writer turn to the end of the commit."""
    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            record = _current()
            if record is not None and "held_from" in record:
                record["hold_wall"] = time.perf_counter() - record.pop("held_from")
    return wrapper


def install(app) -> None:
    import sqlalchemy
    from flask_smorest import Blueprint  # noqa: F401
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from webargs.flaskparser import FlaskParser

    import server.tasks
    import sync.push
    from server.kpis import rollup
    from server.sync_api import schemas

    inner = app.wsgi_app

    def wsgi_app(environ, start_response):
        if environ.get("PATH_INFO") != "/api/v1/sync/push" or \
                environ.get("HTTP_X_BENCH_WARMUP"):
            return inner(environ, start_response)
        record = _local.record = {}
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return inner(environ, start_response)
        finally:
            record["total_wall"] = time.perf_counter() - wall
            record["total_cpu"] = time.thread_time() - cpu
            _local.record = None
            with _lock:
                _records.append(record)

    app.wsgi_app = wsgi_app
    app.before_request_funcs[None] = [_timed("auth", f)
                                      for f in app.before_request_funcs.get(None, [])]
    app.after_request_funcs[None] = [_timed("commit", f)
                                     for f in app.after_request_funcs.get(None, [])]
    FlaskParser.parse = _timed("parse", FlaskParser.parse)
    Session.commit = _held(Session.commit)
    sync.push.push = _timed("engine", sync.push.push)
    schemas.PushOut.dump = _timed("dump", schemas.PushOut.dump)
    rollup._refresh_noted = _timed("rollup", rollup._refresh_noted)
    server.tasks.deliver_messages = _timed("enqueue", server.tasks.deliver_messages)

    @event.listens_for(sqlalchemy.Engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["phases_started"] = time.perf_counter()

    @event.listens_for(sqlalchemy.Engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        record = _current()
        if record is None:
            return
        took = time.perf_counter() - conn.info.pop("phases_started", time.perf_counter())
        if statement == "BEGIN IMMEDIATE" or statement.startswith("UPDATE sync_counter"):
            # From here to the commit this request holds the database's one writer turn
            # (SQLite's write lock; PostgreSQL's lock on the change-feed counter).
            record.setdefault("held_from", time.perf_counter())
        if statement == "BEGIN IMMEDIATE":
            record["lock_wait_wall"] = record.get("lock_wait_wall", 0) + took
        else:
            record["sql_wall"] = record.get("sql_wall", 0) + took
            record["statements"] = record.get("statements", 0) + 1

    # The writer queue (server/database.py) is waited on before BEGIN IMMEDIATE.
    from server import database
    database.WriterQueue.acquire = _timed("queue_wait", database.WriterQueue.acquire)


def dump() -> None:
    directory = os.environ.get("PHASES_DIR")
    if not directory:
        return
    with _lock:
        records = list(_records)
    Path(directory, f"{os.getpid()}.json").write_text(json.dumps(records))


def summary(directory: str, skip_first: int = 0) -> dict:
    """Median and p95 of every phase (ms) over the push requests every worker recorded."""
    records = []
    for path in sorted(Path(directory).glob("*.json")):
        records.extend(json.loads(path.read_text())[skip_first:])
    out = {"requests": len(records)}
    keys = sorted({key for record in records for key in record})
    for key in keys:
        values = sorted(record.get(key, 0) for record in records)
        scale = 1 if key == "statements" else 1000
        out[key] = {"median": round(statistics.median(values) * scale, 2),
                    "p95": round(values[int(0.95 * (len(values) - 1))] * scale, 2),
                    "mean": round(statistics.fmean(values) * scale, 2)}
    return out
