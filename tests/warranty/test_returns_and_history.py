"""Returns to suppliers take defective units out of stock through the ledger; one serial's
history gathers its orders, movements, claims and returns in time order."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.audit.models import AuditEvent
from server.errors import Conflict, Invalid
from server.extensions import db
from server.inventory import service as stock
from server.inventory.models import MovementKind, StockMovement
from server.warranty import service
from server.warranty.models import SupplierReturn


def _level(location, part):
    rows = [lv for lv, _, _ in stock.levels(location.id) if lv.part_id == part.id]
    return rows[0].quantity if rows else 0


def test_shipping_a_return_moves_the_units_out_through_the_ledger(warranty_job, dispatcher,
                                                                  warehouse):
    order, part, _ = warranty_job(serials=("F-1", "F-2"), quantity=2)
    awaiting = service.awaiting_return()
    assert sorted(m.serial for m in awaiting) == ["F-1", "F-2"]
    assert _level(warehouse, part) == 2
    before = db.session.scalars(select(StockMovement).order_by(StockMovement.id)).all()
    snapshot = [(m.id, m.quantity, m.reason, m.serial) for m in before]

    rma = service.create_return(dispatcher, "RMA-GREE-0001", "Gree", [m.id for m in awaiting])
    assert rma.state == "open" and [line.serial for line in rma.lines] == ["F-1", "F-2"]
    assert service.awaiting_return() == []
    assert _level(warehouse, part) == 2  # packed, not yet gone

    service.move_return(dispatcher, rma, "shipped")
    assert _level(warehouse, part) == 0
    out = db.session.scalars(select(StockMovement).where(
        StockMovement.reason == MovementKind.RETURN_TO_SUPPLIER)
        .order_by(StockMovement.serial)).all()
    assert [(m.serial, m.from_location_id, m.work_order_id) for m in out] == [
        ("F-1", warehouse.id, order.id), ("F-2", warehouse.id, order.id)]
    # No earlier ledger line was edited, and levels still equal the ledger.
    assert [(m.id, m.quantity, m.reason, m.serial) for m in before] == snapshot
    assert stock.check() == []

    service.move_return(dispatcher, rma, "received")
    with pytest.raises(Invalid) as refused:
        service.move_return(dispatcher, rma, "credited")
    assert "credited_cents" in refused.value.errors
    service.move_return(dispatcher, rma, "replaced",
                        replacement_serials={rma.lines[0].id: "NEW-F-1"})
    assert rma.lines[0].replacement_serial == "NEW-F-1" and rma.closed_at is not None
    actions = sorted(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_id == str(rma.id))).all())
    assert actions == ["supplier_return.created", "supplier_return.received",
                       "supplier_return.replaced", "supplier_return.shipped"]


def test_a_unit_goes_back_once_and_bad_input_stores_nothing(warranty_job, dispatcher):
    warranty_job(serials=("F-9",))
    unit = service.awaiting_return()[0]
    with pytest.raises(Invalid) as refused:
        service.create_return(dispatcher, " ", "Gree", [unit.id])
    assert "rma_number" in refused.value.errors
    with pytest.raises(Invalid) as refused:
        service.create_return(dispatcher, "RMA-1", "Gree", [])
    assert "movement_ids" in refused.value.errors
    service.create_return(dispatcher, "RMA-1", "Gree", [unit.id])
    with pytest.raises(Invalid) as refused:
        service.create_return(dispatcher, "RMA-2", "Gree", [unit.id])
    assert "movement_ids" in refused.value.errors
    with pytest.raises(Invalid) as refused:
        service.create_return(dispatcher, "RMA-1", "Gree", [unit.id])
    assert "rma_number" in refused.value.errors
    assert len(db.session.scalars(select(SupplierReturn)).all()) == 1


def test_a_unit_on_a_supplier_return_cannot_have_its_arrival_reversed(
        app, warranty_job, dispatcher, warehouse):
    _, part, _ = warranty_job(serials=("F-5", "F-6"), quantity=2)
    packed, loose = service.awaiting_return()
    service.create_return(dispatcher, "RMA-5", "Gree", [packed.id])
    with pytest.raises(Conflict) as refused:
        stock.reverse(packed.id, dispatcher.id, "entered twice")
    assert refused.value.code == "on_supplier_return"
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert "RMA-5" in str(refused.value.message)
    assert _level(warehouse, part) == 2
    # A unit on no return can still be corrected.
    stock.reverse(loose.id, dispatcher.id, "entered twice")
    assert _level(warehouse, part) == 1 and stock.check() == []
    assert service.awaiting_return() == []


def test_a_return_cannot_skip_a_step(warranty_job, dispatcher):
    warranty_job(serials=("F-3",))
    rma = service.create_return(dispatcher, "RMA-3", "Gree",
                                [m.id for m in service.awaiting_return()])
    with pytest.raises(Conflict):
        service.move_return(dispatcher, rma, "received")
    assert rma.state == "open"


def test_a_serial_s_history_in_time_order(warranty_job, dispatcher, warehouse):
    order, part, _ = warranty_job(serials=("COMP-42",))
    serial = order.asset.serial
    claim = service.create_claim(dispatcher, order.id)
    service.update_claim(dispatcher, claim, {"lines": [
        {"id": claim.lines[0].id, "replacement_serial": "COMP-43"}]})
    rma = service.create_return(dispatcher, "RMA-42", "Gree",
                                [m.id for m in service.awaiting_return()])
    service.move_return(dispatcher, rma, "shipped")

    appliance = service.history(serial)
    assert [e["kind"] for e in appliance] == ["order", "claim"]
    assert appliance[0]["number"] == order.number and appliance[1]["number"] == claim.number

    faulty = service.history("COMP-42")
    kinds = [(e["kind"], e["detail"]) for e in faulty]
    assert kinds == [("movement", "defective_return"), ("claim_part", "faulty"),
                     ("return", "shipped"), ("movement", "return_to_supplier")]
    assert [e["at"] for e in faulty] == sorted(e["at"] for e in faulty)
    assert service.history("COMP-43") == [
        {**service.history("COMP-43")[0], "kind": "claim_part", "detail": "replacement"}]
    with pytest.raises(Invalid) as refused:
        service.history("  ")
    assert "serial" in refused.value.errors
