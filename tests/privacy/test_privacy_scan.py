"""After the demo, no personnummer, name or street of the mailing list is anywhere but region-side.

Issue #10, "Privacy scan": the survey database (SQLite file, and a
PostgreSQL dump when ``PREM_TEST_POSTGRES_URL`` is set), the demo's log,
the exports, the tables, the keyed paper batch, the PDF reports (their
text via pdftotext) and the staff web's paper pages (a keying left pending,
the web/paper conflict list and its CSV) are scanned. The extracts, ``mailing.csv``, the letters
(PDF and the print vendor's CSV) and the sampling key are the region's and
are not scanned; the letters are checked to hold the names (so that the
scan's exclusion hides something real), and the vendor's CSV is refused by
the paper import without echoing anything of it.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

#: A written personnummer with its separator; bare digit runs are matched against the mailing list's own numbers.
_DASHED_PERSONNUMMER = re.compile(rb"(?<![0-9])(?:19|20)?[0-9]{6}[-+][0-9]{4}(?![0-9])")
_REGION_SIDE = ("extracts", "sample/mailing.csv", "sampling-code.key", "letters")


def _prem(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prem", *arguments], env=env, capture_output=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``prem demo`` at a small scale, with its output and log."""
    root = tmp_path_factory.mktemp("privacy")
    env = os.environ | {"PREM_INSTANCE_PATH": str(root / "instance"), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    ran = _prem("demo", "--out", str(root / "out"), "--scale", "0.01", env=env)
    (root / "demo.log").write_bytes(ran.stdout + ran.stderr)
    assert ran.returncode == 0, ran.stderr.decode(errors="replace")[-2000:]
    return root, env


def _secrets(out: Path) -> list[bytes]:
    """Every personnummer (its written forms), name and street of the demo's mailing list."""
    found: set[str] = set()
    with open(out / "sample" / "mailing.csv", newline="", encoding="utf-8") as lines:
        for row in csv.DictReader(lines):
            digits = row["personnummer"][-10:]
            found |= {row["personnummer"], digits, f"{digits[:6]}-{digits[6:]}", row["name"], row["street"]}
    assert len(found) > 100
    return sorted(value.encode() for value in found if value)


def _scanned_files(root: Path) -> list[Path]:
    out = root / "out"
    files = [path for path in root.rglob("*") if path.is_file()]
    return [path for path in files if not any(path.is_relative_to(out / side) for side in _REGION_SIDE)]


def _contents(path: Path) -> bytes:
    if path.suffix == ".pdf":
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    return path.read_bytes()


def _leaks(haystack: bytes, secrets_: list[bytes]) -> list[str]:
    leaks = [secret.decode() for secret in secrets_ if secret in haystack]
    return leaks + [match.decode() for match in _DASHED_PERSONNUMMER.findall(haystack)]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_no_personal_data_outside_the_region_side_files(demo):
    root, _ = demo
    secrets_ = _secrets(root / "out")
    scanned = _scanned_files(root)
    kinds = {path.suffix for path in scanned}
    assert {".sqlite", ".csv", ".pdf", ".log", ".parquet"} <= kinds, kinds
    leaks = {str(path.relative_to(root)): found for path in scanned if (found := _leaks(_contents(path), secrets_))}
    assert leaks == {}
    # The scan can see: the region-side mailing list itself is full of them.
    assert _leaks((root / "out" / "sample" / "mailing.csv").read_bytes(), secrets_)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_letters_are_region_side_and_the_paper_batch_is_not(demo):
    root, _ = demo
    out, secrets_ = root / "out", _secrets(root / "out")
    for name in ("invitation.pdf", "invitation.csv", "reminder-2.pdf", "reminder-2.csv"):
        assert _leaks(_contents(out / "letters" / name), secrets_), name  # names and streets: region side
    keyed = sorted((out / "paper").glob("*.csv"))
    assert len(keyed) == 3 and all(not _leaks(path.read_bytes(), secrets_) for path in keyed)
    log = (root / "demo.log").read_text(encoding="utf-8")
    assert "paper responses stored" in log and "invitation letters" in log


def test_the_letters_vendor_csv_is_never_imported(demo):
    """The print vendor's CSV (names, addresses, codes) given to the paper import: refused by its columns,
    nothing stored, and the message names columns only, never a value."""
    root, env = demo
    out = root / "out"
    env = env | {"DATABASE_URL": f"sqlite:///{out / 'prem.sqlite'}"}
    export = ("export", "responses", "--round", "demo", "--out")
    assert _prem(*export, str(root / "before.csv"), env=env).returncode == 0
    for vendor_csv in ("invitation.csv", "reminder-2.csv"):
        refused = _prem("fieldwork", "paper", "--round", "demo", "--file", str(out / "letters" / vendor_csv), env=env)
        assert refused.returncode == 1
        message = refused.stdout + refused.stderr
        assert b"column 'name': not an item of the questionnaire" in message
        assert _leaks(message, _secrets(out)) == []
    assert _prem(*export, str(root / "after.csv"), env=env).returncode == 0
    assert (root / "before.csv").read_bytes() == (root / "after.csv").read_bytes()


def test_no_personal_data_in_a_postgresql_dump(demo, tmp_path):
    url = os.environ.get("PREM_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("PREM_REQUIRE_POSTGRES") == "1":
            pytest.fail("PREM_REQUIRE_POSTGRES=1 but PREM_TEST_POSTGRES_URL is not set")
        pytest.skip("the PostgreSQL scan needs PREM_TEST_POSTGRES_URL")
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    root, env = demo
    server = urlsplit(url.replace("postgresql+psycopg", "postgresql"))
    connection = [
        "-h",
        server.hostname or "127.0.0.1",
        "-p",
        str(server.port or 5432),
        "-U",
        server.username or "postgres",
    ]
    name = f"proddata_privacy_{secrets.token_hex(4)}"
    subprocess.run(["createdb", *connection, name], check=True)
    try:
        env = env | {"DATABASE_URL": f"postgresql+psycopg://{server.netloc}/{name}"}
        sample = root / "out" / "sample"
        imported = _prem(
            "fieldwork", "import", "--round", "scan", "--frame", str(sample / "frame.csv"),
            "--mailing", str(sample / "mailing.csv"), "--opens", "2026-01-01", "--closes", "2099-12-31", env=env,
        )  # fmt: skip
        assert imported.returncode == 0, imported.stderr.decode(errors="replace")
        simulated = _prem("simulate", "--round", "scan", env=env)
        assert simulated.returncode == 0, simulated.stderr.decode(errors="replace")
        paper = root / "out" / "paper"
        keyed = _prem(
            "fieldwork", "paper", "--round", "scan", "--file", str(paper / "keyed-1.csv"),
            "--second-keying", str(paper / "keyed-2-corrected.csv"), env=env,
        )  # fmt: skip
        assert keyed.returncode == 0 and b"paper responses stored" in keyed.stdout, keyed.stderr
        dump = subprocess.run(["pg_dump", *connection, name], capture_output=True, check=True).stdout
        assert b"scan" in dump and b"respondent" in dump and b"paper" in dump
        logs = imported.stdout + imported.stderr + keyed.stdout + keyed.stderr
        assert _leaks(dump + logs, _secrets(root / "out")) == []
    finally:
        subprocess.run(["dropdb", *connection, name], check=False)


def test_the_keyed_entry_page_and_the_conflict_list_hold_no_personal_data(demo, monkeypatch):
    """The staff web's paper paths (issue #15): a coordinator keys a paper questionnaire (a pending first
    keying in paper_keying) and downloads the web/paper conflicts; the pages, the CSV and the database
    afterwards are scanned like everything else. Runs last: it writes to the demo's database."""
    from sqlalchemy import func, select

    from prem import create_app
    from prem.db import db
    from prem.fieldwork.models import ModeConflict, PaperKeying, Respondent
    from prem.survey.models import Response
    from questionnaires import load_questionnaire

    root, env = demo
    out, secrets_ = root / "out", _secrets(root / "out")
    password = re.search(r"^\s+skane\s+(\S+)", (root / "demo.log").read_text(encoding="utf-8"), re.M).group(1)
    monkeypatch.setenv("PREM_INSTANCE_PATH", env["PREM_INSTANCE_PATH"])
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{out / 'prem.sqlite'}"})
    token = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

    def csrf(html: str) -> str:
        found = token.search(html)
        assert found, "no CSRF token on the page"
        return found.group(1) or found.group(2)

    with app.app_context():
        respondent_id = db.session.execute(
            select(Respondent.respondent_id)
            .outerjoin(Response, Response.respondent_pk == Respondent.id)
            .where(Respondent.region == "12", Response.id.is_(None))
            .order_by(Respondent.respondent_id)
            .limit(1)
        ).scalar_one()
        version = db.session.execute(select(Response.questionnaire_version).limit(1)).scalar_one()
    q = load_questionnaire("prem-vardforlopp", version)
    client = app.test_client()
    login = client.get("/staff/login")
    client.post("/staff/login", data={"csrf_token": csrf(login.text), "username": "skane", "password": password})
    base = "/staff/rounds/demo/regions/12"
    page = client.get(f"{base}/paper/{respondent_id}")
    assert page.status_code == 200, page.status
    keying = {item.id: "1" for item in q.items if item.scale is not None} | {"comments": "Bra bemötande."}
    posted = client.post(
        f"{base}/paper/{respondent_id}",
        data={"csrf_token": csrf(page.text), "keying": "1", **keying},
    )
    assert posted.status_code in (200, 302), posted.status
    shown = [page.data, posted.data, client.get(f"{base}/paper").data]
    conflicts = client.get(f"{base}/conflicts")
    listed = client.get(f"{base}/conflicts.csv")
    assert conflicts.status_code == listed.status_code == 200
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(PaperKeying)).scalar_one() == 1
        assert db.session.execute(select(func.count()).select_from(ModeConflict)).scalar_one() > 0
        db.session.remove()
        db.engine.dispose()
    assert listed.data.count(b"\n") > 1  # the demo's web/paper conflicts, one line each
    for content in [*shown, conflicts.data, listed.data]:
        assert _leaks(content, secrets_) == []
    database = [path for path in out.glob("prem.sqlite*") if path.is_file()]
    assert _leaks(b"".join(path.read_bytes() for path in database), secrets_) == []
