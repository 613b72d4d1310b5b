"""The warranty part of the demo: faulty units brought back from finished in-warranty jobs,
one claim in each state, and one return to the supplier, shipped."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select

from ..extensions import db
from ..inventory import service as stock
from ..inventory.models import MovementKind, Part, StockLocation
from ..workorders.models import PartUsage, WorkOrder
from . import service

STORY = (("draft", {}), ("submitted", {}), ("accepted", {}),
         ("rejected", {"reason": "Damage from a power surge is not covered."}),
         ("credited", {}))
PATH = ("submitted", "accepted", "credited")


def seed(admin, warehouse: StockLocation | None, now: datetime) -> None:
    """Claims on the newest finished in-warranty jobs that used parts (one per state), the
    faulty units received at the warehouse, and an RMA of two of them."""
    if warehouse is None:
        return
    jobs = list(db.session.scalars(
        select(WorkOrder).where(WorkOrder.in_warranty.is_(True),
                                WorkOrder.status.in_(service.DONE),
                                exists().where(PartUsage.work_order_id == WorkOrder.id))
        .order_by(WorkOrder.number.desc()).limit(len(STORY))))
    units = []
    for n, (order, (state, extra)) in enumerate(zip(jobs, STORY, strict=False)):
        day = (order.completed_at or now) + timedelta(hours=2)
        usage = db.session.scalars(select(PartUsage).where(PartUsage.work_order_id == order.id)
                                   .order_by(PartUsage.created_at)).first()
        part = db.session.get(Part, usage.part_id)
        units.append(stock.record_movement(
            MovementKind.DEFECTIVE_RETURN, part, 1, admin.id, target=warehouse,
            work_order_id=order.id, serial=f"{part.sku}-F{n + 1:04d}", at=day))
        claim = service.create_claim(admin, order.id, now=day + timedelta(days=1))
        if claim.lines:
            claim.lines[0].replacement_serial = f"{part.sku}-R{n + 1:04d}"
        moved = day + timedelta(days=2)
        for step in PATH[:PATH.index(state) + 1] if state in PATH else (
                ("submitted", state) if state == "rejected" else ()):
            service.move_claim(admin, claim, step,
                               reason=extra.get("reason") if step == "rejected" else None,
                               credited_cents=claim.total_cents if step == "credited" else None,
                               now=moved)
            moved += timedelta(days=3)
    if len(units) >= 2:
        rma = service.create_return(admin, "RMA-DEMO-0001", "Gree", [u.id for u in units[:2]],
                                    now=now - timedelta(days=1))
        service.move_return(admin, rma, "shipped", now=now - timedelta(hours=20))
