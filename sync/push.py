"""Applying a device's batch of mutations exactly once.

Invariants:

* The device's ``last_mutation_id`` is written in the same transaction as the effects of
  the mutations it covers. Commit both or neither: a lost response, a retry or a crash
  in the middle of a batch can never apply a mutation twice or skip one.
* Ids at or below ``last_mutation_id`` are acknowledged and skipped, reporting the same
  outcome as the first time (a rejection is looked up and reported again).
* Ids must follow on with no gap; the first gap stops the batch (nothing after it is
  applied) and says which id was expected.
* A mutation that can never apply is recorded in ``rejected_mutations`` with its full
  arguments and reason, counted as processed, and reported — never dropped, never
  blocking the mutations behind it. Its partial effects are rolled back to a savepoint.
* A revoked device pushes nothing: the check is made under the device row's lock, so a
  push racing the revocation either commits before it or applies nothing. Once revoked,
  a device's ``last_mutation_id`` never moves again, and ``adopt`` can tell a new device
  of the same user the outcome of every id the old one sent (docs/sync-protocol.md §2).
* Whatever the database refuses inside one mutation (a unique key: an id the device reused)
  is that mutation's ``duplicate_id`` rejection, never an error for the whole batch: a
  batch that failed as a whole would fail again on every retry and block the device.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (String, Uuid, bindparam, exists, func, inspect, literal_column, null,
                        select, type_coerce, union_all, update)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from server.accounts.models import Device, User
from server.errors import Conflict, NotFound, ServiceError
from server.inventory.models import Part, StockLocation
from server.media.models import Blob, BlobRefusal
from server.technicians.models import Technician
from server.workorders import service as orders
from server.workorders.models import WorkOrder, WorkOrderEvent

from .models import RejectedMutation, ScopeInterval
from .mutations import Context, Owed, Rejected, applying, resolve, settle
from .positions import transaction_position


class DeviceRevoked(ServiceError):
    """The device was revoked while its push was on the way: nothing is applied."""

    status = 401

    def __init__(self):
        super().__init__("Sign in again: device revoked.", code="device_revoked")


@dataclass
class PushResult:
    last_mutation_id: int
    results: list[dict] = field(default_factory=list)
    stopped: dict | None = None


def prepare(device: Device, mutations: list[dict]) -> dict:
    """The arguments of ``mutations`` checked and upgraded (``resolve``) before the push
    begins: pure Python, so a route calls it before its first statement, and the push
    holds the write turn (SQLite) or the change-feed counter (PostgreSQL) for less time.

    Mutation id → its ``(mutation, args)``, or None when they are refused. Only ids above
    the ``last_mutation_id`` the device was loaded with (it only grows: the others are
    replays); any id missing here is resolved by the push itself, as before.
    """
    last = inspect(device).dict.get("last_mutation_id")  # never a query: None if not loaded
    if last is None:
        return {}
    return {envelope["id"]: _resolved(envelope) for envelope in mutations
            if envelope["id"] > last}


def _resolved(envelope: dict):
    """The envelope's ``(mutation, args)``, or None when its arguments are refused (it is
    then applied alone, and its refusal recorded, by ``_apply_one``)."""
    try:
        return resolve(envelope["name"], envelope["version"], envelope["args"])
    except Rejected:
        return None


def push(session: Session, device: Device, actor: User, technician: Technician,
         mutations: list[dict], now: datetime, prepared: dict | None = None) -> PushResult:
    """Apply ``mutations`` (already shaped by the envelope schema) in id order. Flushes only.
    ``prepared``: their arguments as ``prepare`` resolved them before the push began."""
    # Serialise pushes from the same device (two tabs, a retry racing the original), and
    # with its revocation: read under the lock, revoked_at is the committed value.
    revoked_at, last = session.execute(_LOCK_DEVICE, {"device": device.id}).one()
    if revoked_at is not None:
        raise DeviceRevoked()
    set_committed_value(device, "last_mutation_id", last)  # as read under the lock
    result = PushResult(last_mutation_id=last)
    # Outcomes in the batch's order; None marks a slot the mutation applied below fills.
    slots, to_apply = [], []
    for envelope in mutations:
        mutation_id = envelope["id"]
        if mutation_id <= last:
            slots.append(_replay(session, device, mutation_id))
            continue
        if mutation_id != last + 1:
            result.stopped = {"reason": "gap", "expected_id": last + 1,
                              "message": f"Mutation {last + 1} is missing; send it first."}
            break
        slots.append(None)
        to_apply.append(envelope)
        last = mutation_id
    if to_apply:
        # The change-feed position is taken before any savepoint: taken inside a run that
        # is rolled back, it would go with the run (``positions``) and, on PostgreSQL, let
        # another writer in before this push took it again.
        transaction_position(session)
        outcomes = _apply_batch(session, device, actor, technician, to_apply, now,
                                prepared or {})
        applied = iter(outcomes)
        slots = [next(applied) if slot is None else slot for slot in slots]
    result.results = slots
    # Same transaction as the effects; set once, not per mutation, with a plain UPDATE (no
    # session hook watches devices: a flush of the row would run them all for nothing).
    if last != device.last_mutation_id:
        session.execute(_SET_LAST, {"device": device.id, "last": last})
        set_committed_value(device, "last_mutation_id", last)
    result.last_mutation_id = last
    session.flush()
    return result


_LOCK_DEVICE = select(Device.revoked_at, Device.last_mutation_id).where(
    Device.id == bindparam("device")).with_for_update()
_DEVICES = Device.__table__
_SET_LAST = update(_DEVICES).where(_DEVICES.c.id == bindparam("device")).values(
    last_mutation_id=bindparam("last"))


def _apply_batch(session, device, actor, technician, envelopes, now,
                 prepared: dict) -> list[dict]:
    """Every mutation's outcome, applied in order with the fewest savepoints and flushes.

    Runs of mutations apply together in one savepoint, flushed once (``_apply_run``). A
    mutation whose arguments are refused is known before anything applies: the run stops
    before it and it is recorded alone (``_apply_one``). When one is refused while
    applying, its run is rolled back; the mutations before it apply again as a run of their
    own, the refused one alone in its savepoint, and the rest as a new run. So the outcome
    is the one the one-savepoint-per-mutation path gives, and a refusal costs re-applying
    only the run before it. A refusal the database makes at a run's flush (a unique key)
    names no mutation: that run's mutations are applied one by one instead.
    """
    absent, unknown = lookups(session, envelopes)
    batch = {"ever_assigned": {}, "held": {}, "absent_lines": absent, "unknown_bytes": unknown}
    prefetch(session, technician, envelopes, batch)
    resolved = [prepared[envelope["id"]] if envelope["id"] in prepared else _resolved(envelope)
                for envelope in envelopes]
    outcomes: list[dict] = []
    start = 0
    while start < len(envelopes):
        stop = next((i for i in range(start, len(envelopes)) if resolved[i] is None),
                    len(envelopes))
        run = _apply_run(session, device, actor, technician, envelopes[start:stop],
                         resolved[start:stop], now, batch) if stop > start else []
        if run is None:
            outcomes += _one_by_one(session, device, actor, technician,
                                    envelopes[start:stop], now)
        elif isinstance(run, int):
            stop = start + run  # refused while applying: its run before it, then it alone
            head = _apply_run(session, device, actor, technician, envelopes[start:stop],
                              resolved[start:stop], now, batch) if run else []
            if not isinstance(head, list):  # refused now though it applied a moment ago
                outcomes += _one_by_one(session, device, actor, technician,
                                        envelopes[start:stop], now)
            else:
                outcomes += head
        else:
            outcomes += run
        if stop < len(envelopes):
            outcomes += _one_by_one(session, device, actor, technician,
                                    envelopes[stop:stop + 1], now)
        start = stop + 1
    return outcomes


def _one_by_one(session, device, actor, technician, envelopes, now) -> list[dict]:
    """Each mutation in its own savepoint, so a refused one is rolled back alone and
    recorded (the rules of this module). Every line id and photo hash is looked up again
    here: a row another device committed since the batch's prefetch is seen."""
    batch = {"ever_assigned": {}, "held": {}, "absent_lines": set()}
    return [_apply_one(session, device, actor, technician, envelope, now, batch)
            for envelope in envelopes]


