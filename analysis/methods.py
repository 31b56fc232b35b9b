"""The methods table: what the analysis computed, in words an analyst reads in the method appendix."""

from __future__ import annotations

import pandas as pd

from analysis.config import AnalysisConfig
from analysis.estimates import CI_METHODS, RAKING_VARIANCE_METHOD, VARIANCE_METHOD
from analysis.tables import conform

__all__ = ["methods_table"]


def trimmed_text(margins: pd.DataFrame | None, below: int) -> str:
    """The number of trimmed weights of the round (respondents at their stratum's cap), as published:
    ``"fewer than 5"`` for 1 to ``below - 1`` (a count of persons), else the number."""
    trimmed = 0 if margins is None or margins.empty else int(margins.loc[margins["margin"] == "sex", "trimmed"].sum())
    return f"fewer than {below}" if 0 < trimmed < below else str(trimmed)


def _weighting_statement(config: AnalysisConfig, margins: pd.DataFrame | None) -> str:
    if config.calibration != "raking":
        return (
            "Weighted results: design weight N_h/n_h from the frame times a post-stratification factor by sex x age "
            "group within pathway x region, so that the weighted respondents reproduce the frame's eligible "
            "population in each cell: the sum of the design weights of the cell's invited persons, the known "
            "ineligible (deceased, screened out) taken out first; the undeliverable, of unknown eligibility, count "
            f"as eligible. Cells with fewer than {config.min_cell_respondents} respondents collapsed "
            "with the adjacent age group within sex, then across sex."
        )
    trim = (
        "No trimming."
        if config.raking_trim is None
        else f"Trimming: no adjustment factor above {config.raking_trim:g} x the median untrimmed factor of its "
        "pathway x region; factors above the cap are set to it and the raking repeated until the margins hold with "
        "every factor under the cap (bounded raking, R survey's calibrate(calfun = 'raking', bounds = c(0, cap))). "
        f"Weights trimmed in this round: {trimmed_text(margins, config.mask_counts_below)}."
    )
    return (
        "Weighted results (calibration raking): design weight N_h/n_h from the frame times a raking factor: within "
        "each pathway x region the respondents' design weights are raked (iterative proportional fitting) to the "
        "frame's eligible population by sex and by age group (the two margins, not their cross-classification; "
        "every pathway's and region's total is reproduced too, as a sum of strata): the sum of the design weights "
        "of the invited persons, the known ineligible (deceased, screened out) taken out first; the undeliverable, "
        "of unknown eligibility, count as eligible. A margin category with fewer than "
        f"{config.min_cell_respondents} respondents is merged with its smaller adjacent category (age groups), "
        "the sex margin dropped when a sex falls short. " + trim
    )


