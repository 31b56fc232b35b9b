"""Hostile input on the survey's routes: redirect targets and control characters in free text."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from prem.db import db
from prem.survey.models import Answer

from .conftest import same_code_keys

UNSAFE_NEXT = [
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0d%0a/evil.example",
    "/%0aSet-Cookie:x=y",
    "//evil.example",
    "/\\evil.example",
    "/%5cevil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "/%00/evil.example",
    "%2f%2fevil.example",
    "evil.example",
]


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_language_switch_never_redirects_off_the_site(client, target):
    response = client.get(f"/language/en?next={target}")
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize("target", ["/", "/review", "/page/overall?return=review"])
def test_language_switch_returns_to_local_pages(client, target):
    assert client.get("/language/en", query_string={"next": target}).location == target


def test_control_characters_in_free_text_are_dropped_and_the_page_is_saved(app, client, make_round, start, post_page):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    post_page("overall", {"overall_rating": "2", "needs_met": "3"})
    typed = "Bra\x00 bemötande\x1b.\tMen\nlånga\x7f väntetider."
    assert post_page("comments", {"comments": typed}).location == "/review"
    with app.app_context():
        stored = dict(db.session.execute(select(Answer.item_id, Answer.text)).all())
    assert stored["comments"] == "Bra bemötande.\tMen\nlånga väntetider."
    assert "overall_rating" in stored


def _proxied_app(app, **config):
    """A second app on ``app``'s database and code keys, behind one trusted proxy."""
    from prem import create_app

    settings = {"TESTING": True, "SECRET_KEY": "s", "TRUSTED_PROXIES": 1, **same_code_keys(app)}
    return create_app({**settings, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **config})


def test_a_client_supplied_forwarded_for_does_not_escape_the_limit(app, make_round, sign_in):
    """The proxy appends the real address; whatever the client put before it is ignored."""
    make_round()
    proxied = _proxied_app(app, CODE_ATTEMPT_LIMIT=3)
    statuses = []
    for number in range(10):
        client = proxied.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"10.0.0.{number}, 203.0.113.7"
        statuses.append(sign_in(client, "ABCD-EFGH-JKMN").status_code)
    assert statuses == [200] * 3 + [429] * 7
    with proxied.app_context():
        db.engine.dispose()


def test_the_site_wide_limit_holds_over_many_addresses(app, make_round, sign_in):
    """Addresses with few wrong codes have a budget of their own, and it is bounded too."""
    make_round()
    proxied = _proxied_app(app, CODE_ATTEMPT_LIMIT=3, CODE_ATTEMPT_FRESH_SITE_LIMIT=5)
    statuses = []
    for number in range(8):
        client = proxied.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{number}"
        statuses.append(sign_in(client, "ABCD-EFGH-JKMN").status_code)
    assert statuses == [200] * 5 + [429] * 3
    with proxied.app_context():
        db.engine.dispose()
