"""Command-line administration: ``flask create-user``, ``revoke-device``, ``seed-demo``,
``verify-report``, ``blobs copy|check``, ``db copy-to``.

Each command commits once at the end, like a request.
"""

from __future__ import annotations

import uuid

import click
from flask import Flask
from sqlalchemy import select

from .extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(revoke_device_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(sla_sweep_command)
    app.cli.add_command(verify_report_command)
    app.cli.add_command(blobs_group)
    from flask_migrate.cli import db as migrate_group

    migrate_group.add_command(db_copy_to_command)
    from .inventory.cli import stock_group

    app.cli.add_command(stock_group)
    from .knowledge.cli import knowledge_group

    app.cli.add_command(knowledge_group)
    from .kpis.cli import kpis_group

    app.cli.add_command(kpis_group)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "dispatcher", "technician"]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--locale", type=click.Choice(["en", "zh"]), default=None)
@click.option("--region", default="default", help="Technicians only: their region.")
def create_user_command(email, name, role, password, locale, region):
    """Create an account (a technician also gets a technician profile and a van)."""
    from .accounts import service
    from .errors import ServiceError
    from .technicians.service import create_technician

    try:
        user = service.create_user(email, name, role, password, locale)
        if role == "technician":
            create_technician(user, skills=[], region=region)
    except ServiceError as problem:
        raise click.ClickException(f"{problem.message} {problem.errors or ''}") from None
    db.session.commit()
    click.echo(f"Created {role} {user.email} ({user.id}).")


