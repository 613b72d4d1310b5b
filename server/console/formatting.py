"""How the console writes times, durations and deadlines, in the reader's language and the
company's time zone; and what every page's top bar needs to know."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_skeleton
from flask import g
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from jinja2 import pass_context

from ..database import utcnow
from ..dispatch.suggestions import span
from ..words import Terms, phrase, term
from .blueprint import OFFICE, bp
from ..settings.service import get as setting



@pass_context
def _term_filter(context, value) -> str:
    """``term`` for templates. Taking the context keeps Jinja from folding ``"green"|term``
    into a constant when a template is compiled, in whatever language that first request
    spoke (it did: Chinese pages showed "On track")."""
    return term(value)


bp.add_app_template_filter(_term_filter, "term")


@bp.app_template_filter("moment")
def moment(value: datetime | None) -> str:
    """Mon, Jun 3, 14:32 / 6月3日周一 14:32: a deadline a dispatcher reads at a glance."""
    if value is None:
        return ""
    zone, locale = get_timezone(), get_locale()
    return (format_skeleton("MMMEd", value, tzinfo=zone, locale=locale) + " "
            + format_skeleton("Hm", value, tzinfo=zone, locale=locale))


@bp.app_template_filter("clock")
def clock(value: datetime | None, zone=None) -> str:
    """14:32, in the company's time zone (both languages write the time of day so);
    ``zone``: that zone, when the template already holds it (``company_zone()``)."""
    if value is None:
        return ""
    return value.astimezone(zone or get_timezone()).strftime("%H:%M")


# For templates that write many times: the zone read once, and a table of words
# (``term_table()[code]``, see ``words.Terms``).
bp.add_app_template_global(get_timezone, "company_zone")
bp.add_app_template_global(Terms, "term_table")


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


# -- the order's history, written for people -------------------------------------------------

@bp.app_template_filter("stamp")
def stamp(value: datetime | None, now: datetime | None = None) -> str:
    """One date-and-time form per language, no seconds, in the company's time zone:
    Mon, Nov 30 07:30 / 11月30日周一 07:30; the year too when it is not this year's."""
    if value is None:
        return ""
    # A long history shows the same few minutes hundreds of times: format each once.
    cache = g.setdefault("_stamps", {})
    key = (value.replace(second=0, microsecond=0), now is None)
    if key not in cache:
        cache[key] = _stamp(value, now)
    return cache[key]


def _stamp(value: datetime, now: datetime | None) -> str:
    # The one way a moment is written everywhere (server/words.py); ``now`` decides the year.
    from ..words import when

    zone = get_timezone()
    this_year = (now or utcnow()).astimezone(zone).year
    return when(value, zone=zone, year=value.astimezone(zone).year != this_year)


@bp.app_template_filter("minutes")
def minutes(value: int | None) -> str:
    """1 h 05 min / 45 min."""
    if value is None:
        return ""
    hours, rest = divmod(int(value), 60)
    if hours:
        return _("%(hours)s h %(minutes)s min", hours=hours, minutes=f"{rest:02d}")
    return _("%(minutes)s min", minutes=rest)


def map_link(latitude: float | None, longitude: float | None) -> str | None:
    """A link to the place on a map, or None without coordinates."""
    if latitude is None or longitude is None:
        return None
    return (f"https://www.openstreetmap.org/?mlat={latitude:.5f}&mlon={longitude:.5f}"
            f"#map=18/{latitude:.5f}/{longitude:.5f}")


bp.add_app_template_global(map_link, "map_link")


def _field_labels() -> dict:
    return {
        "channel": _("Channel"), "type": _("Job type"), "priority": _("Priority"),
        "symptom_code": _("Symptom"), "description": _("Fault"),
        "intake_answers": _("Intake answers"), "customer_notes": _("Customer notes"),
        "appointment_start": _("Appointment"), "appointment_end": _("Appointment end"),
        "assignee_id": _("Technician"), "language": _("Language"),
        "customer_id": _("Customer"),
        "preferred_start": _("Preferred time"), "preferred_end": _("Preferred time ends"),
        "respond_by": _("Respond by"), "resolve_by": _("Resolve by"),
        "labour_cents": _("Labour"), "travel_cents": _("Travel"),
        "arrival_notes": _("Arrival notes"), "diagnosis": _("Diagnosis"),
        "resolution": _("Resolution"), "root_cause": _("Root cause"),
    }


# Fields whose stored value is a code with a label (statuses, priorities…).
_CODED = frozenset({"channel", "type", "priority", "root_cause", "language"})
_TIMES = frozenset({"appointment_start", "appointment_end", "preferred_start",
                    "preferred_end", "respond_by", "resolve_by"})


def _value(field_name: str, value, names: dict, currency: str) -> str:
    from .routes import money

    if value in (None, "", {}, []):
        return "—"
    if field_name in _TIMES:
        parsed = fromiso(value) if isinstance(value, str) else value
        return stamp(parsed) if parsed else str(value)
    if field_name in _CODED:
        return phrase(value)
    if field_name == "assignee_id":
        return names.get(as_uuid(value)) or "—"
    if field_name in ("labour_cents", "travel_cents"):
        return money(int(value), currency)
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


