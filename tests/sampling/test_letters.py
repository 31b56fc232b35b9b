"""prem letters: the letters and paper questionnaire read back (text, QR code, barcode), the vendor CSV, errors."""

from __future__ import annotations

import csv
import html
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from contracts.spreadsheet import neutralise_formula, recover_formula
from prem.cli import main
from questionnaires import load_questionnaire
from sampling.letters import build_letters, load_round_info
from sampling.letters.documents import LetterError
from sampling.letters.questionnaire_pdf import routing_notes, write_paper_questionnaire
from sampling.letters.round_info import RoundInfoError

DATA = Path(__file__).parent / "letters_data"
FRAME_HEADER = "respondent_id,pathway,region,sex,age,age_group,stratum_population,stratum_sample,design_weight\n"
MAILING_HEADER = "respondent_id,access_code,personnummer,name,street,postal_code,city\n"
# Synthetic people; the second name starts with "=" to check the vendor CSV's formula neutralisation.
PEOPLE = [
    ("RAAAA222222", "reumatoid-artrit", "K7QHM3WX9TPA", "Greta Testsson", "Provgatan 17", "413 19", "Göteborg"),
    ("RBBBB333333", "ibd-vuxna", "CMDQ2222RSTU", "=Åke Prov-Öberg", "Testvägen 2", "111 22", "Stockholm"),
    (
        "RCCCC444444",
        "osteoporos-sekundarprevention",
        "ZZZZ4444YYYY",
        "Berit Exempel",
        "Prövostigen 3",
        "981 38",
        "Kiruna",
    ),
]


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    directory = tmp_path / "sample"
    directory.mkdir()
    (directory / "frame.csv").write_text(
        FRAME_HEADER + "".join(f"{p[0]},{p[1]},01,K,82,80+,400,40,10\n" for p in PEOPLE), encoding="utf-8"
    )
    (directory / "mailing.csv").write_text(
        MAILING_HEADER + "".join(f"{p[0]},{p[2]},19450312-2389,{p[3]},{p[4]},{p[5]},{p[6]}\n" for p in PEOPLE),
        encoding="utf-8",
    )
    return directory


def run(*arguments: str):
    return CliRunner().invoke(main, ["letters", *arguments], catch_exceptions=False)


