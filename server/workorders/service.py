"""Work-order rules: who sees what, creation with SLA deadlines, edits, transitions, history.

Functions here flush and never commit: the request (or the CLI command, or the task) that
called them commits once. Every change to an order leaves an event in its history.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..assets.models import Asset
from ..assets.service import warranty_status
from ..customers.models import Address, Customer
from ..database import UTCDateTime, new_uuid, utcnow
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..media.models import Signature
from ..technicians.models import Technician
from ..settings.service import get as settings_value
from ..words import term
from . import charges, grading, lifecycle, sla
from .lifecycle import Status, TransitionError
from .models import NumberSequence, WorkOrder, WorkOrderEvent

# Who may write which field. Everything else is set only by rules (status, SLA, numbers).
OFFICE_FIELDS = frozenset({
    "channel", "type", "priority", "symptom_code", "description", "intake_answers",
    "customer_notes", "appointment_start", "appointment_end", "assignee_id", "language",
    "preferred_start", "preferred_end",
    "respond_by", "resolve_by", "labour_cents", "travel_cents",
})
# session.info key of the per-transaction history counters (cleared with the transaction).
EVENT_SEQ = "doorstep_event_seq"
TECHNICIAN_FIELDS = frozenset({"arrival_notes", "diagnosis", "resolution", "root_cause"})
ROOT_CAUSES = (
    "wear_and_tear", "installation_fault", "manufacturing_defect", "misuse",
    "power_supply", "water_supply", "blockage", "refrigerant_leak", "control_board",
    "no_fault_found", "other",
)


def calendar() -> sla.WorkingCalendar:
    """The company's working calendar (as set under /admin, else the configuration)."""
    from ..settings import service as settings

    return settings.company_calendar()


def order_calendar(order: WorkOrder | None) -> sla.WorkingCalendar:
    """The calendar an order's deadlines are counted on: its region's (the calendar of the
    city of its address, set under /admin/sla) when there is one, else the company's. The
    one rule for SLA, complaint and follow-up deadlines and suggested booking hours."""
    from ..settings import service as settings

    address = order.address if order is not None else None
    return settings.calendar_for(address.city if address is not None else None)


def order_deadlines(priority: str, order_type: str, requested_at, city: str | None):
    """SLA deadlines under the company's policy, counted on the calendar of the order's
    region (its city's own calendar when one is set, else the company's)."""
    from ..settings import service as settings

    return sla.compute_deadlines(priority, order_type, requested_at,
                                 settings.calendar_for(city), settings.sla_policy())


_TECHNICIAN_OF = select(Technician).where(Technician.user_id == bindparam("user_id"))


def technician_of(user: User) -> Technician | None:
    return db.session.scalar(_TECHNICIAN_OF, {"user_id": user.id})


def visible_orders(actor: User) -> Select:
    """A query of the orders ``actor`` may read: all for the office, own for technicians."""
    query = select(WorkOrder)
    if actor.role == "technician":
        tech = technician_of(actor)
        query = query.where(WorkOrder.assignee_id == (tech.id if tech else None))
    return query


@dataclass
class OrderFilters:
    status: list[str] | None = None
    priority: str | None = None
    technician_id: uuid.UUID | None = None
    unassigned: bool = False
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    sla_state: str | None = None