@dataclass
class HistoryRow:
    """One line of an order's history as a person reads it."""

    kind: str
    server_time: datetime
    device_time: datetime | None
    actor: str
    text: str
    reason: str | None = None
    place: str | None = None
    link: tuple[str, str] | None = None  # (label, url) of a related order


def history_rows(events, names: dict, notes: dict, currency: str) -> list[HistoryRow]:
    """The order's events as sentences: "Appointment set to Mon, Nov 30, 07:30–09:00"
    rather than ``field_changed appointment_start: — → 2026-11-30T07:30:00+08:00``.

    ``names`` maps technician ids to names; ``notes`` maps note ids to their text.
    """
    from flask import url_for

    labels = _field_labels()
    rows: list[HistoryRow] = []
    skip: set = set()
    for index, event in enumerate(events):
        if index in skip:
            continue
        data = event.data or {}
        actor = event.actor.name if event.actor else _("system")
        row = HistoryRow(event.kind, event.server_time, event.device_time, actor, "",
                         event.reason, map_link(event.latitude, event.longitude))
        kind = event.kind
        if kind == "created":
            row.text = _("Request taken by %(channel)s, priority %(priority)s",
                         channel=phrase(data.get("channel")), priority=phrase(data.get("priority")))
            if data.get("repeat_of"):
                row.text += " · " + _("repeat of %(number)s", number=data["repeat_of"])
        elif kind == "transition":
            row.text = _("Status %(old)s → %(new)s", old=term(event.from_status),
                         new=term(event.to_status))
            kept = data.get("work_kept")
            if kept:
                row.text += " · " + _("work done on site is kept (%(what)s)",
                                      what=_kept_words(kept))
            if data.get("new_visit_id"):
                row.link = (data.get("new_visit"), url_for(
                    "console.order_detail", order_id=as_uuid(data["new_visit_id"])))
                row.text += " · " + _("new visit %(number)s", number=data.get("new_visit"))
        elif kind == "assigned":
            old, new = names.get(as_uuid(data.get("from"))), names.get(as_uuid(data.get("to")))
            row.text = (_("Assigned to %(name)s", name=new) if new and not old else
                        _("Reassigned from %(old)s to %(new)s", old=old, new=new) if new else
                        _("Unassigned from %(name)s", name=old or "—"))
        elif kind == "field_changed":
            name = data.get("field")
            label = labels.get(name, (name or "").replace("_", " "))
            new = _value(name, data.get("to"), names, currency)
            following = events[index + 1] if index + 1 < len(events) else None
            if name == "appointment_start" and following is not None \
                    and following.kind == "field_changed" \
                    and (following.data or {}).get("field") == "appointment_end" \
                    and following.actor_id == event.actor_id and data.get("to"):
                end = fromiso(following.data.get("to"))
                if end:
                    new = f"{new}–{clock(end)}"
                    skip.add(index + 1)
            before = _value(name, data.get("from"), names, currency)
            if data.get("to") in (None, ""):
                row.text = _("%(field)s cleared (was %(old)s)", field=label, old=before)
            elif data.get("from") in (None, "") or index + 1 in skip:
                row.text = _("%(field)s set to %(value)s", field=label, value=new)
            else:
                row.text = _("%(field)s changed from %(old)s to %(new)s", field=label,
                             old=before, new=new)
        elif kind == "note":
            body = notes.get(as_uuid(data.get("note_id")))
            row.text = _("Note: %(text)s", text=body) if body else _("Note added")
        elif kind in ("part_used", "part_returned"):
            row.text = (_("Used %(quantity)s × %(part)s", quantity=data.get("quantity"),
                          part=data.get("part")) if kind == "part_used" else
                        _("Returned %(quantity)s × %(part)s", quantity=data.get("quantity"),
                          part=data.get("part")))
        elif kind == "photo_attached":
            row.text = _photo_words(data.get("kind"))
        elif kind == "signature_captured":
            row.text = _("Signed by the customer, %(name)s", name=data.get("signer_name"))
        elif kind == "survey":
            row.text = _("Customer rated the visit %(rating)s of 5", rating=data.get("rating"))
        elif kind == "sla_breached":
            row.text = (_("respond deadline missed") if data.get("deadline") == "respond"
                        else _("resolve deadline missed"))
        elif kind == "escalated":
            row.text = _("Escalated to %(level)s %(name)s", level=phrase(data.get("level")),
                         name=data.get("to") or _("nobody (none set)"))
        elif kind == "sla_override" and data.get("incident"):
            row.text = _("Linked to incident %(number)s: incident SLA tier, deadlines moved "
                         "earlier", number=data["incident"])
        elif kind == "sla_override":
            row.text = _("Priority %(old)s → %(new)s; deadlines moved",
                         old=term(data.get("from")), new=term(data.get("to")))
        elif kind == "discount_set":
            from ..workorders import discounts

            row.text = _("Discount: %(what)s (%(reason)s), %(amount)s off the charges",
                         what=discounts.describe(data.get("kind"), data.get("value"), currency),
                         reason=discounts.REASONS.get(data.get("reason"), _("Other reason")),
                         amount=_value("labour_cents", data.get("discount_cents") or 0, names,
                                       currency))
        elif kind == "discount_removed":
            row.text = _("Discount removed")
        elif kind == "conflict":
            row.text = _("Sync conflict: %(kind)s", kind=phrase(data.get("kind")))
        elif kind.startswith("report_"):
            row.text = _("Report %(number)s: %(state)s", number=data.get("report", ""),
                         state=report_state_word(kind.removeprefix("report_")))
        else:
            row.text = term(kind)
        rows.append(row)
    return rows


