"""The console's stock pages: levels by location, low stock, and one part's ledger.

Read-only views of the ledger; every write goes through ``service.record_movement``.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..accounts.auth import console_roles
from ..errors import Invalid, NotFound, ServiceError
from ..extensions import db
from ..schemas import MAX_PAGE
from ..workorders import service as orders
from ..workorders.models import WorkOrder
from . import fieldstock
from . import purchases as purchasing
from . import service
from .models import (
    DeliveryStatus,
    MinMaxTemplate,
    MovementKind,
    Part,
    PartRequest,
    PurchaseStatus,
    RequestStatus,
    StockLocation,
    StockReservation,
    VanDelivery,
)

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
    MovementKind.SHORTFALL: _l("Short on delivery"),
}
LOCATION_KINDS = {"warehouse": _l("Warehouse"), "van": _l("Van"), "transit": _l("In transit")}


@bp.app_template_filter("location_name")
def location_name(location) -> str:
    """A stock location as people read it: the one transit location is stored as "In
    transit" (fieldstock makes it), so it reads in the user's language; others by name."""
    if location.kind == "transit":
        return str(LOCATION_KINDS["transit"])
    return location.name
REQUEST_STATUSES = {
    RequestStatus.OPEN: _l("Waiting for the office"), RequestStatus.RESERVED: _l("Reserved"),
    RequestStatus.SENT: _l("On its way to the van"), RequestStatus.ON_VAN: _l("On the van"),
    RequestStatus.CANCELLED: _l("Cancelled"),
    RequestStatus.ORDERED: _l("Ordered from a supplier"),
}


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
                           location_kinds=LOCATION_KINDS,
                           reserved=fieldstock.reserved_everywhere())


@bp.route("/low")
@console_roles(*OFFICE)
def low_page():
    location_id = _uuid("location")
    return render_template("inventory/levels.html", locations=service.locations(),
                           location_id=location_id, q="", low_only=True,
                           rows=service.levels(location_id, True), location_kinds=LOCATION_KINDS,
                           reserved=fieldstock.reserved_everywhere())


@bp.route("/parts/<uuid:part_id>")
@console_roles(*OFFICE)
def ledger_page(part_id: uuid.UUID):
    part = db.session.get(Part, part_id)
    if part is None:
        abort(404)
    since, until = _day("from"), _day("to")
    kind = request.args.get("kind") if request.args.get("kind") in KIND_LABELS else None
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    items, total = service.movements(
        part.id, _uuid("location"), kind, None, request.args.get("serial") or None,
        _start_of(since) if since else None,
        _start_of(until + timedelta(days=1)) if until else None, page=page, per_page=100)
    names = {loc.id: location_name(loc) for loc in db.session.scalars(db.select(StockLocation))}
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
                flash(ngettext("%(num)d transfer recorded.", "%(num)d transfers recorded.",
                               len(lines)), "success")
        return redirect(url_for(".replenishment_page", warehouse=warehouse.id))
    lines = service.proposal(warehouse) if warehouse is not None else []
    names = {loc.id: loc.name for loc in service.locations()}
    parts = {p.id: p for p in db.session.scalars(db.select(Part).where(
        Part.id.in_({line["part_id"] for line in lines})))} if lines else {}
    return render_template("inventory/replenishment.html", warehouses=warehouses,
                           warehouse=warehouse, lines=lines, names=names, parts=parts)


# --- parts requests from the field, reservations, deliveries -----------------------------

def _names_and_numbers(order_ids) -> dict:
    return dict(db.session.execute(db.select(WorkOrder.id, WorkOrder.number).where(
        WorkOrder.id.in_(set(order_ids)))).all()) if order_ids else {}


@bp.route("/requests")
@console_roles(*OFFICE)
def requests_page():
    """The office's queue: parts technicians asked for, to send or reserve; what is on its
    way to vans; what is held for jobs."""
    from ..technicians.models import Technician

    requests = fieldstock.open_requests()
    reservations = fieldstock.reservations()
    waiting = list(db.session.scalars(db.select(VanDelivery).where(
        VanDelivery.status == DeliveryStatus.SENT).order_by(VanDelivery.sent_at,
                                                            VanDelivery.id)))
    numbers = _names_and_numbers([r.work_order_id for r in requests]
                                 + [r.work_order_id for r in reservations])
    technicians = {t.id: t for t in db.session.scalars(db.select(Technician))}
    names = {loc.id: loc.name for loc in service.locations()}
    parts = {p.id: p for p in db.session.scalars(db.select(Part).where(Part.id.in_(
        {r.part_id for r in reservations} | {d.part_id for d in waiting})))} \
        if reservations or waiting else {}
    warehouses = [loc for loc in service.locations() if loc.kind == "warehouse"]
    return render_template("inventory/requests.html", requests=requests,
                           reservations=reservations, waiting=waiting, numbers=numbers,
                           technicians=technicians, names=names, parts=parts,
                           warehouses=warehouses, statuses=REQUEST_STATUSES)


