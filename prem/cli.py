"""The ``prem`` command: one group, each feature's commands added from its module."""

from __future__ import annotations

import click

from prem import __version__
from prem.commands import analysis, demo, questionnaire, sampling, simulate, survey, synth


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="prem")
def main() -> None:
    """prem: patient-reported experience of whole care pathways."""


for _module in (synth, sampling, questionnaire, survey, simulate, analysis, demo):
    for _command in _module.commands:
        main.add_command(_command)
