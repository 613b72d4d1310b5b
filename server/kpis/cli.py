"""``flask kpis rebuild`` and ``flask kpis check``: the KPI rollup from scratch."""

from __future__ import annotations

import time

import click


def _day(ctx, param, value):
    """A local day YYYY-MM-DD, or a usage error naming the option."""
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a day (YYYY-MM-DD): {exc}",
                                 ctx=ctx, param=param) from exc


@click.group("kpis")
def kpis_group():
    """The KPI rollup (one row of facts per order, kept as orders change)."""


@kpis_group.command("rebuild")
@click.option("--from", "start", default=None, callback=_day,
              help="First request day (YYYY-MM-DD).")
@click.option("--to", "end", default=None, callback=_day,
              help="Last request day (YYYY-MM-DD), included.")
def rebuild_command(start, end):
    """Recompute the rollup of the orders requested in a range of days (default: all)."""
    from ..extensions import db
    from .rollup import rebuild

    began = time.perf_counter()
    rows = rebuild(start, end)
    db.session.commit()
    click.echo(f"KPI rollup rebuilt: {rows} orders in it "
               f"({time.perf_counter() - began:.1f} s).")


@kpis_group.command("check")
@click.option("--from", "start", default=None, callback=_day,
              help="First request day (YYYY-MM-DD).")
@click.option("--to", "end", default=None, callback=_day,
              help="Last request day (YYYY-MM-DD), included.")
def check_command(start, end):
    """Compare the rollup with a fresh computation; exit 1 and list the orders that differ."""
    from .rollup import check

    wrong = check(start, end)
    if wrong:
        for order_id in wrong[:50]:
            click.echo(str(order_id))
        raise click.ClickException(
            f"{len(wrong)} orders differ from a fresh computation: run `flask kpis rebuild`.")
    click.echo("The KPI rollup equals a fresh computation.")
