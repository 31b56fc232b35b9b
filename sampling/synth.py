"""Synthetic register extracts: contacts files per region and a population file.

What the sampling engine, its tests, the demo and the benchmark read instead
of real data. Everyone in these files is invented: personnummer are generated
(valid Luhn check digits, one number per person, sex in the second-last
digit), names and addresses are drawn from lists of Swedish-looking parts.

The files look like what regions really deliver. Most contacts files are
canonical (``,``, UTF-8, the column names of SAMPLING.md); a few are Swedish
Excel exports (``;``, Windows-1252, Swedish column names and care-level
labels) or carry a UTF-8 byte-order mark; personnummer come in 12- and
10-digit forms (``+`` for centenarians) and as samordningsnummer; diagnosis
codes are written with dots, spaces and in lower case.

Scale 1.0 is a realistic national volume (about 10 million contact rows for
all 21 regions). Generation is vectorised (one seeded
:class:`numpy.random.Generator` per region and chunk of people) and streamed
to disk chunk by chunk, so memory stays at one chunk whatever the scale.

Examples
--------
>>> files = write_synthetic_extracts("demo-output/extracts", seed=1, scale=0.001)  # doctest: +SKIP
>>> files.contacts, files.population  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import polars as pl
from tqdm import tqdm

from contracts.errors import UserError
from sampling.reference import regions as reference_regions

if TYPE_CHECKING:
    import pyarrow.parquet as pq

__all__ = [
    "CARE_LEVELS",
    "CONTACT_COLUMNS",
    "POPULATION_COLUMNS",
    "SWEDISH_CARE_LEVELS",
    "SWEDISH_CONTACT_COLUMNS",
    "SynthError",
    "SyntheticFiles",
    "expected_contact_rows",
    "scale_for_rows",
    "write_synthetic_extracts",
]

CONTACT_COLUMNS = (
    "personnummer",
    "sex",
    "region",
    "contact_date",
    "care_level",
    "main_diagnosis",
    "other_diagnoses",
    "unit",
)
"""Canonical contacts columns, in file order (SAMPLING.md)."""

SWEDISH_CONTACT_COLUMNS = (
    "Personnummer",
    "Kön",
    "Region",
    "Besöksdatum",
    "Vårdnivå",
    "Huvuddiagnos",
    "Bidiagnoser",
    "Vårdenhet",
)
"""The same columns as a Swedish Excel export names them."""

POPULATION_COLUMNS = (
    "personnummer",
    "name",
    "street",
    "postal_code",
    "city",
    "deceased_date",
    "protected_identity",
)

CARE_LEVELS = ("primary", "specialist", "inpatient")
SWEDISH_CARE_LEVELS = ("Primärvård", "Specialiserad öppenvård", "Slutenvård")

_MAX_SCALE = 3.0
"""About the largest scale for which 500 serial numbers per birth date and sex suffice."""
_WOMAN_SHARE = 0.503
_CHUNK_PEOPLE = 200_000
"""Population persons generated at once; about 40 % of them appear in the extract."""


class SynthError(UserError, ValueError):
    """A request the generator cannot fulfil (unknown region, bad scale, ...)."""

    usage = True


@dataclass(frozen=True)
class SyntheticFiles:
    """Where :func:`write_synthetic_extracts` put its files and how much it wrote.

    Attributes
    ----------
    contacts : tuple of Path
        One contacts file per region in region-code order, or the single
        national file.
    population : Path
        The population-register lookup covering every person in ``contacts``.
    contact_rows, persons : int
        Rows written to the contacts files; people in the population file.
    """

    contacts: tuple[Path, ...]
    population: Path
    contact_rows: int
    persons: int


# --------------------------------------------------------------------------
# Vocabularies. Codes are canonical ICD-10-SE (upper case, no dot).

_RA = {"M059": 35, "M069": 25, "M058": 10, "M060": 10, "M051": 5, "M053": 5, "M050": 5, "M068": 5}
_IBD = {
    "K509": 20,
    "K500": 10,
    "K501": 10,
    "K508": 5,
    "K519": 25,
    "K515": 10,
    "K510": 5,
    "K512": 5,
    "K513": 5,
    "K518": 5,
}
# First contact of a fracture episode; the last four do not qualify for osteoporosis.
_FRACTURE = {
    "S720": 16,
    "S721": 12,
    "S722": 3,
    "S525": 18,
    "S526": 8,
    "S422": 12,
    "S220": 7,
    "S221": 2,
    "S320": 7,
    "M800": 5,
    "M808": 3,
    "M809": 2,
    "S723": 2,
    "S527": 1,
    "S424": 1,
    "S229": 1,
}
_HIP = ("S720", "S721", "S722", "S723")
_TBI = {
    "S060": 800,
    "S061": 20,
    "S062": 30,
    "S063": 40,
    "S064": 10,
    "S065": 50,
    "S066": 30,
    "S067": 5,
    "S068": 10,
    "S069": 5,
}
_EXTERNAL_CAUSES = {"W19": 4, "W01": 3, "W10": 1, "X59": 1, "V892": 1}
_UNRELATED = {
    "I10": 8,
    "J069": 6,
    "E119": 5,
    "Z000": 4,
    "M545": 5,
    "F329": 3,
    "F411": 3,
    "J459": 3,
    "R104": 3,
    "K210": 2,
    "N390": 3,
    "I489": 2,
    "E785": 2,
    "J209": 3,
    "Z719": 2,
    "R509": 2,
    "L309": 2,
    "H109": 2,
    "H669": 2,
    "B349": 3,
    "M179": 2,
    "M161": 2,
    "M751": 2,
    "I259": 2,
    "I500": 2,
    "E039": 2,
    "F431": 2,
    "G439": 2,
    "R060": 2,
    "R51": 2,
    "K590": 2,
    "Z012": 2,
    "Z760": 2,
    "Z027": 2,
    "A099": 1,
    "D509": 2,
    "S934": 2,
    "S610": 1,
    "T141": 1,
    "M810": 1,
    "K529": 1,
    "M139": 1,
    "J441": 2,
    "G473": 1,
    "N40": 1,
    "O800": 1,
    "Z349": 1,
    "F900": 1,
    "R529": 2,
    "M080": 1,
}
_FOLLOW_UP = ("Z098", "M810")
_TBI_OTHER_MAIN = ("S020", "S098")

_VOCABULARY: tuple[str, ...] = tuple(
    dict.fromkeys([*_RA, *_IBD, *_FRACTURE, *_TBI, *_EXTERNAL_CAUSES, *_UNRELATED, *_FOLLOW_UP, *_TBI_OTHER_MAIN])
)
_CODE_INDEX = {code: i for i, code in enumerate(_VOCABULARY)}

_CODE_STYLES = ("plain", "dotted", "lower_dotted", "lower_plain", "spaced")


def _code_variants(code: str) -> tuple[str, ...]:
    head, tail = code[:3], code[3:]
    dotted = f"{head}.{tail}" if tail else head
    spaced = f"{head} {tail}" if tail else head
    return code, dotted, dotted.lower(), code.lower(), spaced


# Style-major table: index style * len(_VOCABULARY) + code; the last entry is null.
_CODE_TEXT = pl.Series(
    "code",
    [variant for style in zip(*map(_code_variants, _VOCABULARY), strict=False) for variant in style] + [None],
    dtype=pl.Utf8,
)

_FIRST_NAMES_K = (
    "Anna Eva Maria Karin Sara Lena Kerstin Emma Ingrid Marie Malin Birgitta Inger Sofia Annika Linnéa Elin "
    "Ulla Margareta Elisabeth Åsa Märta Astrid Ebba Maja Wilma Alice Signe Ingegerd Gunnel Britt Solveig "
    "Agneta Ylva Saga Elsa Ronja Leila Amira Noor"
).split()
_FIRST_NAMES_M = (
    "Lars Anders Johan Per Karl Erik Mikael Peter Jan Hans Thomas Daniel Nils Bengt Fredrik Mats Göran "
    "Björn Sven Lennart Stefan Åke Olof Gustav Oskar Axel Hugo Elias Viktor Magnus Rolf Leif Ulf Håkan "
    "Jörgen Kjell Börje Ali Mohammed Yusuf"
).split()
_SURNAMES = (
    "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Pettersson "
    "Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson Lindström Olofsson Lindqvist "
    "Lindgren Berg Axelsson Bergström Lundberg Lind Lundgren Lundqvist Mattsson Berglund Fredriksson "
    "Sandberg Henriksson Forsberg Sjöberg Wallin Engström Eklund Danielsson Håkansson Lundin Björk "
    "Bergman Gunnarsson Holm Wikström Samuelsson Isaksson Fransson Bergqvist Nyström Holmberg Arvidsson "
    "Löfgren Söderberg Nyberg Blomqvist Claesson Nordström Mårtensson Lundström Ali Mohammed Åberg Öberg "
    "Ström Bäckström Hedlund Åström Sundqvist Ekström Yilmaz Nguyen Kovačević"
).split()
_STREETS = (
    "Storgatan|Kyrkogatan|Skolgatan|Drottninggatan|Kungsgatan|Järnvägsgatan|Ängsvägen|Björkvägen|"
    "Tallvägen|Granvägen|Södra vägen|Norra vägen|Västra Långgatan|Åsgatan|Mossvägen|Lärkvägen|"
    "Prästgårdsvägen|Strandvägen|Bäckvägen|Ekbacken|Solrosvägen|Hagagatan|Industrigatan|Villagatan|"
    "Parkvägen|Sjövägen|Smedjegatan|Nygatan|Rönnvägen|Klövervägen|Älvgatan|Hamngatan"
).split("|")

# Region: (lowest and highest three-digit postal prefix, cities).
_POSTAL = {
    "01": (100, 199, "Stockholm Solna Södertälje Täby Huddinge Nacka Norrtälje"),
    "03": (740, 759, "Uppsala Enköping Östhammar Tierp"),
    "04": (611, 649, "Nyköping Eskilstuna Katrineholm Strängnäs"),
    "05": (580, 619, "Linköping Norrköping Motala Mjölby"),
    "06": (550, 579, "Jönköping Värnamo Nässjö Tranås"),
    "07": (340, 365, "Växjö Ljungby Älmhult"),
    "08": (380, 399, "Kalmar Västervik Oskarshamn Nybro"),
    "09": (621, 624, "Visby Hemse Slite"),
    "10": (370, 379, "Karlskrona Karlshamn Ronneby"),
    "12": (200, 299, "Malmö Lund Helsingborg Kristianstad Ystad Trelleborg"),
    "13": (300, 312, "Halmstad Varberg Kungsbacka Falkenberg"),
    "14": (400, 549, "Göteborg Borås Trollhättan Skövde Uddevalla Alingsås"),
    "17": (650, 689, "Karlstad Arvika Kristinehamn"),
    "18": (690, 719, "Örebro Karlskoga Lindesberg"),
    "19": (720, 739, "Västerås Sala Köping"),
    "20": (770, 799, "Falun Borlänge Mora Ludvika"),
    "21": (800, 829, "Gävle Sandviken Hudiksvall Bollnäs"),
    "22": (850, 899, "Sundsvall Härnösand Örnsköldsvik Kramfors"),
    "23": (830, 849, "Östersund Åre Sveg"),
    "24": (900, 939, "Umeå Skellefteå Lycksele"),
    "25": (940, 989, "Luleå Piteå Kiruna Boden Gällivare"),
}


# --------------------------------------------------------------------------
# How each region exports its file.


@dataclass(frozen=True)
class _ExportStyle:
    encoding: str = "utf-8"
    separator: str = ","
    swedish: bool = False
    personnummer: str = "12-"  # "12-" YYYYMMDD-NNNN, "12" YYYYMMDDNNNN, "10" YYMMDD-NNNN / YYMMDD+NNNN
    compact_dates: bool = False
    sex_digits: bool = False
    code_style: tuple[float, ...] = (0.25, 0.70, 0.03, 0.0, 0.02)  # over _CODE_STYLES
    list_separator: str = ","


_SWEDISH_EXCEL: dict[str, Any] = {"encoding": "cp1252", "separator": ";", "swedish": True}
_REGION_STYLES = {
    "01": _ExportStyle(code_style=(0.30, 0.50, 0.10, 0.04, 0.06), list_separator=" "),
    "05": _ExportStyle(**_SWEDISH_EXCEL, personnummer="10", list_separator=";"),
    "09": _ExportStyle(personnummer="10"),
    "12": _ExportStyle(encoding="utf-8-sig", personnummer="12"),
    "14": _ExportStyle(personnummer="10", code_style=(0.60, 0.15, 0.05, 0.15, 0.05)),
    "17": _ExportStyle(**_SWEDISH_EXCEL, list_separator=" "),
    "22": _ExportStyle(**_SWEDISH_EXCEL, personnummer="10", code_style=(0.1, 0.8, 0.05, 0.0, 0.05)),
    "24": _ExportStyle(sex_digits=True),
    "25": _ExportStyle(compact_dates=True, list_separator="|"),
}
_NATIONAL_STYLE = _ExportStyle()
_LIST_SEPARATORS = (",", ";", "|", " ", ", ")
_OTHER_FORM_SHARE = 0.05  # rows in a file written in another personnummer form or with another list separator
_MISSING_SEX_SHARE = 0.005


def _style(region: str) -> _ExportStyle:
    return _REGION_STYLES.get(region, _NATIONAL_STYLE)


# --------------------------------------------------------------------------
# Epidemiology: yearly probability of appearing with each kind of contact, by
# age and sex, and the number of contacts (1 + Poisson(extra)).

_AGES = np.arange(106)
_AGE_WEIGHTS = np.interp(
    _AGES,
    [0, 19, 20, 34, 35, 49, 50, 64, 65, 74, 79, 84, 89, 94, 99, 105],
    [1.15, 1.15, 1.3, 1.3, 1.25, 1.25, 1.2, 1.2, 1.1, 1.05, 0.9, 0.65, 0.38, 0.15, 0.04, 0.005],
)
_AGE_WEIGHTS /= _AGE_WEIGHTS.sum()

_KINDS = ("ra", "ibd", "fracture", "tbi", "background")


def _kind_probabilities(age: np.ndarray, woman: np.ndarray) -> np.ndarray:
    """Probability per person (rows) of each contact kind (columns, as ``_KINDS``)."""
    ra = np.interp(age, [0, 17, 18, 30, 45, 60, 75, 105], [0.0002, 0.0002, 0.0015, 0.003, 0.0065, 0.011, 0.012, 0.01])
    ibd = np.interp(age, [0, 10, 18, 30, 50, 70, 105], [0.0005, 0.001, 0.004, 0.007, 0.007, 0.006, 0.004])
    fracture = np.interp(
        age, [0, 18, 40, 50, 60, 70, 80, 90, 105], [0.001, 0.002, 0.002, 0.006, 0.01, 0.018, 0.035, 0.06, 0.07]
    )
    tbi = np.interp(
        age, [0, 5, 15, 25, 40, 60, 75, 85, 105], [0.006, 0.004, 0.006, 0.005, 0.002, 0.002, 0.004, 0.008, 0.01]
    )
    background = np.interp(age, [0, 5, 20, 40, 60, 75, 90, 105], [0.35, 0.25, 0.22, 0.25, 0.33, 0.45, 0.55, 0.55])
    return np.column_stack(
        [
            ra * np.where(woman, 1.4, 0.6),
            ibd,
            fracture * np.where(woman, 1.4, 0.6),
            tbi * np.where(woman, 0.8, 1.2),
            background,
        ]
    )


_EXTRA_CONTACTS = np.array([3.0, 1.5, 0.8, 0.4, 1.9])
"""Mean number of contacts beyond the first, per kind."""


def expected_contact_rows(scale: float = 1.0, regions: Iterable[str] | None = None) -> float:
    """The expected number of contact rows for ``scale`` and ``regions``.

    Exact in expectation (the same probabilities drive the generator), so
    :func:`scale_for_rows` can aim at a row count without generating twice.
    """
    codes = _check_regions(regions)
    population = sum(reference_regions()[code].population_2023 for code in codes) * scale
    per_person = 0.0
    for woman in (True, False):
        share = _WOMAN_SHARE if woman else 1 - _WOMAN_SHARE
        probabilities = _kind_probabilities(_AGES, np.full(_AGES.size, woman))
        per_person += share * float(_AGE_WEIGHTS @ probabilities @ (1 + _EXTRA_CONTACTS))
    return population * per_person


def scale_for_rows(rows: int, regions: Iterable[str] | None = None) -> float:
    """The scale that gives about ``rows`` contact rows (within a fraction of a percent)."""
    if rows <= 0:
        raise SynthError(f"the number of contact rows must be positive, got {rows}")
    return rows / expected_contact_rows(1.0, regions)


# --------------------------------------------------------------------------
# Generation.


def _check_regions(regions: Iterable[str] | None) -> list[str]:
    known = reference_regions()
    if regions is None:
        return list(known)
    wanted = [str(code).strip().zfill(2) for code in ([regions] if isinstance(regions, str) else regions)]
    unknown = [code for code in wanted if code not in known]
    if unknown:
        raise SynthError(f"unknown region code(s) {', '.join(unknown)}; expected two-digit codes: {', '.join(known)}")
    if not wanted:
        raise SynthError("no regions given")
    return [code for code in known if code in set(wanted)]


def _pick(rng: np.random.Generator, table: dict[str, int], size: int) -> np.ndarray:
    """``size`` vocabulary indices drawn with the table's weights."""
    weights = np.fromiter(table.values(), dtype=float)
    choice = rng.choice(len(table), size=size, p=weights / weights.sum())
    return np.fromiter((_CODE_INDEX[code] for code in table), dtype=np.int32)[choice]


