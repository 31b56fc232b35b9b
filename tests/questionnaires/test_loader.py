"""The loader: bundled definitions load, and each kind of bad definition is rejected clearly."""

from __future__ import annotations

import pytest

from questionnaires import QuestionnaireError, bundled_questionnaires, load_questionnaire


def test_minimal_definition_loads_with_its_parts(write_definition):
    q = load_questionnaire(write_definition())
    assert (q.id, q.version, q.languages) == ("mini", "1.0", ("sv", "en"))
    assert [item.id for item in q.items] == ["overall_rating", "had_contact", "contact_rating", "comments"]
    assert [item.id for item in q.core_items] == ["overall_rating"]
    assert q.item("contact_rating").show_if.item == "had_contact"
    assert q.item("comments").max_length == 20
    assert q.item("overall_rating").scale.option(9).score is None


def test_bundled_questionnaire_found_by_id_and_by_version(prem):
    assert [key for key in bundled_questionnaires() if key[0] == "prem-vardforlopp"] == [
        ("prem-vardforlopp", "2026.1"),
        ("prem-vardforlopp", "2026.2"),
    ]
    assert load_questionnaire("prem-vardforlopp", version="2026.2") is prem  # the newest by default
    assert load_questionnaire("prem-vardforlopp", version="2026.1").version == "2026.1"
    with pytest.raises(QuestionnaireError, match=r"no bundled version 1999.1"):
        load_questionnaire("prem-vardforlopp", version="1999.1")
    with pytest.raises(QuestionnaireError, match="no bundled questionnaire"):
        load_questionnaire("no-such-questionnaire")


BAD_DEFINITIONS = {
    "duplicate item id": (
        {"- id: comments\n": "- id: had_contact\n"},
        ["item 'had_contact'", "duplicate item 'had_contact' (first on line 34)"],
    ),
    "unknown scale": (
        {"scale: contact\n": "scale: yes_no\n"},
        ["line 36", "item 'had_contact'", "unknown scale 'yes_no'"],
    ),
    "unknown dimension": (
        {"dimension: overall\n        core": "dimension: overal\n        core"},
        ["item 'contact_rating'", "unknown dimension 'overal'"],
    ),
    "routing to an unknown item": (
        {"show_if: {item: had_contact": "show_if: {item: had_contacts"},
        ["item 'contact_rating'", "'had_contacts', which is not an earlier item"],
    ),
    "routing to a later item": (
        {"show_if: {item: had_contact": "show_if: {item: comments"},
        ["item 'contact_rating'", "'comments', which is not an earlier item"],
    ),
    "routing to an item on the same page": (
        {"- id: had_contact\n": "- id: had_contact\n        show_if: {item: overall_rating, in: [1]}\n"},
        ["item 'had_contact'", "must be on an earlier page"],
    ),
    "routing to a code the item does not have": (
        {"in: [1]": "in: [1, 3]"},
        ["item 'contact_rating'", "show_if codes [3] are not options of 'had_contact'"],
    ),
    "missing translation": (
        {"text: {sv: Kontakt, en: Contact}": "text: {sv: Kontakt}"},
        ["item 'had_contact'", "'text' is missing the 'en' translation"],
    ),
    "undeclared language": (
        {"text: {sv: Kontakt, en: Contact}": "text: {sv: Kontakt, en: Contact, de: Kontakt}"},
        ["item 'had_contact'", "undeclared language 'de'"],
    ),
    "scores not reaching 100": (
        {"score: 100, positive: true}": "score: 90, positive: true}"},
        ["scale 'rating4'", "must run from 0 to 100"],
    ),
    "scores unevenly spread": (
        {"score: 66.67": "score: 80"},
        ["scale 'rating4'", "evenly spread", "expected [0.0, 33.33, 66.67, 100.0]"],
    ),
    "unknown key": (
        {"dimension: overall\n        text: {sv: Vad": "dimensoin: overall\n        text: {sv: Vad"},
        ["line 32", "item 'overall_rating'", "unknown key 'dimensoin'"],
    ),
    "unquoted version": ({'version: "1.0"': "version: 1.0"}, ["must be a quoted string"]),
    "text item without a length limit": ({"        max_length: 20\n": ""}, ["item 'comments'", "needs max_length"]),
    "duplicate option code": (
        {"{code: 2, label: {sv: Nej": "{code: 1, label: {sv: Nej"},
        ["scale 'contact'", "duplicate option code"],
    ),
    "unknown role": (
        {"kind: text\n": "kind: text\n        role: shoe_size\n"},
        ["item 'comments'", "unknown role 'shoe_size'"],
    ),
    "scored item on an unscored scale": (
        {"scale: contact\n": "scale: contact\n        dimension: overall\n"},
        ["item 'had_contact'", "has no scores"],
    ),
    "no generic pathway introduction": (
        {"  default: {sv: Du": "  ibd-vuxna: {sv: Du"},
        ["pathway_intros must map pathway slugs, and 'default'"],
    ),
    "item id that is an export column": (
        {"- id: had_contact\n": "- id: sex\n", "item: had_contact": "item: sex"},
        ["item 'sex'", "column of the responses export"],
    ),
    "dimension without items": (
        {"dimensions:\n": "dimensions:\n  - id: unused\n    label: {sv: Oanvänd, en: Unused}\n"},
        ["dimension 'unused'", "no item belongs to this dimension"],
    ),
    "positive option that is not scored": (
        {"score: null}": "score: null, positive: true}"},
        ["scale 'rating4'", "option 9 is positive but not scored"],
    ),
    "declined option with a score": (
        {"score: null}": "score: null, declined: true}", "score: 0}": "score: 0, declined: true}"},
        ["scale 'rating4'", "option 4 is declined (prefer not to answer): no score or value"],
    ),
    "score outside 0-100": ({"score: 66.67": "score: 166.67"}, ["scale 'rating4', option 2", "from 0 to 100 or null"]),
    "non-integer option code": (
        {"{code: 2, label: {sv: Nej": "{code: two, label: {sv: Nej"},
        ["option code 'two' must be an integer"],
    ),
    "flag that is not true/false": (
        {"core: false": "core: sometimes"},
        ["item 'contact_rating'", "'core' must be true or false"],
    ),
    "routing on a free-text item": (
        {"kind: choice\n        scale: contact\n": "kind: text\n        max_length: 5\n"},
        ["item 'contact_rating'", "show_if item 'had_contact' is not a choice item"],
    ),
    "unknown kind": ({"kind: text\n": "kind: essay\n"}, ["item 'comments'", "kind 'essay' must be 'choice' or 'text'"]),
    "item id not snake_case": ({"- id: comments\n": "- id: Comments\n"}, ["id 'Comments' must be snake_case"]),
    "languages missing": ({"languages: [sv, en]\n": ""}, ["languages must be a list like [sv, en]"]),
    "duplicate YAML key": (
        {"kind: text\n": "kind: text\n        kind: text\n"},
        ["not valid YAML", "duplicate key 'kind'"],
    ),
}


