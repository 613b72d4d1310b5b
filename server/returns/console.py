"""The console's returns pages: the list (filters, CSV/XLSX), a new request (from the
customer, appliance or order page), one request (inspection, findings, decision), the
monthly analysis, the photos, and the policy under /admin. Forms are parsed here; the
rules are in ``service``. A refused form comes back with the field's message and a 4xx."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.auth import console_roles
from ..assets.models import Asset
from ..customers.models import Customer
from ..errors import Invalid, NotFound, ServiceError
from ..exports import download
from ..extensions import db
from ..schemas import MAX_PAGE
from ..media.blobs import rendition_key
from ..media.storage import storage
from ..words import day, term, when
from . import policy as policies
from . import service
from .models import DECISIONS, FINDINGS, MODES, REASONS, STATES, WINDOWS, WISHES
from .words import (CHANNEL_LABELS, DECISION_LABELS, FINDING_LABELS, MODE_LABELS,
                    REASON_LABELS, STATE_LABELS, WINDOW_LABELS, WISH_LABELS)

bp = Blueprint("returns_console", __name__, template_folder="templates")
OFFICE = ("admin", "dispatcher")
LABELS = {"states": STATE_LABELS, "reasons": REASON_LABELS, "wishes": WISH_LABELS,
          "decisions": DECISION_LABELS, "windows": WINDOW_LABELS, "findings": FINDING_LABELS,
          "modes": MODE_LABELS, "channels": CHANNEL_LABELS}


@bp.app_context_processor
def _helpers():
    return {"returns_labels": LABELS, "returns_for_order": service.for_order,
            "returns_of_customer": lambda customer_id: service.requests(
                service.Filter(customer_id=customer_id), 1, 20)[0],
            "return_refusal": service.refusal, "returned_by": service.returned_by}


def _messages(problem: ServiceError) -> dict:
    """A refusal's field messages as text, for the form (never field codes alone)."""
    errors = {}
    for field, messages in (problem.errors or {}).items():
        if isinstance(messages, dict):  # marshmallow's location level
            for inner, texts in messages.items():
                errors[inner] = [str(t) for t in texts]
        else:
            errors[field] = [str(m) for m in messages]
    return errors


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _filter() -> service.Filter:
    args = request.args
    month = args.get("month") or None
    if month:
        try:
            service.month_bounds(month)
        except Invalid:
            month = None
    within = {"yes": True, "no": False}.get(args.get("within") or "")
    return service.Filter(
        state=args.get("state") if args.get("state") in STATES else None,
        decision=args.get("decision") if args.get("decision") in DECISIONS else None,
        model=(args.get("model") or "").strip()[:80] or None, month=month,
        reason=args.get("reason") if args.get("reason") in REASONS else None,
        within_policy=within)


def _kept(f: service.Filter) -> dict:
    return {k: v for k, v in {"state": f.state, "decision": f.decision, "model": f.model,
                              "month": f.month, "reason": f.reason,
                              "within": {True: "yes", False: "no"}.get(f.within_policy)
                              }.items() if v}


