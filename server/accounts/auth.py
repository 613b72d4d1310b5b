"""Who is calling: a bearer device token for the API, a session cookie for the console.

Every view declares who may call it with ``@api_roles(...)`` or ``@console_roles(...)``;
the authorisation matrix test walks every endpoint with every role.
"""

from __future__ import annotations

from functools import wraps

from flask import g, redirect, request, url_for
from flask_login import current_user

from ..database import read_on_its_own, utcnow
from ..errors import ServiceError
from ..extensions import db
from .service import TokenProblem, device_for_token


class Unauthorized(ServiceError):
    status = 401


class RoleForbidden(ServiceError):
    status = 403


def load_api_actor(read_ahead=None) -> None:
    """Read the bearer token, if any, into ``g.actor`` and ``g.device``.

    ``read_ahead(device)``, if given, runs right after a valid token's device is read, in
    the same read: what the view will read anyway, so a write transaction on SQLite does
    not read it while every other writer waits for the turn (``sync_api.service``)."""
    g.actor = g.device = g.token_problem = None
    scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    # RFC 9110: the scheme name is case-insensitive ("bearer", "BEARER" are the same).
    if scheme.lower() != "bearer" or not credentials.strip():
        return
    # On SQLite the token is checked in a read-only transaction of its own, ended before
    # the view runs (read_on_its_own): checking the token and reading the body happen
    # while another request writes. A revocation committed between this check and the
    # view's writes is seen the way PostgreSQL's read-committed transactions see it: the
    # push re-reads the device's revocation under its lock (sync.push.push).
    try:
        device = read_on_its_own(db.session(),
                                 lambda: _device_and_ahead(credentials.strip(), read_ahead))
    except TokenProblem as problem:
        g.token_problem = problem.reason
        return
    # Throttle the write: last_seen is for the admin's device list, not an audit trail.
    now = utcnow()
    if device.last_seen_at is None or (now - device.last_seen_at).total_seconds() > 300:
        device.last_seen_at = now
    g.actor, g.device = device.user, device


def _device_and_ahead(token: str, read_ahead):
    device = device_for_token(token)
    if read_ahead is not None:
        read_ahead(device)
    return device


def load_console_user(user_id: str):
    """Flask-Login's user loader: the active user whose session is still current.

    A session remembers the user's ``session_version`` at sign-in; sign-out, a password
    change and deactivation raise it, which ends every copy of that session cookie.
    """
    import uuid

    from flask import session

    from ..extensions import db
    from .models import User

    try:
        user = db.session.get(User, uuid.UUID(user_id))
    except ValueError:
        return None
    if user is None or not user.active:
        return None
    if session.get("session_version") != user.session_version:
        return None
    return user


def start_console_session(user) -> None:
    """Sign ``user`` in to the console; the session carries their current version."""
    from flask import session
    from flask_login import login_user

    language = session.get("lang")
    session.clear()  # nothing from before the sign-in (a planted session) survives it
    if language:
        session["lang"] = language
    login_user(user)
    session["session_version"] = user.session_version


def end_console_session() -> None:
    """Sign the current console user out everywhere this session cookie was copied."""
    from flask import session
    from flask_login import current_user, logout_user

    from .service import end_sessions

    if current_user.is_authenticated:
        end_sessions(current_user)
    logout_user()
    session.pop("session_version", None)


def api_roles(*roles: str):
    """Allow the API view only to callers with a valid token and one of ``roles``."""

    def decorator(view):
        view._doorstep_roles = roles

        @wraps(view)
        def wrapper(*args, **kwargs):
            if g.get("actor") is None:
                reason = g.get("token_problem") or "token_missing"
                raise Unauthorized("Sign in again: " + reason.replace("_", " ") + ".",
                                   code=reason)
            if g.actor.role not in roles:
                raise RoleForbidden(f"A {g.actor.role} may not do this.")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def console_roles(*roles: str):
    """Allow the console page only to signed-in users with one of ``roles``."""

    def decorator(view):
        view._doorstep_roles = roles

        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("console.login", next=request.full_path))
            if current_user.role not in roles:
                raise RoleForbidden(f"A {current_user.role} may not open this page.")
            g.actor = current_user
            return view(*args, **kwargs)

        return wrapper

    return decorator
