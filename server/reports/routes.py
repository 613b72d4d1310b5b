"""A work order's service report over the API: its status, its PDF, a retry."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from ..errors import NotFound
from ..media.storage import download
from ..workorders.service import get_order
from . import service
from .schemas import ReportOut

blp = Blueprint("reports", __name__, url_prefix="/api/v1/workorders",
                description="The signed service report of a work order.")
ALL = ("admin", "dispatcher", "technician")


@blp.route("/<uuid:order_id>/report")
class OrderReport(MethodView):
    @blp.response(200, ReportOut)
    @api_roles(*ALL)
    def get(self, order_id: uuid.UUID):
        """The report's status (``not_signed`` before the customer signs) and, once it is
        ready, a link the customer can open to download it."""
        return service.status_of(get_order(g.actor, order_id))


@blp.route("/<uuid:order_id>/report/pdf")
class OrderReportPdf(MethodView):
    @blp.response(200, content_type="application/pdf",
                  description="The digitally signed PDF.")
    @api_roles(*ALL)
    def get(self, order_id: uuid.UUID):
        """The signed PDF, once it is ready."""
        report = service.report_for(get_order(g.actor, order_id))
        if report is None:
            raise NotFound("The order has no report: it is not signed.", code="not_signed")
        return download(service.pdf_key(report), mimetype="application/pdf",
                        download_name=f"{report.number}.pdf", etag=report.pdf_sha256,
                        max_age=0)


@blp.route("/<uuid:order_id>/report/retry")
class OrderReportRetry(MethodView):
    @blp.response(200, ReportOut)
    @api_roles("admin", "dispatcher")
    def post(self, order_id: uuid.UUID):
        """Check the report again and queue it if it is due (after a failure, say)."""
        order = get_order(g.actor, order_id)
        service.retry(order)
        return service.status_of(order)