@bp.route("/returns")
@console_roles(*OFFICE)
def listing():
    """Requests, newest first, with filters; ``export=csv|xlsx`` downloads them."""
    f = _filter()
    export = request.args.get("export")
    if export in ("csv", "xlsx"):
        rows, _total = service.requests(f, 1, 100_000)
        header = [_("Request"), _("Asked"), _("Channel"), _("Customer"), _("Model"),
                  _("Category"), _("Returned serial"), _("Reason"), _("Customer's wish"),
                  _("Purchased"), _("Days since purchase"), _("Policy window"), _("Goodwill"),
                  _("Status"), _("Inspection"), _("Findings"), _("Proposed"), _("Decision"),
                  _("Reason for the decision"), _("Refunded"), _("Replacement serial"),
                  _("Repair order"), _("Decided")]

        def lines():
            for r in rows:
                yield [r.number, when(r.created_at), str(CHANNEL_LABELS[r.channel]),
                       r.customer.name, r.model, term(r.category), r.asset.serial,
                       str(REASON_LABELS[r.reason]), str(WISH_LABELS[r.wish]),
                       day(r.purchase_date), r.days_since_purchase,
                       str(WINDOW_LABELS[r.window]), _("Yes") if r.goodwill else _("No"),
                       str(STATE_LABELS[r.state]),
                       str(MODE_LABELS[r.mode]) if r.mode else None,
                       str(FINDING_LABELS[r.finding]) if r.finding else None,
                       str(DECISION_LABELS[r.proposed]) if r.proposed else None,
                       str(DECISION_LABELS[r.decision]) if r.decision else None,
                       r.decision_reason,
                       r.refund_cents / 100 if r.refund_cents is not None else None,
                       r.replacement_serial,
                       r.repair_order.number if r.repair_order else None,
                       when(r.decided_at) if r.decided_at else None]
        return download(export, "returns", header, lines())
    page = min(max(1, request.args.get("page", 1, type=int) or 1), MAX_PAGE)
    rows, total = service.requests(f, page, 50)
    return render_template("returns/list.html", rows=rows, total=total, page=page, f=f,
                           kept=_kept(f), states=STATES, decisions=DECISIONS,
                           reasons=REASONS, models=service.models())


# --- a new request ------------------------------------------------------------------------

def _new_page(status: int = 200, errors: dict | None = None):
    args = request.values
    customer = db.session.get(Customer, _uuid(args.get("customer_id"))) \
        if _uuid(args.get("customer_id")) else None
    asset = db.session.get(Asset, _uuid(args.get("asset_id"))) \
        if _uuid(args.get("asset_id")) else None
    if asset is not None and customer is None:
        customer = asset.customer
    assets = list(db.session.scalars(select(Asset).where(
        Asset.customer_id == customer.id, Asset.deleted_at.is_(None))
        .order_by(Asset.created_at))) if customer else []
    return render_template("returns/new.html", customer=customer, asset=asset, assets=assets,
                           values=request.form, errors=errors or {}, reasons=REASONS,
                           wishes=WISHES, policy=policies.current(),
                           work_order_id=args.get("work_order_id") or ""), status


@bp.route("/returns/new")
@console_roles(*OFFICE)
def new():
    return _new_page()


@bp.route("/returns/new", methods=["POST"])
@console_roles(*OFFICE)
def create():
    form = request.form
    upload = request.files.get("proof")
    try:
        created = service.create(
            current_user, asset_id=_uuid(form.get("asset_id")), reason=form.get("reason"),
            wish=form.get("wish"), purchase_date=form.get("purchase_date"),
            description=form.get("description"),
            proof=upload.stream if upload and upload.filename else None, channel="console",
            work_order_id=_uuid(form.get("work_order_id")))
    except ServiceError as refused:
        db.session.rollback()
        return _new_page(refused.status, _messages(refused))
    flash(_("Return request %(number)s recorded.", number=created.number), "success")
    return redirect(url_for("returns_console.one", request_id=created.id), code=303)


# --- one request --------------------------------------------------------------------------

def _one_page(r, status: int = 200, errors: dict | None = None, target: str | None = None):
    return render_template("returns/one.html", r=r, errors=errors or {}, target=target,
                           values=request.form, modes=MODES, findings=FINDINGS,
                           allowed=r.allowed_decisions, refusal=service.refusal(r),
                           manager=current_user.role == service.MANAGER), status


@bp.route("/returns/<uuid:request_id>")
@console_roles(*OFFICE)
def one(request_id: uuid.UUID):
    return _one_page(service.get(request_id))


def _act(request_id: uuid.UUID, target: str, action, done: str):
    r = service.get(request_id, lock=True)
    try:
        action(r)
    except ServiceError as refused:
        db.session.rollback()
        return _one_page(service.get(request_id), refused.status, _messages(refused), target)
    flash(done, "success")
    return redirect(url_for("returns_console.one", request_id=request_id), code=303)


