"""A fielded questionnaire version never changes: 2026.1 stays as rounds fielded it, 2026.2 is the new one.

2026.1 was on main (hence what a region deploys) from 2026-11-22, with the
paper questionnaire and letters printed from it, before "Vill inte svara" was
added. Rounds imported then are stored against 2026.1: their web pages,
paper keying, exports, codebook and analysis must keep reading it as it was.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from prem.cli import main
from questionnaires import load_questionnaire
from questionnaires.codebook import codebook_table

DEFINITIONS = Path(__file__).parents[2] / "questionnaires" / "definitions"
#: The 2026.1 definition as fielded (main from 2026-11-22 to 2026-12-03): pinned, never to change.
FIELDED_2026_1_SHA256 = "f884320deeea748f25a945405253423faded8bb10b145c96eb51fa97f9e1164d"

OLD = load_questionnaire("prem-vardforlopp", version="2026.1")
NEW = load_questionnaire("prem-vardforlopp", version="2026.2")


def test_the_fielded_2026_1_definition_is_byte_for_byte_what_rounds_used():
    fielded = DEFINITIONS / "prem-vardforlopp-2026.1.yaml"
    assert hashlib.sha256(fielded.read_bytes()).hexdigest() == FIELDED_2026_1_SHA256
    assert not any(option.declined for scale in OLD.scales for option in scale.options)
    assert 99 not in {option.code for scale in OLD.scales for option in scale.options}
    assert "under det senaste året" in OLD.pathway_intro("reumatoid-artrit", "sv")


def test_2026_2_adds_vill_inte_svara_and_changes_nothing_a_2026_1_answer_means():
    assert load_questionnaire("prem-vardforlopp").version == "2026.2"
    assert [item.id for item in NEW.items] == [item.id for item in OLD.items]
    assert [page.id for page in NEW.pages] == [page.id for page in OLD.pages]
    for old_item, new_item in zip(OLD.items, NEW.items, strict=True):
        assert (new_item.kind, new_item.text, new_item.show_if, new_item.role) == (
            old_item.kind,
            old_item.text,
            old_item.show_if,
            old_item.role,
        )
        if old_item.kind != "choice":
            continue
        old_codes = {option.code: option for option in old_item.choices.options}
        new_codes = {option.code: option for option in new_item.choices.options}
        for code, option in old_codes.items():  # every 2026.1 code keeps its label, score and value
            assert (new_codes[code].label, new_codes[code].score, new_codes[code].value) == (
                option.label,
                option.score,
                option.value,
            ), (old_item.id, code)
        added = set(new_codes) - set(old_codes)
        assert added == ({99} if old_item.role not in (None, "sex") else set()), old_item.id
    assert NEW.scoring_table().equals(OLD.scoring_table())
    declined = {
        (item.id, option.code) for item in NEW.background_items for option in item.choices.options if option.declined
    }
    assert declined == {(item.id, 99) for item in NEW.background_items if item.role != "sex"} | {("reported_sex", 3)}


def test_each_version_has_its_own_codebook(tmp_path):
    old, new = codebook_table(OLD), codebook_table(NEW)
    assert 99 not in set(old.code.dropna()) and not old.declined.any()
    assert set(new[new.declined].code) == {99, 3}
    runner = CliRunner()
    for version, table in (("2026.1", old), ("2026.2", new)):
        out = tmp_path / version
        result = runner.invoke(main, ["questionnaire", "codebook", "--version", version, "--out", str(out)])
        assert result.exit_code == 0, result.output
        written = pd.read_csv(out / "codebook.csv", dtype={"code": "Int64"})
        assert len(written) == len(table) and f"prem-vardforlopp {version}" in (out / "codebook.md").read_text("utf-8")
