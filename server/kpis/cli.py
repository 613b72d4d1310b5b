"""``flask kpis rebuild`` and ``flask kpis check``: the KPI rollup from scratch."""

from __future__ import annotations

import time

import click


def _day(value):
    from datetime import date

    return None if value is None else date.fromisoformat(value)


@click.group("kpis")
def kpis_group():
    """The KPI rollup (one row of facts per order, kept as orders change)."""


@kpis_group.command("rebuild")
@click.option("--from", "start", default=None, help="First request day (YYYY-MM-DD).")
@click.option("--to", "end", default=None, help="Last request day (YYYY-MM-DD), included.")
def rebuild_command(start, end):
    """Recompute the rollup of the orders requested in a range of days (default: all)."""
    from ..extensions import db
    from .rollup import rebuild

    began = time.perf_counter()
    try:
        rows = rebuild(_day(start), _day(end))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    db.session.commit()
    click.echo(f"KPI rollup rebuilt: {rows} orders in it "
               f"({time.perf_counter() - began:.1f} s).")


@kpis_group.command("check")
@click.option("--from", "start", default=None, help="First request day (YYYY-MM-DD).")
@click.option("--to", "end", default=None, help="Last request day (YYYY-MM-DD), included.")
def check_command(start, end):
    """Compare the rollup with a fresh computation; exit 1 and list the orders that differ."""
    from .rollup import check

    try:
        wrong = check(_day(start), _day(end))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    if wrong:
        for order_id in wrong[:50]:
            click.echo(str(order_id))
        raise click.ClickException(
            f"{len(wrong)} orders differ from a fresh computation: run `flask kpis rebuild`.")
    click.echo("The KPI rollup equals a fresh computation.")
