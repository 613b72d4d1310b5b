"""The dispatcher console: server-rendered pages for office staff.

Pages call the same services as the API; forms are CSRF-protected; sign-in uses a
session cookie.
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from marshmallow import ValidationError
from sqlalchemy import select

from ..accounts import service as accounts
from ..accounts.auth import console_roles
from ..assets.service import warranty_status
from ..audit import service as audit
from ..extensions import db
from ..technicians.models import Technician
from ..workorders import lifecycle, service
from ..workorders.schemas import WorkOrderQuery
from .forms import LoginForm

bp = Blueprint("console", __name__, template_folder="../templates")
OFFICE = ("admin", "dispatcher")


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never redirect a fresh login to another site."""
    # Browsers read "/\\host" as "//host" and drop tabs and newlines, so refuse them too.
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target and target.isprintable() and not urlsplit(target).netloc:
        return target
    return url_for("console.orders")


@bp.route("/")
def index():
    return redirect(url_for("console.orders"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong e-mail or password."))
        elif user.role not in OFFICE:
            form.email.errors.append(_("The console is for office staff; "
                                       "technicians use the app."))
        else:
            login_user(user)
            audit.record("console.sign_in", user, user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("console/login.html", form=form), 200 if not form.errors else 422


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("console.login"))


@bp.route("/orders")
@console_roles(*OFFICE)
def orders():
    raw = request.args.to_dict(flat=True)
    raw.pop("lang", None)
    raw = {k: v for k, v in raw.items() if v != ""}
    if "status" in raw:
        raw["status"] = request.args.getlist("status")
    try:
        args = WorkOrderQuery().load(raw)
        errors = {}
    except ValidationError as invalid:
        args, errors = WorkOrderQuery().load({}), invalid.messages
    page, per_page = args.pop("page"), args.pop("per_page")
    items, total = service.list_orders(g.actor, service.OrderFilters(**args), page, per_page)
    technicians = db.session.scalars(
        select(Technician).join(Technician.user).order_by(Technician.region)).all()
    return render_template(
        "console/orders.html", orders=items, total=total, page=page, per_page=per_page,
        filters=raw, errors=errors, technicians=technicians, statuses=list(lifecycle.Status),
    )


@bp.route("/orders/<uuid:order_id>")
@console_roles(*OFFICE)
def order_detail(order_id: uuid.UUID):
    order = service.get_order(g.actor, order_id)
    return render_template(
        "console/order.html", order=order, events=service.history(order),
        warranty=warranty_status(order.asset),
        previous=service.previous_visits(order),
    )


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    # A ?lang= left in the page's address would win over the choice just made.
    parts = urlsplit(_safe_next(request.form.get("next")))
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if k != "lang"])
    return redirect(urlunsplit(("", "", parts.path, query, "")))


@bp.app_context_processor
def _template_helpers():
    from flask_babel import get_locale

    return {"languages": current_app.config["LANGUAGES"], "current_locale": str(get_locale())}



@bp.app_template_filter("money")
def money(cents: int | None, currency: str = "CNY") -> str:
    """Minor units to a localised amount, e.g. 12345 → ¥123.45 / CN¥123.45."""
    from flask_babel import format_currency

    return "" if cents is None else format_currency(cents / 100, currency)


@bp.app_template_filter("when")
def when(value, style: str = "medium") -> str:
    """A UTC datetime shown in the company's time zone and the reader's language."""
    from flask_babel import format_datetime

    return "" if value is None else format_datetime(value, style)


@bp.app_template_filter("day")
def day(value, style: str = "medium") -> str:
    from flask_babel import format_date

    return "" if value is None else format_date(value, style)
