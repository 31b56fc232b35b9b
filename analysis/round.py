"""One entry point: analyse a survey round's responses export into :class:`RoundResults`.

The pipeline only: checks (:mod:`analysis.checks`), dispositions, weighting and the design
(:mod:`analysis.design`), scores, estimates, case-mix comparisons (:mod:`analysis.adjustment`),
response tables (:mod:`analysis.rates`), the disclosure rules (:mod:`analysis.disclosure`) and the
methods table (:mod:`analysis.methods`) each live in the module named for what it does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.adjustment import CASEMIX_ROLES, adjusted_comparisons, respondents_casemix
from analysis.checks import check_settings, check_stratum_populations, checked_persons
from analysis.comparison import comparison_methods, publish_masked_comparisons
from analysis.config import AnalysisConfig
from analysis.design import two_phase_units
from analysis.disclosure import (
    hide_design_figures,
    mask_adjusted_respondents,
    mask_cell_respondents,
    mask_complete_cases,
    mask_respondents,
    publish_masked_results,
    respondent_units,
)
from analysis.dispositions import classify_dispositions
from analysis.estimates import OutcomeEstimator
from analysis.methods import methods_table
from analysis.mode import mode_casemix_column, mode_methods, response_by_mode, response_modes
from analysis.raking import rake_round
from analysis.rates import INELIGIBLE, response_by_sex_age_table, response_rates_table
from analysis.results import RoundResults, persons_table
from analysis.scores import dimension_item_weights, dimension_states, score_states, state_scores
from analysis.tables import conform, empty_table
from analysis.weighting import cell_labels, poststratify

__all__ = ["analyse_round"]


def analyse_round(responses: pd.DataFrame, q: Any, *, config: AnalysisConfig | None = None) -> RoundResults:
    """Analyse one survey round: dispositions, rates, scores, weights, intervals, comparisons.

    Parameters
    ----------
    responses : DataFrame
        The responses export (``prem export responses``): one row per
        invited person with the frame columns, ``status`` and one column per
        closed item holding option codes.
    q : Questionnaire
        The definition the answers were given on
        (``questionnaires.load_questionnaire``); its scoring table, core
        items, dimensions and background roles drive everything.
    config : AnalysisConfig
        Thresholds and options.

    Returns
    -------
    RoundResults
        Every published table; see :data:`analysis.tables.TABLES`.

    Raises
    ------
    AnalysisInputError
        When a column is missing, a region code is unknown, a status is not a
        fieldwork status, an answer code is not an option of its item, or
        the export was answered on another questionnaire.

    Notes
    -----
    Scores, weights and models use the respondents (complete, and partial
    too when ``config.include_partial``). Weighted results use the design
    weight × post-stratification factor (:func:`analysis.weighting.poststratify`),
    or × raking factor with ``config.calibration == "raking"``
    (:func:`analysis.raking.rake_round`);
    unweighted results count each respondent once. The ``methods`` table
    states every choice for the report's appendix. BLAS runs on one thread
    inside (``threadpoolctl``): the matrices are small and many.

    References
    ----------
    See :mod:`analysis.estimates`, :mod:`analysis.casemix`,
    :mod:`analysis.weighting` and :mod:`analysis.dispositions`.
    """
    config = config if config is not None else AnalysisConfig()
    # The linear algebra here is many small matrices (case-mix cells, per-stratum sums): BLAS threads
    # only contend with each other and with other work (6x slower per model fit on a busy 2-core machine).
    with threadpool_limits(limits=1, user_api="blas"):
        return _analyse(responses, q, config)


def _analyse(responses: pd.DataFrame, q: Any, config: AnalysisConfig) -> RoundResults:
    scoring = q.scoring_table()
    check_settings(config, q, scoring)
    persons, states, codes = checked_persons(responses, q)
    persons["mode"] = response_modes(responses)
    if "mode_conflict" in responses.columns:  # who answered more than once (an older export has no such column)
        persons["mode_conflict"] = responses["mode_conflict"].astype("string").to_numpy()
    state_matrix = states.to_numpy()  # column-major view: every column below is read in place, never copied whole
    core_answered = np.zeros(len(state_matrix), dtype="int64")
    for item in q.core_items:
        core_answered += state_matrix[:, states.columns.get_loc(item.id)] < len(codes[item.id])
    persons["disposition"] = classify_dispositions(
        responses["status"],
        pd.Series(core_answered),
        len(q.core_items),
        complete_share=config.complete_share,
        respondent_id=responses["respondent_id"],
        categorical=True,
    ).array
    counted = ["complete", "partial"] if config.include_partial else ["complete"]
    is_respondent = persons["disposition"].isin(counted).to_numpy()
    is_eligible = ~persons["disposition"].isin(INELIGIBLE).to_numpy()
    if config.calibration == "raking":
        weighting, margins, cell_margins = rake_round(
            persons,
            is_respondent,
            is_eligible=is_eligible,
            min_cell_respondents=config.min_cell_respondents,
            trim=config.raking_trim,
        )
    else:
        weighting = poststratify(
            persons, is_respondent, min_cell_respondents=config.min_cell_respondents, is_eligible=is_eligible
        )
        margins, cell_margins = empty_table("raking_margins"), None
    cells = weighting.cells
    persons["weight"] = weighting.weight.to_numpy()
    persons["weighting_cell"] = cell_labels(weighting)

    # Respondents in row order: their answers are read, and their scores written back, in sequence.
    units, person_unit, design = two_phase_units(persons, weighting, cell_margins)
    check_stratum_populations(design, person_unit, responses)
    respondent_rows = np.flatnonzero(is_respondent)
    stratum = person_unit[respondent_rows]
    # The scored items and the case-mix questions: what scores and models read of the respondents' answers.
    casemix_items = [item.id for item in q.background_items if item.role in CASEMIX_ROLES]
    answer_columns = list(dict.fromkeys([*scoring["item_id"], *casemix_items]))
    answers = pd.DataFrame(
        {
            item_id: np.take(state_matrix[:, states.columns.get_loc(item_id)], respondent_rows)
            for item_id in answer_columns
        }
    )
    # Respondents' item scores only where read one by one: for PCA weights and adjusted items.
    read = list(dict.fromkeys(scoring["item_id"])) if config.dimension_weights == "pca" else list(config.adjusted_items)
    tables = state_scores(scoring, codes)
    item_scores, item_positive = score_states(answers, {item_id: tables[item_id] for item_id in read})
    weights = dimension_item_weights(item_scores, scoring, config.dimension_weights)
    dimensions = dimension_states(answers, tables, weights)
    dimension_scores = pd.DataFrame({name: score_of.take(state) for name, (state, score_of, _) in dimensions.items()})
    dimension_positive = pd.DataFrame(
        {name: positive_of.take(state) for name, (state, _, positive_of) in dimensions.items()}
    )
    respondents = (
        persons[["pathway", "region", "sex", "age_group", "weight"]].iloc[respondent_rows].reset_index(drop=True)
    )
    estimate = OutcomeEstimator(stratum, units, respondents["weight"].to_numpy(), design, config)
    item_dimension = scoring.drop_duplicates("item_id").set_index("item_id")["dimension"]
    item_states = {item_id: (answers[item_id].to_numpy(), *tables[item_id]) for item_id in item_dimension.index}
    item_results = estimate(item_states).rename(columns={"name": "item_id"})
    item_results["dimension"] = item_results["item_id"].map(item_dimension)
    dimension_results = estimate(dimensions).rename(columns={"name": "dimension"})

    casemix_data = respondents_casemix(respondents, answers, codes, q)
    if config.casemix_mode:
        casemix_data["mode"] = mode_casemix_column(persons["mode"].to_numpy()[respondent_rows])
        casemix_data.attrs["casemix"] = [*casemix_data.attrs["casemix"], "mode"]
    outcomes: list[tuple[str, str | None, Any, Any]] = [
        (dimension, None, dimension_scores[dimension], dimension_positive[dimension]) for dimension in dimension_scores
    ]
    outcomes += [
        (item_dimension[item_id], item_id, item_scores[item_id], item_positive[item_id])
        for item_id in config.adjusted_items
    ]
    response_rates = response_rates_table(persons, config)
    units = respondent_units(response_rates, config)
    item_results = hide_design_figures(
        mask_respondents(conform("item_results", item_results), ["weighting", "measure", "item_id"], units, config)
    )
    dimension_results = hide_design_figures(
        mask_respondents(
            conform("dimension_results", dimension_results), ["weighting", "measure", "dimension"], units, config
        )
    )
    hidden_units = units[units["respondents"].isna().to_numpy()]
    response_by_sex_age = response_by_sex_age_table(persons, config, response_rates)
    adjusted_results = publish_masked_comparisons(
        publish_masked_results(
            mask_adjusted_respondents(
                adjusted_comparisons(casemix_data, outcomes, config, respondents["weight"].to_numpy()),
                item_results,
                dimension_results,
            ),
            ["observed", "estimate"],
        )
    )
    item_results, dimension_results = publish_masked_results(item_results), publish_masked_results(dimension_results)
    return RoundResults(
        questionnaire_id=q.id,
        questionnaire_version=q.version,
        config=config,
        response_rates=response_rates,
        response_by_sex_age=response_by_sex_age,
        response_by_mode=response_by_mode(persons, response_rates, response_by_sex_age, config),
        item_results=item_results,
        dimension_results=dimension_results,
        adjusted_results=adjusted_results,
        weighting_cells=mask_cell_respondents(conform("weighting_cells", cells), hidden_units, config),
        raking_margins=conform("raking_margins", margins),
        dimension_weights=mask_complete_cases(conform("dimension_weights", weights), config),
        methods=conform(
            "methods",
            pd.concat(
                [
                    methods_table(config, casemix_data.attrs["casemix"], margins),
                    comparison_methods(),
                    mode_methods(config),
                ]
            ),
        ),
        persons=persons_table(persons, respondent_rows, dimension_scores, dimension_positive),
    )
