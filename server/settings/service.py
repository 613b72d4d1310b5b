"""Reading and changing company settings. ``get(name)`` is what the rest of the server
reads: the stored value when an admin set one, otherwise the configuration's (or, for the
SLA policy, region calendars and the symptom catalogue, the built-in defaults, which are
today's behaviour). Writes are validated field by field (``Invalid`` names each refused
field; nothing is stored then), audited, and flushed only; the request commits.

Stored values are read once per application context (``g``) and that cache is dropped on
every write, so a change is seen by the next request of any worker.
"""

from __future__ import annotations

import re
from datetime import date, time
from zoneinfo import available_timezones

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.service import record
from ..errors import Invalid
from ..extensions import db
from .models import Setting

COMPANY = ("DOORSTEP_COMPANY_NAME", "DOORSTEP_COMPANY_ADDRESS", "DOORSTEP_COMPANY_PHONE",
           "DOORSTEP_TIMEZONE", "DOORSTEP_LOCALE", "DOORSTEP_CURRENCY",
           "WORK_DAYS", "WORK_HOURS", "HOLIDAYS", "DOORSTEP_PUBLIC_URL", "MAIL_SENDER_NAME")
PUBLIC_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$")
PRIORITIES = ("emergency", "high", "normal", "low")
ORDER_TYPES = ("repair", "install", "maintenance", "inspection", "return_exchange")
UNITS = ("hours", "days")  # days: working days of the calendar (wall-clock: 24 h)

# Today's targets (respond, resolve), each an amount and a unit; emergencies on the wall clock.
DEFAULT_SLA = {
    "priorities": {
        "emergency": {"respond": 2, "respond_unit": "hours", "resolve": 24,
                      "resolve_unit": "hours", "wall_clock": True},
        "high": {"respond": 4, "respond_unit": "hours", "resolve": 1, "resolve_unit": "days",
                 "wall_clock": False},
        "normal": {"respond": 1, "respond_unit": "days", "resolve": 3, "resolve_unit": "days",
                   "wall_clock": False},
        "low": {"respond": 2, "respond_unit": "days", "resolve": 5, "resolve_unit": "days",
                "wall_clock": False},
    },
    # Installations and returns/exchanges involve logistics: more time to resolve.
    "type_factors": {"repair": 1, "install": 2, "maintenance": 1, "inspection": 1,
                     "return_exchange": 2},
}
DEFAULTS = {"SLA_POLICY": DEFAULT_SLA, "REGION_CALENDARS": {}, "SYMPTOM_CATALOGUE": {},
            "SYMPTOM_QUESTIONS": {}, "COMPANY_LOGO": {}}
CODE = re.compile(r"^[A-Z][A-Z0-9_]{2,39}$")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RAISES = ("high", "emergency")


# --- reading -------------------------------------------------------------------------------

def read_stored() -> None:
    """Read the stored settings now, once for this request (``get`` then asks no more)."""
    _stored()


def _stored() -> dict:
    cache = g.get("_doorstep_settings")
    if cache is None:
        cache = {s.key: s.value for s in db.session.scalars(select(Setting))}
        g._doorstep_settings = cache
    return cache


def get(name: str):
    stored = _stored()
    if name in stored:
        return stored[name]
    if name in DEFAULTS:
        return DEFAULTS[name]
    return current_app.config[name]


def sla_policy() -> dict:
    return get("SLA_POLICY")


def region_key(name: str | None) -> str | None:
    """The key a region's calendar is kept under: the gazetteer's city key when the name is
    a known city in any spelling ("上海市" → "shanghai"), else the name in lower case."""
    from ..customers.geocoding import city_named

    if not name or not name.strip():
        return None
    return city_named(name) or name.strip().lower()


def _calendar_from(values: dict):
    from ..workorders.sla import WorkingCalendar

    start, end = (time.fromisoformat(t) for t in values["WORK_HOURS"].split("-"))
    return WorkingCalendar(
        timezone=values["DOORSTEP_TIMEZONE"], work_days=frozenset(values["WORK_DAYS"]),
        start=start, end=end,
        holidays=frozenset(date.fromisoformat(d) for d in values["HOLIDAYS"]))


def public_url() -> str:
    """The address customers reach the server at, without a trailing slash: what customer
    links, report verification links and QR codes start with (the admin's, else
    DOORSTEP_PUBLIC_URL)."""
    return get("DOORSTEP_PUBLIC_URL").rstrip("/")


