"""One entry point: analyse a survey round's responses export into :class:`RoundResults`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.casemix import MISSING_LEVEL, adjusted_comparison_columns, outcome_cells
from analysis.cells import class_counts, countable, key_cells, observed_codes, weight_classes
from analysis.config import AnalysisConfig
from analysis.disclosure import (
    mask_adjusted_respondents,
    mask_cell_respondents,
    mask_complete_cases,
    mask_respondents,
    mask_response_by_sex_age,
    mask_response_rates,
    publish_masked_results,
    respondent_units,
    round_rates,
)
from analysis.dispositions import classify_dispositions, estimated_e_rates, rates_from_counts
from analysis.errors import AnalysisInputError
from analysis.estimates import (
    CI_METHODS,
    VARIANCE_METHOD,
    TwoPhaseDesign,
    estimates_from_sums,
    grouped_estimates,
    level_groups,
    state_stratum_sums,
)
from analysis.mode import mode_casemix_column, mode_methods, response_by_mode, response_modes
from analysis.results import RoundResults
from analysis.scores import dimension_item_weights, dimension_states, option_states, score_states, state_scores
from analysis.suppression import suppress_small_results
from analysis.tables import DISPOSITIONS, conform, empty_table
from analysis.weighting import Weighting, poststratify
from contracts.formats import AGE_GROUPS, closed_item_ids
from sampling.reference import regions

__all__ = ["analyse_round"]

FRAME_COLUMNS = (
    "respondent_id",
    "pathway",
    "region",
    "sex",
    "age",
    "age_group",
    "stratum_population",
    "design_weight",
    "status",
)
"""Export columns the analysis reads besides the items (docs/ARCHITECTURE.md)."""

LEVELS: dict[str, list[str]] = {
    "pathway_region": ["pathway", "region", "healthcare_region"],
    "pathway": ["pathway"],
    "region": ["region", "healthcare_region"],
    "healthcare_region": ["healthcare_region"],
    "national": [],
}
CASEMIX_ROLES = ("self_rated_health", "education")
INELIGIBLE = ("screened_out", "deceased")
"""The dispositions known to be outside the target population (taken out of the weighting targets)."""


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
    weight × post-stratification factor (:func:`analysis.weighting.poststratify`);
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
    unknown = [item_id for item_id in config.adjusted_items if item_id not in set(scoring["item_id"])]
    if unknown:
        raise AnalysisInputError(
            f"analysis settings: adjusted_items {unknown} are not scored items of {q.id} {q.version}"
        )
    persons, states, codes = _checked_persons(responses, q)
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
    weighting = poststratify(
        persons, is_respondent, min_cell_respondents=config.min_cell_respondents, is_eligible=is_eligible
    )
    cells = weighting.cells
    persons["weight"] = weighting.weight.to_numpy()
    persons["weighting_cell"] = _cell_labels(weighting)

    # Respondents in row order: their answers are read, and their scores written back, in sequence.
    units, person_unit, design = _two_phase_units(persons, weighting)
    short = design.stratum_population < design.stratum_invited  # more invited than the frame's N_h
    if short.any():
        rows = short[design.cell_stratum[person_unit]]
        invited = design.stratum_invited[design.cell_stratum[person_unit[np.flatnonzero(rows)[0]]]]
        raise _fail(
            "stratum_population",
            rows,
            responses,
            f"is smaller than the {int(invited)} persons invited in its pathway × region "
            "(N_h must be the frame's population of the stratum)",
        )
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
    estimate = _Estimator(stratum, units, respondents["weight"].to_numpy(), design, config)
    item_dimension = scoring.drop_duplicates("item_id").set_index("item_id")["dimension"]
    item_states = {item_id: (answers[item_id].to_numpy(), *tables[item_id]) for item_id in item_dimension.index}
    item_results = estimate(item_states).rename(columns={"name": "item_id"})
    item_results["dimension"] = item_results["item_id"].map(item_dimension)
    dimension_results = estimate(dimensions).rename(columns={"name": "dimension"})

    casemix_data = _casemix_data(respondents, answers, codes, q)
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
    response_rates = _response_rates(persons, config)
    units = respondent_units(response_rates, config)
    item_results = _hide_design_figures(
        mask_respondents(conform("item_results", item_results), ["weighting", "measure", "item_id"], units, config)
    )
    dimension_results = _hide_design_figures(
        mask_respondents(
            conform("dimension_results", dimension_results), ["weighting", "measure", "dimension"], units, config
        )
    )
    hidden_units = units[units["respondents"].isna().to_numpy()]
    response_by_sex_age = _response_by_sex_age(persons, config, response_rates)
    adjusted_results = publish_masked_results(
        mask_adjusted_respondents(_adjusted_results(casemix_data, outcomes, config), item_results, dimension_results),
        ["observed", "estimate"],
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
        dimension_weights=mask_complete_cases(conform("dimension_weights", weights), config),
        methods=conform("methods", pd.concat([_methods(config, casemix_data.attrs["casemix"]), mode_methods(config)])),
        persons=_persons_table(persons, respondent_rows, dimension_scores, dimension_positive),
    )


def _cell_labels(weighting: Weighting) -> pd.Categorical:
    """Each person's weighting cell label (missing for a person with a missing key)."""
    labels = weighting.cell_table["weighting_cell"].astype(str).to_numpy(dtype=object)
    categories = pd.Index(sorted(set(labels)))
    return pd.Categorical.from_codes(
        np.where(weighting.person_cell >= 0, categories.get_indexer(labels)[np.maximum(weighting.person_cell, 0)], -1)
        if len(labels)
        else weighting.person_cell,
        categories=categories,
    )


