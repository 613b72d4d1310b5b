"""First full sync of a technician with 30 orders, 2,000 parts and 200 articles.

Targets (issue 3): ≤ 300 ms server time for the whole first sync, ≤ 400 KB gzipped on the
wire. Measured through the real WSGI app in-process (server time, no network).
"""

from __future__ import annotations

import gzip
import json
import time
import uuid

from _world import backend, make_app, report, technician_with_orders, token_for


def build(app):
    from sqlalchemy import insert

    from server.extensions import db
    from server.inventory.models import Part, StockLevel, StockLocation
    from server.knowledge.models import KnowledgeArticle

    with app.app_context():
        _, tech, _ = technician_with_orders(30)
        parts = [{"id": uuid.uuid4(), "sku": f"BENCH-{i:05d}", "name_en": f"Spare part {i}",
                  "name_zh": f"备件 {i}", "category": "air_conditioner",
                  "fits_models": ["KFR-35GW", "KFR-50LW"], "price_cents": 1000 + i,
                  "unit": "pcs", "active": True, "sync_pos": 2} for i in range(2000)]
        db.session.execute(insert(Part), parts)
        articles = [{"id": uuid.uuid4(), "title": f"Fault code E{i} on KFR-35GW",
                     "body": "Check the indoor sensor and the wiring harness. " * 20,
                     "language": "en" if i % 2 else "zh", "category": "air_conditioner",
                     "models": ["KFR-35GW"], "tags": ["sensor"], "sync_pos": 2}
                    for i in range(200)]
        db.session.execute(insert(KnowledgeArticle), articles)
        van = db.session.query(StockLocation).filter_by(technician_id=tech.id).one()
        db.session.execute(insert(StockLevel), [
            {"id": uuid.uuid4(), "location_id": van.id, "part_id": p["id"], "quantity": 3,
             "sync_pos": 2} for p in parts[:60]])
        token = token_for(tech.user)
        db.session.commit()
    return token


def first_sync(client, headers, limit):
    cursor, pages, raw, gz, changes = 0, 0, 0, 0, 0
    while True:
        response = client.get("/api/v1/sync/pull", headers=headers,
                              query_string={"protocol": 1, "cursor": cursor, "limit": limit})
        assert response.status_code == 200
        body = response.get_data()
        raw += len(body)
        gz += len(gzip.compress(body, 6))
        data = json.loads(body)
        changes += len(data["changes"])
        pages += 1
        cursor = data["cursor"]
        if not data["has_more"]:
            return {"pages": pages, "changes": changes, "bytes": raw, "gzip_bytes": gz}


if __name__ == "__main__":
    app = make_app("first-sync")
    token = build(app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    figures = {"backend": backend(app)}
    for limit in (500, 5000):
        first_sync(client, headers, limit)  # warm
        samples, shape = [], None
        for _ in range(7):
            started = time.perf_counter()
            shape = first_sync(client, headers, limit)
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        figures[f"page_limit_{limit}"] = {**shape, "median_ms": round(samples[3], 1),
                                          "best_ms": round(samples[0], 1),
                                          "gzip_kb": round(shape["gzip_bytes"] / 1024, 1)}
    figures["targets"] = {"server_ms": "<= 300", "gzip_kb": "<= 400"}
    report(f"sync_first_sync_{figures['backend']}", figures)
