"""Rule files: the bundled pilot rules, and clear errors with file and line."""

from __future__ import annotations

import pytest

from sampling.errors import RuleFileError
from sampling.rules import bundled_rules_dir, load_rule, load_rules

VALID = """\
pathway: ibd-vuxna
version: "1"
qualifying_contacts:
  diagnoses:
    - position: any
      codes: [K50]
criteria:
  - name: adult
    min_age: 18
sample_size:
  n: 10
"""


def test_bundled_rules_are_the_four_pilot_pathways():
    rules = load_rules()
    assert [rule.pathway for rule in rules] == [
        "ibd-vuxna",
        "osteoporos-sekundarprevention",
        "reumatoid-artrit",
        "traumatisk-hjarnskada",
    ]
    assert all(rule.version and rule.quarantine_months == 12 for rule in rules)
    tbi = load_rule(bundled_rules_dir() / "traumatisk-hjarnskada.yaml")
    assert tbi.diagnoses[0].codes == ("S06",) and tbi.diagnoses[0].exceptions == ("S060",)


def test_selecting_pathways_and_an_unknown_one():
    assert [rule.pathway for rule in load_rules(pathways=["reumatoid-artrit"])] == ["reumatoid-artrit"]
    with pytest.raises(RuleFileError, match="no rule file for pathway 'kol'"):
        load_rules(pathways=["kol"])


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("  n: 10", "  n: ten", 11, "n must be an integer"),
        ("    min_age: 18", "    min_agee: 18", 9, "unknown key 'min_agee'"),
        ("      codes: [K50]", "      codes: [K5O!]", 6, "unknown code pattern 'K5O!'"),
        ("pathway: ibd-vuxna", "pathway: ibd", 1, "unknown pathway 'ibd'"),
        ("    - position: any", "    - position: other", 5, "position must be 'main' or 'any'"),
        ("    min_age: 18", "    any_contact_at: [hospital]", 9, "unknown care level 'hospital'"),
        ("  n: 10", "  margin: 0.05", 11, "either {n: INT}"),
        ("  - name: adult", "  - name: deceased", 8, "criterion name 'deceased'"),
    ],
)
def test_rule_errors_name_file_and_line(tmp_path, old, new, line, message):
    path = tmp_path / "rule.yaml"
    path.write_text(VALID.replace(old, new), encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_rule(path)
    assert str(caught.value).startswith(f"{path}, line {line}:")
    assert message in str(caught.value)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(VALID.replace("codes: [K50]", "codes: [K50"), encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"broken.yaml, line \d+: not valid YAML"):
        load_rule(path)


def test_missing_required_key(tmp_path):
    path = tmp_path / "rule.yaml"
    path.write_text(VALID.replace('version: "1"\n', ""), encoding="utf-8")
    with pytest.raises(RuleFileError, match="lacks required key 'version'"):
        load_rule(path)


def test_bundled_criteria_have_swedish_and_english_labels():
    for rule in load_rules():
        for criterion in rule.criteria:
            assert criterion.label and set(criterion.label) == {"sv", "en"}, (rule.pathway, criterion.name)
    ra = load_rules(pathways=["reumatoid-artrit"])[0]
    assert ra.criteria[0].label == {
        "sv": "Minst 2 kontakter på olika dagar",
        "en": "At least 2 contacts on different dates",
    }


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("{en: Adults}", "label lacks required key 'sv'"),
        ("{sv: Vuxna, de: Erwachsene}", "unknown key 'de' in label"),
        ("{sv: ''}", "label.sv must not be empty"),
    ],
)
def test_label_errors(tmp_path, label, message):
    path = tmp_path / "rule.yaml"
    path.write_text(VALID.replace("  - name: adult\n", f"  - name: adult\n    label: {label}\n"), encoding="utf-8")
    with pytest.raises(RuleFileError, match=message):
        load_rule(path)
    path.write_text(VALID, encoding="utf-8")
    assert load_rule(path).criteria[0].label is None
