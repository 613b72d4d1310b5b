"""The signed-in user's notifications: SLA escalations addressed to them."""

from __future__ import annotations

import uuid

from flask import g, redirect, render_template, request, url_for

from ..accounts.auth import console_roles
from ..notifications import service as notifications
from ..qc import service as qc
from .blueprint import OFFICE, bp


@bp.route("/notifications")
@console_roles(*OFFICE)
def notification_list():
    unread_only = request.args.get("show") != "all"
    items = notifications.list_for(g.actor, unread_only)
    return render_template("console/notifications.html", unread_only=unread_only,
                           items=items, actions=qc.actions_noticed(items),
                           today=qc.local_today())


@bp.route("/notifications/badge")
@console_roles(*OFFICE)
def notification_badge():
    """The top bar's count, polled so an escalation shows up without a reload."""
    return render_template("console/_badge.html", count=notifications.unread_count(g.actor))


@bp.route("/notifications/<uuid:notification_id>/read", methods=["POST"])
@console_roles(*OFFICE)
def notification_read(notification_id: uuid.UUID):
    item = notifications.mark_read(g.actor, notification_id)
    if request.form.get("open") and item.work_order_id:
        return redirect(url_for("console.order_detail", order_id=item.work_order_id))
    return redirect(url_for("console.notification_list"))


@bp.route("/notifications/read-all", methods=["POST"])
@console_roles(*OFFICE)
def notification_read_all():
    notifications.mark_all_read(g.actor)
    return redirect(url_for("console.notification_list"))
