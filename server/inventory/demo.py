"""Demo van stock (called from ``server.demo.seed`` in one line): a min/max template for
air-conditioner vans, applied; a parts request from a job waiting for parts; a delivery on
its way to a van; a part reserved at the warehouse for a booked job."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from ..workorders.models import WorkOrder
from . import fieldstock, service
from .models import LocationKind, Part, PartRequest, StockLocation

# A fixed namespace: the demo's request ids are the same on every run.
_IDS = uuid.UUID("5d0c2a52-7b0e-4c1f-9a53-0f0d1e2a3b4c")


def seed(admin: User | None, now: datetime) -> None:
    warehouse = db.session.scalar(select(StockLocation).where(
        StockLocation.kind == LocationKind.WAREHOUSE).order_by(StockLocation.name))
    parts = list(db.session.scalars(select(Part).where(
        Part.category == "air_conditioner", Part.active.is_(True)).order_by(Part.sku)))
    if warehouse is None or len(parts) < 3:
        return
    template = fieldstock.save_template("空调车辆 / Air-conditioner vans", None,
                                        "air_conditioner", [
        {"part_id": part.id, "min_quantity": 2, "max_quantity": 5} for part in parts[:3]])
    fieldstock.apply_template(template)

    waiting = db.session.scalars(select(WorkOrder).where(
        WorkOrder.status == "awaiting_parts", WorkOrder.assignee_id.is_not(None))
        .order_by(WorkOrder.number)).first()
    if waiting is not None:
        db.session.add(PartRequest(
            id=uuid.uuid5(_IDS, waiting.number), work_order_id=waiting.id,
            part_id=parts[3 % len(parts)].id, quantity=1, technician_id=waiting.assignee_id,
            note="压缩机启动电容鼓包 / start capacitor bulging",
            device_time=now - timedelta(hours=3), created_at=now - timedelta(hours=3),
            updated_at=now - timedelta(hours=3)))
    actor = admin.id if admin else None
    vans = list(db.session.scalars(select(StockLocation).where(
        StockLocation.kind == LocationKind.VAN).order_by(StockLocation.name)))
    available = {level.part_id: level.quantity for level, _part, _loc
                 in service.levels(warehouse.id)}
    if vans and available.get(parts[0].id, 0) >= 2:
        fieldstock.send_to_van(actor, warehouse, vans[0], parts[0], 2)
    booked = db.session.scalars(select(WorkOrder).where(
        WorkOrder.status == "scheduled").order_by(WorkOrder.number)).first()
    if booked is not None and available.get(parts[1].id, 0) >= 1:
        fieldstock.reserve(actor, warehouse, parts[1], booked, 1)
    db.session.flush()


def seed_purchases(admin: User | None, now: datetime) -> None:
    """Demo purchases (called from ``server.demo.seed`` in one line): one received from a
    supplier into the warehouse, one ordered and expected in three days, one draft."""
    from . import purchases

    warehouse = db.session.scalar(select(StockLocation).where(
        StockLocation.kind == LocationKind.WAREHOUSE).order_by(StockLocation.name))
    parts = list(db.session.scalars(select(Part).where(Part.active.is_(True))
                                    .order_by(Part.sku).limit(4)))
    if warehouse is None or len(parts) < 4:
        return
    today = now.date()
    received = purchases.create(admin, "格力售后配件 / Gree service parts", warehouse,
                                today - timedelta(days=2),
                                [{"part_id": parts[0].id, "quantity": 10,
                                  "unit_cost_cents": 1800}], order_now=True)
    purchases.receive(admin, received.id, [{"part_id": parts[0].id, "quantity": 10}])
    purchases.create(admin, "美的配件中心 / Midea parts centre", warehouse,
                     today + timedelta(days=3),
                     [{"part_id": parts[1].id, "quantity": 6, "unit_cost_cents": 2500},
                      {"part_id": parts[2].id, "quantity": 4, "unit_cost_cents": None}],
                     order_now=True)
    purchases.create(admin, "海尔配件 / Haier parts", warehouse, None,
                     [{"part_id": parts[3].id, "quantity": 5}],
                     note="补充低库存 / low stock top-up")
    db.session.flush()
