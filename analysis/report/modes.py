"""The report's table of responses by mode (web / paper) and age group, from ``response_by_mode``.

Chosen for the report's scope (the pathway, the region or the whole country)
by :func:`mode_rows`, drawn by :func:`mode_section` after "who responded".
A round without any paper response has no such table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from analysis.report.labels import number
from analysis.report.model import ModeRow, ReportContent
from analysis.report.styles import table_style
from analysis.results import RoundResults

if TYPE_CHECKING:
    from analysis.report.sections import Layout

__all__ = ["mode_rows", "mode_section"]

_COLUMNS = (
    ("col.respondents", "complete", 0),
    ("mode.web_n", "complete_web", 0),
    ("mode.paper_n", "complete_paper", 0),
    ("mode.rate", "response_rate", 1),
    ("mode.web_rate", "response_rate_web", 1),
    ("mode.paper_rate", "response_rate_paper", 1),
    ("mode.paper_share", "paper_share", 1),
)


def _value(value: object) -> float | None:
    return None if pd.isna(value) else float(value)  # type: ignore[arg-type]


def mode_rows(results: RoundResults, kind: str, pathway: str | None, region: str | None) -> tuple[ModeRow, ...]:
    """The scope's rows of ``response_by_mode``: each age group, then all ages (empty without paper responses)."""
    table = results.response_by_mode
    national = table[(table["level"] == "national") & table["age_group"].isna()]
    if national.empty or (national["complete_paper"].fillna(1) == 0).all():
        return ()  # no paper answers in the round (a masked count is 1-4: some)
    if kind == "pathway":
        rows = table[(table["level"] == "pathway") & (table["pathway"] == pathway)]
    elif kind == "region":
        rows = table[(table["level"] == "region") & (table["region"] == region)]
    else:
        rows = table[table["level"] == "national"]
    all_ages = rows["age_group"].isna()
    ordered = pd.concat([rows[~all_ages], rows[all_ages]])  # the age groups (in order), then the total
    return tuple(
        ModeRow(
            age_group=None if pd.isna(row["age_group"]) else str(row["age_group"]),
            values=tuple(_value(row[column]) for _, column, _ in _COLUMNS),
        )
        for _, row in ordered.iterrows()
    )


def mode_section(content: ReportContent, layout: Layout) -> list[Flowable]:
    """Heading, a line of explanation and the table; nothing when the round has no paper responses."""
    if not content.mode_rows:
        return []
    header = [layout.para(layout.text("variable.age_group"), "cell_head")]
    header += [layout.para(layout.text(key), "cell_head_right") for key, _, _ in _COLUMNS]
    masked = layout.text("masked")
    body: list[list[object]] = [header]
    for row in content.mode_rows:
        name = row.age_group if row.age_group is not None else layout.text("mode.all_ages")
        cells = [
            masked if value is None else number(value, layout.lang, decimals)
            for value, (_, _, decimals) in zip(row.values, _COLUMNS, strict=True)
        ]
        body.append([layout.para(name, "cell" if row.age_group is not None else "cell_head"), *cells])
    width = (layout.width - 70) / len(_COLUMNS)
    table = Table(body, colWidths=[70] + [width] * len(_COLUMNS), repeatRows=1, hAlign="LEFT")
    table.setStyle(table_style(layout.font, total_row=True))
    intro = layout.text("mode.intro", mask=content.method.mask_counts_below - 1)
    return [
        Spacer(1, 6 * mm),
        KeepTogether([layout.para(layout.text("mode"), "h2"), layout.para(intro, "small"), table]),
    ]
