"""The returns policy: how many days after purchase each window lasts and which decisions
it allows. Stored as the company setting ``RETURN_POLICY`` (edited in /admin); until an
admin saves one, the defaults follow China's 三包 rules for household appliances: a
performance fault within 7 days may be refunded or exchanged, within 15 days exchanged,
and after that repaired free while the appliance is in warranty (12 months from purchase
unless the appliance's own warranty end says otherwise)."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l

from ..errors import Invalid
from ..settings import service as settings
from .models import DECISIONS, WINDOWS

KEY = "RETURN_POLICY"
DEFAULT = {"refund_days": 7, "exchange_days": 15, "warranty_months": 12,
           "proof_required": True,
           "allows": {"refund": ["refund", "exchange", "repair"],
                      "exchange": ["exchange", "repair"], "warranty": ["repair"]}}
# The decisions a window may allow (declining is always possible after an inspection).
GRANTABLE = tuple(d for d in DECISIONS if d != "decline")


def current() -> dict:
    """The policy in force: the stored one, or the defaults."""
    try:
        stored = settings.get(KEY) or {}
    except KeyError:
        stored = {}
    merged = {**DEFAULT, **stored}
    merged["allows"] = {**DEFAULT["allows"], **(stored.get("allows") or {})}
    return merged


def warranty_end(policy: dict, purchase_date: date, asset_warranty_end: date | None) -> date:
    """The appliance's own warranty end when it has one, else purchase + the policy's
    months."""
    if asset_warranty_end is not None:
        return asset_warranty_end
    return purchase_date + relativedelta(months=policy["warranty_months"])


def window_for(policy: dict, purchase_date: date, today: date,
               asset_warranty_end: date | None) -> str | None:
    """The window a request made ``today`` falls in, or None outside every window.
    Day 0 is the purchase day: "within 7 days" is days 0 to 7."""
    days = (today - purchase_date).days
    if days <= policy["refund_days"]:
        return "refund"
    if days <= policy["exchange_days"]:
        return "exchange"
    if today <= warranty_end(policy, purchase_date, asset_warranty_end):
        return "warranty"
    return None


def _days(form: dict, field: str, errors: dict, low: int, high: int) -> int:
    text = str(form.get(field) or "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        errors[field] = [_l("Give a whole number from %(low)d to %(high)d.", low=low, high=high)]
        return 0
    return int(text)


def save(actor, form: dict) -> dict:
    """Check and store the policy from the admin form (``refund_days``, ``exchange_days``,
    ``warranty_months``, ``proof_required``, ``allow_<window>_<decision>`` checkboxes).

    Raises Invalid naming each refused field; nothing is stored then. Audited.
    """
    errors: dict = {}
    refund = _days(form, "refund_days", errors, 0, 365)
    exchange = _days(form, "exchange_days", errors, 0, 365)
    months = _days(form, "warranty_months", errors, 0, 120)
    if not errors and exchange < refund:
        errors["exchange_days"] = [_l("The exchange window cannot end before the refund "
                                      "window.")]
    allows = {window: [d for d in GRANTABLE if form.get(f"allow_{window}_{d}")]
              for window in WINDOWS}
    for window, decisions in allows.items():
        if not decisions:
            errors[f"allow_{window}"] = [_l("Allow at least one decision in each window.")]
    if errors:
        raise Invalid(_l("Some of the policy could not be saved."), errors)
    value = {"refund_days": refund, "exchange_days": exchange, "warranty_months": months,
             "proof_required": bool(form.get("proof_required")), "allows": allows}
    settings.save(actor, KEY, value, "settings.return_policy", **value)
    return value
