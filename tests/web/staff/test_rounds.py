"""Rounds in the browser: upload with the same import as the CLI, refusals of personal data, open, close, audit."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import yaml
from sqlalchemy import func, select, text

from prem.db import db
from prem.fieldwork.models import Respondent, SurveyRound
from prem.staff.models import AuditEvent

from ..conftest import TODAY, csrf_token
from .conftest import ROUND, log_in

ROUND_INFO = Path(__file__).parents[2] / "sampling" / "letters_data" / "round-info.yaml"


def _upload(client, files, name="vår-2027", opens=None, closes=None, **replace):
    form = client.get("/staff/new-round")
    parts = {
        "frame": (io.BytesIO(replace.get("frame", files.frame)), "urval 2027 Region Blekinge.csv"),
        "mailing": (io.BytesIO(replace.get("mailing", files.mailing)), "adresser.csv"),
        "flow": (io.BytesIO(files.flow), "flow.csv"),
        "manifest": (io.BytesIO(files.manifest), "manifest.json"),
    }
    if "round_info" in replace:
        parts["round_info"] = (io.BytesIO(replace["round_info"]), "runda.yaml")
    return client.post(
        "/staff/new-round",
        data={
            "csrf_token": csrf_token(form.text),
            "name": name,
            "opens": str(opens or TODAY + timedelta(days=7)),
            "closes": str(closes or TODAY + timedelta(days=40)),
            "questionnaire": "prem-vardforlopp",
            **parts,
        },
        content_type="multipart/form-data",
    )


def _audit(app):
    with app.app_context():
        return [
            (e.actor, e.action, e.round_name, e.detail)
            for e in db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
        ]


def test_administrator_uploads_a_round_and_only_hashes_of_the_codes_are_stored(app, client, accounts, sample_files):
    files = sample_files()
    log_in(client, "admin")
    before = set(os.listdir(tempfile.gettempdir()))
    created = _upload(client, files)
    assert created.status_code == 302, created.text
    assert created.location == "/staff/rounds/v%C3%A5r-2027"
    page = client.get(created.location)
    assert "planerad" in page.text and "10 Blekinge" in page.text and "12 Skåne" in page.text
    with app.app_context():
        survey_round = db.session.execute(select(SurveyRound)).scalar_one()
        assert survey_round.manifest == {"seed": 1} and len(survey_round.flow_steps) == 2
        hashes = db.session.execute(select(Respondent.code_hash)).scalars().all()
        assert len(hashes) == 8 and not set(hashes) & set(files.codes.values())
        dump = "\n".join(
            str(row)
            for table in ("respondent", "audit_event")
            for row in db.session.execute(text(f"SELECT * FROM {table}"))
        )
    for secret in ("19450312-2389", "Greta", "Provgatan", *files.codes.values()):
        assert secret not in dump
    assert set(os.listdir(tempfile.gettempdir())) - before == set()  # the temporary sample folder is gone
    assert ("admin", "round_created", "vår-2027") == _audit(app)[-1][:3]


def test_an_uploaded_round_takes_codes_only_once_opened(app, client, accounts, sample_files, sign_in):
    files = sample_files()
    log_in(client, "admin")
    _upload(client, files)
    code = next(iter(files.codes.values()))
    patient = app.test_client()
    assert sign_in(patient, code).status_code == 403  # planned: not yet
    page = client.get("/staff/rounds/v%C3%A5r-2027")
    opened = client.post("/staff/rounds/v%C3%A5r-2027/open", data={"csrf_token": csrf_token(page.text)})
    assert opened.location == "/staff/rounds/v%C3%A5r-2027"
    assert "öppen" in client.get(opened.location).text
    assert sign_in(app.test_client(), code).location == "/introduction"
    assert _audit(app)[-1][:3] == ("admin", "round_opened", "vår-2027")


def test_closing_destroys_the_codes_and_is_recorded(app, client, accounts, staff_round, sign_in):
    log_in(client, "admin")
    confirm = client.get(f"/staff/rounds/{ROUND}/close")
    assert "förstörs alla" in confirm.text
    closed = client.post(
        f"/staff/rounds/{ROUND}/close", data={"csrf_token": csrf_token(confirm.text), "confirm": "yes"}
    )
    assert closed.status_code == 302
    with app.app_context():
        assert db.session.execute(select(func.count()).where(Respondent.code_hash.is_not(None))).scalar_one() == 0
    assert sign_in(app.test_client(), next(iter(staff_round.codes.values()))).status_code == 403
    actions = [(action, detail) for _, action, _, detail in _audit(app)]
    assert ("round_closed", f"closed {TODAY}") in actions and ("codes_destroyed", "8 access codes") in actions
    assert "stängd" in client.get(f"/staff/rounds/{ROUND}").text


def test_a_frame_with_personal_columns_is_refused_and_nothing_is_stored(app, client, accounts, sample_files):
    files = sample_files()
    log_in(client, "admin")
    for frame, expected in (
        (files.mailing, "'personnummer', 'name', 'street', 'postal_code', 'city'"),
        (files.frame.replace(b"design_weight", b"design_weight,Efternamn", 1), "'Efternamn'"),
    ):
        refused = _upload(client, files, frame=frame)
        assert refused.status_code == 200 and expected in refused.text.replace("&#39;", "'")
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(SurveyRound)).scalar_one() == 0


def test_a_frame_with_a_personnummer_in_any_cell_is_refused_without_quoting_it(app, client, accounts, sample_files):
    files = sample_files()
    log_in(client, "admin")
    lines = files.frame.decode().splitlines()
    fields = lines[2].split(",")
    fields[4] = "194503122389"  # in the age column
    lines[2] = ",".join(fields)
    refused = _upload(client, files, frame="\n".join(lines).encode())
    assert "rad 3, kolumn age: ser ut som ett personnummer" in refused.text
    assert "urvalsramen får inte innehålla personnummer (värdena visas inte här)" in refused.text
    assert "194503122389" not in refused.text and "/tmp" not in refused.text


def test_import_errors_name_the_file_not_the_temporary_folder(app, client, accounts, sample_files):
    files = sample_files()
    log_in(client, "admin")
    broken = files.frame.replace(b"reumatoid-artrit", b"no-such-pathway", 1)
    refused = _upload(client, files, frame=broken)
    shown = refused.text.replace("&#39;", "'")
    assert "frame.csv:\n  rad 2, kolumn pathway: 'no-such-pathway' är inget vårdförlopp i pathways.csv" in shown
    assert "prem-upload-" not in refused.text
    missing = _upload(client, files, mailing=b"respondent_id,name\nRABC,Greta\n")
    assert "mailing.csv: rad 1: ingen kolumn 'access_code'" in missing.text.replace("&#39;", "'")
    client.get("/language/en?next=/staff/")  # the same refusal for a staff member who reads English
    english = _upload(client, files, frame=broken).text.replace("&#39;", "'")
    assert "frame.csv:\n  line 2, column pathway: 'no-such-pathway' is not a pathway slug of pathways.csv" in english


def test_the_same_round_name_twice_is_refused(app, client, accounts, sample_files):
    log_in(client, "admin")
    assert _upload(client, sample_files()).status_code == 302
    again = _upload(client, sample_files())
    assert (
        again.status_code == 200
        and "Enkätomgången 'vår-2027' finns redan; välj ett annat namn." in again.text.replace("&#39;", "'")
    )


def test_audit_log_is_shown_exported_and_append_only(app, client, accounts, staff_round):
    log_in(client, "admin")
    page = client.get("/staff/audit")
    assert "loggade in" in page.text and "konto skapat" in page.text
    exported = client.get("/staff/audit.csv")
    assert exported.mimetype == "text/csv" and "attachment" in exported.headers["Content-Disposition"]
    header, *rows = exported.text.splitlines()
    assert header == "at,actor,action,round,region,detail"
    assert any(",admin,login," in row for row in rows)
    with app.app_context():
        for statement in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
            try:
                with db.engine.begin() as connection:
                    connection.execute(text(statement))
            except Exception as error:  # the database refuses: SQLite's RAISE or PostgreSQL's exception
                assert "append-only" in str(error)
            else:
                raise AssertionError(f"{statement} was allowed")
        count = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    assert count == len(rows) and rows[0].split(",")[2] == "audit_exported"  # the download records itself first


def test_an_upload_larger_than_allowed_is_refused_calmly(app, client, accounts, sample_files):
    app.config["STAFF_UPLOAD_MAX_BYTES"] = 2000
    log_in(client, "admin")
    files = sample_files()
    refused = _upload(client, files, frame=files.frame + b"x" * 3000)
    assert refused.status_code == 413 and "Filen är för stor" in refused.text
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(SurveyRound)).scalar_one() == 0


def test_the_round_information_is_uploaded_with_the_round_and_shown(app, client, accounts, sample_files):
    """The round-info file the letters are made from gives the survey its period, sender and contact."""
    files = sample_files()
    log_in(client, "admin")
    info = ROUND_INFO.read_bytes()
    name = yaml.safe_load(info)["round"]
    created = _upload(client, files, name=name, round_info=info)
    assert created.status_code == 302, created.text
    page = client.get(created.location).text
    with app.app_context():
        stored = db.session.execute(select(SurveyRound.patient_info)).scalar_one()
    assert stored["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert stored["sender"]["name"] in page and stored["contact"]["email"] in page
    assert "street" not in stored["sender"] and "plan" not in stored  # no postal address, no mailing plan


def test_round_information_for_another_round_or_broken_is_refused_and_nothing_stored(
    app, client, accounts, sample_files
):
    files = sample_files()
    log_in(client, "admin")
    other = _upload(client, files, name="annan-runda", round_info=ROUND_INFO.read_bytes())
    assert other.status_code == 200 and "round-info.yaml" in other.text and "annan-runda" in other.text
    broken = _upload(client, files, name="trasig", round_info=b"round: [unclosed")
    assert broken.status_code == 200 and "round-info.yaml" in broken.text and "prem-upload-" not in broken.text
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(SurveyRound)).scalar_one() == 0


def test_any_valid_round_name_reaches_its_pages_even_new(app, client, accounts, sample_files):
    log_in(client, "admin")
    for name in ("new", "audit", "dashboard"):
        assert _upload(client, sample_files(), name=name).status_code == 302
        page = client.get(f"/staff/rounds/{name}")
        assert page.status_code == 200 and f"Omgång {name}</h1>" in page.text, name
        assert client.get(f"/staff/rounds/{name}/dashboard").status_code == 200
    assert client.get("/staff/new-round").status_code == 200
