"""``prem simulate``: fill a demo round with simulated answers (:mod:`prem.fieldwork.simulated`)."""

from __future__ import annotations

import click

__all__ = ["commands"]


@click.command("simulate")
@click.option("--round", "round_name", required=True, help="Name of the (demo) survey round to fill.")
@click.option("--seed", type=int, default=20260302, show_default=True, help="Seed of the simulation.")
def simulate(round_name: str, seed: int) -> None:
    """Fill a demo round with simulated answers from synthetic respondents (one transaction)."""
    from prem import create_app
    from prem.db import db, transaction
    from prem.fieldwork.simulated import store_simulated_round

    app = create_app()
    try:
        with transaction(app) as session:
            counts = store_simulated_round(session, round_name, seed=seed)
    finally:
        with app.app_context():
            db.engine.dispose()  # close the pool's connections now, not at interpreter exit
    summary = ", ".join(f"{status} {count}" for status, count in counts.most_common())
    click.echo(f"Round {round_name!r}: simulated {sum(counts.values())} respondents ({summary}).")


commands: list[click.Command] = [simulate]
