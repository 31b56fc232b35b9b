"""Access to every staff route, generated from the app's route map: each route × each kind of user.

The expected rules below are the specification, written independently of
the views' declarations: a new staff route fails this suite until its rule is
declared in the view *and* listed here.
"""

from __future__ import annotations

import pytest

from prem import create_app
from prem.staff.access import rule_of

from ..conftest import csrf_token
from .conftest import ROUND, log_in

PUBLIC = "public"
ADMIN, BLEKINGE, SKANE, ANALYST, ANONYMOUS = "admin", "blekinge", "skane", "analyst", "anonymous"
SIGNED_IN = {ADMIN, BLEKINGE, SKANE, ANALYST}
USERS = [ADMIN, BLEKINGE, SKANE, ANALYST, ANONYMOUS]

#: Endpoint → who may use it.
EXPECTED: dict[str, str | set[str]] = {
    "staff.login": PUBLIC,
    "staff.reset_password": PUBLIC,
    "staff.language": PUBLIC,
    "staff.logout": SIGNED_IN,
    "staff.home": SIGNED_IN,
    "staff.round_list": SIGNED_IN,
    "staff.round_detail": SIGNED_IN,
    "staff.users": {ADMIN},
    "staff.new_user": {ADMIN},
    "staff.reset_user": {ADMIN},
    "staff.set_user_active": {ADMIN},
    "staff.new_round": {ADMIN},
    "staff.open_round": {ADMIN},
    "staff.close_round": {ADMIN},
    "staff.audit_log": {ADMIN},
    "staff.audit_csv": {ADMIN},
    "staff.dashboard": SIGNED_IN,
    "staff.reminders_csv": {ADMIN, BLEKINGE},
    "staff.returned_mail": {ADMIN, BLEKINGE},
    "staff.reports": {BLEKINGE, SKANE, ANALYST},
    "staff.job": {BLEKINGE, SKANE, ANALYST},
    "staff.job_download": {BLEKINGE, SKANE, ANALYST},
    "staff.paper_start": {ADMIN, BLEKINGE},
    "staff.paper_entry": {ADMIN, BLEKINGE},
    "staff.paper_resolve": {ADMIN, BLEKINGE},
    "staff.paper_discard": {ADMIN, BLEKINGE},
    "staff.mode_conflicts": {ADMIN, BLEKINGE},
    "staff.mode_conflicts_csv": {ADMIN, BLEKINGE},
}


def _staff_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("staff.")), key=str)


_APP = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "ACCESS_CODE_KEY": "x"})
ROUTES = [rule.endpoint for rule in _staff_rules(_APP)]


def test_every_staff_route_declares_a_rule_and_is_specified_here():
    undeclared = [rule.endpoint for rule in _staff_rules(_APP) if rule_of(_APP.view_functions[rule.endpoint]) is None]
    assert not undeclared, f"staff views without an access rule: {undeclared}"
    unspecified = sorted(set(ROUTES) - set(EXPECTED))
    assert not unspecified, f"staff routes missing from EXPECTED in this test: {unspecified}"
    assert not set(EXPECTED) - set(ROUTES), "EXPECTED names routes that no longer exist"


def test_a_view_without_a_rule_is_refused(app, client, accounts):
    app.add_url_rule("/staff/undeclared", "staff.undeclared", lambda: "secret")
    log_in(client, ADMIN)
    assert client.get("/staff/undeclared").status_code == 404


def _url(app, endpoint: str, accounts: dict[str, int]) -> str:
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    values = {
        "round_name": ROUND,
        "user_id": accounts[ANALYST],
        "token": "not-a-token",
        "lang": "en",
        "region": "10",
        "job_id": "0" * 32,
        "respondent_id": "RNOTAPERSON",
    }
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{name: values[name] for name in rule.arguments})


def _request(app, client, endpoint: str, url: str, **query):
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    if "GET" in rule.methods:
        return client.get(url, query_string=query)
    page = client.get("/staff/login" if client.get("/staff/rounds").status_code != 200 else "/staff/rounds")
    return client.post(url, query_string=query, data={"csrf_token": csrf_token(page.text), **query})


def _allowed(endpoint: str, user: str) -> bool:
    expected = EXPECTED[endpoint]
    return expected == PUBLIC or user in expected


