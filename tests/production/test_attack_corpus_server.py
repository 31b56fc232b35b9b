"""A subset of the attack corpus against the real server: ``prem serve --production --workers 2`` on PostgreSQL.

``tests/security`` sends the whole corpus through Flask's test client. Here
a representative payload of each kind (SQL injection, XSS, path traversal,
formula, NUL and control characters, odd Unicode, format strings, template
syntax, oversized values) goes over real HTTP to gunicorn, to every route
of the app's ``url_map``, as path argument, query value and form field,
anonymously and as a signed-in patient with a valid CSRF token, with the
route's methods and ones it does not allow; into every field of every
question page of the signed-in patient; then broken multipart bodies,
a body over the size limit and broken cookies. Nothing may answer 500 or
show a traceback, the server's log holds no traceback and no 5xx, and the
database afterwards holds only answers the questionnaire allows.
"""

from __future__ import annotations

import http.client
import re
import time
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import create_engine, text

from bench.survey_load import QUESTIONNAIRE, Patient, import_round, respondent_ids, running_server, stored_answers
from prem import create_app
from tests.security.test_attack_corpus import BAD_METHODS, FIELDS, XSS

pytestmark = pytest.mark.postgres

#: One or two payloads of each kind of tests/security's CORPUS (NUL included: it travels as %00).
SUBSET = [
    "' OR '1'='1",
    "1; DROP TABLE answer; --",
    "1' AND pg_sleep(5) --",
    XSS[0],
    XSS[1],
    "../../../../etc/passwd",
    "=cmd|' /C calc'!A0",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\r\nSet-Cookie: evil=1",
    "\u202eevil\u200b\ufeff",
    "%s%s%s%n",
    "{{7*7}}${7*7}",
    "x" * 5000,
]
_LEAKS = re.compile(r"Traceback|psycopg|sqlalchemy|File \"/", re.IGNORECASE)


def _routes() -> list[tuple[str, list[str]]]:
    """Every rule of the app (as the server builds it) with its methods."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "routes", "ACCESS_CODE_KEY": "routes"})
    return [
        (rule.rule, sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    ]


class Attacker(Patient):
    """A patient whose every answer from the server is checked: below 500, no traceback, XSS escaped."""

    def check(self, method: str, path: str, form: dict[str, str] | None = None, payload: str = "") -> None:
        if method != "GET":
            # gunicorn may close a keep-alive connection after a request whose body the app did not read
            # (a 405, say); a POST is not sent again on a stale socket, so each one gets a fresh connection.
            self.close()
        status, _, body = self.request(method, path, form)
        where = f"{method} {path[:80]!r}"
        assert status < 500, f"{where}: {status} for {payload[:40]!r}"
        assert not _LEAKS.search(body), f"{where}: the page shows internals"
        if payload in XSS:
            assert payload not in body, f"{where}: {payload!r} reflected unescaped"

    def bombard(self, routes: list[tuple[str, list[str]]], token: str | None) -> None:
        for rule, methods in routes:
            for payload in SUBSET:
                path = re.sub(r"<[^>]+>", quote(payload, safe=""), rule)
                query = urlencode({"code": payload, "lang": payload, "next": payload})
                for method in methods + BAD_METHODS:
                    if method == "GET":
                        self.check("GET", f"{path}?{query}", payload=payload)
                    else:
                        form = dict.fromkeys(FIELDS, payload) | ({"csrf_token": token} if token else {})
                        self.check(method, path, form, payload)

    def raw(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> int:
        """One request with a body as given (not form-encoded); its status, body checked as :meth:`check` does."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers={"Host": "127.0.0.1", **headers})
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
        except (ConnectionError, http.client.HTTPException):
            return 0  # the server may close on a body it refuses: a calm end, not a 500
        finally:
            connection.close()
        assert response.status < 500, f"{method} {path}: {response.status}"
        assert not _LEAKS.search(content), f"{method} {path}: the page shows internals"
        return response.status


def _stored_answers_are_valid(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT item_id, code, text FROM answer")).all()
    finally:
        engine.dispose()
    for item_id, code, free_text in rows:
        item = QUESTIONNAIRE.item(item_id)
        if item.kind == "choice":
            assert code in {option.code for option in item.scale.options} and free_text is None, item_id
        else:
            assert code is None and free_text and "\x00" not in free_text, item_id
            assert len(free_text) <= (item.max_length or 10**9), item_id
    return len(rows)


def test_the_corpus_subset_against_the_production_server(pg_database, instance, server_port):
    codes = import_round(pg_database, instance, 2)
    routes = _routes()
    log = instance / "server.log"
    started = time.monotonic()
    with running_server(pg_database, instance, server_port, workers=2, log=log) as server:
        patient = Attacker(server_port, codes[0], 1)
        assert patient.sign_in() == "/introduction"  # before the wrong codes below count against 127.0.0.1
        _, intro = patient.get("/introduction")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', intro).group(1)
        first_page = patient.post("/introduction", {"csrf_token": token, "action": "start"})
        anonymous = Attacker(server_port, "", 0)
        anonymous.bombard(routes, token=None)
        anonymous.close()
        # "Avsluta" (POST /end) ends the patient's session by design: the signed-in patient attacks it last.
        patient.bombard([route for route in routes if route[0] != "/end"], token)
        for page in QUESTIONNAIRE.pages:  # every real page, each of its fields the payload (free text kept clean)
            for payload in SUBSET:
                form = {"csrf_token": token, "action": "next"} | {item.id: payload for item in page.items}
                patient.check("POST", f"/page/{page.id}", form, payload)

        cookie = "; ".join(f"{name}={value}" for name, value in patient.cookies.items())
        for body in (
            b'--x\r\nContent-Disposition: form-data; name="code"\r\n\r\nabc',  # never closed
            b"--x\r\nContent-Disposition: form-data\r\n\r\n--x--",  # no name
            b"garbage without any boundary",
        ):
            for path in ("/", first_page, "/review"):
                patient.raw("POST", path, body, {"Content-Type": "multipart/form-data; boundary=x", "Cookie": cookie})
        too_big = urlencode({"csrf_token": token, "comments": "x" * (300 * 1024)}).encode()
        status = patient.raw(
            "POST", first_page, too_big, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        )
        assert status in (0, 413), status
        for broken in ("prem_session=garbage", "prem_session=" + "A" * 4000, "prem_session=.eJw.x.y", "=; ;;=="):
            for path in ("/", first_page, "/review", "/done"):
                patient.raw("GET", path, b"", {"Cookie": broken})

        # The patient the attacks were sent as still answers normally, and what it sends is stored.
        patient.answer_page(first_page)
        patient.bombard([route for route in routes if route[0] == "/end"], token)
        patient.close()
        assert server.poll() is None, "the server died"
    seconds = time.monotonic() - started
    requests = anonymous.requests + patient.requests
    server_log = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in server_log
    assert not re.search(r'" 5\d\d ', server_log), "the access log shows a server error"
    stored = _stored_answers_are_valid(pg_database)
    answers = stored_answers(pg_database)[respondent_ids(2)[0]][1]
    assert answers.items() >= patient.sent.items(), "the last page sent is not stored"
    comments = QUESTIONNAIRE.item("comments")
    assert answers["comments"] == [p for p in SUBSET if len(p) <= comments.max_length][-1], "not the last valid text"
    print(f"{requests} requests in {seconds:.1f} s, {stored} valid answers stored")
