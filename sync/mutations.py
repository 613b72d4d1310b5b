"""The registry of mutations a device may push: ``name@version → apply(ctx, args)``.

Each mutation validates its arguments with its own schema, then applies through the same
domain services the API and the console use (the state machine included). A mutation that
can never apply raises ``Rejected``; the push loop records it and moves on.

Conflict rules (docs/sync-protocol.md, "Conflicts"):
* dispatcher-owned fields cannot be set from a device at all (``set_fields`` refuses them);
* status goes through the state machine; a completion the machine refuses (the order was
  cancelled or reassigned meanwhile) is kept, forced, and flagged — work done on site is
  never discarded; other refused status steps are rejected and listed;
* technician fields: last write wins per field in server arrival order; the overwritten
  value is in the order's history, and overwriting someone else's value is a conflict;
* notes, parts used, photos, time logs, surveys: append-only lines keyed by UUID;
* signature: write-once.

Older versions stay registered with an ``upgrade`` that turns their arguments into the
next version's, so the previous app's outbox keeps working after a server update.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from server.accounts.models import Device, User
from server.billing import service as billing
from server.database import Syncable
from server.errors import ServiceError
from server.extensions import db
from server.feedback.models import Survey
from server.inventory import fieldstock
from server.inventory import service as stock
from server.inventory.models import MovementKind, Part, StockLocation
from server.kpis import rollup as kpi_rollup
from server.media import service as media
from server.media.models import Photo, PhotoKind, Signature
from server.reports import triggers as report_triggers
from server.schemas import AwareDateTime, Integer
from server.technicians.models import Technician
from server.workorders import service as orders
from server.workorders.lifecycle import Status
from server.workorders.models import (
    PartUsage,
    TimeLog,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderNote,
)

from .models import ScopeInterval, SyncConflict
from .positions import transaction_position


class Rejected(Exception):
    """The mutation can never apply. ``reason`` is a stable code; ``errors`` names fields."""

    def __init__(self, reason: str, message: str, errors: dict | None = None):
        super().__init__(message)
        self.reason, self.message, self.errors = reason, message, errors or {}


@dataclass
class Context:
    session: Session
    actor: User
    device: Device
    technician: Technician
    mutation_id: int
    now: datetime
    conflicts: list[dict] = field(default_factory=list)
    # Orders this technician was ever assigned, looked up once per batch.
    ever_assigned: dict = field(default_factory=dict)
    # Line ids (``(model, id)``) the database did not hold when the batch began, read in
    # one statement for the batch (``sync.push.lookups``); an id leaves the set once claimed.
    absent_lines: set = field(default_factory=set)
    # Rows read for the batch, held so the session's weak identity map keeps them: each
    # mutation finds its order, parts and van there instead of selecting them again.
    held: dict = field(default_factory=dict)
    # Photo hashes with neither bytes nor a refusal recorded when the batch began, read in
    # one query (``sync.push.unknown_bytes``): their photos wait without a look-up each.
    unknown_bytes: set = field(default_factory=set)
    # Work the batch owes and does once (``settle``) instead of once per mutation.
    owed: Owed | None = None

    def conflict(self, order: WorkOrder, kind: str, message: str, **data) -> None:
        """Record a conflict for the dispatcher and in the order's history."""
        self.session.add(SyncConflict(work_order_id=order.id, device_id=self.device.id,
                                      mutation_id=self.mutation_id, kind=kind, message=message,
                                      data=data, created_at=self.now))
        orders.add_event(order, "conflict", self.actor, device_id=self.device.id,
                         server_time=self.now, reason=message, data={"kind": kind, **data})
        self.conflicts.append({"kind": kind, "message": message})


