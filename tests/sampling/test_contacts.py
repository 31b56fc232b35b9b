"""sampling.contacts: which contacts carry a pathway's code, the row checks, and the rejects.

Through draw_sample (the codes as regions write them, bad rows named by file,
row and column) and directly (scan_contacts, check_contacts and the
CheckedContacts interface the engine reads).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from sampling import ExtractError, draw_sample, load_rules
from sampling.contacts import REJECT_COLUMNS, check_contacts, parse_date, raise_for_rejects, scan_contacts
from sampling.extracts import ColumnMapping

from .conftest import CONTACT_HEADER, DATES, SWEDISH_HEADER, ibd_frame, swedish_rows

RA, IBD, OST, TBI = "reumatoid-artrit", "ibd-vuxna", "osteoporos-sekundarprevention", "traumatisk-hjarnskada"
PERIOD = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
SAMPLING_DATE = dt.date(2026, 2, 1)


# --- codes as regions write them, through the draw -----------------------------------------


def test_ra_code_as_other_diagnosis_with_mixed_separators(pnr, contact, run_sample, removal_step):
    person = pnr("19700101", 1)
    result = run_sample(
        [
            contact(person, contact_date="2025-02-01", main_diagnosis="I10", other_diagnoses="E11.9;m06.0"),
            contact(person, contact_date="2025-03-01", main_diagnosis="Z00", other_diagnoses="J45 | M05.3"),
        ]
    )
    assert removal_step(result, RA) == "sampled"


def test_osteoporosis_fracture_code_counts_only_as_main_diagnosis(pnr, contact, run_sample, removal_step):
    result = run_sample([contact(pnr("19500101", 5), main_diagnosis="W01", other_diagnoses="S720")])
    assert removal_step(result, OST) == "no_qualifying_contacts"


def test_osteoporosis_m80_as_other_diagnosis_qualifies(pnr, contact, run_sample, removal_step):
    result = run_sample([contact(pnr("19500101", 5), main_diagnosis="Z09", other_diagnoses="M80.0")])
    assert removal_step(result, OST) == "sampled"


@pytest.mark.parametrize(
    ("main", "other", "step"),
    [
        ("S060", "", "no_qualifying_contacts"),
        ("S06.1", "", "sampled"),
        ("s06 5", "", "sampled"),
        ("T14", "S06 0", "no_qualifying_contacts"),
        ("S060", "S065", "sampled"),
    ],
)
def test_tbi_s06_except_concussion(pnr, contact, run_sample, removal_step, main, other, step):
    result = run_sample(
        [contact(pnr("19800101", 6), main_diagnosis=main, other_diagnoses=other, care_level="inpatient")]
    )
    assert removal_step(result, TBI) == step


# --- bad rows --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "column", "reason"),
    [
        ("Personnummer", "600101-0000", "Personnummer", "wrong check digit"),
        ("Besöksdatum", "10/03/2025", "Besöksdatum", "unparseable date"),
        ("Region", "99", "Region", "unknown region"),
        ("Vårdnivå", "Tandvård", "Vårdnivå", "unknown care level"),
    ],
)
def test_bad_rows_name_file_row_and_column(pnr, write_csv, code_key, field, value, column, reason):
    rows = swedish_rows(pnr) * 2
    rows[1] = {**rows[1], field: value}
    path = write_csv("bad.csv", SWEDISH_HEADER, rows, separator=";", encoding="cp1252")
    with pytest.raises(ExtractError) as caught:
        draw_sample(None, [path], code_key=code_key, **DATES)
    assert str(caught.value).startswith(f"{path}, row 3, column '{column}': '{value}': {reason}")


def test_skip_sets_bad_rows_aside_and_counts_them(pnr, write_csv, code_key):
    rows = [
        *swedish_rows(pnr),
        {**swedish_rows(pnr)[0], "Personnummer": "19600101-0000", "Region": "01"},
        {**swedish_rows(pnr)[0], "Besöksdatum": "igår", "Region": "77"},
    ]
    path = write_csv("bad.csv", SWEDISH_HEADER, rows)
    result = draw_sample(None, [path], code_key=code_key, on_bad_rows="skip", **DATES)
    assert result.rejects.select("row", "column", "reason").rows() == [
        (3, "Personnummer", "wrong check digit"),
        (4, "Besöksdatum", "unparseable date; expected YYYY-MM-DD or YYYYMMDD"),
    ]
    rejected = (
        result.flow.filter(pathway="ibd-vuxna", step="rejected_rows").select("region", "remaining", "removed").rows()
    )
    assert sorted(rejected) == [("", 0, 1), ("01", 0, 1), ("14", 1, 0)]
    assert ibd_frame(result).height == 1 and result.manifest["rejected_rows"] == 2


# --- directly: scan, check, and what the engine reads ----------------------------------------


def checked_contacts(write_csv, rows, pathways=None):
    rules = load_rules(pathways=pathways)
    path = write_csv("contacts.csv", CONTACT_HEADER, rows)
    mapping = ColumnMapping()
    extracts, candidates = scan_contacts([path], rules, mapping, path.parent)
    return rules, candidates, check_contacts(extracts, candidates, rules, mapping, PERIOD, SAMPLING_DATE)


def test_the_scan_keeps_every_row_with_a_code_stem_and_few_others(pnr, contact, write_csv):
    person = pnr("19700101", 1)
    rows = [
        contact(person, main_diagnosis="M05.9"),
        contact(person, main_diagnosis="J45", other_diagnoses="k50.1"),
        contact(person, main_diagnosis="J45", other_diagnoses="I10"),
        contact(person, main_diagnosis="s 0 6"),  # not a stem as written: no candidate
    ]
    _, candidates, _ = checked_contacts(write_csv, rows)
    assert sorted(candidates["_row"].to_list()) == [2, 3]


def test_qualifying_is_per_pathway_code_and_care_level(pnr, contact, write_csv):
    ra_person, ibd_person, both = pnr("19700101", 1), pnr("19700101", 2), pnr("19700101", 3)
    rows = [
        contact(ra_person, main_diagnosis="M05.9", care_level="primary"),
        contact(ibd_person, main_diagnosis="K50", care_level="inpatient"),
        contact(both, main_diagnosis="K51", other_diagnoses="M06.0", care_level="specialist"),
        contact(both, main_diagnosis="S72.0", contact_date="2024-12-31"),  # outside the period
    ]
    rules, _, checked = checked_contacts(write_csv, rows)
    by_slug = {rule.pathway: rule for rule in rules}
    assert sorted(checked.qualifying(by_slug[RA])["personnummer"].to_list()) == [ra_person, both]
    assert sorted(checked.qualifying(by_slug[IBD])["personnummer"].to_list()) == [ibd_person, both]
    assert checked.qualifying(by_slug[OST]).height == 0
    assert sorted(checked.numbers.to_list()) == sorted([ra_person, ibd_person, both])
    assert checked.rejects.height == 0 and checked.unreadable_by_region(RA) == {}
    expected = ["personnummer", "region", "contact_date", "care_level", "birth_date", "sex"]
    assert [c for c in checked.qualifying(by_slug[RA]).columns if not c.startswith("_")] == expected


def test_a_care_level_outside_the_rule_does_not_qualify(tmp_path, pnr, contact, write_csv):
    rule = tmp_path / "hip.yaml"
    rule.write_text(
        "pathway: hoftledsartros-primarvard\nversion: '0.1'\n"
        "qualifying_contacts:\n  diagnoses: [{position: main, codes: [M16]}]\n  care_levels: [primary]\n"
        "sample_size: {n: 5}\n",
        encoding="utf-8",
    )
    (hip,) = load_rules(rule)
    path = write_csv(
        "contacts.csv",
        CONTACT_HEADER,
        [
            contact(pnr("19700101", 1), main_diagnosis="M16"),
            contact(pnr("19700101", 2), main_diagnosis="M16", care_level="primary"),
        ],
    )
    extracts, candidates = scan_contacts([path], [hip], ColumnMapping(), tmp_path)
    checked = check_contacts(extracts, candidates, [hip], ColumnMapping(), PERIOD, SAMPLING_DATE)
    assert checked.numbers.len() == 2
    assert checked.qualifying(hip)["personnummer"].to_list() == [pnr("19700101", 2)]


def test_unreadable_rows_are_counted_per_pathway_and_region(pnr, contact, write_csv):
    person = pnr("19700101", 1)
    rows = [
        contact("19700101-0000", main_diagnosis="M05.9"),
        contact(person, main_diagnosis="K50", region="77"),
        contact(person, main_diagnosis="K50", region="12", care_level="hemsjukvård"),
        contact(person, main_diagnosis="J45"),  # no code: never checked
    ]
    _, _, checked = checked_contacts(write_csv, rows)
    assert checked.unreadable_by_region(RA) == {"01": 1}
    assert checked.unreadable_by_region(IBD) == {"": 1, "12": 1}
    assert checked.rejects.columns == list(REJECT_COLUMNS)
    assert checked.rejects.select("row", "column").rows() == [(2, "personnummer"), (3, "region"), (4, "care_level")]
    assert checked.numbers.len() == 0


def test_raise_for_rejects_names_the_first_row_and_the_count():
    rejects = pl.DataFrame(
        [("a.csv", 3, "Region", "77", "unknown region"), ("a.csv", 9, "Vårdnivå", "x", "unknown care level")],
        schema=list(REJECT_COLUMNS),
        orient="row",
    )
    with pytest.raises(ExtractError, match=r"^a.csv, row 3, column 'Region': '77': unknown region \(2 bad rows in all"):
        raise_for_rejects(rejects)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01", dt.date(2025, 3, 1)),
        ("20250301", dt.date(2025, 3, 1)),
        (" 2025-03-01 00:00:00 ", dt.date(2025, 3, 1)),
        ("2025-03-01T08:30", dt.date(2025, 3, 1)),
        ("01/03/2025", None),
        ("2025-02-30", None),
        (None, None),
    ],
)
def test_parse_date_takes_both_forms_and_ignores_a_time_of_day(text, expected):
    frame = pl.DataFrame({"day": [text]}, schema={"day": pl.String})
    assert frame.select(parse_date("day")).item() == expected
