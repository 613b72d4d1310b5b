"""The KPI dashboard, the orders behind each number, technician scorecards and the monthly
ranking in the console; every table downloads as CSV and XLSX."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import (Blueprint, abort, current_app, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_babel import format_decimal, format_percent, gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from .. import exports
from ..accounts.auth import console_roles
from ..extensions import db
from ..qc.service import technician_quality
from ..settings.service import get as setting
from ..technicians.models import Technician
from ..workorders.models import Channel, OrderType
from . import service
from .schemas import KpiQuery, parse
from .service import TIERS, Filters, Period

bp = Blueprint("kpis_console", __name__, url_prefix="/kpis", template_folder="templates")
OFFICE = ("admin", "dispatcher")


@dataclass(frozen=True)
class Line:
    """One KPI row of the dashboard: where its value and its count sit in a summary."""

    key: str
    label: object  # a lazy string
    unit: str  # duration | rate | number | money | rating
    path: tuple[str, ...]
    count: tuple[str, ...] | None = None  # the count behind a rate
    whole: tuple[str, ...] | None = None  # … out of
    behind: str | None = None  # the orders_behind key
    tier: str | None = None


def _tier_lines():
    labels = {"emergency": _l("SLA attainment, emergency"), "high": _l("SLA attainment, high"),
              "normal": _l("SLA attainment, normal"), "low": _l("SLA attainment, low")}
    return [Line(f"sla_{t}", labels[t], "rate", ("sla", t, "rate"), ("sla", t, "met"),
                 ("sla", t, "count"), "sla_missed", t) for t in TIERS]


LINES: list[Line] = [
    Line("requested", _l("Orders requested"), "number", ("orders", "requested"),
         behind="requested"),
    Line("response_median", _l("Response time (median)"), "duration",
         ("response", "median_s"), ("response", "count"), behind="booked"),
    Line("response_p90", _l("Response time (90th percentile)"), "duration",
         ("response", "p90_s"), ("response", "count"), behind="booked"),
    Line("arrival_median", _l("Arrival time (median)"), "duration", ("arrival", "median_s"),
         ("arrival", "count"), behind="arrived"),
    Line("arrival_p90", _l("Arrival time (90th percentile)"), "duration",
         ("arrival", "p90_s"), ("arrival", "count"), behind="arrived"),
    *_tier_lines(),
    Line("resolution_median", _l("Resolution time (median)"), "duration",
         ("resolution", "median_s"), ("resolution", "count"), behind="completed"),
    Line("resolution_p90", _l("Resolution time (90th percentile)"), "duration",
         ("resolution", "p90_s"), ("resolution", "count"), behind="completed"),
    Line("within_3wd", _l("Completed within 3 working days"), "rate",
         ("resolution", "within_3wd_rate"), ("resolution", "within_3wd"),
         ("resolution", "completed"), "late_3wd"),
    Line("first_time_fix", _l("First-time-fix rate"), "rate", ("first_time_fix", "rate"),
         ("first_time_fix", "count"), ("first_time_fix", "completed"), "not_first_time_fix"),
    Line("repeat_repair", _l("Repeat-repair rate"), "rate", ("repeat_repair", "rate"),
         ("repeat_repair", "count"), ("repeat_repair", "completed"), "repeat"),
    Line("rating", _l("Average rating"), "rating", ("satisfaction", "average"),
         ("satisfaction", "count"), behind="rated"),
    Line("good_rating", _l("Share of 4–5★ ratings"), "rate", ("satisfaction", "good_rate"),
         ("satisfaction", "good"), ("satisfaction", "count"), "rated"),
    Line("timeliness", _l("Follow-up score: timeliness"), "rating",
         ("satisfaction", "dimensions", "timeliness", "average"),
         ("satisfaction", "dimensions", "timeliness", "count"), behind="followups"),
    Line("attitude", _l("Follow-up score: attitude"), "rating",
         ("satisfaction", "dimensions", "attitude", "average"),
         ("satisfaction", "dimensions", "attitude", "count"), behind="followups"),
    Line("quality", _l("Follow-up score: quality"), "rating",
         ("satisfaction", "dimensions", "quality", "average"),
         ("satisfaction", "dimensions", "quality", "count"), behind="followups"),
    Line("complaint_rate", _l("Complaints per 1,000 orders"), "number",
         ("complaints", "per_1000_orders"), ("complaints", "count"), ("complaints", "orders"),
         "complaints"),
    Line("answered_24h", _l("Complaints answered within 24 h"), "rate",
         ("complaints", "answered_24h_rate"), ("complaints", "answered_24h"),
         ("complaints", "count"), "complaints"),
    Line("verified_3wd", _l("Complaints verified within 3 working days"), "rate",
         ("complaints", "verified_3wd_rate"), ("complaints", "verified_3wd"),
         ("complaints", "count"), "complaints"),
    Line("followups", _l("Follow-up completion rate"), "rate", ("followups", "rate"),
         ("followups", "done"), ("followups", "due"), "followups"),
    Line("cost_per_order", _l("Cost per order"), "money", ("cost", "per_order_cents"),
         ("cost", "completed"), behind="completed"),
    Line("parts_per_order", _l("Parts per order"), "money", ("cost", "parts_per_order_cents"),
         ("cost", "completed"), behind="completed"),
    Line("labour_per_order", _l("Labour per order"), "money",
         ("cost", "labour_per_order_cents"), ("cost", "completed"), behind="completed"),
    Line("travel_per_order", _l("Travel per order"), "money",
         ("cost", "travel_per_order_cents"), ("cost", "completed"), behind="completed"),
    Line("warranty_parts", _l("Parts cost under warranty"), "money",
         ("cost", "warranty_parts_cents"), behind="warranty_parts"),
    Line("warranty_credited", _l("Credited by manufacturers on warranty claims"), "money",
         ("cost", "warranty_credited_cents")),
    Line("utilisation", _l("Technician utilisation"), "rate", ("utilisation", "rate")),
]


def _get(data: dict, path: tuple[str, ...] | None):
    if path is None:
        return None
    for part in path:
        if data is None:
            return None
        data = data.get(part)
    return data


def written(unit: str, value) -> str:
    """A KPI value in the reader's language; an em dash when there is nothing to measure."""
    if value is None:
        return "—"
    if unit == "duration":
        minutes = round(value / 60)
        if minutes < 60:
            return _("%(m)d min", m=minutes)
        hours, minutes = divmod(minutes, 60)
        if hours < 48:
            return _("%(h)d h %(m)d min", h=hours, m=minutes)
        return _("%(d)s days", d=format_decimal(round(value / 86400, 1)))
    if unit == "rate":
        return format_percent(value, "#,##0.0%")
    if unit == "money":
        from ..console.routes import money

        return money(round(value), setting("DOORSTEP_CURRENCY"))
    if unit == "rating":
        return format_decimal(value, "0.00")
    return format_decimal(value)


