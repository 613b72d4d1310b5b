"""The console's warranty pages: claims (list, export, one claim), returns to suppliers
(list, one return) and one serial's history. Forms are parsed here; the rules are in
``service``."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.auth import console_roles
from ..errors import Invalid, ServiceError, in_words
from ..exports import disposition, download
from ..extensions import db
from ..schemas import MAX_PAGE
from ..inventory.console import KIND_LABELS
from ..inventory.models import Part, StockLocation
from ..settings.service import get as setting
from ..words import term, when
from . import photos as claim_photos
from . import service
from .models import CLAIM_MOVES, CLAIM_STATES, RETURN_MOVES, RETURN_STATES
from .pdf import summary_pdf

bp = Blueprint("warranty_console", __name__, url_prefix="/warranty", template_folder="templates")
OFFICE = ("admin", "dispatcher")

HISTORY_KINDS = {"order": _l("Work order"), "movement": _l("Part movement"),
                 "claim": _l("Warranty claim"), "claim_part": _l("Part on a warranty claim"),
                 "return": _l("Return to supplier"),
                 "return_request": _l("Customer return or exchange"),
                 "exchange_replacement": _l("Replacement unit of an exchange")}
SERIAL_ROLES = {"faulty": _l("faulty unit"), "replacement": _l("replacement unit")}


@bp.app_context_processor
def _helpers():
    return {"order_claim": service.claim_of, "order_claimable": service.claimable}


def _cents(form_value: str | None, field: str, required: bool = False) -> int | None:
    """An amount typed in major units ("45.50") as minor units."""
    text = (form_value or "").strip()
    if not text:
        if required:
            raise Invalid(_("Give the amount."), {field: [_("Required.")]})
        return None
    try:
        number = Decimal(text)
        if not number.is_finite() or number < 0 or number != number.quantize(Decimal("0.01")):
            raise InvalidOperation
    except InvalidOperation:
        raise Invalid(_("Give an amount such as 45.50."),
                      {field: [_("Give an amount such as 45.50.")]}) from None
    return int(number * 100)


# --- claims -----------------------------------------------------------------------------

def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return None


def _claim_filter() -> service.ClaimFilter:
    """The list's filters; ``from`` and ``to`` are days (the claims created in them, in the
    company's time zone)."""
    args = request.args
    zone = ZoneInfo(setting("DOORSTEP_TIMEZONE"))
    start, end = _day("from"), _day("to")
    return service.ClaimFilter(
        state=args.get("state") if args.get("state") in CLAIM_STATES else None,
        supplier=(args.get("supplier") or "").strip()[:120] or None,
        q=(args.get("q") or "").strip()[:80] or None,
        since=datetime.combine(start, time(), zone) if start else None,
        until=datetime.combine(end + timedelta(days=1), time(), zone) if end else None)


@bp.route("/claims")
@console_roles(*OFFICE)
def claims():
    """Claims, newest first, with filters; ``export=csv|xlsx`` downloads the filtered list."""
    f = _claim_filter()
    export = request.args.get("export")
    if export == "pdf":  # a claim batch for the manufacturer: the filtered claims, oldest first
        rows, _total = service.claims(f, 1, 100_000)
        language = "zh" if str(get_locale() or "en").startswith("zh") else "en"
        body = summary_pdf(list(reversed(rows)), f.supplier, _day("from"), _day("to"),
                           language)
        name = "-".join(v for v in ("warranty-claims", f.supplier, request.args.get("from"),
                                    request.args.get("to")) if v)
        return Response(body, mimetype="application/pdf", headers={
            "Content-Disposition": disposition(f"{name}.pdf")})
    if export in ("csv", "xlsx"):
        rows, _total = service.claims(f, 1, 100_000)
        header = [_("Claim"), _("Work order"), _("Supplier"), _("Status"), _("Appliance serial"),
                  _("Part"), _("Quantity"), _("Unit price"), _("Faulty serial"),
                  _("Replacement serial"), _("Labour"), _("Travel"), _("Claimed total"),
                  _("Credited"), _("Reason for rejection"), _("Created")]

        def lines():
            for c in rows:
                common = [c.number, c.work_order.number, c.supplier, term(c.state),
                          c.asset_serial]
                tail = [c.labour_cents / 100, c.travel_cents / 100, c.total_cents / 100,
                        None if c.credited_cents is None else c.credited_cents / 100,
                        c.rejection_reason, when(c.created_at)]
                for line in c.lines or [None]:
                    yield common + ([line.part.sku, line.quantity, line.unit_price_cents / 100,
                                     line.faulty_serial, line.replacement_serial]
                                    if line else [None] * 5) + tail
        return download(export, "warranty-claims", header, lines())
    page = min(max(1, request.args.get("page", 1, type=int) or 1), MAX_PAGE)
    rows, total = service.claims(f, page, 50)
    return render_template("warranty/claims.html", rows=rows, total=total, page=page, f=f,
                           states=CLAIM_STATES, suppliers=service.suppliers())


