"""The package, its reference tables and the ``prem`` command."""

import pkgutil
from importlib import import_module

from click.testing import CliRunner

import prem.commands
from prem import __version__
from prem.cli import COMMAND_MODULES, main
from sampling.reference import pathways, regions


def test_reference_tables_hold_21_regions_and_the_pilot_pathways():
    assert len(regions()) == 21
    assert regions()["14"].name == "Västra Götaland"
    assert regions()["09"].healthcare_region == "Stockholm-Gotland"
    for slug in ("reumatoid-artrit", "ibd-vuxna", "osteoporos-sekundarprevention", "traumatisk-hjarnskada"):
        assert slug in pathways()


def test_prem_command_reports_its_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_every_command_is_found_where_the_lazy_group_looks():
    modules = [info.name for info in pkgutil.iter_modules(prem.commands.__path__)]
    found = {
        command.name: module for module in modules for command in import_module(f"prem.commands.{module}").commands
    }
    assert found == COMMAND_MODULES
