"""Parts catalogue and stock rules."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from flask_babel import gettext as _
from sqlalchemy import String, bindparam, func, or_, select, type_coerce, union_all
from sqlalchemy import insert as sa_insert
from sqlalchemy import update as sa_update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value

from ..database import new_uuid, utcnow
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from .models import (
    LocationKind,
    MovementKind,
    Part,
    StockLevel,
    StockLocation,
    StockMovement,
)


def search_parts(q: str | None, category: str | None, page: int, per_page: int
                 ) -> tuple[list[Part], int]:
    query = select(Part).where(Part.active.is_(True))
    if category:
        query = query.where(Part.category == category)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(Part.sku.ilike(like), Part.name_en.ilike(like),
                                Part.name_zh.ilike(like)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Part.sku).limit(per_page)
                              .offset((page - 1) * per_page)).all()
    return list(rows), total


def get_part(part_id: uuid.UUID) -> Part:
    part = db.session.get(Part, part_id)
    if part is None:
        raise NotFound("No such part.")
    return part


def create_part(data: dict) -> Part:
    """Raises Conflict when the SKU is taken."""
    if db.session.scalar(select(Part.id).where(Part.sku == data["sku"])):
        raise Conflict("A part with this SKU exists.", {"sku": ["is already used"]})
    part = Part(**data)
    db.session.add(part)
    db.session.flush()
    return part


def update_part(part: Part, changes: dict) -> Part:
    for field, value in changes.items():
        setattr(part, field, value)
    db.session.flush()
    return part


# ---------------------------------------------------------------------------------------
# The stock ledger. Invariants kept here:
# * every change to a ``StockLevel`` is written in the same flush as the ``StockMovement``
#   that explains it (a sync batch: the statement right after it, in the same transaction),
#   so a level always equals the sum of its ledger lines (``check``);
# * a movement is never updated or deleted; ``reverse`` writes the opposite line;
# * the levels a movement touches are locked (SELECT … FOR UPDATE on PostgreSQL, the
#   write lock SQLite takes at BEGIN IMMEDIATE) before they are read, in a fixed order, so
#   concurrent writers neither lose an update nor deadlock;
# * a location never goes below zero, except a van issuing a part to a job: the part was
#   physically used, and the office reconciles with a count.

# kind → (needs a source, needs a destination)
_SHAPES = {
    MovementKind.RECEIVE: (False, True),
    MovementKind.TRANSFER: (True, True),
    MovementKind.USED_ON_ORDER: (True, False),
    MovementKind.RETURNED_FROM_ORDER: (False, True),
    MovementKind.DEFECTIVE_RETURN: (False, True),
    MovementKind.SCRAP: (True, False),
    MovementKind.INITIAL_STOCK: (False, True),
    MovementKind.RETURN_TO_SUPPLIER: (True, False),
}


def _locked_levels(part_id: uuid.UUID, location_ids: list[uuid.UUID]) -> dict:
    """The levels of ``part_id`` at these locations, created if missing, locked for update."""
    levels = _locked_pairs({(part_id, location_id) for location_id in location_ids})
    return {location_id: level for (_, location_id), level in levels.items()}


_INSERT_MISSING_LEVEL: dict = {}
# The levels of some parts at some locations, locked in one fixed order (built once).
_LOCK_LEVELS = (
    select(StockLevel).where(StockLevel.part_id.in_(bindparam("parts", expanding=True)),
                             StockLevel.location_id.in_(bindparam("locations", expanding=True)))
    .order_by(StockLevel.location_id, StockLevel.part_id).with_for_update()
    .execution_options(populate_existing=True))


def _insert_missing_level(dialect: str):
    """INSERT a level row unless the (location, part) has one: one statement per dialect,
    built once, run with a row per pair (executemany)."""
    statement = _INSERT_MISSING_LEVEL.get(dialect)
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = _INSERT_MISSING_LEVEL[dialect] = insert(StockLevel.__table__) \
            .on_conflict_do_nothing(index_elements=["location_id", "part_id"])
    return statement


def _locked_pairs(pairs: set) -> dict:
    """The levels of these ``(part_id, location_id)`` pairs, created if missing, locked for
    update in one fixed order (location, then part) whatever the caller's order."""
    if not pairs:
        return {}
    pairs = sorted(pairs, key=lambda pair: (pair[1], pair[0]))
    db.session.execute(_insert_missing_level(db.session.get_bind().dialect.name), [
        {"id": uuid.uuid4(), "location_id": loc, "part_id": part_id, "quantity": 0,
         "updated_at": utcnow()} for part_id, loc in pairs])
    wanted = set(pairs)
    rows = db.session.scalars(_LOCK_LEVELS, {
        "parts": sorted({p for p, _ in pairs}),
        "locations": sorted({loc for _, loc in pairs})}).all()
    return {(row.part_id, row.location_id): row for row in rows
            if (row.part_id, row.location_id) in wanted}


