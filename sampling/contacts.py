"""Reading contacts extracts: the fast candidate scan, code matching and row checks.

The whole extract passes through one streaming polars query that keeps only
rows carrying a pathway's code stem; everything else (normalising codes,
parsing dates, regions, care levels and personnummer) runs on those rows only,
personnummer on their unique values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

import polars as pl

from sampling.errors import ExtractError
from sampling.extracts import ColumnMapping, Extract, lines_holding, scan_extracts
from sampling.personnummer import parse_personnummer
from sampling.reference import regions as known_regions
from sampling.rules import DiagnosisRule, PathwayRule

__all__ = [
    "CONTACT_OPTIONAL",
    "CONTACT_REQUIRED",
    "REJECT_COLUMNS",
    "CheckedContacts",
    "check_contacts",
    "parse_date",
    "raise_for_rejects",
    "scan_contacts",
]

CONTACT_REQUIRED = ("personnummer", "region", "contact_date", "care_level", "main_diagnosis")
CONTACT_OPTIONAL = ("sex", "other_diagnoses")
REJECT_COLUMNS = ("file", "row", "column", "value", "reason")
_SEX = {"m": "M", "man": "M", "1": "M", "male": "M", "k": "K", "f": "K", "kvinna": "K", "2": "K", "female": "K"}


def parse_date(column: str) -> pl.Expr:
    """A text column as a date, ``YYYY-MM-DD`` or ``YYYYMMDD``; null when neither.

    A time of day after the date (``2025-03-01 00:00:00``, as spreadsheets
    export dates) is ignored.
    """
    text = pl.col(column).str.strip_chars().str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "")
    return pl.coalesce(text.str.to_date("%Y-%m-%d", strict=False), text.str.to_date("%Y%m%d", strict=False))


def _flag(pathway: str) -> str:
    """The column saying whether a contact carries the pathway's code (this module's own; see :class:`CheckedContacts`)."""
    return f"_q_{pathway}"


def _code_match(codes: pl.Expr, rule: DiagnosisRule) -> pl.Expr:
    matched = pl.any_horizontal([codes.str.starts_with(code) for code in rule.codes])
    if rule.exceptions:
        matched = matched & ~pl.any_horizontal([codes.str.starts_with(code) for code in rule.exceptions])
    return matched


def _main_qualifies(rule: PathwayRule) -> pl.Expr:
    """Does a normalised main diagnosis (``main``) carry one of the pathway's codes?"""
    return pl.any_horizontal([_code_match(pl.col("main"), diagnosis) for diagnosis in rule.diagnoses])


def _other_qualifies(rule: PathwayRule) -> pl.Expr:
    """Does a list of normalised other diagnoses (``other_codes``) carry a code allowed in any position?"""
    anywhere = [diagnosis for diagnosis in rule.diagnoses if diagnosis.position == "any"]
    if not anywhere:
        return pl.lit(False)
    matched = pl.any_horizontal([_code_match(pl.element(), diagnosis) for diagnosis in anywhere])
    return pl.col("other_codes").list.eval(matched).list.any().fill_null(False)


def _code_stems(rules: list[PathwayRule]) -> list[str]:
    """The first three characters of every code: contiguous however a code is written."""
    return sorted({code[:3] for rule in rules for code in rule.codes})


def _stem_spellings(rules: list[PathwayRule]) -> list[str]:
    """Every code stem in upper and lower case (``M05``, ``m05``): a line holding none has no candidate."""
    spellings = {
        "".join(chars) for stem in _code_stems(rules) for chars in product(*({c.upper(), c.lower()} for c in stem))
    }
    return sorted(spellings)


def _candidate_contacts(contacts: pl.LazyFrame, rules: list[PathwayRule]) -> pl.LazyFrame:
    """Rows that may carry a pathway's code: a fast superset filter over the whole extract.

    Every ICD-10 code keeps its first three characters together however it is
    written (``M05.9``, ``m059``, ``S06 5``), so a case-insensitive multi-string
    search for those stems finds all candidates; the exact, normalised match
    runs afterwards on the few rows left (:func:`_normalise_codes`).
    """
    stems = _code_stems(rules)
    return contacts.filter(
        pl.col("main_diagnosis").fill_null("").str.contains_any(stems, ascii_case_insensitive=True)
        | pl.col("other_diagnoses").fill_null("").str.contains_any(stems, ascii_case_insensitive=True)
    )


