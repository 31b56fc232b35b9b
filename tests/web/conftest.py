"""Fixtures for the web survey: app, client and runner as in Flask's tutorial, plus factories.

The ``database_url`` fixture (in ``tests/conftest.py``) runs every database
test on SQLite and, when ``PREM_TEST_POSTGRES_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from prem import create_app
from prem.db import db, transaction
from prem.fieldwork.operations import import_round, survey_today
from prem.security import code_keys
from sampling.access_codes import ALPHABET, new_access_code

ACCESS_CODE_KEY = "test-access-code-key"
TODAY = survey_today("Europe/Stockholm")
"""Today where the survey runs (the app's default SURVEY_TIMEZONE): a round's window is in its days, which
in the last hour before midnight UTC are already tomorrow's."""
PERSONNUMMER = "19450312-2389"
NAME = "Greta Testsson"
STREET = "Provgatan 17"


@pytest.fixture(autouse=True, scope="session")
def _instance_folder(tmp_path_factory):
    """Keep key files and databases of every app made in these tests out of the working tree."""
    previous = os.environ.get("PREM_INSTANCE_PATH")
    os.environ["PREM_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    yield
    if previous is None:
        del os.environ["PREM_INSTANCE_PATH"]
    else:
        os.environ["PREM_INSTANCE_PATH"] = previous


@pytest.fixture
def app(database_url, tmp_path):
    """The app on the test's database, with CSRF on (tests send the page's token)."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "ACCESS_CODE_KEY": ACCESS_CODE_KEY,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CODE_ATTEMPT_LIMIT": 5,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(database_url, tmp_path):
    """Invoke the ``prem`` command on the test's database: ``runner(["fieldwork", "list"])``."""
    from click.testing import CliRunner

    from prem.cli import main

    env = {
        "DATABASE_URL": database_url,
        "PREM_SECRET_KEY": "test-secret-key",
        "PREM_ACCESS_CODE_KEY": ACCESS_CODE_KEY,
        "PREM_INSTANCE_PATH": str(tmp_path / "instance"),
    }

    def invoke(arguments: list[str]):
        return CliRunner().invoke(main, arguments, env=env, catch_exceptions=False)

    return invoke


@dataclass
class Sample:
    """A sample directory as ``prem sample`` writes it, with the codes the letters carry."""

    directory: Path
    codes: dict[str, str]

    @property
    def frame(self) -> Path:
        return self.directory / "frame.csv"

    @property
    def mailing(self) -> Path:
        return self.directory / "mailing.csv"


@pytest.fixture
def make_sample(tmp_path):
    """Factory: a synthetic sample directory with ``size`` people (frame, mailing, flow, manifest)."""
    counter = iter(range(1000))

    def make(size: int = 4, pathway: str = "ibd-vuxna", flow: bool = True) -> Sample:
        directory = tmp_path / f"sample{next(counter)}"
        directory.mkdir()
        # Ids as prem sample makes them (its alphabet has no 0 or 1, so an id never reads as a
        # personnummer; random hex digits sometimes did, and the import rightly refused them).
        ids = ["R" + "".join(secrets.choice(ALPHABET) for _ in range(10)) for _ in range(size)]
        codes = {respondent_id: new_access_code() for respondent_id in ids}
        with open(directory / "frame.csv", "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(
                [
                    "respondent_id",
                    "pathway",
                    "region",
                    "sex",
                    "age",
                    "age_group",
                    "stratum_population",
                    "stratum_sample",
                    "design_weight",
                ]
            )
            for index, respondent_id in enumerate(ids):
                writer.writerow([respondent_id, pathway, "01", "KM"[index % 2], 70, "65-79", 400, 40, 10.0])
        with open(directory / "mailing.csv", "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["respondent_id", "access_code", "personnummer", "name", "street", "postal_code", "city"])
            for respondent_id in ids:
                writer.writerow([respondent_id, codes[respondent_id], PERSONNUMMER, NAME, STREET, "41319", "Göteborg"])
        if flow:
            (directory / "flow.csv").write_text(
                "pathway,region,step,remaining,removed\n"
                f"{pathway},01,diagnosis in period,500,0\n{pathway},01,age 18 or over,480,20\n",
                encoding="utf-8",
            )
            (directory / "manifest.json").write_text(json.dumps({"seed": 20260101, "software": "prem 0.1.0"}))
        return Sample(directory, codes)

    return make


@pytest.fixture
def make_round(app, make_sample):
    """Factory: import a sample as a round; returns the :class:`Sample` (its codes work)."""

    def make(
        name: str = "vår-2026", size: int = 4, opens: date | None = None, closes: date | None = None, **sample_options
    ) -> Sample:
        sample = make_sample(size, **sample_options)
        import_sample(app, sample, name, opens=opens, closes=closes)
        return sample

    return make


def import_sample(
    app, sample: Sample, name: str, *, opens: date | None = None, closes: date | None = None, round_info=None
) -> None:
    """Import ``sample`` as the round ``name`` (open from yesterday for 30 days unless told otherwise)."""
    with transaction(app, upgrade=False) as session:
        import_round(
            session,
            name,
            sample.frame,
            sample.mailing,
            opens or TODAY - timedelta(days=1),
            closes or TODAY + timedelta(days=30),
            code_keys(app),
            round_info=round_info,
        )


def same_code_keys(app) -> dict:
    """Settings for a second app that checks codes as ``app`` does (its app key and round-key folder)."""
    keys = code_keys(app)
    return {"ACCESS_CODE_KEY": keys.app_key, "ROUND_KEY_DIR": str(keys.directory)}


_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the (first) form on a page."""
    return _TOKEN.search(html).group(1)


@pytest.fixture
def sign_in():
    """Enter ``code`` on the code page with ``client``; returns the response to the post."""

    def enter(client, code: str, **extra):
        page = client.get("/")
        return client.post("/", data={"csrf_token": csrf_token(page.text), "code": code, **extra})

    return enter


@pytest.fixture
def start(sign_in):
    """Sign in and press "Börja svara"; returns the first question page's response."""

    def begin(client, code: str):
        sign_in(client, code)
        intro = client.get("/introduction")
        started = client.post("/introduction", data={"csrf_token": csrf_token(intro.text), "action": "start"})
        return client.get(started.location)

    return begin


@pytest.fixture
def post_page(client):
    """Post a question page with the token from its last GET; ``action`` next/back/save_exit."""

    def post(page_id: str, answers: dict, action: str = "next", http=None):
        http = http or client
        page = http.get(f"/page/{page_id}")
        return http.post(f"/page/{page_id}", data={"csrf_token": csrf_token(page.text), "action": action, **answers})

    return post


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside ``with count_queries() as counted:`` (catches N+1 queries)."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        counted: list[str] = []

        def record(conn, cursor, statement, *args):
            counted.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield counted
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting
