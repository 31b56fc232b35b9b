"""Put the parts of a comparison PDF into A4 pages and write the file.

Page numbers read "Sida N av M": the total is only known at the end, so the
canvas keeps each page's state and stamps the footer when the document is
saved (reportlab's two-pass canvas recipe). The file is written beside its
destination and renamed into place, so a failed run never leaves a
half-written PDF behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

from analysis.report import sections
from analysis.report.labels import label
from analysis.report.model import ReportContent
from analysis.report.styles import DEJAVU_DIR, GREY, PAGE_MARGIN, Fonts, fonts, paragraph_styles

__all__ = ["report_flowables", "write_pdf"]


def _numbered_canvas(footer: str, lang: str, font: Fonts) -> type[Canvas]:
    """A canvas class that stamps ``footer`` and "Sida N av M" on every page but the cover."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type information
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self._page_states: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._page_states.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            pages = len(self._page_states)
            for state in self._page_states:
                self.__dict__.update(state)
                self._stamp(pages)
                super().showPage()
            super().save()

        def _stamp(self, pages: int) -> None:
            width, _ = self._pagesize
            self.setFont(font.regular, 7.5)
            self.setFillColor(GREY["dark"])
            self.setStrokeColor(GREY["light"])
            self.line(PAGE_MARGIN, 13 * mm, width - PAGE_MARGIN, 13 * mm)
            if self._pageNumber > 1:
                self.drawString(PAGE_MARGIN, 9 * mm, footer)
            self.drawRightString(width - PAGE_MARGIN, 9 * mm, label("page", lang, page=self._pageNumber, pages=pages))

    return NumberedCanvas


def report_flowables(content: ReportContent, layout: sections.Layout) -> list[Flowable]:
    """Every part of the report in reading order."""
    story = sections.cover(content, layout) + sections.summary(content, layout)
    for dim in content.dimensions:
        story += sections.dimension(dim, content, layout)
    story += (
        sections.response(content, layout) + sections.care_plan(content, layout) + sections.appendix(content, layout)
    )
    return story


def write_pdf(content: ReportContent, out: Path | str, *, font_dir: Path = DEJAVU_DIR) -> Path:
    """Write ``content`` as an A4 comparison PDF at ``out`` and return the path.

    The PDF's metadata carries the title, author "prem", subject (round) and
    language. DejaVu Sans from ``font_dir`` is embedded when present, else
    the standard Helvetica is used. Nothing is left at ``out`` if drawing fails.
    """
    out = Path(out)
    font = fonts(font_dir)
    width = A4[0] - 2 * PAGE_MARGIN
    layout = sections.Layout(
        font=font,
        styles=paragraph_styles(font),
        lang=content.lang,
        width=width,
        confidence=content.method.confidence_level,
    )
    title = sections.report_title(content)
    handle, partial = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(handle)
    try:
        document = SimpleDocTemplate(
            partial,
            pagesize=A4,
            leftMargin=PAGE_MARGIN,
            rightMargin=PAGE_MARGIN,
            topMargin=PAGE_MARGIN,
            bottomMargin=PAGE_MARGIN + 4,
            title=title,
            author=label("author", content.lang),
            subject=f"{label('cover.round', content.lang)} {content.round_name}",
            creator="prem",
            lang="sv-SE" if content.lang == "sv" else "en-GB",
        )
        footer = f"{title} · {content.round_name}"
        document.build(report_flowables(content, layout), canvasmaker=_numbered_canvas(footer, content.lang, font))
        os.replace(partial, out)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return out
