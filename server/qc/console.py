"""Quality checks in the console: the QC queue, a review, corrective actions, and a
technician's quality page with the supervisor evaluation form."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.auth import console_roles
from ..errors import ServiceError
from ..extensions import db
from ..technicians.models import Technician
from . import service
from .models import ACTION_STATES, CHECKLIST, REVIEW_STATES

bp = Blueprint("qc_console", __name__, url_prefix="/qc")
OFFICE = service.OFFICE


@bp.app_context_processor
def _helpers():
    return {"order_qc_review": service.review_of_order, "qc_checklist": CHECKLIST,
            "qc_today": service.local_today}


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _technicians() -> list[Technician]:
    from ..accounts.models import User

    return list(db.session.scalars(select(Technician).join(User, User.id == Technician.user_id)
                                   .order_by(User.name)))


def _refused(refused: ServiceError) -> None:
    db.session.rollback()
    detail = "; ".join(" ".join(str(m) for m in v) for v in (refused.errors or {}).values())
    flash(f"{refused.message} {detail}".strip(), "error")


@bp.route("/")
@console_roles(*OFFICE)
def queue():
    """The QC queue by week, state and technician."""
    week = _day(request.args.get("week"))
    week = service.week_of(week) if week else None
    state = request.args.get("state") if request.args.get("state") in REVIEW_STATES else None
    technician_id = _uuid(request.args.get("technician"))
    reviews = service.queue(week=week, state=state, technician_id=technician_id)
    this_week = service.week_of(service.local_today())
    return render_template("qc/queue.html", reviews=reviews, week=week, state=state,
                           technician_id=technician_id, technicians=_technicians(),
                           states=REVIEW_STATES, this_week=this_week,
                           last_week=this_week - timedelta(days=7))


@bp.route("/sample", methods=["POST"])
@console_roles(*OFFICE)
def sample():
    """Draw a week's sample now (the weekly job does it for last week on its own)."""
    week = _day(request.form.get("week")) or service.week_of(service.local_today())
    try:
        result = service.sample_week(week)
    except ServiceError as refused:
        _refused(refused)
        return redirect(url_for("qc_console.queue"), code=303)
    if result.already_drawn:
        flash(_("The sample of this week was drawn already."), "success")
    else:
        flash(_("%(drawn)d of %(signed)d signed visits drawn for quality checks.",
                drawn=result.drawn, signed=result.signed_visits), "success")
    return redirect(url_for("qc_console.queue", week=result.week_start.isoformat()), code=303)


@bp.route("/orders/<uuid:order_id>/queue", methods=["POST"])
@console_roles(*OFFICE)
def add_order(order_id: uuid.UUID):
    """A manager adds one signed visit to the queue from the order page."""
    try:
        review = service.add_to_queue(current_user, order_id)
    except ServiceError as refused:
        _refused(refused)
        return redirect(url_for("console.order_detail", order_id=order_id), code=303)
    flash(_("The visit is in the quality checks queue."), "success")
    return redirect(url_for("qc_console.review", review_id=review.id), code=303)


def _review_page(review, errors: dict | None = None, form=None, status: int = 200):
    from ..console import formatting
    from ..media.models import Blob
    from ..workorders import visit

    order = review.work_order
    record = visit.record(order)
    image_arrived = record.signature is not None and \
        db.session.get(Blob, record.signature.image_sha256) is not None
    return render_template(
        "qc/review.html", review=review, order=order, visit=record,
        signature_image_arrived=image_arrived,
        report_state=formatting.report_state(record.report, record.photo_list, image_arrived),
        followup=_followup(order.id), errors=errors or {}, form=form or {}), status


def _followup(order_id: uuid.UUID):
    from ..followups.models import FollowUp

    return db.session.scalar(select(FollowUp).where(FollowUp.work_order_id == order_id))


@bp.route("/reviews/<uuid:review_id>")
@console_roles(*OFFICE)
def review(review_id: uuid.UUID):
    """The visit record beside the checklist: score it, or read how it was scored."""
    return _review_page(service.get_review(review_id))


