"""Hostile input on the survey's routes: redirect targets and control characters in free text."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from prem.db import db
from prem.survey.models import Answer

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