@bp.route("/requests/<uuid:request_id>", methods=["POST"])
@console_roles(*OFFICE)
def answer_request(request_id: uuid.UUID):
    how = request.form.get("how")
    try:
        fieldstock.answer(g.actor.id, request_id, how, _warehouse(request.form.get("warehouse")))
    except NotFound:
        abort(404)
    except ServiceError as problem:
        db.session.rollback()
        flash(problem.message, "error")
    else:
        flash({"send": _("Sent: the technician confirms receipt on the phone."),
               "reserve": _("Reserved for the job."),
               "cancel": _("Request cancelled.")}.get(how, _("Saved.")), "success")
    return redirect(url_for(".requests_page"))


@bp.route("/reservations/<uuid:reservation_id>/release", methods=["POST"])
@console_roles(*OFFICE)
def release_reservation(reservation_id: uuid.UUID):
    reservation = db.session.get(StockReservation, reservation_id)
    if reservation is None:
        abort(404)
    try:
        fieldstock.release(reservation)
        if reservation.request_id:
            request_ = db.session.get(PartRequest, reservation.request_id)
            if request_ is not None and request_.status == RequestStatus.RESERVED:
                request_.status = RequestStatus.OPEN
    except ServiceError as problem:
        db.session.rollback()
        flash(problem.message, "error")
    else:
        flash(_("Reservation released."), "success")
    return redirect(url_for(".requests_page"))


# --- min/max templates ------------------------------------------------------------------

def _template_lines(text: str) -> list[dict]:
    """One part a line: "SKU min max". Raises Invalid naming the line."""
    lines = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        words = raw.split()
        if not words:
            continue
        if len(words) != 3 or not words[1].isdigit() or not words[2].isdigit():
            raise Invalid(_("Line %(n)d: write the SKU, the min and the max.", n=n),
                          {"lines": [_("line %(n)d: SKU min max", n=n)]})
        part_id = db.session.scalar(db.select(Part.id).where(Part.sku == words[0].upper()))
        if part_id is None:
            raise Invalid(_("Line %(n)d: no part with SKU %(sku)s.", n=n, sku=words[0]),
                          {"lines": [_("line %(n)d: no such part", n=n)]})
        lines.append({"part_id": part_id, "min_quantity": int(words[1]),
                      "max_quantity": int(words[2])})
    return lines


def _regions_and_skills() -> tuple[list, list]:
    from ..technicians.models import Technician

    technicians = list(db.session.scalars(db.select(Technician)))
    return (sorted({t.region for t in technicians if t.region}),
            sorted({s for t in technicians for s in (t.skills or [])}))


def _save_template_form(form, template: MinMaxTemplate | None = None):
    """Save the template form; returns the template, or None after flashing the problem."""
    try:
        return fieldstock.save_template(
            form.get("name", ""), form.get("region") if form.get("for") == "region" else None,
            form.get("skill") if form.get("for") == "skill" else None,
            _template_lines(form.get("lines", "")), template, actor=g.actor)
    except ServiceError as problem:
        db.session.rollback()
        flash(problem.message, "error")
        return None


@bp.route("/templates", methods=["GET", "POST"])
@console_roles(*OFFICE)
def templates_page():
    """Min/max templates: defined once, applied to every van of a region or skill; a van's
    own value is kept."""
    form = {}
    if request.method == "POST":
        form = request.form
        template = _save_template_form(form)
        if template is not None:
            flash(_("Template %(name)s saved.", name=template.name), "success")
            return redirect(url_for(".templates_page"))
    regions, skills = _regions_and_skills()
    templates = fieldstock.templates()
    vans = {t.id: fieldstock.template_vans(t) for t in templates}
    return render_template("inventory/templates.html", templates=templates, vans=vans,
                           regions=regions, skills=skills, form=form)


def _template_or_404(template_id: uuid.UUID) -> MinMaxTemplate:
    template = db.session.get(MinMaxTemplate, template_id)
    if template is None:
        abort(404)
    return template