def pages_text(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_invitation_letters_read_back_sorted_by_postal_code(sample, tmp_path):
    out = tmp_path / "out" / "letters.pdf"
    result = run(
        "--mailing",
        str(sample / "mailing.csv"),
        "--round-info",
        str(DATA / "round-info.yaml"),
        "--kind",
        "invitation",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "3 invitation letters dated 2026-03-02" in result.output
    assert "reminder-1 on 2026-03-16" in result.output and "reminder-2 on 2026-03-30" in result.output
    assert not any(person[3] in result.output or person[2] in result.output for person in PEOPLE)  # no names, codes
    texts = pages_text(out)
    assert len(texts) == 3
    # Sorted by postal code: 111 22, 413 19, 981 38.
    assert ["Stockholm" in texts[0], "Göteborg" in texts[1], "Kiruna" in texts[2]] == [True, True, True]
    first = " ".join(texts[1].split())  # words as read, whatever the line breaks
    for expected in (
        "Greta Testsson",
        "Provgatan 17",
        "413 19",
        "Region Exempel",
        "2 mars 2026",
        "reumatoid artrit",
        "1 januari 2025 till 31 december 2025",
        "https://enkat.region.example/",
        "K7QH-M3WX-9TPA",
        "010-123 45 67",
        "Personuppgiftsansvarig",
        "Rättslig grund",
        "Lagring",
        "Dina rättigheter",
        "In English",
        "rheumatoid arthritis",
        "Legal basis",
    ):
        assert expected in first, expected
    assert "19450312" not in "".join(texts)  # the personnummer is never printed
    assert "osteoporos" in texts[2] or "benskörhet" in texts[2]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    vendor = out.with_suffix(".csv")
    assert stat.S_IMODE(vendor.stat().st_mode) == 0o600
    with vendor.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["respondent_id"] for row in rows] == ["RBBBB333333", "RAAAA222222", "RCCCC444444"]
    assert rows[0]["name"] == "'=Åke Prov-Öberg"
    assert rows[1]["access_code"] == "K7QH-M3WX-9TPA"
    assert rows[1]["qr_url"] == "https://enkat.region.example/?code=K7QHM3WX9TPA"
    assert rows[1]["letter_date"] == "2026-03-02"
    assert not list(out.parent.glob(".*"))  # no temporary files left behind


@pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None, reason="needs zbarimg, pdftoppm"
)
def test_qr_code_and_barcode_scan(sample, tmp_path):
    out = tmp_path / "r2.pdf"
    ids = tmp_path / "reminders.csv"
    ids.write_text("respondent_id\nRAAAA222222\n", encoding="utf-8")
    result = run(
        "--mailing",
        str(sample / "mailing.csv"),
        "--round-info",
        str(DATA / "round-info.yaml"),
        "--kind",
        "reminder-2",
        "--ids",
        str(ids),
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) > 2  # the letter, then the questionnaire's pages
    decoded = [
        subprocess.run(["zbarimg", "-q", str(page)], capture_output=True, text=True).stdout.split() for page in pages
    ]
    assert decoded[0] == ["QR-Code:https://enkat.region.example/?code=K7QHM3WX9TPA"]
    for symbols in decoded[1:]:
        assert symbols == ["CODE-128:RAAAA222222"]


def test_qr_payload_is_the_survey_address_with_the_code(sample):
    info = load_round_info(DATA / "round-info.yaml")
    assert info.code_url("K7QHM3WX9TPA") == "https://enkat.region.example/?code=K7QHM3WX9TPA"


def test_reminder_two_encloses_every_item_and_routing(sample, tmp_path):
    out = tmp_path / "r2.pdf"
    ids = tmp_path / "reminders.csv"
    ids.write_text("respondent_id\nRCCCC444444\nRAAAA222222\n", encoding="utf-8")
    run(
        "--mailing",
        str(sample / "mailing.csv"),
        "--round-info",
        str(DATA / "round-info.yaml"),
        "--kind",
        "reminder-2",
        "--ids",
        str(ids),
        "--out",
        str(out),
    )
    texts = pages_text(out)
    letters = [index for index, text in enumerate(texts) if "Din kod:" in text]
    assert len(letters) == 2 and "30 mars 2026" in texts[0] and "pappersenkät" in texts[0]
    questionnaire = "\n".join(texts[letters[0] + 1 : letters[1]])
    q = load_questionnaire("prem-vardforlopp")
    flat = " ".join(questionnaire.split())
    for item in q.items:
        assert " ".join(item.text["sv"].split())[:40] in flat, item.id
        assert " ".join(item.text["en"].split())[:30] in flat, item.id
    assert "gå till fråga 25" in flat
    assert "Besvara bara om du svarade Ja på fråga 23" in flat
    for page in texts[letters[0] + 1 : letters[1]]:
        assert "RAAAA222222" in page or "RCCCC444444" in page
    with (tmp_path / "r2.csv").open(encoding="utf-8") as handle:
        assert {row["enclose_paper_questionnaire"] for row in csv.DictReader(handle)} == {"yes"}


def test_routing_notes_skip_to_the_first_item_not_routed():
    q = load_questionnaire("prem-vardforlopp")
    notes = routing_notes(q, "ibd-vuxna")
    assert notes == {("municipality_contact", 2): (25,), ("municipality_contact", 9): (25,)}