@dataclass
class Owed:
    """Work a batch owes, done once by ``settle``: the ledger lines of the van's parts (their
    levels locked and moved once per part), the reservations those parts end, and each
    changed order's charges (computed once from all its lines). Nothing a mutation decides
    depends on it; a mutation that may read it (``Mutation.settled``) runs after ``settle``.
    """

    moves: list = field(default_factory=list)
    used: dict = field(default_factory=dict)  # van id → [(order id, part id)]
    charges: dict = field(default_factory=dict)  # order id → order
    # Append-only rows no session hook needs to see (notes, photos, time logs, and the history
    # events of lines: ``_owe_event``): model → {id: row}, inserted in one executemany per
    # table instead of one ORM object each. ``claim_line`` looks here first, so a line id
    # sent twice in a run is judged as before.
    rows: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.moves or self.used or self.charges or self.rows)


def settle(ctx_or_owed) -> None:
    """Do the work owed so far (``Owed``), in the order the mutations owed it; flushes."""
    owed = getattr(ctx_or_owed, "owed", ctx_or_owed)
    if not owed:
        return
    moves, used, charges, rows = owed.moves, owed.used, owed.charges, owed.rows
    owed.moves, owed.used, owed.charges, owed.rows = [], {}, {}, {}
    if rows:
        session = db.session()
        position = transaction_position(session)  # what positions stamps on ORM rows
        # The run's ORM objects first (the order, its part lines, transition events: what
        # the session's hooks watch), as the first insert's autoflush did; then the owed
        # rows straight on the connection, one INSERT per table built once.
        session.flush()
        connection = session.connection()
        for model, by_id in rows.items():
            stamp = {"sync_pos": position} if issubclass(model, Syncable) else {}
            connection.execute(_insert_of(model), [{**row, **stamp} for row in by_id.values()])
            if model is TimeLog:  # no flush sees these rows: the KPI rollup must be told
                kpi_rollup.note_written("TimeLog", by_id)
            elif model is Photo:  # nor the signed reports (their content lists photos)
                report_triggers.note_written({row["work_order_id"] for row in by_id.values()})
    if moves:
        stock.record_movements(moves, ledger_objects=False,
                               position=transaction_position(db.session()))
    for van_id, pairs in used.items():
        fieldstock.on_parts_used(van_id, pairs)
    if charges:
        orders.recompute_charges_many(charges.values())


@functools.cache
def _insert_of(model):
    """The plain INSERT of ``model``'s table (``settle``), built once."""
    return insert(model.__table__)


@dataclass(frozen=True)
class Mutation:
    name: str
    version: int
    schema: type[Schema]
    apply: Callable[[Context, dict], None] | None = None
    # For an old version: turns its arguments into the next version's.
    upgrade: Callable[[dict], dict] | None = None
    # The argument naming the line this mutation creates (``note_id``…), if any: what a
    # duplicate-key refusal from the database is reported against.
    line_id: str | None = None
    # The table of that line, so a push can read a batch's line ids in one query.
    line_model: type | None = None
    # Whether it must see the work the batch owes done first (``Owed``: charges, van stock
    # levels, reservations). Only mutations that read none of it say False.
    settled: bool = True


REGISTRY: dict[tuple[str, int], Mutation] = {}


def mutation(name: str, version: int, schema: type[Schema], line_id: str | None = None,
             line_model: type | None = None, settled: bool = True):
    def register(apply):
        REGISTRY[(name, version)] = Mutation(name, version, schema, apply=apply,
                                             line_id=line_id, line_model=line_model,
                                             settled=settled)
        return apply
    return register


def legacy(name: str, version: int, schema: type[Schema]):
    def register(upgrade):
        REGISTRY[(name, version)] = Mutation(name, version, schema, upgrade=upgrade)
        return upgrade
    return register


# -- argument schemas ---------------------------------------------------------------------

# Shared with the REST API (server/schemas.py): an offset is required, the year bounded;
# whole numbers are JSON integers (1.5 and "2" are refused, never truncated).
_when = AwareDateTime


class OrderArgs(Schema):
    order_id = fields.UUID(required=True)


