"""Customer pages: find a customer, and their archive — contact, addresses, preferences,
appliances with warranty, every visit with its report and rating, complaints."""

from __future__ import annotations

import uuid

from flask import render_template, request

from ..accounts.auth import console_roles
from ..customers import service as customers
from ..database import utcnow
from .blueprint import OFFICE, bp


@bp.route("/customers")
@console_roles(*OFFICE)
def customer_list():
    q = (request.args.get("q") or "").strip()[:100]
    try:
        page = max(1, int(request.args.get("page", 1)))
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
        customer, utcnow().date()), now=utcnow())
