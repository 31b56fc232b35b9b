"""Swedish by default, English on every page; the message catalogues are complete and compiled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from prem.db import db
from prem.survey.models import Answer

from .conftest import csrf_token

TRANSLATIONS = Path(__file__).parents[2] / "prem" / "translations"


def test_language_link_switches_the_whole_page(client):
    swedish = client.get("/")
    assert '<html lang="sv">' in swedish.text
    # On the code page the switch is a button of the code form (what was typed is kept; see test_patient_return).
    assert 'form="code-form" name="action" value="language:en" lang="en">English</button>' in swedish.text
    assert client.get("/language/en?next=/").location == "/"
    english = client.get("/")
    assert '<html lang="en">' in english.text
    assert "<title>Enter your access code – Patient survey</title>" in english.text
    assert ">Svenska</button>" in english.text and "Skriv in din kod" not in english.text
    client.get("/language/xx?next=/")
    assert '<html lang="en">' in client.get("/").text  # unknown languages are ignored


def test_switching_on_a_question_page_saves_and_shows_english_questions(app, client, make_round, start):
    sample = make_round()
    page = start(client, next(iter(sample.codes.values())))
    assert 'value="language:en" lang="en">English</button>' in page.text
    switched = client.post(
        "/page/overall", data={"csrf_token": csrf_token(page.text), "action": "language:en", "overall_rating": "3"}
    )
    assert switched.location == "/page/overall"
    english = client.get("/page/overall")
    assert '<html lang="en">' in english.text and "Page 1 of 8" in english.text
    assert "Overall, how would you rate the care you have received?" in english.text
    assert ">Continue</button>" in english.text and "Fairly poor" in english.text
    assert re.search(r'id="overall_rating-2"[^>]*checked|checked[^>]*id="overall_rating-2"', english.text)
    with app.app_context():
        assert db.session.execute(select(Answer.code)).scalars().all() == [3]


def test_english_intro_names_the_pathway_in_english(client, make_round, sign_in):
    sample = make_round(pathway="reumatoid-artrit")
    client.get("/language/en?next=/")
    sign_in(client, next(iter(sample.codes.values())))
    intro = client.get("/introduction").text
    assert "rheumatoid arthritis" in intro and "This does not describe my care" in intro


@pytest.mark.parametrize("language", ["sv", "en"])
def test_compiled_catalogue_matches_its_source(language):
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as source, open(folder / "messages.mo", "rb") as compiled:
        po, mo = read_po(source), read_mo(compiled)
    assert {m.id: m.string for m in po if m.id and m.string} == {m.id: m.string for m in mo if m.id and m.string}


def test_swedish_translates_every_message_of_the_template():
    with (
        open(TRANSLATIONS / "messages.pot", "rb") as template,
        open(TRANSLATIONS / "sv" / "LC_MESSAGES" / "messages.po", "rb") as swedish,
    ):
        expected = {m.id for m in read_po(template) if m.id}
        translated = {m.id for m in read_po(swedish) if m.id and m.string and not m.fuzzy}
    assert expected <= translated


def test_template_holds_every_message_of_the_code():
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "Message": None}
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    in_code = {
        message
        for folder in (TRANSLATIONS.parent, TRANSLATIONS.parents[1] / "contracts")  # prem and the error messages
        for _, _, message, _, _ in extract_from_dir(folder, method_map, keywords=keywords)
    }
    with open(TRANSLATIONS / "messages.pot", "rb") as template:
        assert in_code <= {m.id for m in read_po(template) if m.id}