def _chart_value(unit: str, value):
    """The value a chart plots: hours, percent, currency units or the number itself."""
    if value is None:
        return None
    return {"duration": round(value / 3600, 2), "rate": round(value * 100, 1),
            "money": round(value / 100, 2)}.get(unit, value)


def _count_text(line: Line, summary: dict) -> str:
    count, whole = _get(summary, line.count), _get(summary, line.whole)
    if count is None:
        return ""
    if whole is None:
        return _("of %(n)s", n=format_decimal(count))
    return _("%(n)s of %(total)s", n=format_decimal(count), total=format_decimal(whole))


def rows(summary: dict, previous: dict | None = None) -> list[dict]:
    out = []
    for line in LINES:
        value = _get(summary, line.path)
        before = _get(previous, line.path) if previous else None
        out.append({"line": line, "value": value, "text": written(line.unit, value),
                    "count": _count_text(line, summary), "previous": before,
                    "previous_text": written(line.unit, before) if previous else "",
                    "change": _change(line.unit, value, before)})
    return out


def _change(unit: str, now, before) -> str:
    if now is None or before is None:
        return ""
    delta = now - before
    if unit == "rate":
        points = format_decimal(abs(round(delta * 100, 1)))
        return ("+" if delta >= 0 else "−") + _("%(n)s pp", n=points)
    if delta == 0:
        return "±0"
    return ("+" if delta > 0 else "−") + written(unit, abs(delta))


