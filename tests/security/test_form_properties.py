"""Property tests (hypothesis) of every form post of the survey: code entry and each question page.

Whatever is posted – arbitrary text as a code, any value for any item
(valid option codes, invalid ones, arbitrary unicode free text) – the
server answers without a 500, and the database holds either the whole page
as posted (valid input) or exactly what it held before (invalid input):
nothing is stored half.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from prem.db import db
from prem.survey.models import Answer, Respondent
from questionnaires import load_questionnaire

QUESTIONNAIRE = load_questionnaire("prem-vardforlopp")
PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_RADIO = re.compile(r'<input\b[^>]*type="radio"[^>]*>')
_ATTR = re.compile(r'\b(name|value)="([^"]*)"')
_TEXTAREA = re.compile(r'<textarea\b[^>]*\bname="([^"]+)"')


def _token(html: str) -> str:
    return _TOKEN.search(html).group(1)


def _stored(app) -> dict[str, int | str]:
    with app.app_context():
        return {answer.item_id: answer.value for answer in db.session.execute(select(Answer)).scalars()}


def _fields(html: str) -> tuple[dict[str, list[str]], list[str]]:
    """The page's radio groups ``{name: [values]}`` and free-text fields."""
    radios: dict[str, list[str]] = {}
    for tag in _RADIO.findall(html):
        attributes = dict(_ATTR.findall(tag))
        radios.setdefault(attributes["name"], []).append(attributes["value"])
    return radios, _TEXTAREA.findall(html)


def _round_once(app, make_round):
    """One round per test (hypothesis runs the body many times with the same app): its sample."""
    if "_TEST_SAMPLE" not in app.config:
        app.config["_TEST_SAMPLE"] = make_round(size=2)
    return app.config["_TEST_SAMPLE"]


def _statuses(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(select(Respondent.status).order_by(Respondent.id)).scalars())


@PROPERTY
@given(code=st.text(max_size=200))
def test_any_code_entry_is_answered_calmly_and_signs_no_one_in(app, make_round, code):
    sample = _round_once(app, make_round)
    before = _statuses(app)
    client = app.test_client()
    page = client.get("/")
    response = client.post("/", data={"csrf_token": _token(page.text), "code": code})
    assert response.status_code in (200, 400, 403, 429), response.status_code
    assert _statuses(app) == before
    assert client.get("/review").status_code == 302 or code.strip() in sample.codes.values()


_INVALID = object()


def _meant(value: str, options: list[str]):
    """The option code a posted value stands for (as an integer form field reads it), None if empty."""
    if value.strip() == "":  # whitespace only reads as no answer, as int() also ignores surrounding whitespace
        return None
    try:
        code = int(value)
    except ValueError:
        return _INVALID
    return code if str(code) in options else _INVALID


def _a_value(options: list[str]):
    return st.one_of(
        st.sampled_from(options),
        st.just(""),
        st.integers(min_value=-(10**12), max_value=10**12).map(str),
        st.text(max_size=30),
    )


#: What the survey drops from free text before storing it (C0 controls but tab, LF and CR; DEL).
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _as_stored(text: str) -> tuple[str | None, str | None]:
    """The forms a free text may be stored in: control characters dropped, trimmed, line ends as sent or LF."""
    cleaned = _CONTROL_CHARACTERS.sub("", text)
    return cleaned.strip() or None, cleaned.replace("\r\n", "\n").strip() or None


#: What a patient can type into a free-text field (NUL has its own test).
_TYPED = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))


@pytest.mark.parametrize("page", [page.id for page in QUESTIONNAIRE.pages])
def test_any_answers_on_any_page_are_stored_whole_or_not_at_all(app, make_round, start, page):
    sample = make_round(size=1)
    client = app.test_client()
    start(client, next(iter(sample.codes.values())))
    html = client.get(f"/page/{page}")
    if html.status_code != 200 or f'action="/page/{page}' not in html.text:
        pytest.skip(f"page {page} is not shown to this pathway at the start")
    radios, texts = _fields(html.text)

    @PROPERTY
    @given(data=st.data())
    def post(data) -> None:
        answers = {name: data.draw(_a_value(values), label=name) for name, values in radios.items()}
        answers |= {
            # A form post is UTF-8, which cannot carry a lone surrogate: the test client could not encode one.
            name: data.draw(st.text(alphabet=_TYPED, max_size=300), label=name)
            for name in texts
        }
        before = _stored(app)
        current = client.get(f"/page/{page}")
        response = client.post(f"/page/{page}", data={"csrf_token": _token(current.text), "action": "next", **answers})
        assert response.status_code in (200, 302), response.status_code
        after = _stored(app)
        valid = all(_meant(value, radios[name]) is not _INVALID for name, value in answers.items() if name in radios)
        if not valid:
            assert response.status_code == 200 and after == before, "an invalid page changed what was stored"
            return
        assert response.status_code == 302
        for name, value in answers.items():
            if name in radios:
                assert after.get(name) == (int(value) if value.strip() else None) or (
                    name not in after and not value.strip()
                )
            else:
                stored_text = after.get(name)
                assert stored_text in _as_stored(value)

    post()


def _walk_to_comments(client, code: str, start) -> str:
    start(client, code)
    page = client.get("/page/comments")
    assert page.status_code == 200 and "<textarea" in page.text
    return _token(page.text)


@PROPERTY
@given(comment=st.text(max_size=2000))
def test_any_unicode_free_text_is_stored_as_sent_or_refused(app, make_round, start, comment):
    sample = _round_once(app, make_round)
    client = app.test_client()
    token = _walk_to_comments(client, next(iter(sample.codes.values())), start)
    response = client.post("/page/comments", data={"csrf_token": token, "action": "next", "comments": comment})
    assert response.status_code in (200, 302), response.status_code
    stored = _stored(app).get("comments")
    if response.status_code == 302:
        assert stored in _as_stored(comment), (comment, stored)
    else:
        assert len(comment.strip()) > 4000 or "\x00" in comment, f"a valid comment was refused: {comment!r}"


def test_a_nul_byte_in_free_text_is_calm_and_keeps_the_page(app, make_round, start):
    sample = make_round(size=1)
    client = app.test_client()
    token = _walk_to_comments(client, next(iter(sample.codes.values())), start)
    response = client.post("/page/comments", data={"csrf_token": token, "action": "next", "comments": "ja\x00nej"})
    assert response.status_code in (200, 302)
    stored = _stored(app).get("comments")
    assert stored is None or "\x00" not in stored or stored == "ja\x00nej"
