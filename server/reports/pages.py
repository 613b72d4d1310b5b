"""Public pages, no account needed: the verification page and the customer's download link.

Anyone may upload a PDF to /verify and learn whether it is an unaltered report of ours and
for which order. /r/<token> serves one report's PDF to whoever holds the signed, expiring
link we gave the customer; a browser opening it is taken to the customer's page for the
order (server/portal), which offers the same PDF with everything else about the visit.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, redirect, render_template, request
from flask_babel import get_locale

from ..extensions import csrf
from ..media.storage import download as blob_download
from . import service
from ..settings.service import get as setting

bp = Blueprint("reports_public", __name__)

# order id → the customer's page of that order, or None (registered by server/portal,
# which builds on reports: this module must not import it).
customer_page_url: Callable | None = None


@bp.route("/verify", methods=["GET", "POST"])
@csrf.exempt  # checking a file changes nothing, so there is nothing to forge
def verify():
    """The verification page; a POSTed ``file`` is checked and the verdict shown."""
    if request.method == "GET":
        return _page()
    upload = request.files.get("file")
    limit = current_app.config["REPORT_VERIFY_MAX_BYTES"]
    data = upload.read(limit + 1) if upload else b""
    if not data:
        return _page(problem="no_file"), 400
    if len(data) > limit:
        return _page(problem="too_large", limit_mb=limit // (1024 * 1024)), 413
    result = service.verify_document(data)
    return _page(result=result, filename=upload.filename)


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


def _page(**context):
    response = current_app.make_response(render_template(
        "verify.html", company=setting("DOORSTEP_COMPANY_NAME"), lang=_language(),
        **context))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/r/<token>")
def download(token: str):
    """The customer's PDF; an expired or wrong link gets a page saying so."""
    try:
        report = service.report_for_link(token)
    except (service.LinkExpired, service.LinkInvalid) as problem:
        return render_template("reports/link.html", problem=problem.code, lang=_language(),
                               company=setting("DOORSTEP_COMPANY_NAME"),
                               phone=setting("DOORSTEP_COMPANY_PHONE")), \
            problem.status
    if customer_page_url is not None and request.accept_mimetypes.accept_html \
            and request.args.get("pdf") is None:
        page = customer_page_url(report.work_order_id)
        if page:
            return redirect(page, code=303)
    response = blob_download(service.pdf_key(report), mimetype="application/pdf",
                             download_name=f"{report.number}.pdf", as_attachment=False,
                             etag=report.pdf_sha256, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
