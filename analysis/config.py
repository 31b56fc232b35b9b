"""Settings of one analysis run: publication thresholds, weighting and scoring options."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from analysis.errors import AnalysisInputError

__all__ = ["CALIBRATIONS", "COMPARISONS", "STANDARDISATION_TARGETS", "AnalysisConfig"]

CALIBRATIONS: tuple[str, ...] = ("poststratification", "raking")
"""How the design weights are adjusted for non-response: post-stratification by sex x age group
(:func:`analysis.weighting.poststratify`) or raking to the sex and age group margins with trimming
(:func:`analysis.raking.rake_round`), both within pathway x region."""

COMPARISONS: tuple[str, ...] = ("regions_within_pathway", "pathways_within_region")
"""The case-mix adjusted comparisons :func:`analysis.analyse_round` can make."""

STANDARDISATION_TARGETS: tuple[str, ...] = ("respondents", "population")
"""The case mixes an adjusted value can be standardised to: the respondents' (unweighted), or the
respondents' weighted by their final weights (an estimate of the eligible population's case mix)."""


@dataclass(frozen=True)
class AnalysisConfig:
    """Every choice that changes a published figure, in one place.

    Parameters
    ----------
    min_respondents_shown : int
        A result (item, dimension, adjusted score) based on fewer respondents
        is not shown. 30 is the cancer-pathway survey's publication rule.
    mask_counts_below : int
        Counts from 1 up to ``mask_counts_below - 1`` in background tables
        (response rates, who responded) are masked, together with the next
        smallest cell of the same row or group.
    min_cell_respondents : int
        Post-stratification cells (sex × age group within pathway × region)
        with fewer respondents are collapsed with the adjacent age group
        within sex, then across sex.
    dimension_weights : {"equal", "pca"}
        Item weights within a dimension: equal, or the loadings of the first
        principal component of the dimension's items normalised to sum 1.
    include_partial : bool
        Whether partial respondents count in scores and models (default: only
        complete respondents, the disposition the response rate counts).
    complete_share : float
        The share of core items a submitted questionnaire needs to count as
        complete (ANALYSIS.md: at least half).
    confidence : float
        Coverage of every interval.
    adjusted_items : tuple of str
        Items case-mix adjusted in addition to every dimension (e.g.
        ``("care_plan",)``).
    comparisons : tuple of str
        Case-mix adjusted comparisons to make (:data:`COMPARISONS`):
        ``regions_within_pathway`` (each region of a pathway against the
        pathway's national value; what the comparison report shows, the
        default) and ``pathways_within_region`` (each pathway of a region
        against the region's value over all pathways; about six times as many
        model fits, made only when asked).
    casemix_mode : bool
        Whether the mode of response (web or paper) is a case-mix variable
        (as HCAHPS adjusts for mode). Off by default: who chooses paper
        differs from who answers on the web, and the method appendix states
        the choice either way (:mod:`analysis.mode`).
    standardise_to : {"respondents", "population"}
        The case mix adjusted values are standardised to: the respondents of
        the reference population counted once each (the default), or weighted
        by their final weights, the weighted national case mix, which
        estimates the eligible population's (:data:`STANDARDISATION_TARGETS`).
    calibration : {"poststratification", "raking"}
        The non-response adjustment of the design weights (:data:`CALIBRATIONS`):
        post-stratification to the eligible frame's sex x age group cells within
        pathway x region (the default), or raking (iterative proportional
        fitting) to its sex and age group margins within pathway x region, as
        the national survey's own evaluation recommends; margin categories with
        fewer than ``min_cell_respondents`` respondents are merged with their
        smaller neighbour. The variance follows (two-phase either way,
        :mod:`analysis.estimates`), and the method appendix states the choice.
    raking_trim : float or None
        With raking: no adjustment factor (final weight / design weight) above
        this multiple of its stratum's median untrimmed factor (bounded
        raking, R survey's ``calibrate(bounds = c(0, cap))``); more than 1;
        ``None``: untrimmed. Ignored under post-stratification.
    """

    min_respondents_shown: int = 30
    mask_counts_below: int = 5
    min_cell_respondents: int = 5
    dimension_weights: Literal["equal", "pca"] = "equal"
    include_partial: bool = False
    complete_share: float = 0.5
    confidence: float = 0.95
    adjusted_items: tuple[str, ...] = ()
    comparisons: tuple[str, ...] = ("regions_within_pathway",)
    casemix_mode: bool = False
    standardise_to: str = "respondents"
    calibration: str = "poststratification"
    raking_trim: float | None = 5.0

    def __post_init__(self) -> None:
        problems = []
        if self.dimension_weights not in ("equal", "pca"):
            problems.append(f"dimension_weights is {self.dimension_weights!r}; expected 'equal' or 'pca'")
        if not 0 < self.confidence < 1:
            problems.append(f"confidence is {self.confidence}; expected a share between 0 and 1, e.g. 0.95")
        if not 0 < self.complete_share <= 1:
            problems.append(f"complete_share is {self.complete_share}; expected a share above 0 and at most 1")
        unknown = [name for name in self.comparisons if name not in COMPARISONS]
        if unknown:
            problems.append(f"comparisons {unknown} are not comparisons; expected some of {', '.join(COMPARISONS)}")
        if self.standardise_to not in STANDARDISATION_TARGETS:
            problems.append(
                f"standardise_to is {self.standardise_to!r}; expected one of {', '.join(STANDARDISATION_TARGETS)}"
            )
        if self.calibration not in CALIBRATIONS:
            problems.append(f"calibration is {self.calibration!r}; expected one of {', '.join(CALIBRATIONS)}")
        if self.raking_trim is not None and (
            isinstance(self.raking_trim, bool)
            or not isinstance(self.raking_trim, int | float)
            or not math.isfinite(self.raking_trim)
            or self.raking_trim <= 1
        ):
            problems.append(
                f"raking_trim is {self.raking_trim!r}; expected a multiple of the median factor above 1 "
                "(e.g. 5.0), or None for no trimming"
            )
        for name in ("min_respondents_shown", "mask_counts_below", "min_cell_respondents"):
            if getattr(self, name) < 0:
                problems.append(f"{name} is {getattr(self, name)}; expected 0 or more")
        if problems:
            raise AnalysisInputError("analysis settings: " + "; ".join(problems))
