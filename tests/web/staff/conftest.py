"""Fixtures for the staff pages: accounts of every role, a round in Blekinge (10) and Skåne (12), logins."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pytest

from prem.db import transaction
from prem.fieldwork.operations import import_round
from prem.security import code_keys
from prem.staff.operations import create_user
from sampling.access_codes import ALPHABET, new_access_code

from ..conftest import TODAY, csrf_token

PASSWORD = "correct horse battery staple"
ROUND = "höst-2026"
#: Respondents per region of the staff round: Blekinge and Skåne, with counts that tell them apart.
REGION_SIZES = {"10": 3, "12": 5}
FRAME_HEADER = "respondent_id,pathway,region,sex,age,age_group,stratum_population,stratum_sample,design_weight".split(
    ","
)
#: The accounts of the access tests: role and regions.
ACCOUNTS = {
    "admin": ("administrator", ()),
    "blekinge": ("coordinator", ("10",)),
    "skane": ("coordinator", ("12",)),
    "analyst": ("analyst", ()),
}


@pytest.fixture
def app(app):
    """The web app with a cheap argon2id cost: the tests hash dozens of passwords."""
    app.config.update(STAFF_PASSWORD_TIME_COST=1, STAFF_PASSWORD_MEMORY_KIB=8, STAFF_PASSWORD_PARALLELISM=1)
    return app


@pytest.fixture
def make_staff(app):
    """Factory: a staff account with the test password."""

    def make(username: str, role: str, regions=(), password: str | None = PASSWORD):
        with transaction(app, upgrade=False) as session:
            user = create_user(session, username, role, regions, password=password)
            return user.id

    return make


@pytest.fixture
def accounts(make_staff) -> dict[str, int]:
    """The four accounts of :data:`ACCOUNTS`, by user name → id."""
    return {name: make_staff(name, role, regions) for name, (role, regions) in ACCOUNTS.items()}


def log_in(client, username: str, password: str = PASSWORD, **query):
    """Post the login form; returns the response to the post."""
    page = client.get("/staff/login")
    return client.post(
        "/staff/login",
        query_string=query,
        data={"csrf_token": csrf_token(page.text), "username": username, "password": password},
    )


@dataclass
class SampleFiles:
    """A sample as prem sample writes it, as bytes to upload."""

    frame: bytes
    mailing: bytes
    flow: bytes
    manifest: bytes
    codes: dict[str, str]
    regions: dict[str, str]


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def sample_files():
    """Factory: frame, mailing list, flow and manifest for ``sizes`` (region → respondents) of one pathway."""

    def make(sizes=REGION_SIZES, pathway: str = "reumatoid-artrit") -> SampleFiles:
        regions = {}
        for region, size in sizes.items():
            for _ in range(size):
                regions["R" + "".join(secrets.choice(ALPHABET) for _ in range(10))] = region
        codes = {respondent_id: new_access_code() for respondent_id in regions}
        frame = [FRAME_HEADER] + [
            [respondent_id, pathway, region, "K", 58, "50-64", 400, 40, 10.0]
            for respondent_id, region in regions.items()
        ]
        mailing = [["respondent_id", "access_code", "personnummer", "name", "street", "postal_code", "city"]] + [
            [
                respondent_id,
                codes[respondent_id],
                "19450312-2389",
                "Greta Testsson",
                "Provgatan 17",
                "37131",
                "Karlskrona",
            ]
            for respondent_id in regions
        ]
        flow = [["pathway", "region", "step", "remaining", "removed"]] + [
            [pathway, region, "sampled", size, 0] for region, size in sizes.items()
        ]
        return SampleFiles(_csv(frame), _csv(mailing), _csv(flow), b'{"seed": 1}', codes, regions)

    return make


@pytest.fixture
def staff_round(app, sample_files, tmp_path) -> SampleFiles:
    """The round :data:`ROUND` (open, with respondents in Blekinge and Skåne), imported as the CLI does."""
    files = sample_files()
    folder = tmp_path / "staff-sample"
    folder.mkdir()
    (folder / "frame.csv").write_bytes(files.frame)
    (folder / "mailing.csv").write_bytes(files.mailing)
    with transaction(app, upgrade=False) as session:
        import_round(
            session,
            ROUND,
            folder / "frame.csv",
            folder / "mailing.csv",
            TODAY - timedelta(days=1),
            TODAY + timedelta(days=30),
            code_keys(app),
        )
    return files
