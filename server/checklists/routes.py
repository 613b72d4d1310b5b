"""Checklist templates over the JSON API: list, read, create, update, versions."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import service
from .schemas import TemplateCreateIn, TemplateIn, TemplateOut, TemplateVersionOut

blp = Blueprint("checklists", __name__, url_prefix="/api/v1/checklists",
                description="Checklist templates per job type and product category.")
OFFICE = ("admin", "dispatcher")
EVERYONE = ("admin", "dispatcher", "technician")


@blp.route("/")
class Templates(MethodView):
    @blp.response(200, TemplateOut(many=True))
    @api_roles(*EVERYONE)
    def get(self):
        return service.list_templates()

    @blp.arguments(TemplateCreateIn)
    @blp.response(201, TemplateOut)
    @api_roles(*OFFICE)
    def post(self, data):
        return service.create_template(g.actor, data)


@blp.route("/<uuid:template_id>")
class TemplateItem(MethodView):
    @blp.response(200, TemplateOut)
    @api_roles(*EVERYONE)
    def get(self, template_id: uuid.UUID):
        return service.get_template(template_id)

    @blp.arguments(TemplateIn(partial=True))
    @blp.response(200, TemplateOut)
    @api_roles(*OFFICE)
    def patch(self, changes, template_id: uuid.UUID):
        return service.update_template(g.actor, service.get_template(template_id), changes)


@blp.route("/<uuid:template_id>/versions")
class TemplateVersions(MethodView):
    @blp.response(200, TemplateVersionOut(many=True))
    @api_roles(*OFFICE)
    def get(self, template_id: uuid.UUID):
        return service.get_template(template_id).versions
