"""Questionnaires as data: definitions, the loader, forms, codebook and scoring rules.

One YAML definition per questionnaire version (``questionnaires/definitions``)
drives the web forms (:mod:`questionnaires.forms`), validation, the stored
answer codes, the codebook (:mod:`questionnaires.codebook`) and the scoring
rules (:meth:`Questionnaire.scoring_table`). Stored answers are
``{item_id: int option code | str free text}``.
"""

from questionnaires.loader import QuestionnaireError, bundled_questionnaires, load_questionnaire
from questionnaires.model import (
    BACKGROUND_ROLES,
    Answers,
    Dimension,
    Item,
    Option,
    Page,
    Questionnaire,
    Routing,
    Scale,
)

__all__ = [
    "BACKGROUND_ROLES",
    "Answers",
    "Dimension",
    "Item",
    "Option",
    "Page",
    "Questionnaire",
    "QuestionnaireError",
    "Routing",
    "Scale",
    "bundled_questionnaires",
    "load_questionnaire",
]
