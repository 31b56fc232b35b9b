"""Checks of a responses export and of the settings, before anything is computed.

Every check names the file's column, row and respondent of the first bad value
(:func:`input_error`); the frame part of the export comes out as categoricals the
rest of the analysis groups by.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.config import AnalysisConfig
from analysis.errors import AnalysisInputError
from analysis.estimates import TwoPhaseDesign
from analysis.scores import option_states
from contracts.formats import AGE_GROUPS, closed_item_ids
from sampling.reference import regions

__all__ = ["FRAME_COLUMNS", "check_settings", "check_stratum_populations", "checked_persons", "input_error"]

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


def check_settings(config: AnalysisConfig, q: Any, scoring: pd.DataFrame) -> None:
    """Fail when an item of ``config.adjusted_items`` is not a scored item of the questionnaire."""
    unknown = [item_id for item_id in config.adjusted_items if item_id not in set(scoring["item_id"])]
    if unknown:
        raise AnalysisInputError(
            f"analysis settings: adjusted_items {unknown} are not scored items of {q.id} {q.version}"
        )


def check_stratum_populations(design: TwoPhaseDesign, person_unit: np.ndarray, responses: pd.DataFrame) -> None:
    """Fail when a stratum's frame population N_h is smaller than the persons invited there."""
    short = design.stratum_population < design.stratum_invited
    if short.any():
        rows = short[design.cell_stratum[person_unit]]
        invited = design.stratum_invited[design.cell_stratum[person_unit[np.flatnonzero(rows)[0]]]]
        raise input_error(
            "stratum_population",
            rows,
            responses,
            f"is smaller than the {int(invited)} persons invited in its pathway × region "
            "(N_h must be the frame's population of the stratum)",
        )


def input_error(column: str, rows: np.ndarray, responses: pd.DataFrame, what: str) -> AnalysisInputError:
    """The error naming the first of ``rows`` (a boolean mask) of ``responses``: its column, row, respondent and value."""
    position = int(np.flatnonzero(rows)[0])
    value = responses[column].iloc[position]
    return AnalysisInputError(
        f"responses column {column!r}, row {position + 1} (respondent_id "
        f"{responses['respondent_id'].iloc[position]}): '{value}' {what} ({int(rows.sum())} rows in all)"
    )


def checked_persons(responses: pd.DataFrame, q: Any) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray]]:
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
            raise input_error(column, bad, responses, "is not a positive number")
    for column, allowed in (("sex", ("K", "M")), ("age_group", AGE_GROUPS)):
        wrong = ~persons[column].isin(allowed).to_numpy()
        if wrong.any():
            raise input_error(column, wrong, responses, f"is not one of the frame's values {', '.join(allowed)}")
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
        raise input_error(
            "region", unknown, responses, "is not a region code of sampling.reference.regions() (two digits, e.g. '01')"
        )
    choice_items = [item for item in q.items if item.kind == "choice"]
    codes = {item.id: np.array(sorted(item.scale.codes), dtype="int64") for item in choice_items}
    states = np.empty((len(responses), len(choice_items)), dtype="uint8", order="F")
    for index, item in enumerate(choice_items):
        states[:, index], wrong = option_states(responses[item.id], codes[item.id])
        if wrong.any():
            raise input_error(
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
