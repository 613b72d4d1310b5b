"""Intake pages: take a request on the phone and turn it into a work order.

One form, refreshed piece by piece with htmx while the dispatcher talks: choosing a
customer brings their addresses and appliances, a product brings its symptoms, a symptom
its follow-up questions, and every change re-assesses priority, deadlines, warranty and
repeat repairs before anything is saved. Without JavaScript the same form still works by
posting it whole.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.auth import console_roles
from ..assets.models import Asset
from ..assets.service import warranty_status
from ..customers import service as customers
from ..customers.models import Address, Customer
from ..database import utcnow
from ..errors import Invalid
from ..extensions import db
from ..intake import service as intake
from ..intake import emergency, symptoms
from ..returns import service as returns
from ..workorders import service as orders
from ..workorders.models import Priority, WorkOrder
from .blueprint import OFFICE, bp
from .formatting import moment
from .forms import IntakeForm

PARTS = ("customer", "appliance", "problem", "warranty", "assessment")


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _time(value) -> time | None:
    try:
        return time.fromisoformat(value) if value else None
    except ValueError:
        return None


def _text(values, name) -> str | None:
    value = (values.get(name) or "").strip()
    return value or None


def draft_from(values) -> intake.Draft:
    """The draft in the form so far. Lenient: what does not parse yet counts as missing."""
    draft = intake.Draft(channel=values.get("channel") or None,
                         order_type=values.get("order_type") or "repair")
    if values.get("customer_mode") == "new":
        draft.new_customer = intake.NewCustomer(
            name=_text(values, "name") or "", phone=_text(values, "phone") or "",
            email=_text(values, "email"), language=values.get("language") or "zh",
            preferences=[line.strip() for line in (values.get("preferences") or "").splitlines()
                         if line.strip()][:20])
    else:
        draft.customer_id = _uuid(values.get("customer_id"))
    if draft.new_customer is not None or values.get("address_id") == "new":
        draft.new_address = intake.NewAddress(
            line1=_text(values, "line1") or "", city=_text(values, "city") or "",
            line2=_text(values, "line2"), district=_text(values, "district"),
            postcode=_text(values, "postcode"), access_notes=_text(values, "access_notes"))
    else:
        draft.address_id = _uuid(values.get("address_id"))
    category = values.get("category") or None
    if values.get("asset_id") == "new":
        draft.new_asset = intake.NewAsset(
            category=category, brand=_text(values, "brand") or "",
            model=_text(values, "model") or "", serial=_text(values, "serial") or "",
            production_batch=_text(values, "production_batch"),
            purchase_date=_date(values.get("purchase_date")),
            warranty_end=_date(values.get("warranty_end")))
    elif values.get("asset_id") == "none":
        draft.category = category
    else:
        draft.asset_id = _uuid(values.get("asset_id"))
    symptom = symptoms.get(values.get("symptom_code"))
    draft.symptom_code = values.get("symptom_code") or None
    if symptom is not None:
        draft.answers = {q.key: values.get("answer_" + q.key, "").strip()
                         for q in symptom.questions if values.get("answer_" + q.key, "").strip()}
    draft.description = _text(values, "description")
    draft.customer_notes = _text(values, "customer_notes")
    draft.preferred_start, draft.preferred_end = intake.preferred_window(
        _date(values.get("preferred_date")), values.get("preferred_slot"), _city_of(draft))
    if values.get("priority") in set(Priority):
        draft.priority = values["priority"]
    day, at = _date(values.get("respond_by_date")), _time(values.get("respond_by_time"))
    if day and at:
        draft.respond_by = datetime.combine(day, at, ZoneInfo(orders.calendar().timezone))
    draft.override_reason = _text(values, "override_reason")
    return draft


def _context(form: IntakeForm, draft: intake.Draft, now: datetime) -> dict:
    """Everything the intake templates show, from the draft as it stands."""
    assessment = intake.assess(draft, now)
    if assessment.symptom is not None and assessment.symptom.category not in (
            None, assessment.category):
        # The appliance changed under a symptom of another kind: start the problem afresh.
        draft.symptom_code, draft.answers = None, {}
        assessment = intake.assess(draft, now)
    customer = assessment.customer
    addresses = [a for a in customer.addresses if a.deleted_at is None] if customer else []
    assets = []
    if customer is not None:
        for asset in db.session.scalars(select(Asset).where(
                Asset.customer_id == customer.id, Asset.deleted_at.is_(None),
                Asset.id.not_in(returns.exchanged_asset_ids()))
                .order_by(Asset.created_at)):
            assets.append((asset, warranty_status(asset, now.date())))
    symptom = assessment.symptom
    duplicates = []
    if draft.new_customer is not None:
        address = draft.new_address
        duplicates = customers.likely_duplicates(
            draft.new_customer.name, draft.new_customer.phone,
            address.line1 if address else None)
    return {
        "duplicates": duplicates,
        "form": form, "draft": draft, "assessment": assessment, "customer": customer,
        "addresses": addresses, "assets": assets,
        "symptom_choices": symptoms.for_category(assessment.category),
        "symptom": symptom, "answers": draft.answers, "now": now,
        "emergency_instructions": emergency.instructions(draft.symptom_code, draft.answers),
        "respond_label": _("On site by") if assessment.priority == "emergency"
        else _("Appointment booked by"),
    }


def _form_with(values) -> IntakeForm:
    return IntakeForm(formdata=values, meta={"csrf": False})


@bp.route("/intake", methods=["GET", "POST"])
@console_roles(*OFFICE)
def intake_page():
    now = utcnow()
    if request.method == "GET":
        values = request.args.copy()
        chosen = _uuid(values.get("customer_id"))
        if chosen is not None:
            _choose_customer(values, chosen)
        form = IntakeForm(formdata=values if values else None)
        return render_template("console/intake.html", extra_errors={},
                               **_context(form, draft_from(values), now))
    form = IntakeForm()
    values = request.form
    extra_errors: dict[str, list[str]] = {}
    draft = draft_from(values)
    if form.validate() and _unconfirmed_duplicate(draft, values):
        # Nothing is stored: the desk first says whether this is someone on record.
        extra_errors["duplicates"] = [_("This looks like an existing customer: use them, "
                                        "or tick that it is a different person.")]
    elif form.validate():
        try:
            order = intake.take_request(g.actor, draft, now)
        except Invalid as refused:
            for name, messages in (refused.errors or {}).items():
                field = getattr(form, name, None)
                if field is not None and hasattr(field, "errors"):
                    field.errors = [*field.errors, *messages]
                else:
                    extra_errors.setdefault(name, []).extend(messages)
        else:
            flash(_("%(number)s saved: %(priority)s, respond by %(deadline)s.",
                    number=order.number, priority=_(order.priority),
                    deadline=moment(order.respond_by)), "success")
            if order.repeat_of_id:
                repeat = db.session.get(WorkOrder, order.repeat_of_id)
                flash(_("Marked as a repeat repair of %(number)s.", number=repeat.number),
                      "warning")
            # Plan it at once: the board on the customer's preferred day, the order open.
            day = order.preferred_start.astimezone(ZoneInfo(orders.calendar().timezone)).date() \
                if order.preferred_start else None
            return redirect(url_for("console.board_page", order=order.id,
                                    day=day.isoformat() if day else None))
    return render_template("console/intake.html", extra_errors=extra_errors,
                           **_context(form, draft_from(values), now)), 422


def _unconfirmed_duplicate(draft: intake.Draft, values) -> bool:
    if draft.new_customer is None or values.get("not_duplicate"):
        return False
    address = draft.new_address
    return bool(customers.likely_duplicates(draft.new_customer.name, draft.new_customer.phone,
                                            address.line1 if address else None))


def _city_of(draft: intake.Draft) -> str | None:
    """The city of the address the visit is for (typed in, or on record)."""
    if draft.new_address is not None:
        return draft.new_address.city or None
    address = db.session.get(Address, draft.address_id) if draft.address_id else None
    return address.city if address is not None else None


def _replace(values, **fields) -> None:
    """Set form values, replacing (a MultiDict's ``update`` would add to them)."""
    for name, value in fields.items():
        values.setlist(name, [value])


def _choose_customer(values, customer_id: uuid.UUID) -> None:
    """Switch the form to a customer on record: their first address, no appliance yet."""
    customer = db.session.get(Customer, customer_id)
    live = [a for a in customer.addresses if a.deleted_at is None] if customer else []
    _replace(values, customer_mode="existing", customer_id=str(customer_id),
             address_id=str(live[0].id) if live else "new", asset_id="", symptom_code="")


@bp.route("/intake/customers")
@console_roles(*OFFICE)
def intake_customer_search():
    """Customers matching a phone number, a name or an address, for the intake form."""
    q = (request.args.get("q") or "").strip()
    found, total = customers.search_customers(q, 1, 8) if len(q) >= 2 else ([], 0)
    return render_template("console/intake/_search_results.html", found=found, total=total, q=q)


@bp.route("/intake/part/<part>", methods=["POST"])
@console_roles(*OFFICE)
def intake_part(part: str):
    """One piece of the intake form, re-rendered from the whole form's current values
    (``choose`` / ``new`` switch the customer first)."""
    if part not in PARTS:
        abort(404)
    values = request.form.copy()
    if part == "customer":
        if request.args.get("choose"):
            chosen = _uuid(request.args["choose"])
            if chosen is None:
                abort(404)
            _choose_customer(values, chosen)
        elif request.args.get("new"):
            _replace(values, customer_mode="new", customer_id="", address_id="new",
                     asset_id="new", symptom_code="")
            # What was typed in the search box carries over: a number, or a name.
            typed = (values.get("q") or "").strip()
            if typed and not values.get("phone") and not values.get("name"):
                _replace(values, **({"phone": typed} if re.fullmatch(r"[+\d\s()-]{5,}", typed)
                                    else {"name": typed}))
        elif request.args.get("search"):
            _replace(values, customer_mode="existing", customer_id="", address_id="",
                     asset_id="", symptom_code="")
    form = _form_with(values)
    context = _context(form, draft_from(values), utcnow())
    return render_template(f"console/intake/_{part}.html", oob=False, fragment=True,
                           extra_errors={}, **context)
