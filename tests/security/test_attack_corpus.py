"""An attack corpus against every route of the app: never a 500, nothing reflected raw, nothing stored half.

The routes come from Flask's ``url_map``, so a new route is covered without
touching this file. Each gets every payload as path argument, query value
and form field (with and without a valid CSRF token), anonymously and as a
signed-in patient, with its own methods and with methods it does not allow.
Afterwards the database holds only answers the questionnaire allows.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import select

from prem.db import db
from prem.survey.models import Answer, Respondent, Response
from questionnaires import load_questionnaire

QUESTIONNAIRE = load_questionnaire("prem-vardforlopp")
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    return _TOKEN.search(html).group(1)


ITEM_IDS = [item.id for page in QUESTIONNAIRE.pages for item in page.items]

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "'\"><svg/onload=alert(1)>",
]
CORPUS = [
    "' OR '1'='1",
    "1; DROP TABLE answer; --",
    "' UNION SELECT code_hash FROM respondent --",
    "1' AND pg_sleep(5) --",
    *XSS,
    "../../../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "....//....//etc/passwd",
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)",
    "-2+3",
    "@SUM(1)",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\r\nSet-Cookie: evil=1",
    "\u202eevil\u200b\ufeff",
    "\ud7ff\U0001f600" * 10,
    "%s%s%s%n",
    "{{7*7}}${7*7}",
    "9" * 400,
    "-1",
    "x" * 5000,
]
BAD_METHODS = ["PUT", "DELETE", "PATCH", "TRACE"]
FIELDS = ["code", "action", "lang", *ITEM_IDS]


def _routes(app) -> list:
    return [rule for rule in app.url_map.iter_rules()]


def _paths(rule, payload: str) -> list[str]:
    """The rule's path with every argument set to ``payload`` (or the plain path when it has none)."""
    if not rule.arguments:
        return [rule.rule]
    return [re.sub(r"<[^>]+>", quote(payload, safe=""), rule.rule)]


def _assert_calm(response, payload: str, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code} for {payload!r}"
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        for raw in XSS:
            if raw == payload and "<" in raw:
                assert raw not in body, f"{where}: {payload!r} reflected unescaped"


def _bombard(app, http, token: str | None, payloads: list[str]) -> None:
    for rule in _routes(app):
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for payload in payloads:
            for path in _paths(rule, payload):
                query = {"code": payload, "lang": payload, "page": payload}
                for method in methods + BAD_METHODS:
                    where = f"{method} {rule.rule}"
                    if method == "GET":
                        response = http.get(path, query_string=query)
                    else:
                        form = {field: payload for field in FIELDS}
                        if token:
                            form["csrf_token"] = token
                        response = http.open(path, method=method, data=form)
                    _assert_calm(response, payload, where)


def _stored_is_valid(app) -> list:
    """Every stored answer is one the questionnaire allows: known item, option code or clean text."""
    with app.app_context():
        answers = db.session.execute(select(Answer)).scalars().all()
        for answer in answers:
            item = QUESTIONNAIRE.item(answer.item_id)
            if item.kind == "choice":
                assert answer.code in {option.code for option in item.scale.options}, answer.item_id
                assert answer.text is None
            else:
                assert answer.code is None and answer.text and "\x00" not in answer.text
                assert len(answer.text) <= (item.max_length or 10**9)
        return answers


def test_the_corpus_against_every_route_anonymously(app, client, make_round):
    make_round()
    token = csrf_token(client.get("/").text)
    _bombard(app, client, token, [p for p in CORPUS if "\x00" not in p])
    with app.app_context():
        assert db.session.execute(select(Response)).first() is None, "an anonymous request stored a response"
        statuses = set(db.session.execute(select(Respondent.status)).scalars())
    assert statuses == {"invited"} or statuses <= {"invited", "not_started"}, statuses


def test_the_corpus_against_every_route_as_a_signed_in_patient(app, client, make_round, start):
    sample = make_round()
    first = start(client, next(iter(sample.codes.values())))
    token = csrf_token(first.text)
    _bombard(app, client, token, [p for p in CORPUS if "\x00" not in p])
    _stored_is_valid(app)


def test_a_megabyte_value_a_broken_multipart_and_broken_cookies_are_calm(app, client, make_round, start):
    sample = make_round()
    first = start(client, next(iter(sample.codes.values())))
    token = csrf_token(first.text)
    page = first.request.path
    big = "x" * (1024 * 1024)
    for rule in _routes(app):
        path = _paths(rule, "a")[0]
        _assert_calm(client.post(path, data={"csrf_token": token, "code": big, "action": big}), "1 MB", rule.rule)
        _assert_calm(client.get(path, query_string={"code": big[:8000]}), "8 kB query", rule.rule)
    broken = [
        b'--x\r\nContent-Disposition: form-data; name="code"\r\n\r\nabc',  # never closed
        b"--x\r\nContent-Disposition: form-data\r\n\r\n--x--",  # no name
        b"garbage without any boundary",
        b"--x\r\n" + b'Content-Disposition: form-data; name="f"; filename="../../x"\r\n\r\n' + b"y" * 300_000,
    ]
    for body in broken:
        for path in ("/", page, "/review", "/introduction"):
            response = client.post(path, data=body, content_type="multipart/form-data; boundary=x")
            _assert_calm(response, "multipart", path)
    response = client.post(page, data=b"a=1", content_type="multipart/form-data")  # no boundary
    _assert_calm(response, "multipart without boundary", page)
    for cookie in ["session=garbage", "session=" + "A" * 4000, "session=.eJw.x.y", "session=\x00\x01", "=; ;;=="]:
        fresh = app.test_client()
        for path in ("/", page, "/review", "/done", "/saved"):
            response = fresh.get(path, headers={"Cookie": cookie})
            _assert_calm(response, cookie, path)
            response = fresh.post(path, data={"code": "x"}, headers={"Cookie": cookie})
            _assert_calm(response, cookie, path)
    _stored_is_valid(app)


def test_nul_and_control_characters_in_every_field_of_a_signed_in_patient(app, client, make_round, start):
    """Every field at once fails the page's validation; the free-text NUL alone is in test_form_properties."""
    sample = make_round()
    first = start(client, next(iter(sample.codes.values())))
    token = csrf_token(first.text)
    _bombard(app, client, token, [p for p in CORPUS if "\x00" in p])
    _stored_is_valid(app)


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%5C/evil.example",
        "//evil.example",
        "https://evil.example",
        "/../../etc/passwd",
    ],
)
def test_the_language_switch_never_leaves_the_site(client, target):
    response = client.get(f"/language/en?next={target}")
    assert response.status_code < 500
    location = response.headers.get("Location", "")
    assert not re.match(r"^\s*(https?:)?[/\\\s]{2}", location) and "evil.example" not in location.split("/")[0:3]
