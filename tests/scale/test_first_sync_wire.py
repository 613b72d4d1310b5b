"""The fast path of a first sync sends exactly what the wire schemas say: every replicated
row, read as a plain result row and dumped by a compiled schema, equals the schema's own
dump of the ORM object (demo data: Chinese and English, every kind of row a pull sends)."""

from __future__ import annotations

from sqlalchemy import select

from server.demo import seed
from server.extensions import db
from sync import pull


def test_every_feed_dumps_result_rows_exactly_as_its_schema_dumps_objects():
    seed()
    db.session.flush()
    _answer_a_checklist()
    _decide_a_quote_and_pay()
    seen = 0
    for feed in pull.FEEDS:
        objects = {obj.id: obj for obj in db.session.scalars(select(feed.model))}
        for row in db.session.execute(select(*pull._columns(feed))):
            item = pull._item(feed, row)
            assert item["data"] == feed.schema().dump(objects[row.id]), feed.type
            assert item["id"] == str(row.id) and item["pos"] == row.sync_pos
            seen += 1
        assert objects or feed.type in ("signature", "report", "photo", "time_log"), \
            f"the demo data has no {feed.type}: this test would prove nothing for it"
    assert seen > 500


def _answer_a_checklist():
    """The demo has checklist templates but no answers (they come from phones): one."""
    import uuid

    from server.checklists import service as checklists
    from server.workorders.models import WorkOrder

    order = db.session.scalars(select(WorkOrder).order_by(WorkOrder.number)).first()
    template = checklists.list_templates()[0]
    item = next(i for i in template.items if i["kind"] == "number")
    checklists.record_answer(order, uuid.uuid4(), template.id, template.version, item["key"],
                             "21.5")
    db.session.flush()


def _decide_a_quote_and_pay():
    """The demo has no quotes or payments (they come from phones): one of each."""
    import uuid

    from server.billing import service as billing
    from server.database import utcnow
    from server.workorders.models import WorkOrder

    order = next(o for o in db.session.scalars(select(WorkOrder).order_by(WorkOrder.number))
                 if billing.needs_quote(o) and o.status not in ("closed", "cancelled"))
    now = utcnow()
    billing.record_quote(order, uuid.uuid4(), [
        {"kind": "labour", "part_id": None, "quantity": 1, "unit_price_cents": 8000},
        {"kind": "travel", "part_id": None, "quantity": 1, "unit_price_cents": 3000}],
        "approved", billing.diagnostic_fee_cents(), "王秀英", "a" * 64, "b" * 64, now, None,
        now)
    billing.record_payment(order, uuid.uuid4(), "cash", 1000, None, now, None, now)
    db.session.flush()