def sender_name() -> str:
    """The name e-mails to customers come from: the admin's, else MAIL_SENDER_NAME, else
    the company's name."""
    return get("MAIL_SENDER_NAME") or get("DOORSTEP_COMPANY_NAME")


def company_calendar():
    return _calendar_from({k: get(k) for k in
                           ("DOORSTEP_TIMEZONE", "WORK_DAYS", "WORK_HOURS", "HOLIDAYS")})


def region_calendar(region: str | None):
    """The working calendar of a region (a city such as "London" or "上海"), or None when
    that region has none of its own."""
    key = region_key(region)
    values = get("REGION_CALENDARS").get(key) if key else None
    return _calendar_from(values) if values else None


def calendar_for(city: str | None):
    """The calendar SLA deadlines of an order in ``city`` are counted on: its region's,
    else the company's."""
    return region_calendar(city) or company_calendar()


def save(actor, key: str, value, action: str, **data) -> None:
    """Store one setting (other areas keep their own settings through this too): audited
    as ``action`` with ``data``, flushed, and the cached values dropped."""
    row = db.session.get(Setting, key)
    if row is None:
        row = Setting(key=key)
        db.session.add(row)
    row.value = value
    row.updated_by = getattr(actor, "id", None)
    record(action, actor, None, key=key, **data)
    db.session.flush()
    g.pop("_doorstep_settings", None)


# --- checking ------------------------------------------------------------------------------

def _work_days(values: list[str], errors: dict, field: str) -> list[int]:
    try:
        days = sorted({int(v) for v in values})
    except ValueError:
        days = []
    if not days or not all(1 <= d <= 7 for d in days):
        errors[field] = [_("Choose at least one working day.")]
    return days


def _work_hours(start: str, end: str, errors: dict, field: str) -> str:
    try:
        opens, closes = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
        if opens >= closes:
            raise ValueError
    except ValueError:
        errors[field] = [_("Opening and closing times such as 08:00 and 18:00, opening first.")]
        return ""
    return f"{opens:%H:%M}-{closes:%H:%M}"


def _holidays(text: str, errors: dict, field: str) -> list[str]:
    days = []
    for item in re.split(r"[\s,;]+", text.strip()):
        if not item:
            continue
        try:
            day = date.fromisoformat(item)
            if not 2000 <= day.year <= 2100:
                raise ValueError
        except ValueError:
            errors[field] = [_("Dates such as 2026-10-01, one a line; “%(value)s” is not one.",
                               value=item[:20])]
            return []
        days.append(day.isoformat())
    return sorted(set(days))


def _timezone(name: str, errors: dict, field: str) -> str:
    name = name.strip()
    if name not in available_timezones():
        errors[field] = [_("A time zone such as Asia/Shanghai or Europe/London.")]
    return name


# --- changing ------------------------------------------------------------------------------