def _two_phase_units(persons: pd.DataFrame, weighting: Weighting) -> tuple[pd.DataFrame, np.ndarray, TwoPhaseDesign]:
    """The units of the variance (weighting cells within the strata; the persons of a stratum without a
    weighting cell, a missing key, one more unit there), each person's unit, and the two-phase design."""
    strata, person_stratum = _strata(persons)
    cell_table, n_cells = weighting.cell_table, len(weighting.cell_table)
    key = person_stratum * (n_cells + 1) + (weighting.person_cell + 1)
    observed, person_unit = observed_codes(key, max(len(strata), 1) * (n_cells + 1))
    unit_stratum, unit_cell = observed // (n_cells + 1), observed % (n_cells + 1) - 1
    has_cell = unit_cell >= 0
    cell = np.maximum(unit_cell, 0)
    population = np.zeros(len(strata))
    np.maximum.at(population, person_stratum, persons["stratum_population"].to_numpy(dtype="float64"))
    design = TwoPhaseDesign(
        cell_stratum=unit_stratum,
        cell_eligible=np.where(has_cell, cell_table["eligible"].to_numpy(dtype="float64")[cell], 0.0)
        if n_cells
        else np.zeros(len(observed)),
        cell_factor=np.where(has_cell, cell_table["factor"].to_numpy(dtype="float64", na_value=np.nan)[cell], np.nan)
        if n_cells
        else np.full(len(observed), np.nan),
        stratum_invited=np.bincount(person_stratum, minlength=len(strata)),
        stratum_population=population,
    )
    return strata.iloc[unit_stratum].reset_index(drop=True), person_unit, design


def _hide_design_figures(table: pd.DataFrame) -> pd.DataFrame:
    """No degrees of freedom, design effect or effective n where the estimate is not shown or its n is
    masked: with the estimate and its standard error they would give the respondent counts back."""
    hidden = (table["n"].isna() | table["estimate"].isna()).to_numpy()
    table.loc[hidden, ["df", "design_effect", "effective_n"]] = np.nan
    return table