def _query() -> tuple[Period, Filters, str | None, dict]:
    """The page's period and filters from the address; the last 4 weeks by default.

    Raises ValidationError (answered as a 400 naming the field) on bad input.
    """
    # Only the period and filters: key and tier (the drill-down's) and lang (the console's
    # language switch) are read elsewhere.
    args = {k: v for k, v in request.args.items() if v != "" and k in QUERY_FIELDS}
    zone = ZoneInfo(setting("DOORSTEP_TIMEZONE"))
    today = datetime.now(zone).date()
    args.setdefault("to", today.isoformat())
    args.setdefault("from", (date.fromisoformat(args["to"]) - timedelta(days=27)).isoformat()
                    if _is_date(args["to"]) else today.isoformat())
    loaded = KpiQuery().load(args)
    period, filters, group_by = parse(loaded)
    return period, filters, group_by, args


QUERY_FIELDS = ("from", "to", "region", "city", "category", "type", "channel", "technician_id",
                "group_by")


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _refused(error: ValidationError):
    messages = {("from" if k == "from_" else k): v for k, v in error.messages.items()}
    return render_template("kpis/refused.html", errors=messages), 400


def _filter_choices() -> dict:
    return {**service.choices(), "types": list(OrderType), "channels": list(Channel)}


def _trend(period: Period, filters: Filters) -> dict:
    weeks = period.weeks()
    summaries = [service.summary(w, filters) for w in weeks]
    return {"labels": [w.start.isoformat() for w in weeks],
            "lines": {line.key: {"label": str(line.label), "unit": line.unit,
                                 "values": [_chart_value(line.unit, _get(s, line.path))
                                            for s in summaries],
                                 "texts": [written(line.unit, _get(s, line.path))
                                           for s in summaries]}
                      for line in LINES}}


def _trend_against_company(period: Period, filters: Filters, name: str) -> dict:
    """The weekly trend of one technician's KPIs with the company's figure of each week
    beside it (the same KPI over every order, no filter)."""
    own, company = _trend(period, filters), _trend(period, Filters())
    for key, line in own["lines"].items():
        line["company"] = company["lines"][key]["values"]
        line["company_texts"] = company["lines"][key]["texts"]
    own["series"] = {"own": name, "company": _("Whole company")}
    return own


def _unit_names() -> dict:
    return {"duration": _("hours"), "rate": "%", "money": current_app.config[
        "DOORSTEP_CURRENCY"], "rating": _("stars"), "number": ""}


LINE_BY_KEY = {line.key: line for line in LINES}
# The filter that narrows the dashboard to one group (week groups narrow the period instead).
GROUP_FIELD = {"technician": "technician_id", "region": "region", "category": "category"}
GROUP_LABELS = {"technician": _l("Technician"), "region": _l("Region"),
                "category": _l("Product category"), "week": _l("Week of")}
GROUP_TITLES = {"technician": _l("%(kpi)s by technician"), "region": _l("%(kpi)s by region"),
                "category": _l("%(kpi)s by product category"), "week": _l("%(kpi)s by week")}


def _grouped_line() -> Line:
    """The KPI the grouped table breaks down (``kpi``; first-time fix by default).

    Raises ValidationError naming ``kpi``."""
    key = request.args.get("kpi") or "first_time_fix"
    if key not in LINE_BY_KEY:
        raise ValidationError({"kpi": [_("is not a KPI of the dashboard")]})
    return LINE_BY_KEY[key]


def grouped_rows(data: dict, line: Line, args: dict) -> list[dict]:
    """One row per group: its label in the reader's language, the KPI's value and the count
    behind it, the orders requested, and the page's filters narrowed to that group (for the
    links to the orders behind each cell)."""
    from ..words import day, term

    group_by, out = data["group_by"], []
    base = {k: v for k, v in args.items() if k != "group_by"}
    for group in data["groups"]:
        key = group["key"]
        if group_by == "week":
            narrowed = {**base, "from": group["from"], "to": group["to"]}
            label = day(date.fromisoformat(key))
        elif key is None:
            narrowed, label = None, _("not known yet")
        else:
            narrowed = {**base, GROUP_FIELD[group_by]: key}
            label = term(group["label"]) if group_by == "category" else group["label"]
        value = _get(group, line.path)
        out.append({"key": key, "label": label, "args": narrowed, "value": value,
                    "text": written(line.unit, value), "count": _count_text(line, group),
                    "requested": group["orders"]["requested"]})
    return out