def save_company(actor, form: dict) -> dict:
    """Name, address, phone, time zone, language, currency and the working week, hours and
    holidays. ``form`` holds strings (``work_days`` a list)."""
    errors: dict = {}
    name = (form.get("name") or "").strip()
    if not name or len(name) > 120:
        errors["name"] = [_("Enter the company's name (at most 120 characters).")]
    locale = form.get("locale") or ""
    if locale not in current_app.config["LANGUAGES"]:
        errors["locale"] = [_("Choose a language.")]
    currency = (form.get("currency") or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors["currency"] = [_("A three-letter currency code such as CNY or GBP.")]
    address = (form.get("address") or "").strip()
    phone = (form.get("phone") or "").strip()
    if len(address) > 300:
        errors["address"] = [_("At most 300 characters.")]
    if len(phone) > 40:
        errors["phone"] = [_("At most 40 characters.")]
    # Public URL and sender name: a form without them keeps what is in force.
    public = (form.get("public_url") if "public_url" in form else get("DOORSTEP_PUBLIC_URL"))
    public = (public or "").strip().rstrip("/")
    if not PUBLIC_URL.fullmatch(public) or len(public) > 200:
        errors["public_url"] = [_("An address such as https://service.example.com, starting "
                                  "with https:// or http://, without ? or #.")]
    sender = (form.get("sender_name") if "sender_name" in form else get("MAIL_SENDER_NAME"))
    sender = (sender or "").strip()
    if len(sender) > 80 or re.search(r"[\r\n<>\"@]", sender):
        errors["sender_name"] = [_("A name of at most 80 characters, without < > \" @ or "
                                   "line breaks.")]
    values = {
        "DOORSTEP_COMPANY_NAME": name, "DOORSTEP_COMPANY_ADDRESS": address,
        "DOORSTEP_COMPANY_PHONE": phone, "DOORSTEP_LOCALE": locale,
        "DOORSTEP_CURRENCY": currency,
        "DOORSTEP_TIMEZONE": _timezone(form.get("timezone") or "", errors, "timezone"),
        "WORK_DAYS": _work_days(form.get("work_days") or [], errors, "work_days"),
        "WORK_HOURS": _work_hours(form.get("opens") or "", form.get("closes") or "", errors,
                                  "work_hours"),
        "HOLIDAYS": _holidays(form.get("holidays") or "", errors, "holidays"),
        "DOORSTEP_PUBLIC_URL": public, "MAIL_SENDER_NAME": sender,
    }
    if errors:
        raise Invalid(_("Check the fields marked."), errors)
    changed = {k: v for k, v in values.items() if get(k) != v}
    for key, value in changed.items():
        before = get(key)
        save(actor, key, value, "settings.company_updated", before=before, after=value)
    return changed


def _amount(value: str, errors: dict, field: str) -> float:
    try:
        amount = float(value)
        if not 0 < amount <= 1000:
            raise ValueError
    except (TypeError, ValueError):
        errors[field] = [_("A number above 0, at most 1000.")]
        return 0
    return int(amount) if amount == int(amount) else amount


def save_sla(actor, form: dict) -> dict:
    """Respond and resolve targets per priority (an amount of hours or working days; wall
    clock or working time) and a resolve factor per job type. Fields are named
    ``<priority>_respond``, ``<priority>_respond_unit``, …, ``factor_<type>``."""
    errors: dict = {}
    priorities = {}
    for p in PRIORITIES:
        tier = {}
        for target in ("respond", "resolve"):
            tier[target] = _amount(form.get(f"{p}_{target}"), errors, f"{p}_{target}")
            unit = form.get(f"{p}_{target}_unit")
            if unit not in UNITS:
                errors[f"{p}_{target}_unit"] = [_("Choose hours or working days.")]
            tier[f"{target}_unit"] = unit
        tier["wall_clock"] = form.get(f"{p}_wall_clock") in ("1", "on", True)
        priorities[p] = tier
    factors = {}
    for t in ORDER_TYPES:
        try:
            factor = float(form.get(f"factor_{t}") or "")
            if not 0.1 <= factor <= 10:
                raise ValueError
            factors[t] = int(factor) if factor == int(factor) else factor
        except ValueError:
            errors[f"factor_{t}"] = [_("A factor from 0.1 to 10, such as 1 or 2.")]
    if errors:
        raise Invalid(_("Check the fields marked."), errors)
    policy = {"priorities": priorities, "type_factors": factors}
    if policy != sla_policy():
        save(actor, "SLA_POLICY", policy, "settings.sla_updated", before=sla_policy(),
              after=policy)
    return policy


def save_region_calendar(actor, form: dict) -> str:
    """A region's own calendar (time zone, working days, hours, holidays)."""
    errors: dict = {}
    key = region_key(form.get("region"))
    if key is None or len(key) > 60:
        errors["region"] = [_("Enter the region's city, such as London or 上海.")]
    values = {
        "DOORSTEP_TIMEZONE": _timezone(form.get("timezone") or "", errors, "timezone"),
        "WORK_DAYS": _work_days(form.get("work_days") or [], errors, "work_days"),
        "WORK_HOURS": _work_hours(form.get("opens") or "", form.get("closes") or "", errors,
                                  "work_hours"),
        "HOLIDAYS": _holidays(form.get("holidays") or "", errors, "holidays"),
        "name": (form.get("region") or "").strip(),
    }
    if errors:
        raise Invalid(_("Check the fields marked."), errors)
    calendars = dict(get("REGION_CALENDARS"))
    before = calendars.get(key)
    calendars[key] = values
    save(actor, "REGION_CALENDARS", calendars, "settings.region_calendar_saved",
          region=key, before=before, after=values)
    return key


def remove_region_calendar(actor, region: str) -> None:
    calendars = dict(get("REGION_CALENDARS"))
    before = calendars.pop(region, None)
    if before is not None:
        save(actor, "REGION_CALENDARS", calendars, "settings.region_calendar_removed",
              region=region, before=before)


def batch_rules() -> dict[str, dict[str, int]]:
    """Where a model's serial number carries its production batch: model → 1-based
    ``start`` and ``length`` (the admin's, else INCIDENT_BATCH_RULES)."""
    return get("INCIDENT_BATCH_RULES")


def _position(value, errors: dict, field: str, most: int) -> int:
    try:
        number = int(str(value or "").strip())
        if not 1 <= number <= most:
            raise ValueError
    except ValueError:
        errors[field] = [_("A whole number from 1 to %(most)d.", most=most)]
        return 0
    return number


def save_batch_rule(actor, form: dict) -> str:
    """A model's serial rule: the batch is ``length`` characters from position ``start``
    (the first character is 1) of its appliances' serial numbers."""
    errors: dict = {}
    model = (form.get("model") or "").strip()
    if not model or len(model) > 80:
        errors["model"] = [_("Enter the model as on the rating plate (at most 80 "
                             "characters).")]
    rule = {"start": _position(form.get("start"), errors, "start", 60),
            "length": _position(form.get("length"), errors, "length", 20)}
    if errors:
        raise Invalid(_("Check the fields marked."), errors)
    rules = dict(batch_rules())
    before = rules.get(model)
    if before != rule:
        rules[model] = rule
        save(actor, "INCIDENT_BATCH_RULES", rules, "settings.batch_rule_saved", model=model,
              before=before, after=rule)
    return model


def remove_batch_rule(actor, model: str) -> None:
    rules = dict(batch_rules())
    before = rules.pop(model, None)
    if before is not None:
        save(actor, "INCIDENT_BATCH_RULES", rules, "settings.batch_rule_removed", model=model,
              before=before)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def save_symptom(actor, form: dict, code: str | None = None) -> str:
    """Change a symptom of the catalogue (``code``) or add one (its code in the form):
    labels in English and Chinese, product category, starting priority, whether it is
    an emergency and the instructions read to the caller (one line each), offered or not."""
    from ..assets.models import ProductCategory
    from ..intake import symptoms

    errors: dict = {}
    new = code is None
    code = (form.get("code") or "").strip().upper() if new else code
    if new and not CODE.fullmatch(code):
        errors["code"] = [_("A code of capitals, digits and _ such as WH_NO_HOT_WATER.")]
    elif new and code in symptoms.catalogue(include_inactive=True):
        errors["code"] = [_("That code is taken.")]
    elif not new and code not in symptoms.catalogue(include_inactive=True):
        # A withdrawn symptom is still one: an admin may offer it again.
        errors["code"] = [_("No such symptom.")]
    label_en, label_zh = (form.get("label_en") or "").strip(), (form.get("label_zh") or "").strip()
    if not label_en or len(label_en) > 120:
        errors["label_en"] = [_("Enter the English label (at most 120 characters).")]
    if not label_zh or len(label_zh) > 120:
        errors["label_zh"] = [_("Enter the Chinese label (at most 120 characters).")]
    category = form.get("category") or ""
    if category not in set(ProductCategory) and not (category == "" and code == "OTHER"):
        errors["category"] = [_("Choose a product category.")]
    priority = form.get("priority") or ""
    if priority not in PRIORITIES:
        errors["priority"] = [_("Choose a priority.")]
    emergency = form.get("emergency") in ("1", "on", True)
    lines_en, lines_zh = _lines(form.get("instructions_en")), _lines(form.get("instructions_zh"))
    if any(len(line) > 300 for line in lines_en + lines_zh):
        errors["instructions_en"] = [_("At most 300 characters a line.")]
    if emergency and not lines_en and (new or code not in symptoms.DEFAULT_INSTRUCTIONS):
        errors["instructions_en"] = [_("An emergency needs instructions to read to the caller.")]
    if emergency and not lines_zh and (new or code not in symptoms.DEFAULT_INSTRUCTIONS):
        errors["instructions_zh"] = [_("An emergency needs instructions to read to the caller.")]
    if errors:
        raise Invalid(_("Check the fields marked."), errors)
    entry = {"label_en": label_en, "label_zh": label_zh, "category": category or None,
             "priority": priority, "emergency": emergency, "instructions_en": lines_en,
             "instructions_zh": lines_zh,
             "active": new or code == "OTHER" or form.get("active") in ("1", "on", True)}
    catalogue = dict(get("SYMPTOM_CATALOGUE"))
    before = catalogue.get(code)
    catalogue[code] = entry
    save(actor, "SYMPTOM_CATALOGUE", catalogue,
          "symptom.created" if new else "symptom.updated", code=code, before=before,
          after=entry)
    return code


def current_questions(code: str) -> list[dict]:
    """The question entries of symptom ``code`` as saved, or its built-in questions written
    out in both languages (what the admin page starts from)."""
    from flask_babel import force_locale

    from ..intake import symptoms

    saved = get("SYMPTOM_QUESTIONS").get(code)
    if saved is not None:
        return saved
    base = symptoms.BY_CODE.get(code)

    def both(label) -> dict:
        with force_locale("en"):
            en = str(label)
        with force_locale("zh"):
            zh = str(label)
        return {"label_en": en, "label_zh": zh}

    return [{"key": q.key, **both(q.label), "active": True,
             "choices": [{"key": c.key, **both(c.label), "raises": q.raises.get(c.key),
                          "active": True} for c in q.choices]}
            for q in (base.questions if base else ())]


def _options(text: str, errors: dict, field: str) -> list[dict]:
    """Answer options, one a line: ``key | English | 中文`` and optionally ``| high`` or
    ``| emergency`` (the priority that answer calls for)."""
    options, seen = [], set()
    for line in _lines(text):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) not in (3, 4) or not all(parts[:3]):
            errors[field] = [_("One answer a line: key | English | 中文, and | high or "
                               "| emergency when that answer raises the priority.")]
            return []
        key, en, zh = parts[:3]
        raises = parts[3].lower() if len(parts) == 4 and parts[3] else None
        if not KEY.fullmatch(key) or key in seen:
            errors[field] = [_("“%(value)s”: an answer key of small letters, digits and _, "
                               "each once.", value=key[:40])]
            return []
        if raises is not None and raises not in RAISES:
            errors[field] = [_("“%(value)s”: an answer raises the priority to high or "
                               "emergency only.", value=parts[3][:20])]
            return []
        if len(en) > 120 or len(zh) > 120:
            errors[field] = [_("At most 120 characters a label.")]
            return []
        seen.add(key)
        options.append({"key": key, "label_en": en, "label_zh": zh, "raises": raises,
                        "active": True})
    return options


