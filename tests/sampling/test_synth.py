"""Synthetic extracts: valid invented people, every feature of real extracts, reproducible."""

from __future__ import annotations

import datetime as dt
import io
import re

import polars as pl
import pytest
from click.testing import CliRunner

from prem.cli import main
from sampling.reference import regions
from sampling.synth import (
    CARE_LEVELS,
    CONTACT_COLUMNS,
    POPULATION_COLUMNS,
    SWEDISH_CARE_LEVELS,
    SWEDISH_CONTACT_COLUMNS,
    SynthError,
    scale_for_rows,
    write_synthetic_extracts,
)

SCALE = 0.01
SAMPLING_DATE = dt.date(2026, 2, 1)
EXCEL_REGIONS = {"05", "17", "22"}


def _luhn_ok(ten_digits: str) -> bool:
    total = 0
    for position, char in enumerate(ten_digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return total % 10 == 0


def _parse(text: str) -> tuple[str, dt.date, bool]:
    """Independent reading of SAMPLING.md's forms: (12 digits, birth date, samordningsnummer)."""
    match = re.fullmatch(r"(\d{2})?(\d{6})([-+]?)(\d{4})", text)
    assert match, f"not a personnummer form: {text!r}"
    century, short_date, sign, tail = match.groups()
    assert _luhn_ok(short_date + tail), f"bad check digit: {text}"
    yy, mm, dd = int(short_date[:2]), int(short_date[2:4]), int(short_date[4:])
    coordination = dd > 60
    day = dd - 60 if coordination else dd
    if century:
        birth = dt.date(int(century + short_date[:2]), mm, day)
    else:
        year = SAMPLING_DATE.year // 100 * 100 + yy
        if dt.date(year, mm, day) > SAMPLING_DATE:
            year -= 100
        if sign == "+":
            year -= 100
        birth = dt.date(year, mm, day)
    return f"{birth.year:04d}{short_date[2:]}{tail}", birth, coordination


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    return write_synthetic_extracts(tmp_path_factory.mktemp("extracts"), seed=7, scale=SCALE, year=2025)


def _read(path) -> pl.DataFrame:
    region = path.stem.removeprefix("contacts-")
    raw = path.read_bytes()
    text = raw.decode("cp1252") if region in EXCEL_REGIONS else raw.decode("utf-8-sig")
    frame = pl.read_csv(io.StringIO(text), separator=";" if region in EXCEL_REGIONS else ",", infer_schema=False)
    return frame.rename(dict(zip(frame.columns, CONTACT_COLUMNS, strict=True))).with_columns(file=pl.lit(region))


@pytest.fixture(scope="module")
def contacts(extracts) -> pl.DataFrame:
    return pl.concat([_read(path) for path in extracts.contacts])


@pytest.fixture(scope="module")
def population(extracts) -> pl.DataFrame:
    return pl.read_csv(extracts.population, infer_schema=False)


@pytest.fixture(scope="module")
def persons(contacts) -> pl.DataFrame:
    """One row per distinct personnummer text in the contacts, parsed independently."""
    texts = contacts["personnummer"].unique().to_list()
    parsed = [_parse(text) for text in texts]
    return pl.DataFrame(
        {
            "personnummer": texts,
            "canonical": [p[0] for p in parsed],
            "birth": [p[1] for p in parsed],
            "coordination": [p[2] for p in parsed],
        }
    )


@pytest.fixture(scope="module")
def coded(contacts, persons) -> pl.DataFrame:
    """Contacts with canonical personnummer, normalised codes and age at the end of 2025."""
    return contacts.join(persons, on="personnummer").with_columns(
        main=pl.col("main_diagnosis").str.to_uppercase().str.replace_all(r"[.\s]", ""),
        others=pl.col("other_diagnoses")
        .fill_null("")
        .str.to_uppercase()
        .str.replace_all(r"\.", "")
        .str.replace_all(r"[,;| ]+", " ")
        .str.strip_chars()
        .str.split(" "),
        age=2025 - pl.col("birth").dt.year(),
        care_level=pl.col("care_level").replace(dict(zip(SWEDISH_CARE_LEVELS, CARE_LEVELS, strict=True))),
    )


def test_every_file_is_written_with_its_rows(extracts, contacts, population):
    assert [path.stem for path in extracts.contacts] == [f"contacts-{code}" for code in regions()]
    assert contacts.height == extracts.contact_rows
    assert population.height == extracts.persons
    assert tuple(population.columns) == POPULATION_COLUMNS


def test_every_personnummer_is_valid_and_one_person_has_one_number(persons, population):
    population_numbers = population["personnummer"]
    assert population_numbers.n_unique() == population.height
    assert all(_parse(text)[0] == text for text in population_numbers.to_list())
    # Every person in the contacts is in the population file, and forms of one person agree.
    assert set(persons["canonical"]) == set(population_numbers)


def test_sex_agrees_with_the_second_last_digit(contacts, persons):
    sexed = contacts.join(persons, on="personnummer").filter(pl.col("sex").is_not_null())
    man = sexed["canonical"].str.slice(10, 1).cast(pl.Int32) % 2 == 1
    assert ((sexed["sex"].is_in(["M", "1"])) == man).all()
    assert set(contacts["sex"].drop_nulls()) == {"M", "K", "1", "2"}
    assert contacts["sex"].null_count() > 0


def test_personnummer_forms_include_every_accepted_kind(contacts, persons):
    texts = contacts["personnummer"]
    assert texts.str.contains(r"^\d{8}-\d{4}$").any()
    assert texts.str.contains(r"^\d{12}$").any()
    assert texts.str.contains(r"^\d{6}-\d{4}$").any()
    centenarians = persons.filter(pl.col("personnummer").str.contains(r"\+"))
    assert centenarians.height > 0
    assert all(birth.replace(year=birth.year + 100) <= SAMPLING_DATE for birth in centenarians["birth"])
    assert persons["coordination"].sum() > 0


def test_pathway_codes_appear_at_plausible_prevalences(coded):
    adults = sum(region.population_2023 for region in regions().values()) * SCALE * 0.79

    def people_with(prefixes: tuple[str, ...], *, adult: bool = True) -> int:
        mask = (
            pl.col("main").str.starts_with(prefixes[0])
            | pl.col("others").list.eval(pl.element().str.starts_with(prefixes[0])).list.any()
        )
        for prefix in prefixes[1:]:
            mask |= (
                pl.col("main").str.starts_with(prefix)
                | pl.col("others").list.eval(pl.element().str.starts_with(prefix)).list.any()
            )
        rows = coded.filter(mask & (pl.col("age") >= 18 if adult else True))
        return rows["canonical"].n_unique()

    assert 0.004 < people_with(("M05", "M06")) / adults < 0.011
    assert 0.003 < people_with(("K50", "K51")) / adults < 0.01
    concussion = people_with(("S060",), adult=False)
    other_tbi = people_with(tuple(f"S06{digit}" for digit in range(1, 10)), adult=False)
    assert concussion > 3 * other_tbi > 0
    fracture_codes = ("S720", "S721", "S722", "S220", "S221", "S320", "S422", "S525", "S526")
    fractures = coded.filter(pl.col("main").is_in(fracture_codes))
    assert (fractures["age"] >= 50).mean() > 0.7
    assert (fractures["age"] < 50).any()
    unrelated_chapters = set(coded["main"].str.slice(0, 1))
    assert {"J", "I", "E", "F", "Z", "R"} <= unrelated_chapters


def test_codes_are_written_as_regions_write_them(contacts):
    main = contacts["main_diagnosis"]
    assert main.str.contains(r"^[A-Z]\d{2}\.\d").any()  # dotted
    assert main.str.contains(r"^[a-z]\d{2}").any()  # lower case
    assert main.str.contains(r"^[A-Z]\d{2} \d").any()  # a space inside
    others = contacts["other_diagnoses"].drop_nulls()
    for separator in (",", ";", "|", " "):
        assert others.str.contains(re.escape(separator)).any(), separator
    # A space inside a code would read as two codes in the other-diagnoses list.
    assert not others.str.contains(r"[A-Za-z]\d{2} \d(\D|$)").any()


def test_swedish_excel_exports_decode_as_windows_1252(extracts):
    path = next(path for path in extracts.contacts if path.stem == "contacts-05")
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert text.splitlines()[0] == ";".join(SWEDISH_CONTACT_COLUMNS)
    assert "Primärvård" in text and "Specialiserad öppenvård" in text and "Slutenvård" in text
    bom_file = next(path for path in extracts.contacts if path.stem == "contacts-12")
    assert bom_file.read_bytes().startswith(b"\xef\xbb\xbfpersonnummer,")


def test_care_levels_dates_and_repeat_contacts(coded):
    assert set(coded["care_level"]) == set(CARE_LEVELS)
    dates = coded["contact_date"].str.replace_all("-", "").str.to_date("%Y%m%d")
    assert dates.min() >= dt.date(2025, 1, 1) and dates.max() <= dt.date(2025, 12, 31)
    assert (dates >= coded["birth"]).all()
    ra = coded.filter(pl.col("main").str.contains("^M0[56]")).with_columns(
        date=dates.filter(coded["main"].str.contains("^M0[56]"))
    )
    per_person = ra.group_by("canonical").agg(contacts=pl.len(), dates=pl.col("date").n_unique())
    assert (per_person["contacts"] == 1).any()
    assert (per_person["contacts"] >= 4).any()
    assert (per_person["dates"] < per_person["contacts"]).any()  # two on one date
    # Hip fractures mostly as inpatients, RA mostly at specialist clinics.
    hip = coded.filter(pl.col("main").is_in(["S720", "S721", "S722"]))
    assert (hip["care_level"] == "inpatient").mean() > 0.5
    assert (ra["care_level"] == "specialist").mean() > 0.4


def test_some_people_have_contacts_in_two_regions(coded):
    regions_per_person = coded.group_by("canonical").agg(pl.col("region").n_unique())
    assert (regions_per_person["region"] == 2).any()
    assert (coded["region"] == coded["file"]).all()


def test_deceased_protected_and_missing_addresses(population, coded):
    deceased = population.filter(pl.col("deceased_date").is_not_null())
    death = deceased["deceased_date"].str.to_date()
    assert (death <= SAMPLING_DATE).any() and (death > SAMPLING_DATE).any()
    protected = population.filter(pl.col("protected_identity") == "true")
    assert protected.height > 0 and protected["street"].null_count() == protected.height
    assert set(population["protected_identity"]) == {"true", "false"}
    unprotected = population.filter(pl.col("protected_identity") == "false")
    for part in ("street", "postal_code", "city"):
        assert 0 < unprotected[part].null_count() < 0.05 * unprotected.height, part
    assert population["postal_code"].drop_nulls().str.contains(r"^\d{3} \d{2}$").all()
    assert population["name"].str.contains("[åäöÅÄÖ]").any()
    # Nobody has a contact after their death.
    dated = coded.join(deceased.select(canonical="personnummer", died=death), on="canonical")
    contact = dated["contact_date"].str.replace_all("-", "").str.to_date("%Y%m%d")
    assert (contact <= dated["died"]).all()


def test_same_seed_same_bytes_other_seed_other_people(tmp_path):
    options = {"scale": 0.002, "regions": ["05", "09"]}
    first = write_synthetic_extracts(tmp_path / "a", seed=3, **options)
    second = write_synthetic_extracts(tmp_path / "b", seed=3, **options)
    other = write_synthetic_extracts(tmp_path / "c", seed=4, **options)
    for a, b, c in zip(
        (*first.contacts, first.population),
        (*second.contacts, second.population),
        (*other.contacts, other.population),
        strict=True,
    ):
        assert a.read_bytes() == b.read_bytes()
        assert a.read_bytes() != c.read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "contacts-05.csv",
        "contacts-09.csv",
        "population.csv",
    ]