class Located(OrderArgs):
    device_time = _when(required=True)
    latitude = fields.Float(validate=validate.Range(-90, 90), allow_none=True)
    longitude = fields.Float(validate=validate.Range(-180, 180), allow_none=True)


class TransitionV1(OrderArgs):
    to = fields.String(required=True, validate=validate.OneOf(list(Status)))
    device_time = _when(required=True)


class TransitionV2(Located):
    to = fields.String(required=True, validate=validate.OneOf(list(Status)))
    reason = fields.String(validate=validate.Length(max=2000), allow_none=True)


class SetFields(OrderArgs):
    changes = fields.Dict(data_key="fields", required=True, keys=fields.String(
        validate=validate.OneOf(sorted(orders.TECHNICIAN_FIELDS))),
        values=fields.String(validate=validate.Length(max=5000), allow_none=True),
        validate=validate.Length(min=1))
    # What the device showed before the edit, per field: lets the server tell an edit
    # from an overwrite of someone else's newer value.
    base = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                       load_default=dict)
    device_time = _when(required=True)


class AddNote(OrderArgs):
    note_id = fields.UUID(required=True)
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    device_time = _when(required=True)


class PartLine(OrderArgs):
    line_id = fields.UUID(required=True)
    part_id = fields.UUID(required=True)
    quantity = Integer(required=True, validate=validate.Range(min=1, max=999))
    device_time = _when(required=True)


class AttachPhoto(OrderArgs):
    photo_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(PhotoKind)))
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    taken_at = _when(allow_none=True)
    caption = fields.String(validate=validate.Length(max=200), allow_none=True)


class LogTime(OrderArgs):
    log_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["travel", "work"]))
    started_at = _when(required=True)
    ended_at = _when(required=True)


class CaptureSignature(Located):
    signature_id = fields.UUID(required=True)
    signer_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    image_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    content_hash = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))


class SubmitSurvey(OrderArgs):
    survey_id = fields.UUID(required=True)
    rating = Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(validate=validate.Length(max=2000), allow_none=True)


# -- shared steps ---------------------------------------------------------------------------

def load_order(ctx: Context, order_id: uuid.UUID) -> WorkOrder:
    """The order, if it is or ever was in this technician's scope.

    An order reassigned or cancelled while the phone was offline still takes the work done
    on it (flagged as a conflict); one never assigned to them is refused.
    """
    # The batch's prefetch holds its orders (``sync.push.prefetch``): no identity-map
    # look-up through the session for each of its mutations.
    order = ctx.held.get((WorkOrder, order_id)) or ctx.session.get(WorkOrder, order_id)
    if order is not None:
        ctx.held[(WorkOrder, order_id)] = order
    if order is not None and order_id not in ctx.ever_assigned:
        ctx.ever_assigned[order_id] = ctx.session.scalar(
            select(ScopeInterval.id).where(ScopeInterval.work_order_id == order_id,
                                           ScopeInterval.technician_id == ctx.technician.id)
            .limit(1)) is not None
    if order is None or not ctx.ever_assigned[order_id]:
        raise Rejected("not_in_scope", "This order was never assigned to you.",
                       {"order_id": ["is not one of your orders"]})
    return order


def in_scope_now(ctx: Context, order: WorkOrder) -> bool:
    return order.assignee_id == ctx.technician.id and order.status not in {
        Status.CLOSED, Status.CANCELLED}


def flag_if_out_of_scope(ctx: Context, order: WorkOrder, what: str) -> None:
    if not in_scope_now(ctx, order):
        ctx.conflict(order, "after_reassignment",
                     f"{what} arrived after the order left the technician's list "
                     f"(now {order.status}, assigned elsewhere or unassigned); it was kept.",
                     status=order.status)


