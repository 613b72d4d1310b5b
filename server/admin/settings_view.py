"""What the settings pages show: the effective values (stored or configured) as form
fields, or the values just posted when a field was refused, so nothing typed is lost."""

from __future__ import annotations

from babel.dates import get_day_names
from flask import current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import func, select

from ..assets.models import Asset, ProductCategory
from ..extensions import db
from ..intake import emergency, symptoms
from ..settings import service as settings

COMMON_ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Singapore", "Asia/Tokyo",
                "Europe/London", "Europe/Paris", "Europe/Berlin", "America/New_York",
                "America/Los_Angeles", "Australia/Sydney", "UTC")


def weekdays() -> list[tuple[int, str]]:
    """ISO weekday number and its name in the reader's language, Monday first."""
    names = get_day_names("wide", locale=str(get_locale() or "en"))
    return [(number, names[number - 1]) for number in range(1, 8)]


def _calendar_fields(values: dict) -> dict:
    opens, closes = values["WORK_HOURS"].split("-")
    return {"timezone": values["DOORSTEP_TIMEZONE"],
            "work_days": [str(d) for d in values["WORK_DAYS"]],
            "opens": opens, "closes": closes, "holidays": "\n".join(values["HOLIDAYS"])}


def company_view(form: dict | None) -> dict:
    now = settings.effective_company()
    fields = {"name": now["DOORSTEP_COMPANY_NAME"], "address": now["DOORSTEP_COMPANY_ADDRESS"],
              "phone": now["DOORSTEP_COMPANY_PHONE"], "locale": now["DOORSTEP_LOCALE"],
              "currency": now["DOORSTEP_CURRENCY"], "public_url": now["DOORSTEP_PUBLIC_URL"],
              "sender_name": now["MAIL_SENDER_NAME"], **_calendar_fields(now)}
    return {"f": {**fields, **(form or {})}, "weekdays": weekdays(), "zones": COMMON_ZONES,
            "has_logo": bool(settings.get(settings.LOGO_KEY)),
            "languages": current_app.config["LANGUAGES"]}


def sla_view(form: dict | None, target: str | None) -> dict:
    policy = settings.sla_policy()
    fields = {}
    for p, tier in policy["priorities"].items():
        for key, value in tier.items():
            fields[f"{p}_{key}"] = value
    for t, factor in policy["type_factors"].items():
        fields[f"factor_{t}"] = factor
    if form and target == "policy":
        fields = {**fields, **form}
        for p in settings.PRIORITIES:
            fields[f"{p}_wall_clock"] = form.get(f"{p}_wall_clock") in ("1", "on")
    regions = sorted(settings.get("REGION_CALENDARS").items())
    region_form = form if form and target == "region" else {
        "work_days": ["1", "2", "3", "4", "5"], "opens": "08:00", "closes": "18:00"}
    return {"f": fields, "priorities": settings.PRIORITIES, "units": settings.UNITS,
            "order_types": settings.ORDER_TYPES, "regions": regions, "rf": region_form,
            "weekdays": weekdays(), "zones": COMMON_ZONES,
            "company_calendar": _calendar_fields(settings.effective_company())}


def _lines_in(code: str, language: str) -> str:
    written = symptoms.instruction_lines(code, language)
    if written:
        return "\n".join(written)
    with force_locale(language):
        return "\n".join(str(line) for line in emergency.DEFAULTS.get(code, ()))


def symptoms_view(form: dict | None, target: str | None) -> dict:
    rows = []
    for symptom in symptoms_catalogue():
        code = symptom.code
        with force_locale("en"):
            label_en = str(symptom.label)
        with force_locale("zh"):
            label_zh = str(symptom.label)
        entry = symptoms.changes().get(code, {})
        row = {"code": code, "label": symptom.label, "label_en": label_en,
               "label_zh": label_zh, "category": symptom.category or "",
               "priority": symptom.priority, "emergency": symptoms.is_emergency(code),
               "instructions_en": _lines_in(code, "en"), "instructions_zh": _lines_in(code, "zh"),
               "active": entry.get("active", True), "questions": len(symptom.questions)}
        if form and target == code:
            row.update(form, emergency=form.get("emergency") in ("1", "on"),
                       active=form.get("active") in ("1", "on"))
        rows.append(row)
    return {"rows": rows, "categories": list(ProductCategory),
            "priorities": settings.PRIORITIES,
            "nf": form if form and target == "new" else {"priority": "normal"}}


def symptoms_catalogue():
    return symptoms.catalogue(include_inactive=True).values()


def questions_view(code: str, form: dict | None) -> dict | None:
    """The questions of one symptom as form rows (each answer option a line
    ``key | English | 中文 | raises``), with one blank row for a new question; after a
    refused save, the rows as typed."""
    symptom = symptoms.get(code)
    if symptom is None:
        return None
    if form:
        count = int(form.get("count") or 0) if str(form.get("count") or "").isdigit() else 0
        rows = [{name: form.get(f"q{i}_{name}", "") for name in
                 ("key", "label_en", "label_zh", "options", "position")}
                | {"active": form.get(f"q{i}_active") in ("1", "on")} for i in range(count)]
    else:
        rows = [{"key": q["key"], "label_en": q["label_en"], "label_zh": q["label_zh"],
                 "options": "\n".join(" | ".join([c["key"], c["label_en"], c["label_zh"]]
                                                 + ([c["raises"]] if c.get("raises") else []))
                                      for c in q["choices"] if c.get("active", True)),
                 "position": str(i + 1), "active": q.get("active", True)}
                for i, q in enumerate(settings.current_questions(code))]
        rows.append({"key": "", "label_en": "", "label_zh": "", "options": "",
                     "position": str(len(rows) + 1), "active": True})
    for row in rows:
        row["title"] = symptoms.Bilingual(row["label_en"], row["label_zh"])
    return {"symptom": symptom, "code": code, "rows": rows}


def batch_rules_view() -> list[dict]:
    """Each serial rule with what it does to a real appliance of its model: one example
    serial split into before / batch / after, and how many appliances the model has."""
    rows = []
    for model, rule in sorted(settings.batch_rules().items()):
        example = db.session.scalar(select(Asset.serial).where(
            Asset.model == model, Asset.serial.is_not(None), Asset.serial != "")
            .order_by(Asset.created_at.desc()).limit(1))
        count = db.session.scalar(select(func.count()).select_from(Asset).where(
            Asset.model == model))
        start, end = rule["start"] - 1, rule["start"] - 1 + rule["length"]
        rows.append({"model": model, "start": rule["start"], "length": rule["length"],
                     "appliances": count, "example": example,
                     "parts": (example[:start], example[start:end], example[end:])
                     if example else None})
    return rows
