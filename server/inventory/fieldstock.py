"""Van stock beyond the ledger itself: min/max templates, reservations, parts requests from
the field and deliveries to vans that the technician confirms on the phone.

Rules kept here (docs/sync-protocol.md, "Parts requests and deliveries"):
* available = on hand − active reservations of open orders; a reservation of a closed or
  cancelled order no longer holds anything (it is released by the order's end);
* stock sent to a van waits at the one transit location until the technician confirms
  receipt: the received quantity is transferred transit → van, the rest is booked out of
  transit as a shortfall, so levels still equal the ledger;
* the daily proposal counts what is in transit to a van as on its way, and shares out only
  the warehouse's available stock.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, text

from ..audit import service as audit
from ..database import utcnow
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..workorders.lifecycle import TERMINAL
from ..workorders.models import WorkOrder
from . import service
from .models import (
    DeliveryStatus,
    LocationKind,
    MinMaxTemplate,
    MinMaxTemplateLine,
    MovementKind,
    Part,
    PartRequest,
    RequestStatus,
    ReservationStatus,
    StockLevel,
    StockLocation,
    StockReservation,
    VanDelivery,
)

# --- the transit location ---------------------------------------------------------------


def transit() -> StockLocation:
    """The one location holding what was sent to vans and not yet received (made once)."""
    query = select(StockLocation).where(
        StockLocation.kind == LocationKind.TRANSIT).order_by(StockLocation.name).limit(1)
    location = db.session.scalar(query)
    if location is None:
        # Two first sends at once must not make two: on PostgreSQL the maker holds a
        # transaction lock and looks again (SQLite's writer already holds its write lock).
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('doorstep.transit'))"))
            location = db.session.scalar(query)
        if location is None:
            location = StockLocation(kind=LocationKind.TRANSIT, name="In transit",
                                     low_stock_threshold=0)
            db.session.add(location)
            db.session.flush()
    return location


# --- reservations -----------------------------------------------------------------------

def _active_reservations():
    """Active reservations of orders still open (a closed or cancelled job holds nothing)."""
    return (select(StockReservation)
            .join(WorkOrder, WorkOrder.id == StockReservation.work_order_id)
            .where(StockReservation.status == ReservationStatus.ACTIVE,
                   WorkOrder.status.not_in([str(s) for s in TERMINAL])))


def reserved_at(location_id: uuid.UUID, except_order_id: uuid.UUID | None = None) -> dict:
    """part id → quantity reserved at ``location_id`` (for other orders than the one named)."""
    active = _active_reservations().where(
        StockReservation.location_id == location_id).subquery()
    query = select(active.c.part_id, func.sum(active.c.quantity)).group_by(active.c.part_id)
    if except_order_id is not None:
        query = query.where(active.c.work_order_id != except_order_id)
    return {part_id: int(total) for part_id, total in db.session.execute(query).all()}


def reserved_everywhere() -> dict:
    """(location id, part id) → quantity reserved, for the stock pages."""
    active = _active_reservations().subquery()
    rows = db.session.execute(select(active.c.location_id, active.c.part_id,
                                     func.sum(active.c.quantity))
                              .group_by(active.c.location_id, active.c.part_id)).all()
    return {(loc, part): int(total) for loc, part, total in rows}


def ensure_available(location: StockLocation, part: Part, quantity: int,
                     for_order_id: uuid.UUID | None = None) -> None:
    """Raises Invalid (``insufficient_stock``, naming ``quantity``) when ``location`` does
    not hold ``quantity`` of ``part`` beyond what is reserved for other orders. Locks the
    level first, so two callers cannot both take the last unit."""
    level = service._locked_levels(part.id, [location.id])[location.id]
    available = level.quantity - reserved_at(location.id, for_order_id).get(part.id, 0)
    if quantity > available:
        raise Invalid(
            _("%(location)s has only %(available)d of %(sku)s available (the rest is "
              "reserved).", location=location.name, available=max(available, 0), sku=part.sku),
            {"quantity": [_("at most %(available)d", available=max(available, 0))]},
            code="insufficient_stock")


def reserve(actor_id: uuid.UUID | None, location: StockLocation, part: Part,
            order: WorkOrder, quantity: int, request: PartRequest | None = None
            ) -> StockReservation:
    """Hold ``quantity`` of ``part`` at ``location`` for ``order``."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise Invalid(_("The quantity must be a whole number above zero."),
                      {"quantity": [_("must be a whole number above zero")]})
    if location.kind == LocationKind.TRANSIT:
        raise Invalid(_("Parts in transit cannot be reserved."),
                      {"location_id": [_("is not a warehouse or a van")]})
    if order.status in TERMINAL:
        raise Invalid(_("This job is closed or cancelled."),
                      {"work_order_id": [_("is closed or cancelled")]})
    ensure_available(location, part, quantity)
    reservation = StockReservation(location_id=location.id, part_id=part.id,
                                   work_order_id=order.id, quantity=quantity,
                                   request_id=request.id if request else None,
                                   actor_id=actor_id)
    db.session.add(reservation)
    db.session.flush()
    return reservation


