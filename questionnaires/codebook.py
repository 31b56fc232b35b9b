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

__all__ = ["codebook_markdown", "codebook_table", "routing_text", "write_codebook"]


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
    """Write ``codebook.csv`` (UTF-8, ``,``) and ``codebook.md`` into ``out_dir``.

    Returns the paths written. The directory is created if needed.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, markdown_path = out_dir / "codebook.csv", out_dir / "codebook.md"
    _write_atomically(csv_path, spreadsheet_csv(codebook_table(q)) or "")
    _write_atomically(markdown_path, codebook_markdown(q))
    return [csv_path, markdown_path]