def _apply_run(session, device, actor, technician, envelopes, resolved, now,
               batch: dict) -> list[dict] | int | None:
    """The fast path: these mutations (``resolved``: each one's mutation and arguments) in
    one savepoint, flushed once at the end.

    When all of them apply, returns their outcomes: the ones the one-by-one path gives
    (the same mutations, in the same order, on the same session: queries still see earlier
    writes, since the session flushes before it queries; work owed to the batch is done
    before any mutation that reads it, ``Mutation.settled``). When one is refused
    (``Rejected`` or a ``ServiceError``), the savepoint is rolled back and its index
    returned; when the database refuses a write (``IntegrityError``), rolled back and None.
    """
    absent = set(batch["absent_lines"])
    owed = Owed()
    savepoint = session.begin_nested()
    outcomes = []
    try:
        for envelope, (mutation, args) in zip(envelopes, resolved, strict=True):
            ctx = Context(session=session, actor=actor, device=device, technician=technician,
                          mutation_id=envelope["id"], now=now, owed=owed, **batch)
            try:
                if mutation.settled:
                    settle(owed)
                mutation.apply(ctx, args)
            except (Rejected, ServiceError):
                _roll_back(session, savepoint, batch, absent)
                return len(outcomes)
            outcome = {"id": envelope["id"], "status": "applied"}
            if ctx.conflicts:
                outcome["conflicts"] = ctx.conflicts
            outcomes.append(outcome)
        settle(owed)
        session.flush()
    except (Rejected, ServiceError, IntegrityError):
        _roll_back(session, savepoint, batch, absent)
        return None
    savepoint.commit()
    return outcomes


