"""Garbage-collector pauses while a web process serves pushes, with and without
``gc.freeze()`` after the app has loaded (gunicorn.conf.py's ``post_worker_init``).

A collection of Python's oldest generation walks every object the process holds. A web
worker holds ~300,000 once the app is loaded (modules, mappers, compiled statements), so
that collection stops the whole process — every thread, a SQLite writer holding the turn
included — for as long as the walk takes. ``gc.freeze()`` moves what exists at that moment
out of the collector's sight.

Each mode runs in a fresh process: load the app, push GC_PUSHES visit batches of 20
(bench/sync_push_bench.py's mix) through the Flask test client, and record every
collection's duration by generation (gc.callbacks).

    .venv/bin/python bench/gc_pause_bench.py          # GC_PUSHES=600

Prints per mode the number of collections, the longest and the total pause per
generation, and the objects the collector still tracks; writes bench/results/gc_pause.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

PUSHES = int(os.environ.get("GC_PUSHES", "600"))

CHILD = r"""
import gc, json, os, sys, time
sys.path.insert(0, "bench")
os.environ["PUSH_BATCH"] = "20"
from _world import make_app
import sync_push_bench as mix
app = make_app("gcpause")
client = app.test_client()
token, plan = mix.prepare(app, int(sys.argv[2]))
if sys.argv[1] == "frozen":
    gc.freeze()
pauses, started = {0: [], 1: [], 2: []}, {}
def timing(phase, info):
    if phase == "start":
        started["at"] = time.perf_counter()
    else:
        pauses[info["generation"]].append((time.perf_counter() - started["at"]) * 1000)
gc.callbacks.append(timing)
for mutations in plan:
    response = client.post("/api/v1/sync/push", headers={"Authorization": f"Bearer {token}"},
                           json={"protocol": 1, "mutations": mutations})
    assert response.status_code == 200
gc.callbacks.remove(timing)
print(json.dumps({"tracked_objects": len(gc.get_objects()), "frozen": gc.get_freeze_count(),
                  "generations": {g: {"collections": len(p),
                                      "longest_ms": round(max(p, default=0), 2),
                                      "total_ms": round(sum(p), 1)}
                                  for g, p in pauses.items()}}))
"""


if __name__ == "__main__":
    from _world import ROOT, report

    figures = {"pushes": PUSHES, "batch": 20}
    for mode in ("as_loaded", "frozen"):
        out = subprocess.run([sys.executable, "-c", CHILD, mode, str(PUSHES)], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
        figures[mode] = json.loads(out.strip().splitlines()[-1])
        oldest = figures[mode]["generations"]["2"]
        print(f"{mode}: {figures[mode]['tracked_objects']} objects tracked, oldest generation "
              f"{oldest['collections']} collections, longest {oldest['longest_ms']} ms",
              flush=True)
    report("gc_pause", figures)