def _levels(rng: np.random.Generator, shares: tuple[float, float, float], size: int) -> np.ndarray:
    return rng.choice(3, size=size, p=shares).astype(np.int8)


def _date_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dates = days.astype("datetime64[D]")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = dates.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (dates - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def _luhn(nine_digits: np.ndarray) -> np.ndarray:
    """Check digit over ``YYMMDDNNN`` (weights 2, 1, 2, ... from the left)."""
    total = np.zeros_like(nine_digits)
    for position in range(9):
        digit = nine_digits // 10 ** (8 - position) % 10
        product = digit * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


class _SerialNumbers:
    """Hands out unique birth numbers: one counter per (birth date, number kind, sex).

    500 serial numbers exist per birth date and sex; the slots are permuted so
    that numbers look random. Samordningsnummer (day + 60) are their own space.
    """

    _SLOTS = 500

    def __init__(self, year: int) -> None:
        self._first_day = np.datetime64(f"{year - _AGES.size}-01-01", "D").astype(np.int64)
        last_day = np.datetime64(f"{year}-12-31", "D").astype(np.int64)
        self._used = np.zeros((last_day - self._first_day + 1) * 4, dtype=np.int32)

    def assign(self, birth_day: np.ndarray, coordination: np.ndarray, man: np.ndarray) -> np.ndarray:
        key = ((birth_day - self._first_day) * 2 + coordination) * 2 + man
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        run = np.diff(np.r_[starts, key.size])
        rank = np.empty_like(key)
        rank[order] = np.arange(key.size) - np.repeat(starts, run)
        slot = self._used[key] + rank
        if slot.size and slot.max() >= self._SLOTS:
            raise SynthError(
                "too many synthetic people share a birth date for unique personnummer; "
                f"use a scale of at most about {_MAX_SCALE:g}"
            )
        np.add.at(self._used, sorted_key[starts], run.astype(np.int32))
        permuted = (slot * 211 + 37 * (birth_day % self._SLOTS)) % self._SLOTS
        serials: np.ndarray = 2 * permuted + man
        return serials


def _people(
    rng: np.random.Generator, size: int, year: int, extract_date: dt.date, serials: _SerialNumbers
) -> dict[str, np.ndarray]:
    """One chunk of a region's population, reduced to the people in the extract."""
    woman = rng.random(size) < _WOMAN_SHARE
    age = rng.choice(_AGES.size, size=size, p=_AGE_WEIGHTS)
    kinds = rng.random((size, len(_KINDS))) < _kind_probabilities(age, woman)
    keep = kinds.any(axis=1)
    woman, age, kinds = woman[keep], age[keep], kinds[keep]
    n = int(keep.sum())
    year_start = np.datetime64(f"{year}-01-01", "D").astype(np.int64)
    year_end = np.datetime64(f"{year}-12-31", "D").astype(np.int64)
    # Age on 31 December of the year: born in year - age.
    birth_year_start = (np.datetime64(f"{year}-01-01", "Y") - age.astype("timedelta64[Y]")).astype("datetime64[D]")
    birth_year_length = np.where(_is_leap(year - age), 366, 365)
    birth_day = birth_year_start.astype(np.int64) + (rng.random(n) * birth_year_length).astype(np.int64)
    coordination = (rng.random(n) < 0.008).astype(np.int64)
    man = (~woman).astype(np.int64)
    serial = serials.assign(birth_day, coordination, man)
    birth_year, birth_month, birth_dom = _date_parts(birth_day)
    date_digits = birth_year * 10000 + birth_month * 100 + birth_dom + 60 * coordination
    check = _luhn(date_digits % 1_000_000 * 1000 + serial)
    # 10-digit numbers carry "+" from the 100th birthday, as of the day the extract is taken.
    before_birthday = extract_date.month * 100 + extract_date.day < birth_month * 100 + birth_dom
    centenarian = extract_date.year - birth_year - before_birthday >= 100
    death_risk = np.clip(0.0005 * np.exp(0.09 * (age - 30)), 0.0005, 0.5)
    dies = rng.random(n) < death_risk
    # Deaths from 1 January of the year to 31 March the year after; no contact after death.
    death_day = np.where(dies, year_start + (rng.random(n) * (year_end - year_start + 91)).astype(np.int64), -1)
    last_contact_day = np.where(dies, np.minimum(death_day, year_end), year_end)
    return {
        "kinds": kinds,
        "age": age,
        "man": man,
        "coordination": coordination,
        "date_digits": date_digits,
        "tail": serial * 10 + check,
        "centenarian": centenarian,
        "death_day": death_day,
        "last_contact_day": last_contact_day,
        "first_contact_day": np.maximum(birth_day, year_start),
        "protected": rng.random(n) < 0.002,
        "two_regions": rng.random(n) < 0.02,
    }


def _is_leap(year: np.ndarray) -> np.ndarray:
    leap: np.ndarray = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return leap


def _contacts(rng: np.random.Generator, people: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All contacts of a chunk's people: numeric columns, one entry per row."""
    kinds = people["kinds"]
    n = kinds.shape[0]
    counts = np.where(kinds, 1 + rng.poisson(_EXTRA_CONTACTS, size=kinds.shape), 0)
    blocks = [
        _kind_contacts(rng, kind, np.repeat(np.arange(n), counts[:, k]), counts[:, k]) for k, kind in enumerate(_KINDS)
    ]
    rows = {column: np.concatenate([block[column] for block in blocks]) for column in blocks[0]}
    order = np.lexsort((rows["kind"], rows["person"]))  # stable: each block keeps its first row first
    rows = {column: values[order] for column, values in rows.items()}
    person = rows["person"]
    size = person.size
    first_day = people["first_contact_day"][person]
    day = first_day + (rng.random(size) * (people["last_contact_day"][person] - first_day + 1)).astype(np.int64)
    # Within a person's block of one kind, dates ascend: the first row is the earliest contact.
    block_start = np.r_[True, (np.diff(person) != 0) | (np.diff(rows["kind"]) != 0)]
    day = day[np.lexsort((day, np.cumsum(block_start)))]
    # Some RA patients have two contacts on one date (the second repeats the first).
    same_date = (rows["kind"] == 0) & ~block_start & np.r_[False, block_start[:-1]] & (rng.random(size) < 0.1)
    day[same_date] = day[np.flatnonzero(same_date) - 1]
    rows["day"] = day
    rows["elsewhere"] = people["two_regions"][person] & (rng.random(size) < 0.4)
    rows["unit"] = rng.integers(0, 40, size)
    rows["u_form"] = rng.random(size)
    rows["u_code"] = rng.random(size)
    rows["u_list"] = rng.random(size)
    rows["u_sex"] = rng.random(size)
    rows["other"] = _other_diagnoses(rng, rows["other"], size)
    return rows


def _kind_contacts(
    rng: np.random.Generator, kind: str, person: np.ndarray, counts: np.ndarray
) -> dict[str, np.ndarray]:
    size = person.size
    first = np.zeros(size, dtype=bool)
    first[np.cumsum(counts[counts > 0]) - counts[counts > 0]] = True
    other = np.full(size, -1, dtype=np.int32)  # a pathway code written among the other diagnoses
    if kind in ("ra", "ibd"):
        code = _pick(rng, _RA if kind == "ra" else _IBD, size)
        shares = (0.35, 0.6, 0.05) if kind == "ra" else (0.3, 0.6, 0.1)
        level = _levels(rng, shares, size)
        if kind == "ra":  # one RA patient in ten is followed in primary care only
            level[np.repeat(rng.random(counts.size) < 0.1, counts)] = 0
        main = code.copy()
        in_other = rng.random(size) < 0.15
        main[in_other] = _pick(rng, _UNRELATED, int(in_other.sum()))
        other[in_other] = code[in_other]
    elif kind == "fracture":
        site = np.repeat(_pick(rng, _FRACTURE, counts.size), counts)
        hip = np.isin(site, [_CODE_INDEX[c] for c in _HIP])
        m80 = np.isin(site, [_CODE_INDEX[c] for c in ("M800", "M808", "M809")])
        level = np.where(
            hip,
            _levels(rng, (0.0, 0.1, 0.9), size),
            np.where(m80, _levels(rng, (0.4, 0.5, 0.1), size), _levels(rng, (0.1, 0.75, 0.15), size)),
        )
        follow_up = rng.random(size)
        main = np.where(first | (follow_up < 0.5), site, _pick(rng, {"Z098": 3, "M810": 2}, size)).astype(np.int32)
        level = np.where(first, level, _levels(rng, (0.45, 0.5, 0.05), size))
        site_in_other = (main != site) | (first & (rng.random(size) < 0.08))
        main[first & site_in_other] = _pick(rng, {"M810": 1, "Z098": 1}, int((first & site_in_other).sum()))
        other[site_in_other] = site[site_in_other]
    elif kind == "tbi":
        code = np.repeat(_pick(rng, _TBI, counts.size), counts)
        concussion = code == _CODE_INDEX["S060"]
        level = np.where(concussion, _levels(rng, (0.25, 0.6, 0.15), size), _levels(rng, (0.0, 0.3, 0.7), size))
        main = code.copy()
        in_other = rng.random(size) < 0.1
        main[in_other] = _pick(rng, {c: 1 for c in _TBI_OTHER_MAIN}, int(in_other.sum()))
        other[in_other] = code[in_other]
    else:
        main = _pick(rng, _UNRELATED, size)
        level = _levels(rng, (0.72, 0.24, 0.04), size)
    if kind in ("fracture", "tbi"):  # external cause of the injury among the other diagnoses
        cause = (rng.random(size) < 0.4) & (other < 0)
        other[cause] = _pick(rng, _EXTERNAL_CAUSES, int(cause.sum()))
    return {
        "person": person,
        "kind": np.full(size, _KINDS.index(kind), dtype=np.int8),
        "level": level.astype(np.int8),
        "main": main.astype(np.int32),
        "other": other,
    }


def _other_diagnoses(rng: np.random.Generator, pathway_code: np.ndarray, size: int) -> np.ndarray:
    """Up to four other diagnoses per row (vocabulary indices, -1 for none), filled from the left."""
    unrelated = rng.choice(4, size=size, p=(0.55, 0.25, 0.13, 0.07))
    codes = np.full((size, 4), -1, dtype=np.int32)
    for column in range(3):
        present = unrelated > column
        codes[present, column] = _pick(rng, _UNRELATED, int(present.sum()))
    has_pathway_code = pathway_code >= 0
    rows = np.flatnonzero(has_pathway_code)
    codes[rows, unrelated[rows]] = pathway_code[rows]
    # Half the time the pathway code comes first rather than last.
    swap = rows[rng.random(rows.size) < 0.5]
    codes[swap, unrelated[swap]], codes[swap, 0] = codes[swap, 0], pathway_code[swap]
    return codes


# --------------------------------------------------------------------------
# Formatting and writing.

_PERSONNUMMER_FORMS = ("12-", "12", "10")


def _text(choices: Sequence[str], index: np.ndarray) -> pl.Series:
    """Strings picked by index: cheaper than building NumPy string arrays."""
    return pl.Series(list(choices), dtype=pl.Utf8).gather(index)


def _personnummer_text(date_digits: pl.Expr, tail: pl.Expr, centenarian: pl.Expr, form: pl.Expr) -> pl.Expr:
    long_date = date_digits.cast(pl.Utf8)
    serial = tail.cast(pl.Utf8).str.zfill(4)
    short = long_date.str.slice(2) + pl.when(centenarian).then(pl.lit("+")).otherwise(pl.lit("-")) + serial
    return (
        pl.when(form == _PERSONNUMMER_FORMS.index("10"))
        .then(short)
        .when(form == _PERSONNUMMER_FORMS.index("12"))
        .then(long_date + serial)
        .otherwise(long_date + "-" + serial)
    )


def _contact_frame(
    rows: dict[str, np.ndarray], people: dict[str, np.ndarray], region_codes: list[str], style: _ExportStyle
) -> pl.DataFrame:
    """The rows of one file in its region's export style (``rows["region"]`` indexes ``region_codes``)."""
    person = rows["person"]
    usual = _PERSONNUMMER_FORMS.index(style.personnummer)
    form = np.where(rows["u_form"] < _OTHER_FORM_SHARE, (usual + 1) % 3, usual)
    code_style = np.searchsorted(np.cumsum(style.code_style), rows["u_code"] * sum(style.code_style), side="right")
    code_style = np.minimum(code_style, len(_CODE_STYLES) - 1)
    vocabulary = len(_VOCABULARY)
    null_code = len(_CODE_TEXT) - 1
    main_code = code_style * vocabulary + rows["main"]
    # Spaces inside codes only in the main diagnosis: among the others a space separates codes.
    listed_style = np.where(code_style == _CODE_STYLES.index("spaced"), _CODE_STYLES.index("dotted"), code_style)
    other = rows["other"]
    other_code = np.where(other >= 0, listed_style[:, None] * vocabulary + other, null_code)
    separator = np.where(
        rows["u_list"] < _OTHER_FORM_SHARE,
        (rows["u_list"] * 1e6).astype(np.int64) % len(_LIST_SEPARATORS),
        _LIST_SEPARATORS.index(style.list_separator),
    )
    labels = SWEDISH_CARE_LEVELS if style.swedish else CARE_LEVELS
    dates = pl.Series(rows["day"].astype("datetime64[D]"))
    frame = pl.DataFrame(
        {
            "date_digits": people["date_digits"][person],
            "tail": people["tail"][person],
            "centenarian": people["centenarian"][person],
            "form": form,
            "sex": _text(("2", "1") if style.sex_digits else ("K", "M"), people["man"][person]),
            "sex_missing": rows["u_sex"] < _MISSING_SEX_SHARE,
            "region": _text(region_codes, rows["region"]),
            "contact_date": dates.dt.strftime("%Y%m%d") if style.compact_dates else dates.cast(pl.Utf8),
            "care_level": _text(labels, rows["level"]),
            "main_diagnosis": _CODE_TEXT.gather(main_code),
            **{f"other_{i}": _CODE_TEXT.gather(other_code[:, i]) for i in range(4)},
            "separator": _text(_LIST_SEPARATORS, separator),
            "unit": rows["unit"] + 100 * rows["level"].astype(np.int64),
        }
    )
    others = [pl.col("other_0")]
    for i in range(1, 4):
        others += [pl.when(pl.col(f"other_{i}").is_not_null()).then(pl.col("separator")), pl.col(f"other_{i}")]
    names = SWEDISH_CONTACT_COLUMNS if style.swedish else CONTACT_COLUMNS
    columns = (
        _personnummer_text(pl.col("date_digits"), pl.col("tail"), pl.col("centenarian"), pl.col("form")),
        pl.when(~pl.col("sex_missing")).then(pl.col("sex")),
        pl.col("region"),
        pl.col("contact_date"),
        pl.col("care_level"),
        pl.col("main_diagnosis"),
        pl.when(pl.col("other_0").is_not_null()).then(pl.concat_str(others, ignore_nulls=True)),
        pl.format("SE2321000{}-E{}", pl.col("region").str.zfill(3), pl.col("unit").cast(pl.Utf8).str.zfill(4)),
    )
    return frame.select(column.alias(name) for column, name in zip(columns, names, strict=True))


def _population_frame(rng: np.random.Generator, people: dict[str, np.ndarray], region: str) -> pl.DataFrame:
    """The population-register rows of a chunk's people (home region ``region``)."""
    n = people["age"].size
    lowest, highest, cities = _POSTAL[region]
    city_names = cities.split()
    man = people["man"].astype(bool)
    first_names = _FIRST_NAMES_M + _FIRST_NAMES_K
    first_name = np.where(
        man, rng.integers(0, len(_FIRST_NAMES_M), n), rng.integers(len(_FIRST_NAMES_M), len(first_names), n)
    )
    surname = rng.integers(0, len(_SURNAMES), n)
    street = rng.integers(0, len(_STREETS), n)
    house = rng.integers(1, 121, n)
    entrance = np.where(rng.random(n) < 0.15, rng.integers(1, 4, n), 0)
    postal = pl.Series(rng.integers(lowest * 100, highest * 100 + 100, n)).cast(pl.Utf8)
    city = np.minimum((rng.random(n) ** 1.6 * len(city_names)).astype(int), len(city_names) - 1)  # larger towns first
    protected = people["protected"]
    # A part of the address missing; no address at all for protected identities.
    missing_part = rng.integers(0, 3, n)
    missing = rng.random(n) < np.where(people["coordination"] == 1, 0.4, 0.012)
    death = people["death_day"]
    frame = pl.DataFrame(
        {
            "date_digits": people["date_digits"],
            "tail": people["tail"],
            "name": _text(first_names, first_name) + " " + _text(_SURNAMES, surname),
            "street": _text(_STREETS, street)
            + " "
            + pl.Series(house).cast(pl.Utf8)
            + _text(("", "A", "B", "C"), entrance),
            "postal_code": postal.str.slice(0, 3) + " " + postal.str.slice(3),
            "city": _text(city_names, city),
            "deceased_date": pl.Series(np.where(death >= 0, death, 0).astype("datetime64[D]")).cast(pl.Utf8),
            "protected_identity": _text(("false", "true"), protected),
            "missing_street": missing & (missing_part == 0) | protected,
            "missing_postal": missing & (missing_part == 1) | protected,
            "missing_city": missing & (missing_part == 2) | protected,
            "dead": death >= 0,
        }
    )
    return frame.select(
        (pl.col("date_digits").cast(pl.Utf8) + pl.col("tail").cast(pl.Utf8).str.zfill(4)).alias("personnummer"),
        "name",
        pl.when(~pl.col("missing_street")).then(pl.col("street")).alias("street"),
        pl.when(~pl.col("missing_postal")).then(pl.col("postal_code")).alias("postal_code"),
        pl.when(~pl.col("missing_city")).then(pl.col("city")).alias("city"),
        pl.when(pl.col("dead")).then(pl.col("deceased_date")).alias("deceased_date"),
        "protected_identity",
    )


class _Sink:
    """One output file written chunk by chunk (CSV in a region's dialect, or Parquet)."""

    def __init__(self, path: Path, style: _ExportStyle, fmt: str) -> None:
        self.path = path
        self.style = style
        self._fmt = fmt
        self._handle = None if fmt == "parquet" else open(path, "wb")
        self._parquet: pq.ParquetWriter | None = None
        self._header = True
        self.rows = 0

    def write(self, frame: pl.DataFrame) -> None:
        self.rows += frame.height
        if self._fmt == "parquet":
            table = frame.to_arrow()
            if self._parquet is None:
                import pyarrow.parquet as pq  # only here: keeps every `prem` command's start-up light

                self._parquet = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self._parquet.write_table(table)
            return
        text = frame.write_csv(separator=self.style.separator, include_header=self._header)
        # The utf-8-sig codec writes its byte-order mark at the start of every chunk it encodes.
        encoding = "utf-8" if self.style.encoding == "utf-8-sig" and not self._header else self.style.encoding
        self._header = False
        if self._handle is not None:  # a CSV sink; a Parquet sink returned above
            self._handle.write(text.encode(encoding))

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        elif self._handle is not None:
            self._handle.close()


def write_synthetic_extracts(
    out_dir: str | os.PathLike[str],
    *,
    seed: int,
    scale: float = 0.01,
    year: int = 2025,
    regions: Sequence[str] | None = None,
    fmt: Literal["csv", "parquet"] = "csv",
    national: bool = False,
    extract_date: dt.date | None = None,
    progress: bool = False,
) -> SyntheticFiles:
    """Write synthetic contacts extracts and the matching population file.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing). Files of the same name are
        replaced; all files appear together or, on an error, none.
    seed
        Seed of the random streams; the same arguments give byte-identical files.
    scale
        Share of each region's real population simulated; 1.0 gives a
        realistic national volume (about 10 million contact rows). Use
        :func:`scale_for_rows` to aim at a row count.
    year
        The calendar year of the contacts (the survey's reference period).
    regions
        Two-digit region codes; all 21 when omitted.
    fmt
        ``"csv"``: each region's file in its own export dialect (most
        canonical; Swedish Excel ``;``/Windows-1252 files for regions 05, 17
        and 22; a UTF-8 BOM for 12). ``"parquet"``: every file as Parquet with
        the canonical columns.
    national
        Write one national contacts file (``contacts.csv`` or ``.parquet``,
        canonical columns, UTF-8) instead of one file per region
        (``contacts-RR.csv``).
    extract_date
        The day the extracts are taken, 1 February of the following year when
        omitted. It decides which 10-digit numbers carry ``+`` (100 or older
        that day); use the sampling date so the century rule reads them back.
    progress
        Show a progress bar on stderr (only when it is a terminal).

    Returns
    -------
    SyntheticFiles
        The paths written and how many rows and people they hold.

    Raises
    ------
    SynthError
        Unknown region code, non-positive scale, unknown format, or a scale so
        large that unique personnummer run out.
    """
    codes = _check_regions(regions)
    if not 1900 + _AGES.size <= year <= 2200:
        raise SynthError(f"year must be between {1900 + _AGES.size} and 2200, got {year}")
    if not scale > 0:
        raise SynthError(f"scale must be positive, got {scale}")
    if fmt not in ("csv", "parquet"):
        raise SynthError(f"format must be csv or parquet, got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".synth-", dir=out))
    try:
        files = _generate(
            staging,
            codes,
            seed=seed,
            scale=scale,
            year=year,
            fmt=fmt,
            national=national,
            extract_date=extract_date or dt.date(year + 1, 2, 1),
            progress=progress,
        )
        for path in (*files.contacts, files.population):
            os.replace(path, out / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return SyntheticFiles(
        contacts=tuple(out / path.name for path in files.contacts),
        population=out / files.population.name,
        contact_rows=files.contact_rows,
        persons=files.persons,
    )


def _generate(
    folder: Path,
    codes: list[str],
    *,
    seed: int,
    scale: float,
    year: int,
    fmt: str,
    national: bool,
    extract_date: dt.date,
    progress: bool,
) -> SyntheticFiles:
    suffix = "parquet" if fmt == "parquet" else "csv"
    sinks: dict[str | None, _Sink]
    if national:
        sinks = {None: _Sink(folder / f"contacts.{suffix}", _NATIONAL_STYLE, fmt)}
    else:
        sinks = {
            code: _Sink(folder / f"contacts-{code}.{suffix}", _style(code) if fmt == "csv" else _NATIONAL_STYLE, fmt)
            for code in codes
        }
    population = _Sink(folder / f"population.{suffix}", _NATIONAL_STYLE, fmt)
    serials = _SerialNumbers(year)
    known = reference_regions()
    persons = 0
    sizes = {code: round(known[code].population_2023 * scale) for code in codes}
    bar = tqdm(
        total=sum(sizes.values()),
        desc="prem synth",
        unit=" people",
        unit_scale=True,
        disable=not (progress and sys.stderr.isatty()),
        file=sys.stderr,
    )
    try:
        for code in codes:
            neighbours = [
                i
                for i, c in enumerate(codes)
                if c != code and known[c].healthcare_region == known[code].healthcare_region
            ]
            neighbours = neighbours or [i for i, c in enumerate(codes) if c != code] or [codes.index(code)]
            size = sizes[code]
            for chunk, start in enumerate(range(0, size, _CHUNK_PEOPLE)):
                rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(int(code), chunk))))
                people = _people(rng, min(_CHUNK_PEOPLE, size - start), year, extract_date, serials)
                rows = _contacts(rng, people)
                rows["region"] = np.where(
                    rows["elsewhere"], rng.choice(neighbours, rows["person"].size), codes.index(code)
                )
                for target, sink in sinks.items():
                    selected = slice(None) if target is None else rows["region"] == codes.index(target)
                    part = {column: values[selected] for column, values in rows.items()}
                    if part["person"].size:
                        sink.write(_contact_frame(part, people, codes, sink.style))
                population.write(_population_frame(rng, people, code))
                persons += people["age"].size
                bar.update(min(_CHUNK_PEOPLE, size - start))
    finally:
        bar.close()
        for sink in (*sinks.values(), population):
            sink.close()
    written = [sink for sink in sinks.values() if sink.rows or national]
    return SyntheticFiles(
        contacts=tuple(sink.path for sink in written),
        population=population.path,
        contact_rows=sum(sink.rows for sink in sinks.values()),
        persons=persons,
    )
