"""The wrong-code limit's availability: an attacker spending the site-wide budget locks no patient out.

Addresses are set as one trusted proxy would (``X-Forwarded-For``, the
right-most entry is the proxy's); the arithmetic is in the README
("Wrong-code limit").
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from prem import create_app
from prem.db import db
from prem.survey.models import CodeAttemptBucket

from .conftest import same_code_keys

WRONG = "ABCD-EFGH-JKMN"


@pytest.fixture
def proxied(app):
    """An app behind one trusted proxy on ``app``'s database: client limit 10, first 2 wrong codes fresh."""
    settings = {"TESTING": True, "SECRET_KEY": "s", "TRUSTED_PROXIES": 1, **same_code_keys(app)}
    limits = {
        "CODE_ATTEMPT_LIMIT": 10,
        "CODE_ATTEMPT_FRESH": 2,
        "CODE_ATTEMPT_SITE_LIMIT": 6,
        "CODE_ATTEMPT_FRESH_SITE_LIMIT": 20,
    }
    made = create_app({**settings, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **limits})
    yield made
    with made.app_context():
        db.session.remove()
        db.engine.dispose()


def _from(app, address: str, spoofed: str | None = None):
    client = app.test_client()
    forwarded = f"{spoofed}, {address}" if spoofed else address
    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
    return client


def _attack_until_the_site_budget_is_spent(proxied, sign_in) -> list[int]:
    """Three attacker addresses send wrong codes until every one of them is refused."""
    statuses = []
    for number in range(3):
        attacker = _from(proxied, f"198.51.100.{number}")
        statuses += [sign_in(attacker, WRONG).status_code for _ in range(6)]
    return statuses


def test_an_attacker_at_the_site_wide_rate_does_not_lock_out_a_patient(proxied, make_round, sign_in):
    sample = make_round()
    right, other = list(sample.codes.values())[:2]
    statuses = _attack_until_the_site_budget_is_spent(proxied, sign_in)
    # each address: 2 fresh wrong codes, then the shared budget of 6 until it is spent
    assert statuses.count(200) == 3 * 2 + 6 and statuses[-1] == 429
    assert sign_in(_from(proxied, "198.51.100.0"), WRONG).status_code == 429  # the attackers stay refused
    patient = _from(proxied, "203.0.113.10")
    assert sign_in(patient, right).location == "/introduction"
    mistyping = _from(proxied, "203.0.113.11")
    assert sign_in(mistyping, WRONG).status_code == 200  # "we cannot find a survey with that code"
    assert sign_in(mistyping, other).location == "/introduction"


def test_the_fresh_address_budget_bounds_unlimited_addresses(proxied, make_round, sign_in):
    """Fresh addresses get their own budget, not an unlimited one: 20 a minute, however many addresses."""
    make_round()
    statuses = [sign_in(_from(proxied, f"192.0.2.{number}"), WRONG).status_code for number in range(30)]
    assert statuses == [200] * 20 + [429] * 10


@pytest.mark.parametrize("trusted", [0, 1])
def test_the_client_limit_holds_whatever_forwarded_for_says(app, make_round, sign_in, trusted):
    """A client rotating its own X-Forwarded-For stays one address: its fresh allowance and limit do not reset."""
    make_round()
    settings = {"TESTING": True, "SECRET_KEY": "s", "TRUSTED_PROXIES": trusted, **same_code_keys(app)}
    limits = {"CODE_ATTEMPT_LIMIT": 10, "CODE_ATTEMPT_FRESH": 2, "CODE_ATTEMPT_SITE_LIMIT": 1000}
    made = create_app({**settings, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **limits})
    statuses = []
    for number in range(40):
        client = made.test_client()
        # with a trusted proxy the proxy appends the address it saw; without one the header is the client's own
        own = f"10.{number}.0.1, 10.0.{number}.2"
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"{own}, 203.0.113.7" if trusted else own
        statuses.append(sign_in(client, WRONG).status_code)
    assert statuses == [200] * 10 + [429] * 30
    with made.app_context():
        counts = dict(db.session.execute(select(CodeAttemptBucket.bucket, CodeAttemptBucket.count)).all())
        assert counts["site-fresh"] == 2 and counts["site"] == 8  # one address: 2 fresh, the rest not
        db.session.remove()
        db.engine.dispose()