def test_no_item_is_split_across_pages(tmp_path):
    q = load_questionnaire("prem-vardforlopp")
    out = write_paper_questionnaire(q, "ibd-vuxna", "RAAAA222222", tmp_path / "q.pdf")
    texts = pages_text(out)
    for item in q.items:
        if item.scale is None:
            continue
        pages = [index for index, text in enumerate(texts) if item.text["sv"][:30] in " ".join(text.split())]
        assert len(pages) == 1, item.id
        page = " ".join(texts[pages[0]].split())
        # every option of the item on the same page as its question
        for option in item.scale.options:
            assert option.label["sv"] in page, (item.id, option.code)


def test_reminders_need_the_reminder_list(sample, tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "letters",
            "--mailing",
            str(sample / "mailing.csv"),
            "--round-info",
            str(DATA / "round-info.yaml"),
            "--kind",
            "reminder-1",
            "--out",
            str(tmp_path / "r.pdf"),
        ],
    )
    assert result.exit_code != 0 and "needs --ids" in result.output
    assert not (tmp_path / "r.pdf").exists()


def test_reminder_list_restricts_and_unknown_ids_are_named(sample, tmp_path):
    ids = tmp_path / "reminders.csv"
    ids.write_text("respondent_id\nRBBBB333333\n", encoding="utf-8")
    letters = build_letters(sample / "mailing.csv", sample / "frame.csv", ids)
    assert [letter.respondent_id for letter in letters] == ["RBBBB333333"]
    ids.write_text("respondent_id\nRBBBB333333\nRZZZZ999999\n", encoding="utf-8")
    with pytest.raises(LetterError, match=r"reminders.csv:\n  line 3, column respondent_id: 'RZZZZ999999'"):
        build_letters(sample / "mailing.csv", sample / "frame.csv", ids)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("RAAAA222222,K7QHM3WX9TPA,x,,Provgatan 17,41319,Göteborg", "line 2, column name: empty"),
        (
            "RAAAA222222,NOT-A-CODE,x,Greta,Provgatan 17,41319,Göteborg",
            "line 2, column access_code: not an access code",
        ),
        (
            "RXXXX222222,K7QHM3WX9TPA,x,Greta,Provgatan 17,41319,Göteborg",
            "line 2, column respondent_id: 'RXXXX222222' is not in",
        ),
    ],
)
def test_bad_mailing_rows_are_named(sample, line, message):
    (sample / "mailing.csv").write_text(MAILING_HEADER + line + "\n", encoding="utf-8")
    with pytest.raises(LetterError, match=message) as raised:
        build_letters(sample / "mailing.csv", sample / "frame.csv")
    assert "mailing.csv" in str(raised.value)
    assert "NOT-A-CODE" not in str(raised.value)  # codes never appear in messages


def test_missing_column_is_named(sample):
    (sample / "mailing.csv").write_text("respondent_id,access_code,name\n", encoding="utf-8")
    with pytest.raises(LetterError, match="has no column street, postal_code, city"):
        build_letters(sample / "mailing.csv", sample / "frame.csv")


def test_round_info_problems_are_all_listed(tmp_path):
    path = tmp_path / "round.yaml"
    path.write_text(
        "round: x\nsurvey_url: ftp://x\nsender: {name: R}\ncontact: {}\nperiod: {start: 2025-13-01, end: 2025-12-31}\n"
        "plan: {invitation: 2026-03-01, reminder_1_after_days: 20, reminder_2_after_days: 10}\n"
        "data_protection: {controller: {sv: a}}\n",
        encoding="utf-8",
    )
    with pytest.raises(RoundInfoError) as raised:
        load_round_info(path)
    message = str(raised.value)
    for expected in (
        "sender.street",
        "contact: needs a phone or an email",
        "period.start",
        "reminder 2 must come after",
        "data_protection.controller: expected a text in both sv and en",
        "data_protection.rights",
        "survey_url",
    ):
        assert expected in message