def claim_line(ctx: Context, model: type, field_name: str, line_id: uuid.UUID,
               order: WorkOrder, **content) -> bool:
    """Whether ``line_id`` is new, so the caller writes the line.

    A line id names one line for good: the same id on the same order with the same content
    is a replay (False: nothing to do); on another order or with other content it is a
    client bug, rejected ``duplicate_id`` (it must never be answered "applied" while doing
    nothing). The database's unique keys back this up (see ``sync.push``).

    An id the batch's prefetch found absent is new without another query; it is taken out
    of ``ctx.absent_lines`` here, so a second use of it in the same batch is looked up.
    """
    owed = ctx.owed.rows.get(model) if ctx.owed is not None else None
    if owed and line_id in owed:  # written by this run, not inserted yet (``Owed.rows``)
        row = owed[line_id]
        if row["work_order_id"] == order.id and all(
                row[name] == value for name, value in content.items()):
            return False
        raise Rejected("duplicate_id",
                       "This id is already used for another order or other content.",
                       {field_name: ["is already used for another order or other content"]})
    if (model, line_id) in ctx.absent_lines:
        ctx.absent_lines.discard((model, line_id))
        return True
    existing = ctx.session.get(model, line_id)
    if existing is None:
        return True
    if existing.work_order_id == order.id and all(
            getattr(existing, name) == value for name, value in content.items()):
        return False
    raise Rejected("duplicate_id",
                   "This id is already used for another order or other content.",
                   {field_name: ["is already used for another order or other content"]})


def _owe_row(ctx: Context, model: type, row: dict) -> None:
    """Write an append-only line (every column but ``sync_pos``) with the run's others at
    ``settle`` (``Owed.rows``); at once when there is no run."""
    owed = ctx.owed if ctx.owed is not None else Owed()
    owed.rows.setdefault(model, {})[row["id"]] = row
    if ctx.owed is None:
        settle(owed)


def _owe_event(ctx: Context, order: WorkOrder, kind: str, **fields) -> None:
    """A history event of a line (note, part line, photo, time log) or of a technician
    field's change, owed like a line (``_owe_row``), numbered now, in the mutation's order.
    Only events no session hook reacts to: messages and follow-ups start from transitions
    and appointment changes, and the KPI rollup reads only transitions (the order is noted
    by its other rows anyway)."""
    _owe_row(ctx, WorkOrderEvent, orders.event_row(order, kind, ctx.actor, **fields))


def _money_rule(check, order: WorkOrder) -> None:
    """Out of warranty, the customer decides on a quote before the work (server.billing)."""
    try:
        check(order)
    except ServiceError as refused:
        raise Rejected(refused.code, refused.message, refused.errors) from None


def _office_view(order: WorkOrder) -> bool:
    return order.status in {Status.CLOSED, Status.CANCELLED}


# -- mutations ------------------------------------------------------------------------------

@legacy("transition", 1, TransitionV1)
def _transition_v1(args: dict) -> dict:
    return {**args, "latitude": None, "longitude": None, "reason": None}


