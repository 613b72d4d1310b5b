"""The customer's "Return or exchange" on their page, ``/c/<token>``: the request for the
order's appliance, with the proof-of-purchase photo. Bad input re-renders the page with
the field's message and a 4xx, and stores nothing (like the page's other forms)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for

from ..errors import ServiceError
from ..extensions import db
from ..portal import links
from ..portal.routes import limited, render_page
from . import service

bp = Blueprint("returns_portal", __name__)


@bp.route("/c/<token>/return", methods=["POST"])
@limited
def ask(token: str):
    order, _ = links.resolve(token)
    if order.asset_id is None:
        abort(404)
    form = request.form
    upload = request.files.get("proof")
    try:
        service.create(None, asset_id=order.asset_id, reason=form.get("reason"),
                       wish=form.get("wish"), purchase_date=form.get("purchase_date"),
                       description=form.get("description"),
                       proof=upload.stream if upload and upload.filename else None,
                       channel="portal", work_order_id=order.id)
    except ServiceError as refused:
        db.session.rollback()
        errors = {f"return_{field}": messages
                  for field, messages in (refused.errors or {}).items()}
        if not errors:
            errors = {"return_asset_id": [refused.message]}
        return render_page(token, order, refused.status, errors=errors, values=form)
    return redirect(url_for("portal.page", token=token) + "#return", code=303)
