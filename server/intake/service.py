"""Intake: a repair request taken on the phone (or from the web, the app, an e-mail) becomes
a work order.

``assess`` answers what the desk needs to see before saving — warranty, priority and why,
SLA deadlines, a repeat repair, an order already open — from a draft that may still be half
filled in. ``take_request`` checks the draft, creates the customer, address and appliance
when they are new, and the order, owned by whoever took the call until it is closed.

Functions here flush and never commit. Messages for people are translated (the console
shows them next to the field they are about).
"""

from __future__ import annotations

import uuid
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..accounts.models import User
from ..assets import service as assets
from ..assets.models import Asset
from ..assets.service import warranty_status
from ..customers import service as customers
from ..customers.models import Address, Customer
from ..database import utcnow
from ..errors import Invalid
from ..extensions import db
from ..workorders import lifecycle, sla
from ..workorders import service as orders
from ..workorders.models import WorkOrder
from . import symptoms
from .symptoms import PRIORITY_RANK, Symptom

# The customer's preferred part of the day, in the company's time zone.
SLOTS = {"morning": (time(8), time(12)), "afternoon": (time(12), time(18)),
         "evening": (time(18), time(21))}
# Job types that are planned work rather than a fault: they start at a lower priority.
TYPE_PRIORITY = {"repair": "normal", "install": "normal", "return_exchange": "normal",
                 "maintenance": "low", "inspection": "low"}


@dataclass
class NewCustomer:
    name: str
    phone: str
    email: str | None = None
    language: str = "zh"
    preferences: list[str] = field(default_factory=list)


@dataclass
class NewAddress:
    line1: str
    city: str
    line2: str | None = None
    district: str | None = None
    postcode: str | None = None
    access_notes: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class NewAsset:
    category: str
    brand: str
    model: str
    serial: str = ""
    purchase_date: date | None = None
    warranty_end: date | None = None
    production_batch: str | None = None


@dataclass
class Draft:
    """A request as the desk has it so far; every part may still be missing."""

    channel: str | None = None
    order_type: str | None = "repair"
    customer_id: uuid.UUID | None = None
    new_customer: NewCustomer | None = None
    address_id: uuid.UUID | None = None
    new_address: NewAddress | None = None
    asset_id: uuid.UUID | None = None
    new_asset: NewAsset | None = None
    category: str | None = None  # when no appliance is recorded
    symptom_code: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    customer_notes: str | None = None
    preferred_start: datetime | None = None
    preferred_end: datetime | None = None
    # Overrides of what ``assess`` computes; either needs ``override_reason``.
    priority: str | None = None
    respond_by: datetime | None = None
    override_reason: str | None = None


@dataclass
class Warranty:
    status: str  # in_warranty | out_of_warranty | unknown
    ends: date | None
    assumed_months: int | None = None  # set when ``ends`` is the category's usual term


@dataclass
class Assessment:
    category: str | None
    symptom: Symptom | None
    computed_priority: str
    priority_reason: str
    priority: str  # what the order will get: the override if any
    computed: sla.Deadlines
    deadlines: sla.Deadlines  # with the overrides applied
    overridden: bool
    warranty: Warranty
    repeat_of: WorkOrder | None
    already_open: list[WorkOrder]
    customer: Customer | None = None
    asset: Asset | None = None


# --- reading the draft -------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def assumed_warranty_months(category: str) -> int:
    return current_app.config["WARRANTY_MONTHS"].get(category, 12)


def warranty_of(asset: Asset | None, new_asset: NewAsset | None, today: date) -> Warranty:
    """Warranty from the appliance's dates; for a new one without a warranty card date,
    the category's usual term from the purchase date."""
    if asset is not None:
        return Warranty(warranty_status(asset, today), asset.warranty_end)
    if new_asset is None:
        return Warranty("unknown", None)
    if new_asset.warranty_end:
        ends, assumed = new_asset.warranty_end, None
    elif new_asset.purchase_date and new_asset.category:
        assumed = assumed_warranty_months(new_asset.category)
        ends = add_months(new_asset.purchase_date, assumed)
    else:
        return Warranty("unknown", None)
    return Warranty("in_warranty" if ends >= today else "out_of_warranty", ends, assumed)


def preferred_window(day: date | None, slot: str | None, city: str | None = None
                     ) -> tuple[datetime | None, datetime | None]:
    """A day and a part of it ("morning"…, or "any" for working hours) → an aware window,
    in the customer's local time: on the calendar of their city's region (a London
    customer's morning is a London morning), else the company's."""
    if day is None:
        return None, None
    from ..settings import service as settings

    calendar = settings.calendar_for(city)
    start, end = SLOTS.get(slot or "", (calendar.start, calendar.end))
    zone = ZoneInfo(calendar.timezone)
    return datetime.combine(day, start, zone), datetime.combine(day, end, zone)


