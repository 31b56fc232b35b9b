"""analysis.report.steps: the sampling flow's steps in words, from the manifest's labels or the rule files."""

from __future__ import annotations

from pypdf import PdfReader

from analysis.report import build_content, write_pdf
from analysis.report.steps import criterion_text, rules_for_report, step_label
from contracts.rules import Criterion
from sampling.rules import load_rule

from .conftest import (
    BUNDLED_RULES,
    MANIFEST,
    appendix_text,
    flat,
)


def test_flow_steps_are_named_in_words_from_the_bundled_rule_files_labels(pathway_pdf):
    _, pages = pathway_pdf
    appendix = appendix_text(pages)
    for text in (
        "Personer med minst en vårdkontakt med vårdförloppets diagnoser under perioden",
        "Minst 2 kontakter på olika dagar",
        "18 år eller äldre vid periodens slut",
        "Avlidna",
        "Dragna i urvalet",
    ):
        assert text in appendix, text
    assert "two_contact_dates" not in appendix and "persons_with_qualifying_contacts" not in appendix


def test_flow_steps_of_another_rule_file_keep_their_ids(tmp_path_factory, results, questionnaire, flow):
    """The manifest records another version of the rule file: its criteria are not described from ours."""
    changed = {**MANIFEST, "rules": [{**MANIFEST["rules"][0], "sha256": "ef" * 32}]}
    content = build_content(
        results,
        questionnaire,
        kind="pathway",
        pathway="reumatoid-artrit",
        round_name="2026-vår",
        flow=flow,
        manifest=changed,
    )
    steps = {row.step: row.label for row in content.flow}
    assert steps["two_contact_dates"] == "two_contact_dates" and steps["deceased"] == "Avlidna"
    path = write_pdf(content, tmp_path_factory.mktemp("pdf") / "other_rules.pdf")
    assert "steg som inte finns i den visas med sitt namn" in flat([p.extract_text() for p in PdfReader(path).pages])


def test_flow_criteria_from_a_given_rule_file_in_english(tmp_path, results, questionnaire, flow):
    rule_file = tmp_path / "ra.yaml"
    rule_file.write_text(
        "pathway: reumatoid-artrit\nversion: test\nqualifying_contacts:\n  diagnoses:\n"
        "    - {position: any, codes: [M05]}\ncriteria:\n"
        "  - {name: two_contact_dates, min_contact_dates: 3, any_contact_at: [specialist, inpatient]}\n"
        "  - {name: adult, min_age: 18, max_age: 64, age_at: first_qualifying_contact}\n"
        "sample_size: {n: 100}\n",
        encoding="utf-8",
    )
    content = build_content(
        results,
        questionnaire,
        kind="pathway",
        pathway="reumatoid-artrit",
        round_name="r",
        flow=flow,
        lang="en",
        rules=[load_rule(rule_file)],
    )
    steps = {row.step: row.label for row in content.flow}
    assert steps["two_contact_dates"] == (
        "At least 3 qualifying contacts on different dates; at least one qualifying "
        "contact in specialist outpatient care or inpatient care"
    )
    assert steps["adult"] == "Aged 18 to 64 at the first qualifying contact"
    assert steps["sampled"] == "Sampled (eligible population → sample)"


def test_flow_criteria_labels_recorded_in_the_manifest_come_first(results, questionnaire, flow):
    """The manifest records the labels of the rule file the sample used, even one prem does not ship."""
    recorded = {
        **MANIFEST["rules"][0],
        "sha256": "ef" * 32,
        "criteria": [
            {"name": "two_contact_dates", "label": {"sv": "Två besöksdagar"}},
            {"name": "adult", "label": None},
        ],
    }
    content = build_content(
        results,
        questionnaire,
        kind="pathway",
        pathway="reumatoid-artrit",
        round_name="r",
        flow=flow,
        manifest={**MANIFEST, "rules": [recorded]},
    )
    steps = {row.step: row.label for row in content.flow}
    assert steps["two_contact_dates"] == "Två besöksdagar" and steps["adult"] == "adult"
    english = build_content(
        results,
        questionnaire,
        kind="pathway",
        pathway="reumatoid-artrit",
        round_name="r",
        flow=flow,
        manifest={**MANIFEST, "rules": [recorded]},
        lang="en",
    )
    assert {row.step: row.label for row in english.flow}["two_contact_dates"] == "Två besöksdagar"  # no en label


def test_rule_files_are_used_only_when_given_and_recorded_as_the_ones_the_sample_used():
    pathways = ["reumatoid-artrit", "ibd-vuxna"]
    assert rules_for_report(pathways, MANIFEST, None) == {}  # analysis reads no rule file of its own
    chosen = rules_for_report(pathways, MANIFEST, BUNDLED_RULES)
    assert sorted(chosen) == sorted(pathways)
    other = {**MANIFEST, "rules": [{**MANIFEST["rules"][0], "sha256": "ef" * 32}]}
    assert sorted(rules_for_report(pathways, other, BUNDLED_RULES)) == ["ibd-vuxna"]
    assert sorted(rules_for_report(pathways, None, BUNDLED_RULES)) == sorted(pathways)


def test_a_criterion_is_spelled_out_from_its_conditions_without_a_label():
    criterion = Criterion("older", min_contact_dates=2, min_age=65, age_at="period_end")
    assert step_label("older", "en", None, None) == "older"
    text = criterion_text(criterion, "en")
    assert text.startswith("At least 2 qualifying contacts on different dates") and "65" in text
    assert step_label("deceased", "sv") == "Avlidna"