@pytest.mark.parametrize("replacements, expected", BAD_DEFINITIONS.values(), ids=BAD_DEFINITIONS.keys())
def test_bad_definition_is_rejected_naming_file_and_item(write_definition, replacements, expected):
    path = write_definition(replacements)
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    for fragment in expected:
        assert fragment in message


def test_all_problems_are_reported_at_once(write_definition):
    path = write_definition(
        {
            "scale: contact\n": "scale: yes_no\n",
            "text: {sv: Vad tycker du, en: What do you think}": "text: {sv: Vad tycker du}",
        }
    )
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert len(caught.value.problems) == 2


def test_a_yaml_list_is_not_a_definition(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- id: mini\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="questionnaire: expected a mapping"):
        load_questionnaire(path)


def test_unreadable_file_is_a_questionnaire_error(tmp_path):
    with pytest.raises(QuestionnaireError, match="cannot read the file"):
        load_questionnaire(tmp_path / "missing.yaml")


@pytest.fixture
def bundled_dir(tmp_path, monkeypatch):
    """Point the bundled-definition lookup at an empty temporary folder."""
    from questionnaires import loader

    folder = tmp_path / "definitions"
    folder.mkdir()
    monkeypatch.setattr(loader, "_definitions_dir", lambda: folder)
    loader._bundled.cache_clear()
    yield folder
    loader._bundled.cache_clear()


def test_newest_version_by_default_and_old_versions_stay_loadable(bundled_dir, write_definition):
    for version in ("1.9", "1.10", "1.2"):
        text = write_definition().read_text(encoding="utf-8").replace('version: "1.0"', f'version: "{version}"')
        (bundled_dir / f"mini-{version}.yaml").write_text(text, encoding="utf-8")
    assert load_questionnaire("mini").version == "1.10"
    assert load_questionnaire("mini", version="1.2").version == "1.2"
    assert bundled_questionnaires() == [("mini", "1.2"), ("mini", "1.9"), ("mini", "1.10")]


def test_version_of_a_file_must_match_when_asked(write_definition):
    with pytest.raises(QuestionnaireError, match=r"holds version 1.0, not the requested 2.0"):
        load_questionnaire(write_definition(), version="2.0")


def test_two_bundled_files_with_the_same_id_and_version_are_refused(bundled_dir, write_definition):
    for name in ("a.yaml", "b.yaml"):
        (bundled_dir / name).write_text(write_definition().read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"also defines mini 1.0"):
        load_questionnaire("mini")