@bp.route("/")
@console_roles(*OFFICE)
def dashboard():
    """Each KPI of the period against the previous one, a weekly trend chart with its table
    beside it, and a link from every number to the orders behind it; optionally one KPI
    broken down by technician, region, product category or week."""
    try:
        period, filters, group_by, args = _query()
        line = _grouped_line()
    except ValidationError as error:
        return _refused(error)
    # One call: the period, the previous one and (when asked) each group.
    data = service.dashboard(period, filters, group_by)
    groups = grouped_rows(data, line, args) if group_by else None
    return render_template("kpis/dashboard.html", period=period, filters=filters, args=args,
                           rows=rows(data["period"], data["previous"]),
                           previous=period.previous(), trend=_trend(period, filters),
                           units=_unit_names(), choices=_filter_choices(),
                           complaints=data["period"]["complaints"], group_by=group_by,
                           grouped_line=line, groups=groups, lines=LINES,
                           group_labels=GROUP_LABELS, group_titles=GROUP_TITLES,
                           whole=_whole_row(line, data["period"], args) if groups is not None
                           else None)


def _whole_row(line: Line, summary: dict, args: dict) -> dict:
    value = _get(summary, line.path)
    return {"args": {k: v for k, v in args.items() if k != "group_by"}, "value": value,
            "text": written(line.unit, value), "count": _count_text(line, summary),
            "requested": summary["orders"]["requested"]}


@bp.route("/groups.<any(csv, xlsx):kind>")
@console_roles(*OFFICE)
def export_groups(kind: str):
    """The grouped table: one row per group with the KPI, the count behind it and the
    orders requested."""
    try:
        period, filters, group_by, args = _query()
        if not group_by:
            raise ValidationError({"group_by": [_("Choose how to break the KPI down.")]})
        line = _grouped_line()
    except ValidationError as error:
        return _refused(error)
    groups = grouped_rows(service.dashboard(period, filters, group_by), line, args)
    header = [str(GROUP_LABELS[group_by]), _("Orders requested"), str(line.label),
              _("Count behind")]
    body = [[g["label"], g["requested"], g["text"], g["count"]] for g in groups]
    return exports.download(kind, f"kpis-{line.key}-by-{group_by}-{period.start}-{period.end}",
                            header, body)


@bp.route("/export.<any(csv, xlsx):kind>")
@console_roles(*OFFICE)
def export(kind: str):
    """The dashboard's table (this period, the previous one, the count behind each)."""
    try:
        period, filters, _group, _args = _query()
    except ValidationError as error:
        return _refused(error)
    data = service.dashboard(period, filters)
    header = [_("KPI"), f"{period.start}–{period.end}", _("Count behind"),
              f"{period.previous().start}–{period.previous().end}"]
    body = [[str(r["line"].label), r["text"], r["count"], r["previous_text"]]
            for r in rows(data["period"], data["previous"])]
    return exports.download(kind, f"kpis-{period.start}-{period.end}", header, body)


BEHIND_TITLES = {
    "requested": _l("Orders requested"), "cancelled": _l("Cancelled orders"),
    "open": _l("Orders not completed"), "booked": _l("Orders booked"),
    "arrived": _l("Orders with a technician on site"), "completed": _l("Orders completed"),
    "within_3wd": _l("Completed within 3 working days"),
    "late_3wd": _l("Completed later than 3 working days"),
    "sla_met": _l("Response deadline met"), "sla_missed": _l("Response deadline missed"),
    "first_time_fix": _l("Fixed on the first visit"),
    "not_first_time_fix": _l("Not fixed on the first visit"),
    "repeat": _l("Repeat repairs (reopened or visited again)"),
    "reopened": _l("Reopened orders"), "warranty_parts": _l("Parts used under warranty"),
    "complaints": _l("Orders with a complaint"), "rated": _l("Orders rated"),
    "followups": _l("Orders with a follow-up call due"),
}


