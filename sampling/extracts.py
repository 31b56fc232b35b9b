"""Reading register extracts: contacts, population lookup, previous mailing lists.

Regions deliver CSV (``,`` or ``;``; UTF-8, UTF-8 with BOM or Windows-1252,
detected) or Parquet, with their own column names and care-level labels. The
usual Swedish names are recognised (:data:`COLUMN_NAMES`); anything else is
mapped with a mapping file (:func:`load_mapping`). Everything is read as text
into lazy polars frames, so a 10-million-row file streams through the
eligibility pass instead of being parsed row by row in Python.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import mmap
import re
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

from sampling.errors import ExtractError
from sampling.rules import CARE_LEVELS

__all__ = [
    "CARE_LEVEL_LABELS",
    "COLUMN_NAMES",
    "ColumnMapping",
    "Extract",
    "lines_holding",
    "load_mapping",
    "open_extract",
    "scan_extracts",
]

#: Recognised column names (compared case-insensitively) and their canonical name.
COLUMN_NAMES: dict[str, str] = {
    "personnummer": "personnummer",
    "pnr": "personnummer",
    "personnr": "personnummer",
    "sex": "sex",
    "kön": "sex",
    "kon": "sex",
    "region": "region",
    "regionkod": "region",
    "contact_date": "contact_date",
    "besöksdatum": "contact_date",
    "besoksdatum": "contact_date",
    "kontaktdatum": "contact_date",
    "care_level": "care_level",
    "vårdnivå": "care_level",
    "vardniva": "care_level",
    "main_diagnosis": "main_diagnosis",
    "huvuddiagnos": "main_diagnosis",
    "other_diagnoses": "other_diagnoses",
    "bidiagnoser": "other_diagnoses",
    "unit": "unit",
    "vårdenhet": "unit",
    "vardenhet": "unit",
    "name": "name",
    "namn": "name",
    "street": "street",
    "gatuadress": "street",
    "adress": "street",
    "postal_code": "postal_code",
    "postnummer": "postal_code",
    "city": "city",
    "postort": "city",
    "ort": "city",
    "deceased_date": "deceased_date",
    "dödsdatum": "deceased_date",
    "avliden": "deceased_date",
    "protected_identity": "protected_identity",
    "skyddade_personuppgifter": "protected_identity",
    "skyddad_identitet": "protected_identity",
    "invited_date": "invited_date",
    "utskicksdatum": "invited_date",
    "sampling_date": "invited_date",
}

#: Recognised care-level labels (compared case-insensitively).
CARE_LEVEL_LABELS: dict[str, str] = {
    "primary": "primary",
    "primärvård": "primary",
    "primarvard": "primary",
    "specialist": "specialist",
    "specialiserad öppenvård": "specialist",
    "specialiserad oppenvard": "specialist",
    "öppen specialiserad vård": "specialist",
    "specialistvård": "specialist",
    "inpatient": "inpatient",
    "slutenvård": "inpatient",
    "slutenvard": "inpatient",
    "sluten vård": "inpatient",
}

_CHUNK = 1 << 23
_LINE_SEPARATOR = "\x1f"  # a control character that no extract uses, so that a line stays one field
_hasher: ThreadPoolExecutor | None = None


@dataclass(frozen=True)
class ColumnMapping:
    """A region's own column names and care-level labels, on top of the built-in ones."""

    columns: dict[str, str] = field(default_factory=dict)
    care_levels: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    sha256: str | None = None

    def canonical_column(self, name: str) -> str | None:
        """The canonical name of a file's column, or None when not recognised."""
        clean = name.strip().lstrip("\ufeff")
        if clean in self.columns:
            return self.columns[clean]
        return COLUMN_NAMES.get(clean.lower())

    def care_level_labels(self) -> dict[str, str]:
        """Every recognised label, lower-cased, to ``primary``/``specialist``/``inpatient``."""
        labels = dict(CARE_LEVEL_LABELS)
        labels.update({label.strip().lower(): level for label, level in self.care_levels.items()})
        return labels


def load_mapping(path: str | Path | None) -> ColumnMapping:
    """Read a mapping file: ``columns: {their name: canonical}``, ``care_levels: {label: level}``."""
    if path is None:
        return ColumnMapping()
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw.decode("utf-8")) or {}
    except OSError as error:
        raise ExtractError(f"{path}: cannot read mapping file ({error.strerror})") from None
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise ExtractError(f"{path}: mapping file is not valid UTF-8 YAML ({error})") from None
    if not isinstance(data, dict) or set(data) - {"columns", "care_levels"}:
        raise ExtractError(f"{path}: a mapping file has only the keys 'columns' and 'care_levels'")
    canonical = set(COLUMN_NAMES.values())
    columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
    for their, ours in columns.items():
        if ours not in canonical:
            raise ExtractError(
                f"{path}: columns: '{their}' maps to '{ours}'; expected one of: {', '.join(sorted(canonical))}"
            )
    levels = {str(k): str(v) for k, v in (data.get("care_levels") or {}).items()}
    for label, level in levels.items():
        if level not in CARE_LEVELS:
            raise ExtractError(
                f"{path}: care_levels: '{label}' maps to '{level}'; expected one of: {', '.join(CARE_LEVELS)}"
            )
    return ColumnMapping(columns, levels, str(path), hashlib.sha256(raw).hexdigest())


