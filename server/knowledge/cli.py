"""``flask knowledge prune-images``: remove article images nothing refers to any more."""

from __future__ import annotations

from datetime import timedelta

import click

from ..extensions import db
from . import images


@click.group("knowledge")
def knowledge_group():
    """Knowledge base maintenance."""


@knowledge_group.command("prune-images")
@click.option("--delete", is_flag=True,
              help="Really delete; without it, only list what would be deleted (dry run).")
@click.option("--grace-hours", default=24, show_default=True, type=click.IntRange(min=0),
              help="Keep images uploaded less than this many hours ago (the editor uploads "
                   "an image before the article that uses it is saved).")
def prune_images_command(delete: bool, grace_hours: int):
    """Remove the article images that no article, article version or proposal refers to.
    An image any saved version still uses is never removed; bytes another record (a
    photo, a signature, a report) shares stay in the blob store."""
    result = images.prune_images(delete=delete, grace=timedelta(hours=grace_hours))
    for sha256 in result.unused:
        kept = " (bytes kept: used elsewhere)" if sha256 in result.bytes_kept else ""
        click.echo(f"  {'deleted' if delete else 'unused'}: {sha256}{kept}")
    if delete:
        db.session.commit()
        images.delete_keys(result.keys)  # only once the database no longer names them
        click.echo(f"{len(result.unused)} unused image(s) deleted, {len(result.keys)} "
                   f"file(s), {result.freed} bytes freed.")
    else:
        db.session.rollback()
        click.echo(f"{len(result.unused)} unused image(s), {result.freed} bytes "
                   f"(dry run: nothing deleted; add --delete to delete).")
