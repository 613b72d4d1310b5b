"""Sync engine speed: push throughput, and pull latency as the database grows.

Targets (issue 3): ≥ 3,000 mutations/s applied in batches of 100 on SQLite in one process;
100 changes pulled in ≤ 20 ms median, and pull time with 1,000,000 work orders ≤ 1.5× the
time with 10,000. Run with DATABASE_URL=postgresql://… for the PostgreSQL figures.
BENCH_BIG (default 1,000,000) sets the large database size.
"""

from __future__ import annotations

import os
import time
import uuid

from _world import backend, bulk_orders, make_app, report, technician_with_orders, timed, token_for


def push_throughput(app, total=5000, batch=100):
    from server.extensions import db

    with app.app_context():
        _, tech, orders = technician_with_orders(5)
        token = token_for(tech.user)
        order_ids = [str(o.id) for o in orders]
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    now = "2026-11-23T09:00:00+08:00"
    batches = []
    next_id = 1
    for _ in range(total // batch):
        mutations = []
        for _ in range(batch):
            kind = next_id % 4
            order_id = order_ids[next_id % len(order_ids)]
            if kind == 3:
                mutation = {"name": "set_fields", "version": 1, "args": {
                    "order_id": order_id, "fields": {"diagnosis": f"step {next_id}"},
                    "device_time": now}}
            else:
                mutation = {"name": "add_note", "version": 1, "args": {
                    "order_id": order_id, "note_id": str(uuid.uuid4()),
                    "body": f"note {next_id}", "device_time": now}}
            mutations.append({"id": next_id, **mutation})
            next_id += 1
        batches.append(mutations)
    started = time.perf_counter()
    for mutations in batches:
        response = client.post("/api/v1/sync/push", headers=headers,
                               json={"protocol": 1, "mutations": mutations})
        assert response.status_code == 200, response.get_json()
        assert all(r["status"] == "applied" for r in response.get_json()["results"])
    elapsed = time.perf_counter() - started
    return {"mutations": total, "batch": batch, "seconds": round(elapsed, 2),
            "mutations_per_s": round(total / elapsed)}


def pull_latency(app, big: int):
    """Median time to pull a page of 100 changes, at 10k and at ``big`` work orders."""
    from server.extensions import db
    from server.workorders import service as orders_service

    figures = {}
    with app.app_context():
        office, tech, orders = technician_with_orders(30)
        token = token_for(tech.user)
        db.session.commit()
        office_id, order_ids = office.id, [o.id for o in orders]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def one_pull(cursor):
        response = client.get("/api/v1/sync/pull", headers=headers,
                              query_string={"protocol": 1, "cursor": cursor, "limit": 100})
        body = response.get_json()
        assert response.status_code == 200
        return body

    def hundred_changes_after_cursor(size):
        """Make 100 changes in 100 transactions and return the cursor before them."""
        with app.app_context():
            head = one_pull(0)
            cursor = head["cursor"]
            while head["has_more"]:
                head = one_pull(head["cursor"])
                cursor = head["cursor"]
            from server.accounts.models import User
            from server.workorders.models import WorkOrder

            from server.workorders.models import WorkOrderNote

            # 100 distinct changed rows, each in its own transaction: 30 orders, 70 notes.
            for i in range(100):
                order = db.session.get(WorkOrder, order_ids[i % len(order_ids)])
                if i < len(order_ids):
                    orders_service.update_order(db.session.get(User, office_id), order,
                                                {"customer_notes": f"n{i} at {size}"})
                else:
                    db.session.add(WorkOrderNote(work_order_id=order.id, body=f"note {i}"))
                db.session.commit()
            return cursor

    for size in (10_000, big):
        with app.app_context():
            from sqlalchemy import func, select

            from server.workorders.models import WorkOrder

            have = db.session.scalar(select(func.count()).select_from(WorkOrder))
            if have < size:
                started = time.perf_counter()
                bulk_orders(size - have, first=have)
                print(f"  grew the database to {size:,} work orders "
                      f"in {time.perf_counter() - started:.0f} s", flush=True)
        cursor = hundred_changes_after_cursor(size)
        sample = one_pull(cursor)
        assert len(sample["changes"]) == 100, len(sample["changes"])
        figures[f"orders_{size}"] = {**timed(lambda c=cursor: one_pull(c), 50),
                                     "changes_in_page": len(sample["changes"])}
    small, large = figures["orders_10000"], figures[f"orders_{big}"]
    figures["ratio_large_to_small"] = round(large["median_ms"] / small["median_ms"], 2)
    return figures


if __name__ == "__main__":
    big = int(os.environ.get("BENCH_BIG", "1000000"))
    app = make_app("push")
    figures = {"backend": backend(app), "push": push_throughput(app)}
    print("push:", figures["push"], flush=True)
    figures["pull"] = pull_latency(make_app("pull"), big)
    figures["targets"] = {"push_mutations_per_s": ">= 3000 (SQLite)",
                          "pull_100_changes_median_ms": "<= 20",
                          "ratio_large_to_small": "<= 1.5"}
    report(f"sync_push_pull_{figures['backend']}", figures)