@bp.route("/claims/new", methods=["POST"])
@console_roles(*OFFICE)
def new_claim():
    """One click on the order page: the claim, prefilled from the visit (or the order's
    existing claim)."""
    try:
        order_id = uuid.UUID(request.form.get("work_order_id", ""))
    except ValueError:
        flash(_("Say which order the claim is about."), "error")
        return redirect(url_for("warranty_console.claims"), code=303)
    existing = service.claim_of(order_id)
    if existing is not None:
        return redirect(url_for("warranty_console.claim", claim_id=existing.id), code=303)
    try:
        claim = service.create_claim(current_user, order_id)
    except ServiceError as refused:
        db.session.rollback()
        flash(in_words(refused), "error")
        return redirect(url_for("console.order_detail", order_id=order_id), code=303)
    flash(_("Warranty claim %(number)s drafted from the visit.", number=claim.number), "success")
    return redirect(url_for("warranty_console.claim", claim_id=claim.id), code=303)


@bp.route("/claims/<uuid:claim_id>")
@console_roles(*OFFICE)
def claim(claim_id: uuid.UUID):
    c = service.get_claim(claim_id)
    return render_template("warranty/claim.html", c=c, moves=CLAIM_MOVES[c.state])


def _claim_act(claim_id: uuid.UUID, action, done: str):
    c = service.get_claim(claim_id)
    try:
        action(c)
        flash(done, "success")
    except ServiceError as refused:
        db.session.rollback()
        flash(in_words(refused), "error")
    return redirect(url_for("warranty_console.claim", claim_id=claim_id), code=303)


@bp.route("/claims/<uuid:claim_id>/edit", methods=["POST"])
@console_roles(*OFFICE)
def edit_claim(claim_id: uuid.UUID):
    form = request.form

    def edit(c):
        changes = {"supplier": form.get("supplier", ""), "fault": form.get("fault"),
                   "labour_cents": _cents(form.get("labour"), "labour_cents", required=True),
                   "travel_cents": _cents(form.get("travel"), "travel_cents", required=True),
                   "lines": [{"id": line.id,
                              "faulty_serial": form.get(f"faulty-{line.id}"),
                              "replacement_serial": form.get(f"replacement-{line.id}")}
                             for line in c.lines]}
        service.update_claim(current_user, c, changes)
    return _claim_act(claim_id, edit, _("Claim saved."))


@bp.route("/claims/<uuid:claim_id>/state", methods=["POST"])
@console_roles(*OFFICE)
def move_claim(claim_id: uuid.UUID):
    form = request.form
    return _claim_act(claim_id, lambda c: service.move_claim(
        current_user, c, form.get("state", ""), reason=form.get("reason"),
        credited_cents=_cents(form.get("credited"), "credited_cents")
        if form.get("state") == "credited" else None), _("Claim updated."))


# --- returns to suppliers ---------------------------------------------------------------

@bp.route("/returns")
@console_roles(*OFFICE)
def returns():
    """Returns to suppliers, and the defective units awaiting one (with the form that
    gathers them under an RMA number)."""
    state = request.args.get("state") if request.args.get("state") in RETURN_STATES else None
    rows, total = service.returns(state, 1, 200)
    awaiting = service.awaiting_return()
    parts = {p.id: p for p in db.session.query(Part).filter(
        Part.id.in_({m.part_id for m in awaiting}))} if awaiting else {}
    locations = {loc.id: loc for loc in db.session.query(StockLocation)}
    return render_template("warranty/returns.html", rows=rows, state=state, states=RETURN_STATES,
                           awaiting=awaiting, parts=parts, locations=locations)