def test_national_parquet_file_aims_at_a_row_count(tmp_path):
    rows = 30_000
    files = write_synthetic_extracts(tmp_path, seed=1, scale=scale_for_rows(rows), fmt="parquet", national=True)
    assert [path.name for path in files.contacts] == ["contacts.parquet"]
    contacts = pl.read_parquet(files.contacts[0])
    assert tuple(contacts.columns) == CONTACT_COLUMNS
    assert abs(contacts.height - rows) < 0.05 * rows
    assert set(contacts["care_level"]) == {"primary", "specialist", "inpatient"}
    assert pl.read_parquet(files.population).height == files.persons


def test_bad_requests_raise_domain_errors(tmp_path):
    with pytest.raises(SynthError, match="unknown region code"):
        write_synthetic_extracts(tmp_path, seed=1, regions=["99"])
    with pytest.raises(SynthError, match="scale must be positive"):
        write_synthetic_extracts(tmp_path, seed=1, scale=0)
    with pytest.raises(SynthError, match="year must be between"):
        write_synthetic_extracts(tmp_path, seed=1, year=1950)
    assert list(tmp_path.iterdir()) == []


def test_cli_writes_the_files_and_explains_bad_input(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["synth", "--out", str(tmp_path), "--regions", "09,23", "--scale", "0.002"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contacts-09.csv", "contacts-23.csv", "population.csv"]
    bad = runner.invoke(main, ["synth", "--out", str(tmp_path / "x"), "--regions", "02"])
    assert bad.exit_code == 2
    assert "unknown region code(s) 02" in bad.output
    assert "Traceback" not in bad.output


def _number(birth: str, serial: str, sign: str = "-") -> str:
    """A personnummer with its check digit: ``birth`` as YYYYMMDD or YYMMDD (day + 60 for samordningsnummer)."""
    short = birth[-6:] + serial
    check = next(digit for digit in "0123456789" if _luhn_ok(short + digit))
    return f"{birth}{sign}{serial}{check}"


def test_benchmark_reference_counts_follow_the_pilot_rules(tmp_path):
    """The DuckDB reference of ``bench/bench_sampling.py`` on hand-made contacts with known answers."""
    pytest.importorskip("duckdb")
    from bench.bench_sampling import duckdb_counts

    people = {
        "ra_eligible": _number("19850304", "123"),
        "ra_same_date": _number("19850305", "123"),
        "ra_other_position": _number("19850306", "123"),
        "ra_primary_only": _number("19850307", "123"),
        "ra_aged_17": _number("20080601", "123"),
        "ra_turns_18_on_period_end": _number("071231", "123"),
        "ra_centenarian": _number("250101", "123", "+"),
        "ra_before_period": _number("19850308", "123"),
        "ibd_eligible": _number("19900101", "234"),
        "ibd_primary": _number("19900102", "234"),
        "ibd_coordination_number": _number("19800171", "234"),
        "fracture_turns_50_that_day": _number("19750310", "345"),
        "fracture_aged_49": _number("19750311", "345"),
        "fracture_code_as_other": _number("19500101", "345"),
        "m80_as_other": _number("19550101", "345"),
        "concussion": _number("19600101", "456"),
        "tbi_inpatient_other": _number("19600102", "456"),
        "tbi_specialist": _number("19600103", "456"),
    }
    rows = [
        ("ra_eligible", "2025-02-01", "specialist", "M05.9", ""),
        ("ra_eligible", "2025-06-01", "primary", "m059", ""),
        ("ra_same_date", "2025-02-01", "specialist", "M069", ""),
        ("ra_same_date", "2025-02-01", "specialist", "M069", ""),
        ("ra_other_position", "2025-02-01", "specialist", "I10", "E11.9;M06.0"),
        ("ra_primary_only", "2025-02-01", "primary", "M059", ""),
        ("ra_primary_only", "2025-03-01", "primary", "M059", ""),
        ("ra_aged_17", "2025-02-01", "specialist", "M059", ""),
        ("ra_aged_17", "2025-03-01", "specialist", "M059", ""),
        ("ra_turns_18_on_period_end", "20250201", "specialist", "M059", ""),
        ("ra_turns_18_on_period_end", "20250301", "inpatient", "M059", ""),
        ("ra_centenarian", "2025-02-01", "specialist", "M05 9", ""),
        ("ra_centenarian", "2025-09-01", "primary", "M059", ""),
        ("ra_before_period", "2024-02-01", "specialist", "M059", ""),
        ("ra_before_period", "2024-03-01", "specialist", "M059", ""),
        ("ibd_eligible", "2025-04-01", "specialist", "k50.1", ""),
        ("ibd_primary", "2025-04-01", "primary", "K519", ""),
        ("ibd_coordination_number", "2025-04-01", "inpatient", "Z00.0", "J45.9 K51.9"),
        ("fracture_turns_50_that_day", "2025-03-10", "inpatient", "S72.0", "W19"),
        ("fracture_aged_49", "2025-03-10", "inpatient", "S72.0", ""),
        ("fracture_code_as_other", "2025-03-10", "specialist", "M81.0", "S52.5"),
        ("m80_as_other", "2025-05-10", "primary", "Z09.8", "I10|M80.0"),
        ("concussion", "2025-05-10", "inpatient", "S06 0", ""),
        ("tbi_inpatient_other", "2025-05-10", "inpatient", "S02.0", "W19, S06.5"),
        ("tbi_specialist", "2025-05-10", "specialist", "S061", ""),
    ]
    contacts = tmp_path / "contacts.csv"
    pl.DataFrame(
        [
            (people[who], "K", "01", date, level, main, other, "SE2321000001-E0001")
            for who, date, level, main, other in rows
        ],
        schema=list(CONTACT_COLUMNS),
        orient="row",
    ).with_columns(pl.col("other_diagnoses").replace("", None)).write_csv(contacts)

    counts, _wall, _cpu = duckdb_counts(contacts)

    assert counts == {
        "reumatoid-artrit": (7, 3),
        "ibd-vuxna": (3, 2),
        "osteoporos-sekundarprevention": (3, 2),
        "traumatisk-hjarnskada": (2, 1),
    }


def test_regional_dialects_carry_the_same_contacts_as_the_national_file(tmp_path):
    """The engine finds the same people in the 21 regional files as in one canonical national file.

    Same seed and scale: the same people and contacts, written once in each
    region's export dialect (cp1252, ``;``, BOM, 10-digit numbers, compact
    dates, Swedish labels) and once canonically; the benchmark's DuckDB
    reference agrees with both.
    """
    engine = pytest.importorskip("sampling.engine")
    pytest.importorskip("duckdb")
    from bench.bench_sampling import duckdb_counts, flow_counts

    options = {"seed": 11, "scale": 0.003, "extract_date": SAMPLING_DATE}
    regional = write_synthetic_extracts(tmp_path / "regional", **options)
    national = write_synthetic_extracts(tmp_path / "national", national=True, **options)
    assert regional.contact_rows == national.contact_rows and regional.persons == national.persons

    def flow(files):
        result = engine.draw_sample(
            None,
            list(files.contacts),
            population=files.population,
            period_start="2025-01-01",
            period_end="2025-12-31",
            sampling_date=SAMPLING_DATE.isoformat(),
            seed=1,
            code_key=b"k" * 32,
        )
        return result.flow

    national_flow = flow(national)
    in_order = ["pathway", "region", "step"]
    assert flow(regional).sort(in_order).equals(national_flow.sort(in_order))
    national_flow.write_csv(tmp_path / "flow.csv")
    counts, _wall, _cpu = duckdb_counts(national.contacts[0])
    assert flow_counts(tmp_path / "flow.csv") == counts
