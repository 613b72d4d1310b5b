"""Knowledge articles: written in the console, matched to a job by model, symptom and
category, every revision kept. Flushes only.

Bodies are Markdown rendered with raw HTML turned off: anything that looks like a tag is
shown as text, and links or images with a ``javascript:``, ``vbscript:``, ``file:`` or
non-image ``data:`` address are not made into links (markdown-it's own link check). That
is what "sanitised" means here, for the console, for the API's ``body_html`` and for the
phone, which gets the same HTML in the pull (``render_for_phone``) and shows it as it is.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import case, func, select

from ..accounts.models import User
from ..assets.models import ProductCategory
from ..errors import Conflict, Invalid, NotFound
from ..database import utcnow
from ..extensions import db
from ..intake import symptoms as symptom_catalogue
from .models import (
    ArticleProposal,
    ArticleUse,
    KnowledgeArticle,
    KnowledgeArticleVersion,
    ProposalStatus,
)

# CommonMark plus tables and ~~strikethrough~~ (GitHub's syntax), raw HTML off.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}
                       ).enable(["table", "strikethrough"])
FIELDS = ("title", "body", "language", "translation_title", "translation_body", "category",
          "models", "symptoms", "tags")
OPTIONAL = ("translation_title", "translation_body")
LISTS = ("models", "symptoms", "tags")
LANGUAGES = ("en", "zh")


_KB_IMAGE = re.compile(r"^kb:([0-9a-f]{64})$")
_default_image = _markdown.renderer.rules.get("image")


def _image(self, tokens, idx, options, env):
    """``kb:<sha256>`` images point at the knowledge base's image address (``env``)."""
    token = tokens[idx]
    found = _KB_IMAGE.match(token.attrGet("src") or "")
    if found and env.get("phone"):
        # The phone puts its offline copy in (pwa/js/article-images.js); until then the
        # address leads nowhere.
        token.attrSet("data-kb", found.group(1))
    elif found:
        token.attrSet("src", env.get("images_at", "/knowledge/images/") + found.group(1))
        token.attrSet("loading", "lazy")
    return self.renderToken(tokens, idx, options, env) if _default_image is None \
        else _default_image(tokens, idx, options, env)


_markdown.add_render_rule("image", _image)


def render(body: str, images_at: str = "/knowledge/images/") -> Markup:
    """The article's Markdown as HTML safe to put in a page; its ``kb:`` images are served
    from ``images_at`` + sha256 (the console's address, or the API's)."""
    return Markup(_markdown.render(body or "", {"images_at": images_at}))


def render_for_phone(body: str | None) -> str | None:
    """The same sanitised HTML as the console's, for the phone's pull: each ``kb:`` image
    keeps ``src="kb:<sha256>"`` and names its image in ``data-kb``, for the phone to show
    its offline copy. None for no text."""
    if body is None:
        return None
    return _markdown.render(body, {"phone": True})


def _check_symptoms(codes: list[str]) -> None:
    known = symptom_catalogue.catalogue(include_inactive=True)
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise Invalid("Unknown symptom codes.",
                      {"symptoms": [f"unknown symptom code: {', '.join(unknown)}"]})


def _clean(data: dict) -> dict:
    out = dict(data)
    for key in LISTS:
        if key in out:
            out[key] = list(dict.fromkeys(v.strip() for v in out[key] if v and v.strip()))
    for key in ("title", "body"):
        if key in out:
            out[key] = out[key].strip()
    for key in OPTIONAL:
        if key in out:
            out[key] = (out[key] or "").strip() or None
    return out


def _check_translation(title: str | None, body: str | None) -> None:
    """A translation has both a title and a text, or neither."""
    if bool(title) != bool(body):
        missing = "translation_body" if title else "translation_title"
        raise Invalid("A translation needs both a title and a text.",
                      {missing: ["is required when the translation has a "
                                 + ("title" if title else "text")]})


def texts(article) -> dict[str, tuple[str, str]]:
    """The article's title and Markdown body per language it is written in."""
    out = {article.language: (article.title, article.body)}
    if article.translation_title and article.translation_body:
        other = next(code for code in LANGUAGES if code != article.language)
        out[other] = (article.translation_title, article.translation_body)
    return out


def in_language(article, language: str | None) -> tuple[str, str, str]:
    """(language, title, body) for a reader of ``language``: theirs when written, else the
    article's own language."""
    found = texts(article)
    code = language if language in found else article.language
    title, body = found[code]
    return code, title, body


def _snapshot(article: KnowledgeArticle, actor: User | None) -> None:
    db.session.add(KnowledgeArticleVersion(
        article_id=article.id, revision=article.revision, author_id=actor.id if actor else None,
        **{key: getattr(article, key) for key in FIELDS}))