def get_location(location_id: uuid.UUID, field: str = "location_id") -> StockLocation:
    """Raises Invalid naming ``field`` when there is no such location."""
    location = db.session.get(StockLocation, location_id)
    if location is None:
        raise Invalid(_("No such stock location."), {field: [_("no such location")]})
    return location


def van_of(technician_id: uuid.UUID) -> StockLocation | None:
    return db.session.scalar(select(StockLocation).where(
        StockLocation.technician_id == technician_id))


def record_movement(kind: str, part: Part, quantity: int, actor_id: uuid.UUID | None, *,
                    source: StockLocation | None = None, target: StockLocation | None = None,
                    work_order_id: uuid.UUID | None = None, note: str | None = None,
                    serial: str | None = None, allow_negative: bool = False,
                    at=None, reverses_id: uuid.UUID | None = None) -> StockMovement:
    """Write one ledger line and move the levels it touches; flushes.

    Raises Invalid (naming the field) for a non-positive quantity, a missing source or
    destination, a scrap without a reason, a defective return without a serial, or a
    source that does not hold ``quantity`` (unless ``allow_negative``).
    """
    return record_movements([Movement(
        kind, part, quantity, actor_id, source=source, target=target,
        work_order_id=work_order_id, note=note, serial=serial, allow_negative=allow_negative,
        at=at, reverses_id=reverses_id)])[0]


@dataclass
class Movement:
    """One ledger line to write (``record_movements``), with ``record_movement``'s arguments."""

    kind: str
    part: Part
    quantity: int
    actor_id: uuid.UUID | None
    source: StockLocation | None = None
    target: StockLocation | None = None
    work_order_id: uuid.UUID | None = None
    note: str | None = None
    serial: str | None = None
    allow_negative: bool = False
    at: object = None
    reverses_id: uuid.UUID | None = None


def _checked(move: Movement) -> Movement:
    """The movement with the locations its kind uses; raises Invalid as ``record_movement``."""
    kind, quantity = move.kind, move.quantity
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise Invalid(_("The quantity must be a whole number above zero."),
                      {"quantity": [_("must be a whole number above zero")]})
    source, target = move.source, move.target
    shape = _SHAPES.get(kind)
    if shape is not None:
        needs_source, needs_target = shape
        if needs_source and source is None:
            raise Invalid(_("This movement needs a source location."),
                          {"from_location_id": [_("is required")]})
        if needs_target and target is None:
            raise Invalid(_("This movement needs a destination location."),
                          {"to_location_id": [_("is required")]})
        if not needs_source:
            source = None
        if not needs_target:
            target = None
    if source is not None and target is not None and source.id == target.id:
        raise Invalid(_("A transfer needs two different locations."),
                      {"to_location_id": [_("must differ from the source")]})
    if kind in (MovementKind.SCRAP, MovementKind.ADJUST) and not (move.note or "").strip():
        raise Invalid(_("Say why."), {"note": [_("a reason is required")]})
    if kind == MovementKind.DEFECTIVE_RETURN and not (move.serial or "").strip():
        raise Invalid(_("A defective return needs the removed unit's serial number."),
                      {"serial": [_("is required")]})
    return replace(move, source=source, target=target)


