"""The person-level analysis file: every invited person with the design, the weights and the answers.

So that an analyst can rebuild the design elsewhere (R ``survey``, SPSS Complex Samples, Stata
``svy``) and check or extend what prem publishes: one row per invited person with the stratum and
its frame population, the weighting cell, the disposition, the design weight, the
post-stratification factor and the final weight, then the answers (option codes) and the
dimension scores. Written as CSV (:mod:`contracts.spreadsheet`), Parquet, SPSS ``.sav`` and Stata
``.dta`` with variable and value labels from the questionnaire definition (pyreadstat), beside the
questionnaire's codebook and a list of the variables.

This file is for analysts, not for publication: it holds the individual answers (pseudonymous,
by ``respondent_id``) and no disclosure control. Every file is written owner-only and atomically.

Rebuilding the two-phase design of the weighted results in R::

    d <- read.csv("respondents.csv")
    des <- twophase(id = list(~1, ~1), strata = list(~stratum, ~phase2_cell),
                    fpc = list(~stratum_population, NULL), subset = ~observed, data = d)

(``observed``: respondents, and the known ineligible, whose ``phase2_cell`` is their own). With raked
weights (``calibration = raking``) ``phase2_cell`` is the stratum and the design is then raked at
phase 2 to the sex and age group margins (``calibrate(des, phase = 2, ..., calfun = "raking")``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from analysis.results import RoundResults
from contracts.files import write_privately
from contracts.spreadsheet import write_private_csv
from questionnaires.codebook import write_codebook

__all__ = ["DESIGN_VARIABLES", "respondent_file", "variable_list", "write_respondent_files"]

DESIGN_VARIABLES: dict[str, tuple[str, str, str]] = {
    "respondent_id": ("Löpnummer i urvalet", "Sample id", "The person's id in the sample (pseudonymous)."),
    "pathway": ("Vårdförlopp", "Care pathway", "Care pathway slug."),
    "region": ("Region", "Region", "Two-digit region code."),
    "healthcare_region": ("Sjukvårdsregion", "Healthcare region", "Healthcare region of the region."),
    "stratum": ("Stratum", "Stratum", "The phase-1 stratum: pathway and region."),
    "stratum_population": (
        "Population i stratum (N_h)",
        "Stratum population (N_h)",
        "The frame's population N_h of the stratum (the finite population correction's N).",
    ),
    "stratum_invited": (
        "Inbjudna i stratum (n_h)",
        "Invited in stratum (n_h)",
        "Persons invited in the stratum (n_h), the ineligible too.",
    ),
    "sex": ("Kön", "Sex", "Sex from the frame: K (kvinna, woman) or M (man)."),
    "age_group": ("Åldersgrupp", "Age group", "Age group from the frame."),
    "disposition": (
        "Utfall",
        "Disposition",
        "Final disposition: complete, partial, refusal, screened_out, deceased, undeliverable, no_response.",
    ),
    "responded": (
        "Svarande",
        "Respondent",
        "1 when the person counts as a respondent of the weighted results (complete; partial too when the run "
        "counted partial respondents), else 0.",
    ),
    "eligible": (
        "Tillhör målpopulationen",
        "In the target population",
        "0 for the known ineligible (deceased, screened out), else 1 (the undeliverable count as eligible).",
    ),
    "observed": (
        "Observerad i fas 2",
        "Observed in phase 2",
        "1 for respondents and for the known ineligible (whose values are known: they are in no domain): the "
        "phase-2 sample of the two-phase design; else 0.",
    ),
    "weighting_cell": (
        "Viktcell",
        "Weighting cell",
        "The post-stratification cell (sex x age groups, collapsed) within the stratum.",
    ),
    "phase2_cell": (
        "Fas 2-stratum",
        "Phase-2 stratum",
        "The phase-2 stratum: stratum and weighting cell, or stratum and 'ineligible' for the known ineligible.",
    ),
    "design_weight": ("Designvikt", "Design weight", "N_h / n_h from the frame."),
    "adjustment_factor": (
        "Efterstratifieringsfaktor",
        "Post-stratification factor",
        "Eligible population of the weighting cell / sum of its respondents' design weights; missing for "
        "non-respondents.",
    ),
    "weight": (
        "Slutlig vikt",
        "Final weight",
        "design_weight x adjustment_factor; missing for non-respondents.",
    ),
}
"""Each design variable's label (Swedish, English) and description, in the file's order."""

RAKED_DESIGN_VARIABLES: dict[str, tuple[str, str, str]] = {
    "weighting_cell": (
        "Rakingcell",
        "Raking cell",
        "The raking cell within the stratum: sex category | age group category of the (merged) margins; its "
        "respondents share one raking factor.",
    ),
    "phase2_cell": (
        "Fas 2-stratum",
        "Phase-2 stratum",
        "The phase-2 stratum under raking: the stratum, or stratum and 'ineligible' for the known ineligible; the "
        "phase-2 weights are raked to the sex and age group margins (R: calibrate(des, phase = 2, formula = ~sex + "
        "age_group within the stratum, calfun = 'raking')).",
    ),
    "adjustment_factor": (
        "Rakingfaktor",
        "Raking factor",
        "Final weight / design weight: the raking factor of the person's raking cell (at most the trimming cap); "
        "missing for non-respondents.",
    ),
}
"""The design variables whose meaning differs when the weights are raked (``calibration = raking``)."""

_YES_NO: dict[str, dict[int | float, str]] = {"sv": {0: "Nej", 1: "Ja"}, "en": {0: "No", 1: "Yes"}}


def respondent_file(results: RoundResults, responses: pd.DataFrame, q: Any) -> pd.DataFrame:
    """One row per invited person: the design variables, the answers and the dimension scores.

    Parameters
    ----------
    results : RoundResults
        ``analyse_round(responses, q, ...)``: its ``persons`` table and settings.
    responses : DataFrame
        The responses export that was analysed (same rows, same order).
    q : Questionnaire
        The definition the answers were given on.

    Raises
    ------
    ValueError
        When ``results`` is not the analysis of ``responses`` (other persons or order).
    """
    persons = results.persons
    if len(persons) != len(responses) or not np.array_equal(
        persons["respondent_id"].astype(str).to_numpy(), responses["respondent_id"].astype(str).to_numpy()
    ):
        raise ValueError("the results are not the analysis of these responses: persons differ or are in another order")
    counted = ["complete", "partial"] if results.config.include_partial else ["complete"]
    disposition = pd.Series(persons["disposition"], dtype="string")
    respondent = disposition.isin(counted).to_numpy()
    eligible = ~disposition.isin(["deceased", "screened_out"]).to_numpy()
    stratum = (persons["pathway"].astype("string") + " " + persons["region"].astype("string")).to_numpy(dtype=object)
    invited = pd.Series(stratum).map(pd.Series(stratum).value_counts()).to_numpy()
    cell = pd.Series(persons["weighting_cell"], dtype="string")
    raked = getattr(results.config, "calibration", "poststratification") == "raking"
    table = pd.DataFrame(
        {
            "respondent_id": persons["respondent_id"].astype("string"),
            "pathway": persons["pathway"].astype("string"),
            "region": persons["region"].astype("string"),
            "healthcare_region": persons["healthcare_region"].astype("string"),
            "stratum": pd.array(stratum, dtype="string"),
            "stratum_population": pd.to_numeric(responses["stratum_population"]).to_numpy(dtype="float64"),
            "stratum_invited": invited.astype("int64"),
            "sex": persons["sex"].astype("string"),
            "age_group": persons["age_group"].astype("string"),
            "disposition": disposition,
            "responded": respondent.astype("int64"),
            "eligible": eligible.astype("int64"),
            "observed": (respondent | ~eligible).astype("int64"),
            "weighting_cell": cell,
            "phase2_cell": pd.array(
                np.where(
                    eligible,
                    stratum if raked else stratum + " " + cell.fillna("").to_numpy(dtype=object),
                    stratum + " ineligible",
                ),
                dtype="string",
            ),
            "design_weight": persons["design_weight"].to_numpy(dtype="float64"),
            "adjustment_factor": np.where(
                respondent, persons["weight"].to_numpy(dtype="float64") / persons["design_weight"], np.nan
            ),
            "weight": persons["weight"].to_numpy(dtype="float64"),
        }
    )
    clash = [item.id for item in q.closed_items if item.id in table.columns]
    if clash:
        raise ValueError(f"{q.id} {q.version}: item id(s) {', '.join(clash)} are names of the file's design variables")
    answers = {item.id: pd.to_numeric(responses[item.id]).astype("Int64") for item in q.closed_items}
    scores = {
        f"{prefix}_{dimension.id}": persons[f"{prefix}_{dimension.id}"].to_numpy(dtype="float64")
        for dimension in q.dimensions
        for prefix in ("score", "positive")
        if f"{prefix}_{dimension.id}" in persons
    }
    result = pd.concat([table, pd.DataFrame(answers), pd.DataFrame(scores)], axis=1)
    result.attrs["calibration"] = "raking" if raked else "poststratification"
    return result


def variable_list(table: pd.DataFrame, q: Any) -> pd.DataFrame:
    """Every column of :func:`respondent_file`: ``name, label_sv, label_en, type, description``."""
    items = {item.id: item for item in q.closed_items}
    dimensions = {dimension.id: dimension for dimension in q.dimensions}
    design = DESIGN_VARIABLES | (RAKED_DESIGN_VARIABLES if table.attrs.get("calibration") == "raking" else {})
    rows = []
    for name in table.columns:
        if name in design:
            label_sv, label_en, description = design[name]
        elif name in items:
            item = items[name]
            label_sv, label_en = item.text.get("sv", ""), item.text.get("en", "")
            description = "Answer: the option code (see codebook.csv for the labels); empty when not answered."
        else:
            prefix, _, dimension_id = name.partition("_")
            label = dimensions[dimension_id].label
            if prefix == "score":
                label_sv, label_en = f"Resultat 0-100: {label.get('sv', '')}", f"Score 0-100: {label.get('en', '')}"
                description = "The respondent's dimension score (0-100); empty for non-respondents."
            else:
                label_sv, label_en = f"Positiv: {label.get('sv', '')}", f"Positive: {label.get('en', '')}"
                description = (
                    "1 when the respondent is positive on the dimension, 0 when not; empty for non-respondents."
                )
        kind = "text" if pd.api.types.is_string_dtype(table[name]) else "number"
        rows.append((name, label_sv, label_en, kind, description))
    return pd.DataFrame(rows, columns=["name", "label_sv", "label_en", "type", "description"])


def _labels(table: pd.DataFrame, q: Any, lang: str) -> tuple[dict[str, str | None], dict[str, dict[int | float, str]]]:
    """Variable labels and value labels (numeric columns only) in ``lang``, for SPSS and Stata."""
    variables: dict[str, str | None] = {
        str(name): str(label) for name, label in variable_list(table, q).set_index("name")[f"label_{lang}"].items()
    }
    values: dict[str, dict[int | float, str]] = {
        name: dict(_YES_NO[lang]) for name in ("responded", "eligible", "observed")
    }
    for item in q.closed_items:
        values[item.id] = {int(option.code): option.label.get(lang, "") for option in item.choices.options}
    for dimension in q.dimensions:
        if f"positive_{dimension.id}" in table:
            values[f"positive_{dimension.id}"] = dict(_YES_NO[lang])
    return variables, values


def _numeric_answers(table: pd.DataFrame) -> pd.DataFrame:
    """Nullable integers as floats (missing as NaN), which SPSS and Stata store as system missing."""
    return table.astype({name: "float64" for name in table.columns if str(table[name].dtype) == "Int64"})


def write_respondent_files(
    results: RoundResults, responses: pd.DataFrame, q: Any, out_dir: str | Path, *, lang: str = "sv"
) -> list[Path]:
    """Write the person-level file as CSV, Parquet, SPSS and Stata, with the codebook beside them.

    Parameters
    ----------
    results, responses, q
        As for :func:`respondent_file`.
    out_dir : str or Path
        Created when missing.
    lang : {"sv", "en"}
        Language of the SPSS and Stata labels (the CSV list of variables has both).

    Returns
    -------
    list of Path
        ``respondents.csv``, ``.parquet``, ``.sav``, ``.dta``, ``respondents_variables.csv``, then
        ``codebook.csv`` and ``codebook.md`` (:func:`questionnaires.codebook.write_codebook`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = respondent_file(results, responses, q)
    variables, values = _labels(table, q, lang)
    labelled = _plain_text(_numeric_answers(table))
    written = [
        write_private_csv(table, out / "respondents.csv"),
        write_privately(out / "respondents.parquet", lambda path: table.to_parquet(path, index=False)),
        write_privately(
            out / "respondents.sav",
            lambda path: pyreadstat.write_sav(
                labelled,
                str(path),
                column_labels=variables,
                variable_value_labels=values,
            ),
        ),
        write_privately(
            out / "respondents.dta",
            lambda path: pyreadstat.write_dta(
                labelled,
                str(path),
                # Stata: variable labels of at most 80 characters
                column_labels={name: (label or "")[:80] for name, label in variables.items()},
                variable_value_labels=values,
            ),
        ),
        write_private_csv(variable_list(table, q), out / "respondents_variables.csv"),
    ]
    return written + write_codebook(q, out)


def _plain_text(table: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python strings, missing as empty text: what pyreadstat writes as a string variable."""
    text = [name for name in table.columns if pd.api.types.is_string_dtype(table[name])]
    return table.assign(**{name: table[name].astype(object).where(table[name].notna(), "") for name in text})
