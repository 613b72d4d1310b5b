"""The dispatch board: the queue, a lane per technician for the chosen day, and a panel
for the selected order with ranked suggestions.

The board polls ``/board/live`` every 15 seconds; the answer is 204 (nothing to do) unless
an order changed or a minute passed. Moves are plain form posts that come back to the
board; a refused move re-renders the board with the reason next to the field, and a stale
one with what changed since the panel was opened.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.auth import console_roles
from ..database import utcnow
from ..dispatch import service as dispatch
from ..dispatch import suggestions
from ..errors import Conflict, NotFound, ServiceError
from ..extensions import db
from ..technicians.models import Technician
from ..workorders import service as orders
from ..workorders import sla
from ..workorders.models import WorkOrder
from .blueprint import OFFICE, bp
from .formatting import weekday
from .forms import AssignForm, BulkForm, UnassignForm

SHOWN_SUGGESTIONS = 5


def _zone() -> ZoneInfo:
    return ZoneInfo(orders.calendar().timezone)


def _today() -> date:
    return utcnow().astimezone(_zone()).date()


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else _today()
    except ValueError:
        return _today()


def _when(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _selection() -> list[str]:
    return [v for v in request.values.getlist("sel") if v]


def _panel_context(order: WorkOrder | None, day: date, now: datetime,
                   assign_form: AssignForm | None = None,
                   unassign_form: UnassignForm | None = None,
                   problem: str | None = None, changed=None) -> dict:
    if order is None:
        return {"panel_order": None}
    ranked = []
    if order.status in dispatch.ASSIGNABLE:
        ranked = suggestions.suggest(order, day, now, orders.calendar(), SHOWN_SUGGESTIONS,
                                     other_cities=request.args.get("anywhere") == "1")
    if assign_form is None:
        assign_form = AssignForm(formdata=None, meta={"csrf": False})
        best = next((s for s in ranked if s.slot_start), None)
        if order.appointment_start and order.assignee_id:
            start = order.appointment_start
            end = order.appointment_end or start + timedelta(minutes=90)
            assign_form.technician_id.data = str(order.assignee_id)
        elif best is not None:
            start, end = best.slot_start, best.slot_end
            assign_form.technician_id.data = str(best.candidate.technician_id)
        else:
            start = end = None
        zone = _zone()
        assign_form.day.data = start.astimezone(zone).date() if start else day
        assign_form.start.data = start.astimezone(zone).time() if start else None
        assign_form.end.data = end.astimezone(zone).time() if end else None
        assign_form.version.data = order.version
    unassign_form = unassign_form or UnassignForm(formdata=None, meta={"csrf": False},
                                                  version=order.version)
    kind, deadline = sla.running_deadline(order)
    return {
        "panel_order": order, "ranked": ranked, "assign_form": assign_form,
        "unassign_form": unassign_form, "problem": problem, "changed": changed,
        "deadline_kind": kind, "deadline": deadline,
        "technicians": db.session.scalars(
            select(Technician).where(Technician.active)
            .options(selectinload(Technician.user))).all(),
        "assignable": order.status in dispatch.ASSIGNABLE,
        "loaded_at": now.isoformat(),
        "previous": orders.previous_visits(order, limit=3),
        "timedelta_day": timedelta(days=1),
        "other_cities": request.args.get("anywhere") == "1",
    }


def _render_board(day: date, order: WorkOrder | None = None, status: int = 200, **panel):
    now = utcnow()
    board = dispatch.board(day, now)
    return render_template(
        "console/board.html", board=board, day=day, today=_today(), selected=_selection(),
        prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1),
        **_panel_context(order, day, now, **panel)), status


@bp.route("/board")
@console_roles(*OFFICE)
def board_page():
    order = None
    if request.args.get("order"):
        try:
            order = orders.get_order(g.actor, uuid.UUID(request.args["order"]))
        except (ValueError, NotFound):
            order = None
    return _render_board(_day(request.args.get("day")), order)


@bp.route("/board/live")
@console_roles(*OFFICE)
def board_live():
    """The queue and the lanes again, unless nothing changed since ``stamp`` (204)."""
    day, now = _day(request.args.get("day")), utcnow()
    if request.args.get("stamp") == dispatch.stamp(day, now):
        return "", 204
    return render_template("console/board/_live.html", board=dispatch.board(day, now), day=day,
                           today=_today(), selected=_selection(),
                           current=request.args.get("current"))


@bp.route("/board/panel/<uuid:order_id>")
@console_roles(*OFFICE)
def board_panel(order_id: uuid.UUID):
    order = orders.get_order(g.actor, order_id)
    day = _day(request.args.get("day"))
    return render_template("console/board/_panel.html", day=day,
                           **_panel_context(order, day, utcnow()))


def _refused(order: WorkOrder, day: date, refused: ServiceError, **forms):
    changed = None
    if isinstance(refused, Conflict) and refused.code == "stale":
        db.session.rollback()
        order = db.session.get(WorkOrder, order.id)
        since = _when(request.form.get("loaded_at")) or utcnow() - timedelta(hours=1)
        changed = dispatch.events_since(order, since)
        forms = {}  # start again from what the order is now
    else:
        db.session.rollback()
        order = db.session.get(WorkOrder, order.id)
    status = 409 if isinstance(refused, Conflict) else 422
    return _render_board(day, order, status, problem=refused.message, changed=changed, **forms)


@bp.route("/board/orders/<uuid:order_id>/assign", methods=["POST"])
@console_roles(*OFFICE)
def board_assign(order_id: uuid.UUID):
    order = orders.get_order(g.actor, order_id)
    form = AssignForm()
    day = _day(request.args.get("day"))
    if not form.validate():
        return _render_board(day, order, 422, assign_form=form)
    zone = _zone()
    start = datetime.combine(form.day.data, form.start.data, zone)
    end = datetime.combine(form.day.data, form.end.data, zone)
    try:
        technician_id = uuid.UUID(form.technician_id.data)
        dispatch.assign(g.actor, order, technician_id, start, end,
                        expected_version=form.version.data)
    except ValueError:
        form.technician_id.errors.append(_("Choose a technician."))
        return _render_board(day, order, 422, assign_form=form)
    except ServiceError as refused:
        for name, messages in (refused.errors or {}).items():
            if name in ("start", "end", "technician_id"):
                getattr(form, name).errors.extend(messages)
        return _refused(order, day, refused, assign_form=form)
    flash(_("%(number)s booked with %(name)s, %(day)s %(start)s–%(end)s.",
            number=order.number, name=order.assignee.user.name,
            day=weekday(form.day.data), start=form.start.data.strftime("%H:%M"),
            end=form.end.data.strftime("%H:%M")), "success")
    return redirect(url_for("console.board_page", day=form.day.data.isoformat(),
                            order=order.id))


@bp.route("/board/orders/<uuid:order_id>/unassign", methods=["POST"])
@console_roles(*OFFICE)
def board_unassign(order_id: uuid.UUID):
    order = orders.get_order(g.actor, order_id)
    form = UnassignForm()
    day = _day(request.args.get("day"))
    if not form.validate():
        return _render_board(day, order, 422, unassign_form=form)
    try:
        dispatch.unassign(g.actor, order, form.reason.data, expected_version=form.version.data)
    except ServiceError as refused:
        return _refused(order, day, refused, unassign_form=form)
    flash(_("%(number)s is back in the queue.", number=order.number), "success")
    return redirect(url_for("console.board_page", day=day.isoformat(), order=order.id))


def _selected_orders(values: list[str]) -> list[tuple[WorkOrder, int | None]]:
    items = []
    for value in values:
        raw_id, _sep, raw_version = value.partition(":")
        try:
            order = orders.get_order(g.actor, uuid.UUID(raw_id))
        except (ValueError, NotFound):
            continue
        items.append((order, int(raw_version) if raw_version.isdigit() else None))
    return items


@bp.route("/board/bulk", methods=["POST"])
@console_roles(*OFFICE)
def board_bulk():
    """One action on every selected order; each succeeds or fails on its own."""
    form = BulkForm()
    day = _day(request.args.get("day"))
    items = _selected_orders(request.form.getlist("sel"))
    if not items:
        flash(_("Select orders first (x or the checkboxes)."), "error")
        return redirect(url_for("console.board_page", day=day.isoformat()))
    technician_id = None
    if form.technician_id.data:
        try:
            technician_id = uuid.UUID(form.technician_id.data)
        except ValueError:
            technician_id = None
    try:
        if not form.validate():
            raise ServiceError(_("Check the bulk action's fields."))
        if form.action.data == "assign":
            if technician_id is None:
                raise ServiceError(_("Choose a technician."))
            outcomes = dispatch.bulk_assign(g.actor, items, technician_id, form.day.data or day)
        elif form.action.data == "move":
            if technician_id is None and form.day.data is None:
                raise ServiceError(_("Choose a technician or a day to move to."))
            outcomes = dispatch.bulk_move(g.actor, items, technician_id, form.day.data)
        else:
            outcomes = dispatch.bulk_unassign(g.actor, items, form.reason.data)
    except ServiceError as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("console.board_page", day=day.isoformat()))
    done = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    if done:
        flash(_("Done: %(list)s", list="; ".join(o.message for o in done)), "success")
    for outcome in failed:
        flash(_("%(number)s not moved: %(reason)s", number=outcome.number,
                reason=outcome.message), "error")
    target_day = form.day.data if form.action.data != "unassign" and form.day.data else day
    return redirect(url_for("console.board_page", day=target_day.isoformat()))
