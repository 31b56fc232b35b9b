"""Reports, tables and codebooks in the browser: ordered, made by the runner, downloaded by their owner only."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from prem.db import transaction
from prem.fieldwork.simulated import store_simulated_round
from prem.staff.models import AuditEvent
from prem.staff.reports import operations
from prem.staff.reports.models import JobState, StaffJob
from prem.staff.reports.runner import work

from ..conftest import csrf_token
from .conftest import ROUND, log_in

PATHWAY = "reumatoid-artrit"


@pytest.fixture
def answered_round(app, staff_round):
    """The staff round with simulated answers in Blekinge (10) and Skåne (12)."""
    with transaction(app, upgrade=False) as session:
        store_simulated_round(session, ROUND, seed=5)
    return staff_round


def order(client, **fields) -> str:
    """Post the reports form; returns the job page's address it redirects to."""
    page = client.get("/staff/reports")
    assert page.status_code == 200
    data = {"product": "report", "round_name": ROUND, "kind": "pathway", "pathway": PATHWAY, "lang": "sv", **fields}
    response = client.post("/staff/reports", data={"csrf_token": csrf_token(page.text), **data})
    assert response.status_code == 302, response.text
    assert response.location.startswith("/staff/jobs/")
    return response.location


def run_jobs(app) -> int:
    return work(app, once=True)


