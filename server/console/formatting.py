"""How the console writes times, durations and deadlines, in the reader's language and the
company's time zone; and what every page's top bar needs to know."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from babel.dates import format_skeleton
from flask import g
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from ..database import utcnow
from ..dispatch.suggestions import span
from ..words import term
from .blueprint import OFFICE, bp

bp.add_app_template_filter(term, "term")


@bp.app_template_filter("moment")
def moment(value: datetime | None) -> str:
    """Mon, Jun 3, 14:32 / 6月3日周一 14:32: a deadline a dispatcher reads at a glance."""
    if value is None:
        return ""
    zone, locale = get_timezone(), get_locale()
    return (format_skeleton("MMMEd", value, tzinfo=zone, locale=locale) + " "
            + format_skeleton("Hm", value, tzinfo=zone, locale=locale))


@bp.app_template_filter("clock")
def clock(value: datetime | None) -> str:
    """14:32, in the company's time zone (both languages write the time of day so)."""
    if value is None:
        return ""
    return value.astimezone(get_timezone()).strftime("%H:%M")


@bp.app_template_filter("hour")
def hour(value: datetime) -> str:
    """14 — an hour mark on the board's ruler."""
    return value.astimezone(get_timezone()).strftime("%H")


@bp.app_template_filter("weekday")
def weekday(value: date | None) -> str:
    """Mon, Jun 3 / 6月3日周一."""
    if value is None:
        return ""
    return format_skeleton("MMMEd", datetime(value.year, value.month, value.day),
                           locale=get_locale())


@bp.app_template_filter("fromiso")
def fromiso(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.app_template_filter("uuid")
def as_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


@bp.app_template_filter("isoday")
def isoday(value: datetime | None) -> str | None:
    """The day of ``value`` in the company's time zone, as 2030-06-03."""
    return value.astimezone(get_timezone()).date().isoformat() if value else None


@bp.app_template_filter("span")
def span_filter(value: timedelta | None) -> str:
    return "" if value is None else span(value)


@bp.app_template_filter("due")
def due(deadline: datetime | None, now: datetime | None = None) -> str:
    """"2 h 05 min left" or "late by 25 min"."""
    if deadline is None:
        return _("no deadline")
    left = deadline - (now or utcnow())
    if left < timedelta(0):
        return _("late by %(span)s", span=span(left))
    return _("%(span)s left", span=span(left))


@bp.app_context_processor
def _top_bar():
    """Unread notifications and open sync issues for the signed-in office user."""

    def counts():
        if "top_bar_counts" not in g:
            from ..dispatch.issues import open_issue_counts
            from ..notifications.service import unread_count

            if current_user.is_authenticated and current_user.role in OFFICE:
                g.top_bar_counts = {"notifications": unread_count(current_user),
                                    "sync": sum(open_issue_counts().values())}
            else:
                g.top_bar_counts = {"notifications": 0, "sync": 0}
        return g.top_bar_counts

    return {"top_bar_counts": counts}


@bp.app_template_filter("window")
def window_filter(start: datetime | None, end: datetime | None = None) -> str:
    """An appointment or preferred window: "Mon, Nov 30 07:30–09:00"."""
    from ..words import window

    return window(start, end)


@bp.app_template_filter("field_value")
def field_value_filter(value, field: str) -> str:
    """An order field's value in a history row: "wear_and_tear" → "Wear and tear"."""
    from ..words import field_value

    return field_value(value, field)
