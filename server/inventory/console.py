"""The console's stock pages: levels by location, low stock, and one part's ledger.

Read-only views of the ledger; every write goes through ``service.record_movement``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..accounts.auth import console_roles
from ..errors import Invalid
from ..extensions import db
from ..workorders import service as orders
from ..workorders.models import WorkOrder
from . import service
from .models import MovementKind, Part, StockLocation

bp = Blueprint("stock_console", __name__, url_prefix="/stock", template_folder="templates")
OFFICE = ("admin", "dispatcher")

KIND_LABELS = {
    MovementKind.RECEIVE: _l("Received"),
    MovementKind.TRANSFER: _l("Transfer"),
    MovementKind.USED_ON_ORDER: _l("Used on a job"),
    MovementKind.RETURNED_FROM_ORDER: _l("Returned unused from a job"),
    MovementKind.DEFECTIVE_RETURN: _l("Defective part returned"),
    MovementKind.ADJUST: _l("Count adjustment"),
    MovementKind.SCRAP: _l("Scrapped"),
    MovementKind.REVERSAL: _l("Reversal"),
    MovementKind.INITIAL_STOCK: _l("Opening stock"),
    MovementKind.RETURN_TO_SUPPLIER: _l("Returned to supplier"),
}
LOCATION_KINDS = {"warehouse": _l("Warehouse"), "van": _l("Van")}


def _uuid(name: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.args[name]) if request.args.get(name) else None
    except ValueError:
        return None


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args[name]) if request.args.get(name) else None
    except ValueError:
        return None


def _start_of(day: date) -> datetime:
    """Midnight of ``day`` in the company's time zone."""
    return datetime.combine(day, time(), ZoneInfo(orders.calendar().timezone))


@bp.route("/")
@console_roles(*OFFICE)
def levels_page():
    location_id = _uuid("location")
    q = (request.args.get("q") or "").strip()[:100] or None
    return render_template("inventory/levels.html", locations=service.locations(),
                           location_id=location_id, q=q or "", low_only=False,
                           rows=service.levels(location_id, False, q),
                           location_kinds=LOCATION_KINDS)


@bp.route("/low")
@console_roles(*OFFICE)
def low_page():
    location_id = _uuid("location")
    return render_template("inventory/levels.html", locations=service.locations(),
                           location_id=location_id, q="", low_only=True,
                           rows=service.levels(location_id, True), location_kinds=LOCATION_KINDS)


@bp.route("/parts/<uuid:part_id>")
@console_roles(*OFFICE)
def ledger_page(part_id: uuid.UUID):
    part = db.session.get(Part, part_id)
    if part is None:
        abort(404)
    since, until = _day("from"), _day("to")
    kind = request.args.get("kind") if request.args.get("kind") in KIND_LABELS else None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    items, total = service.movements(
        part.id, _uuid("location"), kind, None, request.args.get("serial") or None,
        _start_of(since) if since else None,
        _start_of(until + timedelta(days=1)) if until else None, page=page, per_page=100)
    names = {loc.id: loc.name for loc in db.session.scalars(db.select(StockLocation))}
    order_ids = {m.work_order_id for m in items if m.work_order_id}
    numbers = dict(db.session.execute(db.select(WorkOrder.id, WorkOrder.number).where(
        WorkOrder.id.in_(order_ids))).all()) if order_ids else {}
    levels = [(lv, loc) for lv, _p, loc in service.levels() if lv.part_id == part.id]
    return render_template("inventory/ledger.html", part=part, items=items, total=total,
                           page=page, names=names, numbers=numbers, kinds=KIND_LABELS,
                           locations=service.locations(), levels=levels,
                           filters=request.args)


def _warehouse(value) -> StockLocation | None:
    try:
        location = db.session.get(StockLocation, uuid.UUID(value)) if value else None
    except ValueError:
        return None
    return location if location is not None and location.kind == "warehouse" else None


@bp.route("/replenishment", methods=["GET", "POST"])
@console_roles(*OFFICE)
def replenishment_page():
    """Today's van replenishment: the storekeeper ticks the lines to send (changing a
    quantity if they like) and confirms; all ticked lines move, or none."""
    warehouses = [loc for loc in service.locations() if loc.kind == "warehouse"]
    warehouse = _warehouse(request.values.get("warehouse")) or (
        warehouses[0] if warehouses else None)
    if request.method == "POST" and warehouse is not None:
        lines = []
        for key in request.form.getlist("line"):
            van_id, _sep, part_id = key.partition(":")
            raw = request.form.get(f"quantity-{key}", "")
            if not raw.isdigit() or int(raw) < 1:
                flash(_("Each ticked line needs a quantity of 1 or more."), "error")
                return redirect(url_for(".replenishment_page", warehouse=warehouse.id))
            try:
                lines.append({"van_id": uuid.UUID(van_id), "part_id": uuid.UUID(part_id),
                              "quantity": int(raw)})
            except ValueError:
                abort(400)
        if not lines:
            flash(_("Tick the lines to send."), "error")
        else:
            try:
                service.confirm_replenishment(g.actor.id, warehouse, lines)
            except Invalid as problem:
                db.session.rollback()
                flash(problem.message, "error")
            else:
                db.session.commit()
                flash(ngettext("%(num)d transfer recorded.", "%(num)d transfers recorded.",
                               len(lines)), "success")
        return redirect(url_for(".replenishment_page", warehouse=warehouse.id))
    lines = service.proposal(warehouse) if warehouse is not None else []
    names = {loc.id: loc.name for loc in service.locations()}
    parts = {p.id: p for p in db.session.scalars(db.select(Part).where(
        Part.id.in_({line["part_id"] for line in lines})))} if lines else {}
    return render_template("inventory/replenishment.html", warehouses=warehouses,
                           warehouse=warehouse, lines=lines, names=names, parts=parts)
