"""Reading the population register lookup and earlier rounds' mailing lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from sampling.contacts import parse_date
from sampling.errors import ExtractError
from sampling.extracts import ColumnMapping, Extract, open_extract, read_manifest_date, scan_extracts
from sampling.personnummer import last_ten_digits, parse_personnummer

__all__ = ["POPULATION_COLUMNS", "check_population", "needed_population", "read_previous", "scan_population"]

POPULATION_COLUMNS = ("personnummer", "name", "street", "postal_code", "city", "deceased_date", "protected_identity")
_YES_NO = {
    "true": True,
    "1": True,
    "ja": True,
    "j": True,
    "yes": True,
    "false": False,
    "0": False,
    "nej": False,
    "n": False,
    "no": False,
    "": False,
}


def scan_population(
    path: str | Path, mapping: ColumnMapping, workdir: Path, candidates: pl.Series
) -> tuple[Extract, pl.DataFrame]:
    """The population rows of ``candidates`` (personnummer in any written form), as text.

    The register covers far more people than the few who may qualify, so
    only rows whose number ends in the last ten digits of a candidate's are
    read. The caller may pass every number of the contacts that carry a
    pathway code, before they are checked, to start this early;
    :func:`needed_population` then keeps the persons actually needed.
    """
    wanted = last_ten_digits(candidates.drop_nulls()).unique().implode()
    (extract,), rows = scan_extracts(
        [path],
        lambda opened: opened[0].frame.filter(last_ten_digits(pl.col("personnummer")).is_in(wanted)),
        required=POPULATION_COLUMNS,
        optional=(),
        mapping=mapping,
        workdir=workdir,
    )
    return extract, rows


def check_population(
    extract: Extract, rows: pl.DataFrame, sampling_date: dt.date, valid_numbers: pl.Series | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Check scanned population rows: the lookup of the readable ones and the unreadable ones.

    Returns the lookup (``personnummer``, address, ``deceased``,
    ``protected``, ``has_address``) and the rejects (``file, row, column,
    value, reason``, and ``_key``, the last ten digits of the number as
    written, for :func:`needed_population`).

    ``valid_numbers`` are 12-digit numbers already found valid on
    ``sampling_date`` (the checked contacts'): a register number written
    exactly so is valid and is its own 12-digit form, and is not parsed
    again.
    """
    written = rows["personnummer"].unique()
    known = (
        written.is_in(valid_numbers.implode())
        if valid_numbers is not None
        else pl.repeat(False, len(written), eager=True)
    )
    numbers = pl.concat(
        [
            pl.DataFrame({"raw": written.filter(known), "pnr": written.filter(known)}).with_columns(
                pnr_problem=pl.lit(None, dtype=pl.String)
            ),
            parse_personnummer(written.filter(~known), sampling_date).select(
                "raw", pnr="personnummer", pnr_problem="problem"
            ),
        ]
    )
    rows = rows.join(numbers, left_on="personnummer", right_on="raw", how="left")
    rows = rows.with_columns(
        deceased=parse_date("deceased_date"),
        protected=pl.col("protected_identity")
        .fill_null("")
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(_YES_NO, default=None, return_dtype=pl.Boolean),
    )
    problem = (
        pl.when(pl.col("pnr").is_null())
        .then(
            pl.struct(
                column=pl.lit(extract.original_names["personnummer"]),
                value=pl.col("personnummer"),
                reason=pl.col("pnr_problem"),
            )
        )
        .when(pl.col("deceased").is_null() & (pl.col("deceased_date").fill_null("").str.strip_chars() != ""))
        .then(
            pl.struct(
                column=pl.lit(extract.original_names["deceased_date"]),
                value=pl.col("deceased_date"),
                reason=pl.lit("unparseable date; expected YYYY-MM-DD, YYYYMMDD or empty while alive"),
            )
        )
        .when(pl.col("protected").is_null())
        .then(
            pl.struct(
                column=pl.lit(extract.original_names["protected_identity"]),
                value=pl.col("protected_identity"),
                reason=pl.lit("expected true/false, 1/0 or ja/nej"),
            )
        )
    )
    rows = rows.with_columns(problem=problem)
    rejects = rows.filter(pl.col("problem").is_not_null()).select(
        file="_file",
        row="_row",
        column=pl.col("problem").struct.field("column"),
        value=pl.col("problem").struct.field("value"),
        reason=pl.col("problem").struct.field("reason"),
        _key=last_ten_digits(pl.col("personnummer")),
    )
    has_address = pl.all_horizontal(
        [pl.col(c).fill_null("").str.strip_chars() != "" for c in ("street", "postal_code", "city")]
    )
    lookup = (
        rows.filter(pl.col("problem").is_null())
        .unique("pnr", keep="first", maintain_order=True)
        .select(
            personnummer="pnr",
            name="name",
            street="street",
            postal_code="postal_code",
            city="city",
            deceased="deceased",
            protected="protected",
            has_address=has_address,
        )
    )
    return lookup, rejects


def needed_population(
    lookup: pl.DataFrame, rejects: pl.DataFrame, needed: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The lookup and the rejects of :func:`check_population` for the ``needed`` persons (12-digit numbers).

    Only the rejects are cut to the needed persons (a bad register row of
    anybody else is none of this run's business). The lookup is only ever
    joined on the needed persons' numbers, so it is returned whole: cutting
    it would cost more than the joins save.
    """
    if rejects.height:
        rejects = rejects.filter(pl.col("_key").is_in(needed.unique().str.slice(-10).implode()))
    return lookup, rejects.drop("_key")


def read_previous(
    paths: Sequence[str | Path], mapping: ColumnMapping, sampling_date: dt.date, workdir: Path
) -> tuple[list[Extract], pl.DataFrame]:
    """Earlier invitations: 12-digit personnummer and the date they were invited.

    The date is an ``invited_date`` (or ``sampling_date``) column, or else the
    ``sampling_date`` of the ``manifest.json`` beside an earlier ``mailing.csv``.
    """
    extracts, frames = [], []
    for path in paths:
        extract = open_extract(
            path, required=("personnummer",), optional=("invited_date",), mapping=mapping, workdir=workdir
        )
        rows = extract.frame.collect()
        if "invited_date" not in extract.original_names:
            manifest_date = read_manifest_date(Path(path))
            if manifest_date is None:
                raise ExtractError(
                    f"{path}: no invited_date column and no manifest.json beside it; cannot tell when these people were invited"
                )
            rows = rows.with_columns(invited_date=pl.lit(manifest_date))
        rows = rows.with_columns(invited=parse_date("invited_date"))
        bad_date = rows.filter(pl.col("invited").is_null())
        if bad_date.height:
            row = bad_date.row(0, named=True)
            raise ExtractError(
                f"{path}, row {row['_row']}, column 'invited_date': '{row['invited_date']}': unparseable date; expected YYYY-MM-DD or YYYYMMDD"
            )
        numbers = parse_personnummer(rows["personnummer"].unique(), sampling_date)
        rows = rows.join(numbers, left_on="personnummer", right_on="raw", how="left", suffix="_parsed")
        bad = rows.filter(pl.col("personnummer_parsed").is_null())
        if bad.height:
            row = bad.row(0, named=True)
            raise ExtractError(
                f"{path}, row {row['_row']}, column 'personnummer': '{row['personnummer']}': {row['problem']}"
            )
        extracts.append(extract)
        frames.append(rows.select(personnummer="personnummer_parsed", invited="invited"))
    previous = pl.concat(frames) if frames else pl.DataFrame(schema={"personnummer": pl.String, "invited": pl.Date})
    return extracts, previous
