"""``prem demo``: the whole chain on synthetic data, on the embedded default database."""

from __future__ import annotations

import click

commands: list[click.Command] = []
