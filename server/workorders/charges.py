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
  the same problem is not billed twice (seed 003). Parts are charged as usual;
* the office's waiver or discount (``discount_kind``/``discount_value``, set only before the
  customer signs, workorders.discounts) comes off the sum: an amount at most the sum, a
  percentage rounded down to the minor unit; the total never goes below zero. In warranty
  there is nothing to discount.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import inspect, select
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
    discount_cents: int = 0
    discount_reason: str | None = None

    def as_content(self, version: int = 1) -> dict:
        """The ``charges`` object of the signed content (version 2 adds the discount)."""
        content = {"in_warranty": self.in_warranty, "parts_cents": self.parts_cents,
                   "labour_cents": self.labour_cents, "travel_cents": self.travel_cents,
                   "total_cents": self.total_cents, "currency": self.currency}
        if version >= 2:
            content["discount_cents"] = self.discount_cents
            content["discount_reason"] = self.discount_reason
        return content


def part_lines(order: WorkOrder) -> list[PartUsage]:
    """The order's part lines as the database has them now (pending ones flushed first)."""
    if order.id is None:
        return []
    return list(db.session.scalars(
        select(PartUsage).where(PartUsage.work_order_id == order.id)
        .options(selectinload(PartUsage.part)).order_by(PartUsage.created_at, PartUsage.id)))


def part_lines_of(orders) -> dict:
    """``part_lines`` of several orders in one query (pending lines flushed first): order id
    → its lines, in the same order ``part_lines`` gives them; an order without lines maps
    to an empty list."""
    ids = sorted({order.id for order in orders if order.id is not None}, key=str)
    found: dict = {order_id: [] for order_id in ids}
    for start in range(0, len(ids), 500):
        for line in db.session.scalars(
                select(PartUsage).where(PartUsage.work_order_id.in_(ids[start:start + 500]))
                .options(selectinload(PartUsage.part))
                .order_by(PartUsage.created_at, PartUsage.id)):
            found[line.work_order_id].append(line)
    return found


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


def order_charges(order: WorkOrder, lines: list[PartUsage] | None = None) -> Charges:
    """The order's charges from its part lines, labour and travel (see the module rules).
    ``lines``: its part lines when the caller has just read them (``part_lines_of``)."""
    parts = sum_parts(part_lines(order) if lines is None else lines)
    currency = order.currency or setting("DOORSTEP_CURRENCY")
    if order.in_warranty:
        return Charges(True, parts, 0, 0, 0, 0, currency)
    parts_cents = sum(entry.total_cents for entry in parts)
    labour, travel = order.labour_cents or 0, order.travel_cents or 0
    gross = parts_cents + labour + travel
    discount = discount_of(order.discount_kind, order.discount_value, gross)
    return Charges(False, parts, parts_cents, labour, travel, gross - discount, currency,
                   discount, order.discount_reason if order.discount_kind else None)


def discount_of(kind: str | None, value: int | None, gross: int) -> int:
    """What a discount takes off ``gross``: an amount at most ``gross``; a percentage
    rounded down to the minor unit (the customer never pays a fraction)."""
    if not kind or not value or gross <= 0:
        return 0
    if kind == "percent":
        return gross * min(value, 100) // 100
    return min(value, gross)


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


# Areas that fix an order's labour and travel (billing: an agreed or declined quote) add a
# function here: ``rule(order) → (labour_cents, travel_cents) | None``. ``workorders``
# imports no area; the first rule with an answer wins over the tariff.
LABOUR_TRAVEL_RULES: list = []


def apply_charges(order: WorkOrder, lines: list[PartUsage] | None = None) -> Charges:
    """Store the order's charges on it: parts from its lines, labour and travel from the
    tariff unless the office set them (or a ``LABOUR_TRAVEL_RULES`` rule fixes them), all
    zero in warranty, labour and travel zero for a rework. Returns the charges.
    ``lines``: the order's part lines as just read (``part_lines_of``), else read here."""
    config = current_app.config
    fixed = None if order.in_warranty or order.id is None else next(
        (answer for answer in (rule(order) for rule in LABOUR_TRAVEL_RULES)
         if answer is not None), None)
    if fixed is not None:
        labour, travel = fixed
    elif order.in_warranty or is_rework(order):
        labour = travel = 0
    else:
        labour = order.labour_cents or config["LABOUR_CENTS"].get(order.type, 0)
        travel = order.travel_cents or config["TRAVEL_CENTS"]
    # A stored order is only touched where a charge changed: setting a value it already
    # holds would still make the session flush it (and run every flush hook) for nothing.
    stored = inspect(order).persistent
    _store(order, stored, labour_cents=labour, travel_cents=travel)
    charges = order_charges(order, lines)
    _store(order, stored, parts_cents=charges.parts_cents)
    return charges


def _store(order: WorkOrder, stored: bool, **values) -> None:
    for name, value in values.items():
        if not stored or getattr(order, name) != value:
            setattr(order, name, value)