@bp.route("/reviews/<uuid:review_id>/score", methods=["POST"])
@console_roles(*OFFICE)
def score(review_id: uuid.UUID):
    form = request.form
    items = [{"item": code,
              "passed": {"pass": True, "fail": False}.get(form.get(f"item_{code}")),
              "note": form.get(f"note_{code}")} for code in CHECKLIST]
    reviewed = service.get_review(review_id)
    try:
        service.score(current_user, reviewed, items, form.get("findings"))
    except ServiceError as refused:
        db.session.rollback()
        if not refused.errors:  # reviewed meanwhile by someone else
            flash(refused.message, "error")
        return _review_page(service.get_review(review_id), refused.errors, form,
                            status=refused.status)
    flash(_("Review saved: score %(score)d.", score=reviewed.score), "success")
    return redirect(url_for("qc_console.review", review_id=review_id), code=303)


@bp.route("/actions")
@console_roles(*OFFICE)
def actions():
    """Corrective actions: open first; "my team" keeps the technicians I supervise."""
    state = request.args.get("state", "open")
    state = state if state in ACTION_STATES else None
    team = request.args.get("team") == "1"
    technician_id = _uuid(request.args.get("technician"))
    rows = service.actions(state=state, technician_id=technician_id,
                           supervisor_id=current_user.id if team else None)
    return render_template("qc/actions.html", actions=rows, state=state, team=team,
                           technician_id=technician_id, technicians=_technicians(),
                           states=ACTION_STATES)


@bp.route("/actions/<uuid:action_id>/done", methods=["POST"])
@console_roles(*OFFICE)
def action_done(action_id: uuid.UUID):
    try:
        service.complete_action(current_user, service.get_action(action_id),
                                request.form.get("note"))
        flash(_("Corrective action done."), "success")
    except ServiceError as refused:
        _refused(refused)
    back = request.form.get("back") or ""
    # Only back to a quality page of this site (the actions list or a technician's page).
    return redirect(back if back.startswith("/qc/") else url_for("qc_console.actions"),
                    code=303)


@bp.route("/technicians/")
@console_roles(*OFFICE)
def technicians():
    """Every technician, with a link to their quality page."""
    return render_template("qc/technicians.html", technicians=_technicians())


def _period() -> tuple[date, date]:
    end = _day(request.args.get("to")) or service.local_today()
    start = _day(request.args.get("from")) or end - timedelta(days=89)
    return (start, end) if start <= end else (end, start)


def _technician_page(technician_id: uuid.UUID, errors: dict | None = None, form=None,
                     status: int = 200):
    technician = service.get_technician(technician_id)
    start, end = _period()
    quality = service.technician_quality(db.session, technician.id, start, end)
    today = service.local_today()
    return render_template(
        "qc/technician.html", technician=technician, quality=quality, start=start, end=end,
        history=service.evaluations(technician_id=technician.id), errors=errors or {},
        form=form or {"period_start": today.replace(day=1).isoformat(),
                      "period_end": today.isoformat()}), status


@bp.route("/technicians/<uuid:technician_id>")
@console_roles(*OFFICE)
def technician(technician_id: uuid.UUID):
    """A technician's quality: QC scores, failed items, open actions, evaluations."""
    return _technician_page(technician_id)


@bp.route("/technicians/<uuid:technician_id>/evaluations", methods=["POST"])
@console_roles(*OFFICE)
def evaluate(technician_id: uuid.UUID):
    """Save a supervisor evaluation; a mistake re-shows the form with the field named."""
    form = request.form
    errors: dict = {}
    raw_score = (form.get("score") or "").strip()
    score_value = int(raw_score) if raw_score.isdigit() else None
    if raw_score and score_value is None:
        errors["score"] = [_("Give a score from 1 to 5.")]
    starts, ends = _day(form.get("period_start")), _day(form.get("period_end"))
    if form.get("period_start") and starts is None:
        errors["period_start"] = [_("Give a date.")]
    if form.get("period_end") and ends is None:
        errors["period_end"] = [_("Give a date.")]
    try:
        if errors:
            from ..errors import Invalid

            raise Invalid(_("Check the fields marked."), errors)
        service.evaluate(current_user, technician_id, score_value, form.get("note"),
                         starts, ends)
    except ServiceError as refused:
        db.session.rollback()
        if refused.status == 404:
            raise
        return _technician_page(technician_id, {**(refused.errors or {}), **errors}, form,
                                status=refused.status)
    flash(_("Evaluation saved."), "success")
    return redirect(url_for("qc_console.technician", technician_id=technician_id), code=303)
