"""Knowledge articles over the JSON API: list and match, read, write, versions."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import images, service
from .schemas import (
    ArticleIn,
    ArticleOut,
    ArticleQuery,
    ArticleUpdateIn,
    ArticleVersionOut,
    ProposalOut,
    ProposalQuery,
    RejectIn,
    UsageOut,
)

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
        return service.get_article(article_id, drafts=g.actor.role != "technician")

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


@blp.route("/proposals")
class Proposals(MethodView):
    @blp.arguments(ProposalQuery, location="query")
    @blp.response(200, ProposalOut(many=True))
    @api_roles(*OFFICE)
    def get(self, args):
        """Technicians' proposals (sync ``propose_article``), oldest first: the review queue
        by default."""
        return service.proposals(args.get("status", "proposed"))


@blp.route("/proposals/<uuid:proposal_id>/accept")
class ProposalAccept(MethodView):
    @blp.response(201, ArticleOut)
    @api_roles(*OFFICE)
    def post(self, proposal_id: uuid.UUID):
        """Accept: a draft article matched to the job's product and symptom (409 when the
        proposal was already reviewed)."""
        return service.accept_proposal(g.actor, service.get_proposal(proposal_id))


@blp.route("/proposals/<uuid:proposal_id>/reject")
class ProposalReject(MethodView):
    @blp.arguments(RejectIn)
    @blp.response(200, ProposalOut)
    @api_roles(*OFFICE)
    def post(self, data, proposal_id: uuid.UUID):
        return service.reject_proposal(g.actor, service.get_proposal(proposal_id),
                                       data["note"])


@blp.route("/<uuid:article_id>/publish")
class ArticlePublish(MethodView):
    @blp.response(200, ArticleOut)
    @api_roles(*OFFICE)
    def post(self, article_id: uuid.UUID):
        """A draft becomes visible to technicians (idempotent)."""
        return service.publish_article(g.actor, service.get_article(article_id))


@blp.route("/usage")
class Usage(MethodView):
    @blp.response(200, UsageOut)
    @api_roles(*OFFICE)
    def get(self):
        """The most opened articles and the least helpful ones (from the phones)."""
        most, least = service.usage(limit=20)
        return {"most_used": most, "least_helpful": least}
