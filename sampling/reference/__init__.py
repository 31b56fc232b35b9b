"""Reference tables shipped with prem: regions and approved care pathways.

Copies of ``shared/reference/regions.csv`` and ``pathways.csv`` so that an
installed prem needs nothing outside its own package.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

__all__ = ["Pathway", "Region", "pathways", "regions"]


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    healthcare_region: str
    population_2023: int


@dataclass(frozen=True)
class Pathway:
    slug: str
    name_sv: str
    name_en: str
    approved_year: int
    kind: str


def _rows(name: str) -> list[dict[str, str]]:
    text = files(__package__).joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def regions() -> dict[str, Region]:
    """The 21 Swedish regions by two-digit code, in file order."""
    return {
        r["code"]: Region(r["code"], r["name"], r["healthcare_region"], int(r["population_2023"]))
        for r in _rows("regions.csv")
    }


@cache
def pathways() -> dict[str, Pathway]:
    """Approved national care pathways by slug, in file order."""
    return {
        r["slug"]: Pathway(r["slug"], r["name_sv"], r["name_en"], int(r["approved_year"]), r["kind"])
        for r in _rows("pathways.csv")
    }
