"""The office's waiver or discount on an order's charges, with a reason (issue 12).

Rules (README "Waivers and discounts", docs/signed-content.md version 2):

* only office staff (admin, dispatcher) set one; a reason from ``REASONS`` is required,
  and a free text too when the reason is ``other``;
* ``amount`` (minor units, at least 1, at most what the order charges now), ``percent``
  (1–100) or ``waive`` (stored as 100 %); one discount per order — a new one replaces it,
  ``clear`` removes it;
* **only before the customer signs** (the issue: "before the customer signs"): once the
  order is signed, closed, cancelled or reopened the charges the customer signed stand, and
  the request is refused with 409 ``discount_after_signing``. The signed content therefore
  never changes under a signature; a discount given after the phone showed the report but
  before it was signed makes the phone's hash differ, like any other office change
  (``hash_mismatch``: the customer signs again);
* in warranty nothing is charged, so there is nothing to discount (409 ``nothing_charged``);
* the total never goes below zero (``charges.discount_of``); every change is an event in
  the order's history (who, when, what, why) — the audit trail.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..audit import service as audit
from ..errors import Conflict, Invalid
from ..extensions import db
from . import charges as money
from .lifecycle import Status
from .models import WorkOrder

# Code → label (labels in both catalogues).
REASONS = {
    "goodwill": _l("Goodwill"),
    "complaint_settled": _l("Complaint settled"),
    "repeat_repair": _l("Repeat repair"),
    "late_visit": _l("Late or missed appointment"),
    "key_customer": _l("Key customer"),
    "price_error": _l("Price corrected"),
    "other": _l("Other reason"),
}
KINDS = ("amount", "percent", "waive")
OPEN = frozenset({Status.NEW, Status.SCHEDULED, Status.EN_ROUTE, Status.ON_SITE,
                  Status.AWAITING_PARTS, Status.AWAITING_CUSTOMER, Status.COMPLETED})


def _check_open(order: WorkOrder) -> None:
    if order.status not in OPEN:
        raise Conflict(str(_l("The customer has signed this order's charges: they can no "
                              "longer be discounted.")), code="discount_after_signing")
    if order.in_warranty:
        raise Conflict(str(_l("Nothing is charged in warranty, so there is nothing to "
                              "discount.")), code="nothing_charged")


def set_discount(actor: User, order: WorkOrder, data: dict) -> WorkOrder:
    """Give or replace the order's discount. ``data``: kind, value (not for waive),
    reason, note. Raises Conflict (signed, in warranty) or Invalid (naming the field)."""
    from .service import add_event

    _check_open(order)
    kind, reason = data["kind"], data["reason"]
    note = (data.get("note") or "").strip() or None
    if reason == "other" and not note:
        raise Invalid(str(_l("Say why in the note.")),
                      {"note": ["required when the reason is other"]})
    current = money.order_charges(order)
    gross = current.parts_cents + current.labour_cents + current.travel_cents
    if kind == "waive":
        kind, value = "percent", 100
    else:
        value = data.get("value")
        if value is None:
            raise Invalid(str(_l("Give the amount or percentage.")), {"value": ["required"]})
        if kind == "percent" and not 1 <= value <= 100:
            raise Invalid(str(_l("A percentage is between 1 and 100.")),
                          {"value": ["must be between 1 and 100"]})
        if kind == "amount" and value < 1:
            raise Invalid(str(_l("The amount must be at least 1.")),
                          {"value": ["must be at least 1"]})
        if kind == "amount" and value > gross:
            raise Invalid(str(_l("A discount cannot take the charges below zero.")),
                          {"value": [f"must be at most {gross} (what the order charges now)"]})
    order.discount_kind, order.discount_value = kind, value
    order.discount_reason, order.discount_note = reason, note
    after = money.order_charges(order)
    add_event(order, "discount_set", actor, reason=note, data={
        "kind": kind, "value": value, "reason": reason, "note": note,
        "discount_cents": after.discount_cents, "total_cents": after.total_cents})
    audit.record("order.discounted", actor, order, kind=kind, value=value, reason=reason,
                 note=note, discount_cents=after.discount_cents)
    db.session.flush()
    return order


def clear_discount(actor: User, order: WorkOrder) -> WorkOrder:
    """Remove the order's discount (before signing only). Raises Conflict."""
    from .service import add_event

    _check_open(order)
    if order.discount_kind is None:
        raise Conflict(str(_l("This order has no discount.")), code="no_discount")
    previous = {"kind": order.discount_kind, "value": order.discount_value,
                "reason": order.discount_reason}
    order.discount_kind = order.discount_value = None
    order.discount_reason = order.discount_note = None
    add_event(order, "discount_removed", actor, data=previous)
    audit.record("order.discounted", actor, order, kind=None, removed=previous)
    db.session.flush()
    return order


def describe(kind: str | None, value: int | None, currency: str) -> str:
    """"All charges waived", "10% off" or "¥45.00 off", in the current language."""
    from ..console.routes import money as fmt

    if kind == "percent" and value == 100:
        return str(_l("All charges waived"))
    if kind == "percent":
        return str(_l("%(percent)s%% off", percent=value))
    return str(_l("%(amount)s off", amount=fmt(value or 0, currency)))
