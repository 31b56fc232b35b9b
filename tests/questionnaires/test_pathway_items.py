"""Pathway-specific items: asked only on their pathways, never core or in a dimension."""

from __future__ import annotations

import pytest

from questionnaires import QuestionnaireError, load_questionnaire
from questionnaires.codebook import codebook_table
from questionnaires.simulate import simulate_responses

PATHWAY_ITEM = {
    "      - id: comments\n": (
        "      - id: infusion_rating\n"
        "        kind: choice\n"
        "        scale: rating4\n"
        "        pathways: [ibd-vuxna, reumatoid-artrit]\n"
        "        text: {sv: Hur fungerade infusionerna, en: How did the infusions work}\n"
        "      - id: comments\n"
    )
}


@pytest.fixture
def with_pathway_item(write_definition):
    return load_questionnaire(write_definition(PATHWAY_ITEM))


def test_pathway_item_is_shown_only_on_its_pathways(with_pathway_item):
    q = with_pathway_item
    item = q.item("infusion_rating")
    assert item.pathways == {"ibd-vuxna", "reumatoid-artrit"} and not item.core and item.dimension is None
    assert q.is_shown(item, {}, "ibd-vuxna")
    assert not q.is_shown(item, {}, "osteoporos-sekundarprevention")
    assert not q.is_shown(item, {})  # without a pathway only the common items
    assert item not in q.visible_items({}, "kol") and item in q.visible_items({}, "reumatoid-artrit")
    assert q.applicable_answers({"infusion_rating": 1, "overall_rating": 2}, "kol") == {"overall_rating": 2}


def test_pathway_item_is_answered_only_on_its_pathways_in_simulation(with_pathway_item, sample_frame):
    responses = simulate_responses(sample_frame.head(3000), with_pathway_item, seed=5)
    answered = responses.infusion_rating.notna()
    assert set(responses.pathway[answered]) == {"ibd-vuxna", "reumatoid-artrit"}


def test_codebook_names_the_pathways(with_pathway_item):
    table = codebook_table(with_pathway_item)
    assert set(table.pathways[table.item_id == "infusion_rating"]) == {"ibd-vuxna reumatoid-artrit"}
    assert set(table.pathways[table.item_id == "overall_rating"]) == {""}


@pytest.mark.parametrize(
    "extra, message",
    [
        ("        dimension: overall\n", "neither core nor in a dimension"),
        ("        core: true\n", "neither core nor in a dimension"),
    ],
)
def test_pathway_item_cannot_be_core_or_scored_in_a_dimension(write_definition, extra, message):
    replacements = {
        old: new.replace("        pathways:", extra + "        pathways:") for old, new in PATHWAY_ITEM.items()
    }
    with pytest.raises(QuestionnaireError, match=message):
        load_questionnaire(write_definition(replacements))


def test_pathways_must_be_slugs(write_definition):
    replacements = {old: new.replace("[ibd-vuxna, reumatoid-artrit]", "IBD") for old, new in PATHWAY_ITEM.items()}
    with pytest.raises(QuestionnaireError, match="item 'infusion_rating': pathways must be a list of pathway slugs"):
        load_questionnaire(write_definition(replacements))
