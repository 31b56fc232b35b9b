"""Simulated patients against the real production server (``prem serve --production``).

Shared by ``python -m bench survey`` and ``tests/production``: a round is
imported with ``prem fieldwork import`` from a synthetic sample, the server
is started as a subprocess on loopback, and each :class:`Patient` walks the
questionnaire over its own keep-alive ``http.client`` connection with its
own cookie jar – reading the fields each page really shows, answering them,
going back once, saving and resuming with its code in a fresh jar, and
submitting. Every patient remembers what it last sent for each item
(:attr:`Patient.sent`); :func:`stored_answers` reads the database so the
two can be compared.
"""

from __future__ import annotations

import csv
import http.client
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy import create_engine, text

from questionnaires import load_questionnaire

__all__ = [
    "PATHWAY",
    "Patient",
    "assert_each_keeps_their_own",
    "expected_answers",
    "free_port",
    "import_round",
    "prem_env",
    "respondent_ids",
    "running_server",
    "stored_answers",
    "wait_for_port",
]

PATHWAY = "ibd-vuxna"
QUESTIONNAIRE = load_questionnaire("prem-vardforlopp")
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_INPUT = re.compile(r"<input\b[^>]*>")
_TEXTAREA = re.compile(r'<textarea\b[^>]*\bname="([^"]+)"')
_ATTR = re.compile(r'\b(name|type|value)="([^"]*)"')
MARKER = re.compile(r"patient-\d+-[0-9a-f]{8}")


def prem_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """Environment for a ``prem`` subprocess on ``database_url`` with throwaway keys in ``instance``."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "PREM_INSTANCE_PATH": str(instance),
            "PREM_SECRET_KEY": "load-test-secret-key",
            "PREM_ACCESS_CODE_KEY": "load-test-access-code-key",
        }
    )
    env.update(extra)
    return env


def _prem() -> list[str]:
    return [sys.executable, "-m", "prem"]


def import_round(database_url: str, instance: Path, size: int, name: str = "last-2026") -> list[str]:
    """Import a synthetic round of ``size`` patients with ``prem fieldwork import``; returns their codes."""
    from sampling.access_codes import new_access_code

    folder = instance / f"sample-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"R{index:010d}" for index in range(size)]
    population = max(4000, size)  # a stratum is never smaller than its sample
    codes = [new_access_code() for _ in ids]
    with open(folder / "frame.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "respondent_id",
                "pathway",
                "region",
                "sex",
                "age",
                "age_group",
                "stratum_population",
                "stratum_sample",
                "design_weight",
            ]
        )
        for index, respondent_id in enumerate(ids):
            writer.writerow(
                [respondent_id, PATHWAY, "01", "KM"[index % 2], 70, "65-79", population, size, population / size]
            )
    with open(folder / "mailing.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["respondent_id", "access_code"])
        writer.writerows(zip(ids, codes, strict=True))
    today = date.today()
    subprocess.run(
        [
            *_prem(),
            "fieldwork",
            "import",
            "--round",
            name,
            "--frame",
            str(folder / "frame.csv"),
            "--mailing",
            str(folder / "mailing.csv"),
            "--opens",
            str(today - timedelta(days=2)),
            "--closes",
            str(today + timedelta(days=30)),
        ],
        env=prem_env(database_url, instance),
        check=True,
        capture_output=True,
    )
    (folder / "mailing.csv").unlink()  # the codes live on in memory only, as on the letters
    return codes


def wait_for_port(port: int, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    """Wait until ``/healthz`` on 127.0.0.1:``port`` answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            finally:
                connection.close()
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port} within {timeout} s")


@contextmanager
def running_server(
    database_url: str, instance: Path, port: int, workers: int = 3, log: Path | None = None, **env: str
) -> Iterator[subprocess.Popen]:
    """``prem serve --production`` on 127.0.0.1:``port`` as a subprocess; stopped (SIGTERM) at the end."""
    log = log or instance / f"server-{port}.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [*_prem(), "serve", "--production", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=prem_env(database_url, instance, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(port, process=process)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class ServerError(AssertionError):
    """The server answered a patient's request with something a browser would show as an error."""


