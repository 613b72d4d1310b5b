"""Job checklists: templates per job type and product category, with every version kept;
answers given on site; the rule that a job whose checklist blocks completion cannot be
completed until every required item is answered. Flushes only.

An item counts as answered when its latest answer (latest ``device_time``, then largest
id — the phone decides the same way) is a non-empty value, and for a tick item "yes".
A number outside the item's limits is accepted (it was measured) and flagged.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from ..accounts.models import User
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..workorders import service as orders
from ..workorders.models import WorkOrder
from .models import ChecklistAnswer, ChecklistTemplate, ChecklistTemplateVersion, ItemKind

FIELDS = ("name_en", "name_zh", "job_types", "category", "models", "blocks_completion",
          "items")


def _snapshot(template: ChecklistTemplate, actor: User | None) -> None:
    db.session.add(ChecklistTemplateVersion(
        template_id=template.id, version=template.version,
        author_id=actor.id if actor else None,
        **{key: getattr(template, key) for key in FIELDS}))


def _clean(data: dict) -> dict:
    out = dict(data)
    for key in ("job_types", "models"):
        if key in out:
            out[key] = list(dict.fromkeys(v.strip() for v in out[key] if v and v.strip()))
    for key in ("name_en", "name_zh"):
        if key in out:
            out[key] = out[key].strip()
    if "items" in out:
        out["items"] = [{**item, "label_en": item["label_en"].strip(),
                         "label_zh": item["label_zh"].strip()} for item in out["items"]]
    return out


def create_template(actor: User | None, data: dict) -> ChecklistTemplate:
    """A new template, version 1."""
    data = _clean(data)
    template = ChecklistTemplate(author_id=actor.id if actor else None, version=1,
                                 active=data.get("active", True),
                                 **{key: data.get(key) for key in FIELDS})
    if data.get("id"):
        if db.session.get(ChecklistTemplate, data["id"]) is not None:
            raise Conflict("A template with this id exists.", {"id": ["is already used"]})
        template.id = data["id"]
    db.session.add(template)
    db.session.flush()
    _snapshot(template, actor)
    db.session.flush()
    return template


def update_template(actor: User | None, template: ChecklistTemplate,
                    changes: dict) -> ChecklistTemplate:
    """Save a new version when something changed (``active`` alone is no new version)."""
    changes = _clean(changes)
    if "active" in changes:
        template.active = changes["active"]
    changed = {key: value for key, value in changes.items()
               if key in FIELDS and getattr(template, key) != value}
    if changed:
        for key, value in changed.items():
            setattr(template, key, value)
        template.version += 1
        template.author_id = actor.id if actor else None
        db.session.flush()
        _snapshot(template, actor)
    db.session.flush()
    return template


def get_template(template_id: uuid.UUID) -> ChecklistTemplate:
    template = db.session.get(ChecklistTemplate, template_id)
    if template is None:
        raise NotFound("No such checklist template.")
    return template


def list_templates() -> list[ChecklistTemplate]:
    return list(db.session.scalars(select(ChecklistTemplate).order_by(
        ChecklistTemplate.active.desc(), ChecklistTemplate.name_en)))


def items_of(template_id: uuid.UUID, version: int) -> list[dict] | None:
    """The items of one version of a template (None: no such version)."""
    template = db.session.get(ChecklistTemplate, template_id)
    if template is not None and template.version == version:
        return template.items
    return db.session.scalar(select(ChecklistTemplateVersion.items).where(
        ChecklistTemplateVersion.template_id == template_id,
        ChecklistTemplateVersion.version == version))


def applies(template: ChecklistTemplate, order: WorkOrder) -> bool:
    """Whether the template is for this order's job type and product."""
    if not template.active:
        return False
    if template.job_types and order.type not in template.job_types:
        return False
    asset = order.asset
    if template.category and (asset is None or asset.category != template.category):
        return False
    return not template.models or (asset is not None and asset.model in template.models)


def templates_for(order: WorkOrder) -> list[ChecklistTemplate]:
    return [t for t in list_templates() if applies(t, order)]


def latest_answers(order: WorkOrder) -> dict[tuple[uuid.UUID, str], ChecklistAnswer]:
    """The answer to each (template, item): latest device time, then largest id."""
    rows = db.session.scalars(select(ChecklistAnswer).where(
        ChecklistAnswer.work_order_id == order.id))
    latest: dict = {}
    for row in rows:
        key = (row.template_id, row.item_key)
        rank = (row.device_time or row.created_at, str(row.id))
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, row)
    return {key: row for key, (_, row) in latest.items()}