def record_movements(moves: list[Movement], ledger_objects: bool = True,
                     position: int | None = None) -> list[StockMovement]:
    """Write these ledger lines in order, each as ``record_movement`` would, and flush once:
    the levels they touch are locked together (one fixed order), then moved line by line.

    Raises Invalid as ``record_movement`` for the first line that fails; no level is moved
    and no line written then. ``ledger_objects=False`` (a sync batch, which never reads
    them back) writes the lines in one executemany instead of one ORM object each, and
    returns an empty list; the same rows, in the same transaction. With it, ``position``
    (the transaction's change-feed position, ``sync.positions``, which a flush would stamp)
    writes the levels with one executemany UPDATE too, instead of a flush of the session.
    """
    moves = [_checked(move) for move in moves]
    levels = _locked_pairs({(move.part.id, location.id) for move in moves
                            for location in (move.source, move.target) if location is not None})
    # Every line is checked against the levels as the lines before it leave them, before
    # any level moves: a refusal leaves nothing half done.
    after = {key: level.quantity for key, level in levels.items()}
    for move in moves:
        if move.source is not None:
            key = (move.part.id, move.source.id)
            if after[key] < move.quantity and not move.allow_negative:
                raise Invalid(
                    _("%(location)s holds only %(available)d of %(sku)s.",
                      location=move.source.name, available=after[key], sku=move.part.sku),
                    {"quantity": [_("at most %(available)d", available=max(after[key], 0))]},
                    code="insufficient_stock")
            after[key] -= move.quantity
        if move.target is not None:
            after[(move.part.id, move.target.id)] += move.quantity
    moved = {key: quantity for key, quantity in after.items()
             if levels[key].quantity != quantity}
    if ledger_objects or position is None:
        for key, quantity in moved.items():
            levels[key].quantity = quantity
    lines = [dict(
        part_id=move.part.id, quantity=move.quantity, reason=str(move.kind),
        actor_id=move.actor_id, from_location_id=move.source.id if move.source else None,
        to_location_id=move.target.id if move.target else None,
        work_order_id=move.work_order_id, note=(move.note or "").strip() or None,
        serial=(move.serial or "").strip() or None, reverses_id=move.reverses_id,
        created_at=move.at or utcnow()) for move in moves]
    if not ledger_objects:
        if position is None:
            db.session.flush()  # the levels
        elif moved:
            _write_levels([levels[key] for key in moved], moved.values(), position)
        db.session.execute(sa_insert(StockMovement.__table__),
                           [{"id": new_uuid(), "details": {}, **line} for line in lines])
        return []
    movements = [StockMovement(**line) for line in lines]
    db.session.add_all(movements)
    db.session.flush()
    return movements


# A level's new quantity, as the flush of a changed level writes it (``updated_at`` is its
# onupdate, ``sync_pos`` the change-feed position every write of a Syncable row gets).
_LEVEL_UPDATE = sa_update(StockLevel.__table__).where(
    StockLevel.__table__.c.id == bindparam("level_id")).values(
    quantity=bindparam("new_quantity"), updated_at=bindparam("new_updated_at"),
    sync_pos=bindparam("new_sync_pos"))


def _write_levels(levels: list[StockLevel], quantities, position: int) -> None:
    """Write these levels' new quantities with one executemany UPDATE, the same columns a
    flush writes, and keep the loaded rows as written (no session hook watches levels)."""
    now = utcnow()
    rows = [{"level_id": level.id, "new_quantity": quantity, "new_updated_at": now,
             "new_sync_pos": position} for level, quantity in zip(levels, quantities)]
    db.session.execute(_LEVEL_UPDATE, rows)
    for level, row in zip(levels, rows):
        set_committed_value(level, "quantity", row["new_quantity"])
        set_committed_value(level, "updated_at", now)
        set_committed_value(level, "sync_pos", position)


def count(location: StockLocation, part: Part, counted: int, actor_id: uuid.UUID | None,
          note: str, expected: int | None = None) -> StockMovement | None:
    """A physical count: writes the adjustment that brings the level to ``counted``.

    ``expected`` is the level the counter saw when they started; if the level moved since,
    the count is refused (Conflict) rather than silently erasing that movement. Returns
    None when the count matches.
    """
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise Invalid(_("The counted quantity must be a whole number, zero or more."),
                      {"counted": [_("must be a whole number, zero or more")]})
    if not (note or "").strip():
        raise Invalid(_("Say why."), {"note": [_("a reason is required")]})
    level = _locked_levels(part.id, [location.id])[location.id]
    if expected is not None and expected != level.quantity:
        raise Conflict(_("The level changed while you counted: it is now %(now)d, not "
                         "%(expected)d. Count again.", now=level.quantity, expected=expected),
                       {"expected": [_("is now %(now)d", now=level.quantity)]},
                       code="count_mismatch")
    delta = counted - level.quantity
    if delta == 0:
        return None
    return record_movement(MovementKind.ADJUST, part, abs(delta), actor_id,
                           source=location if delta < 0 else None,
                           target=location if delta > 0 else None, note=note,
                           allow_negative=True)


