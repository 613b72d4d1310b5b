"""Warranty claims, returns to suppliers (RMA) and one serial's history: the rules.

* **A claim is made from a finished job done in warranty**, one per order, in one click:
  the supplier is the appliance's brand, the parts are the order's part lines summed per
  part (returns subtracted) at the price used on the job, one line per removed unit when
  the ledger has its defective return (its serial is the line's faulty serial), labour and
  travel at the tariff the customer was not charged. A draft may be edited; from
  ``submitted`` on, only its state moves: draft → submitted → accepted | rejected (a reason
  is required) → credited (an amount, at most what was claimed).
* **A return to a supplier** gathers defective units the ledger received from jobs (its
  ``defective_return`` lines), each unit in one return only. Shipping it writes one
  ``return_to_supplier`` ledger line per unit out of the location the unit came into, so
  the defective stock leaves through the ledger; a movement is never edited. Then
  received by the supplier → credited (an amount) or replaced (the new units' serials).
* **Every state change is audited** (``audit_events``: who, when, from, to).
* **A serial's history** lists every order, ledger line, claim and return it appears in,
  oldest first.

Functions flush, never commit; bad input raises Invalid naming the field before anything
is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from ..assets.models import Asset
from ..audit import service as audit
from ..database import utcnow
from ..errors import Conflict, Invalid, NotFound, checked_text
from ..extensions import db
from ..inventory import service as stock
from ..inventory.models import MovementKind, Part, StockLocation, StockMovement
from ..workorders import charges
from ..workorders.models import WorkOrder
from ..workorders.service import next_number
from .models import (
    CLAIM_MOVES,
    CLAIM_STATES,
    RETURN_MOVES,
    RETURN_STATES,
    SupplierReturn,
    SupplierReturnLine,
    WarrantyClaim,
    WarrantyClaimLine,
)

DONE = ("completed", "signed", "closed")
MAX_SERIAL = 80


def _amount(value, field: str, required: bool = True) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid(_l("An amount is a whole number of minor units, zero or more."),
                      {field: [_l("must be a whole number, zero or more")]})
    return value


# --- claims -----------------------------------------------------------------------------

def get_claim(claim_id: uuid.UUID) -> WarrantyClaim:
    claim = db.session.get(WarrantyClaim, claim_id)
    if claim is None:
        raise NotFound(_l("No such warranty claim."))
    return claim


def claim_of(order_id: uuid.UUID) -> WarrantyClaim | None:
    return db.session.scalar(select(WarrantyClaim).where(WarrantyClaim.work_order_id == order_id))


def claimable(order: WorkOrder) -> bool:
    """A finished job done in warranty."""
    return bool(order.in_warranty) and order.status in DONE


def create_claim(actor, work_order_id: uuid.UUID, now: datetime | None = None) -> WarrantyClaim:
    """A draft claim for the order, prefilled from the visit (see the module's rules).

    Raises Invalid naming ``work_order_id`` for an unknown order, one not in warranty or not
    finished; Conflict (``claim_exists``) when the order already has a claim.
    """
    now = now or utcnow()
    order = db.session.get(WorkOrder, work_order_id)
    if order is None:
        raise Invalid(_l("No such order."), {"work_order_id": [_l("No such order.")]})
    if not order.in_warranty:
        raise Invalid(_l("Only a job done in warranty can be claimed."),
                      {"work_order_id": [_l("was not done in warranty")]})
    if order.status not in DONE:
        raise Invalid(_l("The job is not finished yet."),
                      {"work_order_id": [_l("is not finished")]})
    if claim_of(order.id) is not None:
        raise Conflict(_l("This order already has a warranty claim."),
                       {"work_order_id": [_l("already has a claim")]}, code="claim_exists")
    asset = db.session.get(Asset, order.asset_id) if order.asset_id else None
    config = current_app.config
    claim = WarrantyClaim(
        number=next_number("WC", now.year), work_order_id=order.id,
        supplier=(asset.brand if asset else None) or "—", state="draft",
        asset_serial=asset.serial if asset else None, asset_model=asset.model if asset else None,
        fault=order.diagnosis or order.description,
        labour_cents=config["LABOUR_CENTS"].get(order.type, 0),
        travel_cents=config["TRAVEL_CENTS"], currency=order.currency,
        created_by_id=getattr(actor, "id", None), created_at=now)
    db.session.add(claim)
    defective: dict = {}
    for part_id, serial in db.session.execute(
            select(StockMovement.part_id, StockMovement.serial)
            .where(StockMovement.work_order_id == order.id,
                   StockMovement.reason == MovementKind.DEFECTIVE_RETURN)
            .order_by(StockMovement.created_at, StockMovement.id)):
        defective.setdefault(part_id, []).append(serial)
    position = 0
    for entry in charges.sum_parts(charges.part_lines(order)):
        if entry.quantity <= 0:
            continue
        serials = defective.get(entry.part_id, [])[:entry.quantity]
        for serial in serials:
            claim.lines.append(WarrantyClaimLine(
                position=position, part_id=entry.part_id, quantity=1,
                unit_price_cents=entry.unit_price_cents, faulty_serial=serial))
            position += 1
        if entry.quantity > len(serials):
            claim.lines.append(WarrantyClaimLine(
                position=position, part_id=entry.part_id,
                quantity=entry.quantity - len(serials),
                unit_price_cents=entry.unit_price_cents))
            position += 1
    db.session.flush()
    audit.record("warranty_claim.created", actor, claim, number=claim.number,
                 work_order=order.number)
    return claim


def update_claim(actor, claim: WarrantyClaim, changes: dict) -> WarrantyClaim:
    """Edit a draft: supplier, fault, labour, travel, and each line's serials
    (``lines``: ``[{id, faulty_serial, replacement_serial}]``). All checked first, then
    written; Conflict once the claim left draft."""
    if claim.state != "draft":
        raise Conflict(_l("Only a draft claim can be edited."),
                       {"state": [_l("is not draft")]}, code="not_draft")
    values: dict = {}
    if "supplier" in changes:
        values["supplier"] = checked_text(changes["supplier"], "supplier", required=True, limit=120)
    if "fault" in changes:
        values["fault"] = checked_text(changes["fault"], "fault")
    for field in ("labour_cents", "travel_cents"):
        if field in changes:
            values[field] = _amount(changes[field], field)
    by_id = {line.id: line for line in claim.lines}
    line_values = []
    for n, line in enumerate(changes.get("lines") or []):
        target = by_id.get(line.get("id"))
        if target is None:
            raise Invalid(_l("No such line on this claim."),
                          {"lines": {n: {"id": [_l("not a line of this claim")]}}})
        entry = {}
        for field in ("faulty_serial", "replacement_serial"):
            if field in line:
                try:
                    entry[field] = checked_text(line[field], field, limit=MAX_SERIAL)
                except Invalid as problem:
                    raise Invalid(problem.message, {"lines": {n: problem.errors}}) from None
        line_values.append((target, entry))
    for field, value in values.items():
        setattr(claim, field, value)
    for target, entry in line_values:
        for field, value in entry.items():
            setattr(target, field, value)
    db.session.flush()
    audit.record("warranty_claim.edited", actor, claim, fields=sorted(
        list(values) + (["lines"] if line_values else [])))
    return claim


def move_claim(actor, claim: WarrantyClaim, to: str, reason: str | None = None,
               credited_cents: int | None = None, now: datetime | None = None
               ) -> WarrantyClaim:
    """Move the claim along draft → submitted → accepted | rejected → credited.

    Raises Invalid naming ``state`` for an unknown state, ``reason`` for a rejection
    without one, ``credited_cents`` for a credit without an amount or above the claim;
    Conflict (``bad_transition``) for a move the state does not allow.
    """
    now = now or utcnow()
    if to not in CLAIM_STATES:
        raise Invalid(_l("Must be one of: %(choices)s.", choices=", ".join(CLAIM_STATES)),
                      {"state": [_l("unknown state")]})
    if to not in CLAIM_MOVES[claim.state]:
        raise Conflict(_l("A claim that is %(state)s cannot become %(to)s.",
                          state=_l(claim.state), to=_l(to)),
                       {"state": [_l("not allowed from here")]}, code="bad_transition")
    reason = checked_text(reason, "reason")
    if to == "rejected" and not reason:
        raise Invalid(_l("Say why the claim was rejected."), {"reason": [_l("Required.")]})
    if to == "submitted" and not claim.lines and not (claim.labour_cents or claim.travel_cents):
        raise Invalid(_l("An empty claim cannot be submitted."),
                      {"lines": [_l("nothing is claimed")]})
    if to == "credited":
        if credited_cents is None:
            raise Invalid(_l("Give the credited amount."), {"credited_cents": [_l("Required.")]})
        _amount(credited_cents, "credited_cents")
        if credited_cents > claim.total_cents:
            raise Invalid(_l("The credit cannot exceed what was claimed."),
                          {"credited_cents": [_l("at most %(n)d", n=claim.total_cents)]})
    before = claim.state
    claim.state = to
    if to == "submitted":
        claim.submitted_at = now
    elif to in ("accepted", "rejected"):
        claim.decided_at = now
        claim.rejection_reason = reason if to == "rejected" else None
    elif to == "credited":
        claim.credited_at, claim.credited_cents = now, credited_cents
    db.session.flush()
    audit.record(f"warranty_claim.{to}", actor, claim, number=claim.number, **{
        "from": before, "to": to, "reason": reason, "credited_cents": credited_cents})
    return claim


@dataclass
class ClaimFilter:
    state: str | None = None
    supplier: str | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def claims(f: ClaimFilter | None = None, page: int = 1, per_page: int = 50
           ) -> tuple[list[WarrantyClaim], int]:
    """Claims, newest first, filtered by state, supplier, a number or serial, creation
    period."""
    f = f or ClaimFilter()
    query = select(WarrantyClaim)
    if f.state:
        query = query.where(WarrantyClaim.state == f.state)
    if f.supplier:
        query = query.where(WarrantyClaim.supplier == f.supplier)
    if f.q:
        like = f"%{f.q.strip()}%"
        query = query.where(or_(WarrantyClaim.number.ilike(like),
                                WarrantyClaim.asset_serial.ilike(like),
                                WarrantyClaim.id.in_(select(WarrantyClaimLine.claim_id).where(
                                    or_(WarrantyClaimLine.faulty_serial.ilike(like),
                                        WarrantyClaimLine.replacement_serial.ilike(like))))))
    if f.since is not None:
        query = query.where(WarrantyClaim.created_at >= f.since)
    if f.until is not None:
        query = query.where(WarrantyClaim.created_at < f.until)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(WarrantyClaim.created_at.desc(), WarrantyClaim.id)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total


def suppliers() -> list[str]:
    return list(db.session.scalars(select(WarrantyClaim.supplier).distinct()
                                   .order_by(WarrantyClaim.supplier)))


def credited_in(since: datetime, until: datetime) -> int:
    """Minor units credited by suppliers on claims credited in [since, until)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(WarrantyClaim.credited_cents), 0))
                                 .where(WarrantyClaim.state == "credited",
                                        WarrantyClaim.credited_at >= since,
                                        WarrantyClaim.credited_at < until)) or 0)


