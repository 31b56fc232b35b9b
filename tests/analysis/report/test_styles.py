"""analysis.report.styles: the fonts (DejaVu embedded when present, else the standard fonts)."""

from __future__ import annotations

from pypdf import PdfReader

from analysis.report import build_content, write_pdf

from .conftest import (
    flat,
)


def test_without_dejavu_the_standard_font_still_writes_swedish(tmp_path, results, questionnaire):
    content = build_content(results, questionnaire, round_name="2026-vår", kind="region", regions=["05"])
    path = write_pdf(content, tmp_path / "helvetica.pdf", font_dir=tmp_path / "no-fonts")
    reader = PdfReader(path)
    text = flat([page.extract_text() for page in reader.pages])
    assert "Östergötland" in text and "Sammanfattning" in text and "Sida 1 av" in text
    fonts_used = {font["/BaseFont"] for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert fonts_used <= {"/Helvetica", "/Helvetica-Bold", "/Symbol"}  # standard fonts only, nothing embedded


def test_dejavu_is_embedded_when_present(pathway_pdf):
    path, _ = pathway_pdf
    reader = PdfReader(path)
    fonts_used = {str(font["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert any("PremSans" in name or "DejaVu" in name for name in fonts_used)