@mutation("transition", 2, TransitionV2, settled=False)
def transition(ctx: Context, args: dict) -> None:
    order = load_order(ctx, args["order_id"])
    if order.status == args["to"]:
        return  # already there (the office or another step got it there): nothing to do
    if args["to"] == Status.COMPLETED:
        _money_rule(billing.check_may_complete, order)
    if args["to"] != Status.COMPLETED and not in_scope_now(ctx, order):
        # A stale phone must not move an order that is now someone else's (or closed).
        raise Rejected("no_longer_yours",
                       f"The order was reassigned or {order.status} while you were offline; "
                       "this status step was not applied.",
                       {"order_id": [f"is {order.status} and no longer assigned to you"]})
    try:
        orders.transition(ctx.actor, order, args["to"], reason=args.get("reason"),
                          device_time=args["device_time"], latitude=args.get("latitude"),
                          longitude=args.get("longitude"), device_id=ctx.device.id,
                          now=ctx.now, flush=False)
    except ServiceError as refused:
        if args["to"] != Status.COMPLETED or refused.code == "checklist_incomplete" \
                or not _was_on_site(ctx, order):
            # An incomplete required checklist is the technician's to finish on site: the
            # phone said what is missing before they tried; the completion is refused.
            raise Rejected(refused.code or "transition_refused", refused.message,
                           refused.errors) from None
        for check in orders.COMPLETION_CHECKS:  # an incomplete checklist is never kept
            try:
                check(order)
            except ServiceError as incomplete:
                raise Rejected(incomplete.code, incomplete.message, incomplete.errors) from None
        # Work done on site is never discarded: keep the completion, flag it.
        previous = order.status
        order.status = Status.COMPLETED
        order.completed_at = args["device_time"]
        orders.add_event(order, "transition", ctx.actor, from_status=previous,
                         to_status=Status.COMPLETED, device_time=args["device_time"],
                         server_time=ctx.now, latitude=args.get("latitude"),
                         longitude=args.get("longitude"), device_id=ctx.device.id,
                         reason="kept from the device: " + refused.message)
        ctx.conflict(order, "completed_after_" + previous,
                     f"The technician completed the job on site while the order was "
                     f"{previous}; the completion was kept.", previous_status=previous)
        _on_to_signed(ctx, order, args)
        return
    if args["to"] == Status.COMPLETED:
        flag_if_out_of_scope(ctx, order, "A completion")
        _on_to_signed(ctx, order, args)


def _on_to_signed(ctx: Context, order: WorkOrder, args: dict) -> None:
    """A customer's signature that arrived before the completion (kept as a conflict)
    takes the completed order on to ``signed``: the state machine lets nothing else."""
    if order.status == Status.COMPLETED and orders.has_customer_signature(order):
        orders.transition(ctx.actor, order, Status.SIGNED, device_time=args["device_time"],
                          latitude=args.get("latitude"), longitude=args.get("longitude"),
                          device_id=ctx.device.id, now=ctx.now, flush=False)


def _was_on_site(ctx: Context, order: WorkOrder) -> bool:
    """Whether this technician recorded arriving on site since the order was last reopened."""
    history = ctx.session.execute(
        select(WorkOrderEvent.to_status, WorkOrderEvent.actor_id)
        .where(WorkOrderEvent.work_order_id == order.id, WorkOrderEvent.kind == "transition")
        .order_by(WorkOrderEvent.seq.desc())).all()
    for to_status, actor_id in history:
        if to_status == Status.REOPENED:
            return False
        if to_status == Status.ON_SITE and actor_id == ctx.actor.id:
            return True
    return False


@mutation("set_fields", 1, SetFields, settled=False)
def set_fields(ctx: Context, args: dict) -> None:
    order = load_order(ctx, args["order_id"])
    if order.status in {Status.CLOSED, Status.CANCELLED}:
        raise Rejected("order_closed", f"The order is {order.status}; its report is final.",
                       {"order_id": [f"is {order.status}"]})
    changes = {}
    for name, value in args["changes"].items():
        if name == "root_cause" and value not in (None, *orders.ROOT_CAUSES):
            raise Rejected("invalid_value", "Unknown root cause.",
                           {"fields": {"root_cause": ["is not in the picklist"]}})
        current = getattr(order, name)
        if name in args["base"] and current != args["base"][name] and current != value:
            ctx.conflict(order, "field_overwritten",
                         f"{name} was changed on the server after the technician loaded it; "
                         "the technician's later value won, the other is in the history.",
                         field=name, overwritten=current, device_base=args["base"][name],
                         value=value)
        changes[name] = value
    # Technician fields only (the schema refuses the rest): their ``field_changed`` events
    # start no message (only ``appointment_start`` does), so they are owed like lines'.
    orders.update_order(ctx.actor, order, changes, device_id=ctx.device.id,
                        server_time=ctx.now, device_time=args["device_time"], flush=False,
                        record_event=lambda order, kind, actor, **fields: _owe_event(
                            ctx, order, kind, **fields))
    flag_if_out_of_scope(ctx, order, "A field edit")


