"""Staff accounts: login and logout with server-side sessions, expiry, rate limit, password reset, CLI."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from prem.db import db
from prem.staff.models import AuditEvent, StaffSession, StaffUser

from ..conftest import csrf_token
from .conftest import PASSWORD, log_in


def _actions(app) -> list[tuple[str | None, str]]:
    with app.app_context():
        return [(e.actor, e.action) for e in db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]


def test_login_opens_the_rounds_and_logout_ends_the_session_on_the_server(app, client, make_staff):
    make_staff("anna", "administrator")
    assert client.get("/staff/rounds").location.startswith("/staff/login")
    response = log_in(client, "Anna ", PASSWORD)
    assert response.status_code == 302 and response.location == "/staff/"
    page = client.get("/staff/rounds")
    assert page.status_code == 200 and "anna" in page.text
    with app.app_context():
        stored = db.session.execute(select(StaffSession.token_hash)).scalars().all()
        assert len(stored) == 1 and len(stored[0]) == 64
        user = db.session.execute(select(StaffUser)).scalar_one()
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    cookie = client.get_cookie("prem_session")
    client.post("/staff/logout", data={"csrf_token": csrf_token(page.text)})
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(StaffSession)).scalar_one() == 0
    # The old cookie, replayed, opens nothing: the session ended on the server.
    replay = app.test_client()
    replay.set_cookie("prem_session", cookie.value)
    assert replay.get("/staff/rounds").location.startswith("/staff/login")
    assert [action for _, action in _actions(app)] == ["user_created", "login", "logout"]


def test_wrong_password_and_unknown_user_fail_alike_and_are_audited(app, client, make_staff):
    make_staff("anna", "administrator")
    wrong = log_in(client, "anna", "not the password at all")
    unknown = log_in(client, "nobody", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 200 and "Användarnamnet eller lösenordet är fel." in response.text
    events = _actions(app)
    assert ("anna", "login_failed") in events and (None, "login_failed") in events
    with app.app_context():
        details = db.session.execute(select(AuditEvent.detail)).scalars().all()
    assert not any(PASSWORD in (detail or "") for detail in details)  # a password typed as a user name never gets in


def test_failed_logins_are_limited_per_account(app, client, make_staff):
    make_staff("anna", "administrator")
    app.config["STAFF_LOGIN_ACCOUNT_LIMIT"] = 3
    for _ in range(3):
        assert log_in(client, "anna", "wrong password, again").status_code == 200
    throttled = log_in(client, "anna", PASSWORD)  # even the right password waits out the window
    assert throttled.status_code == 429 and "15 minuter" in throttled.text
    other = app.test_client()  # the account's bucket, whatever the client
    assert log_in(other, "anna", PASSWORD).status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(app, make_staff):
    make_staff("anna", "administrator")
    app.config["STAFF_LOGIN_ACCOUNT_LIMIT"] = 2
    for _ in range(4):
        client = app.test_client()
        assert log_in(client, "anna", PASSWORD).status_code == 302


def test_sessions_expire_when_idle_and_after_their_lifetime(app, client, make_staff):
    make_staff("anna", "administrator")
    log_in(client, "anna")
    assert client.get("/staff/rounds").status_code == 200
    app.config["STAFF_SESSION_IDLE"] = timedelta(seconds=0)
    assert client.get("/staff/rounds").location.startswith("/staff/login")
    app.config["STAFF_SESSION_IDLE"] = timedelta(minutes=30)
    log_in(client, "anna")
    app.config["STAFF_SESSION_LIFETIME"] = timedelta(seconds=0)
    assert client.get("/staff/rounds").location.startswith("/staff/login")


def test_every_post_needs_the_csrf_token(app, client, make_staff):
    make_staff("anna", "administrator")
    tokenless = client.post("/staff/login", data={"username": "anna", "password": PASSWORD})
    assert tokenless.status_code == 200 and "Sidan hade varit öppen länge" in tokenless.text  # not signed in:
    assert client.get("/staff/rounds").location.startswith("/staff/login")
    log_in(client, "anna")
    assert client.post("/staff/logout").status_code == 400
    assert client.get("/staff/rounds").status_code == 200  # still signed in


def test_administrator_resets_a_password_with_a_one_time_link(app, client, make_staff):
    make_staff("anna", "administrator")
    bertil = make_staff("bertil", "analyst")
    other = app.test_client()
    log_in(other, "bertil")
    log_in(client, "anna")
    users = client.get("/staff/users")
    shown = client.post(f"/staff/users/{bertil}/reset", data={"csrf_token": csrf_token(users.text)})
    assert shown.status_code == 200
    link = shown.text.split('id="reset-link">', 1)[1].split("<", 1)[0]
    path = link.removeprefix("http://localhost")
    assert path.startswith("/staff/reset/")
    assert other.get("/staff/rounds").location.startswith("/staff/login")  # bertil's sessions ended
    assert log_in(app.test_client(), "bertil").status_code == 200  # the old password no longer works
    with app.app_context():
        assert path.rsplit("/", 1)[1] not in str(db.session.execute(select(AuditEvent.detail)).scalars().all())
    owner = app.test_client()
    form = owner.get(path)
    assert "bertil" in form.text
    short = owner.post(path, data={"csrf_token": csrf_token(form.text), "password": "short", "confirm": "short"})
    assert "12" in short.text and short.status_code == 200
    new = "a new and long enough passphrase"
    done = owner.post(path, data={"csrf_token": csrf_token(form.text), "password": new, "confirm": new})
    assert done.location == "/staff/login"
    assert owner.get(path).status_code == 404  # once only
    assert log_in(app.test_client(), "bertil", new).status_code == 302
    actions = [action for _, action in _actions(app)]
    assert "password_reset_issued" in actions and "password_reset_used" in actions


def test_reset_link_expires(app, client, make_staff):
    make_staff("anna", "administrator")
    bertil = make_staff("bertil", "analyst")
    app.config["STAFF_RESET_LIFETIME"] = timedelta(seconds=-1)
    log_in(client, "anna")
    users = client.get("/staff/users")
    shown = client.post(f"/staff/users/{bertil}/reset", data={"csrf_token": csrf_token(users.text)})
    path = shown.text.split('id="reset-link">', 1)[1].split("<", 1)[0].removeprefix("http://localhost")
    assert app.test_client().get(path).status_code == 404


def test_administrator_creates_a_coordinator_who_sets_their_own_password(app, client, make_staff):
    make_staff("anna", "administrator")
    log_in(client, "anna")
    form = client.get("/staff/users/new")
    created = client.post(
        "/staff/users/new",
        data={
            "csrf_token": csrf_token(form.text),
            "username": "cecilia",
            "role": "coordinator",
            "regions": ["10", "12"],
        },
    )
    assert created.status_code == 200 and "/staff/reset/" in created.text
    with app.app_context():
        user = db.session.execute(select(StaffUser).where(StaffUser.username == "cecilia")).scalar_one()
        assert user.regions == ("10", "12") and user.password_hash is None
    refused = client.post(
        "/staff/users/new", data={"csrf_token": csrf_token(form.text), "username": "david", "role": "coordinator"}
    )
    assert "minst en region" in refused.text or "at least one region" in refused.text


def test_login_continues_only_to_staff_pages_of_this_site(app, client, make_staff):
    make_staff("anna", "administrator")
    assert log_in(client, "anna", next="/staff/audit").location == "/staff/audit"
    for target in ("https://evil.example/", "//evil.example/staff/", "/\t/evil.example", "/page/overall"):
        fresh = app.test_client()
        assert log_in(fresh, "anna", next=target).location == "/staff/"


def test_prem_users_create_makes_the_first_administrator(app, runner):
    result = runner(["users", "create", "anna", "--role", "administrator", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "administrator account 'anna'" in result.output
    bad = runner(["users", "create", "bo", "--role", "coordinator", "--password", PASSWORD])
    assert bad.exit_code == 1 and "at least one region" in bad.output
    short = runner(["users", "create", "bo", "--role", "analyst", "--password", "short"])
    assert short.exit_code == 1 and "12 characters" in short.output
    listed = runner(["users", "list"])
    assert "anna\tadministrator\tall regions\tpassword set" in listed.output


def test_a_stale_login_page_is_shown_again_not_an_error(client, make_staff):
    make_staff("anna", "administrator")
    stale = client.post("/staff/login", data={"csrf_token": "expired", "username": "anna", "password": PASSWORD})
    assert stale.status_code == 200 and "Sidan hade varit öppen länge" in stale.text
    assert log_in(client, "anna").status_code == 302


def test_staff_pages_in_english(client, make_staff):
    make_staff("anna", "administrator")
    assert client.get("/staff/language/en?next=/staff/login").location == "/staff/login"
    page = client.get("/staff/login")
    assert '<html lang="en">' in page.text and '<h1 class="heading">Log in</h1>' in page.text
    assert client.get("/staff/language/en?next=https://evil.example/").location == "/staff/"
