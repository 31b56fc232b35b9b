"""Reading extracts: separators, encodings, Parquet, column mappings, and bad input."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sampling import ExtractError, draw_sample
from sampling.extracts import load_mapping
from sampling.register import check_population, scan_population

from .conftest import DATES, POPULATION_HEADER, SWEDISH_HEADER, ibd_frame, swedish_rows


def test_semicolon_windows_1252_with_swedish_names_and_labels(pnr, write_csv, code_key):
    path = write_csv("vgr.csv", SWEDISH_HEADER, swedish_rows(pnr), separator=";", encoding="cp1252")
    assert "Vårdnivå".encode("cp1252") in path.read_bytes()
    result = draw_sample(None, [path], code_key=code_key, **DATES)
    assert ibd_frame(result).select("region", "sex", "age").rows() == [("14", "K", 65)]


def test_utf8_with_bom(pnr, write_csv, code_key):
    path = write_csv("bom.csv", SWEDISH_HEADER, swedish_rows(pnr), encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert ibd_frame(draw_sample(None, [path], code_key=code_key, **DATES)).height == 1


def test_parquet_with_typed_columns_and_datetimes(pnr, tmp_path, code_key):
    person = int(pnr("19600101", 8, man=False))
    path = tmp_path / "typed.parquet"
    pl.DataFrame(
        {
            "personnummer": [person],
            "region": [1],
            "contact_date": [dt.datetime(2025, 3, 10, 0, 0)],
            "care_level": ["inpatient"],
            "main_diagnosis": ["K50"],
        }
    ).write_parquet(path)
    assert ibd_frame(draw_sample(None, path, code_key=code_key, **DATES)).select("region", "sex").rows() == [
        ("01", "K")
    ]


def test_parquet(pnr, tmp_path, code_key):
    path = tmp_path / "contacts.parquet"
    pl.DataFrame(swedish_rows(pnr)).write_parquet(path)
    assert ibd_frame(draw_sample(None, path, code_key=code_key, **DATES)).height == 1


def test_mapping_file_for_other_names_and_labels(pnr, write_csv, tmp_path, code_key):
    rows = [
        {("PID" if k == "Personnummer" else "Nivå" if k == "Vårdnivå" else k): v for k, v in row.items()}
        for row in swedish_rows(pnr, level="SV")
    ]
    path = write_csv(
        "odd.csv", [("PID" if k == "Personnummer" else "Nivå" if k == "Vårdnivå" else k) for k in SWEDISH_HEADER], rows
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "columns:\n  PID: personnummer\n  Nivå: care_level\ncare_levels:\n  SV: inpatient\n", encoding="utf-8"
    )
    with pytest.raises(ExtractError, match="missing column 'personnummer'; found: PID"):
        draw_sample(None, [path], code_key=code_key, **DATES)
    assert ibd_frame(draw_sample(None, [path], mapping=mapping, code_key=code_key, **DATES)).height == 1


def test_missing_column(pnr, write_csv, code_key):
    path = write_csv("nodate.csv", [c for c in SWEDISH_HEADER if c != "Besöksdatum"], swedish_rows(pnr))
    with pytest.raises(ExtractError, match=r"nodate.csv: missing column 'contact_date'; found: Personnummer, Kön"):
        draw_sample(None, [path], code_key=code_key, **DATES)


def test_empty_and_header_only_files(tmp_path, write_csv, code_key):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ExtractError, match=r"empty.csv: the file is empty"):
        draw_sample(None, [empty], code_key=code_key, **DATES)
    header_only = write_csv("header.csv", SWEDISH_HEADER, [])
    with pytest.raises(ExtractError, match=r"header.csv: the file has a header but no rows"):
        draw_sample(None, [header_only], code_key=code_key, **DATES)


def test_wrong_encoding(pnr, write_csv, code_key):
    path = write_csv("utf16.csv", SWEDISH_HEADER, swedish_rows(pnr), encoding="utf-16")
    with pytest.raises(ExtractError, match=r"utf16.csv: wrong encoding"):
        draw_sample(None, [path], code_key=code_key, **DATES)


def test_bad_population_row_names_its_file(pnr, contact, resident, run_sample):
    person = pnr("19800101", 6)
    with pytest.raises(ExtractError, match=r"population.csv, row 2, column 'protected_identity': 'kanske'"):
        run_sample([contact(person, main_diagnosis="K50")], population=[resident(person, protected_identity="kanske")])


def test_windows_1252_found_only_after_the_first_64_kib(pnr, contact, write_csv, code_key):
    person = pnr("19600101", 8, man=False)
    filler = [contact(person, main_diagnosis="J45", care_level="primary", unit="x" * 60)] * 1500
    late = contact(person, main_diagnosis="K50", care_level="Slutenvård", unit="Södra Älvsborg")
    path = write_csv("late.csv", list(late), [*filler, late], separator=";", encoding="cp1252")
    assert path.read_bytes()[:65536].isascii() and b"Slutenv\xe5rd" in path.read_bytes()
    assert ibd_frame(draw_sample(None, [path], code_key=code_key, **DATES)).height == 1


def test_malformed_csv_is_one_clear_error(tmp_path, code_key):
    path = tmp_path / "ragged.csv"
    path.write_text("personnummer,region,contact_date,care_level,main_diagnosis\n1,2,3,4,M05,6,7\n", encoding="utf-8")
    with pytest.raises(ExtractError, match=r"ragged.csv: cannot be read as CSV"):
        draw_sample(None, [path], code_key=code_key, **DATES)


def test_broken_parquet_is_named(tmp_path, code_key):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(ExtractError, match=r"broken.parquet: not a readable Parquet file"):
        draw_sample(None, [path], code_key=code_key, **DATES)


def test_quoted_fields_with_separators_and_line_breaks(pnr, contact, write_csv, code_key):
    person = pnr("19600101", 8, man=False)
    rows = [
        contact(
            person, main_diagnosis="I10", other_diagnoses="K50.1, E11", care_level="inpatient", unit="Avd 7, plan 2"
        ),
        contact(pnr("19600101", 9), main_diagnosis="K51", care_level="inpatient", unit="Avd 7\nplan 2"),
        contact(pnr("19600101", 10), main_diagnosis="K51", care_level="bad level"),
    ]
    path = write_csv("quoted.csv", list(rows[0]), rows)
    with pytest.raises(ExtractError, match=r"quoted.csv, row 4, column 'care_level'"):  # records, header = row 1
        draw_sample(None, [path], code_key=code_key, **DATES)
    result = draw_sample(None, [path], code_key=code_key, on_bad_rows="skip", **DATES)
    assert ibd_frame(result).height == 2


def test_population_numbers_written_in_ten_digit_form(pnr, contact, resident, run_sample):
    person = pnr("19800101", 6)
    result = run_sample([contact(person, main_diagnosis="K50")], population=[resident(f"{person[2:8]}-{person[8:]}")])
    assert result.flow.filter(pathway="ibd-vuxna", step="no_address")["removed"].to_list() == [0]
    assert result.mailing["name"].to_list() == ["Testa Testsson"]


def test_register_numbers_known_valid_are_checked_as_if_parsed(pnr, resident, write_csv, tmp_path):
    """The numbers the contacts' check found valid are not parsed again in the register: the lookup and the
    rejects are the same as when every register number is parsed."""
    people = [pnr("19600101", serial) for serial in range(6)]
    bad = people[5][:-1] + str((int(people[5][-1]) + 1) % 10)  # wrong check digit
    rows = [
        resident(people[0]),  # written as a known valid number
        resident(people[1], deceased_date="2025-01-01"),
        resident(f"{people[2][:8]}-{people[2][8:]}"),  # known valid, written otherwise
        resident(f" {people[3]}"),  # known valid, with a space before it
        resident(people[4], protected_identity="kanske"),  # not known, bad protected flag
        resident(bad),
        resident(people[0], name="Dubbel Dubbelsson"),  # the same person twice: the first row counts
    ]
    path = write_csv("population.csv", POPULATION_HEADER, rows)
    extract, scanned = scan_population(
        path, load_mapping(None), tmp_path, pl.Series([row["personnummer"] for row in rows])
    )
    sampling_date = dt.date(2026, 2, 1)
    known = pl.Series([*people[:4], "196001010000"])  # the last one is not in the register at all
    parsed_all = check_population(extract, scanned, sampling_date)
    with_known = check_population(extract, scanned, sampling_date, known)
    for parsed, shortcut in zip(parsed_all, with_known, strict=False):
        assert_frame_equal(parsed, shortcut)
    lookup, rejects = with_known
    assert lookup["personnummer"].to_list() == people[:4]
    assert lookup.filter(pl.col("personnummer") == people[0])["name"].item() == "Testa Testsson"
    assert set(rejects["value"]) == {"kanske", bad}
