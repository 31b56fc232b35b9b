"""Mode of response (web or paper): response rates by mode and by mode × age group; mode as case mix.

The national surveys that send a paper questionnaire with the last reminder
(push-to-web) publish how many answered each way, and by age, because the
paper questionnaire is what reaches the oldest patients. HCAHPS also adjusts
for mode; here mode is a case-mix variable only when asked
(``AnalysisConfig.casemix_mode``), since a mode effect estimated from who
chose paper mixes the mode with the people who chose it.

The rates use the adjusted response rate's denominator: complete respondents
who answered on the web (on paper) / (invited − screened out − deceased −
undeliverable), so that the web and paper rates add up to the published
adjusted rate (before rounding: they are rounded as the other response tables
round theirs).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.config import AnalysisConfig
from analysis.disclosure import rate_steps, round_rates
from analysis.errors import AnalysisInputError
from analysis.suppression import ColumnGroup, mask_small_counts
from analysis.tables import conform
from contracts.formats import AGE_GROUPS, RESPONSE_MODES

__all__ = ["MODES", "mode_casemix_column", "mode_methods", "response_by_mode", "response_modes"]

MODES: tuple[str, ...] = RESPONSE_MODES
"""The modes of response, as the responses export's ``mode`` column holds them."""

_INELIGIBLE = ("screened_out", "deceased", "undeliverable")
_LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("national", ()),
    ("pathway", ("pathway",)),
    ("region", ("region",)),
)
_UNIT = ["level", "pathway", "region"]


def response_modes(responses: pd.DataFrame) -> pd.Categorical:
    """Each invited person's mode of response (missing when they never started).

    An export without a ``mode`` column (written before paper questionnaires
    were imported) counts every response as a web response.

    Raises
    ------
    AnalysisInputError
        A value that is not a mode, naming the row and the respondent.
    """
    if "mode" not in responses.columns:
        return pd.Categorical(np.full(len(responses), MODES[0], dtype=object), categories=list(MODES))
    values = responses["mode"]
    observed = pd.Categorical(values)  # one factorisation; the distinct values are checked, not the rows
    unknown = [value for value in observed.categories if value not in MODES]
    if unknown:
        wrong = values.isin(unknown).to_numpy(dtype=bool)
        row = int(np.flatnonzero(wrong)[0])
        raise AnalysisInputError(
            f"responses column 'mode', row {row + 1} (respondent_id {responses['respondent_id'].iloc[row]}): "
            f"'{values.iloc[row]}' is not a mode of response; expected one of {', '.join(MODES)} or empty "
            f"({int(wrong.sum())} rows in all)"
        )
    return observed.set_categories(list(MODES))


def _check_respondents_have_a_mode(persons: pd.DataFrame, complete: np.ndarray) -> None:
    missing = complete & persons["mode"].isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise AnalysisInputError(
            f"responses column 'mode', row {row + 1} (respondent_id {persons['respondent_id'].iloc[row]}): "
            f"empty for a complete response; expected one of {', '.join(MODES)} ({int(missing.sum())} rows in all)"
        )


def _counts(persons: pd.DataFrame) -> pd.DataFrame:
    """Eligible and complete (in all and per mode) per level × unit, for all ages and per age group."""
    disposition = persons["disposition"]
    complete = (disposition == "complete").to_numpy(dtype=bool)
    _check_respondents_have_a_mode(persons, complete)
    answered_twice = (
        persons["mode_conflict"].notna().to_numpy(dtype=bool)
        if "mode_conflict" in persons.columns
        else np.zeros(len(persons), dtype=bool)
    )
    # The grouping columns stay categoricals (a million rows grouped by their codes, not by text).
    data = pd.DataFrame(
        {
            "pathway": pd.Categorical(persons["pathway"]),
            "region": pd.Categorical(persons["region"]),
            "age_group": pd.Categorical(persons["age_group"]),
            "eligible": ~disposition.isin(_INELIGIBLE).to_numpy(dtype=bool),
            "complete": complete,
            **{f"complete_{name}": complete & (persons["mode"] == name).to_numpy(dtype=bool) for name in MODES},
            "answered_twice": answered_twice,
        }
    )
    summed = ["eligible", "complete", *(f"complete_{name}" for name in MODES), "answered_twice"]
    parts = []
    for level, keys in _LEVELS:
        for by_age in (False, True):
            by = [*keys, *(["age_group"] if by_age else [])]
            if by:
                part = data.groupby(by, sort=True, observed=True)[summed].sum().reset_index()
                part = part.astype({key: object for key in by})
            else:
                part = data[summed].sum().to_frame().T
            part["level"] = level
            parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    for column in ("pathway", "region", "age_group"):
        if column not in table:
            table[column] = None
    table[summed] = table[summed].astype("int64")
    order = {name: position for position, name in enumerate(AGE_GROUPS)}
    table["_level"] = table["level"].map({level: position for position, (level, _) in enumerate(_LEVELS)})
    table["_age"] = table["age_group"].map(order).fillna(-1)
    table = table.sort_values(["_level", "pathway", "region", "_age"], na_position="first", kind="stable")
    return table.drop(columns=["_level", "_age"]).reset_index(drop=True)