@dataclass
class Extract:
    """One opened input file: its rows as text columns with canonical names.

    ``frame`` has the columns found (canonical names) plus ``_file`` and
    ``_row`` (the line in the file, header = line 1; for Parquet, the row from
    1). ``original_names`` maps canonical names back to the file's own, for
    error messages.
    """

    path: Path
    frame: pl.LazyFrame
    original_names: dict[str, str]
    digest: Future[str] | None = field(default=None, repr=False)

    def hash_in_background(self) -> Future[str]:
        """Start computing the file's sha256 in a thread (once); hashlib releases the GIL.

        The scans keep both cores busy, so a caller starts this when it goes on
        with work that uses one (checking rows, drawing).
        """
        global _hasher
        if self.digest is None:
            if _hasher is None:
                _hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prem-sha256")
            self.digest = _hasher.submit(_file_sha256, self.path)
        return self.digest

    @property
    def sha256(self) -> str:
        """The file's sha256 (waits for :meth:`hash_in_background`, starting it if needed)."""
        return self.hash_in_background().result()


def _file_sha256(path: Path) -> str:
    """The file's sha256, hashed from the page cache through a memory map (no copies)."""
    with path.open("rb") as stream:
        if path.stat().st_size == 0:
            return hashlib.sha256().hexdigest()
        with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as content:
            return hashlib.sha256(content).hexdigest()


def _detect_encoding(path: Path, thorough: bool) -> tuple[str, bytes]:
    """``utf-8`` or ``cp1252``, and the first bytes of the file.

    The quick check decodes the first 64 KiB only; polars itself rejects invalid
    UTF-8 later, and the caller then asks again with ``thorough`` (every byte).
    """
    with path.open("rb") as stream:
        head = stream.read(65536)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
            raise ExtractError(
                f"{path}: wrong encoding (UTF-16 or binary); expected CSV in UTF-8 or Windows-1252, or Parquet"
            )
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(head)
            while thorough and (chunk := stream.read(_CHUNK)):
                decoder.decode(chunk)
            if thorough:
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252", head
    return "utf-8", head


def _transcode(path: Path, workdir: Path) -> Path:
    """A UTF-8 copy of a Windows-1252 file (polars reads UTF-8 only)."""
    target = workdir / (path.name + ".utf8.csv")
    with path.open("rb") as source, target.open("wb") as sink:
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            while chunk := source.read(_CHUNK):
                sink.write(decoder.decode(chunk).encode("utf-8"))
        except UnicodeDecodeError:
            raise ExtractError(f"{path}: wrong encoding; expected UTF-8, UTF-8 with BOM or Windows-1252") from None
    return target


def open_extract(
    path: str | Path,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    mapping: ColumnMapping,
    workdir: Path | None = None,
    thorough: bool = False,
    line_filter: pl.Expr | None = None,
) -> Extract:
    """Open a CSV or Parquet file lazily with canonical column names.

    With ``line_filter`` (an expression over the text of each line,
    ``pl.col("line")``, keeping at least every line the caller needs), only
    the lines of a CSV file that it keeps are parsed into fields (see
    :func:`_filtered_lines`): a fast superset filter for a caller that needs
    few of the rows of a file too large to split into fields whole.

    Raises
    ------
    ExtractError
        When the file is missing, empty, in an unsupported encoding, or lacks
        one of the ``required`` columns (naming what it found).
    """
    path = Path(path)
    frame: pl.LazyFrame | None
    if not path.is_file():
        raise ExtractError(f"{path}: no such file")
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            rows = pl.scan_parquet(path).select(pl.len()).collect().item()
        except (pl.exceptions.PolarsError, OSError) as error:
            raise ExtractError(f"{path}: not a readable Parquet file ({error})") from None
        if rows == 0:
            raise ExtractError(f"{path}: the file has no rows")
        frame = pl.scan_parquet(path).with_row_index("_row", offset=1)
    else:
        if path.stat().st_size == 0:
            raise ExtractError(f"{path}: the file is empty; expected a header line and rows")
        encoding, head = _detect_encoding(path, thorough)
        text = head.decode(encoding, errors="replace")
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            raise ExtractError(f"{path}: the file has a header but no rows")
        separator = ";" if lines[0].count(";") > lines[0].count(",") else ","
        source = path
        if encoding == "cp1252":
            if workdir is None:
                workdir = Path(tempfile.mkdtemp(prefix="prem-sample-"))
            source = _transcode(path, workdir)
        frame = _filtered_lines(source, separator, line_filter) if line_filter is not None else None
        if frame is None:
            frame = pl.scan_csv(
                source,
                separator=separator,
                infer_schema=False,
                row_index_name="_row",
                row_index_offset=2,
            )
    found = frame.collect_schema().names()
    renames: dict[str, str] = {}
    original: dict[str, str] = {}
    for name in found:
        if name == "_row":
            continue
        canonical = mapping.canonical_column(name)
        if canonical in required + optional and canonical not in original:
            renames[name] = canonical
            original[canonical] = name.strip().lstrip("\ufeff")
    missing = [column for column in required if column not in original]
    if missing:
        shown = ", ".join(name for name in found if name != "_row")
        raise ExtractError(
            f"{path}: missing column '{missing[0]}'; found: {shown}. "
            "Name it as in SAMPLING.md or map it with --mapping (columns: {their name: " + missing[0] + "})"
        )
    selected = [pl.col(name).cast(pl.String).alias(canonical) for name, canonical in renames.items()]
    absent = [pl.lit(None, dtype=pl.String).alias(column) for column in optional if column not in original]
    frame = frame.select(pl.lit(str(path)).alias("_file"), pl.col("_row").cast(pl.Int64), *selected, *absent)
    return Extract(path, frame, original)


