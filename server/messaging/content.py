"""What each message says, in the customer's language, as text, HTML and SMS.

The words are here (translated through the catalogue like every other string); the layout
is in ``templates/messaging/mail.txt`` and ``mail.html``. Messages carry nothing the
customer does not already know: the order number, the window, the technician's first name,
the ETA and the link to their own page.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_skeleton
from flask import current_app, render_template
from flask_babel import force_locale, get_locale, get_timezone
from flask_babel import gettext as _

from ..extensions import db
from ..portal.links import ensure_link, url_of
from ..workorders.models import WorkOrder
from .channels import Envelope
from .models import Message
from ..settings.service import get as setting


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def day_and_time(value: datetime) -> str:
    """Mon 30 Nov 2026, 08:00 / 2026年11月30日周一 08:00, in the company's time zone."""
    zone, locale = get_timezone(), get_locale()
    return (format_skeleton("yMMMEd", value, tzinfo=zone, locale=locale) + " "
            + format_time(value))


def format_time(value: datetime) -> str:
    """08:00 in the company's time zone (both languages write the time of day so)."""
    return value.astimezone(get_timezone()).strftime("%H:%M")


def words(message: Message, url: str) -> dict:
    """Subject, greeting, paragraphs, the button's label and the SMS text (current locale)."""
    data = message.data or {}
    company = setting("DOORSTEP_COMPANY_NAME")
    number = data.get("number", "")
    if message.kind == "booking_confirmation":
        start, end = _dt(data.get("start")), _dt(data.get("end"))
        window = _("%(start)s – %(end)s", start=day_and_time(start), end=format_time(end))
        subject = _("Your visit is booked: %(window)s", window=window)
        lines = [_("We have booked a technician for your service request %(number)s.",
                   number=number),
                 _("Appointment window: %(window)s.", window=window),
                 _("Please confirm the window, or ask for another one, on your order's page. "
                   "The calendar file attached adds it to your calendar.")]
        action = _("Confirm or change the window")
        sms = _("%(company)s: visit %(number)s booked for %(window)s. Confirm or change: "
                "%(url)s", company=company, number=number, window=window, url=url)
    elif message.kind == "on_the_way":
        eta, tech = _dt(data.get("eta")), data.get("technician") or _("Your technician")
        if eta:
            subject = _("%(name)s is on the way, arriving about %(time)s",
                        name=tech, time=format_time(eta))
            lines = [_("%(name)s has left for your address and should arrive at about "
                       "%(time)s.", name=tech, time=format_time(eta))]
            sms = _("%(company)s: %(name)s is on the way, arriving about %(time)s. %(url)s",
                    company=company, name=tech, time=format_time(eta), url=url)
        else:
            subject = _("%(name)s is on the way", name=tech)
            lines = [_("%(name)s has left for your address.", name=tech)]
            sms = _("%(company)s: %(name)s is on the way. %(url)s", company=company,
                    name=tech, url=url)
        lines.append(_("Follow the visit on your order's page."))
        action = _("Open your order's page")
    elif message.kind == "report_ready":
        subject = _("Your signed service report %(number)s is ready", number=number)
        lines = [_("The service report you signed is ready. It is digitally signed: any "
                   "change to the file would show."),
                 _("Download it from your order's page.")]
        action = _("Download the report")
        sms = _("%(company)s: your signed report for %(number)s is ready: %(url)s",
                company=company, number=number, url=url)
    elif message.kind == "survey":
        subject = _("How did we do? %(number)s", number=number)
        lines = [_("Your service request %(number)s is closed. Tell us how we did: it takes "
                   "a minute.", number=number)]
        action = _("Rate the service")
        sms = _("%(company)s: how did we do on %(number)s? Rate us: %(url)s",
                company=company, number=number, url=url)
    elif message.kind == "complaint_update":
        said = data.get("said") or ""
        subject = _("About your complaint on %(number)s", number=number)
        lines = [said, _("Reply or follow it on your order's page.")]
        action = _("Open your order's page")
        sms = _("%(company)s, about your complaint on %(number)s: %(said)s %(url)s",
                company=company, number=number, said=said, url=url)
    elif message.kind == "incident_notice":
        said = data.get("said") or ""
        model = data.get("model") or ""
        subject = _("Important information about your %(model)s", model=model)
        lines = [said, _("Questions? Reply to this message or call us.")]
        action = _("Open your order's page")
        sms = _("%(company)s: %(said)s %(url)s", company=company, said=said, url=url)
    else:
        raise ValueError(f"unknown message kind {message.kind!r}")
    return {"subject": subject, "lines": lines, "action": action, "sms": sms,
            "greeting": _("Hello,"), "signoff": _("Thank you — %(company)s", company=company),
            "company": company, "url": url, "logo_url": _logo_url(),
            "phone": setting("DOORSTEP_COMPANY_PHONE")}


