"""The incidents' console pages: the list, and one incident with its level, history,
deadlines, affected customers, orders and assets, and counts by region and by day."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..accounts.auth import console_roles
from ..errors import Conflict, Invalid, ServiceError
from ..extensions import db
from ..intake import symptoms
from ..workorders.models import WorkOrder
from . import service

bp = Blueprint("incidents_console", __name__, url_prefix="/incidents",
               template_folder="templates")
OFFICE = ("admin", "dispatcher")


@bp.app_template_filter("symptom_label")
def symptom_label(code: str | None) -> str:
    """The symptom's words in the reader's language; the code itself if it is unknown."""
    symptom = symptoms.get(code)
    return str(symptom.label) if symptom else (code or "")


@bp.route("/")
@console_roles(*OFFICE)
def incident_list():
    status = request.args.get("status") if request.args.get("status") in ("open", "closed") \
        else None
    items, total = service.list_incidents(status, 1, 200)
    return render_template("incidents/list.html", items=items, total=total, status=status,
                           owner=lambda level: service.level_config(level)["owner"],
                           linked=service.linked_count, group=service.group_label)


@bp.route("/<uuid:incident_id>")
@console_roles(*OFFICE)
def incident_detail(incident_id: uuid.UUID):
    return _detail(service.get_incident(incident_id))


def _detail(incident, message_form=None, message_errors=None, status=200):
    return render_template(
        "incidents/detail.html", incident=incident,
        owner=service.level_config(incident.level)["owner"],
        levels=service.levels(), checklist=service.checklist(incident),
        affected=service.affected(incident, get_timezone()),
        state=service.deadline_state, sent_messages=service.messages_sent(incident),
        message_form=message_form or {}, message_errors=message_errors or {},
        group=service.group_label), status


@bp.route("/<uuid:incident_id>/message", methods=["POST"])
@console_roles(*OFFICE)
def incident_message(incident_id: uuid.UUID):
    """A message to every affected customer, through the customer channels."""
    incident = service.get_incident(incident_id)
    form = {"text_en": request.form.get("text_en", ""),
            "text_zh": request.form.get("text_zh", "")}
    try:
        sent = service.message_customers(g.actor, incident, form["text_en"], form["text_zh"])
    except Conflict:
        db.session.rollback()
        flash(_("This incident is closed."), "error")
        return _back(incident_id)
    except Invalid as refused:
        db.session.rollback()
        return _detail(incident, form, refused.errors, 422)
    flash(ngettext("Message queued for %(num)d customer.",
                   "Message queued for %(num)d customers.", sent.customers), "success")
    return _back(incident_id)


def _back(incident_id: uuid.UUID):
    return redirect(url_for("incidents_console.incident_detail", incident_id=incident_id))


@bp.route("/<uuid:incident_id>/level", methods=["POST"])
@console_roles(*OFFICE)
def incident_level(incident_id: uuid.UUID):
    incident = service.get_incident(incident_id)
    try:
        level = int(request.form.get("level", ""))
        service.set_level(g.actor, incident, level, request.form.get("reason", ""))
    except (ValueError, ServiceError):
        db.session.rollback()
        flash(_("Choose a level and say why it changes."), "error")
        return _back(incident_id)
    flash(_("Level set to %(level)d.", level=level), "success")
    return _back(incident_id)


@bp.route("/<uuid:incident_id>/close", methods=["POST"])
@console_roles(*OFFICE)
def incident_close(incident_id: uuid.UUID):
    try:
        service.close(g.actor, service.get_incident(incident_id), request.form.get("reason", ""))
    except ServiceError:
        db.session.rollback()
        flash(_("Say why the incident is closed."), "error")
        return _back(incident_id)
    flash(_("Incident closed."), "success")
    return _back(incident_id)


@bp.route("/<uuid:incident_id>/link", methods=["POST"])
@console_roles(*OFFICE)
def incident_link(incident_id: uuid.UUID):
    incident = service.get_incident(incident_id)
    number = request.form.get("number", "").strip()
    order_id = db.session.scalar(select(WorkOrder.id).where(WorkOrder.number == number))
    if order_id is None or incident.status != "open":
        flash(_("No work order numbered %(number)s.", number=number) if order_id is None
              else _("This incident is closed."), "error")
        return _back(incident_id)
    service.link_orders(g.actor, incident, [order_id])
    flash(_("%(number)s linked.", number=number), "success")
    return _back(incident_id)


@bp.route("/<uuid:incident_id>/unlink/<uuid:order_id>", methods=["POST"])
@console_roles(*OFFICE)
def incident_unlink(incident_id: uuid.UUID, order_id: uuid.UUID):
    try:
        service.unlink_orders(g.actor, service.get_incident(incident_id), [order_id])
    except ServiceError:
        db.session.rollback()
        flash(_("That order is not linked to this incident."), "error")
        return _back(incident_id)
    flash(_("Order unlinked: detection will not link it again."), "success")
    return _back(incident_id)


@bp.route("/<uuid:incident_id>/deadlines/<uuid:deadline_id>/met", methods=["POST"])
@console_roles(*OFFICE)
def incident_deadline_met(incident_id: uuid.UUID, deadline_id: uuid.UUID):
    try:
        service.mark_deadline_met(g.actor, service.get_incident(incident_id), deadline_id)
    except ServiceError:
        db.session.rollback()
        flash(_("That deadline is already met."), "error")
        return _back(incident_id)
    flash(_("Deadline marked as met."), "success")
    return _back(incident_id)


@bp.route("/detect", methods=["POST"])
@console_roles(*OFFICE)
def incident_detect():
    """Run detection now instead of waiting for the next five-minute run."""
    result = service.detect()
    flash(_("Detection run: %(opened)d opened, %(raised)d raised, %(linked)d orders linked.",
            opened=result.opened, raised=result.raised, linked=result.linked), "success")
    return redirect(url_for("incidents_console.incident_list"))
