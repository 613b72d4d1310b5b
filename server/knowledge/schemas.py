"""Knowledge articles over the API."""

from marshmallow import Schema, fields, validate

from ..assets.models import ProductCategory
from ..schemas import InSchema, Language

_item = fields.String(validate=validate.Length(min=1, max=80))


class ArticleIn(InSchema):
    id = fields.UUID()
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=50_000),
                         metadata={"description": "Markdown; raw HTML is shown as text"})
    language = Language(required=True, metadata={"description": "the language of title/body"})
    translation_title = fields.String(
        allow_none=True, validate=validate.Length(max=200),
        metadata={"description": "the title in the other language (en ↔ zh), or null"})
    translation_body = fields.String(
        allow_none=True, validate=validate.Length(max=50_000),
        metadata={"description": "the text in the other language, Markdown, or null"})
    category = fields.String(required=True, validate=validate.OneOf(list(ProductCategory)))
    models = fields.List(_item, validate=validate.Length(max=50), load_default=list)
    symptoms = fields.List(fields.String(validate=validate.Length(min=1, max=60)),
                           validate=validate.Length(max=50), load_default=list,
                           metadata={"description": "symptom codes, e.g. WH_GAS_SMELL"})
    tags = fields.List(_item, validate=validate.Length(max=50), load_default=list)


class ArticleUpdateIn(ArticleIn):
    class Meta:
        exclude = ("id",)


class ArticleQuery(InSchema):
    model = fields.String(validate=validate.Length(max=80))
    symptom = fields.String(validate=validate.Length(max=60))
    category = fields.String(validate=validate.OneOf(list(ProductCategory)))
    q = fields.String(validate=validate.Length(max=100))


class ArticleOut(Schema):
    id = fields.UUID()
    title = fields.String()
    body = fields.String()
    body_html = fields.Function(lambda a: str(_render(a.body)),
                                metadata={"description": "the body as sanitised HTML"})
    language = fields.String()
    translation_title = fields.String(allow_none=True)
    translation_body = fields.String(allow_none=True)
    texts = fields.Function(lambda a: _texts(a), metadata={
        "description": "per language written (en, zh): title, body and body_html"})
    category = fields.String()
    models = fields.List(fields.String())
    symptoms = fields.List(fields.String())
    tags = fields.List(fields.String())
    images = fields.List(fields.String(), metadata={
        "description": "SHA-256 of each image the text shows (GET /api/v1/articles/images/…)"})
    published = fields.Boolean(metadata={"description": "false for a draft"})
    revision = fields.Integer()
    author_id = fields.UUID(allow_none=True)
    updated_at = fields.DateTime()


class ArticleVersionOut(Schema):
    revision = fields.Integer()
    title = fields.String()
    body = fields.String()
    language = fields.String()
    translation_title = fields.String(allow_none=True)
    translation_body = fields.String(allow_none=True)
    category = fields.String()
    models = fields.List(fields.String())
    symptoms = fields.List(fields.String())
    tags = fields.List(fields.String())
    author_id = fields.UUID(allow_none=True)
    author = fields.Function(lambda v: v.author.name if v.author else None, allow_none=True)
    saved_at = fields.DateTime()


API_IMAGES = "/api/v1/articles/images/"


def _render(body):
    from .service import render

    return render(body, API_IMAGES)


def _texts(article):
    from .service import texts

    return {code: {"title": title, "body": body, "body_html": str(_render(body))}
            for code, (title, body) in texts(article).items()}


class ProposalQuery(InSchema):
    status = fields.String(validate=validate.OneOf(["proposed", "accepted", "rejected"]),
                           metadata={"description": "default: proposed (the review queue)"})


class RejectIn(InSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ProposalOut(Schema):
    id = fields.UUID()
    work_order_id = fields.UUID()
    order_number = fields.Function(lambda p: p.work_order.number)
    author_id = fields.UUID()
    author = fields.Function(lambda p: p.author.name if p.author else None)
    title = fields.String()
    body = fields.String()
    language = fields.String()
    status = fields.String()
    review_note = fields.String(allow_none=True)
    reviewer_id = fields.UUID(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    article_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class UsageRowOut(Schema):
    article_id = fields.Function(lambda u: str(u.article.id))
    title = fields.Function(lambda u: u.article.title)
    opened = fields.Integer()
    helpful = fields.Integer()
    not_helpful = fields.Integer()
    helpful_share = fields.Float(allow_none=True)


class UsageOut(Schema):
    most_used = fields.List(fields.Nested(UsageRowOut))
    least_helpful = fields.List(fields.Nested(UsageRowOut))
