"""Purchase orders: parts the warehouse lacks, ordered from a supplier.

Rules (one function per rule, shared by the console and the API; each flushes only and is
audited):
* draft → ordered → partly received / received, or closed (partly received, the rest is
  not coming) or cancelled (nothing received yet);
* a purchase may be raised for open parts requests: its lines cover what they asked for
  (plus any line added by hand); from then on the office does not send those requests
  from the warehouse queue, and once the purchase is ordered each request is ``ordered``
  with the expected day (pulled by the phone: "ordered from supplier, expected …");
* receiving books ``receive`` ledger lines into the purchase's warehouse, at most what is
  outstanding per line; the purchase row is locked first, so two receipts at once book
  once (the second finds nothing outstanding: Conflict ``already_received``);
* after a receipt, every ordered request of the purchase whose part has now been received
  in full for it (oldest request first) goes to its van through the usual path
  (transit → the technician confirms receipt; protocol §4c) — unless other jobs'
  reservations hold the stock that arrived, when it goes back to the office's queue;
* a purchase cancelled, or closed short, hands its requests that were not sent back to
  the office's queue (``open``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit import service as audit
from ..database import utcnow
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from . import fieldstock, service
from .models import (
    LocationKind,
    MovementKind,
    Part,
    PartRequest,
    PurchaseLine,
    PurchaseOrder,
    PurchaseStatus,
    RequestStatus,
    StockLocation,
)

OPEN_FOR_RECEIPT = (PurchaseStatus.ORDERED, PurchaseStatus.PARTLY_RECEIVED)


def _whole(value, field: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise Invalid(_("The quantity must be a whole number above zero.") if minimum else
                      _("The received quantity must be a whole number, zero or more."),
                      {field: [_("must be a whole number above zero") if minimum else
                               _("must be a whole number, zero or more")]})
    return value


def _next_number() -> str:
    last = db.session.scalar(select(func.max(PurchaseOrder.number)))
    n = int(last.removeprefix("PO-")) + 1 if last else 1
    return f"PO-{n:05d}"


def get(purchase_id: uuid.UUID, lock: bool = False) -> PurchaseOrder:
    purchase = db.session.get(PurchaseOrder, purchase_id, with_for_update=lock,
                              populate_existing=lock)
    if purchase is None:
        raise NotFound(_("No such purchase order."))
    return purchase


def purchases(status: str | None = None, supplier: str | None = None) -> list[PurchaseOrder]:
    """Purchase orders, newest first."""
    query = select(PurchaseOrder).order_by(PurchaseOrder.created_at.desc(),
                                           PurchaseOrder.number.desc())
    if status:
        query = query.where(PurchaseOrder.status == status)
    if supplier:
        query = query.where(PurchaseOrder.supplier.ilike(f"%{supplier.strip()}%"))
    return list(db.session.scalars(query))


def requests_to_order() -> list[PartRequest]:
    """Open requests no purchase was raised for, oldest first (candidates for one)."""
    return list(db.session.scalars(select(PartRequest).where(
        PartRequest.status == RequestStatus.OPEN, PartRequest.purchase_id.is_(None))
        .order_by(PartRequest.created_at, PartRequest.id)))


def low_stock_lines(warehouse: StockLocation) -> list[dict]:
    """Lines for the parts low at ``warehouse``: each brought to twice its low-stock mark
    (what is reserved there counts as gone)."""
    reserved = fieldstock.reserved_at(warehouse.id)
    lines = []
    for level, part, location in service.levels(warehouse.id, low_only=True):
        wanted = 2 * location.low_stock_threshold - level.quantity + reserved.get(part.id, 0)
        if wanted > 0:
            lines.append({"part_id": part.id, "quantity": wanted})
    return lines


def create(actor, supplier: str, warehouse: StockLocation, expected_on: date | None,
           lines: list[dict], request_ids: list[uuid.UUID] = (), note: str | None = None,
           order_now: bool = False) -> PurchaseOrder:
    """A draft purchase (ordered at once with ``order_now``). Lines are
    ``{"part_id", "quantity", "unit_cost_cents"?}``; the requests named add their parts and
    quantities. Raises Invalid naming the field; nothing is stored then."""
    supplier = (supplier or "").strip()
    if not supplier:
        raise Invalid(_("Name the supplier."), {"supplier": [_("is required")]})
    if warehouse.kind != LocationKind.WAREHOUSE:
        raise Invalid(_("Parts are received into a warehouse."),
                      {"warehouse_id": [_("is not a warehouse")]})
    wanted: dict[uuid.UUID, dict] = {}
    for n, line in enumerate(lines):
        if db.session.get(Part, line["part_id"]) is None:
            raise Invalid(_("No such part."), {"lines": {n: {"part_id": [_("no such part")]}}})
        if line["part_id"] in wanted:
            raise Invalid(_("A part appears twice."),
                          {"lines": {n: {"part_id": [_("appears twice")]}}})
        quantity = line["quantity"]
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise Invalid(_("The quantity must be a whole number above zero."),
                          {"lines": {n: {"quantity": [_("must be a whole number above zero")]}}})
        wanted[line["part_id"]] = {"quantity": quantity,
                                   "unit_cost_cents": line.get("unit_cost_cents")}
    requests = []
    for n, request_id in enumerate(dict.fromkeys(request_ids)):
        request = db.session.get(PartRequest, request_id, with_for_update=True,
                                 populate_existing=True)
        if request is None:
            raise Invalid(_("No such parts request."),
                          {"request_ids": {n: [_("no such parts request")]}})
        if request.status != RequestStatus.OPEN or request.purchase_id is not None:
            raise Conflict(_("This request was already dealt with."),
                           {"request_ids": {n: [_("is not open, or already on a purchase")]}},
                           code="request_not_open")
        requests.append(request)
    asked = defaultdict(int)
    for request in requests:
        asked[request.part_id] += request.quantity
    for part_id, quantity in asked.items():
        line = wanted.setdefault(part_id, {"quantity": 0, "unit_cost_cents": None})
        line["quantity"] = max(line["quantity"], quantity)
    if not wanted:
        raise Invalid(_("Add at least one part."), {"lines": [_("add at least one part")]})
    purchase = PurchaseOrder(number=_next_number(), supplier=supplier,
                             warehouse_id=warehouse.id, expected_on=expected_on,
                             note=(note or "").strip() or None,
                             actor_id=getattr(actor, "id", None),
                             status=PurchaseStatus.DRAFT)
    purchase.lines = [PurchaseLine(position=n, part_id=part_id, quantity=line["quantity"],
                                   unit_cost_cents=line["unit_cost_cents"])
                      for n, (part_id, line) in enumerate(wanted.items())]
    db.session.add(purchase)
    db.session.flush()
    for request in requests:
        request.purchase_id = purchase.id
    audit.record("purchase.created", actor, purchase, number=purchase.number,
                 supplier=supplier, requests=[str(r.id) for r in requests],
                 lines=[{"part_id": str(line.part_id), "quantity": line.quantity}
                        for line in purchase.lines])
    if order_now:
        place(actor, purchase, expected_on)
    db.session.flush()
    return purchase


def _move(actor, purchase: PurchaseOrder, to: str, **data) -> None:
    audit.record(f"purchase.{to}", actor, purchase, number=purchase.number,
                 **{"from": purchase.status}, to=to, **data)
    purchase.status = to


def place(actor, purchase: PurchaseOrder, expected_on: date | None = None) -> PurchaseOrder:
    """Draft → ordered: sent to the supplier, with the day it is expected (required). Its
    requests become ``ordered`` with that day."""
    db.session.refresh(purchase, with_for_update=True)
    if purchase.status != PurchaseStatus.DRAFT:
        raise Conflict(_("This purchase order was already sent."), code="purchase_not_draft")
    expected_on = expected_on or purchase.expected_on
    if expected_on is None:
        raise Invalid(_("Say when the supplier's delivery is expected."),
                      {"expected_on": [_("is required")]})
    purchase.expected_on, purchase.ordered_at = expected_on, utcnow()
    _move(actor, purchase, PurchaseStatus.ORDERED, expected_on=expected_on.isoformat())
    for request in _linked(purchase):
        if request.status == RequestStatus.OPEN:
            request.status, request.expected_on = RequestStatus.ORDERED, expected_on
    db.session.flush()
    return purchase


def _linked(purchase: PurchaseOrder) -> list[PartRequest]:
    return list(db.session.scalars(select(PartRequest).where(
        PartRequest.purchase_id == purchase.id)
        .order_by(PartRequest.created_at, PartRequest.id).with_for_update()))


def receive(actor, purchase_id: uuid.UUID, received: list[dict]) -> PurchaseOrder:
    """Book what arrived: ``[{"line_id" | "part_id", "quantity"}]`` (zero for a line that
    did not come). Locks the purchase first. Raises Invalid naming ``lines.<n>.quantity``
    for more than is outstanding, Conflict ``already_received`` when nothing is
    outstanding any more, Conflict ``purchase_not_open`` for a draft, closed or cancelled
    purchase. Then the purchase's ordered requests covered in full go to their vans."""
    purchase = get(purchase_id, lock=True)
    if purchase.status not in OPEN_FOR_RECEIPT:
        if purchase.status == PurchaseStatus.RECEIVED:
            raise Conflict(_("This purchase order was already received in full."),
                           code="already_received")
        raise Conflict(_("Only an ordered purchase can be received."),
                       code="purchase_not_open")
    by_id = {line.id: line for line in purchase.lines}
    by_part = {line.part_id: line for line in purchase.lines}
    booked, seen = [], set()
    for n, entry in enumerate(received):
        line = by_id.get(entry.get("line_id")) or by_part.get(entry.get("part_id"))
        if line is None:
            raise Invalid(_("This line is not on the purchase order."),
                          {"lines": {n: {"line_id": [_("not on this purchase order")]}}})
        if line.id in seen:
            raise Invalid(_("A line appears twice."),
                          {"lines": {n: {"line_id": [_("appears twice")]}}})
        seen.add(line.id)
        quantity = entry.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise Invalid(_("The received quantity must be a whole number, zero or more."),
                          {"lines": {n: {"quantity": [_("must be a whole number, zero or more")]}}})
        if quantity > line.outstanding:
            if line.outstanding == 0 and quantity:
                raise Conflict(_("This line was already received in full."),
                               {"lines": {n: {"quantity": [_("nothing outstanding")]}}},
                               code="already_received")
            raise Invalid(_("More than is outstanding."),
                          {"lines": {n: {"quantity": [_("at most %(available)d",
                                                        available=line.outstanding)]}}},
                          code="more_than_outstanding")
        if quantity:
            booked.append((line, quantity))
    if not booked:
        raise Invalid(_("Enter what arrived."), {"lines": [_("enter at least one quantity")]})
    warehouse = db.session.get(StockLocation, purchase.warehouse_id)
    for line, quantity in booked:
        service.record_movement(MovementKind.RECEIVE, line.part, quantity,
                                getattr(actor, "id", None), target=warehouse,
                                # Data, not words: the same in every reader's language.
                                note=f"{purchase.number} · {purchase.supplier}")
        line.received_quantity += quantity
    full = all(line.outstanding == 0 for line in purchase.lines)
    _move(actor, purchase, PurchaseStatus.RECEIVED if full else PurchaseStatus.PARTLY_RECEIVED,
          received=[{"part_id": str(line.part_id), "quantity": quantity}
                    for line, quantity in booked])
    db.session.flush()
    _send_covered_requests(actor, purchase, warehouse)
    return purchase


