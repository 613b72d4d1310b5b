"""The knowledge base in the console: the office writes articles (Markdown, English or
Chinese), matches them to categories, models and symptom codes, and reads every version."""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, gettext as _
from marshmallow import ValidationError

from ..accounts.auth import console_roles
from ..assets.models import ProductCategory
from ..errors import Conflict, Invalid, ServiceError
from ..extensions import db
from ..intake import symptoms
from . import images, service
from .schemas import ArticleIn

bp = Blueprint("knowledge_console", __name__, url_prefix="/knowledge",
               template_folder="templates")
OFFICE = ("admin", "dispatcher")


def _split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").replace("，", ",").split(",") if item.strip()]


def _other(code: str) -> str:
    return "zh" if code == "en" else "en"


def _form_data(form, original: str) -> dict:
    """The editor has an English and a Chinese part; the article's own language is
    ``original`` when that part is filled in, else the part that is."""
    parts = {code: (form.get(f"title_{code}", "").strip(), form.get(f"body_{code}", "").strip())
             for code in service.LANGUAGES}
    if not any(parts[original]) and any(parts[_other(original)]):
        original = _other(original)
    other = _other(original)
    return {"title": parts[original][0], "body": parts[original][1], "language": original,
            "translation_title": parts[other][0] or None,
            "translation_body": parts[other][1] or None,
            "category": form.get("category", ""), "models": _split(form.get("models")),
            "symptoms": form.getlist("symptoms"), "tags": _split(form.get("tags"))}


def _by_language(data: dict) -> dict:
    """Title and body per language code, for the editor's two parts."""
    original = data.get("language") or "en"
    return {original: (data.get("title") or "", data.get("body") or ""),
            _other(original): (data.get("translation_title") or "",
                               data.get("translation_body") or "")}


def _errors_by_language(errors: dict, data: dict) -> dict:
    """Name the editor's fields: ``title`` → ``title_zh`` when Chinese is the original."""
    original = data.get("language") or "en"
    names = {"title": f"title_{original}", "body": f"body_{original}",
             "translation_title": f"title_{_other(original)}",
             "translation_body": f"body_{_other(original)}"}
    return {names.get(key, key): value for key, value in errors.items()}


def _editor(article, data, errors, status=200):
    parts = _by_language(data)
    return render_template("knowledge/edit.html", article=article, data=data,
                           errors=_errors_by_language(errors, data), parts=parts,
                           categories=list(ProductCategory), symptom_choices=symptoms.active(),
                           previews={code: service.render(body)
                                     for code, (_, body) in parts.items() if body}), status


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
        return _editor(None, {"language": _reader(), "models": [], "symptoms": [],
                              "tags": []}, {})
    data = _form_data(request.form, _reader())
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
    texts = service.texts(article)
    reader = _reader()
    order = sorted(texts, key=lambda code: code != reader)  # the reader's language first
    return render_template("knowledge/article.html", article=article, label=_symptom_label,
                           texts=[(code, texts[code][0], service.render(texts[code][1]))
                                  for code in order])


@bp.post("/<uuid:article_id>/publish")
@console_roles(*OFFICE)
def article_publish(article_id: uuid.UUID):
    service.publish_article(g.actor, service.get_article(article_id))
    flash(_("The article is published: phones show it now."), "success")
    return redirect(url_for("knowledge_console.article_page", article_id=article_id))


@bp.post("/images")
@console_roles(*OFFICE)
def image_upload():
    """The editor's image upload (htmx): answers the Markdown to paste and a preview."""
    upload = request.files.get("image")
    try:
        if upload is None or not upload.filename:
            raise Invalid(_("Choose an image file."), {"image": [_("Choose an image file.")]})
        image = images.add_image(g.actor, upload.stream,
                                 current_app.config["MAX_BLOB_BYTES"])
    except ServiceError as refused:
        db.session.rollback()
        return render_template("knowledge/_image.html", image=None,
                               error=_("This file is not an image we can use (JPEG, PNG or "
                                       "WebP).") if refused.code not in (None, "too_large")
                               else refused.message), 422
    name = (upload.filename.rsplit(".", 1)[0] or "image")[:60].replace("]", "").replace("[", "")
    return render_template("knowledge/_image.html", image=image, name=name, error=None)


@bp.get("/images/<string:sha256>")
@console_roles(*OFFICE)
def image_file(sha256: str):
    return images.serve(sha256)


@bp.route("/proposals")
@console_roles(*OFFICE)
def proposal_queue():
    return render_template("knowledge/proposals.html", proposals=service.proposals(),
                           reviewed=_reviewed(), errors={})


@bp.post("/proposals/<uuid:proposal_id>/accept")
@console_roles(*OFFICE)
def proposal_accept(proposal_id: uuid.UUID):
    try:
        article = service.accept_proposal(g.actor, service.get_proposal(proposal_id))
    except Conflict:
        db.session.rollback()
        flash(_("This proposal was already reviewed."), "error")
        return redirect(url_for("knowledge_console.proposal_queue"))
    flash(_("The proposal is a draft article now: check it and publish it."), "success")
    return redirect(url_for("knowledge_console.article_edit", article_id=article.id))


@bp.post("/proposals/<uuid:proposal_id>/reject")
@console_roles(*OFFICE)
def proposal_reject(proposal_id: uuid.UUID):
    proposal = service.get_proposal(proposal_id)
    try:
        service.reject_proposal(g.actor, proposal, request.form.get("note", ""))
    except Conflict:
        db.session.rollback()
        flash(_("This proposal was already reviewed."), "error")
    except Invalid as refused:
        db.session.rollback()
        return render_template("knowledge/proposals.html", proposals=service.proposals(),
                               reviewed=_reviewed(),
                               errors={proposal.id: refused.errors}), 422
    else:
        flash(_("The proposal is rejected."), "success")
    return redirect(url_for("knowledge_console.proposal_queue"))


@bp.route("/usage")
@console_roles(*OFFICE)
def usage_page():
    most, least = service.usage(limit=20)
    return render_template("knowledge/usage.html", most=most, least=least)


@bp.route("/<uuid:article_id>/edit", methods=["GET", "POST"])
@console_roles(*OFFICE)
def article_edit(article_id: uuid.UUID):
    article = service.get_article(article_id)
    if request.method == "GET":
        return _editor(article, {key: getattr(article, key) for key in service.FIELDS}, {})
    data = _form_data(request.form, article.language)
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


def _reviewed():
    """The 20 latest reviewed proposals, newest first."""
    done = [p for p in service.proposals(None) if p.status != "proposed"]
    return done[-20:][::-1]


@bp.context_processor
def _helpers():
    reader = _reader()
    return {"reader_text": lambda article: service.in_language(article, reader),
            "languages": lambda article: sorted(service.texts(article),
                                                key=lambda code: code != article.language),
            "render": service.render}


def _reader() -> str:
    """The console reader's language code (en or zh)."""
    return str(get_locale() or "en")[:2]
