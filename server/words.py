"""Stored values (statuses, categories, priorities…) as words for people.

The Chinese catalogue translates each value (``server/console/vocabulary.py`` lists them);
English has no catalogue, so an untranslated value is shown with spaces for underscores:
``water_heater`` → "water heater".
"""

from flask import g, has_request_context
from flask_babel import gettext


def term(value) -> str:
    if value is None:
        return ""
    value = str(value)
    # A board shows the same few words hundreds of times: look each up once per request.
    cache = g.setdefault("_terms", {}) if has_request_context() else {}
    if value not in cache:
        text = gettext(value)
        cache[value] = text.replace("_", " ") if text == value else text
    return cache[value]