@dataclass
class Patient:
    """One simulated patient with its own keep-alive connection and cookie jar.

    ``sent`` is what this patient last posted for each item, merged as the
    server merges a page's answers (an emptied item is dropped).
    ``timings`` collects the seconds of each page save (POST to redirect).
    """

    port: int
    code: str
    number: int
    seed: int = 0
    sent: dict[str, int | str] = field(default_factory=dict)
    timings: list[float] = field(default_factory=list)
    requests: int = 0
    resilient: bool = False
    interrupted: int = 0
    reviewed_markers: set[str] = field(default_factory=set)
    first_page: tuple[str, str] | None = None  # (path, HTML) of the page save_repeatedly saves
    #: Extra request headers (a test's ``X-Forwarded-For``, as a trusted proxy would set it).
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed * 100_003 + self.number)
        self.marker = f"patient-{self.number}-{secrets.token_hex(4)}"
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    # -- HTTP ----------------------------------------------------------------
    def fresh_jar(self) -> None:
        """Forget the cookies and the connection, as a new browser would."""
        self.cookies = {}
        self.close()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """One request; returns status, Location (path and query) and body.

        A stale keep-alive socket is reopened for a GET. A ``resilient``
        patient, like a person pressing reload, sends the same request again
        (up to 20 times) when the connection breaks or the server answers 5xx.
        """
        attempts = 20 if self.resilient else 2
        for attempt in range(1, attempts + 1):
            try:
                status, location, content = self._send(method, path, form)
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == attempts or (method == "POST" and not self.resilient):
                    raise
                if self.resilient:
                    self.interrupted += 1
                    time.sleep(0.2)
                continue
            if status >= 500 and self.resilient and attempt < attempts:
                self.interrupted += 1
                time.sleep(0.2)
                continue
            return status, location, content
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, form: dict[str, str] | None) -> tuple[int, str, str]:
        body = urlencode(form) if form is not None else None
        headers = {"Host": "127.0.0.1", **self.headers}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read().decode("utf-8")
        self.requests += 1
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                self._set_cookie(value)
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        target = urlsplit(response.getheader("Location", ""))
        return response.status, target.path + (f"?{target.query}" if target.query else ""), content

    def _set_cookie(self, header: str) -> None:
        pair, *attributes = header.split(";")
        name, _, value = pair.strip().partition("=")
        expired = any(a.strip().lower() in ("max-age=0",) for a in attributes) or "1970" in header
        if expired or not value:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def get(self, path: str, expect: int = 200) -> tuple[str, str]:
        status, location, body = self.request("GET", path)
        if status != expect:
            raise ServerError(f"patient {self.number}: GET {path} answered {status}")
        return location, body

    def post(self, path: str, form: dict[str, str], *, timed: bool = False) -> str:
        """Post a form; a redirect is the server's acknowledgement. Returns where it leads."""
        started = time.perf_counter()
        interrupted = self.interrupted
        status, location, body = self.request("POST", path, form)
        if timed:
            self.timings.append(time.perf_counter() - started)
        if status == 200 and self.interrupted > interrupted and 'name="code"' in body:
            # The first send of a save-and-exit went through before its reply was lost: the
            # session has ended, and the resend lands on the code page. Signed out, answers kept.
            return "/"
        if status != 302:
            raise ServerError(f"patient {self.number}: POST {path} answered {status}")
        return location

    # -- the questionnaire ---------------------------------------------------
    def sign_in(self) -> str:
        """Enter the code; returns where the server sends the patient."""
        _, page = self.get("/")
        return self.post("/", {"csrf_token": _csrf(page), "code": self.code})

    def answer_page(self, path: str, action: str = "next", page: str | None = None) -> str:
        """Answer every field the page shows (random option, marked free text) and post it.

        ``page`` is the page's HTML when the patient already has it open
        (a repeated save); otherwise it is fetched first.
        """
        if page is None:
            _, page = self.get(path)
        form = {"csrf_token": _csrf(page), "action": action}
        choices: dict[str, list[str]] = {}
        for tag in _INPUT.findall(page):
            attributes = dict(_ATTR.findall(tag))
            if attributes.get("type") == "radio":
                choices.setdefault(attributes["name"], []).append(attributes["value"])
        answers: dict[str, str] = {name: self.rng.choice(values) for name, values in choices.items()}
        for name in _TEXTAREA.findall(page):
            answers[name] = f"{self.marker} {name} {self.rng.randrange(10**6)}"
        if self.rng.random() < 0.2 and answers:  # sometimes leave one question empty
            answers[self.rng.choice(sorted(answers))] = ""
        form.update(answers)
        location = self.post(path, form, timed=True)
        for name, value in answers.items():
            self.sent.pop(name, None)
            if value:
                self.sent[name] = int(value) if name in choices else value
        return location

    def open_first_page(self) -> None:
        """Sign in and open the first question page, which :meth:`save_repeatedly` then saves."""
        where = self.sign_in()
        if where.startswith("/introduction"):
            _, intro = self.get("/introduction")
            where = self.post("/introduction", {"csrf_token": _csrf(intro), "action": "start"})
        if not where.startswith("/page/"):
            raise ServerError(f"patient {self.number}: signed in to {where!r}, not a question page")
        path = urlsplit(where).path
        _, page = self.get(path)
        self.first_page = (path, page)
        self.close()  # the saves start on a new connection: this one may idle past the server's keep-alive

    def save_repeatedly(self, times: int) -> None:
        """Save the page :meth:`open_first_page` opened ``times`` times with new answers (POSTs only).

        Only page saves, back to back, as a patient changing their mind
        would send them: what ``python -m bench survey`` compares with the
        trivial route. Leaves the patient signed out (a fresh jar).
        """
        if self.first_page is None:
            self.open_first_page()
        assert self.first_page is not None
        path, page = self.first_page
        for _ in range(times):
            self.answer_page(path, "next", page=page)
        self.fresh_jar()

    def complete(
        self, *, save_and_resume: bool = True, go_back: bool = True, pause: Callable[[], None] | None = None
    ) -> None:
        """The whole way: code, introduction, every page (back once, save and resume once), review, submit."""
        try:
            self._complete(save_and_resume, go_back, pause)
        finally:
            self.close()

    def _complete(self, save_and_resume: bool, go_back: bool, pause: Callable[[], None] | None) -> None:
        where = self.sign_in()
        if where.startswith("/introduction"):
            _, intro = self.get("/introduction")
            where = self.post("/introduction", {"csrf_token": _csrf(intro), "action": "start"})
        pages = 0
        went_back = not go_back
        saved = not save_and_resume
        while where.startswith("/page/"):
            pages += 1
            if pause:
                pause()
            if pages == 2 and not went_back:
                went_back = True
                where = self.answer_page(where, "back")
                continue
            if pages == 4 and not saved:
                saved = True
                left = self.answer_page(where, "save_exit")
                if left not in ("/saved", "/"):
                    raise ServerError(f"patient {self.number}: save and exit did not lead to /saved")
                self.get(left)
                self.fresh_jar()
                where = self.sign_in()
                continue
            where = self.answer_page(where)
            if pages > 60:
                raise ServerError(f"patient {self.number}: the pages never end")
        if not where.startswith("/review"):
            raise ServerError(f"patient {self.number}: ended at {where!r}, not the review")
        _, review = self.get("/review")
        self.reviewed_markers = set(MARKER.findall(review))
        where = self.post("/review", {"csrf_token": _csrf(review), "action": "submit", "unanswered_confirmed": "yes"})
        if where == "/" and self.interrupted:  # a resent submit after the first one ended the session
            where = self.sign_in()
        if where != "/done":
            raise ServerError(f"patient {self.number}: submit led to {where!r}, not /done")
        self.get(where)