def _filtered_lines(source: Path, separator: str, kept: pl.Expr) -> pl.LazyFrame | None:
    """The rows of a CSV file whose line the expression ``kept`` keeps, or None.

    The file is first split into lines only (a cheap, parallel scan), the
    lines are filtered, and only the lines kept are parsed into fields, with
    their row number (header = 1) as ``_row``. Lines are records unless a
    quoted field holds a line break, which shows as a line with an odd number
    of quote characters: such a file, one holding the byte used to keep each
    line whole, and one whose kept lines do not parse are left to the full
    parse (None), which reads them correctly or names the problem and where
    it is.
    """
    with source.open("rb") as stream:
        header = stream.readline()
    line = pl.col("line")
    odd_quotes = line.str.count_matches('"', literal=True) % 2 == 1
    try:  # a line holding the separator byte has two fields, which polars refuses
        found = (
            pl.scan_csv(
                source,
                has_header=False,
                separator=_LINE_SEPARATOR,
                quote_char=None,
                new_columns=["line"],
                infer_schema=False,
                skip_rows=1,
            )
            .with_row_index("_row", offset=2)
            .filter(kept | odd_quotes)
            .collect(engine="streaming")
        )
    except pl.exceptions.PolarsError:
        return None
    if found.select(odd_quotes.any()).item():
        return None
    kept_text = io.BytesIO(header if header.endswith(b"\n") else header + b"\n")
    kept_text.seek(0, io.SEEK_END)
    found.select("line").write_csv(kept_text, include_header=False, quote_style="never")  # each line as it was
    kept_text.seek(0)
    try:
        rows = pl.read_csv(kept_text, separator=separator, infer_schema=False, low_memory=True)
    except pl.exceptions.PolarsError:
        return None
    if rows.height != found.height:
        return None
    return rows.with_columns(found["_row"]).lazy()


def lines_holding(texts: Sequence[str]) -> pl.Expr:
    """A line filter keeping the lines that contain one of ``texts`` (literally, anywhere)."""
    return pl.col("line").str.contains("|".join(re.escape(text) for text in sorted(set(texts))))


def read_manifest_date(mailing_path: Path) -> str | None:
    """The sampling date in the ``manifest.json`` beside an earlier round's mailing list."""
    manifest = mailing_path.parent / "manifest.json"
    if not manifest.is_file():
        return None
    try:
        sampling_date: str | None = json.loads(manifest.read_text(encoding="utf-8")).get("sampling_date")
        return sampling_date
    except (OSError, ValueError):
        raise ExtractError(f"{manifest}: not a readable manifest.json") from None


def scan_extracts(
    paths: list[str | Path],
    build: Callable[[list[Extract]], pl.LazyFrame],
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    mapping: ColumnMapping,
    workdir: Path,
    line_filter: pl.Expr | None = None,
) -> tuple[list[Extract], pl.DataFrame]:
    """Open files and collect the query ``build`` makes of them, streaming.

    ``line_filter`` is passed to :func:`open_extract`: the query must keep
    no row whose line it drops.

    When polars meets invalid UTF-8 beyond the quick encoding check, every
    file is checked thoroughly (Windows-1252 ones transcoded) and the query runs
    again. Other parse failures (ragged rows, bad quoting) become an
    :class:`ExtractError` naming the files.
    """
    for thorough in (False, True):
        try:
            extracts = [
                open_extract(
                    p,
                    required=required,
                    optional=optional,
                    mapping=mapping,
                    workdir=workdir,
                    thorough=thorough,
                    line_filter=line_filter,
                )
                for p in paths
            ]
            return extracts, build(extracts).collect(engine="streaming")
        except pl.exceptions.ComputeError as error:
            if thorough or "utf" not in str(error).lower():
                names = ", ".join(str(p) for p in paths)
                raise ExtractError(f"{names}: cannot be read as CSV ({str(error).splitlines()[0]})") from None
    raise AssertionError("unreachable")