def is_answered(item: dict, answer: ChecklistAnswer | None) -> bool:
    if answer is None or not (answer.value or "").strip():
        return False
    return item["kind"] != ItemKind.TICK or answer.value == "yes"


def missing(order: WorkOrder) -> list[tuple[ChecklistTemplate, dict]]:
    """Required items of the order's completion-blocking checklists not yet answered."""
    answers = latest_answers(order)
    return [(template, item) for template in templates_for(order) if template.blocks_completion
            for item in template.items
            if item.get("required", True) and not is_answered(
                item, answers.get((template.id, item["key"])))]


def check_completion(order: WorkOrder) -> None:
    """Raises Conflict ``checklist_incomplete`` naming the missing items."""
    gaps = missing(order)
    if gaps:
        from flask_babel import get_locale
        from flask_babel import gettext as _

        language = "zh" if str(get_locale() or "en").startswith("zh") else "en"
        labels = [label(item, language) for _t, item in gaps]
        raise Conflict(_("The checklist is not complete: %(items)s.", items=", ".join(labels)),
                       {"checklist": [f"{item['key']}: not answered" for _t, item in gaps]},
                       code="checklist_incomplete")


orders.COMPLETION_CHECKS.append(check_completion)


_DECIMAL = re.compile(r"^(-?)(\d{1,10})(?:[.,](\d{1,6}))?$")


def plain_decimal(value: str) -> str | None:
    """A number as the one plain decimal both the phone and the server write: no leading
    or trailing zeros, "." as the point, no "-0" ("007.50" → "7.5"). None: not a number
    (at most 10 digits before the point and 6 after; "," is read as the point)."""
    match = _DECIMAL.match(value.strip())
    if match is None:
        return None
    sign, whole, fraction = match.group(1), match.group(2).lstrip("0") or "0", \
        (match.group(3) or "").rstrip("0")
    text = whole + ("." + fraction if fraction else "")
    return text if text == "0" or not sign else "-" + text


def normalise_value(item: dict, value: str) -> tuple[str, bool]:
    """The stored form of an answer and whether it is outside the item's limits.

    Raises Invalid naming ``value``.
    """
    value = (value or "").strip()
    kind = item["kind"]
    if kind == ItemKind.TICK:
        if value not in ("yes", "no"):
            raise Invalid("A tick is yes or no.", {"value": ["must be yes or no"]})
        return value, False
    if kind == ItemKind.NUMBER:
        text = plain_decimal(value)
        if text is None:
            raise Invalid("Not a number.", {"value": ["must be a number such as 1.5"]})
        number = Decimal(text)
        low, high = item.get("min"), item.get("max")
        outside = (low is not None and number < Decimal(str(low))) or \
            (high is not None and number > Decimal(str(high)))
        return text, outside
    if kind == ItemKind.PHOTO:
        try:
            return str(uuid.UUID(value)), False
        except ValueError:
            raise Invalid("A photo answer is the photo's id.",
                          {"value": ["must be the id of a photo of this job"]}) from None
    if not value:
        raise Invalid("The answer is empty.", {"value": ["must not be empty"]})
    return value, False


def record_answer(order: WorkOrder, answer_id: uuid.UUID, template_id: uuid.UUID,
                  version: int, item_key: str, value: str, technician_id=None,
                  device_time: datetime | None = None, now: datetime | None = None
                  ) -> ChecklistAnswer:
    """Store one answer. Raises Invalid naming ``template_version``, ``item_key`` or
    ``value``."""
    stored, outside = prepare_answer(template_id, version, item_key, value, order)
    answer = ChecklistAnswer(id=answer_id, work_order_id=order.id, template_id=template_id,
                             template_version=version, item_key=item_key, value=stored,
                             out_of_limits=outside, technician_id=technician_id,
                             device_time=device_time, **({"created_at": now} if now else {}))
    db.session.add(answer)
    db.session.flush()
    return answer


