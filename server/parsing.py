"""Reading a request, once and safely: the JSON loader, the URL limit, the body parser.

* JSON is parsed by one loader (the app's JSON provider) that refuses nesting deeper than
  ``JSON_MAX_DEPTH``: Python's parser and every recursive walk after it (validation,
  storage, the change feed) would otherwise die of RecursionError, a 500.
* flask-smorest's argument parser reads the body through that same loader (parsed once,
  cached on the request) and refuses a missing body where the document says one is
  required, instead of validating ``{}``.
* A URL longer than ``MAX_URL_LENGTH`` is answered 414 in the one error shape, before any
  front server's own (HTML) limit is reached.
"""

from __future__ import annotations

import json
from typing import Any

import flask_smorest
import flask
from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from webargs.flaskparser import FlaskParser, is_json_request

from .errors import ServiceError

DEFAULT_JSON_MAX_DEPTH = 32
DEFAULT_MAX_URL_LENGTH = 2048


class TooDeep(ValueError):
    """JSON nested deeper than the limit."""


def check_depth(value: Any, limit: int) -> None:
    """Raise TooDeep if ``value`` nests objects/arrays more than ``limit`` levels deep.

    Iterative, so it cannot itself run out of stack.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise TooDeep(f"JSON nested more than {limit} levels deep")
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, dict | list))


def loads_limited(data: str | bytes, limit: int) -> Any:
    """``json.loads`` that refuses nesting beyond ``limit`` with a ValueError, never a
    RecursionError."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise TooDeep(f"JSON nested more than {limit} levels deep") from None
    check_depth(value, limit)
    return value


class JSONProvider(DefaultJSONProvider):
    """The app's JSON: loading is depth-limited (see the module docstring)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_limited(s, self._app.config.get("JSON_MAX_DEPTH", DEFAULT_JSON_MAX_DEPTH))


class BodyRequired(ServiceError):
    status = 400


class UnsupportedMediaType(ServiceError):
    status = 415


class BadJson(ServiceError):
    status = 400


class Request(flask.Request):
    """Unreadable JSON is a 400 in the one error shape, saying why."""

    def on_json_loading_failed(self, e: ValueError | None):
        if isinstance(e, TooDeep):
            raise BadJson(_("The JSON body is nested too deeply."),
                          {"json": [str(e)]}, code="json_too_deep")
        raise BadJson(_("The body is not valid JSON."),
                      {"json": [str(e) if e else "invalid"]}, code="invalid_json")


class Parser(FlaskParser):
    """flask-smorest's parser, reading JSON through the app's loader, once."""

    def load_json(self, req, schema):
        if not req.get_data(cache=True):
            raise BodyRequired(_("This request needs a JSON body."),
                               {"json": [_("a JSON body is required")]},
                               code="body_required")
        if not is_json_request(req):
            raise UnsupportedMediaType(
                _("Send the body as JSON (Content-Type: application/json)."),
                {"json": [_("the body must be JSON")]}, code="not_json")
        return req.get_json()


class UriTooLong(ServiceError):
    status = 414


def refuse_long_urls() -> None:
    """Answer 414 (in the error shape) for a URL over MAX_URL_LENGTH characters."""
    limit = current_app.config.get("MAX_URL_LENGTH", DEFAULT_MAX_URL_LENGTH)
    if len(request.full_path) > limit:
        raise UriTooLong(_("The URL is too long: at most %(limit)s characters.", limit=limit),
                         code="url_too_long")


def install(app) -> None:
    """Bind the loader, the parser and the URL limit to ``app`` (called by create_app)."""
    app.json = JSONProvider(app)
    app.request_class = Request
    flask_smorest.Blueprint.ARGUMENTS_PARSER = Parser()
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_long_urls)
