"""The order page and the visit-record API for a long visit.

    .venv/bin/python bench/order_page_bench.py          (DATABASE_URL for PostgreSQL)

One order with a heavy visit, made through the services: 300 history events (field
changes), 60 notes, 40 part lines (every fourth a return), 30 photos, a signature and a
rating. Measures the server time of ``GET /orders/<id>`` (the console page, rendering
included) and of ``GET /api/v1/workorders/<id>/visit``, and counts the SQL statements each
runs. Prints the figures and writes bench/results/order_page.json.
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._world import backend, make_app, report, timed  # noqa: E402


def build(app):
    from server.extensions import db
    from server.feedback.models import Survey
    from server.inventory.models import Part
    from server.media.models import Photo, Signature
    from server.workorders import service as orders
    from server.workorders.models import PartUsage, WorkOrderNote
    from tests import factories

    with app.app_context():
        office = factories.make_user("dispatcher", name="Chen Jing")
        tech = factories.make_technician(name="李师傅")
        customer = factories.make_customer()
        order = factories.make_order(office, customer=customer,
                                     asset=factories.make_asset(customer))
        factories.walk_to(order, "on_site", office, tech)
        for i in range(300):
            orders.update_order(tech.user, order, {"diagnosis": f"Finding {i}"})
        now = datetime.now(UTC)
        parts = [Part(sku=f"B-{i:03d}", name_en=f"Part {i}", name_zh=f"配件{i}",
                      category="air_conditioner", price_cents=1000 + i) for i in range(10)]
        db.session.add_all(parts)
        db.session.flush()
        for i in range(60):
            db.session.add(WorkOrderNote(work_order_id=order.id, author_id=tech.user_id,
                                         body=f"Note {i}: checked the unit", device_time=now))
            orders.add_event(order, "note", tech.user, device_time=now,
                             data={"note_id": None})
        for i in range(40):
            part = parts[i % 10]
            db.session.add(PartUsage(work_order_id=order.id, part_id=part.id,
                                     quantity=-1 if i % 4 == 3 else 2,
                                     unit_price_cents=part.price_cents,
                                     technician_id=tech.id, device_time=now))
        for i in range(30):
            db.session.add(Photo(work_order_id=order.id, kind=("before", "after", "other")[i % 3],
                                 sha256=f"{i:064x}", status="ready", taken_at=now))
        db.session.add(Signature(work_order_id=order.id, signer_name="王秀英",
                                 image_sha256="f" * 64, content_hash="0" * 64,
                                 signed_at_device=now, latitude=31.2, longitude=121.4))
        db.session.add(Survey(work_order_id=order.id, rating=5, comment="好",
                              channel="device", submitted_at=now + timedelta(minutes=1)))
        db.session.commit()
        return order.id, office.email


def main():
    from sqlalchemy import event

    from server.extensions import db
    from tests import factories

    app = make_app("order-page")
    app.config["WTF_CSRF_ENABLED"] = False
    order_id, email = build(app)
    client = app.test_client()
    assert client.post("/login", data={"email": email,
                                       "password": factories.PASSWORD}).status_code == 302
    with app.app_context():
        from server.accounts.models import User
        from server.accounts.service import issue_device_token

        user = db.session.scalar(db.select(User).where(User.email == email))
        _, token = issue_device_token(user, "bench", timedelta(hours=1), None, None)
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}

    def page():
        response = client.get(f"/orders/{order_id}")
        assert response.status_code == 200, response.status_code

    def api():
        response = client.get(f"/api/v1/workorders/{order_id}/visit", headers=headers)
        assert response.status_code == 200, response.get_json()

    def statements(fn) -> int:
        count = [0]
        with app.app_context():
            engine = db.engine

        def counter(*_args, **_kwargs):
            count[0] += 1
        event.listen(engine, "before_cursor_execute", counter)
        try:
            fn()
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return count[0]

    page(), api()  # warm the templates and the catalogue
    report("order_page", {
        "database": backend(app),
        "visit": {"events": "≈330", "notes": 60, "part_lines": 40, "photos": 30},
        "order_page": {**timed(page, 30), "sql_statements": statements(page)},
        "visit_api": {**timed(api, 30), "sql_statements": statements(api)},
        "order": str(uuid.UUID(str(order_id))),
    })


if __name__ == "__main__":
    main()
