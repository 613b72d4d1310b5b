"""Sync issues for the dispatcher: conflicts that changed someone's data and changes from
phones that could never apply, each linked to its order with a way to resolve it."""

from __future__ import annotations

import uuid

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.auth import console_roles
from ..dispatch import issues
from .blueprint import OFFICE, bp
from .forms import ResolveForm

KINDS = ("conflicts", "rejections")


@bp.route("/sync/<any(conflicts, rejections):kind>")
@console_roles(*OFFICE)
def sync_issues(kind: str):
    show_all = request.args.get("show") == "all"
    order_id = None
    if request.args.get("order"):
        try:
            order_id = uuid.UUID(request.args["order"])
        except ValueError:
            order_id = None
    return render_template("console/sync_issues.html", kind=kind, show_all=show_all,
                           items=issues.issues(kind, not show_all, order_id),
                           counts=issues.open_issue_counts(), form=ResolveForm())


@bp.route("/sync/<any(conflicts, rejections):kind>/<uuid:item_id>/resolve", methods=["POST"])
@console_roles(*OFFICE)
def sync_resolve(kind: str, item_id: uuid.UUID):
    form = ResolveForm()
    if not form.validate():
        flash(" ".join(form.note.errors), "error")
        return redirect(url_for("console.sync_issues", kind=kind))
    if kind == "conflicts":
        issues.resolve_conflict(g.actor, item_id, form.note.data or None,
                                restore=request.form.get("restore") == "1")
    else:
        issues.resolve_rejection(g.actor, item_id, form.note.data or None)
    flash(_("Marked as resolved."), "success")
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/")
                    and not request.form["back"].startswith("//")
                    else url_for("console.sync_issues", kind=kind))