@bp.app_template_filter("kept_words")
def _kept_words(kept: dict) -> str:
    """{"notes": 2, "photos": 1} → "2 notes, 1 photo"."""
    words = {
        "notes": lambda n: ngettext("%(num)s note", "%(num)s notes", n),
        "parts": lambda n: ngettext("%(num)s part line", "%(num)s part lines", n),
        "photos": lambda n: ngettext("%(num)s photo", "%(num)s photos", n),
        "time_logs": lambda n: ngettext("%(num)s time log", "%(num)s time logs", n),
    }
    return ", ".join(words[kind](count) if kind in words else f"{count} {kind}"
                     for kind, count in kept.items())


def report_state_word(status: str) -> str:
    return {
        "waiting": _("waiting"), "hash_mismatch": _("the signed content does not match"),
        "rendering": _("rendering"), "ready": _("ready"), "failed": _("failed"),
        "needs_resign": _("needs a new signature"),
    }.get(status, term(status))


def report_state(report, photos: list, signature_image_arrived: bool = True) -> str:
    """The report's state in words: waiting for 2 photos / for the signature image /
    rendering / ready / needs a new signature / failed with the reason."""
    if report is None:
        return _("not signed yet")
    if report.status == "waiting":
        pending = sum(1 for photo in photos if photo.status == "pending")
        if pending:
            return ngettext("waiting for %(num)s photo to upload",
                            "waiting for %(num)s photos to upload", pending)
        if not signature_image_arrived:
            return _("waiting for the signature image")
        return _("waiting for the order to be signed")
    if report.status == "failed":
        return _("failed: %(reason)s", reason=report.failure_reason or "?")
    return report_state_word(report.status)


@bp.app_template_filter("for_people")
def for_people(events) -> list[HistoryRow]:
    """``history_rows`` for a few events (what changed since a form was opened)."""
    from sqlalchemy import select

    from ..extensions import db
    from ..technicians.models import Technician
    from ..workorders.models import WorkOrderNote

    events = list(events or [])
    tech_ids = {as_uuid(v) for e in events if e.kind == "assigned"
                for v in ((e.data or {}).get("from"), (e.data or {}).get("to")) if v}
    names = {t.id: t.user.name for t in db.session.scalars(
        select(Technician).where(Technician.id.in_(tech_ids)))} if tech_ids else {}
    note_ids = {as_uuid((e.data or {}).get("note_id")) for e in events if e.kind == "note"}
    notes = {n.id: n.body for n in db.session.scalars(
        select(WorkOrderNote).where(WorkOrderNote.id.in_(note_ids)))} if note_ids else {}
    return history_rows(events, names, notes, setting("DOORSTEP_CURRENCY"))


def _lower_first(word: str) -> str:
    """A label in the middle of a sentence: "before", not "Before" (see ``words.phrase``)."""
    return word[0].lower() + word[1:] if len(word) > 1 and word[1].islower() else word


def _photo_words(kind: str) -> str:
    labels = {"before": _("before"), "after": _("after"), "other": _("other")}
    return _("Photo (%(kind)s) received", kind=_lower_first(labels.get(kind, kind)))


def visit_rows(visit, technician: str | None, events=()) -> list[HistoryRow]:
    """The steps of a visit the history has no event for: each photo and the signature,
    with the phone's time and, for the signature, the place. (Phones that sync today write
    ``photo_attached`` and ``signature_captured`` events; older records have none.)"""
    logged_photos = {str((e.data or {}).get("photo_id")) for e in events
                     if e.kind == "photo_attached"}
    signature_logged = any(e.kind == "signature_captured" for e in events)
    rows = [HistoryRow("photo", photo.created_at, photo.taken_at, technician or "—",
                       _photo_words(photo.kind), photo.caption)
            for photo in visit.photo_list if str(photo.id) not in logged_photos]
    signature = visit.signature
    if signature is not None and not signature_logged:
        rows.append(HistoryRow("signature", signature.received_at, signature.signed_at_device,
                               signature.signer_name,
                               _("Signed by the customer, %(name)s", name=signature.signer_name),
                               None, map_link(signature.latitude, signature.longitude)))
    return rows


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
