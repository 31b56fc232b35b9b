"""Read side of fieldwork: the responses export (the analysis input), free text, the sampling flow.

The responses export follows ``docs/ARCHITECTURE.md`` exactly: one row per
invited respondent; the frame columns, ``status``, ``questionnaire_id``,
``questionnaire_version``, ``submitted_at``, ``mode`` (``web`` or ``paper``,
empty when never started), ``mode_conflict`` (why the counted response
counts, for a person who answered more than once), then one column per
closed item (option code, empty when unanswered or routed past). Free text
is never in it; reviewers get it from :func:`freetext_dataframe`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from contracts.files import write_privately
from contracts.formats import RESPONSES_COLUMNS
from contracts.spreadsheet import write_private_csv
from prem.fieldwork.models import FlowStep, ModeConflict, Respondent
from prem.fieldwork.operations import FLOW_COLUMNS, FRAME_COLUMNS, FieldworkError, get_round
from prem.survey.models import Answer, Response
from prem.survey.questionnaire import closed_item_ids, questionnaire_version, text_item_ids

__all__ = [
    "RESPONSE_COLUMNS",
    "freetext_dataframe",
    "mode_conflicts_dataframe",
    "responses_dataframe",
    "round_sampling_flow",
    "utc_iso",
    "write_table",
]

#: The export's columns before the item columns.
RESPONSE_COLUMNS = RESPONSES_COLUMNS


def utc_iso(moment: datetime | None) -> str | None:
    """An ISO 8601 UTC timestamp (``None`` for a missing one).

    A naive moment is UTC (how the database stores every moment, see
    :class:`prem.db.UTCDateTime`), never the machine's local time.
    """
    if moment is None or pd.isna(moment):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _table(session: Session, statement, columns: list[str]) -> pd.DataFrame:
    """Run ``statement`` on the session's connection (Core, no ORM objects) into a DataFrame."""
    rows = [tuple(row) for row in session.connection().execute(statement)]
    return pd.DataFrame.from_records(rows, columns=columns)


