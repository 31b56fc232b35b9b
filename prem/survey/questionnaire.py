"""The questionnaire a round or response uses, and its pages' form classes, built once per process.

Only questionnaire structure is cached here – definitions, pages, form
classes, never a patient's answers or session: a form class is bound to a
request's post or stored answers afresh each time it is instantiated.
"""

from __future__ import annotations

from functools import lru_cache

from flask_wtf import FlaskForm

from contracts.formats import closed_item_ids  # the responses export's item columns
from questionnaires.forms import page_form_class as _page_form_class

__all__ = ["closed_item_ids", "page_form_class", "questionnaire_version", "text_item_ids"]


@lru_cache(maxsize=16)
def questionnaire_version(questionnaire_id: str, version: str):
    """The loaded questionnaire ``questionnaire_id`` at ``version`` (cached; definitions are immutable)."""
    from questionnaires import load_questionnaire

    return load_questionnaire(questionnaire_id, version=version)


@lru_cache(maxsize=512)
def page_form_class(questionnaire_id: str, version: str, page_id: str, lang: str) -> type[FlaskForm]:
    """The CSRF-protected form class of one page of :func:`questionnaire_version` in ``lang``.

    Building it (a field, labels and validators per item) took longer than
    binding and validating the posted page; like any WTForms class it holds
    no data, so one class serves every request and thread.
    """
    questionnaire = questionnaire_version(questionnaire_id, version)
    return _page_form_class(questionnaire, questionnaire.page(page_id), lang, base=FlaskForm)


def text_item_ids(questionnaire) -> list[str]:
    """Ids of the free-text items, in questionnaire order."""
    return [item.id for item in questionnaire.items if item.kind == "text"]
