"""The demo data gives the dashboard meaningful, varied numbers (not all 100 % or 0)."""

from datetime import UTC, datetime, timedelta

from server.demo import seed
from server.extensions import db
from server.kpis import service
from server.kpis.service import Filters, Period


def test_the_demo_data_gives_varied_kpis():
    seed()
    db.session.flush()
    today = datetime.now(UTC).date()
    k = service.summary(Period(today - timedelta(days=27), today + timedelta(days=1)), Filters())
    assert k["orders"]["requested"] > 30 and k["orders"]["cancelled"] > 0
    for rate in (k["first_time_fix"]["rate"], k["resolution"]["within_3wd_rate"],
                 k["satisfaction"]["good_rate"], k["followups"]["rate"],
                 k["utilisation"]["rate"]):
        assert rate is not None and 0 < rate < 1
    assert k["response"]["median_s"] < k["response"]["p90_s"]
    assert k["arrival"]["median_s"] < k["resolution"]["median_s"]
    assert k["complaints"]["count"] > 0 and k["cost"]["warranty_parts_cents"] > 0
    assert all(v["average"] for v in k["satisfaction"]["dimensions"].values())