@bp.route("/templates/<uuid:minmax_id>/edit", methods=["GET", "POST"])
@console_roles(*OFFICE)
def edit_template(minmax_id: uuid.UUID):
    """Edit a template: the values it already wrote on vans follow the new lines."""
    template = _template_or_404(minmax_id)
    if request.method == "POST":
        form = request.form
        saved = _save_template_form(form, template)
        if saved is not None:
            flash(_("Template %(name)s saved.", name=saved.name), "success")
            return redirect(url_for(".templates_page"))
        template = _template_or_404(minmax_id)
    else:
        form = {"name": template.name, "for": "region" if template.region else "skill",
                "region": template.region or "", "skill": template.skill or "",
                "lines": "\n".join(f"{line.part.sku} {line.min_quantity} {line.max_quantity}"
                                   for line in template.lines)}
    regions, skills = _regions_and_skills()
    return render_template("inventory/template_edit.html", template=template, form=form,
                           regions=regions, skills=skills,
                           use=fieldstock.template_use(template))


@bp.route("/templates/<uuid:minmax_id>/delete", methods=["GET", "POST"])
@console_roles(*OFFICE)
def delete_template(minmax_id: uuid.UUID):
    """Delete a template after saying which vans' values it clears."""
    template = _template_or_404(minmax_id)
    if request.method == "POST":
        name = template.name
        use = fieldstock.delete_template(template, g.actor, confirm=True)
        flash(ngettext("Template %(name)s deleted; values cleared on %(num)d van.",
                       "Template %(name)s deleted; values cleared on %(num)d vans.",
                       len(use["vans"]), name=name), "success")
        return redirect(url_for(".templates_page"))
    return render_template("inventory/template_delete.html", template=template,
                           use=fieldstock.template_use(template))


@bp.route("/templates/<uuid:template_id>/apply", methods=["POST"])
@console_roles(*OFFICE)
def apply_template(template_id: uuid.UUID):
    template = db.session.get(MinMaxTemplate, template_id)
    if template is None:
        abort(404)
    counts = fieldstock.apply_template(template, g.actor)
    flash(_("Applied to %(vans)d vans: %(set)d values set, %(kept)d vans' own values kept.",
            vans=counts["vans"], set=counts["set"], kept=counts["kept_own"]), "success")
    return redirect(url_for(".templates_page"))


# --- purchases from suppliers ------------------------------------------------------------

PURCHASE_STATUSES = {
    PurchaseStatus.DRAFT: _l("Draft"), PurchaseStatus.ORDERED: _l("Ordered"),
    PurchaseStatus.PARTLY_RECEIVED: _l("Partly received"),
    PurchaseStatus.RECEIVED: _l("Received in full"), PurchaseStatus.CLOSED: _l("Closed short"),
    PurchaseStatus.CANCELLED: _l("Cancelled"),
}
PURCHASE_ACTIONS = {
    "purchase.created": _l("Purchase order created"), "purchase.ordered": _l("Sent to the supplier"),
    "purchase.partly_received": _l("Received in part"),
    "purchase.received": _l("Received in full"), "purchase.closed": _l("Closed short"),
    "purchase.cancelled": _l("Cancelled"),
    "purchase.request_sent": _l("A requested part sent to its van"),
    "purchase.request_back_to_queue": _l("A requested part back in the queue: the stock "
                                         "that arrived is reserved for other jobs"),
}


def _purchase_lines(text: str) -> list[dict]:
    """One part a line: "SKU quantity [unit cost]". Raises Invalid naming the line."""
    lines = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        words = raw.split()
        if not words:
            continue
        cost = words[2] if len(words) == 3 else None
        if len(words) not in (2, 3) or not words[1].isdigit() or (
                cost is not None and not re.fullmatch(r"\d+(\.\d{1,2})?", cost)):
            raise Invalid(_("Line %(n)d: write the SKU, the quantity and, if you like, the "
                            "unit cost.", n=n), {"lines": [_("line %(n)d: SKU quantity", n=n)]})
        part_id = db.session.scalar(db.select(Part.id).where(Part.sku == words[0].upper()))
        if part_id is None:
            raise Invalid(_("Line %(n)d: no part with SKU %(sku)s.", n=n, sku=words[0]),
                          {"lines": [_("line %(n)d: no such part", n=n)]})
        lines.append({"part_id": part_id, "quantity": int(words[1]),
                      "unit_cost_cents": round(float(cost) * 100) if cost else None})
    return lines


def _request_rows(requests) -> dict:
    from ..technicians.models import Technician

    return {"numbers": _names_and_numbers([r.work_order_id for r in requests]),
            "technicians": {t.id: t for t in db.session.scalars(db.select(Technician))}}


@bp.route("/purchases")
@console_roles(*OFFICE)
def purchases_page():
    """Purchase orders from suppliers, newest first, by status."""
    status = request.args.get("status")
    status = status if status in PURCHASE_STATUSES else None
    return render_template("inventory/purchases.html",
                           purchases=purchasing.purchases(status), status=status,
                           statuses=PURCHASE_STATUSES,
                           waiting=len(purchasing.requests_to_order()))