@bp.route("/orders")
@console_roles(*OFFICE)
def behind():
    """The orders behind one number of the dashboard (a filtered order list)."""
    key, tier = request.args.get("key", ""), request.args.get("tier") or None
    if not key:
        return redirect(url_for("kpis_console.dashboard"))
    if key not in service.BEHIND_KEYS:
        return _refused(ValidationError({"key": [_("is not a number of the dashboard")]}))
    if tier is not None and tier not in TIERS:
        return _refused(ValidationError({"tier": [_("is not an SLA tier")]}))
    try:
        period, filters, _group, args = _query()
    except ValidationError as error:
        return _refused(error)
    items = service.orders_behind(period, filters, key, tier)
    back = {k: v for k, v in args.items() if k not in ("key", "tier")}
    return render_template("kpis/behind.html", items=items, title=BEHIND_TITLES[key], tier=tier,
                           period=period, back=back, key=key)


@bp.route("/technicians/<uuid:technician_id>")
@console_roles(*OFFICE)
def scorecard(technician_id: uuid.UUID):
    """One technician's KPIs (360°): the dashboard's numbers for their orders, their
    ratings and comments, complaints and punctuality against appointment windows."""
    tech = db.session.get(Technician, technician_id)
    if tech is None:
        abort(404)
    try:
        period, filters, _group, args = _query()
    except ValidationError as error:
        return _refused(error)
    filters = Filters(technician_id=tech.id)
    data = service.dashboard(period, filters)
    args = {k: v for k, v in args.items() if k in ("from", "to")}
    return render_template("kpis/scorecard.html", tech=tech, period=period, args=args,
                           rows=rows(data["period"], data["previous"]),
                           trend=_trend_against_company(period, filters, tech.user.name),
                           units=_unit_names(),
                           feedback=service.technician_feedback(period, tech.id),
                           punctuality=service.punctuality(period, tech.id),
                           quality=technician_quality(db.session, tech.id, period.start,
                                                      period.end),
                           previous=period.previous())


def _month(text: str | None) -> date:
    zone = ZoneInfo(setting("DOORSTEP_TIMEZONE"))
    if text:
        try:
            first = date.fromisoformat(f"{text}-01")
        except ValueError:
            raise ValidationError({"month": [_("must be a month written YYYY-MM")]}) from None
        if not 2000 <= first.year < 2100:
            raise ValidationError({"month": [_("must be between 2000 and 2099")]})
        return first
    return datetime.now(zone).date().replace(day=1)


@bp.route("/ranking")
@bp.route("/ranking.<any(csv, xlsx):kind>")
@console_roles(*OFFICE)
def ranking(kind: str | None = None):
    """The month's technicians ranked (the "Service star", 服务之星, comes first)."""
    try:
        first = _month(request.args.get("month"))
    except ValidationError as error:
        return _refused(error)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    table = service.ranking(Period(first, last))
    month = first.strftime("%Y-%m")
    if kind:
        header = [_("Rank"), _("Technician"), _("Completed"), _("First-time-fix rate"),
                  _("Average rating"), _("Complaints"), _("On time"), _("Score")]
        body = [[r["rank"], r["name"], r["completed"], written("rate", r["ftf_rate"]),
                 written("rating", r["rating"]), r["complaints"],
                 written("rate", r["on_time_rate"]), r["score"]] for r in table]
        return exports.download(kind, f"ranking-{month}", header, body)
    previous = (first - timedelta(days=1)).strftime("%Y-%m")
    following = (last + timedelta(days=1)).strftime("%Y-%m")
    return render_template("kpis/ranking.html", table=table, month=month, first=first,
                           last=last, previous=previous, following=following)


@bp.route("/vendor/echarts.min.js")
def vendor_echarts():
    """ECharts, as npm installed it (package-lock.json pins the version); no build step."""
    directory = Path(current_app.root_path).parent / "node_modules" / "echarts" / "dist"
    return send_from_directory(directory, "echarts.min.js", max_age=3600)


@bp.app_context_processor
def _helpers():
    def kpi_link(key: str, args: dict, tier: str | None = None) -> str:
        return url_for("kpis_console.behind", key=key, tier=tier, **args)

    return {"kpi_link": kpi_link}
