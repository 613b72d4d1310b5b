"""Maintenance plans in the console: every active plan, and a form to add one."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.auth import console_roles
from ..customers.models import Customer
from ..errors import Invalid, ServiceError, in_words
from ..extensions import db
from . import service

bp = Blueprint("plans_console", __name__, url_prefix="/plans")
OFFICE = ("admin", "dispatcher")


@bp.app_context_processor
def _helpers():
    def upcoming_plans():
        """Plans whose next call or visit is within ``PLAN_BOARD_DAYS`` (the board)."""
        from flask import current_app

        return service.upcoming(current_app.config["PLAN_BOARD_DAYS"])

    return {"upcoming_plans": upcoming_plans}


@bp.route("/")
@console_roles(*OFFICE)
def index():
    return render_template("plans/index.html", plans=service.all_active())


@bp.route("/", methods=["POST"])
@console_roles(*OFFICE)
def create():
    """A plan for the customer with this phone number (key customers, contracts), or for
    the customer whose page the form is on (``customer_id``, optionally one appliance);
    back to that page then."""
    form = request.form
    customer = None
    asset_id = None
    try:
        if form.get("customer_id"):
            try:
                customer = db.session.get(Customer, uuid.UUID(form["customer_id"]))
                asset_id = uuid.UUID(form["asset_id"]) if form.get("asset_id") else None
            except ValueError:
                customer = None
        else:
            phone = (form.get("phone") or "").strip()
            customer = db.session.scalar(select(Customer).where(Customer.phone == phone)) \
                if phone else None
        if customer is None:
            raise Invalid(_("No customer has this phone number."),
                          {"phone": [_("No customer has this phone number.")]})
        try:
            first = date.fromisoformat(form.get("first_due", ""))
            months = int(form.get("interval_months", ""))
        except ValueError:
            raise Invalid(_("Give the first date and the interval in months."),
                          {"first_due": [_("Give the first date and the interval in months.")]})
        service.create(current_user, customer_id=customer.id, kind=form.get("kind", ""),
                       interval_months=months, first_due=first, note=form.get("note"),
                       asset_id=asset_id)
        flash(_("Plan saved."), "success")
    except ServiceError as refused:
        db.session.rollback()
        flash(in_words(refused), "error")
    if form.get("customer_id") and customer is not None:
        return redirect(url_for("console.customer_page", customer_id=customer.id), code=303)
    return redirect(url_for("plans_console.index"), code=303)


@bp.route("/<uuid:plan_id>/cancel", methods=["POST"])
@console_roles(*OFFICE)
def cancel(plan_id):
    """Stop a plan from the customer's page (a reason is required); back to that page."""
    plan = service.get(plan_id)
    try:
        service.cancel(current_user, plan, request.form.get("reason", ""))
        flash(_("Plan stopped: nothing more is made from it."), "success")
    except ServiceError as refused:
        db.session.rollback()
        flash(refused.message, "error")
    return redirect(url_for("console.customer_page", customer_id=plan.customer_id), code=303)

