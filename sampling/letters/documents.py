"""Invitation and reminder letters: one A4 page per person, sorted by postal code, and a print vendor's CSV.

Where the address goes (a standard Swedish window envelope, C5 or E65 with
the window on the left): the address block starts 22 mm from the left edge
and 50 mm from the top of the sheet and is at most 83 mm wide and 30 mm high,
inside the window of 90 × 45 mm whose top-left corner is 20 mm from the left
and 45 mm from the top of the sheet (the sheet folded in three for E65, in
two for C5: both keep the top third, 0–99 mm, facing the window). The sender
is printed above it in small type so that returned mail finds its way back.
Check the envelope with the print vendor before a large run.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, Paragraph

from contracts.files import write_privately
from contracts.spreadsheet import neutralise_formula
from sampling.access_codes import ALPHABET, CODE_LENGTH, format_access_code, normalise_access_code
from sampling.errors import SamplingError
from sampling.letters.round_info import RoundInfo

if TYPE_CHECKING:
    from questionnaires.model import Questionnaire

__all__ = [
    "ADDRESS_BLOCK",
    "LETTER_KINDS",
    "Letter",
    "LetterError",
    "build_letters",
    "write_letters",
]

LETTER_KINDS = ("invitation", "reminder-1", "reminder-2")
MAILING_COLUMNS = ("respondent_id", "access_code", "name", "street", "postal_code", "city")
#: The address block: (left, top, width, height) in mm from the sheet's top-left corner.
# At least 2 mm inside the window on every side (a letter moves a little in its envelope); the return
# address line sits 1.2 mm above the block, its top 1.9 mm below the window's top edge.
ADDRESS_BLOCK = (22.0, 50.0, 83.0, 30.0)
QR_SIZE_MM = 32.0
VENDOR_COLUMNS = (
    "sequence",
    "kind",
    "respondent_id",
    "name",
    "street",
    "postal_code",
    "city",
    "letter_date",
    "pathway",
    "survey_url",
    "access_code",
    "qr_url",
    "enclose_paper_questionnaire",
)
_MONTHS_SV = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


class LetterError(SamplingError):
    """A mailing list, frame or reminder list that letters cannot be made from (file, row and column named)."""


@dataclass(frozen=True)
class Letter:
    """One person's letter: the address, the pathway and the code it carries."""

    respondent_id: str
    name: str
    street: str
    postal_code: str
    city: str
    pathway: str
    access_code: str  # canonical, without separators

    @property
    def printed_code(self) -> str:
        """The code in groups of four (``K7QH-M3WX-9TPA``)."""
        return format_access_code(self.access_code)

    @property
    def sort_key(self) -> tuple[str, str]:
        return ("".join(ch for ch in self.postal_code if ch.isdigit()), self.respondent_id)