def _strata(persons: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The strata (pathway x region, sorted; a missing pathway last) and each person's stratum position."""
    key, size = np.zeros(len(persons), dtype="int64"), 1
    for column in ("pathway", "region"):
        codes = persons[column].cat.codes.to_numpy().astype("int64")
        levels = len(persons[column].cat.categories) + 1
        key, size = key * levels + np.where(codes >= 0, codes, levels - 1), size * levels
    _, person_stratum = observed_codes(key, size)
    first = np.full(person_stratum.max() + 1 if len(person_stratum) else 0, len(person_stratum))
    np.minimum.at(first, person_stratum, np.arange(len(person_stratum)))  # each stratum's first person
    strata = persons[["pathway", "region", "healthcare_region"]].iloc[first].reset_index(drop=True)
    return strata, person_stratum


def _fail(column: str, rows: np.ndarray, responses: pd.DataFrame, what: str) -> AnalysisInputError:
    position = int(np.flatnonzero(rows)[0])
    value = responses[column].iloc[position]
    return AnalysisInputError(
        f"responses column {column!r}, row {position + 1} (respondent_id "
        f"{responses['respondent_id'].iloc[position]}): '{value}' {what} ({int(rows.sum())} rows in all)"
    )


def _checked_persons(responses: pd.DataFrame, q: Any) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray]]:
    """The frame part of the export, checked, with healthcare regions; the closed items' answers,
    checked, as states (:func:`analysis.scores.option_states`: small integers, one byte each) that
    scores and case mix read; and each item's option codes, sorted, that the states refer to."""
    needed = list(FRAME_COLUMNS) + closed_item_ids(q)
    missing = [column for column in needed if column not in responses.columns]
    if missing:
        raise AnalysisInputError(
            f"the responses export lacks the column(s) {', '.join(missing)} "
            f"(expected the export format of {q.id} {q.version})"
        )
    # The usual case, one definition throughout, from the distinct values; the rows only for the message.
    if "questionnaire_id" in responses.columns and not (
        _only_text(responses["questionnaire_id"], q.id)
        and _only_text(responses["questionnaire_version"], str(q.version))
    ):
        answered_on = responses[["questionnaire_id", "questionnaire_version"]].dropna().astype(str)
        other = (answered_on["questionnaire_id"] != q.id) | (answered_on["questionnaire_version"] != str(q.version))
        if other.any():
            first = answered_on[other].iloc[0]
            raise AnalysisInputError(
                f"responses column 'questionnaire_id': {other.sum()} rows were answered on "
                f"{first['questionnaire_id']} {first['questionnaire_version']}, not {q.id} {q.version}; "
                "analyse them with that definition"
            )
    # Grouping columns as categoricals: one factorisation, then cheap groupbys over a million rows.
    persons = pd.DataFrame(
        {
            "respondent_id": _as_inferred(responses["respondent_id"]),
            "pathway": pd.Categorical(responses["pathway"].astype("string")),
            "region": _region_codes(responses["region"]),
            "sex": pd.Categorical(responses["sex"].astype("string")),
            "age_group": pd.Categorical(responses["age_group"].astype("string")),
            "design_weight": pd.to_numeric(responses["design_weight"], errors="coerce").to_numpy(dtype="float64"),
            "stratum_population": pd.to_numeric(responses["stratum_population"], errors="coerce").to_numpy(
                dtype="float64"
            ),
        }
    )
    for column in ("design_weight", "stratum_population"):
        bad = ~(persons[column] > 0).to_numpy()
        if bad.any():
            raise _fail(column, bad, responses, "is not a positive number")
    for column, allowed in (("sex", ("K", "M")), ("age_group", AGE_GROUPS)):
        wrong = ~persons[column].isin(allowed).to_numpy()
        if wrong.any():
            raise _fail(column, wrong, responses, f"is not one of the frame's values {', '.join(allowed)}")
    healthcare = {code: region.healthcare_region for code, region in regions().items()}
    # Mapped per region category, then spread by the region codes: no per-person dictionary look-up.
    region = persons["region"].cat
    names = pd.Series(region.categories.map(healthcare), dtype=object)
    known = names.notna().to_numpy()
    categories = pd.Index(sorted(set(names[known])))
    code_of = np.where(known, categories.get_indexer(names), -1)
    codes = region.codes.to_numpy().astype("int64")
    persons["healthcare_region"] = pd.Categorical.from_codes(
        np.where(codes >= 0, code_of[np.maximum(codes, 0)], -1) if len(code_of) else codes, categories=categories
    )
    unknown = persons["healthcare_region"].isna().to_numpy()
    if unknown.any():
        raise _fail(
            "region", unknown, responses, "is not a region code of sampling.reference.regions() (two digits, e.g. '01')"
        )
    choice_items = [item for item in q.items if item.kind == "choice"]
    codes = {item.id: np.array(sorted(item.scale.codes), dtype="int64") for item in choice_items}
    states = np.empty((len(responses), len(choice_items)), dtype="uint8", order="F")
    for index, item in enumerate(choice_items):
        states[:, index], wrong = option_states(responses[item.id], codes[item.id])
        if wrong.any():
            raise _fail(
                item.id,
                wrong,
                responses,
                f"is not an option code of the item; expected one of {sorted(item.scale.codes)}",
            )
    return persons, pd.DataFrame(states, columns=list(codes), copy=False), codes


