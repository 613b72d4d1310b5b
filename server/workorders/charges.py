"""What the customer pays for an order: the one function every place that shows money uses.

``order_charges(order)`` computes the charges from the order's part lines (read from the
database, never from a possibly stale loaded collection) and its labour and travel. The
order's stored ``parts_cents`` (the API, the console, the phone's pull), the signed content
(and so the PDF) all come from it, so ``use_part`` 2 then ``return_part`` 1 reads 1 × price
everywhere.

The rules are the signed-content contract's (docs/signed-content.md), shared with the
phone (pwa/js/fold.js ``partTotals``/``charges``):

* part lines are summed per part (a return is a negative line); a part whose lines sum to
  zero is left out; its unit price is the one recorded on its lines (the catalogue price
  when it was used) — if they differ, the highest;
* in warranty nothing is charged: parts, labour, travel and total are all 0;
* otherwise total = parts + the order's labour + the order's travel. All integers in
  minor units of ``currency``;
* a rework (``is_rework``: a return visit for the same appliance within
  ``REPEAT_WINDOW_DAYS`` of the first visit's completion) charges no labour and no travel:
  the same problem is not billed twice (seed 003). Parts are charged as usual.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..inventory.models import Part
from .models import PartUsage, WorkOrder
from ..settings.service import get as setting


@dataclass(frozen=True)
class PartCharge:
    """One part on the order: its lines summed."""

    part_id: uuid.UUID
    sku: str
    name_en: str
    name_zh: str
    quantity: int
    unit_price_cents: int
    total_cents: int

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh" else self.name_en


@dataclass(frozen=True)
class Charges:
    """An order's charges. ``parts`` lists every part with a non-zero quantity, by sku,
    with its own amount even in warranty (the report still lists what was fitted)."""

    in_warranty: bool
    parts: tuple[PartCharge, ...]
    parts_cents: int
    labour_cents: int
    travel_cents: int
    total_cents: int
    currency: str

    def as_content(self) -> dict:
        """The ``charges`` object of the signed content."""
        return {"in_warranty": self.in_warranty, "parts_cents": self.parts_cents,
                "labour_cents": self.labour_cents, "travel_cents": self.travel_cents,
                "total_cents": self.total_cents, "currency": self.currency}


def part_lines(order: WorkOrder) -> list[PartUsage]:
    """The order's part lines as the database has them now (pending ones flushed first)."""
    if order.id is None:
        return []
    return list(db.session.scalars(
        select(PartUsage).where(PartUsage.work_order_id == order.id)
        .options(selectinload(PartUsage.part)).order_by(PartUsage.created_at, PartUsage.id)))


def sum_parts(lines) -> tuple[PartCharge, ...]:
    """Lines summed per part, zero sums left out, sorted by sku (the contract's rules)."""
    quantity: dict = defaultdict(int)
    price: dict = {}
    parts: dict[uuid.UUID, Part] = {}
    for line in lines:
        quantity[line.part_id] += line.quantity
        price[line.part_id] = max(price.get(line.part_id, line.unit_price_cents),
                                  line.unit_price_cents)
        parts[line.part_id] = line.part
    entries = [PartCharge(part_id=part_id, sku=parts[part_id].sku,
                          name_en=parts[part_id].name_en, name_zh=parts[part_id].name_zh,
                          quantity=count, unit_price_cents=price[part_id],
                          total_cents=count * price[part_id])
               for part_id, count in quantity.items() if count != 0]
    return tuple(sorted(entries, key=lambda entry: entry.sku))


def order_charges(order: WorkOrder) -> Charges:
    """The order's charges from its part lines, labour and travel (see the module rules)."""
    parts = sum_parts(part_lines(order))
    currency = order.currency or setting("DOORSTEP_CURRENCY")
    if order.in_warranty:
        return Charges(True, parts, 0, 0, 0, 0, currency)
    parts_cents = sum(entry.total_cents for entry in parts)
    labour, travel = order.labour_cents or 0, order.travel_cents or 0
    return Charges(False, parts, parts_cents, labour, travel,
                   parts_cents + labour + travel, currency)


def is_rework(order: WorkOrder) -> bool:
    """Whether the order repeats a repair of the same appliance finished within
    ``REPEAT_WINDOW_DAYS`` before it was requested."""
    if order.repeat_of_id is None:
        return False
    first = db.session.get(WorkOrder, order.repeat_of_id)
    finished = first.completed_at or first.closed_at if first is not None else None
    if finished is None or order.created_at is None:
        return False
    if first.asset_id is not None and order.asset_id not in (None, first.asset_id):
        return False
    window = timedelta(days=current_app.config["REPEAT_WINDOW_DAYS"])
    return order.created_at - finished <= window


def apply_charges(order: WorkOrder) -> Charges:
    """Store the order's charges on it: parts from its lines, labour and travel from the
    tariff unless the office set them, all zero in warranty, labour and travel zero for a
    rework. Returns the charges."""
    config = current_app.config
    if order.in_warranty:
        order.labour_cents = order.travel_cents = 0
    elif is_rework(order):
        order.labour_cents = order.travel_cents = 0
    else:
        order.labour_cents = order.labour_cents or config["LABOUR_CENTS"].get(order.type, 0)
        order.travel_cents = order.travel_cents or config["TRAVEL_CENTS"]
    charges = order_charges(order)
    order.parts_cents = charges.parts_cents
    return charges