def test_formula_neutralisation():
    assert [neutralise_formula(v) for v in ("=1+1", "+46", "-x", "@a", "Greta")] == [
        "'=1+1",
        "'+46",
        "'-x",
        "'@a",
        "Greta",
    ]


def test_the_web_app_never_imports_the_letters():
    """Region side stays region side: the app and its survey views load without sampling.letters."""
    code = (
        "import sys\nfrom prem import create_app\nimport prem.survey.controllers, prem.fieldwork.operations\n"
        "create_app({'TESTING': True, 'SECRET_KEY': 'x', 'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n"
        "print(sorted(m for m in sys.modules if m.startswith('sampling.letters')))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"
    root = Path(__file__).parents[2] / "prem"
    importers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "sampling.letters" in path.read_text(encoding="utf-8")
    ]
    assert importers == ["commands/letters.py"]


@pytest.mark.parametrize(("version", "declined_option"), [("2026.1", False), ("2026.2", True)])
def test_letters_and_paper_follow_the_round_s_questionnaire_version(sample, tmp_path, version, declined_option):
    """The paper questionnaire is the round's version, not the newest bundled one (2026.2 adds "Vill inte svara")."""
    info = tmp_path / "round-info.yaml"
    info.write_text(
        (DATA / "round-info.yaml").read_text(encoding="utf-8").replace('"2026.1"', f'"{version}"'), encoding="utf-8"
    )
    ids = tmp_path / "reminders.csv"
    ids.write_text("respondent_id\nRAAAA222222\n", encoding="utf-8")
    out = tmp_path / "r2.pdf"
    result = run(
        "--mailing", str(sample / "mailing.csv"), "--round-info", str(info),
        "--kind", "reminder-2", "--ids", str(ids), "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    questionnaire = "\n".join(pages_text(out)[1:])
    assert f"prem-vardforlopp {version}" in questionnaire or version in questionnaire
    assert ("Vill inte svara" in questionnaire) is declined_option


def test_letters_need_the_round_s_questionnaire_version(sample, tmp_path):
    info = tmp_path / "round-info.yaml"
    info.write_text(
        (DATA / "round-info.yaml").read_text(encoding="utf-8").replace('questionnaire_version: "2026.1"\n', ""),
        encoding="utf-8",
    )
    result = run(
        "--mailing", str(sample / "mailing.csv"), "--round-info", str(info),
        "--kind", "invitation", "--out", str(tmp_path / "letters.pdf"),
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"{info}: questionnaire_version: missing" in result.output
    assert not (tmp_path / "letters.pdf").exists() and not (tmp_path / "letters.csv").exists()
    info.write_text(
        (DATA / "round-info.yaml").read_text(encoding="utf-8").replace('"2026.1"', '"1999.9"'), encoding="utf-8"
    )
    result = run(
        "--mailing", str(sample / "mailing.csv"), "--round-info", str(info),
        "--kind", "invitation", "--out", str(tmp_path / "letters.pdf"),
    )  # fmt: skip
    assert result.exit_code == 1 and "1999.9" in result.output


def test_an_unquoted_questionnaire_version_is_refused(tmp_path):
    info = tmp_path / "round-info.yaml"
    info.write_text(
        (DATA / "round-info.yaml").read_text(encoding="utf-8").replace('"2026.1"', "2026.10"), encoding="utf-8"
    )
    with pytest.raises(RoundInfoError, match=r"questionnaire_version: 2026\.1 .*quoted text"):
        load_round_info(info)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")
def test_the_page_footer_and_the_turn_over_note_do_not_overlap(tmp_path):
    """Every page's footer reads "RID · page" apart from "Fortsätt på nästa sida" (they were drawn on top)."""
    q = load_questionnaire("prem-vardforlopp")
    out = write_paper_questionnaire(q, "ibd-vuxna", "RAAAA222222", tmp_path / "q.pdf")
    layout = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True)
    pages = layout.stdout.split("\f")[:-1]
    assert len(pages) > 2
    for number, page in enumerate(pages, start=1):
        footer = [line for line in page.splitlines() if line.strip()][-1]
        if number < len(pages):
            assert re.search(rf"RAAAA222222 · {number}\s{{2,}}Fortsätt på nästa sida", footer), footer
        else:
            assert re.search(rf"RAAAA222222 · {number}\s*$", footer), footer


def _words_mm(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """The words of one page as ``(text, left, top, right, bottom)`` in mm from the sheet's top-left corner."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    to_mm = 25.4 / 72
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [
        (html.unescape(text), float(left) * to_mm, float(top) * to_mm, float(right) * to_mm, float(bottom) * to_mm)
        for left, top, right, bottom, text in re.findall(pattern, xhtml)
    ]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
@pytest.mark.parametrize("kind", ["invitation", "reminder-1", "reminder-2"])
def test_the_address_alone_shows_in_the_envelope_s_window(sample, tmp_path, kind):
    # C5/E65 with the window on the left: 90 x 45 mm, 20 mm from the left and 45 mm from the top. A
    # letter moves a little in its envelope: what shows stays 1.5 mm inside the window's edges.
    window, clearance = (20.0, 45.0, 110.0, 90.0), 1.5
    ids = tmp_path / "ids.csv"
    ids.write_text("respondent_id\n" + "".join(f"{p[0]}\n" for p in PEOPLE), encoding="utf-8")
    out = tmp_path / f"{kind}.pdf"
    arguments = ["--mailing", str(sample / "mailing.csv"), "--round-info", str(DATA / "round-info.yaml")]
    result = run(*arguments, "--kind", kind, "--ids", str(ids), "--out", str(out))
    assert result.exit_code == 0, result.output
    letter_pages = [page for page, text in enumerate(pages_text(out), 1) if "Din kod" in text]
    assert len(letter_pages) == 3
    for page, person in zip(letter_pages, sorted(PEOPLE, key=lambda p: p[5]), strict=True):
        words = _words_mm(out, page)
        shown = [w for w in words if w[1] < window[2] and w[3] > window[0] and w[2] < window[3] and w[4] > window[1]]
        address = f"{person[3]} {person[4]} {person[5]} {person[6]}"
        # The return address (small, first), then the name, street, postal code and town: nothing else.
        assert " ".join(w[0] for w in shown) == f"Region Exempel, Box 123, 123 45 Exempelstad {address}", page
        for text, left, top, right, bottom in shown:
            assert left >= window[0] + clearance and right <= window[2] - clearance, (page, text, left, right)
            assert top >= window[1] + clearance and bottom <= window[3] - clearance, (page, text, top, bottom)
        address_words = shown[-len(address.split()) :]
        assert min(w[2] for w in address_words) >= 50.0 and max(w[4] for w in address_words) <= 80.0


def test_the_vendor_csv_gives_back_the_exact_names_and_addresses(sample, tmp_path):
    # A spreadsheet shows '=Åke as =Åke; a mail merge reading the file as text takes the ' off as
    # contracts.spreadsheet.recover_formula does (docs/letters.md), and prints the name as in the mailing list.
    out = tmp_path / "letters.pdf"
    arguments = ["--mailing", str(sample / "mailing.csv"), "--round-info", str(DATA / "round-info.yaml")]
    assert run(*arguments, "--kind", "invitation", "--out", str(out)).exit_code == 0
    with out.with_suffix(".csv").open(encoding="utf-8") as handle:
        rows = {row["respondent_id"]: row for row in csv.DictReader(handle)}
    for respondent_id, _pathway, _code, name, street, postal_code, city in PEOPLE:
        row = rows[respondent_id]
        assert [recover_formula(row[c]) for c in ("name", "street", "postal_code", "city")] == [
            name,
            street,
            postal_code,
            city,
        ]
    assert rows["RBBBB333333"]["name"].startswith("'=")