def _only_text(values: pd.Series, expected: str) -> bool:
    """Whether every value given (not missing) is ``expected`` as text."""
    return all(str(value) == expected for value in values.unique() if not pd.isna(value))


_INFERRED_TEXT = pd.DataFrame({"text": np.array(["text"], dtype=object)})["text"].dtype
"""The dtype pandas gives a column of Python strings (the default text dtype)."""


def _as_inferred(values: pd.Series) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """The column's values as a new DataFrame column holds them once its dtype is inferred: an array of
    the default text dtype as it is (no million Python strings to infer back), anything else as NumPy."""
    return (
        values.array
        if values.dtype == _INFERRED_TEXT and type(values.dtype) is type(_INFERRED_TEXT)
        else values.to_numpy()
    )


def _region_codes(region: pd.Series) -> pd.Categorical:
    """Region codes as two-digit text, also when a CSV reader made them numbers (1 -> '01'); a
    categorical with the codes in text order, made per distinct value (no text per person)."""
    codes = pd.Categorical(region)
    categories = pd.Series(codes.categories)
    if pd.api.types.is_numeric_dtype(categories):
        text = categories.map(lambda code: f"{int(code):02d}")
    else:
        text = categories.astype("string").str.strip().str.zfill(2)
    text = np.asarray(text.astype(object))
    distinct = sorted(set(text))
    recoded = pd.Index(distinct, dtype=object).get_indexer(text)
    return pd.Categorical.from_codes(
        np.where(codes.codes >= 0, recoded[codes.codes], -1) if len(text) else codes.codes, categories=distinct
    )