def _read_rows(path: Path, what: str, columns: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
    """``(line number, row)`` for every row of a UTF-8 CSV that has ``columns``."""
    if not path.is_file():
        raise LetterError(f"{path}: the {what} file does not exist")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [column for column in columns if column not in header]
            if missing:
                raise LetterError(
                    f"{path}: the {what} has no column {', '.join(missing)} (expected {', '.join(columns)})"
                )
            return [
                (reader.line_num, {key: (value or "").strip() for key, value in row.items() if key}) for row in reader
            ]
    except UnicodeDecodeError as error:
        raise LetterError(f"{path}: not a UTF-8 CSV {what} ({error})") from None
    except csv.Error as error:
        raise LetterError(f"{path}: cannot be read as a CSV {what} ({error})") from None


def _raise(path: Path, problems: list[str]) -> None:
    if problems:
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise LetterError(f"{path}:\n  " + "\n  ".join(problems[:20]) + more)


def build_letters(mailing_path: Path, frame_path: Path, ids_path: Path | None = None) -> list[Letter]:
    """The letters to print, sorted by postal code: from the mailing list, the frame's pathways and the ids.

    ``ids_path`` (a reminder list, the ``respondent_id`` column of ``prem
    fieldwork reminders``) restricts the letters to those respondents.
    """
    mailing_path, frame_path = Path(mailing_path), Path(frame_path)
    pathways: dict[str, str] = {}
    problems: list[str] = []
    for line, row in _read_rows(frame_path, "sample frame", ("respondent_id", "pathway")):
        if not row["pathway"]:
            problems.append(f"line {line}, column pathway: empty")
        pathways[row["respondent_id"]] = row["pathway"]
    _raise(frame_path, problems)
    wanted: set[str] | None = None
    if ids_path is not None:
        ids_path = Path(ids_path)
        wanted = set()
        for line, row in _read_rows(ids_path, "reminder list", ("respondent_id",)):
            if row["respondent_id"] not in pathways:
                problems.append(f"line {line}, column respondent_id: {row['respondent_id']!r} is not in {frame_path}")
            wanted.add(row["respondent_id"])
        _raise(ids_path, problems)
    letters: list[Letter] = []
    seen: set[str] = set()
    for line, row in _read_rows(mailing_path, "mailing list", MAILING_COLUMNS):
        respondent_id = row["respondent_id"]
        if respondent_id in seen:
            problems.append(f"line {line}, column respondent_id: {respondent_id!r} appears more than once")
        seen.add(respondent_id)
        if respondent_id not in pathways:
            problems.append(f"line {line}, column respondent_id: {respondent_id!r} is not in {frame_path}")
        for column in ("name", "street", "postal_code", "city"):
            if not row[column]:
                problems.append(f"line {line}, column {column}: empty (a letter needs a full address)")
        code = normalise_access_code(row["access_code"])
        if len(code) != CODE_LENGTH or not set(code) <= set(ALPHABET):
            problems.append(
                f"line {line}, column access_code: not an access code ({CODE_LENGTH} characters of {ALPHABET})"
            )
        if wanted is not None and respondent_id not in wanted:
            continue
        letters.append(
            Letter(
                respondent_id,
                row["name"],
                row["street"],
                row["postal_code"],
                row["city"],
                pathways.get(respondent_id, ""),
                code,
            )
        )
    _raise(mailing_path, problems)
    if wanted is not None and (absent := sorted(wanted - seen)):
        raise LetterError(f"{ids_path}: {len(absent)} respondents are not in {mailing_path}, e.g. {absent[0]!r}")
    return sorted(letters, key=lambda letter: letter.sort_key)


def swedish_date(day: dt.date) -> str:
    """``2 mars 2026``."""
    return f"{day.day} {_MONTHS_SV[day.month - 1]} {day.year}"


def english_date(day: dt.date) -> str:
    """``2 March 2026``."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


_OPENING = {
    "invitation": (
        "Vi vill gärna veta hur du har upplevt din vård.",
        "We would like to know how you have experienced your care.",
    ),
    "reminder-1": (
        "För en tid sedan fick du en inbjudan att svara på en enkät om din vård. Vi har ännu inte fått ditt svar. "
        "Om du redan har svarat: tack, och bortse från det här brevet.",
        "Some time ago you were invited to answer a survey about your care. We have not yet received your answers. "
        "If you have already answered: thank you, and please disregard this letter.",
    ),
    "reminder-2": (
        "Vi har ännu inte fått ditt svar på enkäten om din vård. Ditt svar är viktigt, även om du tycker att allt har "
        "fungerat bra. Med det här brevet följer en pappersenkät: svara på den eller på webben, inte båda. "
        "Skicka pappersenkäten i det bifogade svarskuvertet; portot är betalt.",
        "We have not yet received your answers to the survey about your care. Your answers matter, even if everything "
        "has gone well. A paper questionnaire comes with this letter: answer it or on the web, not both. Send the paper "
        "questionnaire in the enclosed reply envelope; postage is paid.",
    ),
}


def letter_texts(letter: Letter, kind: str, info: RoundInfo, q: Questionnaire, date: dt.date) -> dict[str, str]:
    """The letter's texts (plain text, in Swedish and English) that the PDF and the vendor CSV share."""
    start, end = info.period
    contact = info.contact
    how_sv = [f"telefon {contact['phone']}"] if contact.get("phone") else []
    how_en = [f"phone {contact['phone']}"] if contact.get("phone") else []
    if contact.get("email"):
        how_sv.append(f"e-post {contact['email']}")
        how_en.append(f"email {contact['email']}")
    hours = contact.get("hours") or {"sv": "", "en": ""}
    return {
        "opening_sv": _OPENING[kind][0],
        "opening_en": _OPENING[kind][1],
        "pathway_sv": q.pathway_intro(letter.pathway, "sv"),
        "pathway_en": q.pathway_intro(letter.pathway, "en"),
        "period_sv": f"Frågorna gäller vården från {swedish_date(start)} till {swedish_date(end)}.",
        "period_en": f"The questions are about your care from {english_date(start)} to {english_date(end)}.",
        "contact_sv": "Har du frågor? Kontakta oss på "
        + " eller ".join(how_sv)
        + (f", {hours['sv']}" if hours["sv"] else "")
        + ".",
        "contact_en": "Questions? Contact us by "
        + " or ".join(how_en)
        + (f", {hours['en']}" if hours["en"] else "")
        + ".",
    }


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path("/usr/share/fonts/truetype/dejavu")
    regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        return "Helvetica", "Helvetica-Bold"
    if "PremLetter" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("PremLetter", str(regular)))
        pdfmetrics.registerFont(TTFont("PremLetter-Bold", str(bold)))
        pdfmetrics.registerFontFamily("PremLetter", normal="PremLetter", bold="PremLetter-Bold")
    return "PremLetter", "PremLetter-Bold"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def qr_drawing(url: str, size_mm: float = QR_SIZE_MM) -> Drawing:
    """The QR code of ``url`` (error correction M), ``size_mm`` square."""
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    size = size_mm * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def address_font_size(lines: Iterable[str], font: str, width: float) -> float | None:
    """The largest size from 11 down to 8 pt at which every line fits ``width`` points (``None``: none does)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for size in (11.0, 10.0, 9.0, 8.0):
        if all(stringWidth(line, font, size) <= width for line in lines):
            return size
    return None


def draw_letter(canvas: Canvas, letter: Letter, kind: str, info: RoundInfo, q: Questionnaire, date: dt.date) -> None:
    """Draw one letter on the canvas's current page."""
    regular, bold = _fonts()
    width, height = A4
    texts = letter_texts(letter, kind, info, q, date)
    sender = info.sender
    # Return address, small, just above the window.
    canvas.setFont(regular, 7)
    left, top, block_width, _height = ADDRESS_BLOCK
    canvas.drawString(
        left * mm,
        height - (top - 1.2) * mm,
        f"{sender['name']}, {sender['street']}, {sender['postal_code']} {sender['city']}",
    )
    address = (letter.name, letter.street, f"{letter.postal_code}  {letter.city}")
    size = address_font_size(address, regular, block_width * mm)
    if size is None:
        raise LetterError(
            f"{letter.respondent_id}: the address is too long for the envelope's window ({block_width:g} mm)"
        )
    canvas.setFont(regular, size)
    y = height - top * mm - size
    for line in address:
        canvas.drawString(left * mm, y, line)
        y -= size * 1.3
    # Sender and date at the top right.
    canvas.setFont(bold, 11)
    canvas.drawString(120 * mm, height - 20 * mm, sender["name"])
    canvas.setFont(regular, 9)
    lines = [sender.get("department", ""), sender["street"], f"{sender['postal_code']} {sender['city']}"]
    y = height - 25 * mm
    for line in filter(None, lines):
        canvas.drawString(120 * mm, y, line)
        y -= 11
    canvas.drawString(120 * mm, y - 6, swedish_date(date))
    # Code and QR code, to the right of the address.
    canvas.setFont(regular, 8)
    qr_left, qr_top = 160 * mm, height - 48 * mm
    renderPDF.draw(qr_drawing(info.code_url(letter.access_code)), canvas, qr_left, qr_top - QR_SIZE_MM * mm)
    canvas.drawCentredString(
        qr_left + QR_SIZE_MM * mm / 2, qr_top - QR_SIZE_MM * mm - 9, "Skanna för att svara / Scan to answer"
    )
    # Body.
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13.5, spaceAfter=5)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10.2, spaceAfter=3)
    heading = ParagraphStyle("heading", parent=body, fontName=bold, fontSize=13, leading=16, spaceAfter=6)
    code_style = ParagraphStyle(
        "code", parent=body, fontName=bold, fontSize=16, leading=22, spaceBefore=2, spaceAfter=8
    )
    title = q.title["sv"]
    protection = info.data_protection
    story = [
        Paragraph(_escape(title), heading),
        Paragraph(_escape(texts["opening_sv"]), body),
        Paragraph(_escape(f"{texts['pathway_sv']} {texts['period_sv']}"), body),
        Paragraph(
            f"Svara på <b>{_escape(info.survey_url)}</b> med din personliga kod, eller skanna QR-koden med mobilens kamera. "
            "Det tar ungefär 15 minuter. Det är frivilligt att svara.",
            body,
        ),
        Paragraph(f"Din kod: {letter.printed_code}", code_style),
        Paragraph(_escape(texts["contact_sv"]), body),
        Paragraph(
            _escape(
                f"Personuppgiftsansvarig: {protection['controller']['sv']} Ändamål: {protection['purpose']['sv']} "
                f"Rättslig grund: {protection['legal_basis']['sv']} Lagring: {protection['retention']['sv']} "
                f"Dina rättigheter: {protection['rights']['sv']}"
            ),
            small,
        ),
        Paragraph("In English", ParagraphStyle("en-heading", parent=body, fontName=bold, spaceBefore=4)),
        Paragraph(
            _escape(
                f"{texts['opening_en']} {texts['pathway_en']} {texts['period_en']} Answer at {info.survey_url} "
                f"with your personal code {letter.printed_code}, or scan the QR code. Taking part is voluntary. "
                f"{texts['contact_en']}"
            ),
            small,
        ),
        Paragraph(
            _escape(
                f"Data protection: controller {protection['controller']['en']} Purpose: {protection['purpose']['en']} "
                f"Legal basis: {protection['legal_basis']['en']} Retention: {protection['retention']['en']} "
                f"Your rights: {protection['rights']['en']}"
            ),
            small,
        ),
    ]
    frame = Frame(
        20 * mm, 15 * mm, width - 40 * mm, height - 110 * mm - 15 * mm, showBoundary=0, leftPadding=0, rightPadding=0
    )
    frame.addFromList(story, canvas)
    if story:
        raise LetterError(f"the {kind} letter's text does not fit on one page: shorten the round information's texts")
    canvas.setFont(regular, 7)
    canvas.drawRightString(width - 20 * mm, 8 * mm, f"{info.round} · {letter.respondent_id}")


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file beside ``path`` (owner-only, 0600) renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_privately(path, write)


