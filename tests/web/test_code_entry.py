"""Code entry: variants, prefill, wrong codes, rate limiting, closed rounds, used codes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from prem.db import db, transaction
from prem.fieldwork.operations import close_round
from prem.security import code_keys
from prem.survey.models import CodeAttemptBucket

from .conftest import TODAY, csrf_token


def test_code_page_is_swedish_with_a_labelled_field(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="sv">' in page.text
    assert '<label class="label" for="code">Kod</label>' in page.text
    assert "<title>Skriv in din kod – Patientenkät</title>" in page.text


@pytest.mark.parametrize(
    "variant",
    [
        str.lower,
        lambda code: code.replace("-", " "),
        lambda code: code.replace("-", ""),
        lambda code: f"  {code.lower()}\t",
    ],
)
def test_code_variants_lead_to_the_introduction(client, make_round, sign_in, variant):
    sample = make_round()
    code = next(iter(sample.codes.values()))
    response = sign_in(client, variant(code))
    assert response.status_code == 302 and response.location == "/introduction"
    assert "inflammatorisk tarmsjukdom" in client.get("/introduction").text


def test_qr_code_address_prefills_the_code(client):
    page = client.get("/?code=ABCD-EFGH-JKMN")
    assert 'value="ABCD-EFGH-JKMN"' in page.text


def test_wrong_code_gets_a_calm_message_and_error_summary(client, make_round, sign_in):
    make_round()
    page = sign_in(client, "ABCD-EFGH-JKMN")
    assert page.status_code == 200
    assert "<title>Fel: Skriv in din kod – Patientenkät</title>" in page.text
    assert 'class="error-summary" role="alert"' in page.text and 'href="#code"' in page.text
    assert "Vi hittar ingen enkät med den koden" in page.text
    empty = sign_in(client, "")
    assert "Skriv koden från ditt brev." in empty.text


def test_repeated_wrong_codes_are_rate_limited_across_clients_of_one_address(app, make_round, sign_in):
    sample = make_round()
    first, second = app.test_client(), app.test_client()
    for _ in range(app.config["CODE_ATTEMPT_LIMIT"]):
        assert sign_in(first, "ABCD-EFGH-JKMN").status_code == 200
    limited = sign_in(second, next(iter(sample.codes.values())))
    assert limited.status_code == 429
    assert "Vänta 15 minuter" in limited.text
    with app.app_context():
        hashes = db.session.execute(select(CodeAttemptBucket.bucket)).scalars().all()
    assert hashes and all("127.0.0.1" not in value for value in hashes)


def test_old_attempts_no_longer_count(app, make_round, sign_in, client):
    sample = make_round()
    app.config["CODE_ATTEMPT_WINDOW"] = timedelta(seconds=0)
    for _ in range(app.config["CODE_ATTEMPT_LIMIT"] + 2):
        sign_in(client, "ABCD-EFGH-JKMN")
    assert sign_in(client, next(iter(sample.codes.values()))).status_code == 302
    with app.app_context():
        counts = db.session.execute(
            select(CodeAttemptBucket.count).where(CodeAttemptBucket.bucket.startswith("client:"))
        ).scalars()
        assert list(counts) == [0]  # each wrong code started a new window; the right one was given back


@pytest.mark.parametrize(
    ("opens", "closes", "heading"),
    [(1, 10, "Enkäten har inte öppnat än"), (-10, -1, "Enkäten är stängd")],
)
def test_codes_outside_the_window_get_a_clear_page(client, make_round, sign_in, opens, closes, heading):
    sample = make_round(opens=TODAY + timedelta(days=opens), closes=TODAY + timedelta(days=closes))
    page = sign_in(client, next(iter(sample.codes.values())))
    assert page.status_code == 403
    assert heading in page.text


def test_closed_round_ends_an_ongoing_session(app, client, make_round, start):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    with transaction(app, upgrade=False) as session:
        close_round(session, "vår-2026", keys=code_keys(app), today=TODAY, force=True)
    page = client.get("/page/overall")
    assert page.status_code == 403 and "Enkäten är stängd" in page.text
    assert client.get("/page/overall").status_code == 302


def test_used_code_shows_already_answered(app, client, make_round, start, sign_in):
    sample = make_round()
    code = next(iter(sample.codes.values()))
    start(client, code)
    review = client.get("/review")
    client.post(
        "/review", data={"csrf_token": csrf_token(review.text), "action": "submit", "unanswered_confirmed": "yes"}
    )
    other = app.test_client()
    assert sign_in(other, code).location == "/done"
    assert "Dina svar är inskickade" in other.get("/done").text


def test_not_yet_open_page_gives_the_date_in_words(client, make_round, sign_in):
    opens = date(TODAY.year + 1, 3, 2)
    sample = make_round(opens=opens, closes=opens + timedelta(days=30))
    page = sign_in(client, next(iter(sample.codes.values())))
    assert f"från och med 2 mars {opens.year}" in page.text and 'href="/"' in page.text


def test_footer_names_sender_and_contact_when_configured(app, client):
    app.config.update(SURVEY_SENDER="Region Exempel", SURVEY_CONTACT="010-123 45 67")
    page = client.get("/").text
    assert "Enkäten skickas av Region Exempel." in page and "Frågor om enkäten: 010-123 45 67" in page


def test_codes_of_a_closed_round_say_closed_not_wrong(app, client, make_round, sign_in):
    sample = make_round()
    with transaction(app, upgrade=False) as session:
        close_round(session, "vår-2026", keys=code_keys(app), today=TODAY, force=True)
    page = sign_in(client, next(iter(sample.codes.values())))
    assert page.status_code == 403 and "Enkäten är stängd" in page.text


def _fail_once(monkeypatch, target, name: str) -> None:
    """Make ``target.name`` raise a database error on its next call only (the database went away)."""
    from sqlalchemy.exc import OperationalError

    real = getattr(target, name)
    calls = []

    def failing(*args, **kwargs):
        if not calls:
            calls.append(name)
            raise OperationalError("the server closed the connection", None, ConnectionError())
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, failing)


@pytest.mark.parametrize("fails", ["signing in", "the commit"])
def test_a_code_entry_sent_again_after_a_database_error_gets_in(app, client, make_round, monkeypatch, fails):
    """The calm 503 page changes nothing: the same form sent again passes its CSRF check and signs in.

    Neither try counts against the wrong-code limit: a database error (or a
    CSRF failure) is not a wrong code.
    """
    from sqlalchemy.orm import Session

    from prem.survey import operations

    sample = make_round()
    code = next(iter(sample.codes.values()))
    form = {"csrf_token": csrf_token(client.get("/").text), "code": code}
    cookie = client.get_cookie("prem_session").value
    if fails == "signing in":
        _fail_once(monkeypatch, operations, "begin_session")
    else:
        _fail_once(monkeypatch, Session, "commit")
    failed = client.post("/", data=form)
    assert failed.status_code == 503 and "Försök igen om en stund" in failed.text
    assert client.get_cookie("prem_session").value == cookie, "a request that stored nothing changed the cookie"
    again = client.post("/", data=form)
    assert again.status_code == 302 and again.location == "/introduction"
    with app.app_context():
        assert db.session.execute(select(CodeAttemptBucket.count)).scalars().all() in ([], [0, 0])


def test_a_stale_code_form_is_not_a_wrong_code(app, client, make_round, monkeypatch):
    """A CSRF failure shows the calm "open for long" page and is not counted, even at the limit."""
    make_round()
    for _ in range(app.config["CODE_ATTEMPT_LIMIT"]):
        client.post("/", data={"csrf_token": csrf_token(client.get("/").text), "code": "ABCD-EFGH-JKMN"})
    stale = client.post("/", data={"csrf_token": "stale", "code": "ABCD-EFGH-JKMN"})
    assert stale.status_code == 200 and "Sidan hade varit öppen länge" in stale.text
    with app.app_context():
        counted = db.session.execute(
            select(CodeAttemptBucket.count).where(CodeAttemptBucket.bucket.startswith("client:"))
        ).scalar_one()
    assert counted == app.config["CODE_ATTEMPT_LIMIT"]
