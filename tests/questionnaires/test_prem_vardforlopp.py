"""The bundled PREM for care pathways: content the spec requires, routing and scoring rules."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from questionnaires import BACKGROUND_ROLES
from sampling.reference import pathways

SURVEY_DIMENSIONS = {
    "Helhetsintryck",
    "Information och kunskap",
    "Delaktighet och involvering",
    "Emotionellt stöd",
    "Kontinuitet och koordinering",
    "Respekt och bemötande",
    "Tillgänglighet",
}
FRAME_AGE_GROUPS = ["0-17", "18-34", "35-49", "50-64", "65-79", "80+"]


def test_identity_and_languages(prem):
    assert (prem.id, prem.version, prem.languages) == ("prem-vardforlopp", "2026.2", ("sv", "en"))


def test_has_20_to_25_core_items_covering_the_seven_dimensions(prem):
    assert 20 <= len(prem.core_items) <= 25
    assert {dimension.label["sv"] for dimension in prem.dimensions} == SURVEY_DIMENSIONS
    assert {item.dimension for item in prem.core_items} == {d.id for d in prem.dimensions}
    assert 6 <= len(prem.pages) <= 9


def test_every_text_has_swedish_and_english(prem):
    texts = [prem.title, prem.introduction, prem.thank_you, *prem.messages.values(), *prem.pathway_intros.values()]
    texts += [dimension.label for dimension in prem.dimensions] + [page.title for page in prem.pages]
    for item in prem.items:
        texts += [item.text, *([item.hint] if item.hint else [])]
        texts += [option.label for option in (item.scale.options if item.scale else ())]
    for text in texts:
        assert set(text) == {"sv", "en"} and all(value.strip() for value in text.values())


def test_every_scored_item_has_a_dont_know_escape_and_options_labelled_in_words(prem):
    for item in prem.scored_items:
        unscored = [option for option in item.scale.options if not option.scored]
        assert [option.label["sv"] for option in unscored] == ["Vet inte / Inte aktuellt"], item.id
        assert all(any(c.isalpha() for c in option.label["sv"]) for option in item.scale.options)


def test_care_plan_item_and_background_roles(prem):
    care_plan = prem.item("care_plan")
    assert care_plan.dimension == "involvement" and care_plan.core
    assert {item.role for item in prem.background_items} == set(BACKGROUND_ROLES)
    age = prem.item_by_role("age_group")
    assert [option.value for option in age.scale.options if not option.declined] == FRAME_AGE_GROUPS
    assert {option.value for option in prem.item_by_role("sex").scale.options} >= {"K", "M"}
    assert prem.items[-1].kind == "text" and prem.items[-1].max_length >= 1000


@pytest.mark.parametrize(
    "slug", ["reumatoid-artrit", "ibd-vuxna", "osteoporos-sekundarprevention", "traumatisk-hjarnskada"]
)
def test_pilot_pathways_have_their_own_introduction(prem, slug):
    assert slug in pathways()
    assert prem.pathway_intro(slug, "sv") != prem.pathway_intro("default", "sv")
    assert prem.pathway_intro(slug, "en") != prem.pathway_intro("default", "en")


def test_unknown_pathway_falls_back_to_the_generic_introduction(prem):
    assert prem.pathway_intro("kol", "sv") == prem.pathway_intros["default"]["sv"]


def test_municipality_item_is_shown_only_after_contact_with_the_municipality(prem):
    routed = prem.item("municipality_coordination")
    assert routed.show_if.item == "municipality_contact" and routed.dimension == "continuity"
    assert not routed.is_shown({}) and not routed.is_shown({"municipality_contact": 2})
    assert routed.is_shown({"municipality_contact": 1})
    assert routed not in prem.visible_items({"municipality_contact": 9})
    assert "municipality" not in [page.id for page in prem.visible_pages({"municipality_contact": 2})]
    assert "municipality" in [page.id for page in prem.visible_pages({"municipality_contact": 1})]


def test_answers_to_items_routing_now_hides_are_dropped(prem):
    answers = {"municipality_contact": 2, "municipality_coordination": 1, "overall_rating": 1}
    assert prem.applicable_answers(answers) == {"municipality_contact": 2, "overall_rating": 1}


def test_scoring_table_spreads_scores_evenly_and_drops_dont_know(prem):
    table = prem.scoring_table()
    assert list(table.columns) == ["item_id", "dimension", "code", "score", "positive"]
    overall = table[table.item_id == "overall_rating"].reset_index(drop=True)
    expected = pd.DataFrame(
        {
            "item_id": ["overall_rating"] * 4,
            "dimension": ["overall"] * 4,
            "code": [1, 2, 3, 4],
            "score": [100.0, 66.67, 33.33, 0.0],
            "positive": [True, True, False, False],
        }
    )
    assert_frame_equal(overall, expected)
    care_plan = table[table.item_id == "care_plan"]
    assert care_plan[["code", "score"]].values.tolist() == [[1, 100.0], [2, 0.0]]
    assert 9 not in set(table.code)
    assert set(table.item_id) == {item.id for item in prem.scored_items}