def _csrf(page: str) -> str:
    found = _CSRF.search(page)
    if not found:
        raise ServerError("no CSRF token on the page")
    return found.group(1)


def expected_answers(patient: Patient) -> dict[str, int | str]:
    """What the server must hold for ``patient``: its last sent values, routing applied."""
    shown = {item.id for item in QUESTIONNAIRE.visible_items(patient.sent, PATHWAY)}
    return {item_id: value for item_id, value in patient.sent.items() if item_id in shown}


def stored_answers(database_url: str) -> dict[str, tuple[bool, dict[str, int | str]]]:
    """From the database: per access code's respondent id, (submitted?, {item: value})."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT r.respondent_id, s.submitted_at IS NOT NULL, a.item_id, a.code, a.text"
                    " FROM respondent r JOIN response s ON s.respondent_pk = r.id"
                    " LEFT JOIN answer a ON a.response_id = s.id"
                )
            ).all()
    finally:
        engine.dispose()
    stored: dict[str, tuple[bool, dict[str, int | str]]] = {}
    for respondent_id, submitted, item_id, code, free_text in rows:
        entry = stored.setdefault(respondent_id, (bool(submitted), {}))
        if item_id is not None:
            entry[1][item_id] = code if code is not None else free_text
    return stored


def assert_each_keeps_their_own(database_url: str, patients: list[Patient]) -> None:
    """From the database: each patient submitted exactly what they last sent; reviews showed only their text."""
    stored = stored_answers(database_url)
    ids = respondent_ids(max(patient.number for patient in patients) + 1)
    for patient in patients:
        submitted, answers = stored.get(ids[patient.number], (False, {}))
        assert submitted, f"patient {patient.number} is not submitted"
        assert answers == expected_answers(patient), (
            f"patient {patient.number}'s stored answers differ from the last sent"
        )
        assert patient.reviewed_markers <= {patient.marker}, f"patient {patient.number} saw another's free text"
        if any(isinstance(value, str) for value in expected_answers(patient).values()):
            assert patient.reviewed_markers == {patient.marker}, f"patient {patient.number} missed their own text"


def assert_stored_once(database_url: str, responses: int) -> None:
    """From the database: no answer stored twice for one response, and exactly ``responses`` responses."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            doubled = connection.execute(
                text(
                    "SELECT count(*) FROM (SELECT response_id, item_id FROM answer GROUP BY 1, 2 HAVING count(*) > 1) d"
                )
            ).scalar_one()
            stored = connection.execute(text("SELECT count(*) FROM response")).scalar_one()
    finally:
        engine.dispose()
    assert doubled == 0 and stored == responses, (doubled, stored)


def free_port(low: int, high: int) -> int:
    """A free loopback TCP port in [low, high)."""
    for port in range(low, high):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}..{high - 1}")


def respondent_ids(size: int) -> list[str]:
    """The respondent ids :func:`import_round` gives, in the order of its codes."""
    return [f"R{index:010d}" for index in range(size)]