# --- returns to suppliers (RMA) ---------------------------------------------------------

def get_return(return_id: uuid.UUID) -> SupplierReturn:
    shipment = db.session.get(SupplierReturn, return_id)
    if shipment is None:
        raise NotFound(_l("No such return."))
    return shipment


def awaiting_return() -> list[StockMovement]:
    """Defective units received from jobs that are in no return yet, oldest first."""
    taken = select(SupplierReturnLine.defective_movement_id)
    reversed_ = select(StockMovement.reverses_id).where(StockMovement.reverses_id.is_not(None))
    return list(db.session.scalars(
        select(StockMovement).where(StockMovement.reason == MovementKind.DEFECTIVE_RETURN,
                                    StockMovement.id.not_in(taken),
                                    StockMovement.id.not_in(reversed_))
        .order_by(StockMovement.created_at, StockMovement.id)))


def _refuse_reversing_a_returned_unit(movement: StockMovement) -> None:
    """A defective unit on a supplier return stays on the ledger as it came in: reversing
    its arrival would take a unit out of stock that the return ships (or already shipped)."""
    if movement.reason != MovementKind.DEFECTIVE_RETURN:
        return
    rma = db.session.scalar(
        select(SupplierReturn.rma_number).join(SupplierReturnLine)
        .where(SupplierReturnLine.defective_movement_id == movement.id))
    if rma is not None:
        raise Conflict(_l("This unit is on supplier return %(rma)s; it cannot be reversed.",
                          rma=rma), code="on_supplier_return")