@mutation("add_note", 1, AddNote, line_id="note_id",
          line_model=WorkOrderNote, settled=False)
def add_note(ctx: Context, args: dict) -> None:
    order = load_order(ctx, args["order_id"])
    if not claim_line(ctx, WorkOrderNote, "note_id", args["note_id"], order, body=args["body"]):
        return
    _owe_row(ctx, WorkOrderNote, {
        "id": args["note_id"], "work_order_id": order.id, "author_id": ctx.actor.id,
        "body": args["body"], "device_time": args["device_time"], "created_at": ctx.now})
    _owe_event(ctx, order, "note", device_id=ctx.device.id, server_time=ctx.now,
               device_time=args["device_time"], data={"note_id": str(args["note_id"])})
    flag_if_out_of_scope(ctx, order, "A note")


def _van(ctx: Context) -> StockLocation:
    van = ctx.held.get(StockLocation)  # no mutation moves a van: read once per batch
    if van is None:
        van = ctx.session.scalar(select(StockLocation).where(
            StockLocation.technician_id == ctx.technician.id))
        if van is not None:
            ctx.held[StockLocation] = van
    if van is None:
        raise Rejected("no_van", "You have no van stock location; ask the office.")
    return van


def _move_part(ctx: Context, args: dict, sign: int) -> None:
    """A part line: +quantity used (out of the van) or −quantity returned (into the van)."""
    order = load_order(ctx, args["order_id"])
    if not claim_line(ctx, PartUsage, "line_id", args["line_id"], order,
                      part_id=args["part_id"], quantity=sign * args["quantity"]):
        return  # the same line again: append-only by UUID
    part = ctx.held.get((Part, args["part_id"])) or ctx.session.get(Part, args["part_id"])
    if part is not None:
        ctx.held[(Part, part.id)] = part
    if part is None:
        raise Rejected("unknown_part", "No such part.", {"part_id": ["no such part"]})
    if sign > 0:
        _money_rule(billing.check_may_use_parts, order)
    van = _van(ctx)
    quantity = args["quantity"]
    if sign < 0:
        used = sum(line.quantity for line in order.parts_used if line.part_id == part.id)
        if quantity > used:
            raise Rejected("return_exceeds_use", f"Only {used} of this part were used.",
                           {"quantity": [f"must be at most {used}"]})
    # One ledger line per part line (server.inventory.service keeps levels = ledger).
    # The van may go negative on use: the part was physically used; the office counts.
    # The line, the reservation it ends and the order's charges are owed to the batch
    # (``settle``): nothing here can refuse them, and no later mutation reads them unsettled.
    owed = ctx.owed if ctx.owed is not None else Owed()
    owed.moves.append(stock.Movement(
        MovementKind.USED_ON_ORDER if sign > 0 else MovementKind.RETURNED_FROM_ORDER, part,
        quantity, ctx.actor.id, source=van if sign > 0 else None,
        target=van if sign < 0 else None, work_order_id=order.id, allow_negative=True,
        at=ctx.now))
    if sign > 0:
        owed.used.setdefault(van.id, []).append((order.id, part.id))
    ctx.session.add(PartUsage(id=args["line_id"], work_order_id=order.id, part_id=part.id,
                              quantity=sign * quantity, unit_price_cents=part.price_cents,
                              from_location_id=van.id, technician_id=ctx.technician.id,
                              device_time=args["device_time"], created_at=ctx.now))
    owed.charges[order.id] = order
    if ctx.owed is None:
        settle(owed)
    _owe_event(ctx, order, "part_used" if sign > 0 else "part_returned",
               device_id=ctx.device.id, server_time=ctx.now, device_time=args["device_time"],
               data={"part": part.sku, "quantity": quantity, "line_id": str(args["line_id"])})
    flag_if_out_of_scope(ctx, order, "A part line")