def vendor_csv_path(pdf_path: Path) -> Path:
    """The print vendor's CSV beside the PDF (``letters.pdf`` → ``letters.csv``)."""
    return Path(pdf_path).with_suffix(".csv")


def write_letters(
    letters: list[Letter],
    kind: str,
    info: RoundInfo,
    q: Questionnaire,
    out_path: Path,
    *,
    date: dt.date | None = None,
    paper_questionnaire: Callable[[Canvas, Letter], None] | None = None,
) -> tuple[Path, Path]:
    """Write the letters' PDF (one page per person, in the order given) and the vendor CSV beside it.

    ``date`` defaults to the plan's date for ``kind``. ``paper_questionnaire``,
    when given, draws the person's paper questionnaire after their letter
    (the last reminder's enclosure). Both files are owner-only and written
    atomically.
    """
    if kind not in LETTER_KINDS:
        raise LetterError(f"unknown letter kind {kind!r} (expected {', '.join(LETTER_KINDS)})")
    if not letters:
        raise LetterError("no letters to write (the mailing list or the reminder list is empty)")
    date = date or info.plan.date_of(kind)
    out_path = Path(out_path)

    def pdf(path: Path) -> None:
        canvas = Canvas(str(path), pagesize=A4, pageCompression=1)
        canvas.setTitle(f"{info.round}: {kind}")
        canvas.setAuthor(info.sender["name"])
        for letter in letters:
            draw_letter(canvas, letter, kind, info, q, date)
            canvas.showPage()
            if paper_questionnaire is not None:
                paper_questionnaire(canvas, letter)
        canvas.save()

    def vendor(path: Path) -> None:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(VENDOR_COLUMNS)
            for sequence, letter in enumerate(letters, start=1):
                row = [
                    str(sequence),
                    kind,
                    letter.respondent_id,
                    letter.name,
                    letter.street,
                    letter.postal_code,
                    letter.city,
                    date.isoformat(),
                    letter.pathway,
                    info.survey_url,
                    letter.printed_code,
                    info.code_url(letter.access_code),
                    "yes" if kind == "reminder-2" else "no",
                ]
                writer.writerow([neutralise_formula(value) for value in row])

    csv_path = vendor_csv_path(out_path)
    _write_atomically(out_path, pdf)
    _write_atomically(csv_path, vendor)
    return out_path, csv_path
