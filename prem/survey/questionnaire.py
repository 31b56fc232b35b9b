"""The questionnaire a round or response uses, loaded once per process."""

from __future__ import annotations

from functools import lru_cache

from contracts.formats import closed_item_ids  # the responses export's item columns

__all__ = ["closed_item_ids", "questionnaire_version", "text_item_ids"]


@lru_cache(maxsize=16)
def questionnaire_version(questionnaire_id: str, version: str):
    """The loaded questionnaire ``questionnaire_id`` at ``version`` (cached; definitions are immutable)."""
    from questionnaires import load_questionnaire

    return load_questionnaire(questionnaire_id, version=version)


def text_item_ids(questionnaire) -> list[str]:
    """Ids of the free-text items, in questionnaire order."""
    return [item.id for item in questionnaire.items if item.kind == "text"]
