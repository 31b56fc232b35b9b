"""The paper questionnaire, printed from the same definition as the web survey.

Every item a respondent on the pathway is asked, every option with a tick box,
routing in words ("Om Nej, gå till fråga 23"), Swedish with English beneath,
and the respondent id on every page as text and as a Code128 barcode (the
scanning vendor keys the answers against it). No item is split across pages:
an item that does not fit the rest of a page starts the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from questionnaires.model import Item, Questionnaire
from sampling.letters.documents import Letter, _escape, _fonts, _write_atomically
from sampling.letters.round_info import RoundInfo

__all__ = ["numbered_items", "paper_questionnaire_drawer", "routing_notes", "write_paper_questionnaire"]

_MARGIN = 18 * mm
_TOP = 30 * mm  # the header with the barcode
_BOTTOM = 18 * mm


class TickBox(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """An empty square to tick (5 mm)."""

    def __init__(self, size: float = 4.5 * mm) -> None:
        super().__init__()
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        self.canv.setLineWidth(0.9)
        self.canv.rect(0, 0, self.size, self.size)


def numbered_items(q: Questionnaire, pathway: str) -> list[tuple[int, Item]]:
    """The items asked on ``pathway``, numbered 1, 2, ... as printed."""
    return list(enumerate((item for item in q.items if item.is_for(pathway)), start=1))


def _depends_on(q: Questionnaire, item: Item, controlling: str) -> bool:
    while item.show_if is not None:
        if item.show_if.item == controlling:
            return True
        item = q.item(item.show_if.item)
    return False


def routing_notes(q: Questionnaire, pathway: str) -> dict[tuple[str, int], tuple[int | None, ...]]:
    """``{(item id, option code): question number to go to}`` for the options that skip questions.

    An option that leaves the next items unasked (their ``show_if`` does not
    allow it) sends the respondent on to the first later item that does not
    depend on this one; ``None`` means the end of the questionnaire.
    """
    numbered = numbered_items(q, pathway)
    notes: dict[tuple[str, int], tuple[int | None, ...]] = {}
    for position, (_, item) in enumerate(numbered):
        if item.scale is None:
            continue
        dependents = [other for _, other in numbered[position + 1 :] if _depends_on(q, other, item.id)]
        if not dependents:
            continue
        later = [number for number, other in numbered[position + 1 :] if not _depends_on(q, other, item.id)]
        target = later[0] if later else None
        direct = [other for other in dependents if other.show_if is not None and other.show_if.item == item.id]
        for option in item.scale.options:
            if all(option.code not in other.show_if.codes for other in direct if other.show_if is not None):
                notes[(item.id, option.code)] = (target,)
    return notes


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    return {
        "question": ParagraphStyle("question", fontName=bold, fontSize=10.5, leading=13.5),
        "english": ParagraphStyle(
            "english", fontName=regular, fontSize=8.5, leading=10.5, textColor=colors.HexColor("#444444")
        ),
        "option": ParagraphStyle("option", fontName=regular, fontSize=10, leading=12),
        "route": ParagraphStyle("route", fontName=bold, fontSize=9, leading=11),
        "title": ParagraphStyle("title", fontName=bold, fontSize=15, leading=19, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=regular, fontSize=10, leading=13),
    }


def _item_block(
    q: Questionnaire,
    number: int,
    item: Item,
    notes: dict[tuple[str, int], tuple[int | None, ...]],
    numbers: dict[str, int],
    width: float,
) -> Table:
    """One item as a table that is never split: question, options with boxes, routing."""
    styles = _styles()
    rows: list[list[Any]] = []
    question = f"{number}. {_escape(item.text['sv'])}"
    rows.append([Paragraph(question, styles["question"]), ""])
    rows.append([Paragraph(_escape(item.text["en"]), styles["english"]), ""])
    if item.show_if is not None:
        controlling = q.item(item.show_if.item)
        allowed = [controlling.scale.option(code) for code in sorted(item.show_if.codes)] if controlling.scale else []
        sv = " eller ".join(option.label["sv"] for option in allowed)
        en = " or ".join(option.label["en"] for option in allowed)
        rows.append(
            [
                Paragraph(
                    f"Besvara bara om du svarade {_escape(sv)} på fråga {numbers[controlling.id]}. "
                    f"<font size=8>(Only if you answered {_escape(en)} to question {numbers[controlling.id]}.)</font>",
                    styles["route"],
                ),
                "",
            ]
        )
    if item.hint:
        rows.append([Paragraph(_escape(item.hint["sv"]), styles["english"]), ""])
    if item.scale is not None:
        for option in item.scale.options:
            label = f"{_escape(option.label['sv'])} <font size=8 color='#444444'>/ {_escape(option.label['en'])}</font>"
            target = notes.get((item.id, option.code))
            if target is not None:
                go = target[0]
                label += (
                    f"  <b>→ gå till fråga {go}</b> <font size=8>(go to question {go})</font>"
                    if go
                    else "  <b>→ du är klar</b> <font size=8>(you have finished)</font>"
                )
            rows.append([TickBox(), Paragraph(label, styles["option"])])
    else:
        lines = 8
        rows.append(["", Paragraph("<br/>" * lines, styles["option"])])
    table = Table(rows, colWidths=[9 * mm, width - 9 * mm])
    style = [
        ("SPAN", (0, 0), (1, 0)),
        ("SPAN", (0, 1), (1, 1)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
        ("LINEBELOW", (0, -1), (-1, -1), 0.3, colors.HexColor("#999999")),
    ]
    for row in range(2, len(rows)):
        if not isinstance(rows[row][0], TickBox) and rows[row][1] == "":
            style.append(("SPAN", (0, row), (1, row)))
    if item.scale is None:
        style.append(("BOX", (1, -1), (1, -1), 0.8, colors.black))
    table.setStyle(TableStyle(style))
    return table


def _page_frame(canvas: Canvas, q: Questionnaire, respondent_id: str, page: int) -> None:
    """Header (title, version, the respondent id as text and Code128) and footer of one page."""
    regular, bold = _fonts()
    width, height = A4
    canvas.setFont(bold, 9)
    canvas.drawString(_MARGIN, height - 12 * mm, f"{q.title['sv']} / {q.title['en']}")
    canvas.setFont(regular, 7.5)
    canvas.drawString(_MARGIN, height - 16 * mm, f"{q.id} {q.version} · sida/page {page}")
    barcode = Code128(respondent_id, barHeight=9 * mm, barWidth=0.33 * mm, quiet=True)
    x = width - _MARGIN - barcode.width
    barcode.drawOn(canvas, x, height - 22 * mm)
    canvas.setFont(regular, 8)
    canvas.drawRightString(width - _MARGIN, height - 25.5 * mm, respondent_id)
    canvas.setFont(regular, 7.5)
    canvas.drawString(_MARGIN, 10 * mm, f"{respondent_id} · {page}")  # left: the turn-over note is on the right


def _turn_over(canvas: Canvas) -> None:
    canvas.setFont(_fonts()[0], 8)
    canvas.drawRightString(A4[0] - _MARGIN, 10 * mm, "Fortsätt på nästa sida / Continued on the next page →")


def draw_paper_questionnaire(
    canvas: Canvas, q: Questionnaire, info: RoundInfo | None, pathway: str, respondent_id: str
) -> int:
    """Draw the questionnaire on new pages of ``canvas`` (ending with a page break); returns the page count."""
    styles = _styles()
    width, height = A4
    usable = width - 2 * _MARGIN
    numbered = numbered_items(q, pathway)
    numbers = {item.id: number for number, item in numbered}
    notes = routing_notes(q, pathway)
    intro = [
        Paragraph(_escape(q.title["sv"]), styles["title"]),
        Paragraph(_escape(q.pathway_intro(pathway, "sv")), styles["body"]),
        Paragraph(
            "Sätt ett kryss i den ruta som stämmer bäst, ett kryss per fråga. Skicka enkäten i svarskuvertet; "
            "portot är betalt.",
            styles["body"],
        ),
        Paragraph(_escape(q.pathway_intro(pathway, "en")) + " Tick one box per question.", styles["english"]),
    ]
    blocks = intro + [_item_block(q, number, item, notes, numbers, usable) for number, item in numbered]
    page = 1
    _page_frame(canvas, q, respondent_id, page)
    y = height - _TOP
    for block in blocks:
        _, block_height = block.wrap(usable, height)
        if y - block_height < _BOTTOM:
            _turn_over(canvas)
            canvas.showPage()
            page += 1
            _page_frame(canvas, q, respondent_id, page)
            y = height - _TOP
        block.drawOn(canvas, _MARGIN, y - block_height)
        y -= block_height + 3 * mm
    canvas.setFont(_fonts()[1], 10)
    canvas.drawString(_MARGIN, max(y - 6 * mm, _BOTTOM), "Tack för dina svar! / Thank you for your answers!")
    canvas.showPage()
    return page


def paper_questionnaire_drawer(q: Questionnaire, info: RoundInfo | None) -> Callable[[Canvas, Letter], None]:
    """A function that draws ``letter``'s person's questionnaire after their letter (reminder 2)."""

    def draw(canvas: Canvas, letter: Letter) -> None:
        draw_paper_questionnaire(canvas, q, info, letter.pathway, letter.respondent_id)

    return draw


def write_paper_questionnaire(q: Questionnaire, pathway: str, respondent_id: str, out_path: Path) -> Path:
    """One person's paper questionnaire as its own PDF (owner-only, written atomically)."""

    def pdf(path: Path) -> None:
        canvas = Canvas(str(path), pagesize=A4, pageCompression=1)
        canvas.setTitle(f"{q.title['sv']} ({q.id} {q.version})")
        draw_paper_questionnaire(canvas, q, None, pathway, respondent_id)
        canvas.save()

    _write_atomically(Path(out_path), pdf)
    return Path(out_path)
