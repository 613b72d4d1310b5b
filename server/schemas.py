"""Schema pieces shared by every area: the input base, strict fields, paging, the error shape.

Every schema that reads a request (body or query string) derives from ``InSchema``: it
refuses text no database can store (NUL, lone surrogates) anywhere in the input, once,
naming the field. Integers are ``Integer`` (a JSON number with no fraction, never a
string); instants and dates are ``AwareDateTime`` and ``Date``, bounded to a sane range.
The sync engine's argument schemas import the same fields.
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate

LANGUAGE_CODES = ("en", "zh")
Language = lambda **kw: fields.String(validate=validate.OneOf(LANGUAGE_CODES), **kw)  # noqa: E731

# Appointments, time logs, device clocks: this century. Dates (a purchase, a warranty end)
# may be older. Year 1 or 9998 is a typo or an attack, and breaks time-zone arithmetic.
EARLIEST_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2100, 1, 1, tzinfo=UTC)
EARLIEST_DATE = date(1950, 1, 1)
LATEST_DATE = date(2100, 1, 1)

# The largest id a JavaScript client can hold exactly, and a page number that keeps
# OFFSET far inside a 64-bit integer.
MAX_SAFE_INTEGER = 2**53 - 1
MAX_PAGE = 100_000


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None if it can."""
    if "\x00" in value:
        return str(_l("must not contain NUL characters (\\u0000)"))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return str(_l("must not contain unpaired surrogates (such as \\ud800)"))
    return None


def _text_errors(value, skip: frozenset = frozenset()):
    """Field-level messages for unstorable text anywhere inside ``value`` (keys included)."""
    if isinstance(value, str):
        problem = text_problem(value)
        return [problem] if problem else None
    if isinstance(value, dict):
        errors = {}
        for key, item in value.items():
            if isinstance(key, str) and (problem := text_problem(key)):
                errors[key.encode("utf-8", "backslashreplace").decode()] = [problem]
            elif key not in skip and (found := _text_errors(item)):
                errors[key] = found
        return errors or None
    if isinstance(value, list):
        errors = {i: found for i, item in enumerate(value) if (found := _text_errors(item))}
        return errors or None
    return None


class InSchema(Schema):
    """The base of every request schema.

    Nested schemas check their own part. Fields whose ``metadata`` has ``opaque=True`` are
    not scanned: their content is checked later, piece by piece (a sync mutation's
    ``args`` is refused per mutation, never as a whole batch).
    """

    @pre_load
    def _refuse_unstorable_text(self, data, **kwargs):
        if isinstance(data, Mapping):  # a JSON object, or the query string
            skip = frozenset(field.data_key or name for name, field in self.fields.items()
                             if field.metadata.get("opaque") or _is_nested(field))
            errors = _text_errors(dict(data), skip)
        else:
            errors = _text_errors(data)
        if errors:
            raise ValidationError(errors if isinstance(errors, dict) else {"_schema": errors})
        return data


def _is_nested(field) -> bool:
    while isinstance(field, fields.List):
        field = field.inner
    return isinstance(field, fields.Nested) and isinstance(field.schema, InSchema)


class Integer(fields.Integer):
    """A whole number sent as a JSON number: ``1.5``, ``1.0`` and ``"100"`` are refused."""

    def __init__(self, **kw):
        kw.setdefault("strict", True)
        super().__init__(**kw)


def _instant_in_range(value: datetime) -> bool:
    if not EARLIEST_INSTANT <= value < LATEST_INSTANT:
        raise ValidationError(str(_l("must be between {start} and {end}").format(
            start=EARLIEST_INSTANT.date().isoformat(), end=LATEST_INSTANT.date().isoformat())))
    return True


def _date_in_range(value: date) -> bool:
    if not EARLIEST_DATE <= value < LATEST_DATE:
        raise ValidationError(str(_l("must be between {start} and {end}").format(
            start=EARLIEST_DATE.isoformat(), end=LATEST_DATE.isoformat())))
    return True


def AwareDateTime(**kw):  # noqa: N802 - reads like a field class at the call site
    """An ISO-8601 datetime that must carry its offset (a phone's local clock is ambiguous),
    between 2000 and 2100."""
    kw["validate"] = [_instant_in_range, *_as_list(kw.get("validate"))]
    return fields.AwareDateTime(format="iso", **kw)


def Date(**kw):  # noqa: N802
    """An ISO-8601 calendar date between 1950 and 2100."""
    kw["validate"] = [_date_in_range, *_as_list(kw.get("validate"))]
    return fields.Date(**kw)


def _as_list(validators):
    if validators is None:
        return []
    return list(validators) if isinstance(validators, list | tuple) else [validators]


class PageArgs(InSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PageOut(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def page_from_list(rows: list, args: dict) -> dict:
    """One page of a list already ordered in Python (a queue sorted by computed deadlines),
    in the shape of ``page_of``."""
    start = (args["page"] - 1) * args["per_page"]
    return {"items": rows[start:start + args["per_page"]], "total": len(rows),
            "page": args["page"], "per_page": args["per_page"]}


def page_of(item_schema, name: str):
    """A page schema class ``<name>Page`` with ``items`` of ``item_schema``."""
    return type(f"{name}Page", (PageOut,), {"items": fields.List(fields.Nested(item_schema))})


class ErrorSchema(Schema):
    """The one error shape every failure is answered with (see server/errors.py)."""

    code = fields.Integer(required=True, metadata={"description": "the HTTP status"})
    message = fields.String(required=True, metadata={"description": "the status's short name"})
    description = fields.String(required=True,
                                metadata={"description": "a sentence for people"})
    errors = fields.Dict(required=True, metadata={
        "description": "field-level messages when the input was at fault, keyed by where "
                       "it was (json, query…) then by field"})
    reason = fields.String(metadata={"description": "a stable code for programs, when "
                                                    "there is one (token_expired…)"})
