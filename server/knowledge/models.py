"""Knowledge articles the office writes and technicians read on site, matched to product
categories, models and symptom codes, with every earlier version kept."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Syncable, UTCDateTime, new_uuid, utcnow
from ..extensions import db


# How article text refers to an uploaded image: ![caption](kb:<sha256>).
IMAGE_REF = re.compile(r"\(kb:([0-9a-f]{64})\)")


def image_hashes(*texts: str | None) -> list[str]:
    """The SHA-256 of every ``kb:`` image in ``texts``, in order of first mention."""
    return list(dict.fromkeys(IMAGE_REF.findall("\n".join(t or "" for t in texts))))


class KnowledgeArticle(Syncable, db.Model):
    __tablename__ = "knowledge_articles"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    title: Mapped[str] = mapped_column(String(200))
    # Markdown; shown as sanitised HTML (server.knowledge.service.render).
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(10), default="en")
    # The same article in the other language (zh when ``language`` is en, and the other way
    # round), or None: readers get their language and fall back to the other one.
    translation_title: Mapped[str | None] = mapped_column(String(200))
    translation_body: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    models: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Symptom codes (server.intake.symptoms) the article helps with, e.g. WH_GAS_SMELL.
    symptoms: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # False for a draft (an accepted proposal the office has not published yet): phones
    # hold it but do not show it, the API lists it to the office only.
    published: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    # 1 when written; each edit adds a KnowledgeArticleVersion and bumps it.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    author = relationship("User")
    versions: Mapped[list[KnowledgeArticleVersion]] = relationship(
        order_by="KnowledgeArticleVersion.revision.desc()")

    @property
    def images(self) -> list[str]:
        """The SHA-256 of every image its text refers to (``kb:<sha256>``), in either
        language, in order of first mention."""
        return image_hashes(self.body, self.translation_body)


class KnowledgeArticleVersion(db.Model):
    """An article as it was saved: who wrote this revision and when."""

    __tablename__ = "knowledge_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "revision"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("knowledge_articles.id"))
    revision: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(10))
    translation_title: Mapped[str | None] = mapped_column(String(200))
    translation_body: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    models: Mapped[list[str]] = mapped_column(JSON, default=list)
    symptoms: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ArticleProposal(db.Model):
    """An article a technician proposed from a job (sync ``propose_article``): waits in the
    console's review queue; accepting it makes a draft article, rejecting it keeps a note."""

    __tablename__ = "knowledge_proposals"

    # The phone's line id: the same id with the same content replays.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=ProposalStatus.PROPOSED, index=True)
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    article_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("knowledge_articles.id"))
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User", foreign_keys=[author_id])
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    work_order = relationship("WorkOrder")
    article = relationship("KnowledgeArticle")


class ArticleUse(db.Model):
    """One opening of an article on a phone (sync ``open_article``), and whether it helped
    (sync ``rate_article``: True, False, or None while unsaid)."""

    __tablename__ = "knowledge_article_uses"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the phone's line id
    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("knowledge_articles.id"),
                                                  index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    work_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("work_orders.id"))
    helpful: Mapped[bool | None]
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the phone's time
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ArticleImage(db.Model):
    """An image uploaded for the knowledge base. Article text refers to it as
    ``![caption](kb:<sha256>)``; only blobs listed here are served as article images (a
    photo's hash is never enough to read it this way)."""

    __tablename__ = "knowledge_images"

    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
