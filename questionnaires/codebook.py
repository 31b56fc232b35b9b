"""The codebook: what every stored code means, for analysts and reviewers.

Derived from the definition like everything else, so the codebook can never
disagree with the web forms or the scoring rules.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from contracts.spreadsheet import spreadsheet_csv
from questionnaires.model import Item, Questionnaire

__all__ = ["codebook_markdown", "codebook_table", "export_variables_table", "routing_text", "write_codebook"]

#: The responses export's columns besides the frame and the items, with what each value means (sv, en).
_EXPORT_VARIABLES: dict[str, tuple[str, str, dict[str, tuple[str, str]]]] = {
    "status": (
        "Status i fältarbetet",
        "Fieldwork status so far",
        {
            "not_started": ("inte påbörjad", "not started"),
            "started": ("påbörjad, inte inskickad", "started, not submitted"),
            "submitted": ("inskickad (webb eller papper)", "submitted (web or paper)"),
            "refused": ("avböjt", "refused"),
            "screened_out": ("vården stämmer inte med personens", "screened out: not their care"),
            "deceased": ("avliden", "deceased"),
            "undeliverable": ("brevet kom tillbaka", "letter returned"),
        },
    ),
    "questionnaire_id": ("Enkätens id", "Id of the questionnaire answered; empty when never started", {}),
    "questionnaire_version": (
        "Enkätens version",
        "Version of the questionnaire answered (web and paper alike); empty when never started",
        {},
    ),
    "submitted_at": ("Tidpunkt då svaret skickades in", "When the response was submitted (ISO 8601, UTC)", {}),
    "mode": (
        "Svarssätt",
        "Mode of response; empty when never started. A person who answered both ways counts once: the first "
        "complete response (a submitted web response is kept and the paper one not stored; an unfinished web "
        "response is replaced by the paper one)",
        {"web": ("webbenkät", "web survey"), "paper": ("pappersenkät, inmatad", "paper questionnaire, keyed in")},
    ),
}


def routing_text(item: Item) -> str:
    """The item's routing condition in words an analyst reads, or ``""``."""
    if item.show_if is None:
        return ""
    codes = ", ".join(str(code) for code in sorted(item.show_if.codes))
    return f"{item.show_if.item} in [{codes}]"


def codebook_table(q: Questionnaire) -> pd.DataFrame:
    """One row per item × option (one row per free-text item), in questionnaire order.

    Returns
    -------
    pandas.DataFrame
        Columns ``page, item_id, kind, dimension, core, role, routing,
        pathways`` (empty = every pathway), ``max_length``, ``text_<lang>`` per language, ``code``,
        ``label_<lang>`` per language, ``score`` (empty = not scored),
        ``positive`` and ``declined`` ("Vill inte svara": a code of its own,
        missing in the analysis). Text items have one row with an empty code.
    """
    rows = []
    for page in q.pages:
        for item in page.items:
            common = {
                "page": page.id,
                "item_id": item.id,
                "kind": item.kind,
                "dimension": item.dimension or "",
                "core": item.core,
                "role": item.role or "",
                "routing": routing_text(item),
                "pathways": " ".join(sorted(item.pathways or ())),
                "max_length": item.max_length,
                **{f"text_{lang}": item.text[lang] for lang in q.languages},
            }
            if item.kind == "text":
                labels = {f"label_{lang}": "" for lang in q.languages}
                rows.append({**common, "code": pd.NA, **labels, "score": pd.NA, "positive": False, "declined": False})
                continue
            for option in item.choices.options:
                rows.append(
                    {
                        **common,
                        "code": option.code,
                        **{f"label_{lang}": option.label[lang] for lang in q.languages},
                        "score": option.score if item.scored and option.scored else pd.NA,
                        "positive": item.scored and option.positive,
                        "declined": option.declined,
                    }
                )
    table = pd.DataFrame(rows)
    return table.astype(
        {
            "code": "Int64",
            "max_length": "Int64",
            "score": "Float64",
            "core": "bool",
            "positive": "bool",
            "declined": "bool",
        }
    )