@mutation("use_part", 1, PartLine, line_id="line_id",
          line_model=PartUsage, settled=False)
def use_part(ctx: Context, args: dict) -> None:
    _move_part(ctx, args, +1)


@mutation("return_part", 1, PartLine, line_id="line_id",
          line_model=PartUsage, settled=False)
def return_part(ctx: Context, args: dict) -> None:
    _move_part(ctx, args, -1)


@mutation("attach_photo", 1, AttachPhoto, line_id="photo_id",
          line_model=Photo, settled=False)
def attach_photo(ctx: Context, args: dict) -> None:
    order = load_order(ctx, args["order_id"])
    if not claim_line(ctx, Photo, "photo_id", args["photo_id"], order, sha256=args["sha256"]):
        return
    # Owed like a note (``_owe_row``): no session hook but the reports' needs to see the
    # line, and ``settle`` tells that one (``reports.triggers.note_written``).
    _owe_row(ctx, Photo, media.photo_row(order, args["photo_id"], args["kind"], args["sha256"],
                                         args.get("taken_at"), args.get("caption"),
                                         bytes_unknown=args["sha256"] in ctx.unknown_bytes))
    _owe_event(ctx, order, "photo_attached", device_id=ctx.device.id, server_time=ctx.now,
               device_time=args.get("taken_at"),
               data={"photo_id": str(args["photo_id"]), "kind": args["kind"]})
    flag_if_out_of_scope(ctx, order, "A photo")


@mutation("log_time", 1, LogTime, line_id="log_id",
          line_model=TimeLog, settled=False)
def log_time(ctx: Context, args: dict) -> None:
    order = load_order(ctx, args["order_id"])
    if args["ended_at"] <= args["started_at"]:
        raise Rejected("invalid_value", "A time log must end after it starts.",
                       {"ended_at": ["must be after started_at"]})
    if not claim_line(ctx, TimeLog, "log_id", args["log_id"], order, kind=args["kind"],
                      started_at=args["started_at"], ended_at=args["ended_at"]):
        return
    _owe_row(ctx, TimeLog, {
        "id": args["log_id"], "work_order_id": order.id, "technician_id": ctx.technician.id,
        "kind": args["kind"], "started_at": args["started_at"], "ended_at": args["ended_at"],
        "created_at": ctx.now})
    minutes = round((args["ended_at"] - args["started_at"]).total_seconds() / 60)
    _owe_event(ctx, order, "time_logged", device_id=ctx.device.id, server_time=ctx.now,
               device_time=args["ended_at"],
               data={"log_id": str(args["log_id"]), "kind": args["kind"], "minutes": minutes})
    flag_if_out_of_scope(ctx, order, "A time log")


@mutation("capture_signature", 1, CaptureSignature, line_id="signature_id",
          line_model=Signature)
def capture_signature(ctx: Context, args: dict) -> None:
    order = load_order(ctx, args["order_id"])
    # The same signature again is a replay; its id on another order is a duplicate.
    new = claim_line(ctx, Signature, "signature_id", args["signature_id"], order)
    media.capture_signature(order, args["signature_id"], args["signer_name"],
                            args["image_sha256"], args["content_hash"], args["device_time"],
                            args.get("latitude"), args.get("longitude"))
    if new:
        orders.add_event(order, "signature_captured", ctx.actor, device_id=ctx.device.id,
                         server_time=ctx.now, device_time=args["device_time"],
                         latitude=args.get("latitude"), longitude=args.get("longitude"),
                         data={"signature_id": str(args["signature_id"]),
                               "signer_name": args["signer_name"]})
    if order.status == Status.COMPLETED:
        orders.transition(ctx.actor, order, Status.SIGNED, device_time=args["device_time"],
                          latitude=args.get("latitude"), longitude=args.get("longitude"),
                          device_id=ctx.device.id, now=ctx.now)
    elif order.status != Status.SIGNED:
        ctx.conflict(order, "signed_while_" + order.status,
                     f"The customer signed on the device while the order was {order.status}; "
                     "the signature was kept.", status=order.status)


