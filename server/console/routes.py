"""The dispatcher console: server-rendered pages for office staff.

Pages call the same services as the API; forms are CSRF-protected; sign-in uses a
session cookie.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from ..accounts import service as accounts
from ..accounts import throttle
from ..accounts.auth import console_roles, end_console_session, start_console_session
from ..assets.service import warranty_status
from ..audit import service as audit
from ..database import utcnow
from ..extensions import db
from ..intake import symptoms
from ..technicians.models import Technician
from ..workorders import discounts, lifecycle, service
from ..workorders.schemas import WorkOrderQuery
from . import board, customers, formatting, intake, notifications, sync_pages  # noqa: F401
from .blueprint import OFFICE, bp
from .forms import LoginForm, OrderEditForm


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never redirect a fresh login to another site."""
    # Browsers read "/\\host" as "//host" and drop tabs and newlines, so refuse them too.
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target and target.isprintable() and not urlsplit(target).netloc:
        return target
    return url_for("console.orders")


@bp.route("/")
def index():
    return redirect(url_for("console.orders"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            user = throttle.sign_in(form.email.data, form.password.data, request.remote_addr)
        except throttle.Throttled as refused:
            user, status = None, 429
            headers["Retry-After"] = str(refused.retry_after)
            form.password.errors.append(_(
                "Too many failed sign-in attempts. Wait %(minutes)s minute(s), then try "
                "again.", minutes=max(1, -(-refused.retry_after // 60))))
        except accounts.AccountDisabled:
            user = None
            form.email.errors.append(_("This account is disabled; ask an administrator."))
        else:
            if user is None:
                form.password.errors.append(_("Wrong e-mail or password."))
            elif user.role not in OFFICE:
                form.email.errors.append(_("The console is for office staff; "
                                           "technicians use the app."))
            else:
                start_console_session(user)
                audit.record("console.sign_in", user, user)
                return redirect(_safe_next(request.args.get("next")))
    if form.errors and status == 200:
        status = 422
    return render_template("console/login.html", form=form), status, headers


@bp.route("/logout", methods=["POST"])
def logout():
    # Ends the session everywhere: a copy of this cookie no longer signs anyone in.
    end_console_session()
    return redirect(url_for("console.login"))


@bp.route("/orders")
@console_roles(*OFFICE)
def orders():
    raw = request.args.to_dict(flat=True)
    raw.pop("lang", None)
    raw = {k: v for k, v in raw.items() if v != ""}
    if "status" in raw:
        raw["status"] = request.args.getlist("status")
    try:
        args = WorkOrderQuery().load(raw)
        errors = {}
    except ValidationError as invalid:
        args, errors = WorkOrderQuery().load({}), invalid.messages
    page, per_page = args.pop("page"), args.pop("per_page")
    items, total = service.list_orders(g.actor, service.OrderFilters(**args), page, per_page)
    technicians = db.session.scalars(
        select(Technician).join(Technician.user).order_by(Technician.region)).all()
    return render_template(
        "console/orders.html", orders=items, total=total, page=page, per_page=per_page,
        filters=raw, errors=errors, technicians=technicians, statuses=list(lifecycle.Status),
    )


def _order_page(order, form: OrderEditForm | None = None, status: int = 200,
                changed=None, problem: str | None = None, action_errors: dict | None = None,
                action_open: str | None = None):
    from ..accounts.models import User
    from ..dispatch import issues
    from ..dispatch.service import ASSIGNABLE
    from ..media.models import Blob
    from ..workorders import visit

    events = service.history(order)
    # "assigned" events name technicians by id; the history shows their names.
    tech_ids = {uuid.UUID(v) for e in events if e.kind == "assigned"
                for v in (e.data.get("from"), e.data.get("to")) if v}
    names = {t.id: t.user.name for t in db.session.scalars(
        select(Technician).where(Technician.id.in_(sorted(tech_ids))))} if tech_ids else {}
    record = visit.record(order)
    record.allowed_actions = service.allowed_actions(g.actor, order)
    rows = formatting.history_rows(events, names, {n.id: n.body for n in record.notes},
                                   order.currency)
    technician = order.assignee.user.name if order.assignee else None
    rows = sorted(rows + formatting.visit_rows(record, technician, events),
                  key=lambda row: row.server_time)
    image_arrived = record.signature is not None and \
        db.session.get(Blob, record.signature.image_sha256) is not None
    if form is None:
        form = OrderEditForm(formdata=None, meta={"csrf": False}, obj=order)
        form.version.data = order.version
    return render_template(
        "console/order.html", order=order, events=events, history=rows, tech_names=names,
        visit=record, report_state=formatting.report_state(record.report,
                                                           record.photo_list, image_arrived),
        signature_image_arrived=image_arrived,
        actions=record.allowed_actions, action_errors=action_errors or {},
        action_open=action_open, new_visit=service.reopened_as(order),
        warranty=warranty_status(order.asset),
        previous=service.previous_visits(order),
        repeat_of=db.session.get(type(order), order.repeat_of_id) if order.repeat_of_id else None,
        owner=db.session.get(User, order.owner_id) if order.owner_id else None,
        symptom=symptoms.get(order.symptom_code),
        conflicts=issues.issues("conflicts", False, order.id),
        rejections=issues.issues("rejections", False, order.id),
        form=form, changed=changed, problem=problem, loaded_at=utcnow().isoformat(),
        editable=order.status not in lifecycle.TERMINAL,
        signed=record.signed,
        plannable=order.status in ASSIGNABLE,
        discount_reasons=discounts.REASONS,
        discount_open=order.status in discounts.OPEN and not order.in_warranty,
        discount_words=discounts.describe(order.discount_kind, order.discount_value,
                                          order.currency) if order.discount_kind else None,
    ), status


@bp.route("/orders/<uuid:order_id>")
@console_roles(*OFFICE)
def order_detail(order_id: uuid.UUID):
    return _order_page(service.get_order(g.actor, order_id))


@bp.route("/orders/<uuid:order_id>/edit", methods=["POST"])
@console_roles(*OFFICE)
def order_edit(order_id: uuid.UUID):
    """Save the office's edit; a stale one is refused with what changed meanwhile."""
    from ..dispatch.service import events_since
    from ..errors import Conflict, ServiceError
    from ..intake.service import edit_request

    order = service.get_order(g.actor, order_id)
    form = OrderEditForm()
    if not form.validate():
        return _order_page(order, form, 422)
    if _signed(order) and request.form.get("confirm_resign") != "yes":
        return _order_page(order, form, 422, problem=_(
            "The customer has signed this order. Nothing was saved: tick the box to confirm "
            "that a change to signed content needs a new signature."))
    changes = {"priority": form.priority.data, "type": form.type.data,
               "description": form.description.data or None,
               "customer_notes": form.customer_notes.data or None}
    try:
        edit_request(g.actor, order, changes, form.reason.data, form.version.data)
    except ServiceError as refused:
        db.session.rollback()
        order = service.get_order(g.actor, order_id)
        if isinstance(refused, Conflict) and refused.code == "stale":
            try:
                since = datetime.fromisoformat(form.loaded_at.data)
            except (TypeError, ValueError):
                since = utcnow() - timedelta(hours=1)
            # Keep what the user typed; the next save is a deliberate overwrite.
            form.version.data = order.version
            form.loaded_at.data = utcnow().isoformat()
            return _order_page(order, form, 409, changed=events_since(order, since),
                               problem=_("This order changed since you opened it. Nothing "
                                         "was saved: check what changed, then save again."))
        for name, messages in (refused.errors or {}).items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*field.errors, *messages]
        return _order_page(order, form, 409 if isinstance(refused, Conflict) else 422,
                           problem=refused.message)
    flash(_("Changes saved."), "success")
    return redirect(url_for("console.order_detail", order_id=order.id))


def _signed(order) -> bool:
    from ..media.models import Signature

    return db.session.scalar(select(Signature.id).where(Signature.work_order_id == order.id)
                             .limit(1)) is not None


def _discount_data(form) -> dict:
    """The discount form as the service takes it: an amount typed in major units ("45.50")
    becomes minor units; anything unreadable is 422 naming ``value``."""
    from decimal import Decimal, InvalidOperation

    from ..errors import Invalid

    kind = form.get("kind") or ""
    reason = form.get("reason") or ""
    if kind not in discounts.KINDS:
        raise Invalid(_("Choose how to discount."), {"kind": [_("Choose how to discount.")]})
    if reason not in discounts.REASONS:
        raise Invalid(_("Choose a reason."), {"reason": [_("Choose a reason.")]})
    value = None
    text = (form.get("value") or "").strip()
    if kind != "waive":
        try:
            number = Decimal(text)
            if not number.is_finite() or number != number.quantize(Decimal("0.01")):
                raise InvalidOperation
            value = int(number * 100) if kind == "amount" else int(number)
            if kind == "percent" and number != int(number):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            raise Invalid(_("Give the amount or percentage as a number."),
                          {"value": [_("Give the amount or percentage as a number.")]}) from None
    return {"kind": kind, "value": value, "reason": reason,
            "note": (form.get("note") or "")[:500]}


@bp.route("/orders/<uuid:order_id>/discount", methods=["POST"])
@console_roles(*OFFICE)
def order_discount(order_id: uuid.UUID):
    """Waive or discount the charges with a reason (before signing only)."""
    from ..errors import Conflict, ServiceError

    order = service.get_order(g.actor, order_id)
    try:
        if request.form.get("remove") == "yes":
            discounts.clear_discount(g.actor, order)
            flash(_("Discount removed."), "success")
        else:
            discounts.set_discount(g.actor, order, _discount_data(request.form))
            flash(_("Discount saved."), "success")
    except ServiceError as refused:
        db.session.rollback()
        order = service.get_order(g.actor, order_id)
        return _order_page(order, status=409 if isinstance(refused, Conflict) else 422,
                           problem=refused.message, action_errors=refused.errors or {},
                           action_open="discount")
    return redirect(url_for("console.order_detail", order_id=order.id))


@bp.route("/orders/<uuid:order_id>/actions/<action>", methods=["POST"])
@console_roles(*OFFICE)
def order_action(order_id: uuid.UUID, action: str):
    """Cancel, hold, close or reopen from the order page, through the one state machine."""
    from ..errors import Conflict, ServiceError

    order = service.get_order(g.actor, order_id)
    if action not in service.ACTIONS:
        abort(404)
    try:
        new_visit = service.act(g.actor, order, action, request.form.get("reason"),
                                request.form.get("waiting_for") or "customer")
    except ServiceError as refused:
        db.session.rollback()
        order = service.get_order(g.actor, order_id)
        return _order_page(order, status=409 if isinstance(refused, Conflict) else 422,
                           problem=refused.message, action_errors=refused.errors or {},
                           action_open=action)
    messages = {"cancel": _("The order is cancelled."), "hold": _("The order is on hold."),
                "close": _("The order is closed."), "reopen": _("The order is reopened.")}
    flash(messages[action], "success")
    if new_visit is not None:
        flash(_("New visit %(number)s made for it.", number=new_visit.number), "success")
    return redirect(url_for("console.order_detail", order_id=order.id))


def _private(response, filename: str | None = None, inline: bool = True):
    """Headers for a file only office staff may see: never cached by a shared cache, never
    sniffed into another type, never run as a page."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if filename:
        response.headers["Content-Disposition"] = \
            f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response


@bp.route("/orders/<uuid:order_id>/report.pdf")
@console_roles(*OFFICE)
def order_report_pdf(order_id: uuid.UUID):
    """The signed PDF, downloaded by office staff from their console session."""
    from ..errors import NotFound
    from ..reports import service as reports

    report = reports.report_for(service.get_order(g.actor, order_id))
    if report is None:
        raise NotFound(_("The order has no report: it is not signed."), code="not_signed")
    response = send_file(reports.open_pdf(report), mimetype="application/pdf",
                         etag=report.pdf_sha256, max_age=0)
    return _private(response, f"{report.number}.pdf", inline=False)


@bp.route("/orders/<uuid:order_id>/report/retry", methods=["POST"])
@console_roles(*OFFICE)
def order_report_retry(order_id: uuid.UUID):
    from ..errors import Conflict
    from ..reports import service as reports

    order = service.get_order(g.actor, order_id)
    try:
        reports.retry(order)
    except Conflict:
        # Only an unsigned order has no report (a stale page): say so on the order page,
        # in the reader's language (the service's sentence is the API's, in English).
        db.session.rollback()
        return _order_page(order, status=409,
                           problem=_("The order has no report: it is not signed."))
    flash(_("The report is being made again."), "success")
    return redirect(url_for("console.order_detail", order_id=order_id))


RENDITIONS = ("thumb", "display")


@bp.route("/orders/<uuid:order_id>/photos/<uuid:photo_id>/<rendition>")
@console_roles(*OFFICE)
def order_photo(order_id: uuid.UUID, photo_id: uuid.UUID, rendition: str):
    """A photo of this order, as a thumbnail or full size (the metadata-free display copy)."""
    from ..media.models import Photo

    order = service.get_order(g.actor, order_id)
    photo = db.session.get(Photo, photo_id)
    if rendition not in RENDITIONS or photo is None or photo.work_order_id != order.id:
        abort(404)
    return _image_file(photo.sha256, rendition)


@bp.route("/orders/<uuid:order_id>/signature")
@console_roles(*OFFICE)
def order_signature(order_id: uuid.UUID):
    from ..media.models import Signature

    order = service.get_order(g.actor, order_id)
    signature = db.session.scalar(select(Signature).where(Signature.work_order_id == order.id)
                                  .order_by(Signature.received_at.desc()).limit(1))
    if signature is None:
        abort(404)
    return _image_file(signature.image_sha256, "display")


def _image_file(sha256: str, rendition: str):
    from ..media.blobs import rendition_key
    from ..media.models import Blob
    from ..media.storage import storage

    blob = db.session.get(Blob, sha256)
    # Only checked images have renditions; opaque bytes are never served to a browser.
    if blob is None or blob.image_format is None \
            or not storage().exists(rendition_key(blob, rendition)):
        abort(404)
    mimetype = "image/png" if blob.rendition_ext == "png" else "image/jpeg"
    return _private(send_file(storage().open(rendition_key(blob, rendition)),
                              mimetype=mimetype, etag=f"{sha256}.{rendition}", max_age=0))


@bp.route("/console/vendor/htmx.min.js")
def vendor_htmx():
    """htmx, as npm installed it (package-lock.json pins the version); no build step."""
    directory = Path(current_app.root_path).parent / "node_modules" / "htmx.org" / "dist"
    return send_from_directory(directory, "htmx.min.js", max_age=3600)


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    # A ?lang= left in the page's address would win over the choice just made.
    parts = urlsplit(_safe_next(request.form.get("next")))
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if k != "lang"])
    return redirect(urlunsplit(("", "", parts.path, query, "")))


@bp.app_context_processor
def _template_helpers():
    from flask_babel import get_locale

    return {"languages": current_app.config["LANGUAGES"], "current_locale": str(get_locale())}



@bp.app_template_filter("money")
def money(cents: int | None, currency: str = "CNY") -> str:
    """Minor units to a localised amount, e.g. 12345 → ¥123.45 / CN¥123.45."""
    from flask_babel import format_currency

    return "" if cents is None else format_currency(cents / 100, currency)


@bp.app_template_filter("when")
def when(value, style: str = "medium") -> str:
    """A UTC datetime in the company's time zone and the reader's language, without
    seconds, written the same way on every page (``server.words.when``); ``style`` is
    accepted for old templates and ignored."""
    from ..words import when as written

    return written(value)


@bp.app_template_filter("day")
def day(value, style: str = "medium") -> str:
    from flask_babel import format_date

    return "" if value is None else format_date(value, style)
