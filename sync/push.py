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

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.accounts.models import Device, User
from server.errors import Conflict, NotFound, ServiceError
from server.technicians.models import Technician
from server.workorders.models import WorkOrder

from .models import RejectedMutation
from .mutations import Context, Rejected, applying, resolve
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


def push(session: Session, device: Device, actor: User, technician: Technician,
         mutations: list[dict], now: datetime) -> PushResult:
    """Apply ``mutations`` (already shaped by the envelope schema) in id order. Flushes only."""
    # Serialise pushes from the same device (two tabs, a retry racing the original), and
    # with its revocation: read under the lock, revoked_at is the committed value.
    revoked_at = session.scalar(
        select(Device.revoked_at).where(Device.id == device.id).with_for_update())
    if revoked_at is not None:
        raise DeviceRevoked()
    session.refresh(device, ["last_mutation_id"])
    last = device.last_mutation_id
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
        # The change-feed position is taken before any savepoint: a position taken inside
        # one that is rolled back would stay in the session while the counter's increment
        # (and, on PostgreSQL, its lock) went with the savepoint.
        transaction_position(session)
        absent = absent_lines(session, to_apply)
        outcomes = _apply_all_at_once(session, device, actor, technician, to_apply, now,
                                      absent)
        if outcomes is None:
            # Something was refused: apply one by one, each in its own savepoint, so the
            # refused mutation is rolled back alone and recorded (the rules of this module).
            # Every line id is looked up again here: a row another device committed since
            # the prefetch is seen, exactly as without it.
            batch = {"ever_assigned": {}, "held": {}, "absent_lines": set()}
            outcomes = [_apply_one(session, device, actor, technician, envelope, now, batch)
                        for envelope in to_apply]
        applied = iter(outcomes)
        slots = [next(applied) if slot is None else slot for slot in slots]
    result.results = slots
    # Same transaction as the effects; set once, not per mutation (each set would make the
    # next savepoint flush an UPDATE of the device row).
    device.last_mutation_id = result.last_mutation_id = last
    session.flush()
    return result


def _apply_all_at_once(session, device, actor, technician, envelopes, now,
                       absent: set) -> list[dict] | None:
    """The fast path: every mutation of the batch in one savepoint, flushed once at the end.

    When all of them apply, the outcome is the one the one-by-one path gives (the same
    mutations, in the same order, on the same session: queries still see earlier writes,
    since the session flushes before it queries). When any is refused (``Rejected``, a
    ``ServiceError``, or the database's ``IntegrityError`` at the flush), the savepoint is
    rolled back and None returned: the caller applies the batch one by one instead.
    """
    batch = {"ever_assigned": {}, "held": {}, "absent_lines": set(absent)}
    savepoint = session.begin_nested()
    outcomes = []
    try:
        for envelope in envelopes:
            ctx = Context(session=session, actor=actor, device=device, technician=technician,
                          mutation_id=envelope["id"], now=now, **batch)
            mutation, args = resolve(envelope["name"], envelope["version"], envelope["args"])
            mutation.apply(ctx, args)
            outcome = {"id": envelope["id"], "status": "applied"}
            if ctx.conflicts:
                outcome["conflicts"] = ctx.conflicts
            outcomes.append(outcome)
        session.flush()
    except (Rejected, ServiceError, IntegrityError):
        savepoint.rollback()
        return None
    savepoint.commit()
    return outcomes


def absent_lines(session: Session, envelopes: list[dict]) -> set:
    """``(model, id)`` for each line id these mutations name that the database does not
    hold: one query per table instead of one per mutation (``claim_line`` trusts it).

    Arguments are not validated yet: anything that is not a UUID is left out, and is
    looked up (or refused) by the mutation itself as before.
    """
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
    absent = set()
    for model, keys in wanted.items():
        keys = sorted(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            present = set(session.scalars(select(model.id).where(model.id.in_(chunk))))
            absent.update((model, key) for key in chunk if key not in present)
    return absent


def _apply_one(session, device, actor, technician, envelope, now, batch) -> dict:
    ctx = Context(session=session, actor=actor, device=device, technician=technician,
                  mutation_id=envelope["id"], now=now, **batch)
    savepoint = session.begin_nested()
    mutation = None
    try:
        mutation, args = resolve(envelope["name"], envelope["version"], envelope["args"])
        mutation.apply(ctx, args)
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
