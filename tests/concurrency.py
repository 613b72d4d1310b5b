"""What the tests of concurrent writers share."""

from __future__ import annotations

import pytest

from server.extensions import db


def require_concurrent_writers() -> None:
    """Skip, saying why, unless the database lets two writers run at once (PostgreSQL)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs concurrent writers: SQLite serialises them with BEGIN IMMEDIATE, "
                    "so this race cannot arise there (CI runs this on PostgreSQL)")