def _send_covered_requests(actor, purchase: PurchaseOrder, warehouse: StockLocation) -> None:
    """Ordered requests whose part this purchase has now received enough of (for them and
    the requests before them) go to their vans; the rest wait for the next receipt."""
    received = {line.part_id: line.received_quantity for line in purchase.lines}
    for request in _linked(purchase):
        if request.status in (RequestStatus.SENT, RequestStatus.ON_VAN):
            received[request.part_id] = received.get(request.part_id, 0) - request.quantity
    for request in _linked(purchase):
        if request.status != RequestStatus.ORDERED:
            continue
        if received.get(request.part_id, 0) < request.quantity:
            continue
        received[request.part_id] -= request.quantity
        try:
            # Before anything moves: other jobs' reservations may hold what arrived (a
            # count or scrap took the stock they counted on).
            fieldstock.ensure_available(warehouse, request.part, request.quantity)
        except Invalid:
            request.status, request.expected_on, request.purchase_id = \
                RequestStatus.OPEN, None, None
            audit.record("purchase.request_back_to_queue", actor, purchase,
                         number=purchase.number, request_id=str(request.id),
                         why="insufficient_stock")
            continue
        fieldstock.fulfil(getattr(actor, "id", None), request, "send", warehouse,
                          from_purchase=True)
        audit.record("purchase.request_sent", actor, purchase, number=purchase.number,
                     request_id=str(request.id))
    db.session.flush()


