"""A ``limits`` storage backend on the application database: fixed-window counters.

``limits`` (the library behind Flask-Limiter) keeps counters in memory, Redis, Memcached
or MongoDB, none of which the embedded mode has. This backend keeps them in the
``rate_limit_counters`` table, so every web process and machine that shares the database
counts together. Each call runs in its own short transaction on its own connection, apart
from the request's session: a sign-in that fails (and whose request rolls back) still
counts. The increment is one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
(SQLite 3.35+ and PostgreSQL), so two workers hitting the same key at once both count.

Only the fixed-window strategy is supported (``limits.strategies.FixedWindowRateLimiter``).
Expired rows are overwritten by the next hit on their key and deleted by ``sweep``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .models import RateLimitCounter

_table = RateLimitCounter.__table__


def _insert_for(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover — the two databases Doorstep runs on
        raise RuntimeError(f"No atomic upsert for {dialect}")
    return insert


class DatabaseStorage(Storage):
    """Counters in the application database; ``engine`` is called for the engine to use."""

    STORAGE_SCHEME = ["doorstep-db"]

    def __init__(self, engine: Callable[[], Engine] | str | None = None, **options):
        """``engine`` returns the engine to use; given as a URI (``doorstep-db://``, how
        ``limits.storage.storage_from_string`` and Flask-Limiter build storages) or not at
        all, the application's own engine is used."""
        super().__init__(None, wrap_exceptions=False)
        if not callable(engine):
            from ..extensions import db

            engine = lambda: db.engine  # noqa: E731
        self._engine = engine

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the key's count, starting a new window of ``expiry`` seconds
        when there is none or the last one ended; returns the count in the window."""
        now = time.time()
        engine = self._engine()
        insert = _insert_for(engine.dialect.name)
        statement = insert(_table).values(key=key, count=amount, expires_at=now + expiry)
        ended = _table.c.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={"count": case((ended, amount), else_=_table.c.count + amount),
                  "expires_at": case((ended, now + expiry), else_=_table.c.expires_at)},
        ).returning(_table.c.count)
        with engine.begin() as conn:
            return conn.execute(statement).scalar_one()

    def _row(self, key: str):
        with self._engine().begin() as conn:
            return conn.execute(select(_table.c.count, _table.c.expires_at)
                                .where(_table.c.key == key)).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return row.count if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row.expires_at if row is not None and row.expires_at > time.time() \
            else time.time()

    def check(self) -> bool:
        try:
            with self._engine().begin() as conn:
                conn.execute(select(_table.c.key).limit(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self._engine().begin() as conn:
            return conn.execute(delete(_table)).rowcount

    def clear(self, key: str) -> None:
        with self._engine().begin() as conn:
            conn.execute(delete(_table).where(_table.c.key == key))

    def sweep(self) -> int:
        """Delete the rows of windows that have ended; returns how many went."""
        with self._engine().begin() as conn:
            return conn.execute(delete(_table).where(_table.c.expires_at <= time.time())).rowcount