def prepare_answer(template_id: uuid.UUID, version: int, item_key: str,
                   value: str, order: WorkOrder | None = None) -> tuple[str, bool]:
    """The stored value of an answer to an item of a template version, and whether it is
    outside the item's limits; a photo answer must name a photo of ``order``. Raises
    Invalid naming the field."""
    items = items_of(template_id, version)
    if items is None:
        raise Invalid("No such checklist template version.",
                      {"template_version": ["no such template or version"]})
    item = next((i for i in items if i["key"] == item_key), None)
    if item is None:
        raise Invalid("No such checklist item.", {"item_key": ["is not in this checklist"]})
    stored, outside = normalise_value(item, value)
    if item["kind"] == ItemKind.PHOTO and order is not None:
        from ..media.models import Photo

        photo = db.session.get(Photo, uuid.UUID(stored))
        if photo is None or photo.work_order_id != order.id:
            raise Invalid("No such photo of this job.",
                          {"value": ["must be the id of a photo of this job"]})
    return stored, outside


def label(item: dict, language: str) -> str:
    return item["label_zh"] if language == "zh" else item["label_en"]


def signed_entries(order: WorkOrder) -> list[dict]:
    """The checklist part of the signed content: each item's current answer as
    ``{"template", "version", "key", "value"}``, by template id then key (strings only)."""
    return sorted(({"template": str(a.template_id).lower(), "version": a.template_version,
                    "key": a.item_key, "value": a.value}
                   for a in latest_answers(order).values()),
                  key=lambda e: (e["template"], e["key"]))


def record_for(order: WorkOrder, language: str) -> list[dict]:
    """What the order page and the PDF show: per checklist that applies or was answered,
    its items in template order with the answer (or none) and the out-of-limits flag."""
    answers = latest_answers(order)
    wanted = {t.id: t for t in templates_for(order)}
    for template_id, _key in answers:
        if template_id not in wanted:
            wanted[template_id] = db.session.get(ChecklistTemplate, template_id)
    out = []
    for template in wanted.values():
        version = max((a.template_version for (t, _k), a in answers.items()
                       if t == template.id), default=template.version)
        items = items_of(template.id, version) or template.items
        rows = []
        for item in items:
            answer = answers.get((template.id, item["key"]))
            rows.append({"key": item["key"], "kind": item["kind"],
                         "label": label(item, language), "unit": item.get("unit"),
                         "required": item.get("required", True),
                         "min": item.get("min"), "max": item.get("max"),
                         "value": answer.value if answer else None,
                         "out_of_limits": bool(answer and answer.out_of_limits),
                         "answered": is_answered(item, answer)})
        out.append({"name": template.name_zh if language == "zh" else template.name_en,
                    "version": version, "blocks_completion": template.blocks_completion,
                    "items": rows})
    return out


def printed(entries: list[dict], language: str) -> list[dict]:
    """The signed content's checklist entries as the report prints them: per checklist
    (its name in ``language``), its answered items in the template's order with the value
    in words, the unit, and whether a number is outside the item's limits."""
    from flask_babel import gettext as _

    by_template: dict[str, list[dict]] = {}
    for entry in entries or []:
        by_template.setdefault(entry["template"], []).append(entry)
    out = []
    for template_id, answered in by_template.items():
        template = db.session.get(ChecklistTemplate, uuid.UUID(template_id))
        if template is None:
            continue
        version = max(e["version"] for e in answered)
        items = items_of(template.id, version) or template.items
        position = {item["key"]: i for i, item in enumerate(items)}
        item_of = {item["key"]: item for item in items}
        rows = []
        for entry in sorted(answered, key=lambda e: position.get(e["key"], 1_000)):
            item = item_of.get(entry["key"], {"kind": "text", "label_en": entry["key"],
                                              "label_zh": entry["key"]})
            value = entry["value"]
            outside = False
            if item["kind"] == ItemKind.TICK:
                shown = _("Yes") if value == "yes" else _("No")
            elif item["kind"] == ItemKind.PHOTO:
                shown = _("Photo taken")
            elif item["kind"] == ItemKind.NUMBER:
                shown = f"{value} {item.get('unit') or ''}".strip()
                try:
                    _stored, outside = normalise_value(item, value)
                except Invalid:
                    outside = False
            else:
                shown = value
            rows.append({"label": label(item, language), "value": shown,
                         "out_of_limits": outside})
        out.append({"name": template.name_zh if language == "zh" else template.name_en,
                    "items": rows})
    return out
