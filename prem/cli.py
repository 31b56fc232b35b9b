"""The ``prem`` command: one group, each feature's commands loaded from its module when used.

A command's module is imported only when that command runs (or when help
lists it), so ``prem sample`` starts without Flask, SQLAlchemy, pandas or
reportlab, which the survey and report commands need.

Errors a user can cause (any :class:`contracts.errors.UserError`) are turned
into click's one-line ``Error: ...`` here, and only here, whichever command
raised them.
"""

from __future__ import annotations

import atexit
import gc
from importlib import import_module

import click

from contracts.errors import UserError
from prem import __version__

#: Command name → the module under ``prem.commands`` whose ``commands`` list holds it.
COMMAND_MODULES: dict[str, str] = {
    "synth": "synth",
    "sample": "sampling",
    "questionnaire": "questionnaire",
    "fieldwork": "survey",
    "export": "survey",
    "db": "survey",
    "serve": "survey",
    "simulate": "simulate",
    "report": "analysis",
    "tables": "analysis",
    "demo": "demo",
    "letters": "letters",
    "users": "staff",
    "jobs": "jobs",
}


# At exit, the interpreter's last garbage collections walk every object the imports made (polars, numpy,
# pandas: some 0.15 s of a command's run) before the process ends and the system frees its memory anyway.
# Frozen first, those objects are left out of the walk. (Objects still alive at exit are not promised a
# finaliser in any case; files and the standard streams are flushed and closed explicitly.)
atexit.register(gc.freeze)


class _LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's lazy-loading pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            module = import_module(f"prem.commands.{COMMAND_MODULES[cmd_name]}")
            for command in module.commands:
                self.add_command(command)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; an error the user can fix is printed as one line, never a traceback."""
        try:
            return super().invoke(ctx)
        except UserError as error:
            if error.usage:
                raise click.UsageError(str(error), ctx) from None
            raise click.ClickException(str(error)) from None


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="prem")
def main() -> None:
    """prem: patient-reported experience of whole care pathways."""
