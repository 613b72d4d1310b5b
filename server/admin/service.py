"""Administration rules. Every change is written to the audit log (``audit.record``);
functions flush only, the request commits.
"""

from __future__ import annotations

import re
import uuid

from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts import service as accounts
from ..accounts.models import Role, User
from ..audit.models import AuditEvent
from ..audit.service import record
from ..errors import Invalid, NotFound
from ..extensions import db
from ..inventory.models import Part
from ..technicians.models import Technician
from ..technicians.service import create_technician

SKILLS = ("air_conditioner", "washing_machine", "water_heater", "refrigerator", "range_hood",
          "repair", "install", "maintenance", "inspection", "return_exchange")


def _user(user_id: uuid.UUID) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such account."))
    return user


def add_user(actor: User, email: str, name: str, role: str, password: str,
             locale: str | None, region: str | None = None) -> User:
    """A new account (a technician also gets a profile and a van). Raises Invalid naming
    the field, Conflict on a taken e-mail; nothing is stored then."""
    errors = {}
    if not name.strip():
        errors["name"] = [_("Enter the person's name.")]
    if role not in set(Role):
        errors["role"] = [_("Choose a role.")]
    if role == "technician" and not (region or "").strip():
        errors["region"] = [_("A technician needs a region.")]
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        errors["password"] = [_("At least %(num)d characters.",
                                num=accounts.MIN_PASSWORD_LENGTH)]
    if "@" not in email:
        errors["email"] = [_("Enter an e-mail address.")]
    if errors:
        raise Invalid(_("Check the fields marked."), errors)
    user = accounts.create_user(email, name.strip(), role, password, locale or None, actor)
    if role == "technician":
        create_technician(user, [], region.strip())
    return user


def set_active(actor: User, user_id: uuid.UUID, active: bool) -> User:
    user = _user(user_id)
    if user.id == actor.id and not active:
        raise Invalid(_("You cannot deactivate your own account."),
                      {"active": [_("You cannot deactivate your own account.")]})
    user.active = active
    tech = db.session.scalar(select(Technician).where(Technician.user_id == user.id))
    if tech is not None:
        tech.active = active
    record("user.activated" if active else "user.deactivated", actor, user)
    db.session.flush()
    return user


def reset_password(actor: User, user_id: uuid.UUID, password: str) -> User:
    user = _user(user_id)
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        raise Invalid(_("Check the fields marked."), {"password": [_(
            "At least %(num)d characters.", num=accounts.MIN_PASSWORD_LENGTH)]})
    user.password_hash = accounts.hash_password(password)
    record("user.password_reset", actor, user)
    db.session.flush()
    return user


def set_supervisor(actor: User, user_id: uuid.UUID, supervisor_id: uuid.UUID | None) -> User:
    user = _user(user_id)
    if supervisor_id is not None:
        supervisor = _user(supervisor_id)
        chain, at = set(), supervisor
        while at is not None and at.id not in chain:  # no one supervises themselves
            if at.id == user.id:
                raise Invalid(_("Check the fields marked."), {"supervisor_id": [
                    _("That would make a circle of supervisors.")]})
            chain.add(at.id)
            at = db.session.get(User, at.supervisor_id) if at.supervisor_id else None
    old = user.supervisor_id
    user.supervisor_id = supervisor_id
    record("user.supervisor_set", actor, user, old=str(old) if old else None,
           new=str(supervisor_id) if supervisor_id else None)
    db.session.flush()
    return user


def update_technician(actor: User, technician_id: uuid.UUID, skills: list[str], region: str,
                      home_base: str | None, latitude: float | None,
                      longitude: float | None) -> Technician:
    tech = db.session.get(Technician, technician_id)
    if tech is None:
        raise NotFound(_("No such technician."))
    errors = {}
    unknown = [s for s in skills if s not in SKILLS]
    if unknown:
        errors["skills"] = [_("Choose skills from the list.")]
    if not region.strip():
        errors["region"] = [_("A technician needs a region.")]
    if (latitude is None) != (longitude is None) or (
            latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)):
        errors["latitude"] = [_("Give both coordinates, as decimal degrees.")]
    if errors:
        raise Invalid(_("Check the fields marked."), errors)
    before = {"skills": list(tech.skills or []), "region": tech.region,
              "home_base": tech.home_base}
    tech.skills, tech.region, tech.home_base = skills, region.strip(), home_base or None
    tech.home_latitude, tech.home_longitude = latitude, longitude
    record("technician.updated", actor, tech, before=before,
           after={"skills": skills, "region": tech.region, "home_base": tech.home_base})
    db.session.flush()
    return tech