def _logo_url() -> str | None:
    """The uploaded logo at the company's public address (an e-mail can only show an image
    it can fetch); its hash in the query, so a new logo is not hidden by a cache."""
    from ..settings.service import LOGO_KEY, public_url

    saved = setting(LOGO_KEY)
    return f"{public_url()}/company/logo?v={saved['sha256'][:12]}" if saved else None


def ics(message: Message, url: str, summary: str) -> bytes:
    """A one-event calendar (RFC 5545) for the booked window, times in UTC."""
    data = message.data or {}
    start, end = _dt(data["start"]), _dt(data["end"])

    def stamp(value: datetime) -> str:
        return value.strftime("%Y%m%dT%H%M%SZ")

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,") \
            .replace("\n", "\\n")

    def fold(line: str) -> str:
        raw, out = line.encode(), []
        while len(raw) > 75:
            cut = 75 if not out else 74
            while (raw[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
                cut -= 1
            out.append(raw[:cut])
            raw = raw[cut:]
        out.append(raw)
        return "\r\n ".join(part.decode() for part in out)

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Doorstep//Customer messages//EN",
             "METHOD:PUBLISH", "BEGIN:VEVENT",
             f"UID:{message.work_order_id}-{stamp(start)}@doorstep",
             f"DTSTAMP:{stamp(message.created_at)}", f"DTSTART:{stamp(start)}",
             f"DTEND:{stamp(end)}", f"SUMMARY:{escape(summary)}",
             f"DESCRIPTION:{escape(url)}", f"URL:{url}", "END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()


def envelope_for(message: Message, url: str | None = None) -> Envelope:
    """The message ready for its channel, in its language, with the customer's link."""
    if url is None:
        order = db.session.get(WorkOrder, message.work_order_id)
        url = url_of(ensure_link(order))
    with force_locale(message.language if message.language in
                      current_app.config["LANGUAGES"] else "en"):
        w = words(message, url)
        if message.channel == "sms":
            return Envelope(message.recipient, w["subject"], w["sms"],
                            message_id=str(message.id))
        text = render_template("messaging/mail.txt", **w)
        html = render_template("messaging/mail.html", lang=message.language, **w)
        attachments = []
        if message.kind == "booking_confirmation":
            summary = _("%(company)s visit %(number)s", company=w["company"],
                        number=(message.data or {}).get("number", ""))
            attachments.append(("visit.ics", "text/calendar; method=PUBLISH",
                                ics(message, url, summary)))
    return Envelope(message.recipient, w["subject"], text, html, attachments,
                    message_id=f"<{message.id}@doorstep>")


def sample(kind: str, channel: str, language: str) -> Message:
    """A message as it would be queued, with made-up values, for reviewing the wording."""
    import uuid
    from datetime import UTC, timedelta

    start = datetime(2026, 6, 3, 1, 0, tzinfo=UTC)
    return Message(id=uuid.UUID(int=1), work_order_id=uuid.UUID(int=2), kind=kind,
                   channel=channel, language=language, recipient="customer@example.com",
                   created_at=start - timedelta(days=1),
                   data={"number": "WO-2026-000123", "start": start.isoformat(),
                         "end": (start + timedelta(hours=2)).isoformat(),
                         "eta": (start + timedelta(minutes=25)).isoformat(),
                         "technician": "李师傅" if language == "zh" else "Sam",
                         "report": "SR-2026-000045", "model": "KFR-35GW",
                         "said": "我们已核实情况，明天上午派师傅免费复修。" if language == "zh"
                         else "We checked what happened; a technician will redo the repair "
                              "free of charge tomorrow morning."})
