"""The demo shows a claim in each state and a shipped return, with levels equal to the
ledger."""

from sqlalchemy import select

from server.demo import seed
from server.extensions import db
from server.inventory import service as stock
from server.warranty.models import SupplierReturn, WarrantyClaim


def test_the_demo_has_a_claim_in_each_state_and_a_shipped_return(app):
    seed()
    states = sorted(db.session.scalars(select(WarrantyClaim.state)).all())
    assert states == ["accepted", "credited", "draft", "rejected", "submitted"]
    rma = db.session.scalar(select(SupplierReturn))
    assert rma.state == "shipped" and len(rma.lines) == 2
    assert all(line.shipped_movement_id for line in rma.lines)
    assert stock.check() == []