class _Estimator:
    """Item or dimension results at every level, unweighted and weighted, suppressed.

    From the counts of respondents per weight class (:func:`analysis.cells.weight_classes`) and answer
    state; from the respondents' values when the classes and states are too many to count (continuous
    weights), with the same results.
    """

    def __init__(
        self,
        stratum: np.ndarray,
        strata: pd.DataFrame,
        weight: np.ndarray,
        design: TwoPhaseDesign,
        config: AnalysisConfig,
    ):
        self.stratum, self.strata, self.weight, self.design, self.config = stratum, strata, weight, design, config
        self.member, self.class_stratum, self.class_weight = weight_classes(stratum, len(strata), weight)
        self.psus = np.bincount(stratum, minlength=len(strata))
        self.groups = level_groups(strata, LEVELS)

    def __call__(self, outcomes: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> pd.DataFrame:
        """Results of ``outcomes``: per name, the respondents' states and per state the score and positive."""
        names = list(outcomes)
        classes = len(self.class_weight)
        counts = (
            [class_counts(self.member, classes, state, len(score_of)) for state, score_of, _ in outcomes.values()]
            if all(countable(classes * len(score_of), len(self.stratum)) for _, score_of, _ in outcomes.values())
            else None
        )
        parts = []
        for measure, column, proportion in (("share_positive", 2, True), ("mean_score", 1, False)):
            tables = [outcome[column] for outcome in outcomes.values()]
            options: dict[str, Any] = {
                "proportion": proportion,
                "confidence": self.config.confidence,
                "scale": 100.0 if proportion else 1.0,
            }
            if counts is None:
                values = np.column_stack(
                    [table.take(state) for (state, _, _), table in zip(outcomes.values(), tables, strict=False)]
                )
                part = grouped_estimates(
                    values, names, self.stratum, self.strata, LEVELS, weight=self.weight, design=self.design, **options
                )
            else:
                sums = state_stratum_sums(counts, tables, self.class_stratum, self.class_weight, self.psus)
                part = estimates_from_sums(sums, names, self.groups, weighted=True, design=self.design, **options)
            parts.append(part.assign(measure=measure, suppressed=False, suppression_reason=pd.NA))
        return suppress_small_results(pd.concat(parts, ignore_index=True), self.config.min_respondents_shown)


def _casemix_data(
    respondents: pd.DataFrame, answers: pd.DataFrame, codes: dict[str, np.ndarray], q: Any
) -> pd.DataFrame:
    """Respondents' unit and case-mix columns: frame age group and sex, answered health and education.

    "Vill inte svara" (a ``declined`` option) is missing here, as no answer
    is: it is kept in the export but is never a case-mix level of its own.
    """
    # Categoricals whose categories are in text order ("missing" among them where needed): the cells of
    # outcome_cells factorise their codes instead of a million strings.
    data = pd.DataFrame(
        {
            column: _with_missing_level(respondents[column].astype("category"))
            for column in ("pathway", "region", "age_group", "sex")
        }
    )
    used = ["age_group", "sex"]
    for item in q.background_items:
        if item.role in CASEMIX_ROLES:
            labels = np.array([str(code) for code in codes[item.id]] + [MISSING_LEVEL], dtype=object)
            declined = np.isin(codes[item.id], [option.code for option in item.scale.options if option.declined])
            states = answers[item.id].to_numpy()
            states = np.where(np.append(declined, False)[states], len(codes[item.id]), states)
            data[item.role] = _with_missing_level(pd.Categorical.from_codes(states, categories=labels))
            used.append(item.role)
    data.attrs["casemix"] = used
    return data


_COMPARISON_UNITS = (("regions_within_pathway", "pathway", "region"), ("pathways_within_region", "region", "pathway"))
"""Each comparison: its name, the reference population's column and the compared units' column."""


def _with_missing_level(values: pd.Categorical | pd.Series) -> pd.Categorical:
    """Missing values as the level "missing"; categories (observed ones only) in text order, as the
    sorted text of an object column would be."""
    values = pd.Categorical(values)
    text = np.asarray(values.categories.astype(str), dtype=object)
    codes = values.codes.astype("int64")
    if (codes < 0).any():
        text, codes = np.append(text, MISSING_LEVEL), np.where(codes < 0, len(text), codes)
    # Observed levels by counting (remove_unused_categories sorts the codes), then renumbered in text order.
    observed = np.flatnonzero(np.bincount(codes, minlength=len(text)))
    order = np.argsort(text[observed], kind="stable")
    recode = np.zeros(len(text), dtype="int64")
    recode[observed[order]] = np.arange(len(order))
    return pd.Categorical.from_codes(recode.take(codes), categories=text[observed[order]])


def _adjusted_results(data: pd.DataFrame, outcomes: Sequence[tuple[Any, ...]], config: AnalysisConfig) -> pd.DataFrame:
    """The comparisons of ``config.comparisons`` (regions within each pathway, pathways within each
    region) for every outcome and measure."""
    casemix = data.attrs["casemix"]
    values = {}
    for index, (_, _, score, positive) in enumerate(outcomes):
        values[f"mean_score_{index}"], values[f"share_positive_{index}"] = score.to_numpy(), positive.to_numpy()
    # The outcomes beside the case mix without copying either (assign would copy them into one block).
    with_outcomes = pd.concat([data, pd.DataFrame(values, index=data.index, copy=False)], axis=1)
    cells = outcome_cells(with_outcomes, ["pathway", "region", *casemix], list(values))
    comparisons = [
        (comparison, population, unit)
        for comparison, population, unit in _COMPARISON_UNITS
        if comparison in config.comparisons
    ]
    described = {
        f"{measure}_{index}": (dimension, item_id, measure)
        for index, (dimension, item_id, _, _) in enumerate(outcomes)
        for measure in ("share_positive", "mean_score")
    }
    logistic = {name: measure == "share_positive" for name, (_, _, measure) in described.items()}
    # Each comparison's columns as arrays, the table built once (not a DataFrame per pathway or region).
    parts = []
    for comparison, population, unit in comparisons:
        for name, members in cells.groupby(population, sort=True):
            if members[unit].nunique() < 2:
                continue  # nothing to compare: one region in the pathway, or one pathway in the region
            part = adjusted_comparison_columns(
                members,
                unit,
                casemix,
                logistic,
                min_respondents=config.min_respondents_shown,
                confidence=config.confidence,
            )
            rows = len(part["outcome"])
            part[unit], part[population] = part.pop("unit").astype(object), np.full(rows, name, dtype=object)
            part["comparison"] = np.full(rows, comparison, dtype=object)
            for position, column in enumerate(("dimension", "item_id", "measure")):
                part[column] = np.array([described[outcome][position] for outcome in part["outcome"]], dtype=object)
            parts.append(part)
    if not parts:
        return conform("adjusted_results", empty_table("adjusted_results"))
    return conform(
        "adjusted_results",
        pd.DataFrame({column: np.concatenate([part[column] for part in parts]) for column in parts[0]}),
    )


def _stratum_disposition_counts(persons: pd.DataFrame) -> pd.DataFrame:
    """Invited and each disposition's count per pathway × region, in one pass over the persons."""
    pathway, region = persons["pathway"].cat, persons["region"].cat
    disposition = pd.Categorical(persons["disposition"], categories=DISPOSITIONS).codes.astype("int64")
    pathway_code, region_code = pathway.codes.to_numpy().astype("int64"), region.codes.to_numpy().astype("int64")
    cell = (pathway_code * len(region.categories) + region_code) * len(DISPOSITIONS) + disposition
    size = len(pathway.categories) * len(region.categories)
    counts = np.bincount(cell, minlength=size * len(DISPOSITIONS)).reshape(size, len(DISPOSITIONS))
    table = pd.DataFrame(counts, columns=list(DISPOSITIONS)).assign(
        pathway=np.repeat(np.asarray(pathway.categories, dtype=object), len(region.categories)),
        region=np.tile(np.asarray(region.categories, dtype=object), len(pathway.categories)),
    )
    table.insert(0, "invited", counts.sum(axis=1))
    healthcare = {code: region.healthcare_region for code, region in regions().items()}
    table["healthcare_region"] = table["region"].map(healthcare)
    return table[table["invited"] > 0]


def _response_rates(persons: pd.DataFrame, config: AnalysisConfig) -> pd.DataFrame:
    strata = _stratum_disposition_counts(persons)
    counted = ["invited", *DISPOSITIONS]
    parts = []
    for level, keys in LEVELS.items():
        counts = (
            strata.groupby(keys, sort=True)[counted].sum().reset_index() if keys else strata[counted].sum().to_frame().T
        )
        parts.append(counts.assign(level=level))
    table = pd.concat(parts, ignore_index=True)
    for key in ("pathway", "region", "healthcare_region"):
        table[key] = table[key].astype("string")
    masked = mask_response_rates(table, rates_from_counts(table), config)
    # e and RR3 at full precision would give back a masked count from the shown ones: they are shown only
    # where every count of the unit is (whole percent, like its rates), or with masking off.
    e_rates = estimated_e_rates(table).to_numpy(dtype="float64")
    if config.mask_counts_below > 1:
        shown = masked[list(DISPOSITIONS)].notna().all(axis=1).to_numpy()
        e_rates = np.where(shown[:, None], round_rates(e_rates, 1.0), np.nan)
    masked[["eligibility_rate", "rr3"]] = e_rates
    return conform("response_rates", masked)


def _finest_cells(persons: pd.DataFrame, keys: list[str], sums: Mapping[str, np.ndarray | None]) -> pd.DataFrame:
    """``persons.groupby(keys, observed=True)`` sums of ``sums`` (``None``: the group's size), by counting
    the keys' categorical codes; a boolean or integer sum is an int64 (a boolean's a count), as the groupby gives it."""
    sizes = [max(len(persons[key].cat.categories), 1) for key in keys]
    cell, known = key_cells([persons[key].cat.codes.to_numpy().astype("int64") for key in keys], sizes)
    size = int(np.prod(sizes))
    invited = np.bincount(cell, minlength=size)
    observed = np.flatnonzero(invited)
    columns = {
        key: pd.Categorical.from_codes(position, dtype=persons[key].dtype)
        for key, position in zip(keys, np.unravel_index(observed, sizes), strict=False)
    }
    for name, values in sums.items():
        if values is None:
            columns[name] = invited[observed]
        elif values.dtype.kind in "biu":
            columns[name] = np.bincount(cell, weights=values[known], minlength=size)[observed].astype("int64")
        else:
            columns[name] = np.bincount(cell, weights=values[known], minlength=size)[observed]
    return pd.DataFrame(columns)


def _response_by_sex_age(persons: pd.DataFrame, config: AnalysisConfig, rates: pd.DataFrame) -> pd.DataFrame:
    # One pass over the persons to pathway x region x sex x age group; every level adds up those cells.
    finest = _finest_cells(
        persons,
        ["pathway", "region", "sex", "age_group"],
        {
            "invited": None,
            "complete": (persons["disposition"] == "complete").to_numpy(),
            "eligible": ~persons["disposition"].isin(["screened_out", "deceased", "undeliverable"]).to_numpy(),
            "frame_population": persons["design_weight"].to_numpy(),
        },
    )
    summed = {name: finest[name].to_numpy() for name in ("invited", "complete", "eligible", "frame_population")}
    parts = []
    for level, keys in (("national", []), ("pathway", ["pathway"]), ("region", ["region"])):
        # The level's cells of (keys, sex, age group) in sorted order, as groupby(sort=True) gives them.
        cells = _finest_cells(finest, [*keys, "sex", "age_group"], summed)
        part = {"level": np.full(len(cells), level, dtype=object)}
        for key in ("pathway", "region", "sex", "age_group"):
            part[key] = (
                np.asarray(cells[key], dtype=object) if key in cells else np.full(len(cells), None, dtype=object)
            )
        part.update({name: cells[name].to_numpy() for name in summed})
        # Each cell's group of the level (all cells nationally, a pathway's or a region's cells).
        group = cells[keys[0]].cat.codes.to_numpy() if keys else np.zeros(len(cells), dtype="int64")
        frame_total = np.bincount(group, weights=part["frame_population"])[group]
        complete_total = np.bincount(group, weights=part["complete"])[group]
        with np.errstate(divide="ignore", invalid="ignore"):
            part["frame_share"] = 100 * part["frame_population"] / frame_total
            part["respondent_share"] = 100 * part["complete"] / np.where(complete_total > 0, complete_total, np.nan)
            part["response_rate"] = 100 * part["complete"] / np.where(part["eligible"] > 0, part["eligible"], np.nan)
        parts.append(part)
    table = pd.DataFrame({name: np.concatenate([part[name] for part in parts]) for name in parts[0]})
    for key in ("level", "pathway", "region", "sex", "age_group"):
        table[key] = table[key].astype("string")
    return conform("response_by_sex_age", mask_response_by_sex_age(table, config, rates))


def _persons_table(
    persons: pd.DataFrame, respondent_rows: np.ndarray, scores: pd.DataFrame, positive: pd.DataFrame
) -> pd.DataFrame:
    columns = [
        "respondent_id",
        "pathway",
        "region",
        "healthcare_region",
        "sex",
        "age_group",
        "disposition",
        "weighting_cell",
        "design_weight",
        "weight",
    ]
    table = {column: persons[column].array for column in columns}
    # Categorical inside the analysis, text outside: the categories' text taken by code (astype is 20x slower).
    for name in ("disposition", "weighting_cell"):
        values = table[name]
        if isinstance(values, pd.Categorical) and len(values):
            table[name] = values.categories.array.take(values.codes, allow_fill=True)
        else:
            table[name] = np.asarray(values, dtype=object)  # as an export without rows always had it

    def spread(values: np.ndarray) -> np.ndarray:
        """Each respondent's value at its row of the persons, nan for everyone else."""
        column = np.full(len(persons), np.nan)
        column[respondent_rows] = values
        return column

    respondent_values = {
        f"{prefix}_{dimension}": frame[dimension].to_numpy()
        for dimension in scores.columns
        for prefix, frame in (("score", scores), ("positive", positive))
    }
    table.update({name: spread(values) for name, values in respondent_values.items()})
    # One frame of the columns as they are (no copies into 2-D blocks of a million rows).
    return pd.DataFrame(table, index=persons.index, copy=False)


def _methods(config: AnalysisConfig, casemix: list[str]) -> pd.DataFrame:
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
        "weighting": (
            "Weighted results: design weight N_h/n_h from the frame times a post-stratification factor by sex x age "
            "group within pathway x region, so that the weighted respondents reproduce the frame's eligible "
            "population in each cell: the sum of the design weights of the cell's invited persons, the known "
            "ineligible (deceased, screened out) taken out first; the undeliverable, of unknown eligibility, count "
            f"as eligible. Cells with fewer than {config.min_cell_respondents} respondents collapsed "
            "with the adjacent age group within sex, then across sex."
        ),
        "variance": VARIANCE_METHOD,
        **{f"ci_method.{name}": text for name, text in CI_METHODS.items()},
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
            "reference population's case mix; band better/worse when the interval lies entirely above/below the "
            "reference population's observed value, else as expected. Units below the publication minimum are left "
            "out of the fit; a pathway with one region, or a region with one pathway, has no comparison, nor has an "
            f"outcome for which fewer than two units reach {config.min_respondents_shown} respondents (one unit has "
            "nothing to be compared with, and its model is not identified). "
            "Comparisons made in this run: " + ", ".join(config.comparisons or ("none",)) + "."
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
            "whose step covers at least 5 of the unit's invited (column rate_rounding); the sex x age response rates "
            "are rounded the same way by the cell's invited count. A frame population (invited x design weight) and "
            "share are masked with the invited count. Where n is masked and the estimate shown, the estimate is "
            "rounded to a whole number and its standard error and interval are not shown (n = p(1-p)/se^2 would give n "
            "back). The weighting cells are published without populations, respondents and factors (population / "
            "design weight gives the invited, population / (design weight x factor) the respondents)."
        ),
    }
    return conform("methods", pd.DataFrame({"topic": list(statements), "description": list(statements.values())}))