# Checks other areas register for a ledger line they hold on to (a supplier return holds
# the defective units it ships): each raises Conflict when the line must not be reversed.
# A registry, so the ledger does not import every area that refers to its lines.
reversal_guards: list[Callable[[StockMovement], None]] = []


def reverse(movement_id: uuid.UUID, actor_id: uuid.UUID | None, note: str) -> StockMovement:
    """Undo one ledger line with its opposite. Raises NotFound, or Conflict when the line
    is itself a reversal, was already reversed or is held by another record
    (``reversal_guards``), or Invalid when the stock it would take back is no longer
    there."""
    original = db.session.get(StockMovement, movement_id)
    if original is None:
        raise NotFound(_("No such movement."))
    for guard in reversal_guards:
        guard(original)
    if original.reverses_id is not None:
        raise Conflict(_("A reversal cannot be reversed; record a new movement."),
                       code="is_reversal")
    if db.session.scalar(select(StockMovement.id).where(
            StockMovement.reverses_id == original.id)):
        raise Conflict(_("This movement was already reversed."), code="already_reversed")
    if not (note or "").strip():
        raise Invalid(_("Say why."), {"note": [_("a reason is required")]})
    part = db.session.get(Part, original.part_id)
    source = db.session.get(StockLocation, original.to_location_id) \
        if original.to_location_id else None
    target = db.session.get(StockLocation, original.from_location_id) \
        if original.from_location_id else None
    return record_movement(MovementKind.REVERSAL, part, original.quantity, actor_id,
                           source=source, target=target, work_order_id=original.work_order_id,
                           note=note, serial=original.serial, reverses_id=original.id)


def ledger_sums():
    """(location id, part id) → the level the ledger implies."""
    inflow = select(StockMovement.to_location_id.label("loc"), StockMovement.part_id,
                    StockMovement.quantity.label("q")).where(
        StockMovement.to_location_id.is_not(None))
    outflow = select(StockMovement.from_location_id.label("loc"), StockMovement.part_id,
                     (-StockMovement.quantity).label("q")).where(
        StockMovement.from_location_id.is_not(None))
    both = union_all(inflow, outflow).subquery()
    rows = db.session.execute(select(both.c.loc, both.c.part_id, func.sum(both.c.q))
                              .group_by(both.c.loc, both.c.part_id)).all()
    return {(loc, part): int(total) for loc, part, total in rows}


def check() -> list[dict]:
    """Every level that disagrees with its ledger: ``[{location, part, level, ledger}]``."""
    sums = ledger_sums()
    levels = {(loc, part): qty for loc, part, qty in db.session.execute(
        select(StockLevel.location_id, StockLevel.part_id, StockLevel.quantity)).all()}
    problems = []
    for key in sorted(set(sums) | set(levels), key=lambda k: (str(k[0]), str(k[1]))):
        if sums.get(key, 0) != levels.get(key, 0):
            problems.append({"location_id": key[0], "part_id": key[1],
                             "level": levels.get(key, 0), "ledger": sums.get(key, 0)})
    return problems


def locations() -> list[StockLocation]:
    return list(db.session.scalars(select(StockLocation).order_by(
        StockLocation.kind.desc(), StockLocation.name)))


def levels(location_id: uuid.UUID | None = None, low_only: bool = False,
           q: str | None = None) -> list[tuple[StockLevel, Part, StockLocation]]:
    """Levels with their part and location, by location then SKU."""
    query = (select(StockLevel, Part, StockLocation)
             .join(Part, Part.id == StockLevel.part_id)
             .join(StockLocation, StockLocation.id == StockLevel.location_id))
    if location_id is not None:
        query = query.where(StockLevel.location_id == location_id)
    if low_only:
        query = query.where(StockLocation.low_stock_threshold > 0,
                            StockLevel.quantity < StockLocation.low_stock_threshold,
                            Part.active.is_(True))
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(Part.sku.ilike(like), Part.name_en.ilike(like),
                                Part.name_zh.ilike(like)))
    return [tuple(row) for row in db.session.execute(
        query.order_by(StockLocation.name, Part.sku)).all()]


