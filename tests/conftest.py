"""Test fixtures: one schema per run (built by the Alembic migrations), one rolled-back
transaction per test, factories as callables, and API clients signed in per role.

Set DATABASE_URL to run the suite on PostgreSQL; by default it runs on a SQLite file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from server import create_app
from server.extensions import db
from server.tasks import huey
from tests import factories


def _database_url(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) \
            if url.startswith("postgresql://") else url
    return f"sqlite:///{tmp / 'test.db'}"


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """Argon2 with minimal cost: the same algorithm, without seconds of CPU per test user."""
    from argon2 import PasswordHasher

    from server.accounts import service

    original = service._hasher
    service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    service._hasher = original


TRANSLATIONS = Path(__file__).resolve().parents[1] / "server" / "translations"


def _compile_catalogues() -> None:
    """Compile any .po newer than its .mo: the .mo files are built, not committed."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        partial = mo.with_suffix(f".mo.{os.getpid()}")  # atomic if two runs race
        with partial.open("wb") as f:
            write_mo(f, catalog)
        os.replace(partial, mo)


@pytest.fixture(scope="session")
def app():
    tmp = Path(tempfile.mkdtemp(prefix="doorstep-test-"))
    _compile_catalogues()
    huey.immediate = True  # tasks run in-process, synchronously
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "BLOB_DIR": str(tmp / "blobs"),
        "WTF_CSRF_ENABLED": False,
        # Counters commit on their own connection, which on SQLite would wait for the test's
        # open transaction; the throttle's own tests run it on live apps (test_sign_in_throttling).
        "SIGN_IN_THROTTLE": False,
        # In-process counters for the one test app (limiter.reset() between tests); the
        # shared database and Redis storages have tests of their own.
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    with app.app_context():
        _reset_schema()
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _reset_schema() -> None:
    """Start every run from an empty database, migrations included."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            for (name,) in conn.execute(text(
                    "SELECT name FROM sqlite_master WHERE type='table'")).all():
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))


@pytest.fixture(autouse=True)
def _limiter_counts_for_the_test_app(app):
    """Flask-Limiter keeps one storage per ``Limiter`` instance, set by the last
    ``init_app``: a test that builds another app (a second web worker) leaves the shared
    ``limiter`` counting in that app's storage (the database, which would then wait for the
    test's own write lock on SQLite). Put it back on the test app's in-memory counters."""
    from limits.storage import MemoryStorage

    from server.extensions import limiter

    if not isinstance(limiter._storage, MemoryStorage):
        limiter.init_app(app)
    yield


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Each test runs inside a transaction that is rolled back; commits become savepoints.

    Tests marked ``live`` need real commits (a server in another thread) and clean up by
    deleting every row instead.
    """
    with app.app_context():
        if request.node.get_closest_marker("live"):
            yield
            _delete_all_rows()
            return
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # A plain Session: Flask-SQLAlchemy's own would pick the engine over this connection.
        db.session = scoped_session(sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint"))
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


def _delete_all_rows() -> None:
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name != "sync_counter":  # the one row the migrations create
                conn.execute(table.delete())


class CommittingClient(FlaskClient):
    """Commits the test's setup before each request, as if it were already in the database.

    Without it a request that fails (and rolls back) would also undo the test's setup.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        # The test's app context is reused by every request: start each with a fresh ``g``
        # (signed-in user, locale, actor) as a real request would.
        g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = CommittingClient
    return app.test_client()


@pytest.fixture
def make_user():
    return factories.make_user


@pytest.fixture
def make_technician():
    return factories.make_technician


@pytest.fixture
def make_customer():
    return factories.make_customer


@pytest.fixture
def make_asset():
    return factories.make_asset


@pytest.fixture
def make_part():
    return factories.make_part


@pytest.fixture
def make_order():
    return factories.make_order


class ApiClient:
    """A test client that sends a device token, as the technician app does."""

    def __init__(self, client, user, token):
        self._client, self.user, self.token = client, user, token

    def _call(self, method, url, **kw):
        headers = {"Authorization": f"Bearer {self.token}", **kw.pop("headers", {})}
        return getattr(self._client, method)(url, headers=headers, **kw)

    def get(self, url, **kw):
        return self._call("get", url, **kw)

    def post(self, url, **kw):
        return self._call("post", url, **kw)

    def patch(self, url, **kw):
        return self._call("patch", url, **kw)

    def put(self, url, **kw):
        return self._call("put", url, **kw)

    def delete(self, url, **kw):
        return self._call("delete", url, **kw)


@pytest.fixture
def api_as(client):
    """``api_as(user)`` → a client signed in on a device of ``user``."""
    from datetime import timedelta

    from server.accounts.service import issue_device_token

    def sign_in(user):
        _, token = issue_device_token(user, "test phone", timedelta(days=1))
        return ApiClient(client, user, token)

    return sign_in


@pytest.fixture
def dispatcher(make_user):
    return make_user("dispatcher")


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def technician(make_technician):
    return make_technician()
