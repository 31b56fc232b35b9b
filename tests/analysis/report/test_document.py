"""analysis.report.document: the pages, page numbers, metadata, and the file written whole or not at all."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from analysis.report import build_content, write_pdf

from .conftest import (
    flat,
)


def test_pathway_report_has_cover_summary_every_dimension_and_appendix(pathway_pdf, questionnaire):
    _, pages = pathway_pdf
    text, cover = flat(pages), flat(pages[:1])
    assert "Patienters upplevelse av vårdförloppet: Reumatoid artrit (RA)" in cover
    assert "Jämförelse mellan regioner" in cover
    assert "2026-03-02 – 2026-04-26" in cover and "2026-vår" in cover
    assert "Sida 1 av" in pages[0] and f"Sida {len(pages)} av {len(pages)}" in pages[-1]
    for heading in (
        "Sammanfattning",
        "Svarsfrekvens och vilka som svarade",
        "Den individuella vårdplanen",
        "Metodbilaga",
    ):
        assert heading in text
    for dim in questionnaire.dimensions:
        assert any(page.lstrip().startswith(dim.label["sv"]) for page in pages), dim.label["sv"]
    assert "Östergötland" in text and "Jämtland Härjedalen" in text and "Västra Götaland" in text


def test_pathway_report_metadata_names_title_and_author(pathway_pdf):
    path, _ = pathway_pdf
    metadata = PdfReader(path).metadata
    assert metadata.title == "Patienters upplevelse av vårdförloppet: Reumatoid artrit (RA)"
    assert metadata.author == "prem"


def test_failed_drawing_leaves_no_file(tmp_path, results, questionnaire, monkeypatch):
    content = build_content(results, questionnaire, round_name="2026-vår", kind="national")
    from analysis.report import sections

    def broken(*args, **kwargs):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(sections, "appendix", broken)
    with pytest.raises(RuntimeError):
        write_pdf(content, tmp_path / "report.pdf")
    assert list(tmp_path.iterdir()) == []
