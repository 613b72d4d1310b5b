"""The admin pages under ``/admin``: refused to every role but admin. Routes are thin: each
reads the form, calls the service, and comes back to the page with a message (or the
page again with the refused field marked, status 422)."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.auth import console_roles
from ..accounts.models import Role, User
from ..assets.models import ProductCategory
from ..errors import ServiceError
from ..extensions import db
from ..technicians.models import Technician
from ..settings import service as settings
from . import service
from . import settings_view

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _page(status: int = 200, errors: dict | None = None, form: dict | None = None,
          target: str | None = None):
    users = db.session.scalars(select(User).order_by(User.role, User.name)).all()
    technicians = {t.user_id: t for t in db.session.scalars(
        select(Technician).options(selectinload(Technician.user)))}
    return render_template("admin/index.html", users=users, technicians=technicians,
                           parts=service.parts(), categories=list(ProductCategory),
                           roles=list(Role), skills=service.SKILLS, errors=errors or {},
                           form=form or {}, target=target), status


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return float("nan")


def _done(message: str):
    flash(message, "success")
    return redirect(url_for("admin.index"))


@bp.route("")
@console_roles("admin")
def index():
    return _page()


@bp.route("/users", methods=["POST"])
@console_roles("admin")
def user_add():
    f = request.form
    try:
        user = service.add_user(g.actor, f.get("email", ""), f.get("name", ""),
                                f.get("role", ""), f.get("password", ""), f.get("locale"),
                                f.get("region"))
    except ServiceError as refused:
        return _page(refused.status, refused.errors, dict(f), "new")
    return _done(_("Account %(email)s created.", email=user.email))


@bp.route("/users/<uuid:user_id>/active", methods=["POST"])
@console_roles("admin")
def user_active(user_id: uuid.UUID):
    try:
        user = service.set_active(g.actor, user_id, request.form.get("active") == "1")
    except ServiceError as refused:
        return _page(refused.status, refused.errors, target=str(user_id))
    return _done(_("%(name)s can sign in again.", name=user.name) if user.active
                 else _("%(name)s can no longer sign in.", name=user.name))


@bp.route("/users/<uuid:user_id>/password", methods=["POST"])
@console_roles("admin")
def user_password(user_id: uuid.UUID):
    try:
        user = service.reset_password(g.actor, user_id, request.form.get("password", ""))
    except ServiceError as refused:
        return _page(refused.status, refused.errors, target=str(user_id))
    return _done(_("New password set for %(name)s.", name=user.name))


@bp.route("/users/<uuid:user_id>/supervisor", methods=["POST"])
@console_roles("admin")
def user_supervisor(user_id: uuid.UUID):
    try:
        user = service.set_supervisor(g.actor, user_id,
                                      _uuid(request.form.get("supervisor_id")))
    except ServiceError as refused:
        return _page(refused.status, refused.errors, target=str(user_id))
    return _done(_("Supervisor of %(name)s saved.", name=user.name))


@bp.route("/technicians/<uuid:technician_id>", methods=["POST"])
@console_roles("admin")
def technician_edit(technician_id: uuid.UUID):
    f = request.form
    try:
        tech = service.update_technician(
            g.actor, technician_id, f.getlist("skills"), f.get("region", ""),
            f.get("home_base"), _float(f.get("latitude")), _float(f.get("longitude")))
    except ServiceError as refused:
        return _page(refused.status, refused.errors, target=str(technician_id))
    return _done(_("%(name)s's skills and region saved.", name=tech.user.name))


@bp.route("/audit")
@console_roles("admin")
def audit():
    events = service.audit_log()
    people = {u.id: u for u in db.session.scalars(select(User))}
    return render_template("admin/audit.html", events=events, people=people)


@bp.route("/parts", methods=["POST"])
@console_roles("admin")
def part_add():
    try:
        part = service.add_part(g.actor, request.form.to_dict())
    except ServiceError as refused:
        return _page(refused.status, refused.errors, request.form.to_dict(), "new-part")
    return _done(_("%(sku)s added to the catalogue.", sku=part.sku))


@bp.route("/parts/<uuid:part_id>", methods=["POST"])
@console_roles("admin")
def part_edit(part_id: uuid.UUID):
    f = request.form
    try:
        part = service.update_part(g.actor, part_id, f.get("name_en", ""), f.get("name_zh", ""),
                                   f.get("price", ""), f.get("active") == "1")
    except ServiceError as refused:
        return _page(refused.status, refused.errors, target=str(part_id))
    return _done(_("%(sku)s saved.", sku=part.sku))


# --- company settings, SLA policy and calendars, symptom catalogue ----------------------

def _form() -> dict:
    """The posted form as a dict of strings (``work_days``: the list of ticked days)."""
    values = request.form.to_dict()
    values["work_days"] = request.form.getlist("work_days")
    return values


def _saved(message: str, endpoint: str):
    flash(message, "success")
    return redirect(url_for(endpoint))


@bp.route("/settings")
@console_roles("admin")
def settings_page(status: int = 200, errors: dict | None = None, form: dict | None = None):
    return render_template("admin/settings.html", **settings_view.company_view(form),
                           errors=errors or {}), status


@bp.route("/settings", methods=["POST"])
@console_roles("admin")
def settings_save():
    form = _form()
    try:
        settings.save_company(g.actor, form)
    except ServiceError as refused:
        return settings_page(refused.status, refused.errors, form)
    return _saved(_("Company settings saved."), "admin.settings_page")


@bp.route("/settings/logo", methods=["POST"])
@console_roles("admin")
def settings_logo():
    """Upload the company logo (or remove it: ``remove``)."""
    try:
        if request.form.get("remove"):
            settings.remove_logo(g.actor)
            return _saved(_("Logo removed."), "admin.settings_page")
        upload = request.files.get("logo")
        settings.save_logo(g.actor, upload.stream if upload and upload.filename else None,
                           upload.content_length if upload else None)
    except ServiceError as refused:
        return settings_page(refused.status, refused.errors, None)
    return _saved(_("Logo saved."), "admin.settings_page")


@bp.route("/sla")
@console_roles("admin")
def sla_page(status: int = 200, errors: dict | None = None, form: dict | None = None,
             target: str | None = None):
    return render_template("admin/sla.html", **settings_view.sla_view(form, target),
                           errors=errors or {}, target=target), status


@bp.route("/sla", methods=["POST"])
@console_roles("admin")
def sla_save():
    form = _form()
    try:
        settings.save_sla(g.actor, form)
    except ServiceError as refused:
        return sla_page(refused.status, refused.errors, form, "policy")
    return _saved(_("SLA policy saved."), "admin.sla_page")


@bp.route("/sla/regions", methods=["POST"])
@console_roles("admin")
def region_save():
    form = _form()
    try:
        settings.save_region_calendar(g.actor, form)
    except ServiceError as refused:
        return sla_page(refused.status, refused.errors, form, "region")
    return _saved(_("Calendar of %(region)s saved.", region=form.get("region", "").strip()),
                  "admin.sla_page")


@bp.route("/sla/regions/<region>/remove", methods=["POST"])
@console_roles("admin")
def region_remove(region: str):
    settings.remove_region_calendar(g.actor, region)
    return _saved(_("The region now follows the company's calendar."), "admin.sla_page")


@bp.route("/symptoms")
@console_roles("admin")
def symptoms_page(status: int = 200, errors: dict | None = None, form: dict | None = None,
                  target: str | None = None):
    return render_template("admin/symptoms.html", **settings_view.symptoms_view(form, target),
                           errors=errors or {}, target=target), status


@bp.route("/symptoms", methods=["POST"])
@console_roles("admin")
def symptom_add():
    form = _form()
    try:
        code = settings.save_symptom(g.actor, form)
    except ServiceError as refused:
        return symptoms_page(refused.status, refused.errors, form, "new")
    return _saved(_("Symptom %(code)s added.", code=code), "admin.symptoms_page")


@bp.route("/symptoms/<code>/questions")
@console_roles("admin")
def questions_page(code: str, status: int = 200, errors: dict | None = None,
                   form: dict | None = None):
    view = settings_view.questions_view(code, form)
    if view is None:
        abort(404)
    return render_template("admin/questions.html", **view, errors=errors or {}), status


@bp.route("/symptoms/<code>/questions", methods=["POST"])
@console_roles("admin")
def questions_save(code: str):
    form = _form()
    try:
        settings.save_questions(g.actor, code, form)
    except ServiceError as refused:
        return questions_page(code, refused.status, refused.errors, form)
    flash(_("Questions of %(code)s saved.", code=code), "success")
    return redirect(url_for("admin.questions_page", code=code))


@bp.route("/symptoms/<code>", methods=["POST"])
@console_roles("admin")
def symptom_edit(code: str):
    form = _form()
    try:
        settings.save_symptom(g.actor, form, code)
    except ServiceError as refused:
        return symptoms_page(refused.status, refused.errors, form, code)
    return _saved(_("Symptom %(code)s saved.", code=code), "admin.symptoms_page")


@bp.route("/batches")
@console_roles("admin")
def batches_page(status: int = 200, errors: dict | None = None, form: dict | None = None):
    return render_template("admin/batches.html", rules=settings_view.batch_rules_view(),
                           errors=errors or {}, f=form or {}), status


@bp.route("/batches", methods=["POST"])
@console_roles("admin")
def batch_rule_save():
    form = request.form.to_dict()
    try:
        model = settings.save_batch_rule(g.actor, form)
    except ServiceError as refused:
        return batches_page(refused.status, refused.errors, form)
    return _saved(_("Serial rule of %(model)s saved.", model=model), "admin.batches_page")


@bp.route("/batches/remove", methods=["POST"])
@console_roles("admin")
def batch_rule_remove():
    settings.remove_batch_rule(g.actor, request.form.get("model", ""))
    return _saved(_("Serial rule removed: that model's batch is known only where recorded."),
                  "admin.batches_page")