def audit_log(limit: int = 200) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.created_at.desc()).limit(limit)))


def parts() -> list[Part]:
    return list(db.session.scalars(select(Part).order_by(Part.category, Part.sku)))


def _price_cents(price: str, errors: dict) -> int | None:
    """A price typed in the currency's main unit ("45.00") as minor units; an error named
    ``price`` otherwise."""
    try:
        cents = round(float(price) * 100)
        if not 0 <= cents <= 100_000_000:
            raise ValueError
    except ValueError:
        errors["price"] = [_("A price such as 45.00, not negative.")]
        return None
    return cents


SKU = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,39}$")


def add_part(actor: User, form: dict) -> Part:
    """A new part in the catalogue (SKU, names in both languages, product category, the
    models it fits — none: any —, price, unit). Raises Invalid naming each wrong field
    (nothing is stored then); audited."""
    from ..assets.models import ProductCategory
    from ..inventory import service as inventory

    errors: dict = {}
    sku = (form.get("sku") or "").strip().upper()
    if not SKU.match(sku):
        errors["sku"] = [_("2 to 40 letters, digits, dots, dashes or underscores.")]
    elif db.session.scalar(select(Part.id).where(Part.sku == sku)) is not None:
        errors["sku"] = [_("A part with this SKU exists.")]
    names = {key: (form.get(key) or "").strip() for key in ("name_en", "name_zh")}
    if not names["name_en"]:
        errors["name_en"] = [_("Enter the English name.")]
    if not names["name_zh"]:
        errors["name_zh"] = [_("Enter the Chinese name.")]
    category = form.get("category") or ""
    if category not in set(ProductCategory):
        errors["category"] = [_("Choose the product.")]
    cents = _price_cents(form.get("price") or "", errors)
    unit = (form.get("unit") or "pcs").strip()
    if not 1 <= len(unit) <= 12:
        errors["unit"] = [_("At most 12 characters.")]
    models = [m.strip() for m in re.split(r"[,\n]", form.get("fits_models") or "") if m.strip()]
    if errors:
        raise Invalid(_("Check the fields marked."), errors)
    part = inventory.create_part({"sku": sku, **names, "category": category,
                                  "fits_models": models, "price_cents": cents, "unit": unit,
                                  "active": True})
    record("part.created", actor, part, after={"sku": sku, **names, "category": category,
                                                "price_cents": cents, "unit": unit,
                                                "fits_models": models})
    return part


def update_part(actor: User, part_id: uuid.UUID, name_en: str, name_zh: str, price: str,
                active: bool) -> Part:
    """Rename a part or change its price (in the currency's main unit, e.g. "45.00").
    Raises Invalid naming the field; nothing changes then."""
    part = db.session.get(Part, part_id)
    if part is None:
        raise NotFound(_("No such part."))
    errors = {}
    if not name_en.strip():
        errors["name_en"] = [_("Enter the English name.")]
    if not name_zh.strip():
        errors["name_zh"] = [_("Enter the Chinese name.")]
    cents = _price_cents(price, errors)
    if errors:
        raise Invalid(_("Check the fields marked."), errors)
    before = {"name_en": part.name_en, "name_zh": part.name_zh,
              "price_cents": part.price_cents, "active": part.active}
    part.name_en, part.name_zh = name_en.strip(), name_zh.strip()
    part.price_cents, part.active = cents, active
    record("part.updated", actor, part, before=before,
           after={"name_en": part.name_en, "name_zh": part.name_zh,
                  "price_cents": cents, "active": active})
    db.session.flush()
    return part
