"""Dumping replicated rows to their wire form, fast enough for a first sync of thousands.

The wire schemas (``wire``) stay the one definition of each entity's shape. Building a
marshmallow schema per row, as ``Schema().dump(row)`` does, costs more than everything
else in a pull; so each schema is compiled once into one small function that builds the
row's dictionary directly. Plain fields (strings, integers, UUIDs, ISO dates and times,
lists of strings) become inline expressions that do what the field's own ``_serialize``
does; any other field calls its ``_serialize``. The output is the schema's output, value
for value (``tests/scale/test_first_sync_wire.py`` checks it against ``Schema().dump``).

Rows may be ORM objects or result rows with the same attribute names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields


def _inline(field: fields.Field, value: str) -> str | None:
    """A Python expression equal to ``field._serialize(value, …)``, or None if there is none."""
    kind = type(field)
    if kind is fields.String:
        return f"(None if {value} is None else {value} if {value}.__class__ is str " \
               f"else str({value}))"
    if kind is fields.UUID:
        return f"(None if {value} is None else str({value}))"
    if kind is fields.Integer and not field.as_string:
        return f"(None if {value} is None else int({value}))"
    if kind in (fields.DateTime, fields.Date) and (field.format or "iso") in ("iso", "iso8601"):
        return f"(None if {value} is None else {value}.isoformat())"
    if kind is fields.List and type(field.inner) is fields.String:
        return f"(None if {value} is None else [None if x is None else str(x) for x in {value}])"
    return None


def compile_dumper(schema_class: type[Schema]) -> Callable[[Any], dict]:
    """A function that dumps one row as ``schema_class().dump(row)`` would."""
    schema = schema_class()
    namespace: dict[str, Any] = {}
    lines, items = ["def dump(row):"], []
    for index, (name, field) in enumerate(schema.dump_fields.items()):
        key, attribute = field.data_key or name, field.attribute or name
        if isinstance(field, fields.Function | fields.Method):
            namespace[f"f{index}"] = field._serialize
            items.append(f"{key!r}: f{index}(None, {attribute!r}, row)")
            continue
        lines.append(f"    v{index} = row.{attribute}")
        expression = _inline(field, f"v{index}")
        if expression is None:
            namespace[f"f{index}"] = field._serialize
            expression = f"f{index}(v{index}, {attribute!r}, row)"
        items.append(f"{key!r}: {expression}")
    lines.append("    return {" + ", ".join(items) + "}")
    exec("\n".join(lines), namespace)  # noqa: S102 (source built above from field names)
    return namespace["dump"]
