"""CLI commands for simulate (thin callers of the library)."""

from __future__ import annotations

import click

commands: list[click.Command] = []
