"""First full sync of a technician: 30 orders, 2,000 parts and 200 articles, and a scope
ten times larger (300 orders, 20,000 parts, 200 articles).

Targets (issue 17): the base scope in ≤ 150 ms server time and ≤ 100 KB gzipped; the 10×
scope in ≤ 1 s server time. Measured through the real WSGI app in-process: the timer
covers the requests only (routing, auth, queries, serialisation, JSON), not the client
reading the answer; no network. ``python bench/sync_first_sync.py [--scale 1|10]``;
DATABASE_URL selects PostgreSQL (its schema is reset). The machine may be shared: the
JSON records the load average next to the figures, and medians of 7 runs are kept.

Each page limit is measured twice: ``cold`` clears the catalogue cache before every run
(the first first sync after a start or a catalogue change reads, dumps and encodes every
part, article and template), ``warm`` serves them from it (every other first sync); at
the app's page size (500) also ``warm_jobs_first``, the app's way since protocol 3: the
jobs page, then the rest (one request more).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import time
import uuid

from _world import backend, make_app, report, technician_with_orders, token_for


def build(app, orders: int = 30, parts: int = 2000, articles: int = 200):
    from sqlalchemy import insert

    from server.extensions import db
    from server.inventory.models import Part, StockLevel, StockLocation
    from server.knowledge.models import KnowledgeArticle

    with app.app_context():
        _, tech, _ = technician_with_orders(orders)
        rows = [{"id": uuid.uuid4(), "sku": f"BENCH-{i:05d}", "name_en": f"Spare part {i}",
                 "name_zh": f"备件 {i}", "category": "air_conditioner",
                 "fits_models": ["KFR-35GW", "KFR-50LW"], "price_cents": 1000 + i,
                 "unit": "pcs", "active": True, "sync_pos": 2} for i in range(parts)]
        for start in range(0, parts, 5000):
            db.session.execute(insert(Part), rows[start:start + 5000])
        db.session.execute(insert(KnowledgeArticle), [
            {"id": uuid.uuid4(), "title": f"Fault code E{i} on KFR-35GW",
             "body": "Check the indoor sensor and the wiring harness. " * 20,
             "language": "en" if i % 2 else "zh", "category": "air_conditioner",
             "models": ["KFR-35GW"], "tags": ["sensor"], "sync_pos": 2}
            for i in range(articles)])
        van = db.session.query(StockLocation).filter_by(technician_id=tech.id).one()
        db.session.execute(insert(StockLevel), [
            {"id": uuid.uuid4(), "location_id": van.id, "part_id": p["id"], "quantity": 3,
             "sync_pos": 2} for p in rows[:60]])
        token = token_for(tech.user)
        db.session.commit()
    return token


def first_sync(client, headers, limit, jobs_first=False):
    """Pull from cursor 0 to the head; returns server wall and CPU milliseconds, and the
    page bodies. On a shared machine the CPU time (this process's, which is the server's
    here) is the steadier figure: other people's work does not inflate it. ``jobs_first``:
    as the app does since protocol 3 (docs/sync-protocol.md §7d), the jobs page first."""
    from server.sync_api.service import PROTOCOL  # 2+: each row's id once (not in data)

    cursor, elapsed, cpu, bodies, jobs_upto = 0, 0.0, 0.0, [], 0
    while True:
        started, started_cpu = time.perf_counter(), time.process_time()
        query = {"protocol": PROTOCOL, "cursor": cursor, "limit": limit}
        if jobs_upto:
            query["jobs_upto"] = jobs_upto
        elif jobs_first and cursor == 0:
            query["jobs_first"] = "true"
        response = client.get("/api/v1/sync/pull", headers=headers, query_string=query)
        body = response.get_data()
        elapsed += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        assert response.status_code == 200, body[:300]
        bodies.append(body)
        data = json.loads(body)
        cursor = data["cursor"]
        jobs_upto = data.get("jobs_upto", jobs_upto if cursor < jobs_upto else 0)
        if not data["has_more"]:
            return elapsed * 1000, cpu * 1000, bodies


def shape(bodies) -> dict:
    pages = [json.loads(body) for body in bodies]
    return {"pages": len(pages), "changes": sum(len(p["changes"]) for p in pages),
            "bytes": sum(len(b) for b in bodies),
            "gzip6_kb": round(sum(len(gzip.compress(b, 6)) for b in bodies) / 1024, 1),
            "gzip9_kb": round(sum(len(gzip.compress(b, 9)) for b in bodies) / 1024, 1)}


def measure(scale: int) -> dict:
    app = make_app(f"first-sync-x{scale}")
    token = build(app, orders=30 * scale, parts=2000 * scale)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    figures = {"backend": backend(app), "scope": {"orders": 30 * scale,
                                                  "parts": 2000 * scale, "articles": 200}}
    from sync.pull import CACHE

    for limit in (500, 5000):
        first_sync(client, headers, limit)  # warm caches (compiled queries, schemas)
        # "cold": the catalogue is read, dumped and encoded (the first first sync after a
        # start or after the office changed a part, an article or a template); "warm": it
        # comes from sync.pull.CatalogueCache, as for every other phone until the next change.
        modes = ("cold", "warm", "warm_jobs_first") if limit == 500 else ("cold", "warm")
        for mode in modes:
            samples, cpu, bodies = [], [], None
            for _ in range(7):
                if mode == "cold":
                    CACHE.clear()
                ms, cpu_ms, bodies = first_sync(client, headers, limit,
                                                jobs_first=mode == "warm_jobs_first")
                samples.append(ms)
                cpu.append(cpu_ms)
            samples.sort()
            figures[f"page_limit_{limit}_{mode}"] = {
                **shape(bodies), "median_ms": round(samples[3], 1),
                "best_ms": round(samples[0], 1), "median_cpu_ms": round(sorted(cpu)[3], 1)}
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    figures["targets"] = {"server_ms": "<= 150" if scale == 1 else "<= 1000",
                          "gzip_kb": "<= 100" if scale == 1 else None}
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, choices=(1, 10), action="append")
    scales = parser.parse_args().scale or [1, 10]
    for scale in scales:
        figures = measure(scale)
        suffix = "" if scale == 1 else f"_x{scale}"
        report(f"sync_first_sync{suffix}_{figures['backend']}", figures)
