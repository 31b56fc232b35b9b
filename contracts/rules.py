"""The rule files' content: what a pathway's rule says, as plain data.

``sampling`` reads the YAML rule files into these (:func:`sampling.rules.load_rules`)
and applies them; ``analysis`` describes them in the report's method appendix
(the criteria in words, the rule file's hash) without reading or applying any.
The YAML format itself is documented in :mod:`sampling.rules`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

__all__ = [
    "AGE_REFERENCES",
    "CARE_LEVELS",
    "LABEL_LANGUAGES",
    "Criterion",
    "DiagnosisRule",
    "PathwayRule",
    "SampleSize",
]

CARE_LEVELS: Final[tuple[str, ...]] = ("primary", "specialist", "inpatient")
AGE_REFERENCES: Final[tuple[str, ...]] = ("period_end", "first_qualifying_contact")
LABEL_LANGUAGES: Final[tuple[str, ...]] = ("sv", "en")


@dataclass(frozen=True)
class DiagnosisRule:
    """Contacts with a code starting with one of ``codes`` (but none of ``exceptions``).

    ``position`` is ``main`` (main diagnosis only) or ``any`` (main or other).
    """

    position: str
    codes: tuple[str, ...]
    exceptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Criterion:
    """A population criterion; all conditions given must hold.

    ``min_contact_dates``: qualifying contacts on at least this many distinct
    dates. ``any_contact_at``: at least one qualifying contact at one of these
    care levels. ``min_age``/``max_age``: age in whole years on ``age_at``
    (``period_end`` or ``first_qualifying_contact``), limits included.
    ``label`` is how reports name the step, by language (``sv`` required, ``en``).
    """

    name: str
    min_contact_dates: int | None = None
    any_contact_at: tuple[str, ...] | None = None
    min_age: int | None = None
    max_age: int | None = None
    age_at: str = "period_end"
    label: dict[str, str] | None = None


@dataclass(frozen=True)
class SampleSize:
    """A fixed ``n`` per stratum, or a precision target (``margin``, ``response_rate``)."""

    n: int | None = None
    margin: float | None = None
    response_rate: float | None = None

    def for_stratum(self, eligible_population: int) -> int:
        """Persons to invite in a stratum of ``eligible_population`` (take-all when smaller).

        With a precision target, ``n0 = 1.96² · 0.25 / margin²`` corrected for the
        finite population and inflated for non-response:
        ``ceil(n0 / (1 + (n0 - 1) / N_h) / response_rate)``.
        """
        if eligible_population <= 0:
            return 0
        if self.margin is None or self.response_rate is None:
            return min(self.n or 0, eligible_population)
        n0 = 1.96**2 * 0.25 / self.margin**2
        wanted = math.ceil(n0 / (1 + (n0 - 1) / eligible_population) / self.response_rate)
        return min(wanted, eligible_population)


@dataclass(frozen=True)
class PathwayRule:
    """One pathway's rule file, validated."""

    pathway: str
    version: str
    diagnoses: tuple[DiagnosisRule, ...]
    care_levels: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    sample_size: SampleSize
    quarantine_months: int
    source: str
    sha256: str

    @property
    def codes(self) -> tuple[str, ...]:
        """Every code prefix this pathway looks for, in any position."""
        return tuple(code for rule in self.diagnoses for code in rule.codes)
