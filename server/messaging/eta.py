"""When the technician will arrive: straight-line distance at a configured average speed.

From where the technician tapped *en route* (the phone's position on the event), or else
from the address of their previous job, to the order's address. No coordinates, no ETA.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select

from ..customers.models import Address
from ..extensions import db
from ..workorders.models import WorkOrder

MINIMUM_MINUTES = 5


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + \
        math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


# The technician's job before this one (within 16 hours), with a position: built once, its
# values bound at each call (every en-route step asks; a sync batch brings several).
_PREVIOUS_JOB = (
    select(Address.latitude, Address.longitude)
    .join(WorkOrder, WorkOrder.address_id == Address.id)
    .where(WorkOrder.assignee_id == bindparam("assignee_id"),
           WorkOrder.id != bindparam("order_id"),
           WorkOrder.appointment_start < bindparam("start"),
           WorkOrder.appointment_start >= bindparam("since"),
           Address.latitude.is_not(None), Address.longitude.is_not(None))
    .order_by(WorkOrder.appointment_start.desc()).limit(1))


def _previous_job_position(order: WorkOrder) -> tuple[float, float] | None:
    if order.assignee_id is None or order.appointment_start is None:
        return None
    # On the session's connection, not through the ORM: a plain row, and a third of the
    # cost of a session execute — each en-route step in a push pays it inside the write
    # turn. Nothing to flush first: the callers run with autoflush off (the message hook)
    # or read only (the portal).
    row = db.session.connection().execute(_PREVIOUS_JOB, {
        "assignee_id": order.assignee_id, "order_id": order.id,
        "start": order.appointment_start,
        "since": order.appointment_start - timedelta(hours=16)}).first()
    return (row[0], row[1]) if row else None


def estimate(order: WorkOrder, latitude: float | None, longitude: float | None,
             departed_at: datetime) -> datetime | None:
    """The expected arrival, or None when neither end of the trip is known."""
    address = db.session.get(Address, order.address_id)
    if address is None or address.latitude is None or address.longitude is None:
        return None
    origin = (latitude, longitude) if latitude is not None and longitude is not None \
        else _previous_job_position(order)
    if origin is None:
        return None
    km = distance_km(origin, (address.latitude, address.longitude))
    minutes = max(MINIMUM_MINUTES,
                  math.ceil(km / current_app.config["ETA_SPEED_KMH"] * 60))
    return departed_at + timedelta(minutes=minutes)