def release(reservation: StockReservation, status: str = ReservationStatus.RELEASED) -> None:
    if reservation.status != ReservationStatus.ACTIVE:
        raise Conflict(_("This reservation is no longer active."),
                       code="reservation_not_active")
    reservation.status, reservation.ended_at = status, utcnow()
    db.session.flush()


def on_part_used(order_id: uuid.UUID, part_id: uuid.UUID, van_id: uuid.UUID) -> None:
    """A part used on a job ends the job's reservations of it at that van."""
    on_parts_used(van_id, [(order_id, part_id)])


# The active reservations of some orders at a van: built once (a sync batch asks each time).
_ACTIVE_AT_VAN = select(StockReservation).where(
    StockReservation.work_order_id.in_(bindparam("orders", expanding=True)),
    StockReservation.location_id == bindparam("van"),
    StockReservation.status == ReservationStatus.ACTIVE)


def on_parts_used(van_id: uuid.UUID, used: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """``on_part_used`` for many ``(order_id, part_id)`` pairs at one van: one query."""
    used = set(used)
    if not used:
        return
    orders = sorted({order_id for order_id, _ in used})
    for reservation in db.session.scalars(_ACTIVE_AT_VAN, {"orders": orders, "van": van_id}):
        if (reservation.work_order_id, reservation.part_id) in used:
            reservation.status, reservation.ended_at = ReservationStatus.USED, utcnow()


def reservations(location_id: uuid.UUID | None = None, part_id: uuid.UUID | None = None,
                 work_order_id: uuid.UUID | None = None, status: str | None = None
                 ) -> list[StockReservation]:
    """Reservations, oldest first. Without ``status``, those holding stock now (active, of
    open orders); with it, every reservation in that state."""
    if status is None:
        query = _active_reservations()
    else:
        query = select(StockReservation).where(StockReservation.status == status)
    if location_id is not None:
        query = query.where(StockReservation.location_id == location_id)
    if part_id is not None:
        query = query.where(StockReservation.part_id == part_id)
    if work_order_id is not None:
        query = query.where(StockReservation.work_order_id == work_order_id)
    return list(db.session.scalars(query.order_by(StockReservation.created_at,
                                                  StockReservation.id)))


# --- deliveries to vans ------------------------------------------------------------------

def send_to_van(actor_id: uuid.UUID | None, source: StockLocation, van: StockLocation,
                part: Part, quantity: int, request: PartRequest | None = None,
                reservation: StockReservation | None = None, note: str | None = None
                ) -> tuple[VanDelivery, "service.StockMovement"]:
    """Move ``quantity`` from ``source`` into transit for ``van``; the technician books it
    into the van by confirming receipt. Only available stock moves (a reservation being
    sent counts for its own order). Returns the delivery and its ledger line."""
    if van.kind != LocationKind.VAN:
        raise Invalid(_("Replenishment goes to a van."), {"van_id": [_("is not a van")]})
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise Invalid(_("The quantity must be a whole number above zero."),
                      {"quantity": [_("must be a whole number above zero")]})
    if reservation is not None:
        release(reservation, ReservationStatus.SENT)
    ensure_available(source, part, quantity,
                     reservation.work_order_id if reservation is not None else None)
    movement = service.record_movement(MovementKind.TRANSFER, part, quantity, actor_id, source=source,
                            target=transit(), note=note,
                            work_order_id=request.work_order_id if request else None)
    delivery = VanDelivery(van_id=van.id, from_location_id=source.id, from_name=source.name,
                           part_id=part.id,
                           quantity=quantity, request_id=request.id if request else None,
                           sent_at=utcnow())
    db.session.add(delivery)
    db.session.flush()
    return delivery, movement


def in_transit_to_vans() -> dict:
    """(van id, part id) → quantity sent and not yet received."""
    rows = db.session.execute(
        select(VanDelivery.van_id, VanDelivery.part_id, func.sum(VanDelivery.quantity))
        .where(VanDelivery.status == DeliveryStatus.SENT)
        .group_by(VanDelivery.van_id, VanDelivery.part_id)).all()
    return {(van, part): int(total) for van, part, total in rows}


def receive_delivery(delivery: VanDelivery, received: int, actor_id: uuid.UUID | None,
                     at: datetime | None = None) -> bool:
    """Book a delivery into its van: ``received`` transit → van, the rest out of transit
    as a shortfall. Returns False for a replay (already received, same quantity); raises
    Conflict ``already_received`` for another quantity, Invalid for more than was sent."""
    if isinstance(received, bool) or not isinstance(received, int) or received < 0:
        raise Invalid(_("The received quantity must be a whole number, zero or more."),
                      {"received_quantity": [_("must be a whole number, zero or more")]})
    # Read again under a row lock: two confirmations at once book the delivery once.
    db.session.refresh(delivery, with_for_update=True)
    if delivery.status == DeliveryStatus.RECEIVED:
        if delivery.received_quantity == received:
            return False
        raise Conflict(_("This delivery was already received with another quantity."),
                       {"received_quantity": [_("was already confirmed as %(n)d",
                                                n=delivery.received_quantity)]},
                       code="already_received")
    if received > delivery.quantity:
        raise Invalid(_("More than was sent."),
                      {"received_quantity": [_("at most %(available)d",
                                               available=delivery.quantity)]},
                      code="more_than_sent")
    part = db.session.get(Part, delivery.part_id)
    van = db.session.get(StockLocation, delivery.van_id)
    order_id = None
    request = db.session.get(PartRequest, delivery.request_id) if delivery.request_id else None
    if request is not None:
        order_id = request.work_order_id
    if received:
        service.record_movement(MovementKind.TRANSFER, part, received, actor_id,
                                source=transit(), target=van, at=at,
                                work_order_id=order_id)
    if received < delivery.quantity:
        service.record_movement(MovementKind.SHORTFALL, part, delivery.quantity - received,
                                actor_id, source=transit(), at=at, work_order_id=order_id)
    delivery.status, delivery.received_quantity = DeliveryStatus.RECEIVED, received
    delivery.received_at = at or utcnow()
    if request is not None and request.status == RequestStatus.SENT and received > 0:
        request.status = RequestStatus.ON_VAN
        db.session.flush()
        _rebook_when_all_parts_arrived(request.work_order_id)
    db.session.flush()
    return True


def _rebook_when_all_parts_arrived(order_id: uuid.UUID) -> None:
    """Once no request of a paused job is still waiting (open, reserved or sent), the job
    goes back to the office's queue for a new appointment (docs/sync-protocol.md §4c)."""
    from ..workorders import service as orders

    waiting = db.session.scalar(select(func.count()).select_from(PartRequest).where(
        PartRequest.work_order_id == order_id, PartRequest.status.in_(
            [RequestStatus.OPEN, RequestStatus.RESERVED, RequestStatus.ORDERED,
             RequestStatus.SENT])))
    order = db.session.get(WorkOrder, order_id)
    if not waiting and order is not None:
        orders.back_to_the_queue_for_parts(order)


# --- parts requests ------------------------------------------------------------------------

def open_requests() -> list[PartRequest]:
    """Requests the office still has to act on (open, or reserved and not yet sent)."""
    return requests()


def requests(status: str | None = None) -> list[PartRequest]:
    """Requests in ``status``, oldest first; without it, those the office still has to act
    on (open, or reserved and not yet sent)."""
    wanted = [status] if status else [RequestStatus.OPEN, RequestStatus.RESERVED]
    return list(db.session.scalars(
        select(PartRequest).where(PartRequest.status.in_(wanted))
        .order_by(PartRequest.created_at, PartRequest.id)))


def deliveries(status: str | None = None, van_id: uuid.UUID | None = None
               ) -> list[VanDelivery]:
    """Deliveries to vans, newest first, optionally by status and van."""
    query = select(VanDelivery).order_by(VanDelivery.sent_at.desc(), VanDelivery.id)
    if status:
        query = query.where(VanDelivery.status == status)
    if van_id:
        query = query.where(VanDelivery.van_id == van_id)
    return list(db.session.scalars(query))


def get_request(request_id: uuid.UUID) -> PartRequest:
    request = db.session.get(PartRequest, request_id)
    if request is None:
        raise NotFound(_("No such parts request."))
    return request


def _van_of_request(request: PartRequest) -> StockLocation:
    van = service.van_of(request.technician_id)
    if van is None:
        raise Invalid(_("The technician has no van."), {"van_id": [_("is required")]})
    return van


def fulfil(actor_id: uuid.UUID, request: PartRequest, how: str, warehouse: StockLocation,
           from_purchase: bool = False) -> VanDelivery | StockReservation:
    """The office answers a request: ``send`` moves the part towards the technician's van
    (a delivery they confirm), ``reserve`` holds it at ``warehouse`` for the job; a
    reserved request is sent later with ``send``, which takes the reservation along.
    A request a purchase was raised for is sent by that purchase's receipt
    (``from_purchase``), not from the queue (Conflict ``request_on_purchase``)."""
    if how not in ("send", "reserve"):
        raise Invalid(_("Send or reserve."), {"how": [_("must be send or reserve")]})
    if warehouse.kind != LocationKind.WAREHOUSE:
        raise Invalid(_("Parts come from a warehouse."),
                      {"warehouse_id": [_("is not a warehouse")]})
    allowed = {"send": (RequestStatus.OPEN, RequestStatus.RESERVED),
               "reserve": (RequestStatus.OPEN,)}[how]
    if from_purchase:
        allowed = (RequestStatus.ORDERED,)
    elif request.purchase_id is not None and request.status in allowed:
        raise Conflict(_("A purchase order was raised for this request: it goes to the van "
                         "when the purchase is received."), code="request_on_purchase")
    if request.status not in allowed:
        raise Conflict(_("This request was already dealt with."), code="request_not_open")
    part = db.session.get(Part, request.part_id)
    order = db.session.get(WorkOrder, request.work_order_id)
    if how == "reserve":
        result = reserve(actor_id, warehouse, part, order, request.quantity, request)
        request.status = RequestStatus.RESERVED
    else:
        reservation = db.session.scalar(select(StockReservation).where(
            StockReservation.request_id == request.id,
            StockReservation.status == ReservationStatus.ACTIVE))
        source = warehouse
        if reservation is not None:
            source = db.session.get(StockLocation, reservation.location_id)
        result, _movement = send_to_van(actor_id, source, _van_of_request(request), part,
                                        request.quantity, request, reservation)
        request.status = RequestStatus.SENT
    db.session.flush()
    return result


def answer(actor_id: uuid.UUID | None, request_id: uuid.UUID, how: str,
           warehouse: StockLocation | None) -> PartRequest:
    """The office's answer to a request, from the console or the API: ``cancel``, or
    ``send`` / ``reserve`` from ``warehouse``. The request is locked first, so two
    storekeepers answering at once act once (PostgreSQL). Raises NotFound, Invalid naming
    ``warehouse_id`` when a warehouse is needed and missing, Conflict when it was already
    dealt with."""
    request = db.session.get(PartRequest, request_id, with_for_update=True,
                             populate_existing=True)
    if request is None:
        raise NotFound(_("No such parts request."))
    if how == "cancel":
        cancel_request(request)
        return request
    if warehouse is None:
        raise Invalid(_("Choose a warehouse."), {"warehouse_id": [_("is required")]})
    fulfil(actor_id, request, how, warehouse)
    return request


def cancel_request(request: PartRequest) -> None:
    """Cancel a request not yet sent (one ordered from a supplier too: the purchase still
    arrives at the warehouse, and is not sent to the van)."""
    if request.status not in (RequestStatus.OPEN, RequestStatus.RESERVED,
                              RequestStatus.ORDERED):
        raise Conflict(_("This request was already dealt with."), code="request_not_open")
    for reservation in db.session.scalars(select(StockReservation).where(
            StockReservation.request_id == request.id,
            StockReservation.status == ReservationStatus.ACTIVE)):
        release(reservation)
    request.status = RequestStatus.CANCELLED
    db.session.flush()


# --- min/max templates -----------------------------------------------------------------

def save_template(name: str, region: str | None, skill: str | None, lines: list[dict],
                  template: MinMaxTemplate | None = None, actor=None) -> MinMaxTemplate:
    """Create a template, or edit ``template`` (name, region or skill, lines); audited.
    Raises Invalid naming the field.

    Editing rewrites the values the template already wrote on vans: a line still in it
    and a van still covered get the new min/max; a part taken out of it, or a van no longer
    of its region or skill, loses the template's value (its min/max cleared). Vans or parts
    it never reached get values only when it is applied again; a van's own value is never
    touched."""
    name, region, skill = (name or "").strip(), (region or "").strip() or None, \
        (skill or "").strip() or None
    if not name:
        raise Invalid(_("Give the template a name."), {"name": [_("is required")]})
    if (region is None) == (skill is None):
        raise Invalid(_("A template is for one region or one skill."),
                      {"region": [_("give a region or a skill, not both")]})
    taken = db.session.scalar(select(MinMaxTemplate.id).where(MinMaxTemplate.name == name))
    if taken is not None and (template is None or taken != template.id):
        raise Conflict(_("A template with this name exists."), {"name": [_("is already used")]})
    if not lines:
        raise Invalid(_("Add at least one part."), {"lines": [_("add at least one part")]})
    seen = set()
    for n, line in enumerate(lines):
        if db.session.get(Part, line["part_id"]) is None:
            raise Invalid(_("No such part."), {"lines": {n: {"part_id": [_("no such part")]}}})
        if line["part_id"] in seen:
            raise Invalid(_("A part appears twice."),
                          {"lines": {n: {"part_id": [_("appears twice")]}}})
        seen.add(line["part_id"])
        low, high = line["min_quantity"], line["max_quantity"]
        if not 0 <= low <= high or high < 1:
            raise Invalid(_("The max must be at least the min, and above zero."),
                          {"lines": {n: {"max_quantity": [
                              _("must be at least the min, and above zero")]}}})
    creating = template is None
    before = None if creating else _template_summary(template)
    if creating:
        template = MinMaxTemplate(name=name)
        db.session.add(template)
    template.name, template.region, template.skill = name, region, skill
    if not creating:
        # The old lines go first: a kept part's new line has the same (template, part).
        template.lines = []
        db.session.flush()
    template.lines = [MinMaxTemplateLine(part_id=line["part_id"],
                                         min_quantity=line["min_quantity"],
                                         max_quantity=line["max_quantity"]) for line in lines]
    db.session.flush()
    if creating:
        audit.record("stock_template.created", actor, template, **_template_summary(template))
    else:
        changed = _rewrite_template_values(template)
        audit.record("stock_template.edited", actor, template, before=before,
                     after=_template_summary(template), **changed)
    return template


def _template_summary(template: MinMaxTemplate) -> dict:
    return {"name": template.name, "region": template.region, "skill": template.skill,
            "lines": [{"part_id": str(line.part_id), "min": line.min_quantity,
                       "max": line.max_quantity} for line in template.lines]}


def _levels_of(template: MinMaxTemplate) -> list[StockLevel]:
    """The van levels whose min/max this template wrote, locked for update."""
    return list(db.session.scalars(
        select(StockLevel).where(StockLevel.rule_template_id == template.id)
        .order_by(StockLevel.location_id, StockLevel.part_id).with_for_update()))


def _rewrite_template_values(template: MinMaxTemplate) -> dict:
    lines = {line.part_id: line for line in template.lines}
    vans = {van.id for van in template_vans(template)}
    counts = {"updated": 0, "cleared": 0}
    for level in _levels_of(template):
        line = lines.get(level.part_id)
        if line is not None and level.location_id in vans:
            if (level.min_quantity, level.max_quantity) != (line.min_quantity,
                                                            line.max_quantity):
                level.min_quantity, level.max_quantity = line.min_quantity, line.max_quantity
                counts["updated"] += 1
        else:
            level.min_quantity = level.max_quantity = level.rule_template_id = None
            counts["cleared"] += 1
    db.session.flush()
    return counts


def get_template(template_id: uuid.UUID) -> MinMaxTemplate:
    template = db.session.get(MinMaxTemplate, template_id)
    if template is None:
        raise NotFound(_("No such template."))
    return template


def template_use(template: MinMaxTemplate) -> dict:
    """What deleting ``template`` would affect: ``{"vans": [names], "values": n}`` — the
    van min/max values it wrote, which deleting clears (the proposal stops refilling them)."""
    rows = db.session.execute(
        select(StockLocation.name, func.count()).join(
            StockLevel, StockLevel.location_id == StockLocation.id)
        .where(StockLevel.rule_template_id == template.id)
        .group_by(StockLocation.name).order_by(StockLocation.name)).all()
    return {"vans": [name for name, _n in rows], "values": sum(n for _name, n in rows)}


def delete_template(template: MinMaxTemplate, actor=None, confirm: bool = False) -> dict:
    """Delete a template; the vans' values it wrote are cleared (a van's own value stays).
    A template in use is deleted only with ``confirm``: otherwise Conflict
    ``template_in_use`` says how many vans and values it would clear. Audited."""
    use = template_use(template)
    if use["values"] and not confirm:
        raise Conflict(
            _("This template set %(values)d min/max values on %(vans)d vans; deleting it "
              "clears them.", values=use["values"], vans=len(use["vans"])),
            {"confirm": [_("confirm to clear the values on %(vans)d vans",
                           vans=len(use["vans"]))]},
            code="template_in_use")
    for level in _levels_of(template):
        level.min_quantity = level.max_quantity = level.rule_template_id = None
    audit.record("stock_template.deleted", actor, template, cleared=use["values"],
                 vans=use["vans"], **_template_summary(template))
    db.session.delete(template)
    db.session.flush()
    return use


def templates() -> list[MinMaxTemplate]:
    return list(db.session.scalars(select(MinMaxTemplate).order_by(MinMaxTemplate.name)))


def template_vans(template: MinMaxTemplate) -> list[StockLocation]:
    from ..technicians.models import Technician

    vans = db.session.execute(
        select(StockLocation, Technician).join(
            Technician, Technician.id == StockLocation.technician_id)
        .where(StockLocation.kind == LocationKind.VAN).order_by(StockLocation.name)).all()
    if template.region is not None:
        return [van for van, tech in vans if tech.region == template.region]
    return [van for van, tech in vans if template.skill in (tech.skills or [])]


def apply_template(template: MinMaxTemplate, actor=None) -> dict:
    """Write the template's min/max onto every van of its region or skill. A van's own
    value (set on the van, not by a template) wins; a value an earlier template wrote is
    replaced. Returns ``{"vans": n, "set": n, "kept_own": n}``."""
    vans = template_vans(template)
    counts = {"vans": len(vans), "set": 0, "kept_own": 0}
    for line in template.lines:
        part = db.session.get(Part, line.part_id)
        levels = service._locked_levels(part.id, [van.id for van in vans])
        for van in vans:
            level: StockLevel = levels[van.id]
            if level.min_quantity is not None and level.rule_template_id is None:
                counts["kept_own"] += 1
                continue
            level.min_quantity, level.max_quantity = line.min_quantity, line.max_quantity
            level.rule_template_id = template.id
            counts["set"] += 1
    audit.record("stock_template.applied", actor, template, name=template.name, **counts)
    db.session.flush()
    return counts