@bp.route("/returns/new", methods=["POST"])
@console_roles(*OFFICE)
def new_return():
    form = request.form
    try:
        ids = [uuid.UUID(value) for value in form.getlist("movement_id")]
    except ValueError:
        ids = []
    try:
        shipment = service.create_return(current_user, form.get("rma_number"),
                                         form.get("supplier"), ids, form.get("note"))
    except ServiceError as refused:
        db.session.rollback()
        flash(in_words(refused), "error")
        return redirect(url_for("warranty_console.returns"), code=303)
    flash(_("Return %(rma)s opened.", rma=shipment.rma_number), "success")
    return redirect(url_for("warranty_console.one_return", return_id=shipment.id), code=303)


@bp.route("/returns/<uuid:return_id>")
@console_roles(*OFFICE)
def one_return(return_id: uuid.UUID):
    r = service.get_return(return_id)
    return render_template("warranty/return.html", r=r, moves=RETURN_MOVES[r.state])


@bp.route("/returns/<uuid:return_id>/state", methods=["POST"])
@console_roles(*OFFICE)
def move_return(return_id: uuid.UUID):
    form = request.form
    r = service.get_return(return_id)
    try:
        to = form.get("state", "")
        service.move_return(
            current_user, r, to,
            credited_cents=_cents(form.get("credited"), "credited_cents")
            if to == "credited" else None,
            replacement_serials={line.id: form.get(f"replacement-{line.id}")
                                 for line in r.lines if form.get(f"replacement-{line.id}")}
            if to == "replaced" else None)
        flash(_("Return updated."), "success")
    except ServiceError as refused:
        db.session.rollback()
        flash(in_words(refused), "error")
    return redirect(url_for("warranty_console.one_return", return_id=return_id), code=303)


# --- one serial's history ---------------------------------------------------------------

@bp.route("/serials")
@console_roles(*OFFICE)
def serial_search():
    serial = (request.args.get("serial") or "").strip()
    if serial:
        return redirect(url_for("warranty_console.serial_history", serial=serial), code=303)
    return render_template("warranty/serial.html", serial=None, entries=None,
                           kinds=HISTORY_KINDS, roles=SERIAL_ROLES, movement_kinds=KIND_LABELS)


@bp.route("/serials/<path:serial>")
@console_roles(*OFFICE)
def serial_history(serial: str):
    """The service archive of one unit: every order, part movement, claim and return its
    serial appears in, oldest first."""
    try:
        entries = service.history(serial)
    except Invalid as refused:
        flash(in_words(refused), "error")
        return redirect(url_for("warranty_console.serial_search"), code=303)
    return render_template("warranty/serial.html", serial=serial, entries=entries,
                           kinds=HISTORY_KINDS, roles=SERIAL_ROLES, movement_kinds=KIND_LABELS)


# --- photos of the claim itself ------------------------------------------------------------

@bp.route("/claims/<uuid:claim_id>/photos", methods=["POST"])
@console_roles(*OFFICE)
def add_claim_photo(claim_id: uuid.UUID):
    """Upload a photo to a draft claim; a bad, empty or huge file answers the claim page
    with a 4xx naming the field, and nothing is stored."""
    c = service.get_claim(claim_id)
    upload = request.files.get("photo")
    try:
        if upload is None or not upload.filename:
            raise Invalid(_("Choose an image file."), {"photo": [_("is required")]})
        claim_photos.add_photo(current_user, c, upload.stream,
                               current_app.config["MAX_BLOB_BYTES"], request.form.get("caption"))
    except ServiceError as refused:
        db.session.rollback()
        c = service.get_claim(claim_id)
        return render_template("warranty/claim.html", c=c, moves=CLAIM_MOVES[c.state],
                               photo_error=in_words(refused)), refused.status
    flash(_("Photo added to the claim."), "success")
    return redirect(url_for("warranty_console.claim", claim_id=claim_id), code=303)


@bp.route("/claims/<uuid:claim_id>/photos/<uuid:photo_id>/remove", methods=["POST"])
@console_roles(*OFFICE)
def remove_claim_photo(claim_id: uuid.UUID, photo_id: uuid.UUID):
    return _claim_act(claim_id, lambda c: claim_photos.remove_photo(current_user, c, photo_id),
                      _("Photo removed from the claim."))


@bp.route("/claims/<uuid:claim_id>/photos/<uuid:photo_id>/<any(thumb, display):rendition>")
@console_roles(*OFFICE)
def claim_photo(claim_id: uuid.UUID, photo_id: uuid.UUID, rendition: str):
    return claim_photos.serve(service.get_claim(claim_id), photo_id, rendition)
