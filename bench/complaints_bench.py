"""What the SLA sweep's complaint escalation costs with many complaints open, and the
complaints queue and analysis page's queries.

    .venv/bin/python bench/complaints_bench.py [N]        # N open complaints, default 2000
    DATABASE_URL=postgresql://… .venv/bin/python bench/complaints_bench.py
"""

from __future__ import annotations

import sys
import uuid
from datetime import timedelta

from _world import backend, make_app, report, timed


def main(n: int) -> None:
    app = make_app("complaints")
    with app.app_context():
        from sqlalchemy import insert

        from server.complaints import service
        from server.database import utcnow
        from server.extensions import db
        from server.feedback.models import Complaint
        from tests import factories

        owner = factories.make_user("dispatcher")
        order = factories.make_order(owner, status="closed")
        now = utcnow()
        db.session.execute(insert(Complaint.__table__), [
            {"id": uuid.uuid4(), "customer_id": order.customer_id, "work_order_id": order.id,
             "channel": "console", "description": f"complaint {i}", "status": "open",
             "grade": "green", "owner_id": owner.id, "escalation_level": 0,
             "created_at": now - timedelta(hours=i % 200),
             "respond_by": now + timedelta(hours=1), "verify_by": now + timedelta(days=2),
             "resolve_by": now + timedelta(days=1)} for i in range(n)])
        db.session.commit()
        quiet = timed(lambda: service.escalate_overdue(now), 5)
        db.session.rollback()
        queue = timed(lambda: service.queue(now), 5)
        analysis = timed(lambda: service.analysis(now - timedelta(days=30)), 3)
        figures = {"backend": backend(app), "open_complaints": n,
                   "sweep_nothing_due_ms": quiet, "queue_ms": queue, "analysis_ms": analysis}
    report("complaints", figures)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
