"""Customer pages: find a customer, and their archive — contact, addresses, preferences,
appliances with warranty, every visit with its report and rating, complaints."""

from __future__ import annotations

import uuid

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.auth import console_roles
from ..customers import service as customers
from ..database import utcnow
from ..errors import ServiceError
from ..schemas import MAX_PAGE
from .blueprint import OFFICE, bp


@bp.route("/customers")
@console_roles(*OFFICE)
def customer_list():
    q = (request.args.get("q") or "").strip()[:100]
    try:
        page = min(max(1, int(request.args.get("page", 1))), MAX_PAGE)
    except ValueError:
        page = 1
    found, total = customers.search_customers(q or None, page, 50)
    return render_template("console/customers.html", found=found, total=total, q=q, page=page,
                           per_page=50)


@bp.route("/customers/<uuid:customer_id>")
@console_roles(*OFFICE)
def customer_page(customer_id: uuid.UUID):
    customer = customers.get_customer(customer_id)
    return render_template("console/customer.html", archive=customers.archive(
        customer, utcnow().date()), now=utcnow(), duplicates=_duplicates_of(customer),
        plans=_plans_of(customer))


def _duplicates_of(customer) -> list:
    first = next((a for a in customer.addresses if a.deleted_at is None), None)
    return [d for d in customers.likely_duplicates(
        customer.name, customer.phone, first.line1 if first else None,
        first.country if first else None) if d.id != customer.id]


@bp.route("/customers/<uuid:customer_id>/merge", methods=["POST"])
@console_roles(*OFFICE)
def customer_merge(customer_id: uuid.UUID):
    """Fold the duplicate named in the form into this customer (see customers.merge)."""
    keep = customers.get_customer(customer_id)
    try:
        duplicate = customers.get_customer(uuid.UUID(request.form.get("duplicate_id", "")))
    except ValueError:
        abort(400, _("Choose the duplicate to merge."))
    try:
        customers.merge(g.actor, keep, duplicate)
    except ServiceError as refused:
        flash(refused.message, "error")
        return redirect(url_for("console.customer_page", customer_id=keep.id))
    flash(_("%(duplicate)s merged into %(name)s: their orders, appliances and complaints are "
            "here now.", duplicate=duplicate.name, name=keep.name), "success")
    return redirect(url_for("console.customer_page", customer_id=keep.id))


@bp.route("/customers/<uuid:customer_id>/addresses/<uuid:address_id>/point", methods=["POST"])
@console_roles(*OFFICE)
def address_point(customer_id: uuid.UUID, address_id: uuid.UUID):
    """Correct an address's map point; a refused value comes back as a message naming the
    field, and nothing is changed."""
    customer = customers.get_customer(customer_id)
    try:
        customers.correct_point(g.actor, customer, address_id, request.form.get("latitude"),
                                request.form.get("longitude"))
    except ServiceError as refused:
        return render_template("console/customer.html", archive=customers.archive(
            customer, utcnow().date()), now=utcnow(), duplicates=_duplicates_of(customer),
        plans=_plans_of(customer),
            point_errors={str(address_id): refused.errors or {}}), refused.status
    flash(_("Map point saved: suggestions measure distances from it now."), "success")
    return redirect(url_for("console.customer_page", customer_id=customer.id))


def _plans_of(customer) -> list:
    """The customer's plans (running first, soonest due first), with each appliance."""
    from ..plans import service as plans

    return sorted(plans.find(customer_id=customer.id), key=lambda plan: not plan.active)
