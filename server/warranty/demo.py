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
        done = order.completed_at or now
        day = done + min(timedelta(hours=2), (now - done) / 4)
        # The story takes up to eight days after the unit came back (claim, then three
        # moves); a job finished more recently gets the same steps squeezed before now.
        pace = max(0.0, min(1.0, (now - day) / timedelta(days=9)))
        usage = db.session.scalars(select(PartUsage).where(PartUsage.work_order_id == order.id)
                                   .order_by(PartUsage.created_at)).first()
        part = db.session.get(Part, usage.part_id)
        units.append(stock.record_movement(
            MovementKind.DEFECTIVE_RETURN, part, 1, admin.id, target=warehouse,
            work_order_id=order.id, serial=f"{part.sku}-F{n + 1:04d}", at=day))
        claim = service.create_claim(admin, order.id, now=day + timedelta(days=1) * pace)
        if claim.lines:
            claim.lines[0].replacement_serial = f"{part.sku}-R{n + 1:04d}"
        moved = day + timedelta(days=2) * pace
        for step in PATH[:PATH.index(state) + 1] if state in PATH else (
                ("submitted", state) if state == "rejected" else ()):
            service.move_claim(admin, claim, step,
                               reason=extra.get("reason") if step == "rejected" else None,
                               credited_cents=claim.total_cents if step == "credited" else None,
                               now=moved)
            moved += timedelta(days=3) * pace
    if len(units) >= 2:
        # Packed a day ago and shipped four hours later, unless a unit came back since:
        # then both steps fall between the last unit's arrival and now.
        arrived = max(u.created_at for u in units[:2])
        packed = max(now - timedelta(days=1), arrived + (now - arrived) / 3)
        shipped = max(now - timedelta(hours=20), arrived + (now - arrived) * 2 / 3)
        rma = service.create_return(admin, "RMA-DEMO-0001", "Gree", [u.id for u in units[:2]],
                                    now=packed)
        service.move_return(admin, rma, "shipped", now=shipped)
