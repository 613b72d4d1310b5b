"""What the returns pages cost with a busy month: the monthly analysis (read in Python
from the month's rows), the list's first page with a filter, and, as the reference
measured in the same run, counting the month's rows in SQL.

    .venv/bin/python bench/returns_bench.py [N]        # N requests in one month, default 5000
    DATABASE_URL=postgresql://… .venv/bin/python bench/returns_bench.py
"""

from __future__ import annotations

import sys
import uuid
from datetime import timedelta

from _world import backend, make_app, report, timed


def main(n: int) -> None:
    app = make_app("returns")
    with app.test_request_context():
        from sqlalchemy import func, insert, select

        from server.extensions import db
        from server.returns import service
        from server.returns.models import DECISIONS, REASONS, ReturnRequest
        from tests import factories

        office = factories.make_user("dispatcher")
        customer = factories.make_customer()
        asset = factories.make_asset(customer)
        now = service.utcnow()
        month = service.company_day(now).strftime("%Y-%m")
        start, end = service.month_bounds(month)
        span = (end - start) / n
        db.session.execute(insert(ReturnRequest.__table__), [
            {"id": uuid.uuid4(), "number": f"RX-B-{i:07d}", "customer_id": customer.id,
             "asset_id": asset.id, "channel": "console", "reason": REASONS[i % 4],
             "wish": "refund", "purchase_date": service.company_day(now),
             "model": f"MODEL-{i % 40}", "category": "air_conditioner",
             "state": "decided" if i % 3 else "requested",
             "window": None if i % 10 == 0 else "refund", "days_since_purchase": i % 30,
             "allowed": ["refund", "exchange", "repair"], "terms": {}, "goodwill": False,
             "decision": DECISIONS[i % 4] if i % 3 else None,
             "refund_cents": 10000 if i % 3 and DECISIONS[i % 4] == "refund" else None,
             "currency": "CNY", "created_by_id": office.id, "created_at": start + span * i,
             "decided_at": start + span * i + timedelta(days=2) if i % 3 else None}
            for i in range(n)])
        db.session.commit()
        reference = timed(lambda: db.session.scalar(select(func.count()).where(
            ReturnRequest.created_at >= start, ReturnRequest.created_at < end)), 5)
        analysis = timed(lambda: service.analysis(month), 3)
        listing = timed(lambda: service.requests(service.Filter(month=month, decision="refund",
                                                                model="MODEL-3"), 1, 50), 5)
        figures = {"backend": backend(app), "requests_in_month": n,
                   "analysis_ms": analysis, "list_first_page_ms": listing,
                   "reference_count_ms": reference}
    report("returns", figures)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
