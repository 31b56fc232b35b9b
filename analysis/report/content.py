"""Choose what a comparison PDF shows from a round's :class:`~analysis.results.RoundResults`.

Three scopes:

``pathway``
    One pathway, its regions compared with each other: each region's
    case-mix adjusted result against the pathway's national value
    (``adjusted_results`` with ``comparison == "regions_within_pathway"``).
``region``
    One region, its pathways: for each pathway the region's adjusted result
    against *that pathway's* national value (the same comparison rows,
    filtered to the region), so a region is never held against patients of
    other pathways.
``national``
    Every pathway nationally (weighted results, no band).

Response rates: per unit with the scope's total; per healthcare region
(the analysis's own rows nationally, the pathway's strata summed in a
pathway report); per region over all pathways in the national overview.

Items and the response tables use the weighted results where the analysis
gives them (unweighted otherwise); scores from fewer respondents than the
publication minimum keep their reason and are never drawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from analysis.adjustment import CASEMIX_ROLES
from analysis.dispositions import rates_from_counts
from analysis.report.labels import LANGUAGES, has_label, label
from analysis.report.model import (
    ComparisonRow,
    DimensionContent,
    Estimate,
    FlowRow,
    ItemContent,
    MethodFacts,
    ReportContent,
    ReportKind,
    RespondentProfileRow,
    ResponseRow,
)
from analysis.report.modes import mode_rows
from analysis.report.steps import recorded_labels, rules_for_report, step_label
from analysis.tables import DISPOSITIONS
from contracts.errors import UserError
from contracts.messages import Message
from contracts.rules import PathwayRule
from sampling.reference import pathways as reference_pathways
from sampling.reference import regions as reference_regions

if TYPE_CHECKING:
    from analysis.results import RoundResults
    from questionnaires.model import Questionnaire

__all__ = ["CARE_PLAN_ITEM", "ReportError", "build_content", "check_scope"]

CARE_PLAN_ITEM = "care_plan"
"""The item singled out on its own page (the pilot round's improvement area)."""


class ReportError(UserError, ValueError):
    """A report that cannot be made as asked (unknown pathway or region, no data)."""


def _is(column: pd.Series, value: str | None) -> pd.Series:
    """Rows where a key column equals ``value``, or is empty when ``value`` is None."""
    return column.isna() if value is None else (column == value).fillna(False).astype(bool)


def _pick(table: pd.DataFrame, **keys: str | None) -> pd.DataFrame:
    """The rows of a long result table matching every key (None = empty key)."""
    mask = pd.Series(True, index=table.index)
    for name, value in keys.items():
        mask &= _is(table[name], value)
    return table[mask]


def _optional(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _count(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _estimate(row: pd.Series | dict[str, Any]) -> Estimate:
    """An :class:`Estimate` from one result row (results, adjusted results)."""
    reason = row.get("suppression_reason")
    suppressed = bool(row.get("suppressed")) if not pd.isna(row.get("suppressed")) else False
    band = row.get("band")
    return Estimate(
        value=_optional(row["estimate"]),
        ci_low=_optional(row["lower"]),
        ci_high=_optional(row["upper"]),
        respondents=_count(row["n"]) or 0,
        band=None if band is None or pd.isna(band) or band == "" else str(band),
        suppressed=(
            str(reason) if reason is not None and not pd.isna(reason) and reason != "" else "too_few_respondents"
        )
        if suppressed or pd.isna(row["estimate"])
        else None,
    )


class _Scope:
    """The report's units and how to find each unit's rows in the result tables."""

    def __init__(
        self, results: RoundResults, kind: str, pathway: str | None, regions: Sequence[str], lang: str
    ) -> None:
        self.results, self.kind, self.pathway, self.lang = results, kind, pathway, lang
        self.region = regions[0] if kind == "region" else None
        self.region_filter = tuple(regions) if kind == "pathway" else ()
        rates = results.response_rates
        pathway_region = rates[_is(rates["level"], "pathway_region")]
        if kind == "pathway":
            present = set(pathway_region.loc[_is(pathway_region["pathway"], pathway), "region"].dropna())
            wanted = self.region_filter or tuple(reference_regions())
            self.units = [(code, reference_regions()[code].name) for code in wanted if code in present]
        elif kind == "region":
            present = set(pathway_region.loc[_is(pathway_region["region"], self.region), "pathway"].dropna())
            self.units = [(slug, self.pathway_name(slug)) for slug in reference_pathways() if slug in present]
        else:
            present = set(rates.loc[_is(rates["level"], "pathway"), "pathway"].dropna())
            self.units = [(slug, self.pathway_name(slug)) for slug in reference_pathways() if slug in present]

    def pathway_name(self, slug: str) -> str:
        known = reference_pathways().get(slug)
        if known is None:
            return slug
        return known.name_sv if self.lang == "sv" else known.name_en

    def unit_keys(self, unit: str) -> dict[str, str | None]:
        """Keys of one unit's rows in the item and dimension result tables."""
        if self.kind == "pathway":
            return {"level": "pathway_region", "pathway": self.pathway, "region": unit}
        if self.kind == "region":
            return {"level": "pathway_region", "pathway": unit, "region": self.region}
        return {"level": "pathway", "pathway": unit, "region": None}

    def national_keys(self) -> dict[str, str | None]:
        """Keys of the value every unit is held against in the item and dimension tables."""
        if self.kind == "pathway":
            return {"level": "pathway", "pathway": self.pathway, "region": None}
        return {"level": "national", "pathway": None, "region": None}

    def adjusted_keys(self, unit: str) -> dict[str, str | None] | None:
        """Keys of one unit's case-mix adjusted row, or None when there is no comparison."""
        if self.kind == "pathway":
            return {"comparison": "regions_within_pathway", "pathway": self.pathway, "region": unit}
        if self.kind == "region":
            return {"comparison": "regions_within_pathway", "pathway": unit, "region": self.region}
        return None


def _weighted(table: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The rows of one measure, weighted where the analysis gives weighted results."""
    rows = table[_is(table["measure"], measure)]
    weighted = rows[_is(rows["weighting"], "weighted")]
    return weighted if len(weighted) else rows[_is(rows["weighting"], "unweighted")]


class _Index:
    """One result table keyed by some of its columns, for constant-time look-ups.

    A report looks up a few thousand single rows; filtering the DataFrame
    for each would cost seconds.
    """

    def __init__(self, table: pd.DataFrame, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)
        self.rows: dict[tuple[object, ...], dict[str, Any]] = {}
        for record in table.to_dict("records"):
            self.rows.setdefault(tuple(_key(record[c]) for c in self.columns), record)

    def get(self, **keys: str | None) -> dict[str, Any] | None:
        """The first row whose key columns equal ``keys`` (a missing key matches an empty column)."""
        return self.rows.get(tuple(_key(keys.get(c)) for c in self.columns))


def _key(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


_OBSERVED_KEYS = ("level", "pathway", "region", "dimension", "item_id")
_ADJUSTED_KEYS = ("comparison", "pathway", "region", "measure", "dimension", "item_id")
_LIMIT_COLUMNS = ("expected_lower", "expected_lower_95", "expected_upper_95", "expected_upper")
"""The adjusted results' funnel limits, in the order of :attr:`ComparisonRow.limits`."""


def _comparison_rows(
    scope: _Scope, observed: _Index, adjusted: _Index, national: Estimate | None, **target: str | None
) -> tuple[ComparisonRow, ...]:
    """Each unit's adjusted result (observed when there is no adjusted row) and its reference value.

    ``target`` names the dimension or item (and, for adjusted rows, the measure).
    """
    rows = []
    observed_target = {k: v for k, v in target.items() if k != "measure"}
    estimate: Estimate | None
    for unit, unit_label in scope.units:
        keys = scope.adjusted_keys(unit)
        found = adjusted.get(**keys, **target) if keys is not None else None
        limits: tuple[float, float, float, float] | None = None
        separation: tuple[str, ...] = ()
        if found is not None:
            estimate, reference = _estimate(found), _optional(found["reference"])
            bounds = [_optional(found.get(name)) for name in _LIMIT_COLUMNS]
            if estimate.shown and all(bound is not None for bound in bounds):
                limits = cast(tuple[float, float, float, float], tuple(bounds))
            note = found.get("separation")
            separation = () if note is None or pd.isna(note) or note == "" else tuple(str(note).split("; "))
        else:
            record = observed.get(**scope.unit_keys(unit), **observed_target)
            estimate = _estimate(record) if record is not None else None
            reference = national.value if national is not None else None
        if estimate is not None:
            rows.append(ComparisonRow(unit, unit_label, estimate, reference, limits, separation))
    return tuple(rows)


def _national(scope: _Scope, observed: _Index, rows: Sequence[ComparisonRow], **target: str | None) -> Estimate:
    """The national value; for a pathway report the comparison's own reference, so line and bands agree."""
    record = observed.get(**scope.national_keys(), **target)
    found = _estimate(record) if record is not None else Estimate(None, suppressed="no_respondents")
    references = {row.reference for row in rows if row.reference is not None}
    if scope.kind == "pathway" and len(references) == 1 and found.shown:
        return Estimate(references.pop(), found.ci_low, found.ci_high, found.respondents)
    return found


def _dimensions(scope: _Scope, q: Questionnaire) -> tuple[DimensionContent, ...]:
    results = scope.results
    dimension_table = _weighted(results.dimension_results, "mean_score")
    item_table = _weighted(results.item_results, "share_positive")
    observed_dimensions = _Index(dimension_table.assign(item_id=pd.NA), _OBSERVED_KEYS)
    observed_items = _Index(item_table.assign(dimension=pd.NA), _OBSERVED_KEYS)
    adjusted = _Index(
        results.adjusted_results.assign(
            dimension=results.adjusted_results["dimension"].where(results.adjusted_results["item_id"].isna())
        ),
        _ADJUSTED_KEYS,
    )
    dimensions = []
    for dim in q.dimensions:
        national = observed_dimensions.get(**scope.national_keys(), dimension=dim.id)
        rows = _comparison_rows(
            scope,
            observed_dimensions,
            adjusted,
            _estimate(national) if national else None,
            dimension=dim.id,
            measure="mean_score",
        )
        items = []
        for item in (item for item in q.scored_items if item.dimension == dim.id):
            national_item = observed_items.get(**scope.national_keys(), item_id=item.id)
            item_rows = _comparison_rows(
                scope,
                observed_items,
                adjusted,
                _estimate(national_item) if national_item else None,
                item_id=item.id,
                measure="share_positive",
            )
            items.append(
                ItemContent(
                    item.id,
                    item.text[scope.lang],
                    _national(scope, observed_items, item_rows, item_id=item.id),
                    item_rows,
                )
            )
        dimensions.append(
            DimensionContent(
                dim.id,
                dim.label[scope.lang],
                _national(scope, observed_dimensions, rows, dimension=dim.id),
                rows,
                tuple(items),
            )
        )
    return tuple(dimensions)


def _response_row(row: pd.Series, unit: str, unit_label: str) -> ResponseRow:
    rounding = _optional(row.get("rate_rounding"))
    return ResponseRow(
        unit,
        unit_label,
        _count(row["invited"]) or 0,
        {code: _count(row[code]) for code in DISPOSITIONS},
        _optional(row["rr1"]),
        _optional(row["adjusted_rate"]),
        rounding if rounding is not None else 1.0,
    )


def _response(scope: _Scope) -> tuple[tuple[ResponseRow, ...], ResponseRow, float | None]:
    """Each unit's fieldwork outcome, the table's total row, and the national adjusted rate for the summary.

    The total row is the whole pathway nationally in a pathway report (also
    when only some regions are shown: their own sum could not honour the
    masked counts), the region over its pathways in a region report.
    """
    rates = scope.results.response_rates
    rows = []
    for unit, unit_label in scope.units:
        found = _pick(rates, **scope.unit_keys(unit))
        if len(found):
            rows.append(_response_row(found.iloc[0], unit, unit_label))
    national = _pick(rates, **scope.national_keys())
    national_rate = _optional(national.iloc[0]["adjusted_rate"]) if len(national) else None
    if scope.kind == "region":
        total = _pick(rates, level="region", region=scope.region, pathway=None)
        return tuple(rows), _response_row(total.iloc[0], "", label("total", scope.lang)), national_rate
    return tuple(rows), _response_row(national.iloc[0], "", label("summary.national", scope.lang)), national_rate


def _healthcare_region_order() -> list[str]:
    """The six healthcare regions (sjukvårdsregioner) in the order of their first region code."""
    return list(dict.fromkeys(region.healthcare_region for region in reference_regions().values()))


def _pooled_rate(members: pd.DataFrame, column: str) -> float | None:
    """A rate over several strata from their complete counts and published (rounded) rates.

    Each stratum's denominator is about ``complete / rate``; summing them gives the pooled
    denominator without the masked disposition counts, and reveals nothing the strata's own
    rates do not. Approximate (the rates are rounded), so shown with ``≈``. A stratum with its
    complete count masked, or a rate of 0, leaves the pooled rate unknown.
    """
    complete, rate = members["complete"].astype("Float64"), members[column].astype("Float64")
    if complete.isna().any() or rate.isna().any() or (rate <= 0).any():
        return None
    return float(100 * complete.sum() / (100 * complete / rate).sum())


def _pooled_row(members: pd.DataFrame, unit: str, unit_label: str) -> ResponseRow:
    """One response row summed over strata; a disposition masked in any stratum stays masked. The rates
    from the summed counts (whole percent) when every count is shown, else pooled from the strata's
    rates (approximate, marked as coarsely rounded)."""
    counts = {code: None if members[code].isna().any() else int(members[code].sum()) for code in DISPOSITIONS}
    if all(value is not None for value in counts.values()):
        summed = pd.DataFrame([{"invited": int(members["invited"].sum()), **counts}])
        rates = rates_from_counts(summed).iloc[0]
        rr1, adjusted = _optional(rates["rr1"]), _optional(rates["adjusted_rate"])
        rounding = 1.0
    else:
        rr1, adjusted = _pooled_rate(members, "rr1"), _pooled_rate(members, "adjusted_rate")
        rounding = max(float(members["rate_rounding"].max()) if "rate_rounding" in members else 1.0, 2.0)
    rr1, adjusted = (None if rate is None else float(round(rate)) for rate in (rr1, adjusted))
    return ResponseRow(unit, unit_label, int(members["invited"].sum()), counts, rr1, adjusted, rounding)


def _healthcare_regions(scope: _Scope) -> tuple[ResponseRow, ...]:
    """Fieldwork outcome per healthcare region: the analysis's own rows nationally, the pathway's strata summed
    per healthcare region in a pathway report (all its regions, like the total row), none in a region report."""
    rates = scope.results.response_rates
    if scope.kind == "national":
        found = _pick(rates, level="healthcare_region", pathway=None, region=None)
        by_name = {str(row["healthcare_region"]): row for _, row in found.iterrows()}
        return tuple(_response_row(by_name[name], name, name) for name in _healthcare_region_order() if name in by_name)
    if scope.kind != "pathway":
        return ()
    strata = _pick(rates, level="pathway_region", pathway=scope.pathway)
    healthcare_region = strata["region"].map({code: r.healthcare_region for code, r in reference_regions().items()})
    return tuple(
        _pooled_row(strata[healthcare_region == name], name, name)
        for name in _healthcare_region_order()
        if (healthcare_region == name).any()
    )


def _regions_nationally(scope: _Scope) -> tuple[ResponseRow, ...]:
    """Fieldwork outcome per region over all pathways (the analysis's ``region`` rows); national overview only."""
    if scope.kind != "national":
        return ()
    found = _pick(scope.results.response_rates, level="region", pathway=None)
    by_code = {str(row["region"]): row for _, row in found.iterrows()}
    return tuple(
        _response_row(by_code[code], code, region.name)
        for code, region in reference_regions().items()
        if code in by_code
    )


def _profile(scope: _Scope) -> tuple[RespondentProfileRow, ...]:
    table = scope.results.response_by_sex_age
    keys_by_kind: dict[str, dict[str, str | None]] = {
        "pathway": {"level": "pathway", "pathway": scope.pathway, "region": None},
        "region": {"level": "region", "region": scope.region, "pathway": None},
        "national": {"level": "national"},
    }
    keys = keys_by_kind[scope.kind]
    rows = _pick(table, **keys).dropna(subset=["sex", "age_group"])
    return tuple(
        RespondentProfileRow(
            str(row.sex),
            str(row.age_group),
            _count(row.invited),
            _count(row.complete),
            _optional(row.response_rate),
            _optional(row.frame_share),
            _optional(row.respondent_share),
        )
        for row in rows.sort_values(["sex", "age_group"], ascending=[True, True]).itertuples()
    )


def _flow(
    flow: pd.DataFrame | None,
    scope: _Scope,
    rules: dict[str, PathwayRule],
    recorded: dict[tuple[str, str], dict[str, str]],
) -> tuple[FlowRow, ...]:
    """The sampling flow summed over the report's regions, per pathway, steps in file order and in words."""
    if flow is None or flow.empty:
        return ()
    flow = flow.astype({"region": "string", "pathway": "string"})
    if scope.kind == "pathway":
        flow = flow[flow["pathway"] == scope.pathway]
        if scope.region_filter:
            flow = flow[flow["region"].str.zfill(2).isin(scope.region_filter)]
    elif scope.kind == "region":
        flow = flow[flow["region"].str.zfill(2) == scope.region]
    # Published rounded (FLOW_ROUNDING), per pathway and region before any sum: an exact "removed 1" of a step
    # such as protected identity is a count of 1-4 persons, and exact remainders would give it back by
    # subtraction. A sum over regions of the rounded counts tells nothing the region reports do not.
    flow = flow.assign(remaining=_round_to(flow["remaining"], FLOW_ROUNDING))
    before = flow.groupby(["pathway", "region"], sort=False)["remaining"].shift(1)
    flow = flow.assign(removed=(before - flow["remaining"]).fillna(0).astype("int64"))
    summed = flow.groupby(["pathway", "step"], sort=False)[["remaining", "removed"]].sum().reset_index()
    return tuple(
        FlowRow(
            str(r.pathway),
            str(r.step),
            int(r.remaining),
            int(r.removed),
            step_label(str(r.step), scope.lang, rules.get(str(r.pathway)), recorded.get((str(r.pathway), str(r.step)))),
        )
        for r in summed.itertuples()
    )


#: The sampling flow's counts of each pathway and region are published rounded to the nearest multiple of
#: this, the removed counts being the differences of the rounded remainders: a removed count of 1-4 then
#: reads as 0 or 5 and stays consistent with 0 or with 5 or more, even with the exact final population
#: known (tests/analysis/test_flow_disclosure.py).
FLOW_ROUNDING = 5


def _round_to(counts: pd.Series, base: int) -> pd.Series:
    """Whole-number ``counts`` to the nearest multiple of ``base`` (an odd base: there are no ties)."""
    return ((counts.astype("int64") + base // 2) // base * base).astype("int64")


def _file_text(entry: object) -> str:
    """A manifest file entry as ``name (sha256 abcdef012345…)``."""
    if isinstance(entry, dict) and "sha256" in entry:
        return f"{entry.get('file', '')} (sha256 {str(entry['sha256'])[:12]}…)".strip()
    return str(entry)


def _fact_name(key: str, lang: str) -> str:
    """A manifest key in the report's language (``seed`` → ``slumpfrö``); unknown keys as they are."""
    return label(f"manifest.{key}", lang) if has_label(f"manifest.{key}") else key


def _manifest_facts(manifest: dict[str, object], pathways: Sequence[str], lang: str) -> tuple[tuple[str, str], ...]:
    """The sampling manifest as short ``(key, text)`` lines for the appendix.

    Seed, dates and settings as they are; software versions and input files
    on one line each (files with the start of their sha256); the rule files
    of the report's pathways only; the per-stratum sizes are left to the flow
    table.
    """
    facts: list[tuple[str, str]] = []
    for key, value in manifest.items():
        if key == "strata" or value is None:
            continue
        if key == "rules" and isinstance(value, list):
            facts += [
                (
                    f"{_fact_name(key, lang)} / {rule.get('pathway')}",
                    f"{rule.get('version', '')} {_file_text(rule)}".strip(),
                )
                for rule in value
                if isinstance(rule, dict) and rule.get("pathway") in pathways
            ]
        elif isinstance(value, dict):
            for name, detail in value.items():
                if detail is None or detail == []:
                    continue
                entries = detail if isinstance(detail, list) else [detail]
                facts.append(
                    (
                        f"{_fact_name(key, lang)} / {_fact_name(name, lang)}",
                        ", ".join(_file_text(entry) for entry in entries),
                    )
                )
        elif isinstance(value, list):
            facts.append((_fact_name(key, lang), ", ".join(_file_text(entry) for entry in value) or "–"))
        else:
            facts.append((_fact_name(key, lang), str(value)))
    return tuple(facts)


def _casemix_variables(q: Questionnaire) -> tuple[str, ...]:
    """The case-mix variables the analysis adjusts for: frame age group and sex, and the questionnaire's
    background items with a case-mix role (the same choice as :func:`analysis.analyse_round`)."""
    roles = [item.role for item in getattr(q, "background_items", ()) if item.role in CASEMIX_ROLES]
    return ("age_group", "sex", *roles)


def _trimmed(results: RoundResults) -> int:
    """The round's respondents with a trimmed weight (each counted once, under the sex margin)."""
    margins = getattr(results, "raking_margins", None)
    if margins is None or margins.empty:
        return 0
    return int(margins.loc[margins["margin"] == "sex", "trimmed"].sum())


def _method(
    results: RoundResults, q: Questionnaire, manifest: dict[str, object] | None, pathways: Sequence[str], lang: str
) -> MethodFacts:
    config = results.config
    ci_methods = tuple(
        sorted(
            {
                str(m)
                for table in (results.dimension_results, results.item_results, results.adjusted_results)
                for m in table["ci_method"].dropna().unique()
            }
        )
    )
    return MethodFacts(
        min_respondents=config.min_respondents_shown,
        mask_counts_below=config.mask_counts_below,
        min_cell_count=config.min_cell_respondents,
        confidence_level=config.confidence,
        complete_share=config.complete_share,
        include_partial=config.include_partial,
        ci_methods=ci_methods,
        weighted=bool((results.dimension_results["weighting"] == "weighted").any()),
        dimension_weights=config.dimension_weights,
        casemix_variables=_casemix_variables(q) + (("mode",) if getattr(config, "casemix_mode", False) else ()),
        casemix_mode=bool(getattr(config, "casemix_mode", False)),
        comparisons=tuple(getattr(config, "comparisons", ("regions_within_pathway",))),
        standardise_to=str(getattr(config, "standardise_to", "respondents")),
        calibration=str(getattr(config, "calibration", "poststratification")),
        raking_trim=getattr(config, "raking_trim", None),
        trimmed=_trimmed(results),
        manifest=_manifest_facts(manifest or {}, pathways, lang),
    )


def check_scope(
    kind: str,
    *,
    pathway: str | None = None,
    regions: Sequence[str] = (),
    lang: str = "sv",
    round_name: str = "",
    invited: pd.DataFrame | None = None,
) -> None:
    """Refuse a report that cannot be made, before any work is done.

    Parameters
    ----------
    kind, pathway, regions, lang
        As for :func:`build_content`.
    round_name
        Named in the messages.
    invited
        Rows with ``pathway`` and ``region`` columns for everyone invited
        (the responses export, or the pathway × region response rates); when
        given, the pathway or region must have invited persons in the round.

    Raises
    ------
    ReportError
        With a message naming what was asked and what the round has.
    """
    if lang not in LANGUAGES:
        raise ReportError(
            Message(
                "unknown report language %(lang)s; choose one of %(known)s", lang=repr(lang), known=", ".join(LANGUAGES)
            )
        )
    unknown = [code for code in regions if code not in reference_regions()]
    if unknown:
        raise ReportError(
            Message(
                "unknown region code(s) %(codes)s; region codes are two digits, e.g. 01, 14", codes=", ".join(unknown)
            )
        )
    if kind not in ("pathway", "region", "national"):
        raise ReportError(Message("unknown report kind %(kind)s", kind=repr(kind)))
    if kind == "region" and len(regions) != 1:
        raise ReportError(Message("a region report compares the pathways of exactly one region; give one --region"))
    present = sorted(set(invited["pathway"].dropna())) if invited is not None else []
    if kind == "pathway" and pathway not in reference_pathways():
        where = (
            Message("round %(round)s has: %(present)s", round=repr(round_name), present=", ".join(present))
            if invited is not None
            else Message("see sampling.reference.pathways()")
        )
        raise ReportError(Message("unknown pathway %(pathway)s; %(where)s", pathway=repr(pathway), where=where))
    if invited is None:
        return
    if kind == "pathway":
        found = invited[_is(invited["pathway"], pathway)]
        if regions:
            found = found[found["region"].isin(regions)]
        asked = (
            Message("pathway %(pathway)s in region(s) %(regions)s", pathway=pathway, regions=", ".join(regions))
            if regions
            else Message("pathway %(pathway)s", pathway=pathway)
        )
    elif kind == "region":
        found, asked = invited[_is(invited["region"], regions[0])], Message("region %(region)s", region=regions[0])
    else:
        found, asked = invited, Message("any pathway")
    if found.empty:
        raise ReportError(
            Message(
                "round %(round)s has no invited persons for %(asked)s (it has: %(present)s)",
                round=repr(round_name),
                asked=asked,
                present=", ".join(present) if present else Message("none"),
            )
        )


def build_content(
    results: RoundResults,
    q: Questionnaire,
    *,
    kind: str,
    round_name: str,
    pathway: str | None = None,
    regions: Sequence[str] = (),
    lang: str = "sv",
    flow: pd.DataFrame | None = None,
    manifest: dict[str, object] | None = None,
    fieldwork: tuple[dt.date | None, dt.date | None] = (None, None),
    rules: Sequence[PathwayRule] | None = None,
) -> ReportContent:
    """What one comparison PDF shows, chosen from a round's results.

    Parameters
    ----------
    results
        The output of :func:`analysis.analyse_round` for the round.
    q
        The questionnaire the results were scored with (dimension labels,
        item texts, the items of each dimension).
    kind
        ``"pathway"`` (needs ``pathway``; ``regions`` optionally restricts the
        compared regions), ``"region"`` (needs one code in ``regions``) or
        ``"national"``.
    round_name, lang, flow, manifest, fieldwork
        The round's name, the report language (``sv`` or ``en``), the
        sampling flow rows (``flow.csv``) and manifest for the appendix, and
        the fieldwork dates for the cover.
    rules
        The sampling rule files, to name the flow's criterion steps in words
        where the manifest records no label for them (used only where the
        manifest records the same file; ``prem report`` passes the bundled
        ones unless told otherwise). Without them such steps keep their ids.

    Raises
    ------
    ReportError
        Unknown pathway, region or language, or nothing to report in the
        chosen scope – with a message naming what was asked and what exists.
    """
    rates = results.response_rates
    check_scope(
        kind,
        pathway=pathway,
        regions=regions,
        lang=lang,
        round_name=round_name,
        invited=rates[_is(rates["level"], "pathway_region")],
    )
    known_regions = reference_regions()
    scope = _Scope(results, kind, pathway, regions, lang)
    if not scope.units:
        asked = {
            "pathway": Message("pathway %(pathway)s", pathway=pathway),
            "region": Message("region %(region)s", region=regions[0] if regions else ""),
            "national": Message("any pathway"),
        }[kind]
        raise ReportError(
            Message("round %(round)s has no invited persons for %(asked)s", round=repr(round_name), asked=asked)
        )
    response, response_total, national_rate = _response(scope)
    dimensions = _dimensions(scope, q)
    care_plan = next((i for d in dimensions for i in d.items if i.item_id == CARE_PLAN_ITEM), None)
    pathway_list: tuple[tuple[str, str], ...]
    region_list: tuple[tuple[str, str], ...]
    if kind == "pathway":
        chosen = cast(str, pathway)  # check_scope refused a pathway report without one
        pathway_list = ((chosen, scope.pathway_name(chosen)),)
        region_list = tuple(scope.units)
    elif kind == "region":
        region = cast(str, scope.region)  # check_scope refused a region report without one
        pathway_list = tuple(scope.units)
        region_list = ((region, known_regions[region].name),)
    else:
        pathway_list = tuple(scope.units)
        region_list = tuple((code, region.name) for code, region in known_regions.items())
    return ReportContent(
        kind=cast(ReportKind, kind),  # check_scope refused any other
        lang=lang,
        round_name=round_name,
        unit_kind="region" if kind == "pathway" else "pathway",
        pathways=pathway_list,
        regions=region_list,
        dimensions=dimensions,
        response=response,
        response_total=response_total,
        healthcare_regions=_healthcare_regions(scope),
        national_rate=national_rate,
        chosen_regions=bool(scope.region_filter),
        regions_response=_regions_nationally(scope),
        profile=_profile(scope),
        care_plan=care_plan,
        flow=_flow(
            flow,
            scope,
            rules_for_report([slug for slug, _ in pathway_list], manifest, rules),
            recorded_labels(manifest),
        ),
        method=_method(results, q, manifest, [slug for slug, _ in pathway_list], lang),
        questionnaire=f"{results.questionnaire_id} {results.questionnaire_version}".strip(),
        mode_rows=mode_rows(results, kind, pathway, scope.region),
        fieldwork_opens=fieldwork[0],
        fieldwork_closes=fieldwork[1],
    )
