"""The response tables: dispositions and rates per unit, and response by sex and age group.

Counted from each person's final disposition (:mod:`analysis.dispositions`) and masked by the
disclosure rules (:mod:`analysis.disclosure`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.cells import key_cells
from analysis.config import AnalysisConfig
from analysis.disclosure import mask_response_by_sex_age, mask_response_rates, round_rates
from analysis.dispositions import estimated_e_rates, rates_from_counts
from analysis.tables import DISPOSITIONS, LEVEL_KEYS, conform
from sampling.reference import regions

__all__ = ["INELIGIBLE", "response_by_sex_age_table", "response_rates_table", "stratum_disposition_counts"]

INELIGIBLE = ("screened_out", "deceased")
"""The dispositions known to be outside the target population (taken out of the weighting targets)."""


def stratum_disposition_counts(persons: pd.DataFrame) -> pd.DataFrame:
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


def response_rates_table(persons: pd.DataFrame, config: AnalysisConfig) -> pd.DataFrame:
    """``response_rates``: invited, dispositions and rates at every level of :data:`~analysis.tables.LEVEL_KEYS`, masked."""
    strata = stratum_disposition_counts(persons)
    counted = ["invited", *DISPOSITIONS]
    parts = []
    for level, keys in LEVEL_KEYS.items():
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


def response_by_sex_age_table(persons: pd.DataFrame, config: AnalysisConfig, rates: pd.DataFrame) -> pd.DataFrame:
    """``response_by_sex_age`` nationally, per pathway and per region, masked consistently with ``rates``
    (the published ``response_rates``)."""
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