def _published(table: pd.DataFrame, other: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """``other``'s rows matched to ``table``'s rows on ``keys`` (as text, missing equal to missing)."""

    def key(frame: pd.DataFrame) -> pd.Series:
        text = [frame[column].astype("string").fillna("") for column in keys]
        joined = text[0]
        for part in text[1:]:
            joined = joined + "|" + part
        return joined

    return other.assign(_key=key(other).to_numpy()).merge(
        pd.DataFrame({"_key": key(table).to_numpy(), "_row": np.arange(len(table))}), on="_key"
    )


def _what_others_show(
    table: pd.DataFrame, response_rates: pd.DataFrame, by_sex_age: pd.DataFrame, rounding: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: whether its complete count is masked in another table (else another table shows it, or
    its parts), whether its rates may be shown (the other tables show the unit's rate, or every cell's),
    and the rounding step of its rates (NaN: none, with masking off).

    A unit's rates are rounded as its published response rates are (``rate_rounding``); an age group's
    with :func:`~analysis.disclosure.rate_steps` of its published invited count, as the sex × age rates
    are, so that no rate here narrows a denominator the other tables keep to within five persons."""
    all_ages = table["age_group"].isna().to_numpy()
    hidden, denominator = np.zeros(len(table), bool), np.zeros(len(table), bool)
    step = np.full(len(table), np.nan)
    rates = response_rates[response_rates["level"].isin([level for level, _ in _LEVELS])]
    matched = _published(table, rates, _UNIT)
    matched = matched[all_ages[matched["_row"].to_numpy()]]
    rows = matched["_row"].to_numpy()
    hidden[rows] = matched["complete"].isna().to_numpy()
    denominator[rows] = matched["adjusted_rate"].notna().to_numpy()
    if rounding:
        step[rows] = matched["rate_rounding"].to_numpy(dtype="float64", na_value=np.nan)
    # An age group's count is the sum of its two sex cells: masked when either is, and its eligible
    # count known only when both cells' rates are shown and not zero (a zero rate gives no denominator).
    cells = _published(table, by_sex_age, [*_UNIT, "age_group"])
    cells = cells[~all_ages[cells["_row"].to_numpy()]]
    cells = cells.assign(
        _hidden=cells["complete"].isna() | cells["invited"].isna(),
        _rate=cells["response_rate"].notna() & (cells["complete"].fillna(0) > 0),
    )
    per_row = cells.groupby("_row").agg(
        hidden=("_hidden", "any"), rate=("_rate", "all"), invited=("invited", lambda v: v.sum(min_count=1))
    )
    rows = per_row.index.to_numpy()
    hidden[rows] = per_row["hidden"].to_numpy(dtype=bool)
    denominator[rows] = per_row["rate"].to_numpy(dtype=bool) & ~hidden[rows]
    if rounding:
        step[rows] = rate_steps(per_row["invited"].to_numpy(dtype="float64", na_value=np.nan))
    return hidden, denominator, step


def response_by_mode(
    persons: pd.DataFrame, response_rates: pd.DataFrame, response_by_sex_age: pd.DataFrame, config: AnalysisConfig
) -> pd.DataFrame:
    """Complete respondents and response rates by mode, nationally, per pathway and per region, for all
    ages and per age group (table ``response_by_mode``).

    Parameters
    ----------
    persons : DataFrame
        One row per invited person with ``pathway``, ``region``,
        ``age_group``, ``disposition`` and ``mode`` (:func:`response_modes`).
    response_rates, response_by_sex_age : DataFrame
        The round's published (masked) tables: a count masked there is masked
        here, and a rate is shown only where those tables already give its
        denominator, so that this table gives back nothing they hide.
    config : AnalysisConfig
        ``mask_counts_below``.

    Returns
    -------
    DataFrame
        The ``response_by_mode`` table (:data:`analysis.tables.TABLES`).

    Notes
    -----
    The web and paper counts 1 to ``mask_counts_below - 1`` are masked with
    the next smallest count of the same row (web + paper = complete, which
    the other tables give), of the same unit (the age groups add up to all
    ages) and of the same level (the pathways, or the regions, add up to the
    national row), as :func:`~analysis.suppression.mask_small_counts` does;
    where the other tables hide the complete count, it and both parts are
    masked.
    """
    table = _counts(persons)
    rounding = config.mask_counts_below > 1
    hidden, denominator, step = _what_others_show(table, response_rates, response_by_sex_age, rounding)
    # web + paper = complete, which the other tables show (or hide: then both parts are hidden, else
    # they would add up to it). Only the parts are masked here; complete only where hidden elsewhere.
    parts = [f"complete_{name}" for name in MODES]
    level, by_age = table["level"], table["age_group"].notna()
    groups: list[ColumnGroup] = [
        (by_age, _UNIT, ~by_age),
        (level == "pathway", ["age_group"], level == "national"),
        (level == "region", ["age_group"], level == "national"),
    ]
    masked, masked_columns = mask_small_counts(
        table,
        parts,
        below=config.mask_counts_below,
        row_totals=True,
        column_groups=groups,
        masked=np.repeat(hidden[:, None], len(parts), axis=1),
    )
    # Those who answered more than once: a count of its own (no other cell of the row adds up with it),
    # whose units add up as the parts' do, masked by the same group rules.
    twice, twice_masked = mask_small_counts(
        table, ["answered_twice"], below=config.mask_counts_below, row_totals=False, column_groups=groups
    )
    masked["answered_twice"] = twice["answered_twice"]
    masked_columns = masked_columns.where(twice_masked == "", masked_columns.str.cat(twice_masked, sep=";"))
    masked_columns = masked_columns.str.lstrip(";")
    masked["complete"] = pd.array(table["complete"], dtype="Int64")
    masked.loc[hidden, "complete"] = pd.NA
    masked_columns = pd.Series(
        np.where(hidden, np.where(masked_columns == "", "complete", "complete;" + masked_columns), masked_columns),
        dtype="string",
    )
    eligible = table["eligible"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        for name in ("", *(f"_{mode}" for mode in MODES)):
            count = masked[f"complete{name}"].to_numpy(dtype="float64", na_value=np.nan)
            rate = np.where(eligible > 0, 100 * count / eligible, np.nan)
            rate = np.where(np.isnan(step), rate, round_rates(rate, step))
            masked[f"response_rate{name}"] = np.where(denominator, rate, np.nan)
        complete = masked["complete"].to_numpy(dtype="float64", na_value=np.nan)
        paper = masked["complete_paper"].to_numpy(dtype="float64", na_value=np.nan)
        masked["paper_share"] = np.where(complete > 0, 100 * paper / complete, np.nan)
    masked["masked_columns"] = masked_columns
    return conform("response_by_mode", masked.drop(columns="eligible"))


def mode_casemix_column(modes: pd.Categorical | np.ndarray) -> pd.Categorical:
    """The respondents' modes as a case-mix variable: a categorical of the modes present, in text order
    (the first, ``paper`` when both occur, is the model's reference level, as R's factor() orders them)."""
    values = pd.Series(np.asarray(modes, dtype=object))
    return pd.Categorical(values, categories=sorted(set(values.dropna())))


def mode_methods(config: AnalysisConfig) -> pd.DataFrame:
    """The ``methods`` rows stating how mode is used in this run."""
    casemix = (
        "Mode of response (web or paper) is a case-mix variable in this run (casemix_mode on): a categorical "
        "predictor of the case-mix models beside the others, so that adjusted results compare units as if "
        "every unit's respondents had answered the ways the reference population did."
        if config.casemix_mode
        else "Mode of response (web or paper) is not a case-mix variable in this run (the default; casemix_mode "
        "off): who answers on paper differs from who answers on the web, and a mode term would also remove "
        "real differences between units whose patients chose paper."
    )
    rates = (
        "Response rates by mode: complete respondents who answered on the web (on paper) / (invited - screened "
        "out - deceased - undeliverable), nationally, per pathway and per region, for all ages and per age group; "
        "before rounding they add up to the adjusted response rate. A person who answered both ways counts once, "
        "by the first complete response; answered_twice counts the persons who answered more than once (web and "
        "paper, two paper questionnaires, or paper after a refusal, screening out or a returned letter), masked as "
        "the other counts. Counts masked in the other response tables are masked here too, small "
        "counts with the next smallest of the same row, unit or level; a rate is shown only where the other "
        "tables show the unit's rate, rounded as they round it (a unit as its response rates, an age group by "
        "its invited count, as the sex x age rates)."
    )
    return pd.DataFrame({"topic": ["mode.casemix", "mode.response_rates"], "description": [casemix, rates]})
