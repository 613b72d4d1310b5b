"""What a customer may do on their order's page, and what the page shows. Flushes only.

The page shows this order only, and only what the customer already knows or is told:
status steps (no internal reasons or notes), the booked window, the technician's first
name and ETA while on the way, the signed PDF, their rating and complaint forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..database import utcnow
from ..errors import Invalid
from ..extensions import db
from ..feedback.models import Complaint, Survey
from ..media.models import Report
from ..messaging.eta import estimate
from ..messaging.service import first_name
from ..workorders.models import WorkOrder, WorkOrderEvent
from ..workorders.service import add_event
from .models import AppointmentRequest

# Kinds of the events this module adds to an order's history (for the console's _()).
EVENT_KINDS = (_l("customer_confirmed_window"), _l("customer_asked_new_window"),
               _l("customer_complaint"), _l("survey"))
RATEABLE = ("completed", "signed", "closed")
MAX_NOTE = 500
MAX_COMPLAINT = 2000
MAX_COMMENT = 1000


@dataclass
class Step:
    status: str
    at: datetime


@dataclass
class Page:
    order: WorkOrder
    steps: list[Step]
    window_confirmed: bool
    change_requested: bool
    technician: str | None
    eta: datetime | None
    report: Report | None
    rated: bool
    can_rate: bool


def _latest(order: WorkOrder, kind: str, **where) -> WorkOrderEvent | None:
    query = select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id,
                                         WorkOrderEvent.kind == kind)
    for key, value in where.items():
        query = query.where(getattr(WorkOrderEvent, key) == value)
    return db.session.scalar(query.order_by(WorkOrderEvent.seq.desc()).limit(1))


def _window_key(order: WorkOrder) -> str | None:
    return order.appointment_start.isoformat() if order.appointment_start else None


def page(order: WorkOrder) -> Page:
    steps = [Step(e.to_status, e.server_time) for e in db.session.scalars(
        select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id,
                                     WorkOrderEvent.kind.in_(("created", "transition")))
        .order_by(WorkOrderEvent.seq)) if e.to_status]
    key = _window_key(order)
    requests = db.session.scalars(select(AppointmentRequest).where(
        AppointmentRequest.work_order_id == order.id)).all()
    confirmed = any(r.kind == "confirm" and r.note == key for r in requests)
    asked = any(r.kind == "change" and r.status == "open" for r in requests)
    technician = eta = None
    if order.status in ("en_route", "on_site"):
        technician = first_name(order)
    if order.status == "en_route":
        left = _latest(order, "transition", to_status="en_route")
        if left is not None:
            eta = estimate(order, left.latitude, left.longitude, left.server_time)
    report = db.session.scalar(select(Report).where(
        Report.work_order_id == order.id, Report.status == "ready", Report.pdf_sha256.is_not(None))
        .order_by(Report.created_at.desc()).limit(1))
    rated = db.session.scalar(select(Survey.id).where(Survey.work_order_id == order.id)
                              .limit(1)) is not None
    return Page(order, steps, confirmed, asked, technician, eta, report, rated,
                can_rate=not rated and order.status in RATEABLE)


def _needs_window(order: WorkOrder) -> None:
    if order.status != "scheduled" or order.appointment_start is None:
        raise Invalid(_l("There is no booked window to answer now."),
                      {"window": [_l("There is no booked window to answer now.")]},
                      code="no_window")


def confirm_window(order: WorkOrder) -> AppointmentRequest:
    """The customer confirms the booked window (once per window)."""
    _needs_window(order)
    key = _window_key(order)
    existing = db.session.scalar(select(AppointmentRequest).where(
        AppointmentRequest.work_order_id == order.id, AppointmentRequest.kind == "confirm",
        AppointmentRequest.note == key))
    if existing is not None:
        return existing
    request = AppointmentRequest(work_order_id=order.id, kind="confirm", note=key,
                                 status="handled", handled_at=utcnow())
    db.session.add(request)
    add_event(order, "customer_confirmed_window", None, server_time=utcnow())
    db.session.flush()
    return request


def ask_new_window(order: WorkOrder, note: str) -> AppointmentRequest:
    """The customer asks for another window; it waits on the dispatcher's board."""
    _needs_window(order)
    note = (note or "").strip()
    if not note:
        raise Invalid(_l("Tell us which days and times suit you."),
                      {"note": [_l("Tell us which days and times suit you.")]})
    if len(note) > MAX_NOTE:
        raise Invalid(_l("Please keep it under %(n)d characters.", n=MAX_NOTE),
                      {"note": [_l("Please keep it under %(n)d characters.", n=MAX_NOTE)]})
    request = AppointmentRequest(work_order_id=order.id, kind="change", note=note)
    db.session.add(request)
    add_event(order, "customer_asked_new_window", None, server_time=utcnow(), reason=note)
    db.session.flush()
    return request


def rate(order: WorkOrder, rating, comment: str | None) -> Survey:
    """The customer's rating, if they did not rate on the phone."""
    if order.status not in RATEABLE:
        raise Invalid(_l("You can rate the service once the work is done."),
                      {"rating": [_l("You can rate the service once the work is done.")]})
    if db.session.scalar(select(Survey.id).where(Survey.work_order_id == order.id).limit(1)):
        raise Invalid(_l("This visit has already been rated. Thank you!"),
                      {"rating": [_l("This visit has already been rated. Thank you!")]},
                      code="already_rated")
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise Invalid(_l("Choose from 1 to 5 stars."),
                      {"rating": [_l("Choose from 1 to 5 stars.")]})
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise Invalid(_l("Please keep it under %(n)d characters.", n=MAX_COMMENT),
                      {"comment": [_l("Please keep it under %(n)d characters.", n=MAX_COMMENT)]})
    survey = Survey(work_order_id=order.id, rating=value, comment=comment, channel="link",
                    submitted_at=utcnow())
    db.session.add(survey)
    add_event(order, "survey", None, server_time=utcnow(),
              data={"rating": value, "channel": "link"})
    db.session.flush()
    return survey


def complain(order: WorkOrder, description: str) -> Complaint:
    """Record a complaint for the order (the complaints workflow takes it from there)."""
    description = (description or "").strip()
    if not description:
        raise Invalid(_l("Tell us what went wrong."),
                      {"description": [_l("Tell us what went wrong.")]})
    if len(description) > MAX_COMPLAINT:
        raise Invalid(_l("Please keep it under %(n)d characters.", n=MAX_COMPLAINT),
                      {"description": [_l("Please keep it under %(n)d characters.",
                                          n=MAX_COMPLAINT)]})
    from ..complaints.service import record

    complaint = record(None, description=description, channel="link", work_order_id=order.id)
    add_event(order, "customer_complaint", None, server_time=utcnow())
    db.session.flush()
    return complaint


def open_change_requests(limit: int = 50) -> list[tuple[AppointmentRequest, WorkOrder]]:
    """Customers' requests for another window that nobody has handled yet, oldest first."""
    return list(db.session.execute(
        select(AppointmentRequest, WorkOrder)
        .join(WorkOrder, WorkOrder.id == AppointmentRequest.work_order_id)
        .where(AppointmentRequest.kind == "change", AppointmentRequest.status == "open")
        .order_by(AppointmentRequest.created_at).limit(limit)).all())


def mark_handled(actor, request_id) -> AppointmentRequest | None:
    request = db.session.get(AppointmentRequest, request_id)
    if request is not None and request.status == "open":
        request.status, request.handled_at, request.handled_by_id = "handled", utcnow(), actor.id
        db.session.flush()
    return request