def _roll_back(session, savepoint, batch: dict, absent: set) -> None:
    """Undo a run. The rows the batch holds forget what they loaded inside it too (an
    order's part lines that are gone now), and the line ids claimed since are free again."""
    savepoint.rollback()
    session.expire_all()
    batch["absent_lines"] = absent


def _uuids(envelopes: list[dict], names, key: str) -> set:
    """The ``args[key]`` of these mutations that are UUIDs (arguments are not validated yet:
    anything else is left to the mutation itself, as before)."""
    found = set()
    for envelope in envelopes:
        args = envelope.get("args")
        if (names is None or envelope.get("name") in names) and isinstance(args, dict):
            try:
                found.add(uuid.UUID(str(args.get(key))))
            except (TypeError, ValueError):
                continue
    return found


def prefetch(session: Session, technician: Technician, envelopes: list[dict],
             batch: dict) -> None:
    """Read what the batch's mutations will look up, a few queries for the whole batch
    instead of a few per mutation: the orders they name (held in ``batch``), whether each
    was ever this technician's (``load_order``), the last event number of each
    (``add_event``), and the parts they use or return, and the technician's van."""
    order_ids = sorted(_uuids(envelopes, None, "order_id"))
    held, ever = batch["held"], batch["ever_assigned"]
    last_seq = {}
    # An order a batch moves on its way may message its customer (``messaging.hooks``:
    # "on the way"), which reads the customer and the address: they come with the order.
    statement = _ORDERS_TO_MESSAGE if any(
        envelope.get("name") == "transition" for envelope in envelopes) else _ORDERS
    for start in range(0, len(order_ids), 500):
        # The order, whether it was ever this technician's, and its last event number:
        # one statement (each a round trip on PostgreSQL, made under the counter's lock).
        for order, assigned, seq in session.execute(statement, {
                "ids": order_ids[start:start + 500], "technician_id": technician.id}):
            held[(WorkOrder, order.id)] = order
            ever[order.id] = bool(assigned)
            last_seq[order.id] = seq
    orders.count_events_from(last_seq)
    part_ids = sorted(_uuids(envelopes, ("use_part", "return_part"), "part_id"))
    for start in range(0, len(part_ids), 500):
        for part in session.scalars(_PARTS, {"ids": part_ids[start:start + 500]}):
            held[(Part, part.id)] = part
    if part_ids:
        # The technician's van (``mutations._van``): read here, before the run, so its first
        # part line does not flush the run half-way to look it up. No mutation moves a van.
        van = session.scalar(_VAN, {"technician_id": technician.id})
        if van is not None:
            held[StockLocation] = van


# The prefetch's statements, built once (their values bound at each push).
_ORDERS = select(
    WorkOrder,
    exists().where(ScopeInterval.work_order_id == WorkOrder.id,
                   ScopeInterval.technician_id == bindparam("technician_id")),
    select(func.max(WorkOrderEvent.seq)).where(WorkOrderEvent.work_order_id == WorkOrder.id)
    .scalar_subquery(),
).where(WorkOrder.id.in_(bindparam("ids", expanding=True)))
_ORDERS_TO_MESSAGE = _ORDERS.options(joinedload(WorkOrder.customer),
                                     joinedload(WorkOrder.address))
_PARTS = select(Part).where(Part.id.in_(bindparam("ids", expanding=True)))
_VAN = select(StockLocation).where(StockLocation.technician_id == bindparam("technician_id"))


