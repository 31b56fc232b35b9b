"""The package, its reference tables and the ``prem`` command."""

from click.testing import CliRunner

from prem import __version__
from prem.cli import main
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
