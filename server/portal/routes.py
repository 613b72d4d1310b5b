"""The customer's page, ``/c/<token>``: mobile first, English or Chinese, no account.

A wrong, tampered, expired or revoked token gets the same plain page (404 or 410) and
counts against a rate limit per address (``CUSTOMER_PAGE_RATE_LIMIT``); good tokens do not.
Forms post back and redirect (so a reload never submits twice); bad input re-renders the
page with the field's message and a 4xx, and stores nothing.
"""

from __future__ import annotations

from flask import (Blueprint, abort, current_app, redirect, render_template, request,
                   send_file, session, url_for)
from flask_babel import force_locale

from ..errors import Invalid
from ..workorders.charges import order_charges
from ..workorders.discounts import REASONS as DISCOUNT_REASONS
from ..extensions import limiter
from . import links, service
from ..settings.service import get as setting

bp = Blueprint("portal", __name__)
DONE = ("confirmed", "asked", "rated", "complained")


def _limit() -> str:
    return current_app.config["CUSTOMER_PAGE_RATE_LIMIT"]


# Only failed look-ups count: a customer reloading their own page is never limited.
limited = limiter.shared_limit(_limit, scope="customer-page",
                               deduct_when=lambda response: response.status_code in (404, 410))


def _language(customer_language: str | None = None) -> str:
    languages = current_app.config["LANGUAGES"]
    wanted = request.args.get("lang")
    if wanted in languages:
        session["portal_lang"] = wanted
        return wanted
    if session.get("portal_lang") in languages:
        return session["portal_lang"]
    if customer_language in languages:
        return customer_language
    return request.accept_languages.best_match(list(languages)) or "en"


def _no_store(response):
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _gone(status: int):
    lang = _language()
    with force_locale(lang):
        body = render_template("portal/gone.html", lang=lang,
                               company=setting("DOORSTEP_COMPANY_NAME"),
                               phone=setting("DOORSTEP_COMPANY_PHONE"))
    return _no_store(current_app.make_response((body, status)))


@bp.errorhandler(links.LinkInvalid)
@bp.errorhandler(links.LinkGone)
def _bad_link(problem):
    return _gone(problem.status)


@bp.errorhandler(429)
def _too_many(problem):
    return _gone(429)


def render_page(token: str, order, status: int = 200, errors: dict | None = None, values=None):
    lang = _language(order.customer.language)
    with force_locale(lang):  # lazy messages become words in the page's language
        errors = {field: [str(m) for m in messages] for field, messages in (errors or {}).items()}
        body = render_template(
            "portal/page.html", token=token, p=service.page(order), lang=lang,
            charges=_charges(order), discount_reasons=DISCOUNT_REASONS,
            errors=errors, values=values or {},
            done=request.args.get("done") if request.args.get("done") in DONE else None,
            has_logo=bool(setting("COMPANY_LOGO")),
            company=setting("DOORSTEP_COMPANY_NAME"),
            phone=setting("DOORSTEP_COMPANY_PHONE"))
    return _no_store(current_app.make_response((body, status)))


def _charges(order):
    """What the customer pays, once the work is done (the same function as the signed
    report: a discount and a rework show here as they do on the PDF)."""
    if order.status not in ("completed", "signed", "closed"):
        return None
    return order_charges(order)


@bp.route("/company/logo")
def company_logo():
    """The logo an admin uploaded (the customer's page and the settings page show it);
    404 when there is none. Named by its hash in the ETag; public like the company name."""
    from ..settings.service import LOGO_KEY, logo

    found = logo()
    if found is None:
        abort(404)
    data, mime_type = found
    response = current_app.make_response(data)
    response.headers["Content-Type"] = mime_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.set_etag(setting(LOGO_KEY)["sha256"])
    return response.make_conditional(request)


@bp.route("/c/<token>")
@limited
def page(token: str):
    order, _ = links.resolve(token)
    return render_page(token, order)


def _act(token: str, action, done: str):
    order, _ = links.resolve(token)
    try:
        action(order)
    except Invalid as bad:
        return render_page(token, order, 422, errors=bad.errors, values=request.form)
    return redirect(url_for("portal.page", token=token, done=done) + "#done", code=303)


@bp.route("/c/<token>/confirm", methods=["POST"])
@limited
def confirm(token: str):
    return _act(token, service.confirm_window, "confirmed")


@bp.route("/c/<token>/window", methods=["POST"])
@limited
def new_window(token: str):
    return _act(token, lambda order: service.ask_new_window(order, request.form.get("note")),
                "asked")


@bp.route("/c/<token>/rate", methods=["POST"])
@limited
def rate(token: str):
    return _act(token, lambda order: service.rate(order, request.form.get("rating"),
                                                  request.form.get("comment")), "rated")


@bp.route("/c/<token>/complaint", methods=["POST"])
@limited
def complaint(token: str):
    return _act(token, lambda order: service.complain(order, request.form.get("description")),
                "complained")


@bp.route("/c/<token>/quote.pdf")
@limited
def quote(token: str):
    """The quote the customer approved or declined on site (server/billing)."""
    from ..billing.console import pdf_response

    order, _ = links.resolve(token)
    return _no_store(pdf_response(order))


@bp.route("/c/<token>/report.pdf")
@limited
def report(token: str):
    from ..reports.service import open_pdf

    order, _ = links.resolve(token)
    found = service.page(order).report
    if found is None:
        abort(404)
    response = send_file(open_pdf(found), mimetype="application/pdf",
                         download_name=f"{found.number}.pdf", as_attachment=False,
                         etag=found.pdf_sha256, max_age=0)
    return _no_store(response)
