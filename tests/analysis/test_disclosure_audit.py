"""The disclosure audit: an attacker who reads every published table of a round together.

For each protected count (a count of 1-4 persons in a published count column: invited and the
dispositions of ``response_rates``, invited and complete of ``response_by_sex_age``, the n of item and
dimension results, the weighting cells' respondents, the web and paper counts of ``response_by_mode``) the attacker computes the range of values
consistent with everything published, by linear programming (``scipy.optimize.linprog``, HiGHS) over
the unknown counts of every stratum × sex × age group × disposition, of its complete respondents who
answered on paper, and of every stratum's respondents per item and dimension. What the attacker uses:

* every shown count of every table (sums of the unknowns over a unit, a sex × age cell, a weighting cell);
* every shown rate, within its rounding window (RR1, the adjusted rate, e and RR3, the sex × age
  response rate, the rates by mode), and the paper share of the complete respondents;
* the shares (respondent share, frame share) and frame populations, with the design weight of each
  stratum known (the sampling manifest gives N_h / n_h);
* the weighting cells' populations, respondents and factors where they are published
  (factor = invited / respondents of the cell when the design weight is constant in the stratum);
* n = p(1 - p) / se² from an unweighted share and its standard error where n is masked;
* the structure of the frame (which stratum × sex × age cells exist, from the weighting cells).

The protection stated (and in the method appendix): for every protected count, the published figures
are consistent with 0 or with 5 or more, i.e. nobody can conclude from them that the group holds
between 1 and 4 persons. The ranges are those of the LP relaxation (counts may be fractional): an
attacker who also uses integrality can sometimes narrow them further, which this audit does not model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from scipy.optimize import linprog

from analysis import AnalysisConfig, analyse_round
from analysis.disclosure import rate_steps
from analysis.rates import INELIGIBLE
from analysis.tables import DISPOSITIONS
from bench.bench_analysis import synthetic_frame
from questionnaires.simulate import simulate_responses
from sampling.reference import regions

SMALL, TOLERANCE = 5, 1e-6
RR1_BASE = ("complete", "partial", "refusal", "no_response", "undeliverable")
ELIGIBLE = ("complete", "partial", "refusal", "no_response")
HEALTHCARE = {code: region.healthcare_region for code, region in regions().items()}


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


@dataclass
class Attack:
    """The unknowns of one round, the linear constraints published figures put on them, the protected counts."""

    cells: pd.DataFrame  # frame cells: pathway, region, sex, age_group, design_weight
    outcomes: list[str]
    counted: tuple[str, ...]
    rows: list[dict[int, float]] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    protected: list[tuple[str, dict[int, float], int]] = field(default_factory=list)
    seen: set = field(default_factory=set)
    tags: list[str] = field(default_factory=list)
    tag: str = ""

    def __post_init__(self) -> None:
        self.strata = list(dict.fromkeys(zip(self.cells["pathway"], self.cells["region"], strict=True)))
        self.stratum_of = {stratum: index for index, stratum in enumerate(self.strata)}
        self.cell_stratum = np.array(
            [self.stratum_of[key] for key in zip(self.cells["pathway"], self.cells["region"], strict=True)]
        )
        self.size = len(self.cells) * (len(DISPOSITIONS) + 1) + len(self.strata) * len(self.outcomes)
        # A cell's paper respondents are some of its complete respondents.
        for cell in range(len(self.cells)):
            self.add({self.paper(cell): 1.0, self.x(cell, "complete"): -1.0}, -np.inf, 0.0)
        # An outcome's respondents in a stratum are at most the stratum's respondents.
        for stratum in range(len(self.strata)):
            for outcome in self.outcomes:
                terms = {self.y(stratum, outcome): 1.0}
                for cell in np.flatnonzero(self.cell_stratum == stratum):
                    for name in self.counted:
                        terms[self.x(cell, name)] = -1.0
                self.add(terms, -np.inf, 0.0)

    def x(self, cell: int, disposition: str) -> int:
        return cell * len(DISPOSITIONS) + DISPOSITIONS.index(disposition)

    def y(self, stratum: int, outcome: str) -> int:
        return len(self.cells) * (len(DISPOSITIONS) + 1) + stratum * len(self.outcomes) + self.outcomes.index(outcome)

    def paper(self, cell: int) -> int:
        """The cell's complete respondents who answered on paper."""
        return len(self.cells) * len(DISPOSITIONS) + cell

    def add(self, terms: dict[int, float], low: float, high: float) -> None:
        key = (frozenset(terms.items()), low, high)
        if key in self.seen:
            return  # the same count in another table or measure
        self.seen.add(key)
        self.tags.append(self.tag)
        self.rows.append(terms)
        self.low.append(low)
        self.high.append(high)

    def select(self, **keys: str | None) -> np.ndarray:
        """The frame cells of a unit: keys ``pathway``, ``region``, ``healthcare_region``, ``sex``, ``age_group``."""
        chosen = np.ones(len(self.cells), dtype=bool)
        for name, value in keys.items():
            if value is None:
                continue
            column = self.cells["region"].map(HEALTHCARE) if name == "healthcare_region" else self.cells[name]
            chosen &= (column == value).to_numpy()
        return np.flatnonzero(chosen)

    def count(self, cells: np.ndarray, dispositions: tuple[str, ...], weight: np.ndarray | None = None) -> dict:
        terms: dict[int, float] = {}
        for position, cell in enumerate(cells):
            for name in dispositions:
                terms[self.x(int(cell), name)] = 1.0 if weight is None else float(weight[position])
        return terms

    def outcome_count(self, cells: np.ndarray, outcome: str) -> dict[int, float]:
        return {self.y(int(stratum), outcome): 1.0 for stratum in np.unique(self.cell_stratum[cells])}

    def equal(self, terms: dict[int, float], value: float, relative: float = 1e-9) -> None:
        slack = relative * max(abs(value), 1.0)
        self.add(terms, value - slack, value + slack)

    def ratio(
        self, top: dict[int, float], bottom: dict[int, float], rate: float, step: float, *, share: bool = True
    ) -> None:
        """``top / bottom`` lies within the rounding window of ``rate`` (percent, step in points; a
        ``share`` is at most 100)."""
        half = step / 2 if step > 0 else 1e-7
        for bound, sign in ((min(rate + half, 100.0 if share else np.inf), 1.0), (max(rate - half, 0.0), -1.0)):
            terms = dict.fromkeys(set(top) | set(bottom), 0.0)
            for index, value in top.items():
                terms[index] += sign * value
            for index, value in bottom.items():
                terms[index] -= sign * bound / 100 * value
            self.add(terms, -np.inf, 0.0)

    def narrow(self, *, first: bool = False, only: str = "") -> list[tuple[str, int, float, float]]:
        """The protected counts (name, true value, lowest, highest) whose range consistent with every
        constraint is narrower than the protection; with ``first``, stop at the first one; ``only``: the
        counts whose name starts so (e.g. a table's name). A count published twice (a region of one
        pathway is its stratum) is solved once."""
        rows = [row for row, terms in enumerate(self.rows) for _ in terms]
        columns = [index for terms in self.rows for index in terms]
        values = [value for terms in self.rows for value in terms.values()]
        matrix = sparse.csr_matrix((values, (rows, columns)), shape=(len(self.rows), self.size))
        low, high = np.array(self.low), np.array(self.high)
        upper_rows, lower_rows = np.isfinite(high), np.isfinite(low)
        a_ub = sparse.vstack([matrix[upper_rows], -matrix[lower_rows]]).tocsr()
        b_ub = np.concatenate([high[upper_rows], -low[lower_rows]])
        found, solved = [], set()
        for name, terms, truth in self.protected:
            key = frozenset(terms.items())
            if key in solved or not name.startswith(only):
                continue
            solved.add(key)
            objective = np.zeros(self.size)
            for index, value in terms.items():
                objective[index] = value
            bounds = []
            for sign in (1.0, -1.0):
                result = linprog(sign * objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
                assert result.status == 0, f"{name}: the published figures are inconsistent ({result.message})"
                bounds.append(sign * result.fun)
                if sign == 1.0 and bounds[0] <= TOLERANCE:
                    break  # 0 is consistent: protected, no need for the upper end
            if len(bounds) == 2 and bounds[1] < SMALL - TOLERANCE:
                found.append((name, truth, bounds[0], bounds[1]))
                if first:
                    break
        return found


def _unit(row: pd.Series) -> dict[str, str | None]:
    level = row["level"]
    keys = {"pathway": _text(row.get("pathway")), "region": _text(row.get("region"))}
    if level == "healthcare_region":
        keys["healthcare_region"] = _text(row.get("healthcare_region"))
    return keys


def _unit_row(rates: pd.DataFrame, row: pd.Series) -> int:
    """The position of ``row``'s unit (level, pathway, region) among the rows of ``response_rates``."""
    same = rates["level"] == row["level"]
    for key in ("pathway", "region"):
        same &= rates[key].astype("string").fillna("") == (_text(row[key]) or "")
    return int(np.flatnonzero(same.to_numpy())[0])


def _invited(truth, row: pd.Series) -> float:
    """The invited of ``row``'s unit and age group (both sexes), as the sex × age table counts them."""
    cells = truth.response_by_sex_age
    same = (cells["level"] == row["level"]) & (cells["age_group"] == row["age_group"])
    for key in ("pathway", "region"):
        same &= cells[key].astype("string").fillna("") == (_text(row[key]) or "")
    return float(cells.loc[same.to_numpy(), "invited"].sum())


def _label(table: str, row: pd.Series, column: str) -> str:
    parts = [str(row.get(key)) for key in ("level", "pathway", "region", "healthcare_region", "sex", "age_group")]
    return f"{table}[{'/'.join(p for p in parts if p not in ('<NA>', 'None', 'nan'))}].{column}"


def audit(
    published: dict[str, pd.DataFrame], truth, config: AnalysisConfig, *, first: bool = False, only: str = ""
) -> list[tuple[str, int, float, float]]:
    """Every protected count whose range is narrower than the protection: (name, value, lowest, highest);
    ``truth`` is the same round analysed with masking off (the true counts). With ``first``, the first only."""
    persons = truth.persons
    cells = truth.weighting_cells[["pathway", "region", "sex", "age_group"]].astype(str).reset_index(drop=True)
    weights = persons.astype({"pathway": str, "region": str, "sex": str, "age_group": str})
    design = weights.groupby(["pathway", "region", "sex", "age_group"])["design_weight"].agg(["mean", "min", "max"])
    cells["design_weight"] = design.loc[pd.MultiIndex.from_frame(cells[["pathway", "region", "sex", "age_group"]])][
        "mean"
    ].to_numpy()
    constant = bool((design["max"] - design["min"] <= 1e-12 * design["max"]).all())
    outcomes = sorted(set(published["item_results"]["item_id"])) + sorted(
        set(published["dimension_results"]["dimension"])
    )
    counted = ("complete", "partial") if config.include_partial else ("complete",)
    attack = Attack(cells, outcomes, counted)

    masking = config.mask_counts_below > 1
    attack.tag = "response_rates"
    # response_rates: counts, RR1 and the adjusted rate per unit
    true_rates = truth.response_rates
    for (_, row), (_, true_row) in zip(published["response_rates"].iterrows(), true_rates.iterrows(), strict=True):
        members = attack.select(**_unit(row))
        step = row["rate_rounding"] if pd.notna(row["rate_rounding"]) else 0.0
        for column in ("invited", *DISPOSITIONS):
            terms = attack.count(members, DISPOSITIONS if column == "invited" else (column,))
            if pd.notna(row[column]):
                attack.equal(terms, float(row[column]))
            if 1 <= true_row[column] < SMALL:
                attack.protected.append((_label("response_rates", row, column), terms, int(true_row[column])))
        complete = attack.count(members, ("complete",))
        for rate, base in (("rr1", RR1_BASE), ("adjusted_rate", ELIGIBLE)):
            if pd.notna(row[rate]):
                attack.ratio(complete, attack.count(members, base), float(row[rate]), step)
        # e = eligible / known eligibility (shown, in whole percent, only where every count of the unit is)
        if pd.notna(row["eligibility_rate"]):
            known = attack.count(members, (*ELIGIBLE, *INELIGIBLE))
            attack.ratio(
                attack.count(members, ELIGIBLE), known, float(row["eligibility_rate"]), 1.0 if masking else 0.0
            )

    attack.tag = "response_by_sex_age"
    # response_by_sex_age: counts, frame populations and shares, cell rates, respondent shares
    table, true_table = published["response_by_sex_age"], truth.response_by_sex_age
    for (_, row), (_, true_row) in zip(table.iterrows(), true_table.iterrows(), strict=True):
        attack.tag = "response_by_sex_age"
        unit = {"pathway": _text(row["pathway"]), "region": _text(row["region"])}
        members = attack.select(**unit, sex=row["sex"], age_group=row["age_group"])
        group = attack.select(**unit)
        for column in ("invited", "complete"):
            terms = attack.count(members, DISPOSITIONS if column == "invited" else ("complete",))
            if pd.notna(row[column]):
                attack.equal(terms, float(row[column]))
            if 1 <= true_row[column] < SMALL:
                attack.protected.append((_label("response_by_sex_age", row, column), terms, int(true_row[column])))
        weight = cells["design_weight"].to_numpy()
        population = attack.count(members, DISPOSITIONS, weight[members])
        if pd.notna(row["frame_population"]):
            attack.equal(population, float(row["frame_population"]))
        if pd.notna(row["frame_share"]):
            group_population = attack.count(group, DISPOSITIONS, weight[group])
            attack.ratio(population, group_population, float(row["frame_share"]), 1.0 if masking else 0.0)
        if pd.notna(row["response_rate"]):
            attack.tag = "sex_age_rate"
            step = float(rate_steps(np.array([true_row["invited"]]))[0]) if masking else 0.0
            attack.ratio(
                attack.count(members, ("complete",)), attack.count(members, ELIGIBLE), row["response_rate"], step
            )
        if pd.notna(row["respondent_share"]):
            attack.tag = "sex_age_share"
            share = float(row["respondent_share"])
            attack.ratio(attack.count(members, ("complete",)), attack.count(group, ("complete",)), share, 0.0)

    attack.tag = "response_by_mode"
    # response_by_mode: complete, web and paper counts per unit and age group, their rates, the paper share
    table, true_table = published["response_by_mode"], truth.response_by_mode
    for (_, row), (_, true_row) in zip(table.iterrows(), true_table.iterrows(), strict=True):
        unit = {"pathway": _text(row["pathway"]), "region": _text(row["region"])}
        members = attack.select(**unit, age_group=_text(row["age_group"]))
        complete = attack.count(members, ("complete",))
        paper = {attack.paper(int(cell)): 1.0 for cell in members}
        web = {**complete, **{index: -1.0 for index in paper}}
        eligible = attack.count(members, ELIGIBLE)
        if pd.isna(row["age_group"]):
            # as response_rates rounds the unit's rates (its published rate_rounding; where that table is
            # replaced by one without it, the step of rate_steps by its invited where a count is masked)
            unit_rates = published["response_rates"].iloc[_unit_row(published["response_rates"], row)]
            any_masked = unit_rates[list(DISPOSITIONS)].isna().any()
            by_invited = float(rate_steps(np.array([float(unit_rates["invited"])]))[0])
            fallback = by_invited if any_masked else 1.0
            published_step = unit_rates["rate_rounding"]
            step = (float(published_step) if pd.notna(published_step) else fallback) if masking else 0.0
        else:
            step = float(rate_steps(np.array([_invited(truth, row)]))[0]) if masking else 0.0
        for column, terms in (("complete", complete), ("complete_web", web), ("complete_paper", paper)):
            if pd.notna(row[column]):
                attack.equal(terms, float(row[column]))
            if 1 <= true_row[column] < SMALL:
                attack.protected.append((_label("response_by_mode", row, column), terms, int(true_row[column])))
        for column, terms in (("response_rate", complete), ("response_rate_web", web), ("response_rate_paper", paper)):
            if pd.notna(row[column]):
                attack.ratio(terms, eligible, float(row[column]), step)
        if pd.notna(row["paper_share"]):
            attack.ratio(paper, complete, float(row["paper_share"]), 0.0)

    attack.tag = "results"
    # item and dimension results: n per unit and outcome; n from an unweighted share and its SE
    for name, key in (("item_results", "item_id"), ("dimension_results", "dimension")):
        table, true_table = published[name], getattr(truth, name)
        seen: set[tuple] = set()
        for (_, row), (_, true_row) in zip(table.iterrows(), true_table.iterrows(), strict=True):
            members = attack.select(**_unit(row))
            terms = attack.outcome_count(members, row[key])
            identity = (row["level"], _text(row["pathway"]), _text(row["region"]), _text(row["healthcare_region"]))
            if pd.notna(row["n"]):
                attack.equal(terms, float(row["n"]))
            elif (
                row["weighting"] == "unweighted"
                and row["measure"] == "share_positive"
                and pd.notna(row["se"])
                and 0 < row["estimate"] < 100
                and row["se"] > 0
            ):
                p = row["estimate"] / 100
                n = p * (1 - p) / (row["se"] / 100) ** 2
                attack.add(terms, n - 0.5, n + 0.5)
            if 1 <= true_row["n"] < SMALL and (identity, row[key]) not in seen:
                seen.add((identity, row[key]))
                attack.protected.append((f"{_label(name, row, 'n')}[{row[key]}]", terms, int(true_row["n"])))

    attack.tag = "adjusted"
    # adjusted results: a unit's n is its stratum's n of the outcome
    for _, row in published["adjusted_results"].iterrows():
        if pd.notna(row["n"]):
            outcome = row["item_id"] if pd.notna(row["item_id"]) else row["dimension"]
            members = attack.select(pathway=row["pathway"], region=row["region"])
            attack.equal(attack.outcome_count(members, outcome), float(row["n"]))

    attack.tag = "weighting_cells"
    # weighting cells: populations, respondents and factors where published
    wcells, true_cells = (
        published["weighting_cells"].reset_index(drop=True),
        truth.weighting_cells.reset_index(drop=True),
    )
    weight = cells["design_weight"].to_numpy()
    eligible = tuple(d for d in DISPOSITIONS if d not in INELIGIBLE)  # the targets leave the known ineligible out
    for index, row in wcells.iterrows():
        if pd.notna(row["frame_population"]):
            attack.equal(attack.count(np.array([index]), eligible, weight[[index]]), row["frame_population"])
    for _, members in wcells.groupby(["pathway", "region", "weighting_cell"]).groups.items():
        members = np.asarray(members)
        head = wcells.loc[members[0]]
        respondents = attack.count(members, counted)
        if pd.notna(head["cell_respondents"]):
            attack.equal(respondents, float(head["cell_respondents"]))
        if pd.notna(head["cell_population"]):
            attack.equal(attack.count(members, DISPOSITIONS, weight[members]), head["cell_population"])
        if pd.notna(head["adjustment_factor"]) and constant:
            invited = attack.count(members, DISPOSITIONS)
            attack.ratio(invited, respondents, 100 * float(head["adjustment_factor"]), 0.0, share=False)
        true_count = int(true_cells.loc[members[0], "cell_respondents"])
        if 1 <= true_count < SMALL:
            attack.protected.append(
                (
                    f"weighting_cells[{head['pathway']}/{head['region']}/{head['weighting_cell']}]",
                    respondents,
                    true_count,
                )
            )

    return attack.narrow(first=first, only=only)


# --- rounds -------------------------------------------------------------------------------------------------


def _round(q, invited, pathways, region_codes, seed, keep=None):
    frame = synthetic_frame(invited, seed=seed, pathways=pathways, region_codes=region_codes)
    if keep is not None:
        frame = keep(frame).reset_index(drop=True)
        frame["respondent_id"] = [f"R{i:010d}" for i in range(len(frame))]
        sizes = frame.groupby(["pathway", "region"])["respondent_id"].transform("size")
        frame["stratum_sample"] = sizes
        frame["design_weight"] = frame["stratum_population"] / sizes
    responses = simulate_responses(frame, q, seed=seed)
    # Some respondents answered on paper, more of the old (the mode table then has small counts too).
    generator = np.random.default_rng(seed)
    old = responses["age_group"].isin(["65-79", "80+"]).to_numpy()
    on_paper = generator.random(len(responses)) < np.where(old, 0.35, 0.08)
    started = (responses["status"] != "not_started").to_numpy()
    responses["mode"] = pd.array(np.where(started, np.where(on_paper, "paper", "web"), None), dtype="string")
    return responses


def _one_pathway_in_skane(frame):
    """Region 12 (Skåne, alone in Södra) with one pathway; Västra Götaland alone in Västra."""
    return frame[~((frame["region"] == "12") & (frame["pathway"] == "ibd-vuxna"))]


def _tiny_stratum(frame):
    """One stratum of eight invited: its complete count is 1-4, its rates still shown."""
    tiny = (frame["region"] == "25") & (frame["pathway"] == "kol")
    return frame[~tiny | (tiny.cumsum() <= 8)]


ROUNDS = {
    "one-region-healthcare-regions": (
        900,
        ("kol", "ibd-vuxna"),
        ("01", "12", "14", "25"),
        5,
        _one_pathway_in_skane,
        {"min_respondents_shown": 10, "comparisons": ("regions_within_pathway", "pathways_within_region")},
    ),
    # Adjusted figures standardised to the weighted case mix: still published, still audited.
    "population-target": (
        900,
        ("kol", "ibd-vuxna"),
        ("01", "12", "14", "25"),
        5,
        _one_pathway_in_skane,
        {
            "min_respondents_shown": 10,
            "comparisons": ("regions_within_pathway", "pathways_within_region"),
            "standardise_to": "population",
        },
    ),
    "tiny-stratum": (600, ("kol", "ibd-vuxna"), ("03", "04", "25"), 6, _tiny_stratum, {"min_respondents_shown": 10}),
    "single-stratum": (300, ("kol",), ("12",), 3, None, {}),
    "many-regions": (
        800,
        ("reumatoid-artrit",),
        tuple(regions()),
        8,
        None,
        {"min_respondents_shown": 10, "include_partial": True},
    ),
}


def _raked(name: str, **settings: object) -> tuple:
    """Round ``name`` with raked weights: the weighting cells are then the raking cells, and the margins
    are published too; audited alike."""
    *round_, base = ROUNDS[name]
    return (*round_, {**base, "calibration": "raking", **settings})


ROUNDS |= {
    "raked": _raked("one-region-healthcare-regions"),
    "raked-tiny-stratum": _raked("tiny-stratum", raking_trim=3.0),
}


@pytest.fixture(scope="module", params=list(ROUNDS))
def audited(request, q):
    invited, pathways, region_codes, seed, keep, settings = ROUNDS[request.param]
    responses = _round(q, invited, pathways, region_codes, seed, keep)
    config = AnalysisConfig(**settings)
    published = analyse_round(responses, q, config=config)
    truth = analyse_round(responses, q, config=AnalysisConfig(**{**settings, "mask_counts_below": 0}))
    return request.param, published, truth, config


def test_no_protected_count_can_be_narrowed_from_everything_published(audited):
    name, published, truth, config = audited
    failures = audit(published.tables(), truth, config)
    assert not failures, f"{name}: " + "; ".join(f"{n} = {v} in [{lo:.2f}, {hi:.2f}]" for n, v, lo, hi in failures[:10])


def test_every_unit_shows_both_rates(audited):
    _, published, _, _ = audited
    rates = published.response_rates
    assert rates.loc[rates["invited"] > 0, ["rr1", "adjusted_rate"]].notna().all().all()
    assert (rates["rate_rounding"] >= 1).all()


def test_the_audit_finds_what_the_old_publication_gave_away(audited):
    """The attacker model is not blind: publishing the weighting cells' frame populations (population ÷
    design weight = invited), rates at full precision, or the mode table unmasked gives protected counts
    back, and the audit says so."""
    name, published, truth, config = audited
    if name != "one-region-healthcare-regions":
        pytest.skip("shown on one round (CI time)")
    tables = published.tables()
    populations = tables["weighting_cells"].assign(frame_population=published.weighting_cells["frame_population"])
    with_cells = {**tables, "weighting_cells": populations}
    exact_rates = published.response_rates.assign(
        rr1=truth.response_rates["rr1"], adjusted_rate=truth.response_rates["adjusted_rate"], rate_rounding=np.nan
    )
    assert audit(with_cells, truth, config, first=True, only="response_by_sex_age")
    assert audit({**tables, "response_rates": exact_rates}, truth, config, first=True, only="response_rates")
    unmasked_modes = truth.response_by_mode  # web and paper counts of 1-4 shown
    assert audit({**tables, "response_by_mode": unmasked_modes}, truth, config, first=True, only="response_by_mode")
