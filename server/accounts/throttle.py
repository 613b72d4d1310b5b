"""Brute-force protection for sign-in: failed attempts are counted per account and per
address, and both the API (``/api/v1/auth/token``) and the console login refuse further
attempts once either count is used up, until its window ends.

Counting uses the ``limits`` package's fixed-window strategy. The counters are shared by
every web worker and machine: in Redis when ``REDIS_URL`` is set (or
``RATELIMIT_STORAGE_URI`` names another ``limits`` storage), otherwise in the application
database (``ratelimit_storage.DatabaseStorage``). Only failures count; a refusal because
of throttling does not check the password at all, so it cannot be used to guess either.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from ..errors import ServiceError
from ..extensions import db
from . import service
from .models import User
from .ratelimit_storage import DatabaseStorage


class Throttled(ServiceError):
    """Too many failed sign-ins; ``retry_after`` is in whole seconds."""

    status = 429

    def __init__(self, retry_after: int):
        super().__init__(f"Too many failed sign-in attempts. Try again in {retry_after} "
                         "seconds.", code="too_many_attempts")
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


def _state(app):
    state = app.extensions.get("doorstep_throttle")
    if state is None:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL")
        storage = storage_from_string(uri) if uri else DatabaseStorage(lambda: db.engine)
        state = {"limiter": FixedWindowRateLimiter(storage),
                 "account": parse(app.config["SIGN_IN_LIMIT_PER_ACCOUNT"]),
                 "address": parse(app.config["SIGN_IN_LIMIT_PER_ADDRESS"])}
        app.extensions["doorstep_throttle"] = state
    return state


def _keys(email: str, address: str | None) -> list[tuple[str, str]]:
    # A digest keeps any e-mail within the key column and out of the counter table.
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [("account", account), ("address", address or "unknown")]


def sign_in(email: str, password: str, address: str | None) -> User | None:
    """``service.authenticate`` behind the sign-in throttle.

    Must run before the request's session writes anything: a failure rolls it back so
    that the counters' own transactions never wait for it (SQLite has one writer).
    Raises Throttled while either the account's or the address's failures are used up,
    service.AccountDisabled for the right password of an inactive account.
    """
    app = current_app._get_current_object()
    if not app.config.get("SIGN_IN_THROTTLE", True):
        return service.authenticate(email, password)
    state = _state(app)
    # Nothing before a sign-in writes; a read (a signed-in user's session being loaded)
    # may have opened a transaction, which on SQLite holds the write lock the counters need.
    db.session.rollback()
    limiter, keys = state["limiter"], _keys(email, address)
    used_up = [(kind, key) for kind, key in keys
               if not limiter.test(state[kind], "sign-in", kind, key)]
    if used_up:
        ends = max(limiter.get_window_stats(state[kind], "sign-in", kind, key).reset_time
                   for kind, key in used_up)
        raise Throttled(max(1, math.ceil(ends - time.time())))
    user = service.authenticate(email, password)
    if user is None:
        db.session.rollback()
        for kind, key in keys:
            limiter.hit(state[kind], "sign-in", kind, key)
    return user
