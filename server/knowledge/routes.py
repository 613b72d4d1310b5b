"""Knowledge articles over the JSON API: list and match, read, write, versions."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import images, service
from .schemas import ArticleIn, ArticleOut, ArticleQuery, ArticleUpdateIn, ArticleVersionOut

blp = Blueprint("articles", __name__, url_prefix="/api/v1/articles",
                description="Knowledge articles, matched by model, symptom and category.")
OFFICE = ("admin", "dispatcher")
EVERYONE = ("admin", "dispatcher", "technician")


@blp.route("/")
class Articles(MethodView):
    @blp.arguments(ArticleQuery, location="query")
    @blp.response(200, ArticleOut(many=True))
    @api_roles(*EVERYONE)
    def get(self, args):
        return service.list_articles(args.get("model"), args.get("symptom"),
                                     args.get("category"), args.get("q"))

    @blp.arguments(ArticleIn)
    @blp.response(201, ArticleOut)
    @api_roles(*OFFICE)
    def post(self, data):
        return service.create_article(g.actor, data)


@blp.route("/<uuid:article_id>")
class ArticleItem(MethodView):
    @blp.response(200, ArticleOut)
    @api_roles(*EVERYONE)
    def get(self, article_id: uuid.UUID):
        return service.get_article(article_id)

    @blp.arguments(ArticleUpdateIn(partial=True))
    @blp.response(200, ArticleOut)
    @api_roles(*OFFICE)
    def patch(self, changes, article_id: uuid.UUID):
        return service.update_article(g.actor, service.get_article(article_id), changes)


@blp.route("/<uuid:article_id>/versions")
class ArticleVersions(MethodView):
    @blp.response(200, ArticleVersionOut(many=True))
    @api_roles(*OFFICE)
    def get(self, article_id: uuid.UUID):
        return service.get_article(article_id).versions


@blp.route("/images/<string:sha256>")
class ArticleImageItem(MethodView):
    @blp.response(200)
    @api_roles(*EVERYONE)
    def get(self, sha256: str):
        """An image of the knowledge base (display rendition, JPEG or PNG), as the article
        text refers to it (``kb:<sha256>``). 404 for any other hash, a photo's included."""
        return images.serve(sha256)
