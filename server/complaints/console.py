"""The complaints queue and a complaint's page (timeline, steps, closing) in the console."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.auth import console_roles
from ..errors import Invalid, ServiceError, in_words
from ..extensions import db
from ..workorders.service import calendar
from . import service
from .models import CATEGORIES, GRADES

bp = Blueprint("complaints_console", __name__, url_prefix="/complaints")
OFFICE = ("admin", "dispatcher")


@bp.app_context_processor
def _helpers():
    def order_complaints(order_id):
        from sqlalchemy import select

        from .models import Complaint

        return list(db.session.scalars(select(Complaint).where(Complaint.work_order_id == order_id)
                                       .order_by(Complaint.created_at.desc())))

    return {"order_complaints": order_complaints}


@bp.route("/")
@console_roles(*OFFICE)
def queue():
    """Open complaints by next deadline, overdue first; filter by colour or owner."""
    grade = request.args.get("grade") if request.args.get("grade") in GRADES else None
    mine = request.args.get("owner") == "me"
    rows = service.queue(grade=grade, owner_id=current_user.id if mine else None)
    return render_template("complaints/queue.html", rows=rows, grade=grade, mine=mine,
                           grades=GRADES)


def _period() -> tuple[datetime, int]:
    from datetime import timedelta

    from ..database import utcnow

    try:
        days = max(1, min(int(request.args.get("days", "90")), 3660))
    except ValueError:
        days = 90
    return utcnow() - timedelta(days=days), days


@bp.route("/analysis")
@console_roles(*OFFICE)
def analysis():
    """Counts and trends by category, product model, technician and region; each number
    opens the complaints behind it."""
    since, days = _period()
    dimension, value = request.args.get("dimension"), request.args.get("value")
    items = service.behind(dimension, value, since) \
        if dimension in service.DIMENSIONS and value is not None else None
    return render_template("complaints/analysis.html", data=service.analysis(since), days=days,
                           dimension=dimension, value=value, items=items)


@bp.route("/<uuid:complaint_id>")
@console_roles(*OFFICE)
def detail(complaint_id: uuid.UUID):
    complaint = service.get(complaint_id)
    kind, due = service.next_deadline(complaint, bool(
        service._progress_ids([complaint.id])))
    return render_template("complaints/detail.html", c=complaint, steps=service.steps(complaint),
                           deadline=kind, due=due, categories=CATEGORIES)


def _plan_due(value: str | None) -> datetime | None:
    """A local date-time from the form, read in the company's time zone."""
    from zoneinfo import ZoneInfo

    if not value:
        return None
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(_("Give a date and time."), {"plan_due": [_("Give a date and time.")]})
    return local.replace(tzinfo=ZoneInfo(calendar().timezone)) if local.tzinfo is None else local


def _act(complaint_id: uuid.UUID, action, done: str):
    complaint = service.get(complaint_id)
    try:
        action(complaint)
        flash(done, "success")
    except ServiceError as refused:
        db.session.rollback()
        flash(in_words(refused), "error")
    return redirect(url_for("complaints_console.detail", complaint_id=complaint_id), code=303)


@bp.route("/<uuid:complaint_id>/steps", methods=["POST"])
@console_roles(*OFFICE)
def add_step(complaint_id: uuid.UUID):
    form = request.form
    return _act(complaint_id, lambda c: service.add_step(
        current_user, c, form.get("kind", ""), said_to_customer=form.get("said_to_customer"),
        note=form.get("note"), plan_due=_plan_due(form.get("plan_due"))), _("Step recorded."))


@bp.route("/<uuid:complaint_id>/take", methods=["POST"])
@console_roles(*OFFICE)
def take(complaint_id: uuid.UUID):
    return _act(complaint_id, lambda c: service.take(current_user, c),
                _("The complaint is yours until it closes."))


@bp.route("/<uuid:complaint_id>/close", methods=["POST"])
@console_roles(*OFFICE)
def close(complaint_id: uuid.UUID):
    form = request.form
    return _act(complaint_id, lambda c: service.close(
        current_user, c, resolution=form.get("resolution", ""),
        category=form.get("category", ""), confirmation=form.get("confirmation", ""),
        said_to_customer=form.get("said_to_customer")), _("Complaint closed."))


@bp.route("/new", methods=["POST"])
@console_roles(*OFFICE)
def new():
    """Record a complaint about an order (from the order page); the recorder owns it."""
    form = request.form
    try:
        order_id = uuid.UUID(form.get("work_order_id", ""))
    except ValueError:
        flash(_("Say which order the complaint is about."), "error")
        return redirect(url_for("complaints_console.queue"), code=303)
    try:
        complaint = service.record(current_user, description=form.get("description", ""),
                                   channel=form.get("channel") if form.get("channel") in (
                                       "followup", "phone") else "console",
                                   grade=form.get("grade", "green"),
                                   work_order_id=order_id)
    except ServiceError as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("console.order_detail", order_id=order_id), code=303)
    flash(_("Complaint recorded; it is yours until it closes."), "success")
    return redirect(url_for("complaints_console.detail", complaint_id=complaint.id), code=303)
