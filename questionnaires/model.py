"""The questionnaire as immutable data: dimensions, scales, items, pages.

Everything the web survey, the codebook and the analysis need is derived from
these objects, which :func:`questionnaires.load_questionnaire` builds from one
YAML definition. Sequences are tuples and text mappings read-only, so that a
loaded questionnaire can be cached and shared between requests safely.

Stored answers are ``{item_id: int option code | str free text}``; an item
that was not answered or was routed past is simply absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

__all__ = [
    "BACKGROUND_ROLES",
    "Answers",
    "Dimension",
    "Item",
    "Option",
    "Page",
    "Questionnaire",
    "Routing",
    "Scale",
]

Answers = Mapping[str, "int | str"]
"""A respondent's answers: item id to option code (choice) or text (free text)."""

Text = Mapping[str, str]
"""A text in every declared language, by language code (``{"sv": ..., "en": ...}``)."""

BACKGROUND_ROLES = ("age_group", "sex", "self_rated_health", "education", "respondent", "help")
"""What a background question means to the analysis (case-mix adjustment, weighting)."""


@dataclass(frozen=True)
class Dimension:
    """A group of scored items reported together (e.g. *Emotionellt stöd*)."""

    id: str
    label: Text


@dataclass(frozen=True)
class Option:
    """One labelled answer option of a scale.

    ``code`` is the stored value. ``score`` is the option's 0–100 score, or
    ``None`` when the option is excluded from scoring ("Vet inte / Inte
    aktuellt"). ``value`` optionally ties an option to a frame value (the
    age-group bin ``"65-79"``, the sex ``"K"``) for background questions.
    ``declined`` marks "Vill inte svara" (prefer not to answer): stored as its
    own code, so that the choice is kept, but missing for the analysis (never
    a case-mix level).
    """

    code: int
    label: Text
    score: float | None = None
    positive: bool = False
    value: str | None = None
    declined: bool = False

    @property
    def scored(self) -> bool:
        """Whether the option counts in item and dimension scores."""
        return self.score is not None


@dataclass(frozen=True)
class Scale:
    """An ordered list of answer options shared by several items."""

    id: str
    options: tuple[Option, ...]

    @property
    def codes(self) -> frozenset[int]:
        """The option codes a posted answer may take."""
        return frozenset(option.code for option in self.options)

    @property
    def scored(self) -> bool:
        """Whether any option of the scale carries a score."""
        return any(option.scored for option in self.options)

    def option(self, code: int) -> Option:
        """The option with ``code``; ``KeyError`` if the scale has none."""
        for option in self.options:
            if option.code == code:
                return option
        raise KeyError(f"scale {self.id!r} has no option with code {code!r}")


@dataclass(frozen=True)
class Routing:
    """Show an item only when an earlier choice item was answered with one of ``codes``."""

    item: str
    codes: frozenset[int]

    def allows(self, answers: Answers) -> bool:
        """Whether the controlling answer in ``answers`` lets the item be shown."""
        return answers.get(self.item) in self.codes


@dataclass(frozen=True)
class Item:
    """One question.

    ``kind`` is ``"choice"`` (one option of ``scale``) or ``"text"`` (free
    text up to ``max_length`` characters). ``dimension`` is set for scored
    items; ``core`` items decide complete vs partial; ``role`` marks a
    background question for the analysis. ``pathways``, when set, limits a
    pathway-specific item to respondents on those pathways (slugs).
    """

    id: str
    kind: Literal["choice", "text"]
    text: Text
    hint: Text | None = None
    scale: Scale | None = None
    dimension: str | None = None
    core: bool = False
    required: bool = False
    show_if: Routing | None = None
    role: str | None = None
    max_length: int | None = None
    page_id: str = ""
    pathways: frozenset[str] | None = None

    @property
    def choices(self) -> Scale:
        """The scale of a choice item (the loader gives each one); ``TypeError`` for a free-text item."""
        if self.scale is None:
            raise TypeError(f"item {self.id!r} is a free-text item: it has no scale")
        return self.scale

    def is_for(self, pathway: str | None) -> bool:
        """Whether the item is asked on ``pathway`` (``None``: only common items)."""
        return self.pathways is None or pathway in self.pathways

    @property
    def scored(self) -> bool:
        """Whether the item's answers count towards its dimension."""
        return self.dimension is not None

    def is_shown(self, answers: Answers) -> bool:
        """Whether this item's own routing condition holds for ``answers``.

        Only the item's direct condition; :meth:`Questionnaire.visible_items`
        also hides items whose controlling item is itself hidden.
        """
        return self.show_if is None or self.show_if.allows(answers)