stock.reversal_guards.append(_refuse_reversing_a_returned_unit)


def create_return(actor, rma_number, supplier, movement_ids, note=None,
                  now: datetime | None = None) -> SupplierReturn:
    """An open return of these defective units under the supplier's RMA number.

    Raises Invalid naming ``rma_number`` (missing or used), ``supplier``, ``movement_ids``
    (empty, or naming a line that is not a defective return still awaiting one).
    """
    now = now or utcnow()
    rma_number = checked_text(rma_number, "rma_number", required=True, limit=60)
    supplier = checked_text(supplier, "supplier", required=True, limit=120)
    note = checked_text(note, "note")
    if db.session.scalar(select(SupplierReturn.id).where(SupplierReturn.rma_number == rma_number)):
        raise Invalid(_l("This RMA number is already used."),
                      {"rma_number": [_l("is already used")]})
    if not movement_ids:
        raise Invalid(_l("Choose the defective parts to return."),
                      {"movement_ids": [_l("choose at least one")]})
    open_ = {m.id: m for m in awaiting_return()}
    chosen = []
    for n, movement_id in enumerate(dict.fromkeys(movement_ids)):
        movement = open_.get(movement_id)
        if movement is None:
            raise Invalid(_l("A chosen part is not a defective unit awaiting return."),
                          {"movement_ids": {n: [_l("not awaiting return")]}})
        chosen.append(movement)
    shipment = SupplierReturn(rma_number=rma_number, supplier=supplier, state="open", note=note,
                              created_by_id=getattr(actor, "id", None), created_at=now)
    for n, movement in enumerate(chosen):
        shipment.lines.append(SupplierReturnLine(
            position=n, defective_movement_id=movement.id, part_id=movement.part_id,
            quantity=movement.quantity, serial=movement.serial,
            work_order_id=movement.work_order_id))
    db.session.add(shipment)
    db.session.flush()
    audit.record("supplier_return.created", actor, shipment, rma_number=rma_number,
                 units=len(chosen))
    return shipment


