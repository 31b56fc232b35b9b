"""Fonts, paragraph and table styles, and the grey scale of the comparison PDF.

DejaVu Sans is embedded when the system has it (full Unicode: å ä ö, en
dashes, sub- and superscripts); otherwise reportlab's standard Helvetica,
whose Latin-1 encoding still covers Swedish. Everything is drawn in black and
greys so that a printed, photocopied report loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import TableStyle

__all__ = [
    "DEJAVU_DIR",
    "GREY",
    "PAGE_MARGIN",
    "Fonts",
    "fonts",
    "paragraph_styles",
    "plain_table_style",
    "table_style",
]

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")

GREY = {
    "ink": colors.black,
    "dark": colors.Color(0.25, 0.25, 0.25),
    "mid": colors.Color(0.55, 0.55, 0.55),
    "light": colors.Color(0.85, 0.85, 0.85),
    "faint": colors.Color(0.94, 0.94, 0.94),
}
PAGE_MARGIN = 18 * mm


@dataclass(frozen=True)
class Fonts:
    """The regular and bold font names registered with reportlab."""

    regular: str
    bold: str
    embedded: bool


@cache
def fonts(font_dir: Path = DEJAVU_DIR) -> Fonts:
    """Register DejaVu Sans from ``font_dir`` if present, else fall back to Helvetica."""
    regular, bold = font_dir / "DejaVuSans.ttf", font_dir / "DejaVuSans-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        return Fonts("Helvetica", "Helvetica-Bold", embedded=False)
    pdfmetrics.registerFont(TTFont("PremSans", str(regular)))
    pdfmetrics.registerFont(TTFont("PremSans-Bold", str(bold)))
    pdfmetrics.registerFontFamily("PremSans", normal="PremSans", bold="PremSans-Bold")
    return Fonts("PremSans", "PremSans-Bold", embedded=True)


def paragraph_styles(font: Fonts) -> dict[str, ParagraphStyle]:
    """The handful of paragraph styles the report uses, by role."""
    body = ParagraphStyle("body", fontName=font.regular, fontSize=9.5, leading=13, alignment=TA_LEFT, spaceAfter=4)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10.5, textColor=GREY["dark"]),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9, spaceAfter=0),
        "cell_right": ParagraphStyle(
            "cell_right", parent=body, fontSize=7.5, leading=9, spaceAfter=0, alignment=TA_RIGHT
        ),
        "cell_head": ParagraphStyle(
            "cell_head", parent=body, fontName=font.bold, fontSize=7.5, leading=9, spaceAfter=0
        ),
        "cell_head_right": ParagraphStyle(
            "cell_head_right",
            parent=body,
            fontName=font.bold,
            fontSize=7.5,
            leading=9,
            spaceAfter=0,
            alignment=TA_RIGHT,
        ),
        "title": ParagraphStyle("title", parent=body, fontName=font.bold, fontSize=22, leading=27, spaceAfter=8),
        "subtitle": ParagraphStyle(
            "subtitle", parent=body, fontSize=14, leading=18, spaceAfter=18, textColor=GREY["dark"]
        ),
        "h1": ParagraphStyle(
            "h1", parent=body, fontName=font.bold, fontSize=15, leading=19, spaceBefore=2, spaceAfter=8
        ),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=font.bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4, keepWithNext=1
        ),
    }


def table_style(font: Fonts, *, header_rows: int = 1, total_row: bool = False, text_columns: int = 1) -> TableStyle:
    """Grid-less tables: a rule under the header, faint banding, numbers right of the first ``text_columns``."""
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), font.regular),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("LEADING", (0, 0), (-1, -1), 9),
        ("FONTNAME", (0, 0), (-1, header_rows - 1), font.bold),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (text_columns, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, GREY["ink"]),
        ("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [colors.white, GREY["faint"]]),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if total_row:
        commands += [("LINEABOVE", (0, -1), (-1, -1), 0.6, GREY["ink"]), ("FONTNAME", (0, -1), (-1, -1), font.bold)]
    return TableStyle(commands)


def plain_table_style() -> TableStyle:
    """A layout-only table (label and value pairs on the cover): no rules, top-aligned."""
    return TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ]
    )