@bp.route("/returns/<uuid:request_id>/goodwill", methods=["POST"])
@console_roles(*OFFICE)
def goodwill(request_id: uuid.UUID):
    return _act(request_id, "goodwill", lambda r: service.accept_goodwill(
        current_user, r, request.form.get("reason")), _("Accepted as a goodwill case."))


@bp.route("/returns/<uuid:request_id>/inspect", methods=["POST"])
@console_roles(*OFFICE)
def inspect(request_id: uuid.UUID):
    return _act(request_id, "inspect", lambda r: service.start_inspection(
        current_user, r, request.form.get("mode")), _("Inspection started."))


@bp.route("/returns/<uuid:request_id>/findings", methods=["POST"])
@console_roles(*OFFICE)
def findings(request_id: uuid.UUID):
    photos = [f.stream for f in request.files.getlist("photos") if f and f.filename]
    return _act(request_id, "findings", lambda r: service.record_findings(
        current_user, r, request.form.get("finding"), request.form.get("notes"), photos),
        _("Findings recorded."))


def _cents(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
        if not number.is_finite() or number != number.quantize(Decimal("0.01")):
            raise InvalidOperation
    except InvalidOperation:
        raise Invalid(_("Give an amount such as 45.50."),
                      {"refund_cents": [_("Give an amount such as 45.50.")]}) from None
    return int(number * 100)


@bp.route("/returns/<uuid:request_id>/decide", methods=["POST"])
@console_roles(*OFFICE)
def decide(request_id: uuid.UUID):
    form = request.form
    return _act(request_id, "decide", lambda r: service.decide(
        current_user, r, form.get("decision"), reason=form.get("reason"),
        refund_cents=_cents(form.get("refund")) if form.get("decision") == "refund" else None,
        replacement_serial=form.get("replacement_serial"),
        replacement_model=form.get("replacement_model")), _("Decision recorded."))


@bp.route("/returns/<uuid:request_id>/photos/<sha256>")
@console_roles(*OFFICE)
def photo(request_id: uuid.UUID, sha256: str):
    blob = service.photo_of(service.get(request_id), sha256)
    size = "thumb" if request.args.get("size") == "thumb" else "display"
    if blob is None or blob.rendition_ext is None:
        raise NotFound(_("No such photo."))
    mimetype = "image/png" if blob.rendition_ext == "png" else "image/jpeg"
    response = send_file(storage().open(rendition_key(blob, size)), mimetype=mimetype,
                         etag=f"{sha256}.{size}", max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# --- the monthly analysis -----------------------------------------------------------------

@bp.route("/returns/analysis")
@console_roles(*OFFICE)
def analysis():
    """One month (default: this month), with links down to the requests behind each
    figure."""
    month = request.args.get("month") or service.company_day(service.utcnow()).strftime("%Y-%m")
    try:
        figures = service.analysis(month)
    except Invalid as refused:
        month = service.company_day(service.utcnow()).strftime("%Y-%m")
        return render_template("returns/analysis.html", a=service.analysis(month),
                               month=month, error=_messages(refused)), 422
    return render_template("returns/analysis.html", a=figures, month=month, error=None)


# --- the policy, under /admin -------------------------------------------------------------

def _policy_page(status: int = 200, errors: dict | None = None, form: dict | None = None):
    return render_template("returns/policy.html", p=form or policies.current(),
                           errors=errors or {}, windows=WINDOWS,
                           grantable=policies.GRANTABLE, from_form=form is not None), status


@bp.route("/admin/returns-policy")
@console_roles("admin")
def policy_page():
    return _policy_page()


@bp.route("/admin/returns-policy", methods=["POST"])
@console_roles("admin")
def policy_save():
    try:
        policies.save(current_user, request.form)
    except Invalid as refused:
        db.session.rollback()
        form = dict(request.form)
        form["allows"] = {w: [d for d in policies.GRANTABLE if request.form.get(f"allow_{w}_{d}")]
                          for w in WINDOWS}
        form["proof_required"] = bool(request.form.get("proof_required"))
        return _policy_page(422, _messages(refused), form)
    flash(_("Returns policy saved."), "success")
    return redirect(url_for("returns_console.policy_page"), code=303)
