"""How SQLite writers take turns: the writer queue against SQLite's busy handler alone.

Issue 17 (push over HTTP): every SQLite transaction holds the file's one write lock from
BEGIN IMMEDIATE to COMMIT. This measures only the turn-taking, without the app: P
processes of T threads each (like gunicorn's workers and threads) run write transactions
in a loop for a few seconds. A transaction inserts a row and then works ``INSIDE_MS`` of
Python CPU holding the lock (like the push engine), and each thread works ``OUTSIDE_MS``
between transactions (like reading the request and writing the answer). Modes
(``DOORSTEP_SQLITE_WRITERS``, server/database.py): ``busy`` (the busy handler only, as
before), ``process`` (threads queue in their process), ``queue`` (and processes take turns
through the lock file: the default).

    .venv/bin/python bench/sqlite_writers_bench.py
    WRITERS_PROCESSES=2 WRITERS_THREADS=8 WRITERS_INSIDE_MS=10 WRITERS_OUTSIDE_MS=2 \\
        WRITERS_SECONDS=5 WRITERS_MODES=busy,process,queue .venv/bin/python …

Prints per mode transactions/s (and as a share of the most the lock allows,
1000 / INSIDE_MS), p50/p95/max of a transaction from asking for the lock to its commit,
and how unevenly the processes were served. Writes bench/results/sqlite_writers.json.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = int(os.environ.get("WRITERS_PROCESSES", "2"))
THREADS = int(os.environ.get("WRITERS_THREADS", "8"))
INSIDE_MS = float(os.environ.get("WRITERS_INSIDE_MS", "10"))
OUTSIDE_MS = float(os.environ.get("WRITERS_OUTSIDE_MS", "2"))
SECONDS = float(os.environ.get("WRITERS_SECONDS", "5"))
MODES = os.environ.get("WRITERS_MODES", "busy,process,queue").split(",")
ROUNDS = int(os.environ.get("WRITERS_ROUNDS", "3"))


def spin(ms: float) -> None:
    end = time.thread_time() + ms / 1000
    while time.thread_time() < end:
        pass


def child(path: str, start_at: float) -> None:
    """One process: THREADS threads writing until SECONDS after ``start_at``; prints JSON."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, text

    import server.database  # noqa: F401  (WAL, BEGIN IMMEDIATE, the writer queue)

    engine = create_engine(f"sqlite:///{path}", pool_size=THREADS, max_overflow=0)
    latencies: list[float] = []
    errors = []
    stop = start_at + SECONDS

    def work():
        while time.time() < start_at:
            time.sleep(0.001)
        while time.time() < stop:
            spin(OUTSIDE_MS)
            asked = time.perf_counter()
            try:
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO t (v) VALUES ('x')"))
                    spin(INSIDE_MS)
            except Exception as problem:  # noqa: BLE001 — counted, like a 503
                errors.append(str(problem)[:80])
                continue
            latencies.append((time.perf_counter() - asked) * 1000)

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"latencies": latencies, "errors": errors}))


def run(mode: str) -> dict:
    folder = tempfile.mkdtemp(prefix="doorstep-writers-")
    path = f"{folder}/w.db"
    import sqlite3

    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    setup.commit()
    setup.close()
    start_at = time.time() + 3  # every process imported and waiting
    env = {**os.environ, "DOORSTEP_SQLITE_WRITERS": mode}
    procs = [subprocess.Popen([sys.executable, __file__, "child", path, str(start_at)],
                              env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(PROCESSES)]
    outputs = [json.loads(p.communicate()[0]) for p in procs]
    every = sorted(x for o in outputs for x in o["latencies"])
    done = [len(o["latencies"]) for o in outputs]
    pct = lambda q: round(every[min(len(every) - 1, int(q * (len(every) - 1)))], 1)  # noqa: E731
    return {"mode": mode, "transactions_per_s": round(len(every) / SECONDS, 1),
            "share_of_lock_limit": round(len(every) / SECONDS / (1000 / INSIDE_MS), 3),
            "p50_ms": pct(0.5), "p95_ms": pct(0.95), "max_ms": round(every[-1], 1),
            "per_process": done, "errors": sum(len(o["errors"]) for o in outputs)}


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(sys.argv[2], float(sys.argv[3]))
        sys.exit(0)
    results = {mode: [] for mode in MODES}
    for r in range(ROUNDS):
        for mode in MODES:  # interleaved, so a busy moment on the machine hits every mode
            figures = run(mode)
            results[mode].append(figures)
            print(f"round {r + 1} {mode:8s} {figures['transactions_per_s']:7} tx/s "
                  f"({figures['share_of_lock_limit']:.0%} of the lock's limit) "
                  f"p50 {figures['p50_ms']} p95 {figures['p95_ms']} max {figures['max_ms']} ms "
                  f"per process {figures['per_process']} errors {figures['errors']}",
                  flush=True)
    summary = {mode: {key: statistics.median(f[key] for f in rounds)
                      for key in ("transactions_per_s", "share_of_lock_limit", "p50_ms",
                                  "p95_ms", "max_ms")}
               for mode, rounds in results.items()}
    sys.path.insert(0, str(ROOT / "bench"))
    from _world import report

    report("sqlite_writers", {"processes": PROCESSES, "threads": THREADS,
                              "inside_ms": INSIDE_MS, "outside_ms": OUTSIDE_MS,
                              "seconds": SECONDS, "load_average": os.getloadavg(),
                              "median_of_rounds": summary, "rounds": results})
