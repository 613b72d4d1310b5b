"""Technician profiles and their vans."""

from __future__ import annotations

from ..accounts.models import User
from ..extensions import db
from ..inventory.models import LocationKind, StockLocation
from .models import Technician


def create_technician(user: User, skills: list[str], region: str, home_base: str | None = None,
                      home_latitude: float | None = None, home_longitude: float | None = None
                      ) -> Technician:
    """A technician profile for ``user``, with a van stock location of their own."""
    tech = Technician(user_id=user.id, skills=skills, region=region, home_base=home_base,
                      home_latitude=home_latitude, home_longitude=home_longitude)
    db.session.add(tech)
    db.session.flush()
    db.session.add(StockLocation(kind=LocationKind.VAN, name=f"Van — {user.name}",
                                 technician_id=tech.id))
    db.session.flush()
    return tech