def _refused(response, user: str) -> bool:
    if user == ANONYMOUS:
        return response.status_code == 302 and response.location.startswith("/staff/login")
    return response.status_code == 403


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("endpoint", ROUTES)
def test_route_allows_exactly_the_specified_users(app, client, accounts, staff_round, endpoint, user):
    if user != ANONYMOUS:
        assert log_in(client, user).status_code == 302
    response = _request(app, client, endpoint, _url(app, endpoint, accounts))
    if _allowed(endpoint, user):
        assert not _refused(response, user), f"{user} was refused {endpoint}: {response.status}"
        assert response.status_code < 500
    else:
        assert _refused(response, user), f"{user} got {endpoint}: {response.status} {response.location}"


@pytest.mark.parametrize("endpoint", [endpoint for endpoint in ROUTES if EXPECTED[endpoint] != PUBLIC])
def test_a_coordinator_cannot_name_another_region_in_any_parameter(app, client, accounts, staff_round, endpoint):
    log_in(client, BLEKINGE)
    url = _url(app, endpoint, accounts)
    assert _request(app, client, endpoint, url, region="12").status_code == 403
    both = client.get(url, query_string=[("region", "10"), ("region", "12")])
    assert both.status_code in (403, 405)
    if _allowed(endpoint, BLEKINGE):
        assert _request(app, client, endpoint, url, region="10").status_code != 403


def test_a_coordinator_sees_only_their_regions_numbers(app, client, accounts, staff_round):
    log_in(client, BLEKINGE)
    rounds = client.get("/staff/rounds").text
    detail = client.get(f"/staff/rounds/{ROUND}").text
    assert "10 Blekinge" in detail and "Skåne" not in detail
    assert '<td class="table__number">3</td>' in rounds and '<td class="table__number">8</td>' not in rounds
    skane = app.test_client()
    log_in(skane, SKANE)
    assert "12 Skåne" in skane.get(f"/staff/rounds/{ROUND}").text
    assert "Blekinge" not in skane.get(f"/staff/rounds/{ROUND}").text
    analyst = app.test_client()
    log_in(analyst, ANALYST)
    both = analyst.get(f"/staff/rounds/{ROUND}").text
    assert "10 Blekinge" in both and "12 Skåne" in both


def test_staff_pages_carry_the_security_headers(client, accounts):
    log_in(client, ADMIN)
    for url in ("/staff/login", "/staff/rounds", "/staff/audit"):
        headers = client.get(url).headers
        assert "script-src" not in headers["Content-Security-Policy"]
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"
        assert headers["Referrer-Policy"] == "no-referrer"


def _allowed_user(endpoint: str) -> str:
    expected = EXPECTED[endpoint]
    if expected == PUBLIC:
        return ANONYMOUS
    return next(user for user in USERS if user in expected)


@pytest.mark.parametrize("endpoint", ROUTES)
def test_every_staff_route_carries_the_security_headers(app, client, accounts, staff_round, endpoint):
    user = _allowed_user(endpoint)
    if user != ANONYMOUS:
        log_in(client, user)
    response = _request(app, client, endpoint, _url(app, endpoint, accounts))
    headers = response.headers
    assert headers["Content-Security-Policy"].startswith("default-src 'none'"), endpoint
    assert "script-src" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer" and headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "endpoint", [endpoint for endpoint in ROUTES if "POST" in _APP.url_map._rules_by_endpoint[endpoint][0].methods]
)
def test_every_staff_form_needs_the_csrf_token(app, client, accounts, staff_round, endpoint):
    """A post without the form's token is refused before the view runs, by every user it is allowed to."""
    user = _allowed_user(endpoint)
    if user != ANONYMOUS:
        log_in(client, user)
    url = _url(app, endpoint, accounts)
    response = client.post(url, data={"username": "x", "password": "y", "region": "10"})
    if endpoint == "staff.login":
        assert response.status_code == 200 and "Sidan hade varit öppen länge" in response.text
    else:
        # Flask-WTF's CSRFProtect refuses it before the view (and its transaction) runs.
        assert response.status_code == 400, f"{endpoint} took a post without its CSRF token: {response.status}"
