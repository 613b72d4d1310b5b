"""Stored values and times as words for people: one place, both languages.

``term`` turns a stored code (status, category, priority, reason…) into its word: both
catalogues hold every code listed in ``server/console/vocabulary.py`` ("en_route" → "On
the way" / "在途"). A code missing from the catalogues is still shown readably, with
spaces for underscores, and ``tests/console/test_vocabulary.py`` fails until it is added.

``when`` and ``window`` write a moment and an appointment window the same way everywhere
(console, e-mails, reports): the company's time zone, the reader's language, no seconds.
"Mon, Nov 30 07:30" / "11月30日周一 07:30", and "Mon, Nov 30 07:30–09:00".
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from babel.dates import format_skeleton, get_timezone as babel_timezone
from flask import g, has_request_context
from flask_babel import get_locale, get_timezone, gettext


def term(value) -> str:
    if value is None or value == "":
        return ""  # gettext("") is the catalogue's header
    value = str(value)
    # A board shows the same few words hundreds of times: look each up once per request.
    cache = g.setdefault("_terms", {}) if has_request_context() else {}
    key = (str(get_locale()) if has_request_context() else "", value)
    if key not in cache:
        text = gettext(value)
        cache[key] = text.replace("_", " ") if text == value else text
    return cache[key]


class Terms(dict):
    """``term`` as a table for one rendering: ``terms[code]`` looks a code up the first
    time only. A board writes a few dozen distinct words 1,500 times; each ``term`` call
    asks Flask for the request, the cache and the locale again (a quarter of the board's
    rendering time). Build one per rendering, in the language it is rendered in."""

    def __missing__(self, value) -> str:
        text = term(value)
        self[value] = text
        return text


def phrase(value) -> str:
    """``term`` for the middle of a sentence: "no air conditioner skill", not "no Air
    conditioner skill" (languages without capitals are unchanged)."""
    word = term(value)
    if len(word) > 1 and word[0].isupper() and word[1].islower():
        return word[0].lower() + word[1:]
    return word


def _zone(zone: tzinfo | str | None) -> tzinfo:
    if zone is None:
        return get_timezone()
    return babel_timezone(zone) if isinstance(zone, str) else zone


def when(value: datetime | None, locale=None, zone: tzinfo | str | None = None,
         year: bool | None = None) -> str:
    """A moment as the reader writes it, without seconds: "Mon, Nov 30 07:30"; the year
    is written too when it is not this year (or when ``year`` says so)."""
    if value is None:
        return ""
    zone, locale = _zone(zone), locale or get_locale()
    if year is None:
        year = value.astimezone(zone).year != datetime.now(zone).year
    day_part = format_skeleton("yMMMEd" if year else "MMMEd", value, tzinfo=zone,
                               locale=locale)
    return day_part + " " + format_skeleton("Hm", value, tzinfo=zone, locale=locale)


def clock(value: datetime | None, zone: tzinfo | str | None = None) -> str:
    """14:32 in the company's time zone (both languages write the time of day so)."""
    if value is None:
        return ""
    return value.astimezone(_zone(zone)).strftime("%H:%M")


def window(start: datetime | None, end: datetime | None, locale=None,
           zone: tzinfo | str | None = None) -> str:
    """An appointment window: "Mon, Nov 30 07:30–09:00"; the day is written again only
    when the window ends on another day."""
    if start is None:
        return ""
    text = when(start, locale, zone)
    if end is None:
        return text
    zone = _zone(zone)
    if end.astimezone(zone).date() == start.astimezone(zone).date():
        return f"{text}–{clock(end, zone)}"
    return f"{text} – {when(end, locale, zone)}"


def day(value: date | datetime | None, locale=None) -> str:
    """A date alone: "Nov 30, 2026" / "2026年11月30日"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(get_timezone()).date()
    return format_skeleton("yMMMd", datetime(value.year, value.month, value.day),
                           locale=locale or get_locale())


_CODED_FIELDS = {"channel", "type", "priority", "root_cause", "status"}
_TIME_FIELDS = {"appointment_start", "appointment_end", "preferred_start", "preferred_end",
                "respond_by", "resolve_by"}


def field_value(value, field: str) -> str:
    """An order field's old or new value, as a history row shows it: a code as its word, a
    time as ``when`` writes it, a symptom as its label, nothing as "—"."""
    if value is None or value == "":
        return "—"
    if field in _CODED_FIELDS:
        return term(value)
    if field == "language":
        return {"en": "English", "zh": "简体中文"}.get(str(value), str(value))
    if field == "symptom_code":
        from .intake.symptoms import get

        symptom = get(str(value))
        return str(symptom.label) if symptom else str(value)
    if field in _TIME_FIELDS:
        try:
            return when(datetime.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    return str(value)