@bp.route("/purchases/new", methods=["GET", "POST"])
@console_roles(*OFFICE)
def new_purchase():
    """A purchase order: by hand, for open parts requests, or for a warehouse's low stock."""
    warehouses = [loc for loc in service.locations() if loc.kind == "warehouse"]
    candidates = purchasing.requests_to_order()
    form = dict(request.form) if request.method == "POST" else {}
    chosen = set(request.form.getlist("request") if request.method == "POST"
                 else request.args.getlist("request"))
    if request.method == "POST":
        warehouse = _warehouse(form.get("warehouse"))
        try:
            if warehouse is None:
                raise Invalid(_("Parts are received into a warehouse."),
                              {"warehouse_id": [_("is not a warehouse")]})
            expected = _day_value(form.get("expected_on", ""))
            request_ids = []
            for value in chosen:
                try:
                    request_ids.append(uuid.UUID(value))
                except ValueError:
                    abort(400)
            purchase = purchasing.create(
                g.actor, form.get("supplier", ""), warehouse, expected,
                _purchase_lines(form.get("lines", "")), request_ids, form.get("note"),
                order_now=form.get("then") == "order")
        except ServiceError as problem:
            db.session.rollback()
            flash(problem.message, "error")
        else:
            flash(_("Purchase order %(number)s saved.", number=purchase.number), "success")
            return redirect(url_for(".purchase_page", purchase_id=purchase.id))
    else:
        low = _warehouse(request.args.get("low"))
        if low is not None:
            skus = {p.id: p.sku for p in db.session.scalars(db.select(Part))}
            form = {"warehouse": str(low.id), "lines": "\n".join(
                f"{skus[line['part_id']]} {line['quantity']}"
                for line in purchasing.low_stock_lines(low))}
    return render_template("inventory/purchase_new.html", warehouses=warehouses,
                           candidates=candidates, chosen=chosen, form=form,
                           statuses=REQUEST_STATUSES, **_request_rows(candidates))


def _day_value(text: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(_("Give the day as a date."),
                      {"expected_on": [_("is not a date")]}) from None


@bp.route("/purchases/<uuid:purchase_id>")
@console_roles(*OFFICE)
def purchase_page(purchase_id: uuid.UUID):
    """One purchase: its lines (ordered, received, outstanding), the requests it was raised
    for, what can be done next, and its history."""
    from ..audit.models import AuditEvent

    try:
        purchase = purchasing.get(purchase_id)
    except NotFound:
        abort(404)
    history = list(db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.entity_type == "purchase_orders", AuditEvent.entity_id == str(purchase.id))
        .order_by(AuditEvent.created_at, AuditEvent.id)))
    return render_template("inventory/purchase.html", purchase=purchase, history=history,
                           statuses=PURCHASE_STATUSES, actions=PURCHASE_ACTIONS,
                           request_statuses=REQUEST_STATUSES,
                           **_request_rows(purchase.requests))


@bp.route("/purchases/<uuid:purchase_id>/<any(order, receive, cancel, close):step>",
          methods=["POST"])
@console_roles(*OFFICE)
def purchase_step(purchase_id: uuid.UUID, step: str):
    form = request.form
    try:
        if step == "order":
            purchasing.place(g.actor, purchasing.get(purchase_id),
                             _day_value(form.get("expected_on", "")))
            message = _("Sent to the supplier: the technicians see the expected day.")
        elif step == "receive":
            lines = []
            for key in form:
                if key.startswith("received-"):
                    raw = form[key].strip() or "0"
                    if not raw.isdigit():
                        raise Invalid(_("The received quantity must be a whole number, "
                                        "zero or more."),
                                      {"lines": [_("must be a whole number, zero or more")]})
                    try:
                        lines.append({"line_id": uuid.UUID(key.removeprefix("received-")),
                                      "quantity": int(raw)})
                    except ValueError:
                        abort(400)
            purchasing.receive(g.actor, purchase_id, lines)
            message = _("Received into the warehouse; requested parts sent to their vans.")
        elif step == "cancel":
            purchasing.cancel(g.actor, purchase_id, form.get("reason"))
            message = _("Purchase order cancelled.")
        else:
            purchasing.close(g.actor, purchase_id, form.get("reason"))
            message = _("Purchase order closed: the rest is not coming.")
    except NotFound:
        abort(404)
    except ServiceError as problem:
        db.session.rollback()
        flash(problem.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for(".purchase_page", purchase_id=purchase_id))
