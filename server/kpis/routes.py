"""KPIs over the JSON API (office users). The view parses, calls the service, answers."""

from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import service
from .schemas import DashboardOut, KpiQuery, parse

blp = Blueprint("kpis", __name__, url_prefix="/api/v1/kpis",
                description="KPIs of a period against the previous one (docs/kpis.md).")
# Supervisors and managers are dispatchers with people reporting to them (users.supervisor_id).
OFFICE = ("admin", "dispatcher")


@blp.route("")
class Kpis(MethodView):
    @blp.arguments(KpiQuery, location="query")
    @blp.response(200, DashboardOut)
    @api_roles(*OFFICE)
    def get(self, args):
        """Every KPI of the dashboard for ``from``–``to`` (local days, both included) and for
        the previous period of the same length, with the count behind each rate; optionally
        per technician, region, product category or week."""
        period, filters, group_by = parse(args)
        return service.dashboard(period, filters, group_by)
