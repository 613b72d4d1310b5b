"""The demo shows a return request in each state and each decision, with its photos."""

from sqlalchemy import select

from server.demo import seed
from server.extensions import db
from server.returns.models import STATES, ReturnRequest


def test_the_demo_has_a_return_request_in_each_state_and_each_decision(app):
    seed()
    rows = db.session.scalars(select(ReturnRequest).order_by(ReturnRequest.number)).all()
    assert sorted({r.state for r in rows}) == sorted(STATES)
    assert sorted(r.decision for r in rows if r.decision) == ["exchange", "refund", "repair"]
    assert all(any(p.kind == "proof" for p in r.photos) for r in rows)
    exchanged = next(r for r in rows if r.decision == "exchange")
    assert exchanged.replacement.serial.startswith("RX-DEMO-NEW-")
    on_site = next(r for r in rows if r.state == "inspecting")
    assert on_site.inspection_order.type == "return_exchange"
