"""The record of a visit as the office reads it: notes, time logs, time on site, part lines,
photos, the signature, the rating and the report, gathered from their tables in one place.

The console's order page and the office API (``GET /api/v1/workorders/<id>/visit``) both
show this record, so the two can never disagree. The charges come from
``workorders.charges.order_charges``, the function the signed content and the PDF use; time
on site is the same arrival-to-completion span the report prints.
"""

from __future__ import annotations

import math

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..feedback.models import Survey
from ..inventory.models import StockLocation
from ..media.models import Photo, Report, Signature
from .charges import order_charges
from .charges import part_lines as charge_lines
from .models import WorkOrder

PHOTO_GROUPS = ("before", "after", "other")


@dataclass
class PartLine:
    """One part from one van: what was used, what went back, at which unit price."""

    sku: str
    name_en: str
    name_zh: str
    used: int
    returned: int
    unit_price_cents: int
    location: str | None

    @property
    def net(self) -> int:
        return self.used - self.returned


@dataclass
class OnSite:
    arrived_at: datetime | None
    completed_at: datetime | None

    @property
    def duration(self) -> timedelta | None:
        if self.arrived_at and self.completed_at and self.completed_at >= self.arrived_at:
            return self.completed_at - self.arrived_at
        return None

    @property
    def minutes(self) -> int | None:
        """Started minutes: a visit of 40 seconds is 1 min, never 0."""
        span = self.duration
        return None if span is None else max(1, math.ceil(span.total_seconds() / 60))


@dataclass
class VisitRecord:
    order: WorkOrder
    notes: list
    time_logs: list
    on_site: OnSite
    parts: list[PartLine]
    photos: dict[str, list[Photo]]
    signature: Signature | None
    survey: Survey | None
    report: Report | None
    charges: dict
    work_kept: dict = field(default_factory=dict)
    allowed_actions: list[str] = field(default_factory=list)

    @property
    def photo_list(self) -> list[Photo]:
        return [photo for group in PHOTO_GROUPS for photo in self.photos[group]]

    @property
    def signed(self) -> bool:
        return self.signature is not None


def time_on_site(order: WorkOrder) -> OnSite:
    """The visit that finished the job, the span the order page, the API and the report
    all show: its arrival → the completion (the last step to completed).

    The arrival is the last step to on_site that came from the road (en_route) before the
    completion: a second visit counts from when it began, and a pause on site (awaiting
    the customer) does not restart the clock. Device times when the phone sent them.
    """
    moves = [e for e in order.events if e.kind == "transition"]
    done_at = max((i for i, e in enumerate(moves) if e.to_status == "completed"), default=None)
    before = moves[:done_at] if done_at is not None else moves
    arrivals = [e for e in before if e.to_status == "on_site"]
    from_road = [e for e in arrivals if e.from_status == "en_route"]
    arrived = (from_road or arrivals or [None])[-1]
    done = moves[done_at] if done_at is not None else None
    return OnSite((arrived.device_time or arrived.server_time) if arrived else None,
                  (done.device_time or done.server_time) if done else None)


def charges(order: WorkOrder) -> dict:
    """The order's charges from the one charges function the signed content and the PDF
    use (``workorders.charges.order_charges``)."""
    return order_charges(order).as_content(2)


def part_lines(order: WorkOrder) -> list[PartLine]:
    """Lines of one part from one van merged: a return is a line with a negative quantity."""
    lines = charge_lines(order)  # as the database has them, like the charges
    locations = {loc.id: loc.name for loc in db.session.scalars(select(StockLocation).where(
        StockLocation.id.in_({line.from_location_id for line in lines
                              if line.from_location_id})))} if lines else {}
    merged: dict = {}
    totals: dict = defaultdict(lambda: [0, 0])
    for line in lines:
        key = (line.part_id, line.from_location_id)
        merged.setdefault(key, line)
        if line.quantity >= 0:
            totals[key][0] += line.quantity
        else:
            totals[key][1] += -line.quantity
        if line.unit_price_cents > merged[key].unit_price_cents:
            merged[key] = line
    rows = [PartLine(line.part.sku, line.part.name_en, line.part.name_zh, totals[key][0],
                     totals[key][1], line.unit_price_cents,
                     locations.get(line.from_location_id))
            for key, line in merged.items()]
    return sorted(rows, key=lambda row: (row.sku, row.location or ""))


def latest_report(order: WorkOrder) -> Report | None:
    """The report for the order's latest signature (as ``reports.service.report_for``)."""
    return db.session.scalar(select(Report).where(Report.work_order_id == order.id)
                             .order_by(Report.created_at.desc(), Report.number.desc()).limit(1))


def work_on_site(order: WorkOrder) -> dict:
    """Counts of the lines a technician left on the order; empty when there are none."""
    counts = {"notes": len(order.notes), "parts": len(charge_lines(order)),
              "time_logs": len(order.time_logs),
              "photos": len(db.session.scalars(select(Photo.id).where(
                  Photo.work_order_id == order.id)).all())}
    return {kind: count for kind, count in counts.items() if count}


def record(order: WorkOrder) -> VisitRecord:
    """Everything the visit left behind, for the office."""
    photos = db.session.scalars(
        select(Photo).where(Photo.work_order_id == order.id)
        .order_by(Photo.taken_at.is_(None), Photo.taken_at, Photo.created_at, Photo.id)).all()
    grouped = {kind: [p for p in photos if (p.kind if p.kind in PHOTO_GROUPS else "other")
                      == kind] for kind in PHOTO_GROUPS}
    return VisitRecord(
        order=order, notes=list(order.notes), time_logs=list(order.time_logs),
        on_site=time_on_site(order), parts=part_lines(order), photos=grouped,
        signature=db.session.scalar(select(Signature).where(Signature.work_order_id == order.id)
                                    .order_by(Signature.received_at.desc()).limit(1)),
        survey=db.session.scalar(select(Survey).where(Survey.work_order_id == order.id)
                                 .order_by(Survey.submitted_at.desc()).limit(1)),
        report=latest_report(order), charges=charges(order), work_kept=work_on_site(order),
    )
