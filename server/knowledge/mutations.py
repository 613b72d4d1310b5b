"""The knowledge base's sync mutations (docs/sync-protocol.md): a technician proposes an
article from a job, opens an article, and says whether it helped. Imported by
``sync.mutations`` so they are registered with the others."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.schemas import AwareDateTime, Language
from sync.mutations import Context, Rejected, claim_line, load_order, mutation

from .models import ArticleProposal, ArticleUse, KnowledgeArticle


class ProposeArticle(Schema):
    proposal_id = fields.UUID(required=True)
    order_id = fields.UUID(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    language = Language(required=True)
    device_time = AwareDateTime(required=True)


class OpenArticle(Schema):
    use_id = fields.UUID(required=True)
    article_id = fields.UUID(required=True)
    order_id = fields.UUID(allow_none=True, load_default=None)
    device_time = AwareDateTime(required=True)


class RateArticle(Schema):
    use_id = fields.UUID(required=True)
    helpful = fields.Boolean(required=True)
    device_time = AwareDateTime(required=True)


@mutation("propose_article", 1, ProposeArticle, line_id="proposal_id")
def propose_article(ctx: Context, args: dict) -> None:
    """A new proposal in the office's review queue. The order must be one the technician
    was ever assigned (like a note); the same id with the same text replays."""
    order = load_order(ctx, args["order_id"])
    title, body = args["title"].strip(), args["body"].strip()
    if not title or not body:
        raise Rejected("invalid_arguments", "A proposal needs a title and a text.",
                       {"title" if not title else "body": ["must not be blank"]})
    if not claim_line(ctx, ArticleProposal, "proposal_id", args["proposal_id"], order,
                      title=title, body=body, language=args["language"]):
        return
    ctx.session.add(ArticleProposal(
        id=args["proposal_id"], work_order_id=order.id, author_id=ctx.actor.id, title=title,
        body=body, language=args["language"], device_time=args["device_time"],
        created_at=ctx.now))


@mutation("open_article", 1, OpenArticle, line_id="use_id")
def open_article(ctx: Context, args: dict) -> None:
    """One opening, counted once per id; ``order_id`` names the job it was opened from."""
    article = ctx.session.get(KnowledgeArticle, args["article_id"])
    if article is None:
        raise Rejected("unknown_article", "No such article.",
                       {"article_id": ["no such article"]})
    order_id = load_order(ctx, args["order_id"]).id if args.get("order_id") else None
    existing = ctx.session.get(ArticleUse, args["use_id"])
    if existing is not None:
        if (existing.user_id, existing.article_id, existing.work_order_id) == (
                ctx.actor.id, article.id, order_id):
            return  # a replay
        raise Rejected("duplicate_id", "This id is already used for another opening.",
                       {"use_id": ["is already used for another opening"]})
    ctx.session.add(ArticleUse(id=args["use_id"], article_id=article.id, user_id=ctx.actor.id,
                               work_order_id=order_id, opened_at=args["device_time"],
                               created_at=ctx.now))


@mutation("rate_article", 1, RateArticle)
def rate_article(ctx: Context, args: dict) -> None:
    """Whether the opening ``use_id`` helped. The phone queues it after its open_article,
    so the opening exists; saying it again replaces the answer (the last one pushed wins)."""
    use = ctx.session.get(ArticleUse, args["use_id"])
    if use is None or use.user_id != ctx.actor.id:
        raise Rejected("unknown_use", "No such opening of an article by you.",
                       {"use_id": ["is not an opening of yours"]})
    use.helpful = args["helpful"]
    use.rated_at = ctx.now
