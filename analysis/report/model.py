"""What a comparison PDF shows, as plain data, apart from how it is drawn.

The document code (:mod:`analysis.report.document`) draws a
:class:`ReportContent`; :mod:`analysis.report.content` builds one from the
analysis results for a chosen scope. Keeping the two apart lets the layout be
tested on small hand-made content and lets the results' table schemas evolve
without touching the drawing code.

All texts in a ``ReportContent`` are already in the report's language. Scores
and shares are on the 0–100 scale (shares as percentages).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "BANDS",
    "ComparisonRow",
    "DimensionContent",
    "Estimate",
    "FlowRow",
    "ItemContent",
    "MethodFacts",
    "ModeRow",
    "ReportContent",
    "RespondentProfileRow",
    "ResponseRow",
]

BANDS = ("better", "as_expected", "worse")
"""Band codes of a comparison against the national value."""

ReportKind = Literal["pathway", "region", "national"]
UnitKind = Literal["region", "pathway"]


@dataclass(frozen=True)
class Estimate:
    """One published figure with its 95 % interval.

    ``suppressed`` holds a reason code (e.g. ``"too_few_respondents"``) when
    the figure must not be shown; ``value`` is then ignored.
    """

    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    respondents: int = 0
    band: str | None = None
    suppressed: str | None = None

    @property
    def shown(self) -> bool:
        """Whether the figure may be published."""
        return self.suppressed is None and self.value is not None


@dataclass(frozen=True)
class ComparisonRow:
    """One compared unit (a region or a pathway) and the value it is held against."""

    unit: str
    label: str
    estimate: Estimate
    reference: float | None = None
    limits: tuple[float, float, float, float] | None = None
    """The funnel limits around the rest of the country the band is judged on: 99.8 % lower, 95 % lower,
    95 % upper, 99.8 % upper; ``None`` where there is no comparison."""
    separation: tuple[str, ...] = ()
    """``variable=level:kind`` notes where the estimate rests on a (quasi-)separated logistic fit."""


@dataclass(frozen=True)
class ItemContent:
    """One questionnaire item: its text and share positive per unit and nationally."""

    item_id: str
    text: str
    national: Estimate
    rows: tuple[ComparisonRow, ...]


@dataclass(frozen=True)
class DimensionContent:
    """One of the seven dimensions: its score per unit, nationally, and its items."""

    dimension_id: str
    label: str
    national: Estimate
    rows: tuple[ComparisonRow, ...]
    items: tuple[ItemContent, ...]


@dataclass(frozen=True)
class ResponseRow:
    """Fieldwork outcome of one unit: dispositions and the two response rates (%)."""

    unit: str
    label: str
    invited: int
    dispositions: dict[str, int | None]
    rr1: float | None
    adjusted_rate: float | None
    rate_rounding: float = 1.0
    """Rounding step of the rates in percentage points (above 1: coarser, where a count is masked)."""


@dataclass(frozen=True)
class RespondentProfileRow:
    """Who responded: one sex × age-group cell against the frame.

    Counts and shares are ``None`` where they are masked to protect individuals.
    """

    sex: str
    age_group: str
    invited: int | None
    respondents: int | None
    rate: float | None
    frame_share: float | None
    respondent_share: float | None


@dataclass(frozen=True)
class ModeRow:
    """Responses by mode in one age group (``None``: all ages): complete, web, paper (counts), the
    response rate, the web and paper rates and the paper share (%), ``None`` where masked."""

    age_group: str | None
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class FlowRow:
    """One sampling step summed over the report's scope; ``label`` is the step in words."""

    pathway: str
    step: str
    remaining: int
    removed: int
    label: str = ""


@dataclass(frozen=True)
class MethodFacts:
    """The settings of the analysis run that the method appendix states.

    Taken from ``results.config`` and the questionnaire, never from the
    analysis's English ``methods`` table, so that the appendix can say them
    in the report's language.
    """

    min_respondents: int = 30
    mask_counts_below: int = 5
    min_cell_count: int = 5
    confidence_level: float = 0.95
    complete_share: float = 0.5
    include_partial: bool = False
    ci_methods: tuple[str, ...] = ()
    weighted: bool = True
    dimension_weights: str = "equal"
    casemix_variables: tuple[str, ...] = ("age_group", "sex")
    casemix_mode: bool = False
    comparisons: tuple[str, ...] = ("regions_within_pathway",)
    standardise_to: str = "respondents"
    calibration: str = "poststratification"
    raking_trim: float | None = 5.0
    trimmed: int = 0
    """Raking: the respondents whose weight was trimmed (the round's total)."""
    manifest: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ReportContent:
    """Everything one comparison PDF shows, already in its language."""

    kind: ReportKind
    lang: str
    round_name: str
    unit_kind: UnitKind
    pathways: tuple[tuple[str, str], ...]
    regions: tuple[tuple[str, str], ...]
    dimensions: tuple[DimensionContent, ...]
    response: tuple[ResponseRow, ...]
    response_total: ResponseRow
    profile: tuple[RespondentProfileRow, ...]
    care_plan: ItemContent | None
    flow: tuple[FlowRow, ...]
    method: MethodFacts
    national_rate: float | None = None
    healthcare_regions: tuple[ResponseRow, ...] = ()
    regions_response: tuple[ResponseRow, ...] = ()
    chosen_regions: bool = False
    """A pathway report for some regions only: the sex × age table still covers all of the pathway's regions."""
    questionnaire: str = ""
    mode_rows: tuple[ModeRow, ...] = ()
    """Responses by mode and age group in the report's scope; empty when the round has no paper responses."""
    fieldwork_opens: dt.date | None = None
    fieldwork_closes: dt.date | None = None
    created: dt.date = field(default_factory=dt.date.today)
