"""The parts of the comparison PDF, each a list of platypus flowables.

Cover, summary, one part per dimension, response rates and who responded,
the individual care plan, and the method appendix – in that order, as
ANALYSIS.md lists them. Every function takes the :class:`ReportContent` and a
:class:`Layout` and draws nothing itself; :mod:`analysis.report.document`
puts the parts into pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, Spacer, Table

from analysis.comparison import MIN_UNITS_OVERDISPERSION, WINSORISED_SHARE
from analysis.report.charts import band_legend, band_marker, comparison_chart, limits_legend, rotated_header
from analysis.report.labels import has_label, label, number, percent, rate_text, score
from analysis.report.model import (
    ComparisonRow,
    DimensionContent,
    Estimate,
    ItemContent,
    MethodFacts,
    ReportContent,
    ResponseRow,
)
from analysis.report.modes import mode_section
from analysis.report.styles import Fonts, plain_table_style, table_style

__all__ = [
    "DISPOSITIONS",
    "Layout",
    "appendix",
    "care_plan",
    "cover",
    "dimension",
    "report_title",
    "response",
    "summary",
]

CASEMIX_VARIABLES = ("age_group", "sex", "self_rated_health", "education", "mode")
"""Case-mix variables the appendix names in words."""

CI_METHODS = ("wilson", "t", "logit", "clopper_pearson", "taylor_linearisation", "delta_method", "wilson_unadjusted")
"""Interval methods the appendix names in words (codes from the results' ``ci_method``)."""

DISPOSITIONS = ("complete", "partial", "refusal", "no_response", "screened_out", "deceased", "undeliverable")
"""Disposition codes in the order the response table shows them."""


@dataclass(frozen=True)
class Layout:
    """What every part needs to draw: fonts, styles, language and the text width."""

    font: Fonts
    styles: dict[str, ParagraphStyle]
    lang: str
    width: float
    confidence: float = 0.95

    def text(self, key: str, **values: object) -> str:
        """A fixed text in the report's language; ``{level}`` is the run's confidence level in percent."""
        level = round(100 * self.confidence, 6)
        return label(key, self.lang, **{"level": number(level, self.lang, 0 if level.is_integer() else 1), **values})

    def para(self, text: str, style: str = "body", *, markup: bool = False) -> Paragraph:
        """A paragraph; ``text`` is escaped unless it carries our own ``<sub>``-style markup."""
        return Paragraph(text if markup else escape(text), self.styles[style])


def report_title(content: ReportContent) -> str:
    """The report's title: what is compared, for whom."""
    title = label(f"title.{content.kind}", content.lang)
    if content.kind == "pathway":
        return f"{title}: {content.pathways[0][1]}"
    if content.kind == "region":
        return f"{title}: {content.regions[0][1]}"
    return title


def suppression_reason(estimate: Estimate, layout: Layout, min_respondents: int) -> str:
    """Why a figure is not shown, in words (``"färre än 30 svar"``)."""
    known = {"too_few_respondents", "no_respondents", "model_failed"}
    key = estimate.suppressed if estimate.suppressed in known else "other"
    return layout.text(f"suppressed.{key}", n=min_respondents)


def cover(content: ReportContent, layout: Layout) -> list[Flowable]:
    """Title, what the report covers and when the fieldwork ran."""
    not_stated = layout.text("cover.not_stated")
    opens = content.fieldwork_opens.isoformat() if content.fieldwork_opens else not_stated
    closes = content.fieldwork_closes.isoformat() if content.fieldwork_closes else not_stated
    regions = (
        layout.text("cover.all_regions")
        if len(content.regions) == 21
        else ", ".join(name for _, name in content.regions)
    )
    facts = [
        ("cover.round", content.round_name),
        ("cover.pathways", ", ".join(name for _, name in content.pathways)),
        ("cover.regions", regions),
        (
            "cover.fieldwork",
            f"{opens} – {closes}" if content.fieldwork_opens or content.fieldwork_closes else not_stated,
        ),
        ("cover.questionnaire", content.questionnaire or not_stated),
        ("cover.created", content.created.isoformat()),
    ]
    rows = [[layout.para(layout.text(key), "cell_head"), layout.para(value, "body")] for key, value in facts]
    table = Table(rows, colWidths=[40 * mm, layout.width - 40 * mm], hAlign="LEFT")
    table.setStyle(plain_table_style())
    return [
        Spacer(1, 50 * mm),
        layout.para(report_title(content), "title"),
        layout.para(layout.text(f"subtitle.{content.kind}"), "subtitle"),
        table,
        Spacer(1, 20 * mm),
        layout.para(layout.text("cover.no_free_text"), "small"),
        PageBreak(),
    ]


def _marked_score(estimate: Estimate, layout: Layout, min_respondents: int, *, marker: bool = True) -> Flowable:
    """A table cell: the band's marker and the score, or the reason it is not shown."""
    if not estimate.shown:
        return layout.para(suppression_reason(estimate, layout, min_respondents), "cell_right")
    cell = Drawing(26, 10)
    if marker:
        cell.add(band_marker(estimate.band, 5, 4.5, size=3))
    cell.add(String(12, 1.8, score(estimate.value, layout.lang), fontName=layout.font.regular, fontSize=7.5))
    return cell


def _national_label(content: ReportContent, layout: Layout) -> str:
    """The name of the national row: in a region report it pools every pathway."""
    return layout.text("summary.national_all" if content.kind == "region" else "summary.national")


def _unit_head(content: ReportContent, layout: Layout) -> str:
    return layout.text("col.region" if content.unit_kind == "region" else "col.pathway")


def summary(content: ReportContent, layout: Layout) -> list[Flowable]:
    """Response rate and the seven dimension results per unit, with band markers, against national."""
    min_n = content.method.min_respondents
    unit_width, rate_width = 96.0, 44.0
    dim_width = (layout.width - unit_width - rate_width) / max(len(content.dimensions), 1)
    header: list[object] = [
        layout.para(_unit_head(content, layout), "cell_head"),
        rotated_header(layout.text("summary.rate"), layout.font, rate_width - 6),
    ]
    header += [rotated_header(d.label, layout.font, dim_width - 6) for d in content.dimensions]
    national = [layout.para(_national_label(content, layout), "cell_head"), percent(content.national_rate, layout.lang)]
    national += [_marked_score(d.national, layout, min_n, marker=False) for d in content.dimensions]
    rows = [header, national]
    rates = {r.unit: r for r in content.response}
    by_dimension = [{r.unit: r.estimate for r in dim.rows} for dim in content.dimensions]
    for unit, unit_label in _units(content):
        unit_rate = rates.get(unit)
        rate = rate_text(unit_rate.adjusted_rate, unit_rate.rate_rounding, layout.lang) if unit_rate else "–"
        row: list[object] = [layout.para(unit_label, "cell"), rate]
        for found in (estimates.get(unit) for estimates in by_dimension):
            row.append(_marked_score(found, layout, min_n) if found else "–")
        rows.append(row)
    table = Table(rows, colWidths=[unit_width, rate_width] + [dim_width] * len(content.dimensions), repeatRows=1)
    style = table_style(layout.font)
    style.add("LINEBELOW", (0, 1), (-1, 1), 0.6, "black")
    style.add("ALIGN", (2, 0), (-1, -1), "CENTER")
    table.setStyle(style)
    return [
        layout.para(layout.text("summary"), "h1"),
        layout.para(layout.text("summary.intro_national" if content.kind == "national" else "summary.intro"), "body"),
        band_legend(layout.font, layout.lang, layout.width),
        Spacer(1, 3 * mm),
        table,
        PageBreak(),
    ]


def _units(content: ReportContent) -> list[tuple[str, str]]:
    """The compared units in the report's order (reference-table order)."""
    return list(content.regions if content.unit_kind == "region" else content.pathways)


def _chart_block(
    rows: Sequence[ComparisonRow], national: Estimate, content: ReportContent, layout: Layout, caption_key: str
) -> list[Flowable]:
    """Caption, legend, chart and the list of units not shown with the reason."""
    shown = [r for r in rows if r.estimate.shown]
    hidden = [r for r in rows if not r.estimate.shown]
    per_row = content.kind == "region"
    line = None if per_row or not national.shown else national.value
    parts: list[Flowable] = []
    if shown:
        parts += [
            layout.para(layout.text("dimension.chart_refs" if per_row else caption_key), "small"),
            band_legend(layout.font, layout.lang, layout.width),
        ]
        if any(r.limits is not None for r in shown):
            parts.append(limits_legend(layout.font, layout.lang, layout.width))
        parts += [
            Spacer(1, 2 * mm),
            comparison_chart(shown, line, font=layout.font, lang=layout.lang, width=layout.width),
            *_separation_notes(shown, content, layout),
        ]
    if hidden:
        listing = "; ".join(
            f"{r.label} ({suppression_reason(r.estimate, layout, content.method.min_respondents)})" for r in hidden
        )
        parts.append(layout.para(f"{layout.text('suppressed.list')}: {listing}", "small"))
    return parts


def _separation_notes(rows: Sequence[ComparisonRow], content: ReportContent, layout: Layout) -> list[Flowable]:
    """Beside a chart: which of its figures rest on a (quasi-)separated logistic fit, and where.

    A unit all of whose respondents are positive (or none) is named by itself; a separated case-mix
    level concerns every unit of the fit, so its note lists the levels once with the units.
    """
    unit_variable = content.unit_kind
    by_levels: dict[tuple[str, ...], list[str]] = {}
    unit_notes = []
    for row in rows:
        levels = []
        for note in row.separation:
            name, _, kind = note.rpartition(":")
            variable, _, level = name.partition("=")
            kind_text = layout.text(f"separation.{kind}") if has_label(f"separation.{kind}") else kind
            if variable == unit_variable:
                unit_notes.append(layout.text("separation.unit", unit=row.label, kind=kind_text))
            else:
                described = layout.text(f"casemix.{variable}") if variable in CASEMIX_VARIABLES else variable
                levels.append(f"{described} = {level} ({kind_text})")
        if levels:
            by_levels.setdefault(tuple(levels), []).append(row.label)
    notes = [
        layout.para(
            layout.text(
                "separation.note",
                levels="; ".join(levels),
                units=layout.text("separation.all_units") if len(units) == len(rows) else ", ".join(units),
            ),
            "small",
        )
        for levels, units in by_levels.items()
    ]
    if unit_notes:
        notes.append(layout.para(layout.text("separation.note_units", units="; ".join(unit_notes)), "small"))
    return notes


def _respondents(count: int | None, content: ReportContent, layout: Layout, unit: str = "") -> str:
    """A number of respondents, masked where the response table masks the unit's complete count or it is 1–4.

    Next to a suppressed result, a dimension's respondent count would give
    back the complete count the response table hides.
    """
    complete_masked = any(row.unit == unit and row.dispositions.get("complete") is None for row in content.response)
    if count is not None and (0 < count < content.method.mask_counts_below or (unit and complete_masked)):
        return layout.text("masked")
    return number(count, layout.lang)


def _item_table(
    items: Sequence[ItemContent],
    content: ReportContent,
    layout: Layout,
    respondents: dict[str, int],
    national_respondents: int,
) -> Table:
    """Units down, items across: share positive (%), or why it is not shown."""
    min_n = content.method.min_respondents
    unit_width, n_width = 96.0, 58.0
    item_width = (layout.width - unit_width - n_width) / max(len(items), 1)
    header = [
        layout.para(_unit_head(content, layout), "cell_head"),
        layout.para(layout.text("col.respondents"), "cell_head_right"),
    ]
    header += [
        layout.para(f"{layout.text('col.item')} {index}", "cell_head_right") for index in range(1, len(items) + 1)
    ]

    def cell(estimate: Estimate | None) -> object:
        if estimate is None:
            return "–"
        if not estimate.shown:
            return layout.para(suppression_reason(estimate, layout, min_n), "cell_right")
        return percent(estimate.value, layout.lang)

    rows: list[list[object]] = [
        header,
        [
            layout.para(_national_label(content, layout), "cell_head"),
            _respondents(national_respondents, content, layout),
        ]
        + [cell(i.national) for i in items],
    ]
    by_item = [{r.unit: r.estimate for r in item.rows} for item in items]
    for unit, unit_label in _units(content):
        if not any(unit in found for found in by_item):
            continue
        rows.append(
            [layout.para(unit_label, "cell"), _respondents(respondents.get(unit), content, layout, unit)]
            + [cell(found.get(unit)) for found in by_item]
        )
    table = Table(rows, colWidths=[unit_width, n_width] + [item_width] * len(items), repeatRows=1)
    style = table_style(layout.font)
    style.add("LINEBELOW", (0, 1), (-1, 1), 0.6, "black")
    table.setStyle(style)
    return table


def dimension(dim: DimensionContent, content: ReportContent, layout: Layout) -> list[Flowable]:
    """One dimension: its chart, then its items as a table."""
    respondents = {r.unit: r.estimate.respondents for r in dim.rows}
    questions = [layout.para(f"{index}. {item.text}", "small") for index, item in enumerate(dim.items, start=1)]
    return [
        KeepTogether(
            [layout.para(dim.label, "h1"), *_chart_block(dim.rows, dim.national, content, layout, "dimension.chart")]
        ),
        CondPageBreak(60 * mm),
        layout.para(layout.text("dimension.items"), "h2"),
        *questions,
        layout.para(layout.text("items.note"), "small"),
        _item_table(dim.items, content, layout, respondents, dim.national.respondents),
        PageBreak(),
    ]


def _response_row(row: ResponseRow, layout: Layout, *, bold: bool = False) -> list[object]:
    counts = [
        number(row.dispositions.get(code), layout.lang)
        if row.dispositions.get(code) is not None
        else layout.text("masked")
        for code in DISPOSITIONS
    ]
    rates = [rate_text(rate, row.rate_rounding, layout.lang, sign=False) for rate in (row.rr1, row.adjusted_rate)]
    return [layout.para(row.label, "cell_head" if bold else "cell"), number(row.invited, layout.lang), *counts, *rates]


def _response_table(rows: Sequence[ResponseRow], total: ResponseRow, unit_head: str, layout: Layout) -> Table:
    """Invited, each disposition and the two rates per row, with the total row last."""
    header_keys = ["col.invited"] + [f"disposition.{code}" for code in DISPOSITIONS] + ["col.rr1", "col.adjusted"]
    unit_width = 96.0
    count_width = (layout.width - unit_width) / len(header_keys)
    header = [layout.para(unit_head, "cell_head")] + [
        rotated_header(layout.text(k), layout.font, count_width - 6) for k in header_keys
    ]
    table = Table(
        [header, *(_response_row(r, layout) for r in rows), _response_row(total, layout, bold=True)],
        colWidths=[unit_width] + [count_width] * len(header_keys),
        repeatRows=1,
    )
    table.setStyle(table_style(layout.font, total_row=True))
    return table


def _more_response_tables(content: ReportContent, layout: Layout) -> list[Flowable]:
    """The response tables per healthcare region (sjukvårdsregion) and, nationally, per region."""
    intro = "response.healthcare_national" if content.kind == "national" else "response.healthcare_pathway"
    tables = [
        (content.healthcare_regions, "response.healthcare", intro, "col.healthcare_region"),
        (content.regions_response, "response.regions", "response.regions_national", "col.region"),
    ]
    parts: list[Flowable] = []
    for rows, heading, text, unit_head in tables:
        if rows:
            parts += [
                Spacer(1, 6 * mm),
                KeepTogether(
                    [
                        layout.para(layout.text(heading), "h2"),
                        layout.para(layout.text(text), "small"),
                        _response_table(rows, content.response_total, layout.text(unit_head), layout),
                    ]
                ),
            ]
    return parts


def response(content: ReportContent, layout: Layout) -> list[Flowable]:
    """Dispositions and rates per unit and per healthcare region, then who responded by sex and age group."""
    table = _response_table(content.response, content.response_total, _unit_head(content, layout), layout)
    profile_keys = (
        "variable.sex",
        "variable.age_group",
        "col.invited",
        "col.respondents",
        "col.rate",
        "col.frame_share",
        "col.respondent_share",
    )
    profile_rows: list[list[Any]] = [
        [
            layout.para(layout.text(k), "cell_head" if k.startswith("variable") else "cell_head_right")
            for k in profile_keys
        ]
    ]
    masked = layout.text("masked")
    for row in content.profile:
        sex = layout.text(f"sex.{row.sex}") if row.sex in ("K", "M") else row.sex
        profile_rows.append(
            [sex, row.age_group]
            + [
                masked if value is None else number(value, layout.lang, decimals)
                for value, decimals in (
                    (row.invited, 0),
                    (row.respondents, 0),
                    (row.rate, 0),
                    (row.frame_share, 1),
                    (row.respondent_share, 1),
                )
            ]
        )
    profile = Table(profile_rows, colWidths=[60, 60] + [(layout.width - 120) / 5] * 5, repeatRows=1, hAlign="LEFT")
    profile.setStyle(table_style(layout.font, text_columns=2))
    profile_intro = [layout.para(layout.text("profile.intro", mask=content.method.mask_counts_below - 1), "small")]
    if content.chosen_regions:
        profile_intro.append(layout.para(layout.text("profile.all_regions"), "small"))
    return [
        layout.para(layout.text("response"), "h1"),
        layout.para(layout.text("response.intro"), "small"),
        table,
        *_more_response_tables(content, layout),
        Spacer(1, 6 * mm),
        KeepTogether([layout.para(layout.text("profile"), "h2"), *profile_intro, profile]),
        *mode_section(content, layout),
        PageBreak(),
    ]


def care_plan(content: ReportContent, layout: Layout) -> list[Flowable]:
    """The individual care plan item on its own page: chart and table with the band in words."""
    item = content.care_plan
    if item is None:
        return []
    min_n = content.method.min_respondents
    header = [
        layout.para(layout.text(k), "cell_head_right")
        for k in ("col.respondents", "col.share", "col.ci", "col.comparison")
    ]
    rows: list[list[object]] = [[layout.para(_unit_head(content, layout), "cell_head"), *header]]
    for row in [ComparisonRow("", _national_label(content, layout), item.national), *item.rows]:
        estimate = row.estimate
        if estimate.shown:
            interval = f"{score(estimate.ci_low, layout.lang)}–{score(estimate.ci_high, layout.lang)}"
            band = layout.text(f"band.{estimate.band}") if estimate.band else "–"
            rows.append(
                [
                    layout.para(row.label, "cell"),
                    _respondents(estimate.respondents, content, layout, row.unit),
                    percent(estimate.value, layout.lang),
                    interval,
                    band,
                ]
            )
        else:
            rows.append(
                [
                    layout.para(row.label, "cell"),
                    _respondents(estimate.respondents, content, layout, row.unit),
                    layout.para(suppression_reason(estimate, layout, min_n), "cell_right"),
                    "–",
                    "–",
                ]
            )
    table = Table(rows, colWidths=[120, 60, 70, 70, layout.width - 320], repeatRows=1)
    table.setStyle(table_style(layout.font))
    return [
        KeepTogether(
            [
                layout.para(layout.text("care_plan"), "h1"),
                layout.para(layout.text("care_plan.intro"), "body"),
                layout.para(f"”{item.text}”", "h2"),
                *_chart_block(item.rows, item.national, content, layout, "care_plan.chart"),
            ]
        ),
        Spacer(1, 4 * mm),
        table,
        PageBreak(),
    ]


def appendix(content: ReportContent, layout: Layout) -> list[Flowable]:
    """Sampling rules and flow counts, dispositions and rates, scoring, weighting, adjustment, suppression."""
    method = content.method
    parts: list[Flowable] = [
        layout.para(layout.text("method"), "h1"),
        layout.para(layout.text("method.sampling"), "h2"),
        layout.para(layout.text("method.sampling_text"), "body", markup=True),
        layout.para(layout.text("method.flow"), "h2"),
    ]
    if content.flow:
        names = dict(content.pathways)
        rows: list[list[object]] = [[layout.para(layout.text(k), "cell_head") for k in ("col.pathway", "col.step")]]
        rows[0] += [layout.para(layout.text(k), "cell_head_right") for k in ("col.remaining", "col.removed")]
        # the pathway named on its first step only, so the steps read as one list per pathway
        rows += [
            [
                layout.para(
                    names.get(f.pathway, f.pathway)
                    if index == 0 or content.flow[index - 1].pathway != f.pathway
                    else "",
                    "cell",
                ),
                layout.para(f.label or f.step, "cell"),
                number(f.remaining, layout.lang),
                number(f.removed, layout.lang),
            ]
            for index, f in enumerate(content.flow)
        ]
        flow = Table(rows, colWidths=[130, layout.width - 250, 60, 60], repeatRows=1)
        flow.setStyle(table_style(layout.font, text_columns=2))
        parts.append(flow)
        parts.append(layout.para(layout.text("method.flow_rounding"), "small"))
        if any(f.label in ("", f.step) for f in content.flow):
            parts.append(layout.para(layout.text("method.criteria_note"), "small"))
    else:
        parts.append(layout.para(layout.text("method.no_flow"), "body"))
    if method.manifest:
        facts = Table(
            [[layout.para(key, "cell"), layout.para(text, "cell")] for key, text in method.manifest],
            colWidths=[130, layout.width - 130],
            hAlign="LEFT",
        )
        facts.setStyle(plain_table_style())
        parts += [layout.para(layout.text("method.manifest"), "h2"), facts]
    parts += _method_text(method, layout)
    return parts


def _spoken_list(words: Sequence[str], layout: Layout) -> str:
    """``a, b och c`` in the report's language."""
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {layout.text('and')} {words[-1]}"


def _trimming(method: MethodFacts, layout: Layout) -> str:
    """The trimming rule and how many weights it trimmed; a count of 1 to ``mask_counts_below - 1``
    as "fewer than" (it counts persons)."""
    if method.raking_trim is None:
        return layout.text("method.raking_untrimmed")
    few = 0 < method.trimmed < method.mask_counts_below
    trimmed = (
        layout.text("method.fewer_than", n=method.mask_counts_below) if few else number(method.trimmed, layout.lang)
    )
    return layout.text(
        "method.raking_trim",
        trim=number(method.raking_trim, layout.lang, 0 if float(method.raking_trim).is_integer() else 1),
        trimmed=trimmed,
    )


def _method_text(method: MethodFacts, layout: Layout) -> list[Flowable]:
    """The method appendix's prose, in the report's language, with the run's own settings filled in."""
    variables = [layout.text(f"casemix.{v}") if v in CASEMIX_VARIABLES else v for v in method.casemix_variables]
    ordered = sorted(
        method.ci_methods, key=lambda code: CI_METHODS.index(code) if code in CI_METHODS else len(CI_METHODS)
    )
    raked = method.calibration == "raking"
    ci = _spoken_list(
        [
            layout.text(f"ci.{code}_raking" if raked and code == "taylor_linearisation" else f"ci.{code}")
            if code in CI_METHODS
            else code
            for code in ordered
        ],
        layout,
    )
    item_weights = layout.text(
        f"weights.{method.dimension_weights}" if method.dimension_weights in ("equal", "pca") else "weights.equal"
    )
    respondents = layout.text("method.respondents_partial" if method.include_partial else "method.respondents_complete")
    share = percent(100 * method.complete_share, layout.lang)
    if not method.weighted:
        weighting = layout.text("method.unweighted")
    elif raked:
        weighting = layout.text("method.raking_text", cell=method.min_cell_count, trim=_trimming(method, layout))
    else:
        weighting = layout.text("method.weighting_text", cell=method.min_cell_count)
    intervals = layout.text("method.intervals", ci=ci or "–")
    return [
        layout.para(layout.text("method.dispositions"), "h2"),
        layout.para(layout.text("method.dispositions_text", share=share, respondents=respondents), "body"),
        layout.para(layout.text("method.scoring"), "h2"),
        layout.para(layout.text("method.scoring_text", weights=item_weights), "body"),
        layout.para(layout.text("method.weighting"), "h2"),
        layout.para(f"{weighting} {escape(intervals)}", "body", markup=True),
        layout.para(layout.text("method.casemix"), "h2"),
        layout.para(
            layout.text(
                "method.casemix_text",
                variables=_spoken_list(variables, layout),
                n=method.min_respondents,
                pathways=layout.text("method.pathways_within_region")
                if "pathways_within_region" in method.comparisons
                else "",
            ),
            "body",
        ),
        layout.para(
            layout.text(
                "method.target_population" if method.standardise_to == "population" else "method.target_respondents"
            ),
            "body",
        ),
        layout.para(layout.text("method.mode_on" if method.casemix_mode else "method.mode_off"), "body"),
        layout.para(layout.text("method.funnel"), "h2"),
        layout.para(
            layout.text(
                "method.funnel_text",
                winsor=number(100 * WINSORISED_SHARE, layout.lang),
                units=MIN_UNITS_OVERDISPERSION,
            ),
            "body",
        ),
        layout.para(layout.text("method.suppression"), "h2"),
        layout.para(
            layout.text(
                "method.suppression_text",
                n=method.min_respondents,
                mask=method.mask_counts_below - 1,
                above=method.mask_counts_below,
            ),
            "body",
        ),
    ]
