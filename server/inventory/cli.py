"""``flask stock check``: proves every stock level equals the sum of its ledger lines."""

import click
from sqlalchemy import select

from ..extensions import db
from . import service
from .models import Part, StockLocation


@click.group("stock")
def stock_group():
    """Stock ledger commands."""


@stock_group.command("check")
def check_command():
    """Compare every level with its ledger; exit 1 and list each disagreement."""
    problems = service.check()
    if not problems:
        click.echo("OK: every stock level equals the sum of its ledger.")
        return
    names = dict(db.session.execute(select(StockLocation.id, StockLocation.name)).all())
    skus = dict(db.session.execute(select(Part.id, Part.sku)).all())
    for p in problems:
        click.echo(f"{names.get(p['location_id'], p['location_id'])} · "
                   f"{skus.get(p['part_id'], p['part_id'])}: level {p['level']}, "
                   f"ledger {p['ledger']}", err=True)
    raise click.ClickException(f"{len(problems)} level(s) disagree with the ledger.")