@dataclass(frozen=True)
class Page:
    """A few items shown together, with a title per language."""

    id: str
    title: Text
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Questionnaire:
    """One version of a questionnaire, loaded and validated.

    Build with :func:`questionnaires.load_questionnaire`; responses are
    stored against ``(id, version)``.
    """

    id: str
    version: str
    languages: tuple[str, ...]
    title: Text
    introduction: Text
    thank_you: Text
    messages: Mapping[str, Text]
    dimensions: tuple[Dimension, ...]
    scales: tuple[Scale, ...]
    pages: tuple[Page, ...]
    pathway_intros: Mapping[str, Text]
    source: str = field(default="", compare=False)

    @property
    def items(self) -> tuple[Item, ...]:
        """Every item in questionnaire order (all kinds)."""
        return tuple(item for page in self.pages for item in page.items)

    @property
    def scored_items(self) -> tuple[Item, ...]:
        """Items that belong to a dimension, in order."""
        return tuple(item for item in self.items if item.scored)

    @property
    def core_items(self) -> tuple[Item, ...]:
        """Items that count for complete vs partial."""
        return tuple(item for item in self.items if item.core)

    @property
    def background_items(self) -> tuple[Item, ...]:
        """Background questions (items with a ``role``), in order."""
        return tuple(item for item in self.items if item.role is not None)

    @property
    def closed_items(self) -> tuple[Item, ...]:
        """Choice items: the columns of the responses export, in order."""
        return tuple(item for item in self.items if item.kind == "choice")

    def item(self, item_id: str) -> Item:
        """The item with ``item_id``; ``KeyError`` naming it if there is none."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"{self.id} {self.version} has no item {item_id!r}")

    def item_by_role(self, role: str) -> Item | None:
        """The background item with ``role`` (e.g. ``"sex"``), or ``None``."""
        return next((item for item in self.items if item.role == role), None)

    def dimension(self, dimension_id: str) -> Dimension:
        """The dimension with ``dimension_id``."""
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        raise KeyError(f"{self.id} {self.version} has no dimension {dimension_id!r}")

    def page(self, page_id: str) -> Page:
        """The page with ``page_id``."""
        return self.pages[self.page_index(page_id)]

    def page_index(self, page_id: str) -> int:
        """The 0-based position of page ``page_id`` (for progress and back/forward)."""
        for index, page in enumerate(self.pages):
            if page.id == page_id:
                return index
        raise KeyError(f"{self.id} {self.version} has no page {page_id!r}")

    def is_shown(self, item: Item, answers: Answers, pathway: str | None = None) -> bool:
        """Whether ``item`` is shown given ``answers``, following routing chains.

        Pathway-specific items are shown only when ``pathway`` is one of
        theirs; without a pathway only the common items are shown.
        """
        while True:
            if not item.is_for(pathway):
                return False
            if item.show_if is None:
                return True
            if not item.show_if.allows(answers):
                return False
            item = self.item(item.show_if.item)

    def visible_items(self, answers: Answers, pathway: str | None = None) -> tuple[Item, ...]:
        """The items a respondent with ``answers`` (on ``pathway``) is asked, in order."""
        return tuple(item for item in self.items if self.is_shown(item, answers, pathway))

    def visible_pages(self, answers: Answers, pathway: str | None = None) -> tuple[Page, ...]:
        """The pages with at least one item shown for ``answers``, in order.

        A page whose every item is routed past is skipped by the web survey.
        """
        return tuple(page for page in self.pages if any(self.is_shown(item, answers, pathway) for item in page.items))

    def applicable_answers(self, answers: Answers, pathway: str | None = None) -> dict[str, int | str]:
        """``answers`` without those to items that routing now hides.

        A respondent may go back and change a routing answer; the answers
        to items no longer shown must not be stored or scored.
        """
        shown = {item.id for item in self.visible_items(answers, pathway)}
        return {item_id: value for item_id, value in answers.items() if item_id in shown}

    def pathway_intro(self, pathway: str, lang: str) -> str:
        """The introduction naming the care of ``pathway`` in the patient's words.

        Falls back to the generic introduction (key ``default``) for a
        pathway the definition does not name.
        """
        intro = self.pathway_intros.get(pathway) or self.pathway_intros["default"]
        return intro[lang]

    def scoring_table(self) -> pd.DataFrame:
        """The scoring rules: one row per scored item × scored option.

        Returns
        -------
        pandas.DataFrame
            Columns ``item_id``, ``dimension``, ``code`` (int), ``score``
            (0–100 float), ``positive`` (bool). Options excluded from
            scoring ("Vet inte / Inte aktuellt") are absent, so an answer
            whose code has no row is not scored.
        """
        rows = [
            (item.id, item.dimension, option.code, float(option.score), option.positive)
            for item in self.scored_items
            for option in item.choices.options
            if option.score is not None
        ]
        table = pd.DataFrame(rows, columns=["item_id", "dimension", "code", "score", "positive"])
        return table.astype({"code": "int64", "score": "float64", "positive": "bool"})