def _qualifying_flags(candidates: pl.DataFrame, rules: list[PathwayRule]) -> pl.DataFrame:
    """One flag column per pathway (:func:`_flag`): does the contact carry its code in the required position?

    Codes are upper-cased without dots; the main diagnosis also loses its
    spaces. Other diagnoses are split on ``,`` ``;`` ``|`` and spaces, except
    that a space followed by a digit continues a code (``S06 5`` is ``S065``).
    Extracts repeat the same few hundred main diagnoses and the same
    combinations of other diagnoses, so each distinct text is normalised and
    matched once; a contact's flag is then a look-up of its texts among those that match.
    """
    main = (
        pl.DataFrame({"main_diagnosis": candidates["main_diagnosis"].unique()})
        .with_columns(main=pl.col("main_diagnosis").fill_null("").str.to_uppercase().str.replace_all(r"[.\s]", ""))
        .select("main_diagnosis", **{f"_m_{rule.pathway}": _main_qualifies(rule) for rule in rules})
    )
    other = (
        pl.col("other_diagnoses")
        .fill_null("")
        .str.to_uppercase()
        .str.replace_all(".", "", literal=True)
        .str.replace_all(r"\s+([0-9])", "$1")
        .str.replace_all(r"[,;|\s]+", " ")
        .str.strip_chars()
    )
    others = (
        pl.DataFrame({"other_diagnoses": candidates["other_diagnoses"].unique()})
        .with_columns(other_codes=other.str.split(" "))
        .select("other_diagnoses", **{f"_o_{rule.pathway}": _other_qualifies(rule) for rule in rules})
    )
    flags = {}
    for rule in rules:
        mains = main.filter(f"_m_{rule.pathway}")["main_diagnosis"].implode()
        other_lists = others.filter(f"_o_{rule.pathway}")["other_diagnoses"].implode()
        flags[_flag(rule.pathway)] = pl.col("main_diagnosis").is_in(mains).fill_null(False) | pl.col(
            "other_diagnoses"
        ).is_in(other_lists).fill_null(False)
    return candidates.with_columns(**flags)


def _region_codes(raw: pl.Series) -> pl.DataFrame:
    """Two-digit region codes for the unique values of a region column (codes or names)."""
    by_name = {region.name.lower(): code for code, region in known_regions().items()}
    frame = pl.DataFrame({"raw": raw})
    clean = pl.col("raw").str.strip_chars()
    padded = pl.when(clean.str.contains(r"^\d$")).then(clean.str.zfill(2)).otherwise(clean)
    code = (
        pl.when(padded.is_in(list(known_regions())))
        .then(padded)
        .otherwise(clean.str.to_lowercase().replace_strict(by_name, default=None, return_dtype=pl.String))
    )
    return frame.with_columns(region=code)


def _per_distinct(frame: pl.DataFrame, column: str, expr: pl.Expr) -> pl.Series:
    """``expr`` (over ``column``) computed once per distinct value of the column and spread to its rows.

    An extract repeats a few hundred dates and a handful of labels over
    millions of rows. Missing values stay missing.
    """
    distinct = frame.select(pl.col(column).unique().drop_nulls())
    return frame[column].replace_strict(distinct[column], distinct.select(expr).to_series(), default=None)


def _check_contacts(candidates: pl.DataFrame, mapping: ColumnMapping, sampling_date: dt.date) -> pl.DataFrame:
    """Parse dates, regions, care levels and personnummer; name each row's first problem."""
    numbers = parse_personnummer(candidates["personnummer"].unique(), sampling_date)
    regions = _region_codes(candidates["region"].unique())
    levels = mapping.care_level_labels()
    checked = (
        candidates.join(numbers, left_on="personnummer", right_on="raw", how="left", suffix="_parsed")
        .join(regions, left_on="region", right_on="raw", how="left", suffix="_code")
        .with_columns(
            care_level_code=_per_distinct(
                candidates,
                "care_level",
                pl.col("care_level")
                .str.strip_chars()
                .str.to_lowercase()
                .replace_strict(levels, default=None, return_dtype=pl.String),
            ),
            sex_code=_per_distinct(
                candidates,
                "sex",
                pl.col("sex")
                .str.strip_chars()
                .str.to_lowercase()
                .replace_strict(_SEX, default=None, return_dtype=pl.String),
            ),
        )
    )
    problem = (
        pl.when(pl.col("personnummer_parsed").is_null())
        .then(pl.struct(column=pl.lit("personnummer"), reason=pl.col("problem")))
        .when(pl.col("contact_date_parsed").is_null())
        .then(
            pl.struct(column=pl.lit("contact_date"), reason=pl.lit("unparseable date; expected YYYY-MM-DD or YYYYMMDD"))
        )
        .when(pl.col("region_code").is_null())
        .then(
            pl.struct(
                column=pl.lit("region"), reason=pl.lit("unknown region; expected a two-digit code from regions.csv")
            )
        )
        .when(pl.col("care_level_code").is_null())
        .then(
            pl.struct(
                column=pl.lit("care_level"),
                reason=pl.lit(
                    "unknown care level; expected primary, specialist, inpatient or a label given in --mapping"
                ),
            )
        )
    )
    return checked.with_columns(problem=problem).with_columns(
        problem_column=pl.col("problem").struct.field("column"),
        problem_reason=pl.col("problem").struct.field("reason"),
    )


