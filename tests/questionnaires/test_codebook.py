"""The codebook and the ``prem questionnaire`` commands."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from prem.cli import main
from questionnaires import load_questionnaire
from questionnaires.codebook import codebook_table


def test_codebook_has_one_row_per_item_and_option(prem):
    table = codebook_table(prem)
    expected_rows = sum(len(item.scale.options) if item.scale else 1 for item in prem.items)
    assert len(table) == expected_rows
    assert list(table.columns[:9]) == [
        "page",
        "item_id",
        "kind",
        "dimension",
        "core",
        "role",
        "routing",
        "pathways",
        "max_length",
    ]
    care_plan = table[table.item_id == "care_plan"].set_index("code")
    assert care_plan.loc[1, "label_sv"] == "Ja" and care_plan.loc[1, "score"] == 100 and care_plan.loc[1, "positive"]
    assert pd.isna(care_plan.loc[9, "score"]) and not care_plan.loc[9, "positive"]
    assert care_plan.loc[1, "text_en"] == prem.item("care_plan").text["en"]


def test_codebook_shows_routing_roles_and_unscored_background(prem):
    table = codebook_table(prem)
    routed = table[table.item_id == "municipality_coordination"]
    assert set(routed.routing) == {"municipality_contact in [1]"} and not routed.core.any()
    age = table[table.role == "age_group"]
    assert age.score.isna().all() and not age.positive.any() and age.dimension.eq("").all()
    comments = table[table.item_id == "comments"]
    assert len(comments) == 1 and comments.code.isna().all() and comments.max_length.iloc[0] == 4000


def test_codebook_command_writes_csv_and_markdown(tmp_path, prem):
    result = CliRunner().invoke(main, ["questionnaire", "codebook", "--out", str(tmp_path / "cb")])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "cb" / "codebook.csv", dtype={"code": "Int64"})
    assert written.item_id.tolist() == codebook_table(prem).item_id.tolist()
    markdown = (tmp_path / "cb" / "codebook.md").read_text(encoding="utf-8")
    assert "prem-vardforlopp 2026.2" in markdown
    assert "### `care_plan` (choice, dimension `involvement`, core)" in markdown
    assert "| 9 | Vet inte / Inte aktuellt | Don't know / Not applicable | – |  |" in markdown


def test_check_command_summarises_a_valid_definition(write_definition):
    result = CliRunner().invoke(main, ["questionnaire", "check", str(write_definition())])
    assert result.exit_code == 0, result.output
    assert "mini 1.0: valid" in result.output
    assert "items: 4 (1 core, 2 scored)" in result.output
    assert "routed items: contact_rating" in result.output


def test_check_command_lists_problems_without_traceback(write_definition):
    path = write_definition({"scale: contact\n": "scale: yes_no\n"})
    result = CliRunner().invoke(main, ["questionnaire", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}: line 36, item 'had_contact': unknown scale 'yes_no'" in result.output
    assert "Traceback" not in result.output


def test_codebook_documents_the_exports_mode_and_version_with_their_values():
    from contracts.formats import RESPONSE_MODES, RESPONSE_STATUSES
    from questionnaires.codebook import codebook_markdown, export_variables_table

    table = export_variables_table()
    values = {name: set(group.value) for name, group in table[table.value != ""].groupby("variable")}
    assert values == {"mode": set(RESPONSE_MODES), "status": set(RESPONSE_STATUSES)}
    assert {"questionnaire_version", "mode"} <= set(table.variable)
    mode = table[table.variable == "mode"].set_index("value")
    assert mode.loc["paper", "label_sv"] == "pappersenkät, inmatad" and mode.loc["web", "label_en"] == "web survey"
    assert "first complete response" in mode.loc["", "label_en"]
    markdown = codebook_markdown(load_questionnaire("prem-vardforlopp"))
    assert (
        "### `mode`" in markdown and "| `paper` | pappersenkät, inmatad | paper questionnaire, keyed in |" in markdown
    )


def test_codebook_command_writes_the_export_variables(tmp_path):
    result = CliRunner().invoke(main, ["questionnaire", "codebook", "--out", str(tmp_path / "cb")])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "cb" / "export_variables.csv", dtype="string", keep_default_na=False)
    assert ("mode", "web") in set(zip(written.variable, written.value, strict=True))
