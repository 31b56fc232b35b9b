"""The one base of user errors: its message format and the one CLI handler."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from analysis.errors import AnalysisInputError
from analysis.report import ReportError
from contracts.errors import UserError
from prem import cli
from prem.errors import PremError
from questionnaires import QuestionnaireError
from sampling.errors import ExtractError, RuleFileError, SamplingError
from sampling.synth import SynthError


def test_place_leads_the_message_in_one_way():
    assert str(UserError("expected M or K", file="frame.csv", row=12, column="sex")) == (
        "frame.csv: row 12, column sex: expected M or K"
    )
    assert str(UserError("is empty", file="frame.csv")) == "frame.csv: is empty"
    assert str(UserError("expected M or K", row=3)) == "row 3: expected M or K"
    assert str(UserError("no place")) == "no place"
    error = UserError("x", file="a.csv", row=0, column="c")
    assert (error.file, error.row, error.column, error.message) == ("a.csv", 0, "c", "x")


@pytest.mark.parametrize(
    "error_class",
    [SamplingError, ExtractError, RuleFileError, SynthError, AnalysisInputError, ReportError, PremError],
)
def test_every_package_error_is_a_user_error(error_class):
    error = error_class("bad input", file="in.csv", row=2)
    assert isinstance(error, UserError)
    assert str(error) == "in.csv: row 2: bad input"


def test_value_errors_stay_value_errors():
    # Callers that caught ValueError before the common base keep working.
    for error_class in (SynthError, AnalysisInputError, ReportError):
        assert issubclass(error_class, ValueError)
    error = QuestionnaireError("q.yaml", ["line 3: unknown key", "line 9: no scale"])
    assert isinstance(error, UserError) and isinstance(error, ValueError)
    assert str(error) == "q.yaml: line 3: unknown key\nq.yaml: line 9: no scale"


@pytest.fixture
def failing_command(monkeypatch):
    """A command ``prem fail`` that raises the error it is given, through the real group."""
    raised: list[BaseException] = []

    @click.command("fail")
    def fail() -> None:
        raise raised[0]

    monkeypatch.setitem(cli.main.commands, "fail", fail)
    return raised


@pytest.mark.parametrize("error_class", [SamplingError, PremError, AnalysisInputError, QuestionnaireError])
def test_the_cli_prints_a_user_error_as_one_line(failing_command, error_class):
    if error_class is QuestionnaireError:
        failing_command.append(QuestionnaireError("q.yaml", ["line 3: unknown key"]))
        expected = "q.yaml: line 3: unknown key"
    else:
        failing_command.append(error_class("expected a date", file="flow.csv", row=4, column="step"))
        expected = "flow.csv: row 4, column step: expected a date"
    result = CliRunner().invoke(cli.main, ["fail"])
    assert result.exit_code == 1
    assert result.output == f"Error: {expected}\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_usage_error_exits_with_two(failing_command):
    failing_command.append(SynthError("unknown region code(s) 99"))
    result = CliRunner().invoke(cli.main, ["fail"])
    assert result.exit_code == 2
    assert "Error: unknown region code(s) 99" in result.output
    assert "Traceback" not in result.output


def test_other_errors_are_not_hidden(failing_command):
    failing_command.append(RuntimeError("a bug"))
    result = CliRunner().invoke(cli.main, ["fail"])
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)
