"""Signed visits and survey answers reach the follow-ups through the session, since
``workorders`` must not import this package (the pattern of ``messaging.hooks``)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..database import utcnow
from ..feedback.models import Survey
from ..workorders.models import WorkOrderEvent


@event.listens_for(Session, "after_flush")
def _followups(session: Session, flush_context) -> None:
    from flask import has_app_context

    if not has_app_context():
        return
    signed = [obj.work_order_id for obj in session.new if isinstance(obj, WorkOrderEvent)
              and obj.kind == "transition" and obj.to_status == "signed"]
    surveys = [obj for obj in session.new if isinstance(obj, Survey)]
    if not signed and not surveys:
        return
    from . import service

    now = utcnow()
    with session.no_autoflush:
        if signed:
            service.rows_for_signed(session, signed, now)
            _plan_installations(session, signed)
        for survey in surveys:
            service.apply_survey(session, survey.work_order_id, survey.rating, survey.comment,
                                 now)


def _plan_installations(session: Session, order_ids) -> None:
    """A signed installation gets its periodic calls (seed 004), once."""
    from sqlalchemy import select

    from ..plans.models import Plan
    from ..plans.service import installation_row
    from ..workorders.models import WorkOrder

    for order in session.scalars(select(WorkOrder).where(WorkOrder.id.in_(order_ids),
                                                         WorkOrder.type == "install")):
        exists = session.scalar(select(Plan.id).where(Plan.source == "installation",
                                                      Plan.note == order.number))
        if exists is None:
            session.execute(Plan.__table__.insert().values(**installation_row(order)))