def list_orders(actor: User, filters: OrderFilters, page: int = 1, per_page: int = 50
                ) -> tuple[list[WorkOrder], int]:
    """A page of visible orders matching ``filters``, newest first, and the total count.

    Dates filter on the appointment when there is one, else on the request date, in the
    company's time zone.
    """
    query = visible_orders(actor)
    if filters.status:
        query = query.where(WorkOrder.status.in_(filters.status))
    if filters.priority:
        query = query.where(WorkOrder.priority == filters.priority)
    if filters.sla_state:
        query = query.where(WorkOrder.sla_state == filters.sla_state)
    if filters.technician_id:
        query = query.where(WorkOrder.assignee_id == filters.technician_id)
    if filters.unassigned:
        query = query.where(WorkOrder.assignee_id.is_(None))
    day_column = func.coalesce(WorkOrder.appointment_start, WorkOrder.created_at)
    zone = ZoneInfo(calendar().timezone)
    if filters.date_from:
        query = query.where(day_column >= datetime.combine(filters.date_from, time(), zone))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), zone)
        query = query.where(day_column < end)
    if filters.q:
        like = f"%{filters.q.strip()}%"
        query = query.join(Customer, Customer.id == WorkOrder.customer_id).where(
            or_(WorkOrder.number.ilike(like), Customer.name.ilike(like),
                Customer.phone.ilike(like), WorkOrder.description.ilike(like))
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(selectinload(WorkOrder.customer), selectinload(WorkOrder.assignee)
                      .selectinload(Technician.user))
        .order_by(WorkOrder.created_at.desc(), WorkOrder.number.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return list(rows), total


def get_order(actor: User, order_id: uuid.UUID) -> WorkOrder:
    """The order if ``actor`` may see it. Raises NotFound otherwise (never says it exists)."""
    order = db.session.scalar(visible_orders(actor).where(WorkOrder.id == order_id))
    if order is None:
        raise NotFound("No such work order.")
    return order


def next_number(prefix: str, year: int) -> str:
    """The next human-readable number, e.g. WO-2026-000042. Serialised by the row update."""
    name = f"{prefix}-{year}"
    seq = db.session.get(NumberSequence, name, with_for_update=True)
    if seq is None:
        seq = NumberSequence(name=name, value=0)
        db.session.add(seq)
    seq.value += 1
    db.session.flush()
    return f"{name}-{seq.value:06d}"


def add_event(order: WorkOrder, kind: str, actor: User | None = None, **fields) -> WorkOrderEvent:
    """Append an event to the order's history.

    The next ``seq`` is read once per order and transaction, then counted locally: the
    transaction holds the write lock (SQLite) or the change-feed counter (PostgreSQL), so
    no one else appends to this order's history meanwhile. A gap left by a rolled-back
    savepoint is harmless; ``seq`` only orders events.
    """
    event = WorkOrderEvent(work_order_id=order.id, seq=_next_seq(order.id), kind=kind,
                           actor_id=actor.id if actor else None, **fields)
    db.session.add(event)
    return event


def _next_seq(order_id: uuid.UUID) -> int:
    from sync.positions import transaction_position  # sync.positions imports this module

    counters = db.session.info.setdefault(EVENT_SEQ, {})
    last = counters.get(order_id)
    if last is None:
        # The counter first, then the last number: on PostgreSQL a transaction that writes
        # only history (a customer asking for another window) would otherwise read it while
        # a push appends to the same order, and both would take the same number.
        transaction_position(db.session)
        last = db.session.scalar(
            select(func.max(WorkOrderEvent.seq)).where(WorkOrderEvent.work_order_id == order_id)
        ) or 0
    counters[order_id] = last + 1
    return last + 1


_EVENT_COLUMNS = ("from_status", "to_status", "device_id", "server_time", "device_time",
                  "latitude", "longitude", "reason", "data")


def event_row(order: WorkOrder, kind: str, actor: User | None = None, **fields) -> dict:
    """``add_event``'s event as a row (every column, numbered the same way) for a caller that
    inserts many at once with one statement (a sync batch). Only for kinds no session hook
    reacts to (notes, photos, time logs, part lines): such a row is never in ``session.new``.
    """
    unknown = set(fields) - set(_EVENT_COLUMNS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    row = {"id": new_uuid(), "work_order_id": order.id, "seq": _next_seq(order.id),
           "kind": kind, "actor_id": actor.id if actor else None,
           **{name: None for name in _EVENT_COLUMNS}, "server_time": utcnow(), "data": {}}
    row.update(fields)
    return row


def count_events_from(last_seqs: dict) -> None:
    """Count on from these last ``seq`` of orders' histories (order id → last seq, None for
    none), read by the caller (a sync batch reads them with its orders, in one statement)
    instead of once per order by ``add_event``. Orders already counted in this transaction
    are left as they are."""
    counters = db.session.info.setdefault(EVENT_SEQ, {})
    for order_id, last in last_seqs.items():
        counters.setdefault(order_id, last or 0)


def _check_references(data: dict) -> tuple[Customer, Address, Asset | None]:
    customer = db.session.get(Customer, data["customer_id"])
    if customer is None or customer.deleted_at is not None:
        raise Invalid("Unknown customer.", {"customer_id": ["no such customer"]})
    address_id = data.get("address_id")
    if address_id is None:
        live = [a for a in customer.addresses if a.deleted_at is None]
        if not live:
            raise Invalid("The customer has no address.", {"address_id": ["is required"]})
        address = live[0]
    else:
        address = db.session.get(Address, address_id)
        if address is None or address.customer_id != customer.id:
            raise Invalid("Unknown address.", {"address_id": ["is not this customer's"]})
    asset = None
    if data.get("asset_id"):
        asset = db.session.get(Asset, data["asset_id"])
        if asset is None or asset.customer_id != customer.id:
            raise Invalid("Unknown asset.", {"asset_id": ["is not this customer's"]})
    return customer, address, asset


def _check_assignee(technician_id: uuid.UUID | None) -> None:
    if technician_id is None:
        return
    tech = db.session.get(Technician, technician_id)
    if tech is None or not tech.active:
        raise Invalid("Unknown technician.", {"assignee_id": ["no such active technician"]})


def create_order(actor: User, data: dict, now: datetime | None = None) -> WorkOrder:
    """Create an order from a repair request; SLA deadlines follow from priority and type
    unless given. ``repeat_of_id`` links a repeat repair to the earlier visit.

    Raises Invalid when a reference is unknown or the preferred window is backwards.
    """
    now = now or utcnow()
    customer, address, asset = _check_references(data)
    _check_assignee(data.get("assignee_id"))
    repeat_of = None
    if data.get("repeat_of_id"):
        repeat_of = db.session.get(WorkOrder, data["repeat_of_id"])
        if repeat_of is None or repeat_of.customer_id != customer.id:
            raise Invalid("Unknown earlier order.", {"repeat_of_id": ["is not this customer's"]})
    start, end = data.get("preferred_start"), data.get("preferred_end")
    if start and end and end <= start:
        raise Invalid("The preferred window ends before it starts.",
                      {"preferred_end": ["must be after preferred_start"]})
    deadlines = order_deadlines(data["priority"], data["type"], now, address.city)
    order = WorkOrder(
        id=data.get("id") or uuid.uuid4(),
        number=next_number("WO", now.year),
        channel=data["channel"], type=data["type"], priority=data["priority"],
        status=Status.NEW, language=data.get("language") or customer.language,
        customer_id=customer.id, address_id=address.id,
        asset_id=asset.id if asset else None,
        symptom_code=data.get("symptom_code"), description=data.get("description"),
        intake_answers=data.get("intake_answers") or {},
        customer_notes=data.get("customer_notes"),
        respond_by=data.get("respond_by") or deadlines.respond_by,
        resolve_by=data.get("resolve_by") or deadlines.resolve_by,
        appointment_start=data.get("appointment_start"),
        appointment_end=data.get("appointment_end"),
        preferred_start=data.get("preferred_start"),
        preferred_end=data.get("preferred_end"),
        assignee_id=data.get("assignee_id"),
        owner_id=actor.id,
        repeat_of_id=repeat_of.id if repeat_of else None,
        in_warranty=(warranty_status(asset, now.date()) == "in_warranty") if asset else None,
        currency=settings_value("DOORSTEP_CURRENCY"),
        created_at=now, updated_at=now,
    )
    if repeat_of is not None and charges.is_rework(order):
        # Decided once, when the order is taken: the report and the phone say it alike.
        order.rework_of = repeat_of.number
    recompute_charges(order)
    db.session.add(order)
    db.session.flush()
    created = {"channel": order.channel, "priority": order.priority}
    if repeat_of is not None:
        created["repeat_of"] = repeat_of.number
    add_event(order, "created", actor, to_status=Status.NEW, server_time=now, data=created)
    if order.assignee_id:
        add_event(order, "assigned", actor, server_time=now,
                  data={"from": None, "to": str(order.assignee_id)})
    order.sla_state = sla.grade(order, now)
    return order


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def update_order(actor: User, order: WorkOrder, changes: dict,
                 expected_version: int | None = None, flush: bool = True,
                 record_event=None, **event_fields) -> WorkOrder:
    """Change fields the actor's role owns; each change is recorded with its old value.

    ``event_fields`` (``device_id``, ``device_time``, ``server_time``) go on each change's
    history event: an edit synced from a device says which device and when. ``flush=False``
    leaves the flush to the caller (the sync engine flushes a whole batch at once), and
    ``record_event(order, kind, actor, **fields)`` writes the events instead of
    ``add_event`` (the sync engine inserts a batch's technician-field events together).

    Raises Forbidden for a field the role does not own, Conflict for a stale edit or a
    closed order, Invalid for a bad reference.
    """
    if expected_version is not None and expected_version != order.version:
        raise Conflict("The order changed since you loaded it.",
                       {"version": [f"is {order.version}, you had {expected_version}"]},
                       code="stale")
    allowed = TECHNICIAN_FIELDS if actor.role == "technician" else OFFICE_FIELDS | TECHNICIAN_FIELDS
    refused = sorted(set(changes) - allowed)
    if refused:
        raise Forbidden("You may not change these fields.",
                        {f: ["is not yours to change"] for f in refused})
    if order.status in lifecycle.TERMINAL:
        raise Conflict(f"The order is {order.status}; reopen it first.", code="order_closed")
    if "root_cause" in changes and changes["root_cause"] not in (None, *ROOT_CAUSES):
        raise Invalid("Unknown root cause.", {"root_cause": ["is not in the picklist"]})
    if "assignee_id" in changes:
        _check_assignee(changes["assignee_id"])
    start = changes.get("appointment_start", order.appointment_start)
    end = changes.get("appointment_end", order.appointment_end)
    if start and end and end <= start:
        raise Invalid("The appointment ends before it starts.",
                      {"appointment_end": ["must be after appointment_start"]})
    for field, new in changes.items():
        old = getattr(order, field)
        if old == new:
            continue
        setattr(order, field, new)
        kind = "assigned" if field == "assignee_id" else "field_changed"
        (record_event or add_event)(order, kind, actor, data={
            "field": field, "from": _jsonable(old), "to": _jsonable(new)}, **event_fields)
    order.sla_state = sla.grade(order, utcnow())
    if flush:
        db.session.flush()
    return order


def back_to_the_queue_for_parts(order: WorkOrder) -> bool:
    """The parts a job paused for (awaiting parts) are on its technician's van: its past
    appointment is cleared, so the order is in the office's queue for a new one (its
    technician stays). Each cleared field is in the history. Returns whether it changed."""
    if order.status != lifecycle.Status.AWAITING_PARTS or order.appointment_start is None:
        return False
    for field in ("appointment_start", "appointment_end"):
        old = getattr(order, field)
        if old is not None:
            setattr(order, field, None)
            add_event(order, "field_changed", None, data={
                "field": field, "from": _jsonable(old), "to": None, "why": "parts_on_van"})
    order.sla_state = sla.grade(order, utcnow())
    db.session.flush()
    return True


# Rules other areas add for completing a job (e.g. server.checklists: every required item
# answered). Each takes the order and raises a ServiceError (with a code) to refuse; kept as
# a list here so this module imports none of those areas.
COMPLETION_CHECKS: list = []


def transition(actor: User, order: WorkOrder, target: str, reason: str | None = None,
               device_time: datetime | None = None, latitude: float | None = None,
               longitude: float | None = None, device_id: uuid.UUID | None = None,
               now: datetime | None = None, flush: bool = True) -> WorkOrderEvent:
    """Move the order to ``target`` if the state machine allows it; record who, when, where.
    ``flush=False`` leaves the flush to the caller (the sync engine's batch).

    Raises Conflict (with the state machine's code) when the transition is refused.
    """
    now = now or utcnow()
    try:
        lifecycle.check_transition(order, target, actor.role, reason,
                                   signed=target == Status.SIGNED and has_customer_signature(order))
    except TransitionError as refused:
        raise Conflict(refused.message, {"to": [refused.message]}, code=refused.code) from None
    if target == Status.COMPLETED:
        for check in COMPLETION_CHECKS:
            check(order)
    previous = order.status
    order.status = target
    if target == Status.ON_SITE and order.started_at is None:
        order.started_at = device_time or now
    elif target == Status.COMPLETED:
        order.completed_at = device_time or now
    elif target == Status.CLOSED:
        order.closed_at = now
    elif target == Status.REOPENED:
        order.completed_at = order.closed_at = None
    event = add_event(order, "transition", actor, from_status=previous, to_status=target,
                      reason=reason, device_time=device_time, server_time=now,
                      latitude=latitude, longitude=longitude, device_id=device_id)
    order.sla_state = sla.grade(order, now)
    if flush:
        db.session.flush()
    return event


def has_customer_signature(order: WorkOrder) -> bool:
    """Whether a customer's signature is captured for the order's current visit: there is
    one, and it arrived after the order was last reopened (an older one signed other work).
    """
    received = db.session.scalar(select(Signature.received_at)
                                 .where(Signature.work_order_id == order.id)
                                 .order_by(Signature.received_at.desc()).limit(1))
    if received is None:
        return False
    reopened = db.session.scalar(select(func.max(WorkOrderEvent.server_time)).where(
        WorkOrderEvent.work_order_id == order.id, WorkOrderEvent.kind == "transition",
        WorkOrderEvent.to_status == Status.REOPENED))
    return reopened is None or received >= reopened


def grade_open_orders(now: datetime | None = None) -> int:
    """Re-grade every open order's SLA state; returns how many changed.

    Set-based (``grading``): one pass over the open orders finds those whose state changes,
    then they are updated by id (or, when thousands change at once, by the same condition),
    so the sweep stays cheap with a hundred thousand open orders. An order turning red gets
    an ``sla_breached`` event in its history. Changed rows take this transaction's
    change-feed position so devices pull the new state; their ``version`` is left alone,
    since a regrade is not an edit that should make a dispatcher's open form stale.
    """
    from sync.positions import transaction_position  # sync.positions imports this module

    now = now or utcnow()
    session = db.session
    session.flush()
    new_state = grading.grade(now, session.get_bind().dialect.name)
    changing = session.execute(
        select(WorkOrder.id, new_state, grading.running_deadline_kind(),
               grading.running_deadline())
        .where(WorkOrder.status.in_(sorted(lifecycle.OPEN)),
               WorkOrder.sla_state != new_state)).all()
    if not changing:
        return 0
    position = transaction_position(session)
    turned_red = [order_id for order_id, state, _, _ in changing if state == "red"]
    if len(changing) <= BY_ID_LIMIT:
        by_state: dict[str, list[uuid.UUID]] = {}
        for order_id, state, _kind, _due in changing:
            by_state.setdefault(state, []).append(order_id)
        for state, ids in by_state.items():
            for chunk in _chunks(ids):
                session.execute(
                    update(WorkOrder).where(WorkOrder.id.in_(chunk))
                    .values(sla_state=state, sync_pos=position)
                    .execution_options(synchronize_session=False))
        _record_breaches(now, [WorkOrder.id.in_(chunk) for chunk in _chunks(turned_red)])
    else:
        # Many at once (the worker was down, or orders were imported): let the database do
        # it in two statements rather than hundreds of small ones.
        is_open = WorkOrder.status.in_(sorted(lifecycle.OPEN))
        _record_breaches(now, [and_(is_open, WorkOrder.sla_state != "red",
                                    new_state == "red")])
        session.execute(
            update(WorkOrder).where(is_open, WorkOrder.sla_state != new_state)
            .values(sla_state=new_state, sync_pos=position)
            .execution_options(synchronize_session=False))
    _forget_seq(turned_red)
    # Orders already loaded in this session read their new state from the database.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, WorkOrder):
            session.expire(obj, ["sla_state", "sync_pos", "updated_at"])
    return len(changing)


# Up to this many changes a sweep updates by id; beyond, by condition.
BY_ID_LIMIT = 2000


def _chunks(items: list, size: int = 500):
    return [items[i:i + size] for i in range(0, len(items), size)]


def _record_breaches(now: datetime, conditions: list) -> None:
    """An ``sla_breached`` event for each order matching each condition, written by the
    database itself (INSERT … SELECT): a sweep may turn tens of thousands red at once."""
    dialect = db.session.get_bind().dialect.name
    table = WorkOrderEvent.__table__
    last = (select(func.coalesce(func.max(table.c.seq), 0) + 1)
            .where(table.c.work_order_id == WorkOrder.id).scalar_subquery())
    columns = ["id", "work_order_id", "seq", "kind", "server_time", "data"]
    for condition in conditions:
        rows = select(
            grading.new_uuid(dialect), WorkOrder.id, last, literal("sla_breached"),
            literal(now, UTCDateTime),
            grading.json_object(dialect, "deadline", grading.running_deadline_kind(),
                                "due", grading.iso_utc(grading.running_deadline(), dialect)),
        ).where(condition)
        db.session.execute(table.insert().from_select(columns, rows))


def add_events_in_bulk(events: list[tuple[uuid.UUID, dict]]) -> None:
    """Append many events (``(order_id, fields)``) at once, numbered after each order's last.

    For sweeps that touch thousands of orders; ``add_event`` is the one-order form.
    """
    if not events:
        return
    last_seq: dict[uuid.UUID, int] = {}
    ids = sorted({order_id for order_id, _ in events})
    for chunk in range(0, len(ids), 500):
        last_seq.update(db.session.execute(
            select(WorkOrderEvent.work_order_id, func.max(WorkOrderEvent.seq))
            .where(WorkOrderEvent.work_order_id.in_(ids[chunk:chunk + 500]))
            .group_by(WorkOrderEvent.work_order_id)).all())
    rows = []
    for order_id, fields in events:
        last_seq[order_id] = last_seq.get(order_id, 0) + 1
        rows.append({"id": uuid.uuid4(), "work_order_id": order_id, "seq": last_seq[order_id],
                     "kind": None, "from_status": None, "to_status": None, "actor_id": None,
                     "device_id": None, "device_time": None, "latitude": None,
                     "longitude": None, "reason": None, "data": {}, **fields})
    # Core, not ORM, inserts: a catch-up sweep may write tens of thousands of events.
    db.session.execute(insert(WorkOrderEvent.__table__), rows)
    _forget_seq(ids)


def _forget_seq(order_ids) -> None:
    """Bulk writes bypass ``add_event``'s counters: make it read these orders' seq again."""
    counters = db.session.info.get(EVENT_SEQ)
    if counters:
        for order_id in order_ids:
            counters.pop(order_id, None)


def history(order: WorkOrder) -> list[WorkOrderEvent]:
    return list(db.session.scalars(
        select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id)
        .options(selectinload(WorkOrderEvent.actor)).order_by(WorkOrderEvent.seq)
    ))


def previous_visits(order: WorkOrder, limit: int = 10) -> list[WorkOrder]:
    """Earlier orders on the same asset (or, with no asset, for the same customer)."""
    query = select(WorkOrder).where(WorkOrder.id != order.id,
                                    WorkOrder.created_at < order.created_at)
    if order.asset_id:
        query = query.where(WorkOrder.asset_id == order.asset_id)
    else:
        query = query.where(WorkOrder.customer_id == order.customer_id)
    return list(db.session.scalars(query.order_by(WorkOrder.created_at.desc()).limit(limit)))


def recompute_charges(order: WorkOrder) -> None:
    """Store the order's charges (``charges.apply_charges``: parts from its lines, labour and
    travel from the tariff unless the office set them, nothing in warranty). The phone shows
    these before the customer signs; the signed content and the PDF use the same function.
    """
    charges.apply_charges(order)


def recompute_charges_many(orders) -> None:
    """``recompute_charges`` for several orders, their part lines read in one query (a sync
    batch's changed orders). Nothing a charge decides changes another order's lines, so
    each order gets the charges ``recompute_charges`` would give it."""
    orders = list(orders)
    # In warranty nothing is charged: its parts cost 0 whatever its lines say, so only the
    # charged orders' lines are read.
    lines = charges.part_lines_of([order for order in orders if not order.in_warranty])
    for order in orders:
        charges.apply_charges(order, lines.get(order.id, []))


# -- office actions on an order -------------------------------------------------------------

# What the office can do to an order, and the status each action moves it to. ``hold``
# pauses a visit on site (waiting for the customer, or for parts with ``waiting_for``).
ACTIONS = ("cancel", "hold", "close", "reopen")
REASON_REQUIRED = frozenset({"cancel", "hold", "reopen"})
HOLD_TARGETS = {"customer": Status.AWAITING_CUSTOMER, "parts": Status.AWAITING_PARTS}


def _action_target(action: str, waiting_for: str = "customer") -> Status:
    return {"cancel": Status.CANCELLED, "close": Status.CLOSED, "reopen": Status.REOPENED,
            "hold": HOLD_TARGETS.get(waiting_for, Status.AWAITING_CUSTOMER)}[action]


def _has_ready_report(order: WorkOrder) -> bool:
    from .visit import latest_report

    report = latest_report(order)
    return report is not None and report.status == "ready" and report.signature_id is not None


def allowed_actions(actor: User, order: WorkOrder) -> list[str]:
    """The actions ``actor`` may take on ``order`` now, in the state machine's terms.

    Close needs a signed report that is ready (a customer's signature on a rendered PDF).
    """
    allowed = []
    for action in ACTIONS:
        target = _action_target(action)
        rule = lifecycle.TRANSITIONS.get((order.status, target))
        if rule is None or actor.role not in rule.roles:
            continue
        if action == "close" and not _has_ready_report(order):
            continue
        allowed.append(action)
    return allowed


def act(actor: User, order: WorkOrder, action: str, reason: str | None = None,
        waiting_for: str = "customer", now: datetime | None = None) -> WorkOrder | None:
    """Take an office action on ``order``; returns the new visit an order reopened with.

    Raises Conflict (code ``action_not_allowed``, ``errors.action`` naming the actions
    allowed now) when the state machine or the closing rule refuses it, Invalid (naming
    ``reason`` or ``waiting_for``) for missing input. Nothing is written when it raises.
    """
    from flask_babel import gettext as _

    now = now or utcnow()
    reason = (reason or "").strip() or None
    if action not in ACTIONS:
        raise Invalid(_("Unknown action."),
                      {"action": [_("must be one of: %(names)s", names=", ".join(ACTIONS))]})
    if action == "hold" and waiting_for not in HOLD_TARGETS:
        raise Invalid(_("Say what the order waits for."),
                      {"waiting_for": [_("must be one of: %(names)s",
                                         names=", ".join(HOLD_TARGETS))]})
    allowed = allowed_actions(actor, order)
    if action not in allowed:
        if action == "close" and order.status in (Status.COMPLETED, Status.SIGNED):
            why = _("The order can be closed only once the customer's signed report is ready.")
        else:
            why = _("This action is not allowed while the order is %(status)s.",
                    status=term(order.status))
        raise Conflict(why, {"action": [_("allowed now: %(names)s",
                                          names=", ".join(allowed) or _("none"))]},
                       code="action_not_allowed")
    if action in REASON_REQUIRED and reason is None:
        raise Invalid(_("Say why."), {"reason": [_("is required for this action")]})
    if reason is not None and (len(reason) > 500 or "\x00" in reason):
        # The console's form reaches here unchecked; no database stores NUL in text.
        raise Invalid(_("The reason is too long or holds a character text cannot."),
                      {"reason": [_("at most 500 characters, no NUL")]})
    if action == "cancel":
        from .visit import work_on_site

        kept = work_on_site(order)
        event = transition(actor, order, Status.CANCELLED, reason, now=now)
        if kept:
            # The sync rules keep work done on site; the history says it is there.
            event.data = {"work_kept": kept}
        return None
    if action == "reopen":
        event = transition(actor, order, Status.REOPENED, reason, now=now)
        visit = create_order(actor, {
            "channel": order.channel, "type": order.type, "priority": order.priority,
            "customer_id": order.customer_id, "address_id": order.address_id,
            "asset_id": order.asset_id, "symptom_code": order.symptom_code,
            "description": order.description, "intake_answers": order.intake_answers,
            "customer_notes": order.customer_notes, "language": order.language,
            "repeat_of_id": order.id}, now=now)
        event.data = {"new_visit": visit.number, "new_visit_id": str(visit.id)}
        db.session.flush()
        return visit
    transition(actor, order, _action_target(action, waiting_for), reason, now=now)
    return None


def reopened_as(order: WorkOrder) -> WorkOrder | None:
    """The newest visit that reopening ``order`` made, if any."""
    return db.session.scalar(select(WorkOrder).where(WorkOrder.repeat_of_id == order.id)
                             .order_by(WorkOrder.created_at.desc()).limit(1))