def movements(part_id: uuid.UUID | None = None, location_id: uuid.UUID | None = None,
              kind: str | None = None, work_order_id: uuid.UUID | None = None,
              serial: str | None = None, since=None, until=None, page: int = 1,
              per_page: int = 50) -> tuple[list[StockMovement], int]:
    """Ledger lines, newest first, filtered."""
    query = select(StockMovement)
    if part_id is not None:
        query = query.where(StockMovement.part_id == part_id)
    if location_id is not None:
        query = query.where(or_(StockMovement.from_location_id == location_id,
                                StockMovement.to_location_id == location_id))
    if kind:
        query = query.where(StockMovement.reason == kind)
    if work_order_id is not None:
        query = query.where(StockMovement.work_order_id == work_order_id)
    if serial:
        query = query.where(StockMovement.serial == serial.strip())
    if since is not None:
        query = query.where(StockMovement.created_at >= since)
    if until is not None:
        query = query.where(StockMovement.created_at < until)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(StockMovement.created_at.desc(),
                                             StockMovement.id)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total


def level_row(level: StockLevel, part: Part, location: StockLocation) -> dict:
    return {"location_id": location.id, "location_name": location.name, "part_id": part.id,
            "sku": part.sku, "name_en": part.name_en, "name_zh": part.name_zh,
            "quantity": level.quantity,
            "low": 0 < location.low_stock_threshold and level.quantity < location.low_stock_threshold}


def record_from_office(actor, data: dict) -> StockMovement:
    """A movement entered by the office (API or console). Raises Invalid naming the field
    for unknown parts, locations or orders, and anything ``record_movement`` refuses;
    Conflict for a stale count."""
    from ..workorders.models import WorkOrder

    part = db.session.get(Part, data["part_id"])
    if part is None:
        raise Invalid(_("No such part."), {"part_id": [_("no such part")]})
    if data.get("work_order_id") and db.session.get(WorkOrder, data["work_order_id"]) is None:
        raise Invalid(_("No such work order."), {"work_order_id": [_("no such work order")]})
    kind = data["kind"]
    if kind == "count":
        if data.get("location_id") is None:
            raise Invalid(_("Say which location was counted."), {"location_id": [_("is required")]})
        if data.get("counted") is None:
            raise Invalid(_("Give the counted quantity."), {"counted": [_("is required")]})
        location = get_location(data["location_id"])
        movement = count(location, part, data["counted"], actor.id, data.get("note") or "",
                         data.get("expected"))
        if movement is None:
            raise Invalid(_("The count matches the level: nothing to adjust."),
                          {"counted": [_("matches the level")]}, code="count_matches")
        return movement
    if data.get("quantity") is None:
        raise Invalid(_("Give a quantity."), {"quantity": [_("is required")]})
    source = get_location(data["from_location_id"], "from_location_id") \
        if data.get("from_location_id") else None
    target = get_location(data["to_location_id"], "to_location_id") \
        if data.get("to_location_id") else None
    if kind == MovementKind.DEFECTIVE_RETURN and not data.get("work_order_id"):
        raise Invalid(_("A defective return names the job the unit came from."),
                      {"work_order_id": [_("is required")]})
    return record_movement(kind, part, data["quantity"], actor.id, source=source, target=target,
                           work_order_id=data.get("work_order_id"), note=data.get("note"),
                           serial=data.get("serial"))


# --- van replenishment ------------------------------------------------------------------

def set_rule(location: StockLocation, part: Part, min_quantity: int, max_quantity: int
             ) -> StockLevel:
    """Set a van's min/max for a part (on its level, created at 0 if missing). Raises
    Invalid for a location that is not a van or a max below the min."""
    if location.kind != LocationKind.VAN:
        raise Invalid(_("Min/max rules are for vans."), {"location_id": [_("is not a van")]})
    if not 0 <= min_quantity <= max_quantity or max_quantity < 1:
        raise Invalid(_("The max must be at least the min, and above zero."),
                      {"max_quantity": [_("must be at least the min, and above zero")]})
    level = _locked_levels(part.id, [location.id])[location.id]
    level.min_quantity, level.max_quantity = min_quantity, max_quantity
    level.rule_template_id = None  # the van's own value: templates leave it alone
    db.session.flush()
    return level