@click.command("revoke-device")
@click.argument("device_id", required=False)
@click.option("--user", "email", help="Revoke every device of this user instead.")
def revoke_device_command(device_id, email):
    """Revoke a device token (by device id), or all devices of a user."""
    from .accounts import service
    from .accounts.models import User
    from .errors import ServiceError

    if not device_id and not email:
        raise click.UsageError("Give a DEVICE_ID or --user EMAIL.")
    try:
        if email:
            user = db.session.scalar(select(User).where(User.email == email.lower()))
            if user is None:
                raise click.ClickException(f"No user {email}.")
            ids = [d.id for d in user.devices if d.revoked_at is None]
        else:
            ids = [uuid.UUID(device_id)]
        for revoked in ids:
            service.revoke_device(revoked)
            click.echo(f"Revoked device {revoked}.")
    except ValueError:
        raise click.ClickException("DEVICE_ID is not a UUID.") from None
    except ServiceError as problem:
        raise click.ClickException(problem.message) from None
    db.session.commit()
    if not ids:
        click.echo("No active device to revoke.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
def seed_demo_command(if_empty):
    """Fill the database with realistic demo data in English and Chinese."""
    from .accounts.models import User
    from .demo import DEMO_PASSWORD, seed

    if if_empty and db.session.scalar(select(User.id).limit(1)):
        click.echo("Database already has data; demo seed skipped.")
        return
    counts = seed()
    db.session.commit()
    click.echo("Demo data: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    click.echo(f"Sign in as dispatcher@demo.doorstep / {DEMO_PASSWORD}")


@click.command("sla-sweep")
def sla_sweep_command():
    """Grade every open order's SLA and escalate missed deadlines now (the worker does this
    every minute)."""
    from .dispatch.escalation import sweep

    result = sweep()
    db.session.commit()
    click.echo(f"{result.graded} orders changed SLA state; {result.escalated} escalations.")


@click.command("verify-report")
@click.argument("file", type=click.File("rb"))
def verify_report_command(file):
    """Check that FILE is an unaltered service report of ours, and for which order.

    Exits 0 when it is, 1 otherwise.
    """
    from .reports.service import verify_document

    result = verify_document(file.read())
    check = result.check
    click.echo(f"{file.name}: {result.status}")
    click.echo(f"  {check.detail}")
    if check.signer:
        click.echo(f"  signer: {check.signer}")
    if check.signed_at:
        click.echo(f"  signed at: {check.signed_at.isoformat()}")
    if result.report is not None:
        click.echo(f"  report: {result.report.number} (status {result.report.status})")
        click.echo(f"  work order: {result.order.number}")
        click.echo(f"  signed content (SHA-256): {result.report.content_hash}")
        click.echo(f"  identical to the PDF we issued: {'yes' if result.identical else 'no'}")
    elif check.metadata.get("DoorstepReport"):
        click.echo(f"  claims to be report {check.metadata['DoorstepReport']} for work order "
                   f"{check.metadata.get('DoorstepOrder', '?')} (not in our records)")
    if not result.ok:
        raise SystemExit(1)


@click.group("blobs")
def blobs_group():
    """Blob storage: copy the store elsewhere, check it against the database."""


def _store_from(url: str | None):
    from flask import current_app

    from .media.storage import open_store, storage

    if not url:
        return storage()
    try:
        return open_store(url, scratch_dir=f"{current_app.config['BLOB_DIR']}/tmp",
                          endpoint_url=current_app.config.get("S3_ENDPOINT_URL"),
                          region=current_app.config.get("S3_REGION"))
    except ValueError as problem:
        raise click.BadParameter(str(problem)) from None


@blobs_group.command("copy")
@click.option("--to", "to_url", required=True, metavar="URL",
              help="Where to copy: s3://bucket/prefix (S3_ENDPOINT_URL applies) or a folder.")
@click.option("--from", "from_url", metavar="URL",
              help="What to copy; default: the configured store (BLOB_URL, else BLOB_DIR).")
@click.option("--verbose", "-v", is_flag=True, help="One line per blob.")
def blobs_copy_command(to_url, from_url, verbose):
    """Copy every blob to another store, verifying every hash. Safe to interrupt and run
    again: what already arrived intact is skipped. Exits 1 if any blob failed."""
    from .ops.blobs import copy_store

    source, target = _store_from(from_url), _store_from(to_url)
    click.echo(f"Copying blobs from {source!r} to {target!r}…")

    def progress(key, what):
        if verbose or what not in ("copied", "already there"):
            click.echo(f"  {key}: {what}")

    result = copy_store(source, target, progress)
    click.echo(f"{result.copied} copied, {result.already_there} already there, "
               f"{len(result.problems)} problems.")
    if result.problems:
        raise SystemExit(1)
    if from_url is None:
        click.echo(f"Now set BLOB_URL={to_url} and restart the web and worker processes.")


@blobs_group.command("check")
@click.option("--store", "store_url", metavar="URL",
              help="The store to check; default: the configured one.")
@click.option("--verbose", "-v", is_flag=True, help="One line per blob.")
def blobs_check_command(store_url, verbose):
    """Check that every blob the database refers to is stored with the right hash.

    Exits 1 and lists the missing or damaged ones otherwise.
    """
    from .ops.blobs import check_store

    store = _store_from(store_url)
    click.echo(f"Checking blobs in {store!r}…")

    def progress(key, what):
        if verbose or what != "ok":
            click.echo(f"  {key}: {what}")

    result = check_store(store, progress)
    click.echo(f"{result.checked} checked, {len(result.problems)} problems.")
    if result.problems:
        raise SystemExit(1)


@click.command("copy-to")
@click.argument("url")
def db_copy_to_command(url):
    """Copy this database (the embedded SQLite one) into the empty database at URL, e.g.
    postgresql://user:password@host/doorstep, and verify it row for row.

    Stop the web and worker processes first. Exits 1 if anything differs.
    """
    from .ops.dbcopy import CopyRefused, copy_database

    if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://",
                           "sqlite:///")):
        raise click.BadParameter("give a postgresql://… URL", param_hint="URL")
    click.echo(f"Copying {db.engine.url.render_as_string(hide_password=True)} …")
    try:
        report = copy_database(db.engine, url,
                               lambda table, rows: click.echo(f"  {table}: {rows} rows"))
    except CopyRefused as refused:
        raise click.ClickException(str(refused)) from None
    total = sum(report.rows.values())
    if report.differences:
        for line in report.differences:
            click.echo(f"  DIFFERENT {line}")
        click.echo(f"{total} rows copied, but {len(report.differences)} differences.")
        raise SystemExit(1)
    click.echo(f"{total} rows in {len(report.rows)} tables copied and verified row for row "
               f"(schema revision {report.revision}).")
    click.echo("Now set DATABASE_URL to the new database and restart the web and worker "
               "processes.")
