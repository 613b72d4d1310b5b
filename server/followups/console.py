"""The follow-up queue and the call form in the console."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.auth import console_roles
from ..errors import ServiceError, in_words
from ..extensions import db
from . import service
from ..settings.service import get as setting

bp = Blueprint("followups_console", __name__, url_prefix="/followups")
OFFICE = ("admin", "dispatcher")


@bp.app_context_processor
def _helpers():
    return {"order_followup": service.for_order}


@bp.route("/")
@console_roles(*OFFICE)
def queue():
    """Follow-ups to call: urgent first, then oldest due first."""
    return render_template("followups/queue.html", items=service.queue())


@bp.route("/<uuid:followup_id>")
@console_roles(*OFFICE)
def call(followup_id: uuid.UUID):
    """The call: script in the customer's language, the outcome form, what follows."""
    from flask_babel import force_locale

    f = service.get(followup_id)
    language = f.customer.language or (f.work_order.language if f.work_order else None) or "en"
    with force_locale(language):
        script = _("Hello, this is %(company)s customer service about your service request "
                   "%(number)s. Was the technician on time? How was their attitude? Is the "
                   "problem solved? Please score each from 1 to 5.",
                   company=setting("DOORSTEP_COMPANY_NAME"),
                   number=f.work_order.number if f.work_order else "—")
    return render_template("followups/call.html", f=f, order=f.work_order, script=script,
                           script_language=language, survey=service.survey_answer(f),
                           proposes=service.proposes_complaint(f),
                           prefill=service.complaint_prefill(f)
                           if f.status == "done" and f.work_order_id else None)


def _flash_refused(refused: ServiceError) -> None:
    flash(in_words(refused), "error")


@bp.route("/<uuid:followup_id>/outcome", methods=["POST"])
@console_roles(*OFFICE)
def outcome(followup_id: uuid.UUID):
    f = service.get(followup_id)
    form = request.form
    solved = {"yes": True, "no": False}.get(form.get("solved", ""))
    try:
        service.record_outcome(current_user, f, form.get("outcome", ""),
                               timeliness=form.get("timeliness"), attitude=form.get("attitude"),
                               quality=form.get("quality"), solved=solved,
                               comment=form.get("comment"))
        flash(_("Call recorded."), "success")
    except ServiceError as refused:
        db.session.rollback()
        _flash_refused(refused)
    return redirect(url_for("followups_console.call", followup_id=followup_id), code=303)


@bp.route("/<uuid:followup_id>/return-visit", methods=["POST"])
@console_roles(*OFFICE)
def return_visit(followup_id: uuid.UUID):
    f = service.get(followup_id)
    try:
        order = service.open_return_visit(current_user, f)
    except ServiceError as refused:
        db.session.rollback()
        _flash_refused(refused)
        return redirect(url_for("followups_console.call", followup_id=followup_id), code=303)
    flash(_("Return visit %(number)s opened.", number=order.number), "success")
    return redirect(url_for("console.order_detail", order_id=order.id), code=303)
