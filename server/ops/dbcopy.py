"""Moving an embedded SQLite installation to PostgreSQL: ``flask db copy-to URL``.

The target must be empty. Its schema is built by the same Alembic migrations, up to the
source's revision, so the copy is the schema the application expects, with PostgreSQL's
own types. Rows are then copied table by table, parents before children, in one
transaction: a failure leaves the target as empty as it was. Integer id sequences are
moved past the copied ids. Finally both databases are read back in primary-key order and
compared row for row, value by value.

Stop the web and worker processes first: rows written during the copy would be missed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Engine, Integer, Table, create_engine, func, inspect, select, text

BATCH = 2000


class CopyRefused(Exception):
    """The target cannot receive the copy (not empty, unreachable, wrong revision)."""


@dataclass
class CopyReport:
    revision: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)


def normalise_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _tables() -> list[Table]:
    from ..extensions import db

    return list(db.metadata.sorted_tables)


@contextlib.contextmanager
def keep_loggers():
    """Undo what the migrations' ``fileConfig`` does to the loggers that already exist
    (it disables them), so a process that migrates another database keeps its logs."""
    loggers = [logger for logger in logging.Logger.manager.loggerDict.values()
               if isinstance(logger, logging.Logger)]
    saved = [(logger, logger.disabled, logger.level, logger.propagate) for logger in loggers]
    root = logging.getLogger()
    root_state = (root.level, list(root.handlers))
    try:
        yield
    finally:
        for logger, disabled, level, propagate in saved:
            logger.disabled, logger.level, logger.propagate = disabled, level, propagate
        root.setLevel(root_state[0])
        root.handlers[:] = root_state[1]


def _build_schema(url: str, revision: str) -> None:
    """Run the migrations on ``url`` up to ``revision``, from an application of its own."""
    from flask_migrate import upgrade

    from .. import create_app

    target_app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_url(url),
                             "SECRET_KEY": current_app.config["SECRET_KEY"]})
    with target_app.app_context():
        from ..extensions import db

        with keep_loggers():
            upgrade(revision=revision)
        db.engine.dispose()


def _ordered(table: Table):
    return select(table).order_by(*table.primary_key.columns)


def _rows(engine: Engine, table: Table) -> Iterator[tuple]:
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=BATCH).execute(_ordered(table))
        for row in result:
            yield tuple(row)


def copy_database(source: Engine, target_url: str,
                  progress: Callable[[str, int], None] = lambda table, rows: None
                  ) -> CopyReport:
    """Copy every row of ``source`` into the empty database at ``target_url`` and verify.

    Raises CopyRefused when the target already holds data or the source has no schema.
    The returned report's ``differences`` is empty when every row matched.
    """
    report = CopyReport(revision=_revision(source))
    if report.revision is None:
        raise CopyRefused("The source database has no schema (run `flask db upgrade`).")
    target = create_engine(normalise_url(target_url))
    try:
        target_revision = _revision(target)
    except Exception as problem:  # noqa: BLE001 (any connection failure is refused the same)
        target.dispose()
        raise CopyRefused(f"Cannot use the target database: {problem}") from None
    tables = _tables()
    try:
        if target_revision is not None:
            with target.connect() as conn:
                filled = [t.name for t in tables if t.name != "sync_counter"
                          and conn.execute(select(func.count()).select_from(t)).scalar()]
            if filled:
                raise CopyRefused("The target database is not empty (it has rows in "
                                  f"{', '.join(filled[:5])}); copy into an empty database.")
            if target_revision != report.revision:
                raise CopyRefused(f"The target database is at revision {target_revision}, "
                                  f"the source at {report.revision}.")
        else:
            _build_schema(target_url, report.revision)
        with target.begin() as conn:
            for table in reversed(tables):
                conn.execute(table.delete())  # rows the migrations made (the sync counter)
            copied: set[str] = set()
            for table in tables:
                report.rows[table.name] = _copy_table(source, conn, table, copied)
                copied.add(table.name)
                progress(table.name, report.rows[table.name])
            if conn.dialect.name == "postgresql":
                _advance_sequences(conn, tables)
        report.differences = verify(source, target, tables)
    finally:
        target.dispose()
    return report


def _copy_table(source: Engine, conn, table: Table, copied: set[str]) -> int:
    """Insert every source row of ``table``; returns how many.

    A foreign key to a row that may not be there yet (the same table, as a supervisor is a
    user, or a table further down the order) is filled in by a second pass.
    """
    later = [fk.parent.name for fk in table.foreign_keys
             if fk.column.table.name == table.name or fk.column.table.name not in copied]
    keys = [column.name for column in table.primary_key.columns]
    names = table.columns.keys()
    count, batch, links = 0, [], []

    def flush():
        if batch:
            conn.execute(table.insert(), batch)
            batch.clear()

    for row in _rows(source, table):
        values = dict(zip(names, row, strict=True))
        if later and any(values[name] is not None for name in later):
            links.append(({k: values[k] for k in keys}, {n: values[n] for n in later}))
            values.update({name: None for name in later})
        batch.append(values)
        count += 1
        if len(batch) >= BATCH:
            flush()
    flush()
    for key, values in links:
        conn.execute(table.update().where(*(table.c[k] == v for k, v in key.items()))
                     .values(**values))
    return count


def _advance_sequences(conn, tables: list[Table]) -> None:
    """Integer ids continue after the copied ones instead of starting again at 1."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) == 1 and isinstance(keys[0].type, Integer):
            column = keys[0].name
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT MAX({column}) FROM {table.name}), 1), "
                f"(SELECT MAX({column}) FROM {table.name}) IS NOT NULL) "
                f"WHERE pg_get_serial_sequence(:table, :column) IS NOT NULL"),
                {"table": table.name, "column": column})


def verify(source: Engine, target: Engine, tables: list[Table] | None = None) -> list[str]:
    """Compare both databases row for row in primary-key order; returns the differences
    (at most three named per table)."""
    differences = []
    for table in tables or _tables():
        found = 0
        left, right = _rows(source, table), _rows(target, table)
        index = 0
        while True:
            a, b = next(left, None), next(right, None)
            if a is None and b is None:
                break
            if a != b:
                found += 1
                if found <= 3:
                    differences.append(f"{table.name} row {index}: {a!r} ≠ {b!r}")
            index += 1
        if found > 3:
            differences.append(f"{table.name}: {found - 3} more differences")
    return differences