def export_variables_table() -> pd.DataFrame:
    """The responses export's fieldwork columns (status, questionnaire version, mode, ...) and their values.

    Returns
    -------
    pandas.DataFrame
        ``variable, value, label_sv, label_en``: one row per value of a
        coded column (``status``, ``mode``), one row with an empty value for
        the others, whose label says what the column holds.
    """
    rows = []
    for variable, (text_sv, text_en, values) in _EXPORT_VARIABLES.items():
        rows.append({"variable": variable, "value": "", "label_sv": text_sv, "label_en": text_en})
        rows += [
            {"variable": variable, "value": value, "label_sv": sv, "label_en": en} for value, (sv, en) in values.items()
        ]
    return pd.DataFrame(rows, dtype="string")


def _export_variables_markdown() -> list[str]:
    lines = [
        "",
        "## Fieldwork variables of the responses export",
        "",
        "Besides the frame columns and one column per closed item, each row of `prem export responses` has:",
    ]
    for variable, (text_sv, text_en, values) in _EXPORT_VARIABLES.items():
        lines += ["", f"### `{variable}`", "", f"- sv: {text_sv}", f"- en: {text_en}"]
        if values:
            lines += ["", "| value | label (sv) | label (en) |", "|---|---|---|"]
            lines += [f"| `{value}` | {sv} | {en} |" for value, (sv, en) in values.items()]
    return lines


def codebook_markdown(q: Questionnaire) -> str:
    """A human-readable codebook: dimensions, then each page's items with their codes."""
    lang, *others = q.languages
    lines = [
        f"# Codebook: {q.title[lang]} ({q.id} {q.version})",
        "",
        f"Languages: {', '.join(q.languages)}. Stored answers are option codes (integers) per item id; "
        "free text is stored as text. Options without a score are excluded from scoring. "
        'A declined option ("Vill inte svara") is stored as its own code and is missing in the analysis '
        "(never a case-mix level). "
        "Scores run evenly from 0 (worst) to 100 (best).",
        "",
        "## Dimensions",
        "",
        "| id | label | items |",
        "|---|---|---|",
    ]
    for dimension in q.dimensions:
        members = ", ".join(f"`{item.id}`" for item in q.scored_items if item.dimension == dimension.id)
        label = " / ".join(dimension.label[code] for code in q.languages)
        lines.append(f"| `{dimension.id}` | {label} | {members} |")
    for page in q.pages:
        lines += ["", f"## Page {q.page_index(page.id) + 1}: {page.title[lang]} (`{page.id}`)"]
        for item in page.items:
            facts: list[str] = [item.kind]
            facts += [f"dimension `{item.dimension}`"] if item.dimension else []
            facts += ["core"] if item.core else []
            facts += [f"role `{item.role}`"] if item.role else []
            facts += [f"shown if {routing_text(item)}"] if item.show_if else []
            facts += [f"only on {', '.join(sorted(item.pathways))}"] if item.pathways else []
            facts += [f"max {item.max_length} characters"] if item.max_length else []
            lines += ["", f"### `{item.id}` ({', '.join(facts)})", "", f"- {lang}: {item.text[lang]}"]
            lines += [f"- {other}: {item.text[other]}" for other in others]
            if item.scale is None:
                continue
            header = ["code", *(f"label ({code})" for code in q.languages), "score", "positive", "declined"]
            lines += ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            for option in item.choices.options:
                score = f"{option.score:g}" if item.scored and option.scored else "–"
                positive = "yes" if item.scored and option.positive else ""
                declined = "yes: missing in analysis" if option.declined else ""
                cells = [str(option.code), *(option.label[code] for code in q.languages), score, positive, declined]
                lines.append("| " + " | ".join(cells) + " |")
    lines += _export_variables_markdown()
    return "\n".join(lines) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader never sees a half-written file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_codebook(q: Questionnaire, out_dir: Path | str) -> list[Path]:
    """Write ``codebook.csv`` (UTF-8, ``,``), ``codebook.md`` and ``export_variables.csv`` into ``out_dir``.

    Returns the paths written, in that order. The directory is created if needed.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, markdown_path = out_dir / "codebook.csv", out_dir / "codebook.md"
    variables_path = out_dir / "export_variables.csv"
    _write_atomically(csv_path, spreadsheet_csv(codebook_table(q)) or "")
    _write_atomically(markdown_path, codebook_markdown(q))
    _write_atomically(variables_path, spreadsheet_csv(export_variables_table()) or "")
    return [csv_path, markdown_path, variables_path]
