"""Shared set-up for benchmarks: an app on a scratch database, bulk data, JSON output."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"


def make_app(name: str):
    """An app on a fresh database: DATABASE_URL if set (its schema is reset), else SQLite."""
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db

    url = os.environ.get("DATABASE_URL") or \
        f"sqlite:///{tempfile.mkdtemp(prefix=f'doorstep-bench-{name}-')}/bench.db"
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                      "BLOB_DIR": tempfile.mkdtemp(prefix="doorstep-bench-blobs-")})
    with app.app_context():
        from sqlalchemy import text

        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    return app


def backend(app) -> str:
    from server.extensions import db

    with app.app_context():
        return db.engine.dialect.name


def percentile(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def report(name: str, figures: dict) -> None:
    """Print the figures and write them to bench/results/<name>.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    figures = {"benchmark": name, "when": datetime.now(UTC).isoformat(), **figures}
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    print(json.dumps(figures, indent=2, ensure_ascii=False))


def timed(fn, repeat: int):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(samples), 2),
            "p95_ms": round(percentile(samples, 95), 2), "runs": repeat}


def technician_with_orders(n_orders: int, office=None):
    """A technician (with a van) and ``n_orders`` scheduled orders, through the services."""
    from tests import factories

    office = office or factories.make_user("dispatcher")
    tech = factories.make_technician()
    orders = []
    for _ in range(n_orders):
        order = factories.make_order(actor=office)
        factories.walk_to(order, "scheduled", office, tech)
        orders.append(order)
    return office, tech, orders


def bulk_orders(count: int, batch: int = 20000, first: int = 0) -> None:
    """Insert ``count`` closed work orders fast (Core), to grow the database."""
    from sqlalchemy import insert, select

    from server.customers.models import Address
    from server.extensions import db
    from server.workorders.models import WorkOrder

    address = db.session.execute(select(Address.id, Address.customer_id).limit(1)).one()
    created = datetime(2025, 1, 1, tzinfo=UTC)
    for start in range(0, count, batch):
        rows = [{"id": uuid.uuid4(), "number": f"BULK-{first + i:08d}", "channel": "phone",
                 "type": "repair", "status": "closed", "priority": "normal", "language": "en",
                 "customer_id": address.customer_id, "address_id": address.id,
                 "intake_answers": {}, "sla_state": "green", "labour_cents": 0,
                 "travel_cents": 0, "parts_cents": 0, "currency": "CNY",
                 "created_at": created + timedelta(minutes=i), "updated_at": created,
                 "version": 1, "sync_pos": 1}
                for i in range(start, min(count, start + batch))]
        db.session.execute(insert(WorkOrder), rows)
        db.session.commit()


def token_for(user) -> str:
    from server.accounts.service import issue_device_token

    _, token = issue_device_token(user, "bench phone", timedelta(days=1))
    return token
