"""One error shape for every failure, and the exceptions services raise.

Every error the API returns is ``{"code", "message", "description", "errors"}``, plus
``reason`` when there is a stable code for programs: the HTTP status, its short name, a
sentence for people, and field-level messages when the input was at fault. The OpenAPI
document describes exactly this (``server.schemas.ErrorSchema``). Console pages get the
same information rendered as HTML.
"""

from __future__ import annotations

from flask import jsonify, make_response, render_template, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions
from werkzeug.http import HTTP_STATUS_CODES

from .extensions import db


class ServiceError(Exception):
    """A rule refused the request. Subclasses fix the HTTP status."""

    status = 400

    def __init__(self, message: str, errors: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors
        self.code = code


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    """Input that is well-formed but breaks a rule; ``errors`` names the fields."""

    status = 422


def in_words(problem: ServiceError) -> str:
    """A refusal for a console flash: its message, then each field's messages not already
    said — never the field codes (a Chinese page read "phone: 没有…")."""
    found: list[str] = []

    def walk(value):
        if isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner)
        elif value is not None and str(value) not in found:
            found.append(str(value))

    walk(problem.errors or {})
    message = str(problem.message)
    detail = "; ".join(m for m in found if m != message)
    return f"{message} ({detail})" if detail else message


def checked_text(value, field: str, required: bool = False, limit: int = 4000) -> str | None:
    """A service's free-text argument, stripped: None when empty (Invalid naming ``field``
    when ``required``), Invalid naming ``field`` when it is not text or over ``limit``."""
    from flask_babel import lazy_gettext as _l

    if value is not None and not isinstance(value, str):
        raise Invalid(_l("Give text."), {field: [_l("must be text")]})
    value = (value or "").strip()
    if not value:
        if required:
            raise Invalid(_l("%(field)s is required.", field=field), {field: [_l("Required.")]})
        return None
    if len(value) > limit:
        msg = _l("Please keep it under %(n)d characters.", n=limit)
        raise Invalid(msg, {field: [msg]})
    return value


_NAMES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          409: "Conflict", 413: "Payload Too Large", 422: "Unprocessable Entity",
          429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["application/json", "text/html"])
        == "application/json"
    )


# Werkzeug's own sentences (English only): a console page shows its own words instead.
_GENERIC = {cls.description for cls in default_exceptions.values() if cls.description}


def _page_description(status: int, description: str) -> str:
    """What a console page says: the message as given, unless it is one of Werkzeug's
    generic English sentences, which a page in Chinese must not show."""
    from flask_babel import gettext as _

    if description not in _GENERIC:
        return description
    return {400: _("The request could not be understood."),
            403: _("Your role may not open this page."),
            404: _("There is no such page: the link is wrong or what it showed was removed."),
            405: _("This page cannot be used that way."),
            413: _("What was sent is too large."),
            429: _("Too many attempts: wait a moment and try again."),
            }.get(status, _("Something went wrong on our side. It has been logged; please "
                            "try again."))


def error_response(status: int, description: str, errors: dict | None = None,
                   reason: str | None = None):
    body = {
        "code": status,
        "message": _NAMES.get(status) or HTTP_STATUS_CODES.get(status, "Error"),
        "description": description,
        "errors": errors or {},
    }
    if reason:
        body["reason"] = reason
    if _wants_json():
        return jsonify(body), status
    try:
        return render_template("console/error.html", error={
            **body, "description": _page_description(status, description)}), status
    except OperationalError:
        # The page reads the reader's language and the menu from the database; when the
        # database is what failed (SQLite busy), say so plainly, in both languages.
        db.session.rollback()
        return _plain_page(status), status


_PLAIN = {503: ("The system is busy. Please try again in a moment.", "系统繁忙，请稍后再试。")}
_PLAIN_OTHERWISE = ("Something went wrong on our side. Please try again.", "系统出错，请重试。")


def _plain_page(status: int):
    """An error page that needs nothing but this module: no database, no templates."""
    english, chinese = _PLAIN.get(status, _PLAIN_OTHERWISE)
    return make_response(
        f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{status}</title>'
        f'<h1>{status}</h1><p>{english}</p><p lang="zh-Hans">{chinese}</p></html>')


def register_errorhandlers(app) -> None:
    """Route every kind of failure to the one error shape; roll back what was flushed."""

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        db.session.rollback()
        response = error_response(exc.status, exc.message, exc.errors, exc.code)
        if exc.status == 401:
            response[0].headers["WWW-Authenticate"] = 'Bearer realm="doorstep"'
        extra = getattr(exc, "headers", None)  # e.g. Retry-After
        if extra:
            from flask import make_response

            response = make_response(response)
            response.headers.update(extra)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        db.session.rollback()
        errors = None
        data = getattr(exc, "data", None)
        if isinstance(data, dict) and "messages" in data:
            # webargs/flask-smorest: {"json": {"field": ["message"]}}
            errors = data["messages"]
        description = exc.description
        if errors:
            description = "The request did not pass validation: see errors."
        return error_response(exc.code or 500, description, errors)

    @app.errorhandler(IntegrityError)
    def _integrity_error(exc: IntegrityError):
        db.session.rollback()
        return error_response(409, "The change conflicts with existing data "
                              "(a duplicate or a missing reference).")

    @app.errorhandler(StaleDataError)
    def _stale(exc):
        db.session.rollback()
        return error_response(409, "The record was changed by someone else; reload and retry.")

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError):
        db.session.rollback()
        if "locked" in str(exc.orig).lower() or "could not serialize" in str(exc.orig).lower():
            response = make_response(error_response(503, "The database is busy; retry shortly."))
            response.headers["Retry-After"] = "1"
            return response
        app.logger.exception("database error")
        return error_response(500, InternalServerError.description)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return error_response(500, InternalServerError.description)
