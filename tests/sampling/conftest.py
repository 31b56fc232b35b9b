"""Fixtures for the sampling tests: synthetic personnummer and small extracts."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from sampling.personnummer import luhn_check_digit

CONTACT_HEADER = [
    "personnummer",
    "sex",
    "region",
    "contact_date",
    "care_level",
    "main_diagnosis",
    "other_diagnoses",
    "unit",
]
POPULATION_HEADER = ["personnummer", "name", "street", "postal_code", "city", "deceased_date", "protected_identity"]
#: A region's own Swedish column names (test_extracts, test_contacts).
SWEDISH_HEADER = [
    "Personnummer",
    "Kön",
    "Region",
    "Besöksdatum",
    "Vårdnivå",
    "Huvuddiagnos",
    "Bidiagnoser",
    "Vårdenhet",
]
DATES = {"period_start": "2025-01-01", "period_end": "2025-12-31", "sampling_date": "2026-02-01", "seed": 5}


def swedish_rows(pnr, level: str = "Slutenvård") -> list[dict[str, str]]:
    person = pnr("19600101", 8, man=False)
    return [
        {
            "Personnummer": f"{person[2:8]}-{person[8:]}",
            "Kön": "K",
            "Region": "14",
            "Besöksdatum": "20250310",
            "Vårdnivå": level,
            "Huvuddiagnos": "k50.1",
            "Bidiagnoser": "",
            "Vårdenhet": "Södra Älvsborg",
        }
    ]


def ibd_frame(result):
    return result.frame.filter(pathway="ibd-vuxna")


def synthetic_personnummer(birth: str, serial: int, *, man: bool = True, coordination: bool = False) -> str:
    """A valid 12-digit number ``YYYYMMDDNNNC`` for a synthetic person.

    ``serial`` (0–99) picks the first two serial digits; the third is odd for
    a man; ``coordination`` adds 60 to the day (samordningsnummer).
    """
    year, month, day = birth[:4], birth[4:6], int(birth[6:8]) + (60 if coordination else 0)
    third = 1 if man else 2
    nine = f"{year[2:]}{month}{day:02d}{serial:02d}{third}"
    return f"{year}{month}{day:02d}{serial:02d}{third}{luhn_check_digit(nine)}"


@pytest.fixture
def pnr() -> Callable[..., str]:
    """Make synthetic personnummer: ``pnr("19800101", 1, man=False)``."""
    return synthetic_personnummer


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write rows (dicts or lists) as CSV in ``tmp_path``; ``separator`` and ``encoding`` as a region would."""

    def write(
        name: str, header: list[str], rows: list[dict[str, str]], *, separator: str = ",", encoding: str = "utf-8"
    ) -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding=encoding) as stream:
            writer = csv.writer(stream, delimiter=separator)
            writer.writerow(header)
            for row in rows:
                writer.writerow([row.get(column, "") for column in header])
        return path

    return write


@pytest.fixture
def contact() -> Callable[..., dict[str, str]]:
    """One contact row with sensible defaults (an RA specialist visit in region 01)."""

    def make(personnummer: str, **fields: str) -> dict[str, str]:
        row = {
            "personnummer": personnummer,
            "region": "01",
            "contact_date": "2025-03-01",
            "care_level": "specialist",
            "main_diagnosis": "M05.9",
            "other_diagnoses": "",
            "unit": "SE2321000016-1",
        }
        row.update(fields)
        return row

    return make


@pytest.fixture
def resident() -> Callable[..., dict[str, str]]:
    """A population-register row: alive, not protected, with a full address."""

    def make(personnummer: str, **fields: str) -> dict[str, str]:
        row = {
            "personnummer": personnummer,
            "name": "Testa Testsson",
            "street": "Provgatan 1",
            "postal_code": "111 22",
            "city": "Stockholm",
            "deceased_date": "",
            "protected_identity": "nej",
        }
        row.update(fields)
        return row

    return make


@pytest.fixture
def code_key() -> bytes:
    """A fixed access-code key for tests (never use a fixed key in production)."""
    return bytes(range(32))


@pytest.fixture
def run_sample(write_csv: Callable[..., Path], resident: Callable[..., dict[str, str]], code_key: bytes):
    """Draw from hand-made contact rows; everyone in them gets a population row unless told otherwise."""
    from sampling import draw_sample

    def run(contacts: list[dict[str, str]], *, population: list[dict[str, str]] | None = None, **options):
        contacts_path = write_csv("contacts.csv", CONTACT_HEADER, contacts)
        if population is None:
            population = [resident(number) for number in dict.fromkeys(row["personnummer"] for row in contacts)]
        population_path = write_csv("population.csv", POPULATION_HEADER, population)
        settings = {
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "sampling_date": "2026-02-01",
            "seed": 7,
            "code_key": code_key,
        }
        settings.update(options)
        return draw_sample(settings.pop("rules", None), [contacts_path], population=population_path, **settings)

    return run


@pytest.fixture
def removal_step() -> Callable[..., str]:
    """The flow step that removed the only person of a pathway, or ``sampled`` when they were drawn."""

    def step(result, pathway: str) -> str:
        flow = result.flow.filter(pathway=pathway)
        removed = flow.filter((flow["removed"] > 0) & (flow["step"] != "sampled"))
        if removed.height:
            return removed["step"][0]
        if flow.filter(step="sampled")["remaining"].sum() == 1:
            return "sampled"
        return "no_qualifying_contacts"

    return step