def proposal(warehouse: StockLocation) -> list[dict]:
    """Today's transfers from ``warehouse`` that restore every van below its min to its max.

    One scan of the levels finds the shortfalls; the warehouse's stock is then shared out
    part by part, emptiest van first (ties by van id, so the proposal is deterministic). A
    shortfall the warehouse cannot cover is listed with ``short`` > 0.
    """
    # Ids come back raw and are turned into UUIDs once per distinct van and part: at a
    # million levels, converting each row's ids was most of the time.
    raw = String()
    rows = db.session.execute(
        select(type_coerce(StockLevel.location_id, raw), type_coerce(StockLevel.part_id, raw),
               StockLevel.quantity, StockLevel.max_quantity, StockLevel.min_quantity)
        .where(StockLevel.min_quantity.is_not(None),
               StockLevel.quantity < StockLevel.min_quantity)
        .order_by(StockLevel.part_id, StockLevel.quantity, StockLevel.location_id)).all()
    if not rows:
        return []
    ids: dict = {}

    def as_uuid(value) -> uuid.UUID:
        found = ids.get(value)
        if found is None:
            found = ids[value] = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
        return found

    from .fieldstock import in_transit_to_vans, reserved_at

    # Only what is not reserved for a job is shared out; what is already on its way to a
    # van counts as there.
    available = dict(db.session.execute(
        select(StockLevel.part_id, StockLevel.quantity)
        .where(StockLevel.location_id == warehouse.id)).all())
    for part_id, held in reserved_at(warehouse.id).items():
        available[part_id] = available.get(part_id, 0) - held
    coming = in_transit_to_vans()
    lines = []
    for raw_van, raw_part, quantity, maximum, minimum in rows:
        van_id, part_id = as_uuid(raw_van), as_uuid(raw_part)
        on_way = coming.get((van_id, part_id), 0) if coming else 0
        if on_way and quantity + on_way >= minimum:
            continue
        need = maximum - quantity - on_way
        give = max(min(need, available.get(part_id, 0)), 0)
        available[part_id] = available.get(part_id, 0) - give
        lines.append({"van_id": van_id, "part_id": part_id, "on_hand": quantity,
                      "in_transit": on_way, "max_quantity": maximum, "quantity": give,
                      "short": need - give})
    return lines


def confirm_replenishment(actor_id: uuid.UUID, warehouse: StockLocation, lines: list[dict]
                          ) -> list[StockMovement]:
    """Confirm a proposal in whole or in part: one transfer per line into transit, all or
    nothing; each line is a delivery the technician confirms on the phone (``fieldstock``).

    Raises Invalid naming the line for a destination that is not a van, an unknown part,
    or more than the warehouse has available (the whole confirmation is then refused).
    """
    from .fieldstock import send_to_van

    movements_ = []
    for n, line in enumerate(lines):
        van = db.session.get(StockLocation, line["van_id"])
        if van is None or van.kind != LocationKind.VAN:
            raise Invalid(_("Replenishment goes to a van."),
                          {"lines": {n: {"van_id": [_("is not a van")]}}})
        part = db.session.get(Part, line["part_id"])
        if part is None:
            raise Invalid(_("No such part."), {"lines": {n: {"part_id": [_("no such part")]}}})
        try:
            _delivery, movement = send_to_van(actor_id, warehouse, van, part, line["quantity"],
                                              note=_("Van replenishment"))
            movements_.append(movement)
        except Invalid as problem:
            raise Invalid(problem.message, {"lines": {n: problem.errors}},
                          code=problem.code) from None
    return movements_


def get_part_field(part_id: uuid.UUID, field: str = "part_id") -> Part:
    """Raises Invalid naming ``field`` when there is no such part."""
    part = db.session.get(Part, part_id)
    if part is None:
        raise Invalid(_("No such part."), {field: [_("no such part")]})
    return part