def compute_priority(order_type: str | None, symptom: Symptom | None,
                     answers: dict[str, str]) -> tuple[str, str]:
    """The priority a request calls for, and one line saying why."""
    base = TYPE_PRIORITY.get(order_type or "repair", "normal")
    if symptom is None:
        return base, (_("Planned work") if base == "low" else _("Standard request"))
    wanted, because = symptoms.answer_priority(symptom, answers)
    if PRIORITY_RANK[wanted] <= PRIORITY_RANK[base]:
        return base, (_("Planned work") if base == "low" else _("Standard request"))
    if because is not None:
        return wanted, _("%(question)s — %(answer)s", question=because.label,
                         answer=because.choice_label(answers[because.key]))
    return wanted, str(symptom.label)


def find_repeat(asset_id: uuid.UUID | None, now: datetime,
                exclude: uuid.UUID | None = None) -> WorkOrder | None:
    """The latest visit to this appliance within ``REPEAT_WINDOW_DAYS``, if any."""
    if asset_id is None:
        return None
    since = now - timedelta(days=current_app.config["REPEAT_WINDOW_DAYS"])
    visited = func.coalesce(WorkOrder.completed_at, WorkOrder.started_at)
    query = (select(WorkOrder).where(WorkOrder.asset_id == asset_id,
                                     WorkOrder.status != lifecycle.Status.CANCELLED,
                                     visited >= since, visited <= now)
             .order_by(visited.desc()).limit(1))
    if exclude is not None:
        query = query.where(WorkOrder.id != exclude)
    return db.session.scalar(query)


def open_orders_for(asset_id: uuid.UUID | None) -> list[WorkOrder]:
    """Orders on this appliance that are still waiting for a visit or in progress."""
    if asset_id is None:
        return []
    waiting = sorted(lifecycle.OPEN - sla.RESOLVED)
    return list(db.session.scalars(select(WorkOrder).where(
        WorkOrder.asset_id == asset_id, WorkOrder.status.in_(waiting))
        .order_by(WorkOrder.created_at)))


def _existing(model, item_id):
    item = db.session.get(model, item_id) if item_id else None
    return item if item is not None and item.deleted_at is None else None


def assess(draft: Draft, now: datetime | None = None) -> Assessment:
    """Everything the desk should see before saving ``draft``. Never raises on a draft
    that is still incomplete: what is unknown is shown as unknown."""
    now = now or utcnow()
    customer = _existing(Customer, draft.customer_id)
    asset = _existing(Asset, draft.asset_id)
    if asset is not None and customer is not None and asset.customer_id != customer.id:
        asset = None
    category = asset.category if asset else (
        draft.new_asset.category if draft.new_asset else draft.category) or None
    symptom = symptoms.get(draft.symptom_code)
    computed_priority, reason = compute_priority(draft.order_type, symptom, draft.answers)
    priority = draft.priority or computed_priority
    order_type = draft.order_type or "repair"
    known = _existing(Address, draft.address_id)
    city = draft.new_address.city if draft.new_address else known.city if known else None
    computed = orders.order_deadlines(computed_priority, order_type, now, city)
    deadlines = orders.order_deadlines(priority, order_type, now, city)
    if draft.respond_by:
        deadlines = sla.Deadlines(draft.respond_by, max(deadlines.resolve_by, draft.respond_by))
    return Assessment(
        category=category, symptom=symptom, computed_priority=computed_priority,
        priority_reason=reason, priority=priority, computed=computed, deadlines=deadlines,
        overridden=priority != computed_priority or bool(draft.respond_by),
        warranty=warranty_of(asset, draft.new_asset, now.date()),
        repeat_of=find_repeat(asset.id if asset else None, now),
        already_open=open_orders_for(asset.id if asset else None),
        customer=customer, asset=asset,
    )


# --- saving --------------------------------------------------------------------------

def check(draft: Draft, assessment: Assessment, now: datetime) -> None:
    """The rules a whole draft must keep. Raises Invalid naming each field at fault."""
    errors: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if draft.customer_id and assessment.customer is None:
        refuse("customer_id", _("This customer no longer exists; search again."))
    elif not draft.customer_id and draft.new_customer is None:
        refuse("customer_id", _("Choose a customer or add a new one."))
    if draft.customer_id and assessment.customer is not None and draft.address_id:
        address = db.session.get(Address, draft.address_id)
        if address is None or address.customer_id != draft.customer_id \
                or address.deleted_at is not None:
            refuse("address_id", _("This address is not the customer's."))
    elif not draft.address_id and draft.new_address is None:
        refuse("address_id", _("Choose an address or add a new one."))
    if draft.asset_id and assessment.asset is None:
        refuse("asset_id", _("This appliance is not the customer's."))
    symptom = assessment.symptom
    if draft.symptom_code and symptom is None:
        refuse("symptom_code", _("Choose a symptom from the list."))
    if symptom is not None and symptom.category not in (None, assessment.category):
        refuse("symptom_code", _("This symptom is for another kind of appliance."))
    if draft.order_type == "repair" and symptom is None and "symptom_code" not in errors:
        refuse("symptom_code", _("What is wrong? Choose the closest symptom."))
    if symptom is not None:
        for key, answer in draft.answers.items():
            question = symptom.question(key)
            if question is None:
                refuse("answer_" + key, _("This question is not asked for this symptom."))
            elif question.choices and answer not in {c.key for c in question.choices}:
                refuse("answer_" + key, _("Choose one of the answers offered."))
            elif len(answer) > 500:
                refuse("answer_" + key, _("Keep the answer under 500 characters."))
        if symptom.needs_description and not (draft.description or "").strip():
            refuse("description", _("Describe the problem in a few words."))
    if assessment.overridden and not (draft.override_reason or "").strip():
        refuse("override_reason", _("Say why the priority or deadline differs from the "
                                    "computed one."))
    if draft.respond_by is not None and draft.respond_by <= now:
        refuse("respond_by", _("The deadline must be in the future."))
    if draft.preferred_start and draft.preferred_start.date() < now.date() - timedelta(days=1):
        refuse("preferred_date", _("The preferred day has passed."))
    if errors:
        raise Invalid(_("The request is not complete: see the fields marked."), errors)