def _hashes(envelopes: list[dict]) -> list[str]:
    """The photo hashes these mutations name (not validated yet: only strings)."""
    wanted = set()
    for envelope in envelopes:
        args = envelope.get("args")
        if envelope.get("name") == "attach_photo" and isinstance(args, dict) \
                and isinstance(args.get("sha256"), str):
            wanted.add(args["sha256"])
    return sorted(wanted)


def _line_ids(envelopes: list[dict]) -> dict[type, set]:
    """The line ids these mutations name, by the table of their lines. Arguments are not
    validated yet: anything that is not a UUID is left out, and is looked up (or refused)
    by the mutation itself as before."""
    wanted: dict[type, set] = {}
    for envelope in envelopes:
        found = applying(envelope.get("name"), envelope.get("version"))
        args = envelope.get("args")
        if found is None or found.line_model is None or not isinstance(args, dict):
            continue
        try:
            key = uuid.UUID(str(args.get(found.line_id)))
        except (TypeError, ValueError):
            continue
        wanted.setdefault(found.line_model, set()).add(key)
    return wanted


def lookups(session: Session, envelopes: list[dict]) -> tuple[set, set]:
    """``(absent_lines, unknown_bytes)`` of these mutations, read in one statement.

    ``absent_lines``: ``(model, id)`` for each line id they name that the database does not
    hold (``claim_line`` trusts it). ``unknown_bytes``: the photo hashes they name with
    neither bytes (``Blob``) nor a refusal (``BlobRefusal``) recorded. No mutation records
    either, and the batch has written nothing yet when it asks.

    One UNION ALL of a SELECT per table (its keys bound at each push) instead of one
    statement per table: on PostgreSQL each statement is a round trip made while the
    change-feed counter is locked.
    """
    lines, hashes = _line_ids(envelopes), _hashes(envelopes)
    columns = [model.__table__.c.id for model in lines]
    keys = [sorted(found) for found in lines.values()]
    if hashes:
        columns += [Blob.__table__.c.sha256, BlobRefusal.__table__.c.sha256]
        keys += [hashes, hashes]
    present: list[set] = [set() for _ in columns]
    if max((len(k) for k in keys), default=0) > _CHUNK:  # more than a batch ever holds
        present = [_present(session, column, k) for column, k in zip(columns, keys)]
    elif columns:
        for branch, line_id, sha256 in session.execute(
                _lookup_statement(tuple(columns)), {f"k{i}": k for i, k in enumerate(keys)}):
            present[branch].add(sha256 if line_id is None else line_id)
    absent = set()
    for (model, wanted), found in zip(lines.items(), present):
        absent.update((model, key) for key in wanted if key not in found)
    unknown = set(hashes) - present[-1] - present[-2] if hashes else set()
    return absent, unknown


_CHUNK = 500
_LOOKUPS: dict = {}


def _lookup_statement(columns: tuple):
    """SELECT branch number, key for each of ``columns`` holding one of its bound keys
    (``k<branch>``), UNION ALL: built once per set of tables. Line ids and hashes come back
    in separate columns (a UUID and a string column cannot share one on PostgreSQL)."""
    statement = _LOOKUPS.get(columns)
    if statement is None:
        branches = []
        for i, column in enumerate(columns):
            is_uuid = isinstance(column.type, Uuid)
            branches.append(select(
                literal_column(str(i)).label("branch"),
                (column if is_uuid else type_coerce(null(), Uuid)).label("line_id"),
                (type_coerce(null(), String) if is_uuid else column).label("sha256"))
                .where(column.in_(bindparam(f"k{i}", expanding=True))))
        statement = _LOOKUPS[columns] = union_all(*branches)
    return statement


_PRESENT: dict = {}


def _present(session: Session, column, keys: list) -> set:
    """Which of ``keys`` ``column`` holds: a Core statement built once per column (its list
    of keys bound at each call), 500 keys at a time. It reads the database as it is: the
    batch has written nothing yet when it asks."""
    key = (column.table.name, column.key)
    statement = _PRESENT.get(key)
    if statement is None:
        statement = _PRESENT[key] = select(column).where(
            column.in_(bindparam("keys", expanding=True)))
    found = set()
    for start in range(0, len(keys), _CHUNK):
        found.update(session.execute(statement, {"keys": keys[start:start + _CHUNK]}).scalars())
    return found