def save_questions(actor, code: str, form: dict) -> list[dict]:
    """The intake questions of symptom ``code``, in the order asked. Fields per question
    ``q<i>_key``, ``q<i>_label_en``, ``q<i>_label_zh``, ``q<i>_options`` (see ``_options``;
    empty: a free-text answer), ``q<i>_position`` and ``q<i>_active``, for i from 0 to
    ``count`` − 1; a row left wholly blank is ignored (the form's empty "new question").

    Nothing is forgotten: a question or answer that disappears from the form is kept as
    withdrawn, so the orders that hold it still show its words."""
    from ..intake import symptoms

    if code not in symptoms.catalogue(include_inactive=True):
        raise Invalid(_("Check the fields marked."), {"code": [_("No such symptom.")]})
    errors: dict = {}
    try:
        count = int(form.get("count") or 0)
        if not 0 <= count <= 30:
            raise ValueError
    except ValueError:
        raise Invalid(_("Check the fields marked."),
                      {"count": [_("At most 30 questions.")]}) from None
    rows = []
    for i in range(count):
        f = {name: (form.get(f"q{i}_{name}") or "").strip()
             for name in ("key", "label_en", "label_zh", "options", "position")}
        if not any(f[name] for name in ("key", "label_en", "label_zh", "options")):
            continue
        if not KEY.fullmatch(f["key"]):
            errors[f"q{i}_key"] = [_("A key of small letters, digits and _ such as gas_off.")]
        elif f["key"] in {row[1]["key"] for row in rows}:
            errors[f"q{i}_key"] = [_("Each question once.")]
        if not f["label_en"] or len(f["label_en"]) > 200:
            errors[f"q{i}_label_en"] = [_("Enter the English question (at most 200 characters).")]
        if not f["label_zh"] or len(f["label_zh"]) > 200:
            errors[f"q{i}_label_zh"] = [_("Enter the Chinese question (at most 200 characters).")]
        try:
            position = int(f["position"] or i + 1)
        except ValueError:
            errors[f"q{i}_position"] = [_("A whole number: where the question comes.")]
            position = i + 1
        rows.append((position, {
            "key": f["key"], "label_en": f["label_en"], "label_zh": f["label_zh"],
            "active": form.get(f"q{i}_active") in ("1", "on", True),
            "choices": _options(f["options"], errors, f"q{i}_options")}, i))
    if errors:
        raise Invalid(_("Check the fields marked."), errors)
    before = current_questions(code)
    old = {q["key"]: q for q in before}
    questions = []
    for _position, question, _i in sorted(rows, key=lambda r: (r[0], r[2])):
        kept = {c["key"] for c in question["choices"]}
        previous = old.pop(question["key"], None)
        question["choices"] += [dict(c, active=False) for c in (previous or {}).get("choices", [])
                                if c["key"] not in kept]
        questions.append(question)
    questions += [dict(q, active=False) for q in old.values()]
    saved = dict(get("SYMPTOM_QUESTIONS"))
    if saved.get(code) != questions:
        saved[code] = questions
        save(actor, "SYMPTOM_QUESTIONS", saved, "symptom.questions_updated", code=code,
              before=before, after=questions)
    return questions