def create_article(actor: User, data: dict) -> KnowledgeArticle:
    """Write a new article (revision 1). Raises Invalid naming an unknown symptom code."""
    data = _clean(data)
    _check_symptoms(data.get("symptoms", []))
    _check_translation(data.get("translation_title"), data.get("translation_body"))
    article = KnowledgeArticle(author_id=actor.id, revision=1,
                               published=data.get("published", True),
                               **{key: data.get(key, []) if key in LISTS
                                  else data.get(key) if key in OPTIONAL
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
    _check_translation(changes.get("translation_title", article.translation_title),
                       changes.get("translation_body", article.translation_body))
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


def get_article(article_id: uuid.UUID, drafts: bool = True) -> KnowledgeArticle:
    """Raises NotFound for an unknown article, and for a draft unless ``drafts``: a
    technician reads only what the office has published."""
    article = db.session.get(KnowledgeArticle, article_id)
    if article is None or (not drafts and not article.published):
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
                  category: str | None = None, q: str | None = None,
                  drafts: bool = False) -> list[KnowledgeArticle]:
    """Articles for a job, best fit first; every article, newest first, without filters.

    With ``model`` or ``symptom`` an article must match one of them (a category alone is
    too broad to suggest). The knowledge base is small enough to rank in Python, the same
    way on SQLite and PostgreSQL.
    """
    query = select(KnowledgeArticle).order_by(KnowledgeArticle.updated_at.desc(),
                                              KnowledgeArticle.title)
    if not drafts:
        query = query.where(KnowledgeArticle.published.is_(True))
    articles = db.session.scalars(query).all()
    if q:
        needle = q.casefold()
        articles = [a for a in articles
                    if any(needle in title.casefold() or needle in body.casefold()
                           for title, body in texts(a).values())
                    or any(needle in t.casefold() for t in (a.tags or []))]
    if not (model or symptom):
        return [a for a in articles if not category or a.category == category]
    ranked = [(score(a, model, symptom, category), a) for a in articles]
    ranked = [(s, a) for s, a in ranked if s >= 2]
    ranked.sort(key=lambda pair: -pair[0])
    return [a for _, a in ranked]


def publish_article(actor: User, article: KnowledgeArticle) -> KnowledgeArticle:
    """A draft becomes an article phones show and the API lists to everyone."""
    if not article.published:
        article.published = True
        article.author_id = actor.id
        article.updated_at = utcnow()
        db.session.flush()
    return article


# -- technicians' proposals -------------------------------------------------------------------

def proposals(status: str | None = ProposalStatus.PROPOSED) -> list[ArticleProposal]:
    """The review queue (oldest first: pushed, then written on the phone), or every
    proposal of a status, or all of them."""
    query = select(ArticleProposal).order_by(ArticleProposal.created_at,
                                             ArticleProposal.device_time, ArticleProposal.id)
    if status:
        query = query.where(ArticleProposal.status == status)
    return list(db.session.scalars(query))


def get_proposal(proposal_id: uuid.UUID) -> ArticleProposal:
    proposal = db.session.get(ArticleProposal, proposal_id)
    if proposal is None:
        raise NotFound("No such proposal.")
    return proposal


def _undecided(proposal: ArticleProposal) -> None:
    if proposal.status != ProposalStatus.PROPOSED:
        raise Conflict("This proposal was already reviewed.",
                       {"status": [f"is already {proposal.status}"]})


def accept_proposal(actor: User, proposal: ArticleProposal) -> KnowledgeArticle:
    """The proposal becomes a draft article, matched to its job's product and symptom; the
    office edits and publishes it."""
    _undecided(proposal)
    order = proposal.work_order
    asset = order.asset
    symptom = order.symptom_code if order.symptom_code in symptom_catalogue.BY_CODE else None
    category = (asset.category if asset is not None else None) or (
        symptom_catalogue.BY_CODE[symptom].category if symptom else None) or next(
        iter(ProductCategory))  # unknown: the office sets it before publishing
    article = create_article(actor, {
        "title": proposal.title, "body": proposal.body, "language": proposal.language,
        "category": category, "models": [asset.model] if asset is not None and asset.model
        else [], "symptoms": [symptom] if symptom else [], "tags": [],
        "published": False})
    article.author_id = proposal.author_id
    proposal.status = ProposalStatus.ACCEPTED
    proposal.article_id = article.id
    proposal.reviewer_id = actor.id
    proposal.reviewed_at = utcnow()
    db.session.flush()
    return article


def reject_proposal(actor: User, proposal: ArticleProposal, note: str) -> ArticleProposal:
    _undecided(proposal)
    note = (note or "").strip()
    if not note:
        raise Invalid("Say why the proposal is rejected.", {"note": ["is required"]})
    proposal.status = ProposalStatus.REJECTED
    proposal.review_note = note
    proposal.reviewer_id = actor.id
    proposal.reviewed_at = utcnow()
    db.session.flush()
    return proposal


# -- usage ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Usage:
    article: KnowledgeArticle
    opened: int
    helpful: int
    not_helpful: int

    @property
    def rated(self) -> int:
        return self.helpful + self.not_helpful

    @property
    def helpful_share(self) -> float | None:
        return self.helpful / self.rated if self.rated else None


def usage(limit: int = 10) -> tuple[list[Usage], list[Usage]]:
    """(most opened, least helpful): one grouped query over the openings.

    Most opened: by openings, then title. Least helpful: articles with at least one rating,
    by share of "helped" ascending, then more "did not help" first, then title.
    """
    rows = db.session.execute(
        select(ArticleUse.article_id, func.count(),
               func.count(case((ArticleUse.helpful.is_(True), 1))),
               func.count(case((ArticleUse.helpful.is_(False), 1))))
        .group_by(ArticleUse.article_id)).all()
    articles = {a.id: a for a in db.session.scalars(select(KnowledgeArticle).where(
        KnowledgeArticle.id.in_([r[0] for r in rows])))} if rows else {}
    stats = [Usage(articles[r[0]], r[1], r[2], r[3]) for r in rows]
    most = sorted(stats, key=lambda u: (-u.opened, u.article.title))[:limit]
    least = sorted((u for u in stats if u.rated),
                   key=lambda u: (u.helpful_share, -u.not_helpful, u.article.title))[:limit]
    return most, least