@mutation("submit_survey", 1, SubmitSurvey, line_id="survey_id",
          line_model=Survey)
def submit_survey(ctx: Context, args: dict) -> None:
    order = load_order(ctx, args["order_id"])
    if not claim_line(ctx, Survey, "survey_id", args["survey_id"], order,
                      rating=args["rating"], comment=args.get("comment")):
        return
    ctx.session.add(Survey(id=args["survey_id"], work_order_id=order.id,
                           rating=args["rating"], comment=args.get("comment"),
                           channel="device", submitted_at=ctx.now))
    orders.add_event(order, "survey", ctx.actor, device_id=ctx.device.id, server_time=ctx.now,
                     data={"rating": args["rating"]})


# Mutations kept with their own area (registered on import).
import server.checklists.mutations  # noqa: E402,F401

# -- resolution -------------------------------------------------------------------------------

import server.billing.mutations  # noqa: E402,F401  (decide_quote, record_payment)
from server.knowledge import mutations as _knowledge  # noqa: E402, F401
import server.inventory.mutations  # noqa: E402,F401  (request_part, confirm_receipt)

LATEST = {name: max(v for n, v in REGISTRY if n == name) for name, _ in REGISTRY}


def applying(name: str, version: int) -> Mutation | None:
    """The registered mutation that applies ``name@version`` (after its upgrades), if any."""
    found = REGISTRY.get((name, version))
    while found is not None and found.apply is None:
        found = REGISTRY.get((name, found.version + 1))
    return found


def resolve(name: str, version: int, args: dict) -> tuple[Mutation, dict]:
    """Validate ``args`` for ``name@version`` and upgrade them to the applying version.

    Raises Rejected (``unknown_mutation`` or ``invalid_arguments`` naming the fields).
    """
    bad = _unstorable_text(args)
    if bad:
        raise Rejected("invalid_arguments",
                       "Text must be valid Unicode without NUL characters.",
                       {"args": {path: ["must be valid Unicode text without NUL characters"]
                                 for path in bad}})
    found = REGISTRY.get((name, version))
    if found is None:
        known = ", ".join(f"{n}@{v}" for n, v in sorted(REGISTRY))
        raise Rejected("unknown_mutation", f"Unknown mutation {name}@{version}; known: {known}.",
                       {"name": [f"{name}@{version} is not known to this server"]})
    while True:
        try:
            args = _schema(found.schema).load(args)
        except ValidationError as invalid:
            raise Rejected("invalid_arguments",
                           f"The arguments of {name}@{found.version} are not valid.",
                           {"args": invalid.messages}) from None
        if found.apply is not None:
            return found, args
        args = _jsonable(found.upgrade(args))
        found = REGISTRY[(name, found.version + 1)]


def _unstorable_text(value, path: str = "") -> list[str]:
    """Where the arguments hold text no database can store: a NUL character, or a lone
    UTF-16 surrogate (JSON can carry "\\ud800" escapes that decode to one)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [path or "args"]
        return [path or "args"] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for key, item in value.items()
                for p in _unstorable_text(item, f"{path}.{key}" if path else str(key))]
    if isinstance(value, list):
        return [p for i, item in enumerate(value)
                for p in _unstorable_text(item, f"{path}.{i}")]
    return []


@functools.cache
def _schema(schema_class: type[Schema]) -> Schema:
    """One instance per argument schema: building a marshmallow schema costs more than
    loading a mutation's arguments with it, and instances are safe to reuse."""
    return schema_class()


def _jsonable(args: dict) -> dict:
    """Loaded values back to wire form, so the next version's schema can load them."""
    def wire(value):
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, uuid.UUID):
            return str(value)
        return value
    return {key: wire(value) for key, value in args.items()}