def _release_requests(purchase: PurchaseOrder) -> int:
    """Requests of ``purchase`` not yet sent go back to the office's queue."""
    count = 0
    for request in _linked(purchase):
        if request.status in (RequestStatus.OPEN, RequestStatus.ORDERED):
            request.status, request.expected_on, request.purchase_id = \
                RequestStatus.OPEN, None, None
            count += 1
    return count


def cancel(actor, purchase_id: uuid.UUID, reason: str | None = None) -> PurchaseOrder:
    """A draft or ordered purchase that received nothing is cancelled; its requests go back
    to the queue."""
    purchase = get(purchase_id, lock=True)
    if purchase.status not in (PurchaseStatus.DRAFT, PurchaseStatus.ORDERED):
        raise Conflict(_("Only a purchase order that received nothing can be cancelled."),
                       code="purchase_not_cancellable")
    released = _release_requests(purchase)
    _move(actor, purchase, PurchaseStatus.CANCELLED, reason=(reason or "").strip() or None,
          requests_back_to_queue=released)
    db.session.flush()
    return purchase


def close(actor, purchase_id: uuid.UUID, reason: str | None = None) -> PurchaseOrder:
    """A partly received purchase whose rest is not coming is closed; its requests not yet
    sent go back to the queue."""
    purchase = get(purchase_id, lock=True)
    if purchase.status != PurchaseStatus.PARTLY_RECEIVED:
        raise Conflict(_("Only a partly received purchase order can be closed."),
                       code="purchase_not_closable")
    released = _release_requests(purchase)
    _move(actor, purchase, PurchaseStatus.CLOSED, reason=(reason or "").strip() or None,
          requests_back_to_queue=released)
    db.session.flush()
    return purchase
