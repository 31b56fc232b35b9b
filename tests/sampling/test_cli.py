"""``prem sample`` end to end through click's CliRunner, on small hand-built files."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from prem.cli import main


@pytest.fixture
def extract_files(pnr, contact, resident, write_csv):
    people = [pnr("19700101", serial, man=serial % 2 == 0) for serial in range(6)]
    contacts = [
        contact(person, contact_date=date, region="01" if index < 3 else "12")
        for index, person in enumerate(people)
        for date in ("2025-02-01", "2025-05-01")
    ]
    contacts.append(contact(people[0], main_diagnosis="S72.0", care_level="inpatient"))
    return (
        write_csv("contacts.csv", list(contacts[0]), contacts),
        write_csv("population.csv", list(resident(people[0])), [resident(person) for person in people]),
    )


def rows(path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def header(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[0].split(",")


def invoke(tmp_path, files, out, *extra):
    contacts, population = files
    contact_files = [str(path) for path in contacts] if isinstance(contacts, list) else [str(contacts)]
    arguments = [
        "sample",
        "--contacts",
        *contact_files,
        "--population",
        str(population),
        "--period-start",
        "2025-01-01",
        "--period-end",
        "2025-12-31",
        "--sampling-date",
        "2026-02-01",
        "--seed",
        "11",
        "--out",
        str(tmp_path / out),
        "--code-key",
        str(tmp_path / "code.key"),
        *extra,
    ]
    return CliRunner().invoke(main, arguments)


def test_prem_sample_writes_the_four_files(tmp_path, extract_files):
    result = invoke(tmp_path, extract_files, "round1")
    assert result.exit_code == 0, result.output
    assert "created a new access-code key" in result.output
    assert "reading contacts" not in result.output  # no progress bar when stderr is not a terminal
    out = tmp_path / "round1"
    assert sorted(p.name for p in out.iterdir()) == ["flow.csv", "frame.csv", "mailing.csv", "manifest.json"]
    frame = list(rows(out / "frame.csv"))
    assert {row["pathway"] for row in frame} == {"reumatoid-artrit", "osteoporos-sekundarprevention"}
    assert header(out / "mailing.csv") == [
        "respondent_id",
        "access_code",
        "personnummer",
        "name",
        "street",
        "postal_code",
        "city",
    ]
    assert header(out / "flow.csv") == ["pathway", "region", "step", "remaining", "removed"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 11 and manifest["inputs"]["contacts"][0]["file"] == "contacts.csv"
    assert len(manifest["rules"]) == 4 and manifest["steps_not_applied"] == []
    assert manifest["rules"][0]["sample_size"] == {"margin": 0.05, "response_rate": 0.5}
    assert (
        manifest["rules"][0]["criteria"][0]["label"]["sv"]
        == "Minst en kontakt i specialiserad öppenvård eller slutenvård"
    )


def test_same_key_and_seed_reproduce_the_files(tmp_path, extract_files):
    assert invoke(tmp_path, extract_files, "a").exit_code == 0
    assert invoke(tmp_path, extract_files, "b").exit_code == 0
    for name in ("frame.csv", "mailing.csv", "flow.csv", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_one_pathway_only(tmp_path, extract_files):
    result = invoke(tmp_path, extract_files, "ra", "--pathway", "reumatoid-artrit")
    assert result.exit_code == 0, result.output
    assert {row["pathway"] for row in rows(tmp_path / "ra" / "flow.csv")} == {"reumatoid-artrit"}


def test_bad_input_is_one_message_and_nothing_written(tmp_path, extract_files, write_csv, pnr, contact):
    bad = write_csv("bad.csv", list(contact("x")), [contact(pnr("19700101", 1), contact_date="31/12/2025")])
    result = invoke(tmp_path, (bad, extract_files[1]), "never")
    assert result.exit_code == 1
    assert "Error: " in result.output and "bad.csv, row 2, column 'contact_date'" in result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "never").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".never")] == []


def test_skip_writes_rejects(tmp_path, extract_files, write_csv, pnr, contact):
    contacts = list(rows(extract_files[0]))
    contacts.append(contact("19700101-0000"))
    path = write_csv("contacts_bad.csv", list(contact("x")), contacts)
    result = invoke(tmp_path, (path, extract_files[1]), "skipped", "--on-bad-rows", "skip")
    assert result.exit_code == 0, result.output
    rejects = list(rows(tmp_path / "skipped" / "rejects.csv"))
    assert [(row["row"], row["column"]) for row in rejects] == [(str(len(contacts) + 1), "personnummer")]


def test_existing_output_folder_is_not_overwritten(tmp_path, extract_files):
    assert invoke(tmp_path, extract_files, "done").exit_code == 0
    result = invoke(tmp_path, extract_files, "done")
    assert result.exit_code == 1 and "not empty" in result.output


def test_rule_file_error_from_the_cli(tmp_path, extract_files):
    rule = tmp_path / "bad.yaml"
    rule.write_text("pathway: ibd-vuxna\nversion: 1\nqualifying_contacts: {}\nsample_size: {n: 1}\n", encoding="utf-8")
    result = invoke(tmp_path, extract_files, "x", "--rules", str(rule))
    assert (
        result.exit_code == 1
        and "bad.yaml, line 3: qualifying_contacts lacks required key 'diagnoses'" in result.output
    )


def test_per_region_files_give_the_same_draw_as_one_national_file(tmp_path, extract_files, write_csv):
    contacts, population = extract_files
    all_rows = rows(contacts)
    split = [
        write_csv(f"contacts-{region}.csv", list(all_rows[0]), [r for r in all_rows if r["region"] == region])
        for region in ("01", "12")
    ]
    assert invoke(tmp_path, extract_files, "national").exit_code == 0
    result = invoke(tmp_path, (split, population), "regional")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "national" / "frame.csv").read_bytes() == (tmp_path / "regional" / "frame.csv").read_bytes()
    manifest = json.loads((tmp_path / "regional" / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["file"] for entry in manifest["inputs"]["contacts"]] == ["contacts-01.csv", "contacts-12.csv"]


def test_previous_rounds_quarantine_everyone_invited(tmp_path, extract_files, write_csv, pnr):
    assert invoke(tmp_path, extract_files, "round1", "--pathway", "reumatoid-artrit").exit_code == 0
    invited = rows(tmp_path / "round1" / "mailing.csv")
    other = write_csv(
        "other.csv",
        ["personnummer", "invited_date"],
        [{"personnummer": pnr("19500101", 50), "invited_date": "2025-10-01"}],
    )
    result = invoke(
        tmp_path, extract_files, "round2", "--previous", str(tmp_path / "round1" / "mailing.csv"), str(other)
    )
    assert result.exit_code == 0, result.output
    quarantined = [
        row
        for row in rows(tmp_path / "round2" / "flow.csv")
        if row["step"] == "quarantine" and row["pathway"] == "reumatoid-artrit"
    ]
    assert sum(int(row["removed"]) for row in quarantined) == len(invited) == 6
    manifest = json.loads((tmp_path / "round2" / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["file"] for entry in manifest["inputs"]["previous"]] == ["mailing.csv", "other.csv"]