def responses_dataframe(session: Session, round_name: str) -> pd.DataFrame:
    """The round's responses in the ARCHITECTURE.md export format.

    Parameters
    ----------
    session
        A database session.
    round_name
        The survey round.

    Returns
    -------
    pandas.DataFrame
        One row per invited respondent (sorted by ``respondent_id``); frame
        columns with their types (``region`` as text), ``status``,
        ``questionnaire_id``/``questionnaire_version`` (missing when never
        started), ``submitted_at`` (ISO text or missing), ``screen_out_reason``
        (the screened-out patient's optional reason, else missing), ``mode``
        (``web`` or ``paper``, :data:`contracts.formats.RESPONSE_MODES`; missing
        when never started), ``mode_conflict`` (the rule of the person's latest
        recorded web/paper conflict, :data:`prem.fieldwork.paper.CONFLICT_RULES`;
        missing for everybody else), then one nullable
        ``Int64`` column per closed item of the round's questionnaire.
    """
    survey_round = get_round(session, round_name)
    questionnaire = questionnaire_version(survey_round.questionnaire_id, survey_round.questionnaire_version)
    item_ids = closed_item_ids(questionnaire)
    clashes = sorted(set(item_ids) & set(RESPONSE_COLUMNS))
    if clashes:
        raise FieldworkError(
            f"{questionnaire.id} {questionnaire.version}: item ids {', '.join(clashes)} clash with "
            "columns of the responses export; rename the items in the definition."
        )
    frame_columns = [getattr(Respondent, column) for column in FRAME_COLUMNS]
    conflict = (
        select(ModeConflict.rule)
        .where(ModeConflict.respondent_pk == Respondent.id)
        .order_by(ModeConflict.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    export = _table(
        session,
        select(
            Respondent.id,
            *frame_columns,
            Respondent.status,
            Response.questionnaire_id,
            Response.questionnaire_version,
            Response.submitted_at,
            Respondent.screen_out_reason,
            Response.mode,
            conflict,
        )
        .outerjoin(Response, Response.respondent_pk == Respondent.id)
        .where(Respondent.round_id == survey_round.id)
        .order_by(Respondent.respondent_id),
        ["pk", *RESPONSE_COLUMNS],
    )
    export["submitted_at"] = pd.array(
        [utc_iso(moment) for moment in export["submitted_at"].astype(object)], dtype="string"
    )
    answers = _table(
        session,
        select(Response.respondent_pk, Answer.item_id, Answer.code)
        .join(Answer, Answer.response_id == Response.id)
        .join(Respondent, Respondent.id == Response.respondent_pk)
        .where(Respondent.round_id == survey_round.id, Answer.code.is_not(None)),
        ["pk", "item_id", "code"],
    )
    codes = answers.pivot(index="pk", columns="item_id", values="code") if len(answers) else pd.DataFrame()
    codes = codes.reindex(index=export["pk"], columns=item_ids)
    items = pd.DataFrame({item_id: pd.array(codes[item_id].to_numpy(), dtype="Int64") for item_id in item_ids})
    export = pd.concat([export.drop(columns="pk").reset_index(drop=True), items], axis=1)
    for column in (
        "respondent_id",
        "pathway",
        "region",
        "sex",
        "age_group",
        "status",
        "questionnaire_id",
        "questionnaire_version",
        "submitted_at",
        "screen_out_reason",
        "mode",
        "mode_conflict",
    ):
        export[column] = export[column].astype("string")
    for column in ("age", "stratum_population", "stratum_sample"):
        export[column] = export[column].astype("int64")
    export["design_weight"] = export["design_weight"].astype("float64")
    return export


def freetext_dataframe(session: Session, round_name: str) -> pd.DataFrame:
    """Free-text answers for reviewers: ``respondent_id, pathway, region, status, item_id, text``."""
    survey_round = get_round(session, round_name)
    questionnaire = questionnaire_version(survey_round.questionnaire_id, survey_round.questionnaire_version)
    rows = session.execute(
        select(
            Respondent.respondent_id,
            Respondent.pathway,
            Respondent.region,
            Respondent.status,
            Answer.item_id,
            Answer.text,
        )
        .join(Response, Response.respondent_pk == Respondent.id)
        .join(Answer, Answer.response_id == Response.id)
        .where(
            Respondent.round_id == survey_round.id,
            Answer.item_id.in_(text_item_ids(questionnaire)),
            Answer.text.is_not(None),
        )
        .order_by(Respondent.respondent_id, Answer.item_id)
    ).all()
    return pd.DataFrame(rows, columns=["respondent_id", "pathway", "region", "status", "item_id", "text"]).astype(
        "string"
    )


def mode_conflicts_dataframe(session: Session, round_name: str, regions: frozenset[str] | None = None) -> pd.DataFrame:
    """The round's people who answered more than once (:class:`~prem.fieldwork.models.ModeConflict`).

    Columns ``respondent_id, pathway, region, counted`` (the mode of the
    response that counts), ``not_counted`` (``web``/``paper``, or the
    disposition the paper questionnaire overrode), ``rule``
    (:data:`prem.fieldwork.paper.CONFLICT_RULES`), ``counted_at`` (when the
    counted response was submitted) and ``recorded_at`` (ISO 8601 UTC); one
    row per conflict, by respondent id. ``regions`` keeps a region's rows only.
    """
    survey_round = get_round(session, round_name)
    query = (
        select(
            Respondent.respondent_id,
            Respondent.pathway,
            Respondent.region,
            ModeConflict.counted,
            ModeConflict.other,
            ModeConflict.rule,
            ModeConflict.counted_at,
            ModeConflict.recorded_at,
        )
        .join(ModeConflict, ModeConflict.respondent_pk == Respondent.id)
        .where(ModeConflict.round_id == survey_round.id)
        .order_by(Respondent.respondent_id, ModeConflict.recorded_at, ModeConflict.id)
    )
    if regions is not None:
        query = query.where(Respondent.region.in_(sorted(regions)))
    columns = ["respondent_id", "pathway", "region", "counted", "not_counted", "rule", "counted_at", "recorded_at"]
    rows = [(*row[:6], utc_iso(row.counted_at), utc_iso(row.recorded_at)) for row in session.execute(query).all()]
    return pd.DataFrame(rows, columns=columns).astype("string")


def round_sampling_flow(session: Session, round_name: str) -> tuple[pd.DataFrame, dict]:
    """The sampling flow and manifest imported with the round, for the report's method appendix.

    Returns
    -------
    tuple of (pandas.DataFrame, dict)
        ``flow.csv``'s rows (``pathway, region, step, remaining, removed``, in
        file order; empty when no flow was imported) and ``manifest.json``'s
        content (``{}`` when none was imported).
    """
    survey_round = get_round(session, round_name)
    steps = session.execute(
        select(*(getattr(FlowStep, column) for column in FLOW_COLUMNS))
        .where(FlowStep.round_id == survey_round.id)
        .order_by(FlowStep.position)
    ).all()
    flow = pd.DataFrame(steps, columns=list(FLOW_COLUMNS))
    flow = flow.astype(
        {"pathway": "string", "region": "string", "step": "string", "remaining": "int64", "removed": "int64"}
    )
    return flow, dict(survey_round.manifest or {})


def write_table(table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``table`` as ``.csv`` (UTF-8) or ``.parquet`` by the file's suffix, atomically and mode 0600.

    CSV cells that a spreadsheet would run as a formula are neutralised
    (:mod:`contracts.spreadsheet`; the README says how to recover them). A
    full disk or another write error is a :class:`FieldworkError` and leaves
    no partial file; the export only reads the database.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise FieldworkError(f"{path}: the output must end in .csv or .parquet.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            return write_private_csv(table, path)
        write_privately(path, lambda partial: table.to_parquet(partial, index=False))
    except OSError as error:
        raise FieldworkError(
            f"{path}: could not be written ({error.strerror or error}); no file was written or changed."
        ) from None
    return path