def take_request(actor: User, draft: Draft, now: datetime | None = None) -> WorkOrder:
    """Create the order (and the customer, address, appliance when new) from ``draft``.

    The actor becomes the order's owner; a repeat repair is linked to the earlier visit;
    an override of the computed priority or deadline is written in the history with its
    reason. Raises Invalid, naming the fields at fault.
    """
    now = now or utcnow()
    assessment = assess(draft, now)
    check(draft, assessment, now)
    customer = assessment.customer
    if customer is None:
        nc = draft.new_customer
        customer = customers.create_customer({
            "name": nc.name, "phone": nc.phone, "email": nc.email or None,
            "language": nc.language, "preferences": nc.preferences})
    if draft.new_address is not None:
        address = customers.add_address(customer, {
            k: v for k, v in vars(draft.new_address).items() if v not in (None, "")})
    else:
        address = db.session.get(Address, draft.address_id)
    asset = assessment.asset
    if asset is None and draft.new_asset is not None:
        na = draft.new_asset
        asset = assets.create_asset({
            "customer_id": customer.id, "address_id": address.id, "category": na.category,
            "brand": na.brand, "model": na.model, "serial": na.serial or "",
            "production_batch": na.production_batch or None,
            "purchase_date": na.purchase_date, "warranty_end": assessment.warranty.ends})
    symptom = assessment.symptom
    order = orders.create_order(actor, {
        "channel": draft.channel, "type": draft.order_type, "priority": assessment.priority,
        "customer_id": customer.id, "address_id": address.id,
        "asset_id": asset.id if asset else None,
        "symptom_code": symptom.code if symptom else None,
        "description": (draft.description or "").strip()
        or (str(symptom.label) if symptom else None),
        "intake_answers": {k: v for k, v in draft.answers.items() if v},
        "customer_notes": draft.customer_notes or None,
        "preferred_start": draft.preferred_start, "preferred_end": draft.preferred_end,
        "respond_by": assessment.deadlines.respond_by,
        "resolve_by": assessment.deadlines.resolve_by,
        "repeat_of_id": assessment.repeat_of.id if assessment.repeat_of else None,
    }, now=now)
    if assessment.overridden:
        orders.add_event(order, "sla_override", actor, server_time=now,
                         reason=draft.override_reason.strip(), data={
                             "from": assessment.computed_priority, "to": assessment.priority,
                             "computed_respond_by": assessment.computed.respond_by.isoformat(),
                             "respond_by": assessment.deadlines.respond_by.isoformat()})
    return order


def edit_request(actor: User, order: WorkOrder, changes: dict, reason: str | None,
                 expected_version: int | None, now: datetime | None = None) -> WorkOrder:
    """The office's edit of what the request says. A new priority moves the deadlines
    (counted from when the request came in) and needs a reason, kept in the history.

    Raises Conflict for a stale edit (code ``stale``) or a closed order, Invalid for a
    priority change without a reason.
    """
    now = now or utcnow()
    changes = {k: v for k, v in changes.items() if getattr(order, k) != v}
    if expected_version is not None and expected_version != order.version:
        orders.update_order(actor, order, {}, expected_version)  # raises the stale Conflict
    if "priority" in changes or "type" in changes:
        if "priority" in changes and not (reason or "").strip():
            raise Invalid(_("Say why the priority changes."),
                          {"reason": [_("Say why the priority changes.")]})
        deadlines = orders.order_deadlines(changes.get("priority", order.priority),
                                           changes.get("type", order.type), order.created_at,
                                           order.address.city if order.address else None)
        changes.update(respond_by=deadlines.respond_by, resolve_by=deadlines.resolve_by)
    before = order.priority
    orders.update_order(actor, order, changes, expected_version)
    if "priority" in changes:
        orders.add_event(order, "sla_override", actor, server_time=now, reason=reason.strip(),
                         data={"from": before, "to": order.priority,
                               "respond_by": order.respond_by.isoformat()})
    return order