def _reject_rows(checked: pl.DataFrame, extracts: list[Extract]) -> pl.DataFrame:
    """Rows with a problem, named by file, row and the file's own column name."""
    originals = pl.DataFrame(
        [(str(e.path), canonical, name) for e in extracts for canonical, name in e.original_names.items()],
        schema=["_file", "problem_column", "column"],
        orient="row",
    )
    bad = checked.filter(pl.col("problem_column").is_not_null())
    bad = bad.with_columns(
        value=pl.coalesce(
            *[
                pl.when(pl.col("problem_column") == name).then(pl.col(name))
                for name in ("personnummer", "contact_date", "region", "care_level")
            ]
        )
    )
    return (
        bad.join(originals, on=["_file", "problem_column"], how="left")
        .select(
            file="_file",
            row="_row",
            column=pl.coalesce("column", "problem_column"),
            value="value",
            reason="problem_reason",
        )
        .sort("file", "row")
    )


def raise_for_rejects(rejects: pl.DataFrame) -> None:
    """Stop with the first unreadable row (file, row, column, value, reason) and how many there are."""
    first = rejects.row(0, named=True)
    more = f" ({rejects.height} bad rows in all; --on-bad-rows skip sets them aside in rejects.csv)"
    raise ExtractError(
        f"{first['file']}, row {first['row']}, column '{first['column']}': '{first['value']}': {first['reason']}{more}"
    )


def scan_contacts(
    paths: list[str | Path],
    rules: list[PathwayRule],
    mapping: ColumnMapping,
    workdir: Path,
) -> tuple[list[Extract], pl.DataFrame]:
    """The rows of the contacts extracts that may carry a pathway's code, as text (a superset).

    One pass over every file (:func:`_candidate_contacts`); the few rows kept
    go to :func:`check_contacts`.
    """
    return scan_extracts(
        paths,
        lambda opened: _candidate_contacts(pl.concat([e.frame for e in opened]), rules),
        required=CONTACT_REQUIRED,
        optional=CONTACT_OPTIONAL,
        mapping=mapping,
        workdir=workdir,
        line_filter=lines_holding(_stem_spellings(rules)),
    )


@dataclass(frozen=True)
class CheckedContacts:
    """The candidate contacts after :func:`check_contacts`: the readable ones, the unreadable ones, the rejects.

    Which pathways' codes a contact carries is kept in columns of this
    module's own; callers ask :meth:`qualifying` and :meth:`unreadable_by_region`.
    """

    readable: pl.DataFrame = field(repr=False)
    """Readable contacts in the period with a code of some pathway: 12-digit ``personnummer``, ``region``,
    ``contact_date``, ``care_level``, ``birth_date``, ``sex`` (and the pathway flags)."""
    unreadable: pl.DataFrame = field(repr=False)
    """Unreadable rows, as checked (their pathway flags and ``region_code`` count them in the flow)."""
    rejects: pl.DataFrame
    """The unreadable rows as ``rejects.csv`` lists them (:data:`REJECT_COLUMNS`)."""

    @property
    def numbers(self) -> pl.Series:
        """The 12-digit personnummer of the readable contacts (one per contact, repeated)."""
        return self.readable["personnummer"]

    def qualifying(self, rule: PathwayRule) -> pl.DataFrame:
        """The readable contacts that qualify for the pathway: its code, at one of its care levels."""
        return self.readable.filter(pl.col(_flag(rule.pathway)) & pl.col("care_level").is_in(list(rule.care_levels)))

    def unreadable_by_region(self, pathway: str) -> dict[str, int]:
        """Unreadable rows carrying the pathway's code, per region code (``""`` when the region is unreadable)."""
        counts = self.unreadable.filter(pl.col(_flag(pathway))).group_by(pl.col("region_code").fill_null("")).len()
        return dict(counts.iter_rows())


def check_contacts(
    extracts: list[Extract],
    candidates: pl.DataFrame,
    rules: list[PathwayRule],
    mapping: ColumnMapping,
    period: tuple[dt.date, dt.date],
    sampling_date: dt.date,
) -> CheckedContacts:
    """The scanned candidate contacts that carry a pathway's code in the period, checked row by row (vectorised)."""
    # Exact codes first, then dates: each step only sees the rows the previous one kept.
    flags = [_flag(rule.pathway) for rule in rules]
    candidates = _qualifying_flags(candidates, rules).filter(pl.any_horizontal(flags))
    candidates = candidates.with_columns(
        contact_date_parsed=_per_distinct(candidates, "contact_date", parse_date("contact_date"))
    ).filter(
        pl.col("contact_date_parsed").is_between(pl.lit(period[0]), pl.lit(period[1]))
        | pl.col("contact_date_parsed").is_null()
    )
    checked = _check_contacts(candidates, mapping, sampling_date)
    readable = checked.filter(pl.col("problem_column").is_null()).select(
        *flags,
        personnummer="personnummer_parsed",
        region="region_code",
        contact_date="contact_date_parsed",
        care_level="care_level_code",
        birth_date="birth_date",
        sex=pl.coalesce("sex_code", "sex_from_number"),
    )
    unreadable = checked.filter(pl.col("problem_column").is_not_null())
    return CheckedContacts(readable, unreadable, _reject_rows(checked, extracts))
