"""Knowledge articles: written in the console, matched to a job by model, symptom and
category, every revision kept. Flushes only.

Bodies are Markdown rendered with raw HTML turned off: anything that looks like a tag is
shown as text, and links or images with a ``javascript:``, ``vbscript:``, ``file:`` or
non-image ``data:`` address are not made into links (markdown-it's own link check). That
is what "sanitised" means here, for the console and for the API's ``body_html``.
"""

from __future__ import annotations

import uuid

from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import select

from ..accounts.models import User
from ..errors import Invalid, NotFound
from ..extensions import db
from ..intake import symptoms as symptom_catalogue
from .models import KnowledgeArticle, KnowledgeArticleVersion

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
FIELDS = ("title", "body", "language", "category", "models", "symptoms", "tags")


def render(body: str) -> Markup:
    """The article's Markdown as HTML safe to put in a page."""
    return Markup(_markdown.render(body or ""))


def _check_symptoms(codes: list[str]) -> None:
    known = symptom_catalogue.catalogue(include_inactive=True)
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise Invalid("Unknown symptom codes.",
                      {"symptoms": [f"unknown symptom code: {', '.join(unknown)}"]})


def _clean(data: dict) -> dict:
    out = dict(data)
    for key in ("models", "symptoms", "tags"):
        if key in out:
            out[key] = list(dict.fromkeys(v.strip() for v in out[key] if v and v.strip()))
    for key in ("title", "body"):
        if key in out:
            out[key] = out[key].strip()
    return out


def _snapshot(article: KnowledgeArticle, actor: User | None) -> None:
    db.session.add(KnowledgeArticleVersion(
        article_id=article.id, revision=article.revision, author_id=actor.id if actor else None,
        **{key: getattr(article, key) for key in FIELDS}))


def create_article(actor: User, data: dict) -> KnowledgeArticle:
    """Write a new article (revision 1). Raises Invalid naming an unknown symptom code."""
    data = _clean(data)
    _check_symptoms(data.get("symptoms", []))
    article = KnowledgeArticle(author_id=actor.id, revision=1,
                               **{key: data.get(key, []) if key in ("models", "symptoms", "tags")
                                  else data[key] for key in FIELDS})
    if data.get("id"):
        article.id = data["id"]
    db.session.add(article)
    db.session.flush()
    _snapshot(article, actor)
    db.session.flush()
    return article


def update_article(actor: User, article: KnowledgeArticle, changes: dict) -> KnowledgeArticle:
    """Save a new revision when something changed; the earlier one stays in the history."""
    changes = _clean(changes)
    if "symptoms" in changes:
        _check_symptoms(changes["symptoms"])
    changed = {key: value for key, value in changes.items()
               if key in FIELDS and getattr(article, key) != value}
    if not changed:
        return article
    for key, value in changed.items():
        setattr(article, key, value)
    article.revision += 1
    article.author_id = actor.id
    db.session.flush()
    _snapshot(article, actor)
    db.session.flush()
    return article


def get_article(article_id: uuid.UUID) -> KnowledgeArticle:
    article = db.session.get(KnowledgeArticle, article_id)
    if article is None:
        raise NotFound("No such article.")
    return article


def score(article: KnowledgeArticle, model: str | None, symptom: str | None,
          category: str | None) -> int:
    """How well an article fits a job: its symptom counts most, then the model, then the
    product category. 0: it does not fit."""
    points = 0
    if symptom and symptom in (article.symptoms or []):
        points += 4
    if model and model in (article.models or []):
        points += 2
    if category and article.category == category:
        points += 1
    return points


def list_articles(model: str | None = None, symptom: str | None = None,
                  category: str | None = None, q: str | None = None
                  ) -> list[KnowledgeArticle]:
    """Articles for a job, best fit first; every article, newest first, without filters.

    With ``model`` or ``symptom`` an article must match one of them (a category alone is
    too broad to suggest). The knowledge base is small enough to rank in Python, the same
    way on SQLite and PostgreSQL.
    """
    articles = db.session.scalars(select(KnowledgeArticle).order_by(
        KnowledgeArticle.updated_at.desc(), KnowledgeArticle.title)).all()
    if q:
        needle = q.casefold()
        articles = [a for a in articles if needle in a.title.casefold()
                    or needle in a.body.casefold()
                    or any(needle in t.casefold() for t in (a.tags or []))]
    if not (model or symptom):
        return [a for a in articles if not category or a.category == category]
    ranked = [(score(a, model, symptom, category), a) for a in articles]
    ranked = [(s, a) for s, a in ranked if s >= 2]
    ranked.sort(key=lambda pair: -pair[0])
    return [a for _, a in ranked]