def fetch(client, url: str):
    """GET ``url`` and read the body whole, closing the response (a download streams its file)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def _job_id(location: str) -> str:
    return location.rsplit("/", 1)[-1]


def test_an_analyst_orders_a_report_sees_progress_and_downloads_the_pdf(app, client, accounts, answered_round):
    log_in(client, "analyst")
    location = order(client)
    waiting = client.get(location)
    assert "Väntar på att börja" in waiting.text and 'href="' + location + '"' in waiting.text
    assert "refresh" not in waiting.text.lower()  # no automatic reload: a plain link
    assert run_jobs(app) == 1
    done = client.get(location)
    assert "Klar." in done.text
    download = fetch(client, location + "/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    text = PdfReader(io.BytesIO(download.data)).pages[0].extract_text()
    assert "Reumatoid artrit" in text
    with transaction(app, upgrade=False) as session:
        actions = [e.action for e in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
    assert actions[-2:] == ["report_requested", "report_downloaded"]


def test_the_result_lives_outside_any_served_folder(app, client, accounts, answered_round):
    log_in(client, "analyst")
    location = order(client, product="codebook")
    run_jobs(app)
    folder = operations.job_folder(app)
    assert folder.is_relative_to(app.instance_path) and not folder.is_relative_to(app.static_folder)
    assert (folder.stat().st_mode & 0o077) == 0
    files = list(folder.glob(f"{_job_id(location)}/*"))
    assert [path.suffix for path in files] == [".zip"]
    assert client.get("/static/" + files[0].name).status_code == 404


def test_an_analysts_tables_hold_every_region_and_no_person_level_file(app, client, accounts, answered_round):
    log_in(client, "analyst")
    location = order(client, product="tables")
    run_jobs(app)
    archive = zipfile.ZipFile(io.BytesIO(fetch(client, location + "/download").data))
    names = set(archive.namelist())
    assert {"response_rates.csv", "response_rates.parquet", "data_dictionary.csv", "codebook.csv"} <= names
    assert not any("respondent" in name or name.endswith((".sav", ".dta")) for name in names)
    rates = pd.read_csv(archive.open("response_rates.csv"), dtype={"region": "string"})
    assert {"10", "12"} <= set(rates["region"].dropna()) and "national" in set(rates["level"])


def test_a_coordinators_tables_hold_only_their_region(app, client, accounts, answered_round):
    log_in(client, "blekinge")
    location = order(client, product="tables", region="10")
    run_jobs(app)
    archive = zipfile.ZipFile(io.BytesIO(fetch(client, location + "/download").data))
    for name in archive.namelist():
        if name.endswith(".csv") and name not in ("data_dictionary.csv", "codebook.csv"):
            table = pd.read_csv(archive.open(name), dtype={"region": "string"})
            if "region" in table.columns:
                assert set(table["region"].dropna()) <= {"10"}, name
                assert table["region"].notna().all(), f"{name} has rows not split by region"


def test_a_coordinator_cannot_order_another_regions_report_or_the_national_one(app, client, accounts, answered_round):
    log_in(client, "blekinge")
    page = client.get("/staff/reports")
    assert "12 Skåne" not in page.text and "nationellt" not in page.text
    token = csrf_token(page.text)
    for fields in ({"kind": "region", "region": "12"}, {"kind": "pathway", "pathway": PATHWAY, "region": "12"}):
        data = {"csrf_token": token, "product": "report", "round_name": ROUND, "lang": "sv", **fields}
        assert client.post("/staff/reports", data=data).status_code == 403
    national = {"csrf_token": token, "product": "report", "round_name": ROUND, "lang": "sv", "kind": "national"}
    refused = client.post("/staff/reports", data={**national, "region": "10"})
    assert refused.status_code == 200 and "There is a problem" not in refused.text
    with transaction(app, upgrade=False) as session:
        assert session.execute(select(StaffJob)).first() is None


def test_another_users_or_another_regions_job_id_opens_nothing(app, client, accounts, answered_round, make_staff):
    log_in(client, "skane")
    location = order(client, kind="region", region="12")
    run_jobs(app)
    assert fetch(client, location + "/download").status_code == 200
    for other in ("blekinge", "analyst", "admin"):
        someone = app.test_client()
        log_in(someone, other)
        assert someone.get(location).status_code in (403, 404), other
        assert fetch(someone, location + "/download").status_code in (403, 404), other
    # A second Skåne coordinator: same region, but not the owner.
    make_staff("skane2", "coordinator", ("12",))
    colleague = app.test_client()
    log_in(colleague, "skane2")
    assert colleague.get(location).status_code == 404
    assert fetch(colleague, location + "/download").status_code == 404
    # The owner loses the region: the job is no longer theirs to open.
    with transaction(app, upgrade=False) as session:
        from prem.staff.models import StaffUserRegion

        row = session.execute(select(StaffUserRegion).where(StaffUserRegion.region == "12")).scalars().first()
        row.region = "13"
    assert fetch(client, location + "/download").status_code == 404
    assert client.get("/staff/jobs/" + "0" * 32).status_code == 404
    assert client.get("/staff/jobs/" + "x" * 5000).status_code == 404


def test_an_expired_job_is_gone_and_its_file_deleted(app, client, accounts, answered_round):
    log_in(client, "analyst")
    location = order(client, product="codebook")
    run_jobs(app)
    job_id = _job_id(location)
    folder = operations.job_folder(app) / job_id
    assert folder.is_dir()
    with transaction(app, upgrade=False) as session:
        job = session.get(StaffJob, job_id)
        job.expires_at = operations.utc_now() - timedelta(seconds=1)
    gone = fetch(client, location + "/download")
    assert gone.status_code == 410 and "Filen sparas inte längre" in gone.text
    with transaction(app, upgrade=False) as session:
        assert operations.expire_jobs(session, operations.job_folder(app)) == 1
    assert not folder.exists()
    assert "inte längre" in client.get(location).text
    with transaction(app, upgrade=False) as session:
        assert session.get(StaffJob, job_id).state == JobState.EXPIRED


def test_a_report_the_round_cannot_give_fails_with_the_reason(app, client, accounts, answered_round):
    log_in(client, "analyst")
    location = order(client, pathway="hoftledsartros-primarvard")
    run_jobs(app)
    swedish = client.get(location).text.replace("&#39;", "'")
    assert (
        f"Filen kunde inte göras. Omgången '{ROUND}' har inga inbjudna för vårdförloppet hoftledsartros-primarvard "
        "(den har: reumatoid-artrit)" in swedish
    )
    client.get("/staff/language/en?next=/staff/")  # the same reason for a staff member who reads English
    english = client.get(location).text.replace("&#39;", "'")
    assert (
        f"The file could not be made. Round '{ROUND}' has no invited persons for pathway hoftledsartros-primarvard "
        "(it has: reumatoid-artrit)" in english
    )
    with transaction(app, upgrade=False) as session:  # the log's words stay English
        failed = session.get(StaffJob, _job_id(location))
        assert failed.error.startswith(f"round '{ROUND}' has no invited persons") and failed.reason is not None
    assert fetch(client, location + "/download").status_code == 410


def test_an_order_that_cannot_be_made_says_why_in_the_page_language(app, client, accounts, answered_round):
    log_in(client, "analyst")
    page = client.get("/staff/reports")
    data = {"product": "report", "round_name": ROUND, "kind": "region", "region": "", "lang": "sv"}
    refused = client.post("/staff/reports", data={"csrf_token": csrf_token(page.text), **data})
    assert refused.status_code == 200
    assert "Beställningen kunde inte göras. Välj region för en regionrapport." in refused.text
    client.get("/staff/language/en?next=/staff/")
    page = client.get("/staff/reports")
    refused = client.post("/staff/reports", data={"csrf_token": csrf_token(page.text), **data})
    assert "The order could not be placed. Choose the region of a region report." in refused.text
    with transaction(app, upgrade=False) as session:
        assert session.execute(select(StaffJob)).first() is None


def test_a_claimed_job_is_made_once_and_a_dead_runners_job_is_taken_over(app, client, accounts, answered_round):
    log_in(client, "analyst")
    order(client, product="codebook")
    stale = timedelta(minutes=2)
    with transaction(app, upgrade=False) as session:
        first = operations.claim_next(session, stale=stale, attempts=3)
        assert first is not None
        job_id = first.id
    with transaction(app, upgrade=False) as session:
        assert operations.claim_next(session, stale=stale, attempts=3) is None  # running, heartbeat fresh
    later = operations.utc_now() + timedelta(minutes=3)  # the runner died: no heartbeat since
    with transaction(app, upgrade=False) as session:
        again = operations.claim_next(session, stale=stale, attempts=3, now=later)
        assert again is not None and (again.id, again.attempts) == (job_id, 2)
    with transaction(app, upgrade=False) as session:
        operations.requeue(session, job_id)  # what a runner told to stop does
    assert run_jobs(app) == 1
    with transaction(app, upgrade=False) as session:
        assert session.get(StaffJob, job_id).state == JobState.DONE
    # Interrupted once too often: the job fails instead of being taken over again.
    order(client, product="codebook")
    much_later = operations.utc_now()
    with transaction(app, upgrade=False) as session:
        for _ in range(3):
            much_later += timedelta(minutes=3)
            assert operations.claim_next(session, stale=stale, attempts=3, now=much_later) is not None
        assert operations.claim_next(session, stale=stale, attempts=3, now=much_later + stale * 2) is None
        failed = session.execute(select(StaffJob).where(StaffJob.id != job_id)).scalar_one()
        assert failed.state == JobState.FAILED and "too many times" in failed.error
        failed_id = failed.id
    assert "Filen kunde inte göras. Arbetet avbröts för många gånger." in client.get(f"/staff/jobs/{failed_id}").text