def methods_table(config: AnalysisConfig, casemix: list[str], margins: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``methods`` table: each method as applied with ``config``, in words, for the method appendix
    (``casemix``: the case-mix columns of the models; ``margins``: the ``raking_margins`` of a raked run,
    for its number of trimmed weights)."""
    raked = config.calibration == "raking"
    statements = {
        "dispositions": (
            f"Complete: submitted with at least {config.complete_share:.0%} of the core items answered; partial: some "
            "core items answered but not enough, or never submitted; no response: no core item answered. "
            "RR1 = I/(I+P+R+NC+U); adjusted rate = AAPOR's RR3 with e = 0 (every undeliverable counted "
            "ineligible) = I/(invited - screened out - deceased - undeliverable); rr3 = RR3 with e estimated as the "
            "eligible share among the cases of known eligibility, e = (I+P+R+NC)/(I+P+R+NC + screened out + "
            "deceased), each row from its own counts: I/(I+P+R+NC + e U)."
        ),
        "respondents": "Scores, weights and models use "
        + ("complete and partial" if config.include_partial else "complete")
        + " respondents.",
        "scoring": (
            "Item: share positive among scored answers ('don't know / not applicable' excluded) and mean 0-100 score. "
            "Dimension score per respondent: weighted mean of the answered item scores, weights renormalised over "
            "the answered items; a respondent is positive on a dimension when at least half of the (weighted) answered "
            "items are positive."
        ),
        "dimension_weights": (
            "Equal weights within each dimension."
            if config.dimension_weights == "equal"
            else "Weights from the first principal component of each dimension's items (correlation matrix over respondents "
            "who answered all of them; loadings, negative ones set to 0, normalised to sum 1); equal weights when not possible."
        ),
        "weighting": _weighting_statement(config, margins),
        "variance": RAKING_VARIANCE_METHOD if raked else VARIANCE_METHOD,
        **{
            f"ci_method.{name}": text.replace("weighting cells with respondents", "strata with respondents")
            if raked
            else text
            for name, text in CI_METHODS.items()
        },
        "ci_method.delta_method": (
            "Case-mix adjusted values: delta-method standard error of the mean recycled prediction from the model's "
            "covariance; normal interval. A unit whose respondents are all positive (or none) is left out of the "
            "logistic fit and shown unadjusted with a Wilson interval (ci_method wilson_unadjusted)."
        ),
        "confidence": f"All intervals are {config.confidence:.0%} intervals.",
        "casemix": (
            "Case-mix adjustment: logistic (share positive) and linear (0-100 score) models, unweighted, on the unit "
            "(region within a pathway, or pathway within a region) plus " + ", ".join(casemix) + " (categorical; "
            "missing answers a level of their own). Each unit's adjusted value = mean prediction with the whole "
            "reference population's case mix; the band against the rest of the reference population is stated under "
            "comparison. Units below the publication minimum are left "
            "out of the fit; a pathway with one region, or a region with one pathway, has no comparison, nor has an "
            f"outcome for which fewer than two units reach {config.min_respondents_shown} respondents (one unit has "
            "nothing to be compared with, and its model is not identified). "
            "Comparisons made in this run: " + ", ".join(config.comparisons or ("none",)) + "."
        ),
        "casemix_target": (
            "Case mix standardised to (standardise_to population): the reference population's respondents "
            "weighted by their final weights, the weighted national case mix, which estimates the case mix of the "
            "eligible population; the models themselves are unweighted."
            if config.standardise_to == "population"
            else "Case mix standardised to (standardise_to respondents, the default): the reference population's "
            "respondents' case mix, unweighted (each respondent counted once)."
        ),
        "suppression": (
            f"Results based on fewer than {config.min_respondents_shown} respondents are not shown. Counts of 1 to "
            f"{config.mask_counts_below - 1} persons are protected across everything published together (every table "
            "and PDF of the round): no combination of published counts, shares, rates, results and intervals may show "
            f"that a group holds between 1 and {config.mask_counts_below - 1} persons; every published figure stays "
            f"consistent with the group being empty and with it holding {config.mask_counts_below} or more (checked "
            "by a linear-programming audit of each protected count's feasible range in the tests). How: a small count "
            "is masked with the next smallest count of the same row or group, each group checked with its total (a "
            "group of one member shows its member's counts; a masked total is never the sum of shown parts); the "
            "respondent counts (n) of item, dimension and adjusted results follow the same rule, and n of a group whose "
            "complete count is masked is masked too. RR1 and the adjusted rate are shown for every unit, rounded to "
            "whole percent, or, where a count of the unit is masked, to the finest of 5, 10, 25 or 50 percentage points "
            "whose step covers at least 5 of the unit's invited (column rate_rounding); where at that step RR1 and the "
            "adjusted rate with the unit's shown counts would confine a masked count to 1 to "
            f"{config.mask_counts_below - 1} (the range of the linear programme over the unit's dispositions), "
            "both are rounded to the next coarser step until none is, and failing 50 points only the adjusted rate "
            "is shown, last neither; the sex x age response rates "
            "are rounded the same way by the cell's invited count. A frame population (invited x design weight) and "
            "share are masked with the invited count. Where n is masked and the estimate shown, the estimate is "
            "rounded to a whole number and its standard error and interval are not shown (n = p(1-p)/se^2 would give n "
            "back). The weighting cells are published without populations, respondents and factors (population / "
            "design weight gives the invited, population / (design weight x factor) the respondents)"
            + (
                "; the raking margins without targets, achieved totals, respondent and trimmed counts, and the "
                "round's number of trimmed weights shown as 'fewer than "
                f"{config.mask_counts_below}' when it is 1 to {config.mask_counts_below - 1}."
                if raked
                else "."
            )
        ),
    }
    return conform("methods", pd.DataFrame({"topic": list(statements), "description": list(statements.values())}))
