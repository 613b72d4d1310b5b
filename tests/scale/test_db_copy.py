"""``flask db copy-to postgresql://…`` moves an embedded SQLite installation to PostgreSQL:
the schema from the migrations, every row, verified row for row; a target that already
holds data is refused and left alone.

The target is a schema of its own in a real PostgreSQL: the suite's DATABASE_URL when it
runs on PostgreSQL, else DOORSTEP_TEST_POSTGRES_URL (CI sets it for the SQLite run too).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from server import create_app
from server.cli import db_copy_to_command
from server.extensions import db
from tests.scale.servers import need

REPO = Path(__file__).resolve().parents[2]


def _postgres_url() -> str | None:
    for name in ("DATABASE_URL", "DOORSTEP_TEST_POSTGRES_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgresql://", "postgresql+psycopg://")):
            return url.replace("postgresql+psycopg://", "postgresql://", 1)
    return None


@pytest.fixture
def empty_postgres():
    """postgresql://… whose search path is a new, empty schema (dropped afterwards)."""
    url = _postgres_url()
    need(url is not None, "no PostgreSQL to copy into: set DOORSTEP_TEST_POSTGRES_URL")
    schema = f"copy_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="module")
def sqlite_installation(tmp_path_factory):
    """An embedded installation of its own: a SQLite file with the demo data committed.
    Built once for the module (seeding it takes seconds): the copies only read it."""
    tmp_path = tmp_path_factory.mktemp("installation")
    from flask_migrate import upgrade

    from server.demo import seed
    from server.ops.dbcopy import keep_loggers

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'doorstep.db'}",
                      "SECRET_KEY": "copy-test", "BLOB_DIR": str(tmp_path / "blobs")})
    with app.app_context(), keep_loggers():
        upgrade()
    with app.app_context():
        seed()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in db.metadata.sorted_tables}


@pytest.mark.live
def test_an_embedded_installation_moves_to_postgresql_row_for_row(sqlite_installation,
                                                                  empty_postgres):
    from server.customers.models import Customer
    from server.ops.dbcopy import normalise_url, verify

    with sqlite_installation.app_context():
        result = sqlite_installation.test_cli_runner().invoke(db_copy_to_command,
                                                              [empty_postgres])
        assert result.exit_code == 0, result.output
        assert "copied and verified row for row" in result.output
        source = db.engine
        target = create_engine(normalise_url(empty_postgres))
        try:
            counts = _counts(source)
            assert counts["work_orders"] >= 60 and counts["customers"] >= 40
            assert _counts(target) == counts
            assert verify(source, target) == []  # checked again here, independently
            with target.connect() as conn:
                names = set(conn.scalars(select(Customer.name)))
                assert any("\u4e00" <= ch <= "\u9fff" for name in names for ch in name)
                assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        finally:
            target.dispose()
        db.session.remove()


@pytest.mark.live
def test_a_target_that_holds_data_is_refused_and_left_alone(sqlite_installation,
                                                            empty_postgres):
    with sqlite_installation.app_context():
        runner = sqlite_installation.test_cli_runner()
        assert runner.invoke(db_copy_to_command, [empty_postgres]).exit_code == 0
        from server.ops.dbcopy import normalise_url

        target = create_engine(normalise_url(empty_postgres))
        before = _counts(target)
        again = runner.invoke(db_copy_to_command, [empty_postgres])
        assert again.exit_code == 1 and "not empty" in again.output
        assert _counts(target) == before
        target.dispose()
        db.session.remove()


def test_copy_to_is_a_flask_db_command_and_refuses_other_urls():
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "server", "db",
                             "copy-to", "mysql://somewhere/doorstep"], cwd=REPO,
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "SECRET_KEY": "x",
                                 "DATABASE_URL": "sqlite:///:memory:"})
    assert result.returncode == 2
    assert "give a postgresql://" in result.stderr
