"""The knowledge base in the console: the office writes articles (Markdown, English or
Chinese), matches them to categories, models and symptom codes, and reads every version."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from ..accounts.auth import console_roles
from ..assets.models import ProductCategory
from ..errors import Invalid
from ..extensions import db
from ..intake import symptoms
from . import service
from .schemas import ArticleIn

bp = Blueprint("knowledge_console", __name__, url_prefix="/knowledge",
               template_folder="templates")
OFFICE = ("admin", "dispatcher")


def _split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").replace("，", ",").split(",") if item.strip()]


def _form_data(form) -> dict:
    return {"title": form.get("title", ""), "body": form.get("body", ""),
            "language": form.get("language", ""), "category": form.get("category", ""),
            "models": _split(form.get("models")), "symptoms": form.getlist("symptoms"),
            "tags": _split(form.get("tags"))}


def _editor(article, data, errors, status=200):
    return render_template("knowledge/edit.html", article=article, data=data, errors=errors,
                           categories=list(ProductCategory), symptom_choices=symptoms.active(),
                           preview=service.render(data.get("body", ""))), status


@bp.route("/")
@console_roles(*OFFICE)
def article_list():
    model = (request.args.get("model") or "").strip() or None
    symptom = request.args.get("symptom") or None
    articles = service.list_articles(model, symptom, None, (request.args.get("q") or "").strip()
                                     or None)
    return render_template("knowledge/list.html", articles=articles, model=model or "",
                           symptom=symptom or "", q=request.args.get("q", ""),
                           symptom_choices=symptoms.active())


@bp.route("/new", methods=["GET", "POST"])
@console_roles(*OFFICE)
def article_new():
    if request.method == "GET":
        return _editor(None, {"language": g.get("lang") or "en", "models": [], "symptoms": [],
                              "tags": []}, {})
    data = _form_data(request.form)
    try:
        article = service.create_article(g.actor, ArticleIn().load(data))
    except (ValidationError, Invalid) as refused:
        db.session.rollback()
        errors = refused.messages if isinstance(refused, ValidationError) else refused.errors
        return _editor(None, data, errors, 422)
    flash(_("Article saved."), "success")
    return redirect(url_for("knowledge_console.article_page", article_id=article.id))


@bp.route("/<uuid:article_id>")
@console_roles(*OFFICE)
def article_page(article_id: uuid.UUID):
    article = service.get_article(article_id)
    return render_template("knowledge/article.html", article=article,
                           html=service.render(article.body), label=_symptom_label)


@bp.route("/<uuid:article_id>/edit", methods=["GET", "POST"])
@console_roles(*OFFICE)
def article_edit(article_id: uuid.UUID):
    article = service.get_article(article_id)
    if request.method == "GET":
        return _editor(article, {key: getattr(article, key) for key in service.FIELDS}, {})
    data = _form_data(request.form)
    try:
        service.update_article(g.actor, article, ArticleIn().load(data))
    except (ValidationError, Invalid) as refused:
        db.session.rollback()
        errors = refused.messages if isinstance(refused, ValidationError) else refused.errors
        return _editor(article, data, errors, 422)
    flash(_("Article saved."), "success")
    return redirect(url_for("knowledge_console.article_page", article_id=article.id))


def _symptom_label(code: str) -> str:
    symptom = symptoms.get(code)
    return str(symptom.label) if symptom else code