def move_return(actor, shipment: SupplierReturn, to: str, credited_cents: int | None = None,
                replacement_serials: dict | None = None, now: datetime | None = None
                ) -> SupplierReturn:
    """open → shipped (the units leave stock through the ledger) → received → credited |
    replaced. Raises Invalid naming ``state``, ``credited_cents`` or
    ``replacement_serials``; Conflict for a move the state does not allow; Invalid
    (``insufficient_stock``) when a unit is no longer where it came in — nothing shipped."""
    now = now or utcnow()
    if to not in RETURN_STATES:
        raise Invalid(_l("Must be one of: %(choices)s.", choices=", ".join(RETURN_STATES)),
                      {"state": [_l("unknown state")]})
    if to not in RETURN_MOVES[shipment.state]:
        raise Conflict(_l("A return that is %(state)s cannot become %(to)s.",
                          state=_l(shipment.state), to=_l(to)),
                       {"state": [_l("not allowed from here")]}, code="bad_transition")
    if to == "credited":
        if credited_cents is None:
            raise Invalid(_l("Give the credited amount."), {"credited_cents": [_l("Required.")]})
        _amount(credited_cents, "credited_cents")
    serials = {}
    if to == "replaced":
        by_id = {str(line.id): line for line in shipment.lines}
        for key, value in (replacement_serials or {}).items():
            line = by_id.get(str(key))
            if line is None:
                raise Invalid(_l("No such line on this return."), {"replacement_serials": {
                    str(key): [_l("not a line of this return")]}})
            try:
                serials[line.id] = checked_text(value, "replacement_serials", limit=MAX_SERIAL)
            except Invalid as problem:
                raise Invalid(problem.message, {"replacement_serials": {str(key): problem.errors[
                    "replacement_serials"]}}) from None
    before = shipment.state
    if to == "shipped":
        for line in shipment.lines:
            came_in = db.session.get(StockMovement, line.defective_movement_id)
            location = db.session.get(StockLocation, came_in.to_location_id)
            part = db.session.get(Part, line.part_id)
            line.shipped_movement_id = stock.record_movement(
                MovementKind.RETURN_TO_SUPPLIER, part, line.quantity, getattr(actor, "id", None),
                source=location, work_order_id=line.work_order_id, serial=line.serial,
                note=f"RMA {shipment.rma_number}", at=now).id
        shipment.shipped_at = now
    elif to == "received":
        shipment.received_at = now
    else:
        shipment.closed_at = now
        if to == "credited":
            shipment.credited_cents = credited_cents
        for line in shipment.lines:
            if line.id in serials:
                line.replacement_serial = serials[line.id]
    shipment.state = to
    db.session.flush()
    audit.record(f"supplier_return.{to}", actor, shipment, rma_number=shipment.rma_number, **{
        "from": before, "to": to, "credited_cents": credited_cents})
    return shipment


