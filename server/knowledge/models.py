"""Knowledge articles the office writes and technicians read on site, matched to product
categories, models and symptom codes, with every earlier version kept."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Syncable, UTCDateTime, new_uuid, utcnow
from ..extensions import db


class KnowledgeArticle(Syncable, db.Model):
    __tablename__ = "knowledge_articles"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    title: Mapped[str] = mapped_column(String(200))
    # Markdown; shown as sanitised HTML (server.knowledge.service.render).
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(10), default="en")
    category: Mapped[str] = mapped_column(String(40))
    models: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Symptom codes (server.intake.symptoms) the article helps with, e.g. WH_GAS_SMELL.
    symptoms: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # 1 when written; each edit adds a KnowledgeArticleVersion and bumps it.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    author = relationship("User")
    versions: Mapped[list[KnowledgeArticleVersion]] = relationship(
        order_by="KnowledgeArticleVersion.revision.desc()")


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
    category: Mapped[str] = mapped_column(String(40))
    models: Mapped[list[str]] = mapped_column(JSON, default=list)
    symptoms: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")