def _apply_one(session, device, actor, technician, envelope, now, batch) -> dict:
    ctx = Context(session=session, actor=actor, device=device, technician=technician,
                  mutation_id=envelope["id"], now=now, owed=Owed(), **batch)
    savepoint = session.begin_nested()
    mutation = None
    try:
        mutation, args = resolve(envelope["name"], envelope["version"], envelope["args"])
        mutation.apply(ctx, args)
        settle(ctx)
        session.flush()
    except (Rejected, ServiceError, IntegrityError) as refused:
        savepoint.rollback()
        if isinstance(refused, IntegrityError):
            refused = _duplicate(mutation)
        elif isinstance(refused, ServiceError):
            refused = Rejected(refused.code or type(refused).__name__.lower(), refused.message,
                               refused.errors)
        order_id = envelope["args"].get("order_id") if isinstance(envelope["args"], dict) else None
        session.add(RejectedMutation(
            device_id=device.id, user_id=actor.id, mutation_id=envelope["id"],
            name=envelope["name"], version=envelope["version"], args=envelope["args"],
            work_order_id=_known_order(session, order_id), reason=refused.reason,
            message=refused.message, errors=refused.errors, created_at=now))
        return {"id": envelope["id"], "status": "rejected", "reason": refused.reason,
                "message": refused.message, "errors": refused.errors}
    savepoint.commit()
    outcome = {"id": envelope["id"], "status": "applied"}
    if ctx.conflicts:
        outcome["conflicts"] = ctx.conflicts
    return outcome


def _duplicate(mutation) -> Rejected:
    """The rejection for a row the database refused (a unique key): a reused id."""
    field_name = (mutation.line_id if mutation is not None and mutation.line_id else "args")
    return Rejected("duplicate_id", "An id in this step is already used for something else.",
                    {field_name: ["is already used for another order or other content"]})


def _known_order(session, order_id):
    """The order id to list a rejection under, if the mutation named a real order."""
    try:
        key = uuid.UUID(str(order_id))
    except (TypeError, ValueError):
        return None
    return key if session.get(WorkOrder, key) is not None else None


def _replay(session, device, mutation_id) -> dict:
    rejected = session.scalar(select(RejectedMutation).where(
        RejectedMutation.device_id == device.id, RejectedMutation.mutation_id == mutation_id))
    return _outcome(mutation_id, rejected)


def _outcome(mutation_id: int, rejected: RejectedMutation | None) -> dict:
    """The first outcome of an acknowledged mutation, as it is replayed."""
    if rejected is None:
        return {"id": mutation_id, "status": "applied", "duplicate": True}
    return {"id": mutation_id, "status": "rejected", "reason": rejected.reason,
            "message": rejected.message, "errors": rejected.errors, "duplicate": True}


@dataclass
class Adoption:
    device_id: uuid.UUID
    last_mutation_id: int
    next_id: int
    results: list[dict] = field(default_factory=list)


def adopt(session: Session, device: Device, old_device_id: uuid.UUID, ids: list[int]) -> Adoption:
    """What became of ``ids`` sent by ``old_device_id``, a revoked device of the same user.

    Each id at or below the old device's ``last_mutation_id`` gets its outcome (as a push
    replays it, ``"duplicate": true``); ids above it were never applied and never will be
    (a revoked device pushes nothing), so the new device renumbers them from ``next_id``.
    Reads only: asking again gives the same answer. Raises NotFound (no such device of
    this user) or Conflict (``device_active``: it is not revoked, so it could still push;
    ``same_device``).
    """
    old = session.scalar(select(Device).where(Device.id == old_device_id).with_for_update()
                         .execution_options(populate_existing=True))
    if old is None or old.user_id != device.user_id:
        raise NotFound("You have no such device.", {"device_id": ["is not one of your devices"]})
    if old.id == device.id:
        raise Conflict("A device cannot adopt its own outbox.",
                       {"device_id": ["is this device"]}, code="same_device")
    if old.revoked_at is None:
        raise Conflict("That device is still active; only a revoked device's outbox can be "
                       "taken over.", {"device_id": ["is not revoked"]}, code="device_active")
    session.refresh(old, ["last_mutation_id"])
    session.refresh(device, ["last_mutation_id"])
    asked = sorted({i for i in ids if i <= old.last_mutation_id})
    rejected = {r.mutation_id: r for r in session.scalars(select(RejectedMutation).where(
        RejectedMutation.device_id == old.id, RejectedMutation.mutation_id.in_(asked)))}
    results = [_outcome(i, rejected.get(i)) for i in asked]
    return Adoption(device_id=old.id, last_mutation_id=old.last_mutation_id,
                    next_id=device.last_mutation_id + 1, results=results)