def returns(state: str | None = None, page: int = 1, per_page: int = 50
            ) -> tuple[list[SupplierReturn], int]:
    query = select(SupplierReturn)
    if state:
        query = query.where(SupplierReturn.state == state)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(SupplierReturn.created_at.desc(), SupplierReturn.id)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total


# --- one serial's history ---------------------------------------------------------------

def history(serial: str) -> list[dict]:
    """Everything ``serial`` (an appliance's or a part's) appears in, oldest first:
    ``{at, kind, work_order_id, number, detail, claim_id, return_id, movement_id}``.

    kind: ``order`` (an order on the appliance with this serial), ``movement`` (a ledger
    line with this unit's serial), ``claim`` (a claim on the appliance),
    ``claim_part`` (a claim line naming it as faulty or replacement), ``return`` (a unit
    of an RMA, or a replacement the supplier sent), ``return_request`` (a customer's return
    or exchange of the appliance) and ``exchange_replacement`` (the unit given in
    exchange); these two carry ``request_id`` and ``other_serial``.
    """
    serial = checked_text(serial, "serial", required=True, limit=MAX_SERIAL)
    entries: list[dict] = []

    def add(at, kind, **fields):
        entries.append({"at": at, "kind": kind, "work_order_id": None, "number": None,
                        "detail": None, "claim_id": None, "return_id": None,
                        "movement_id": None, "sku": None, "request_id": None,
                        "other_serial": None, **fields})

    for order in db.session.scalars(
            select(WorkOrder).join(Asset, Asset.id == WorkOrder.asset_id)
            .where(Asset.serial == serial)):
        add(order.created_at, "order", work_order_id=order.id, number=order.number,
            detail=order.status)
    for movement, sku in db.session.execute(
            select(StockMovement, Part.sku).join(Part, Part.id == StockMovement.part_id)
            .where(StockMovement.serial == serial)):
        number = db.session.scalar(select(WorkOrder.number).where(
            WorkOrder.id == movement.work_order_id)) if movement.work_order_id else None
        add(movement.created_at, "movement", movement_id=movement.id, detail=movement.reason,
            work_order_id=movement.work_order_id, number=number, sku=sku)
    for claim in db.session.scalars(select(WarrantyClaim).where(
            WarrantyClaim.asset_serial == serial)):
        add(claim.created_at, "claim", claim_id=claim.id, number=claim.number,
            detail=claim.state, work_order_id=claim.work_order_id)
    for line, claim in db.session.execute(
            select(WarrantyClaimLine, WarrantyClaim)
            .join(WarrantyClaim, WarrantyClaim.id == WarrantyClaimLine.claim_id)
            .where(or_(WarrantyClaimLine.faulty_serial == serial,
                       WarrantyClaimLine.replacement_serial == serial))):
        role = "faulty" if line.faulty_serial == serial else "replacement"
        add(claim.created_at, "claim_part", claim_id=claim.id, number=claim.number,
            detail=role, work_order_id=claim.work_order_id)
    for line, shipment in db.session.execute(
            select(SupplierReturnLine, SupplierReturn)
            .join(SupplierReturn, SupplierReturn.id == SupplierReturnLine.shipment_id)
            .where(or_(SupplierReturnLine.serial == serial,
                       SupplierReturnLine.replacement_serial == serial))):
        at = shipment.closed_at if line.replacement_serial == serial else shipment.created_at
        add(at, "return", return_id=shipment.id, number=shipment.rma_number,
            detail=shipment.state, work_order_id=line.work_order_id)
    from ..returns.service import history_entries  # customer returns and exchanges

    for entry in history_entries(serial):
        add(entry.pop("at"), entry.pop("kind"), **entry)
    entries.sort(key=lambda e: (e["at"], e["kind"], str(e["number"] or "")))
    return entries
