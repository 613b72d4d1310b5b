"""The office's view of the outbox: an order's messages (a section included in the order
page), the page of all failed messages, re-send; and the customer link's revoke button."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.auth import console_roles
from ..errors import ServiceError
from ..extensions import db
from ..portal import links
from ..settings import service as settings
from ..workorders.models import WorkOrder
from . import service

bp = Blueprint("messaging_console", __name__, url_prefix="/messages")
OFFICE = ("admin", "dispatcher")


@bp.app_context_processor
def _helpers():
    def order_messages(order_id):
        return service.for_order(order_id)

    def customer_link(order_id):
        return links.active_link(order_id)

    def customer_link_url(link):
        return links.url_of(link)

    def customer_change_requests():
        from ..portal.service import open_change_requests

        return open_change_requests()

    return {"order_messages": order_messages, "customer_link": customer_link,
            "customer_link_url": customer_link_url,
            "customer_change_requests": customer_change_requests}


# The outbox's own reasons are stored in English (the API shows them as they are); a page
# says them in the reader's language. A gateway's or mail server's words stay as quoted.
OWN_REASONS = {
    "invalid e-mail address on record": _l("invalid e-mail address on record"),
    "invalid phone number on record": _l("invalid phone number on record"),
    "the worker stopped while sending; trying again":
        _l("the worker stopped while sending; trying again"),
}


@bp.app_template_filter("message_error")
def message_error(reason: str | None) -> str:
    if not reason:
        return ""
    return str(OWN_REASONS.get(reason, reason))


def _back(order_id=None):
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target, code=303)
    if order_id:
        return redirect(url_for("console.order_detail", order_id=order_id), code=303)
    return redirect(url_for("messaging_console.failed_page"), code=303)


@bp.route("/failed")
@console_roles(*OFFICE)
def failed_page():
    """Every failed message, newest first, with the reason and a re-send button."""
    rows = service.failed()
    numbers = dict(db.session.execute(
        db.select(WorkOrder.id, WorkOrder.number)
        .where(WorkOrder.id.in_({m.work_order_id for m in rows}))).all()) if rows else {}
    return render_template("messaging/failed.html", messages=rows, numbers=numbers)


@bp.route("/preview")
@console_roles(*OFFICE)
def preview_index():
    """Every message in every language, to review the wording (text, HTML, SMS)."""
    from flask import current_app

    from .models import KINDS

    return render_template("messaging/preview.html", kinds=KINDS,
                           languages=current_app.config["LANGUAGES"])


@bp.route("/preview/<kind>/<language>/<form>")
@console_roles(*OFFICE)
def preview(kind: str, language: str, form: str):
    """One message rendered with sample values: ``form`` is text, html, sms or ics."""
    from flask import abort, current_app

    from .content import envelope_for, sample
    from .models import KINDS

    if kind not in KINDS or language not in current_app.config["LANGUAGES"] or \
            form not in ("text", "html", "sms", "ics"):
        abort(404)
    url = f"{settings.public_url()}/c/EXAMPLE-TOKEN"
    envelope = envelope_for(sample(kind, "sms" if form == "sms" else "email", language), url)
    if form == "html":
        body, mimetype = envelope.html, "text/html"
    elif form == "ics":
        if not envelope.attachments:
            abort(404)
        body, mimetype = envelope.attachments[0][2].decode(), "text/plain"
    else:
        body, mimetype = f"Subject: {envelope.subject}\n\n{envelope.text}", "text/plain"
    return current_app.response_class(body, mimetype=mimetype)


@bp.route("/<uuid:message_id>/resend", methods=["POST"])
@console_roles(*OFFICE)
def resend(message_id: uuid.UUID):
    try:
        message = service.resend(message_id)
    except ServiceError as refused:
        flash(refused.message, "error")
        return _back()
    flash(_("The message is queued again."), "info")
    return _back(message.work_order_id)


@bp.route("/orders/<uuid:order_id>/revoke-link", methods=["POST"])
@console_roles(*OFFICE)
def revoke_link(order_id: uuid.UUID):
    order = db.session.get(WorkOrder, order_id)
    if order is None:
        flash(_("No such order."), "error")
        return _back()
    links.revoke(current_user, order)
    flash(_("The customer's link no longer works. A new one is made when needed."), "info")
    return _back(order.id)


@bp.route("/requests/<uuid:request_id>/handled", methods=["POST"])
@console_roles(*OFFICE)
def request_handled(request_id: uuid.UUID):
    from ..portal.service import mark_handled

    mark_handled(current_user, request_id)
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target, code=303)
    return redirect(url_for("console.board_page"), code=303)
