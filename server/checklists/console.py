"""Checklist templates in the console: the office lists them and edits one on a page with a
row per item (kind, labels in English and Chinese, required, unit and limits, order)."""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from ..accounts.auth import console_roles
from ..assets.models import ProductCategory
from ..errors import Invalid
from ..extensions import db
from ..workorders.models import OrderType
from . import service
from .models import ItemKind
from .schemas import TemplateIn

bp = Blueprint("checklists_console", __name__, url_prefix="/checklists",
               template_folder="templates")
OFFICE = ("admin", "dispatcher")
EMPTY_ROWS = 3


def _number(value: str | None):
    value = (value or "").strip()
    return value or None


ROW_FIELD = re.compile(r"items-(\d{1,4})-\w+")


def _form_data(form) -> dict:
    # The rows the browser posted, by their field names: the hidden "rows" counter is the
    # client's word and a bad one ("abc", a NUL, 10**20) must not fail or loop the request.
    indexes = sorted({int(m.group(1)) for name in form if (m := ROW_FIELD.fullmatch(name))})
    rows = []
    for index in indexes:
        get = lambda name: (form.get(f"items-{index}-{name}") or "").strip()  # noqa: E731
        if not (get("key") or get("label_en") or get("label_zh")) or get("remove"):
            continue
        row = {"key": get("key"), "kind": get("kind"), "label_en": get("label_en"),
               "label_zh": get("label_zh"), "required": bool(get("required")),
               "unit": get("unit") or None, "min": _number(get("min")),
               "max": _number(get("max")), "position": get("position") or str(index + 1)}
        rows.append(row)
    ranked = sorted(enumerate(rows), key=lambda pair: (_position(pair[1]["position"]), pair[0]))
    rows = [{k: v for k, v in row.items() if k != "position"} for _i, row in ranked]
    return {"name_en": form.get("name_en", ""), "name_zh": form.get("name_zh", ""),
            "job_types": form.getlist("job_types"), "category": form.get("category") or None,
            "models": [m.strip() for m in (form.get("models") or "").replace("，", ",")
                       .split(",") if m.strip()],
            "blocks_completion": bool(form.get("blocks_completion")),
            "active": bool(form.get("active")), "items": rows}


def _position(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 1e9


def _editor(template, data, errors, status=200):
    items = list(data.get("items") or []) + [{} for _ in range(EMPTY_ROWS)]
    return render_template("checklists/edit.html", template=template, data=data, items=items,
                           errors=errors, categories=list(ProductCategory),
                           job_types=list(OrderType), kinds=list(ItemKind)), status


def _save(template, data):
    try:
        loaded = TemplateIn().load(data)
        if template is None:
            return service.create_template(g.actor, loaded), None
        return service.update_template(g.actor, template, loaded), None
    except (ValidationError, Invalid) as refused:
        db.session.rollback()
        return None, refused.messages if isinstance(refused, ValidationError) else refused.errors


@bp.route("/")
@console_roles(*OFFICE)
def template_list():
    return render_template("checklists/list.html", templates=service.list_templates())


@bp.route("/new", methods=["GET", "POST"])
@console_roles(*OFFICE)
def template_new():
    if request.method == "GET":
        return _editor(None, {"blocks_completion": True, "active": True, "items": []}, {})
    data = _form_data(request.form)
    saved, errors = _save(None, data)
    if errors:
        return _editor(None, data, errors, 422)
    flash(_("Checklist saved."), "success")
    return redirect(url_for("checklists_console.template_page", template_id=saved.id))


@bp.route("/<uuid:template_id>")
@console_roles(*OFFICE)
def template_page(template_id: uuid.UUID):
    return render_template("checklists/template.html",
                           template=service.get_template(template_id))


@bp.route("/<uuid:template_id>/edit", methods=["GET", "POST"])
@console_roles(*OFFICE)
def template_edit(template_id: uuid.UUID):
    template = service.get_template(template_id)
    if request.method == "GET":
        data = {key: getattr(template, key) for key in service.FIELDS}
        return _editor(template, {**data, "active": template.active}, {})
    data = _form_data(request.form)
    saved, errors = _save(template, data)
    if errors:
        return _editor(template, data, errors, 422)
    flash(_("Checklist saved."), "success")
    return redirect(url_for("checklists_console.template_page", template_id=saved.id))


@bp.app_context_processor
def _checklist_record():
    """``checklist_record(order, language)`` for the order page's visit record."""
    return {"checklist_record": service.record_for}