def effective_company() -> dict:
    return {k: get(k) for k in COMPANY}


# --- the company logo ------------------------------------------------------------------------

LOGO_KEY = "COMPANY_LOGO"
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_BOX = (600, 240)  # printed about 50 × 20 mm on reports and quotes: ~300 dpi


def _logo_refused(message: str) -> Invalid:
    return Invalid(message, {"logo": [message]})


def save_logo(actor, stream, declared_size: int | None = None) -> dict:
    """A logo for reports, quotes and the customer's page, uploaded by an admin: a PNG, JPEG
    or WebP of at most 2 MB, checked the way photos are (its real type from its bytes, its
    structure, a pixel limit; never SVG, which can carry scripts), then re-encoded to fit
    600 × 240 px and kept in the blob store under the hash of what is stored. Raises
    Invalid naming ``logo``; nothing is stored then."""
    import hashlib
    import os

    from ..media import images
    from ..media.blobs import scratch_files
    from ..media.storage import key_for, storage

    if stream is None:
        raise _logo_refused(_("Choose a PNG, JPEG or WebP file."))
    data = stream.read(LOGO_MAX_BYTES + 1)
    if not data:
        raise _logo_refused(_("Choose a PNG, JPEG or WebP file."))
    if len(data) > LOGO_MAX_BYTES or (declared_size or 0) > LOGO_MAX_BYTES:
        raise _logo_refused(_("The logo may be at most 2 MB."))
    with scratch_files() as (fd, original, new_scratch):
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        try:
            images.check_and_render(original, current_app.config["MAX_PHOTO_PIXELS"],
                                    new_scratch)
        except images.BadImage:
            raise _logo_refused(_("This is not a PNG, JPEG or WebP image (SVG is not "
                                  "accepted).")) from None
        printed = images.report_image(original, LOGO_BOX)
        sha256 = hashlib.sha256(printed).hexdigest()
        target = new_scratch()
        target.write_bytes(printed)
        storage().put_file(key_for(sha256), target)
    value = {"sha256": sha256,
             "type": "image/png" if printed.startswith(b"\x89PNG") else "image/jpeg"}
    before = get(LOGO_KEY)
    save(actor, LOGO_KEY, value, "settings.company_updated", before=before, after=value)
    return value


def remove_logo(actor) -> None:
    """Back to the configured logo (DOORSTEP_COMPANY_LOGO), or none."""
    before = _stored().get(LOGO_KEY)
    if before:
        save(actor, LOGO_KEY, {}, "settings.company_updated", before=before, after=None)


def logo() -> tuple[bytes, str] | None:
    """The logo's bytes and type: the admin's upload, else None (the caller then reads
    the configured file, as before)."""
    from ..media.storage import key_for, storage

    saved = _stored().get(LOGO_KEY)
    if not saved:
        return None
    with storage().open(key_for(saved["sha256"])) as source:
        return source.read(), saved["type"]
