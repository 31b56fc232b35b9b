"""Forms derived from a page: choices are option codes, unknown codes and long texts rejected."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from questionnaires import load_questionnaire
from questionnaires.forms import page_answers, page_form_class, page_form_data


@pytest.fixture
def overall_page(prem):
    return prem.page("overall")


def test_choice_field_offers_the_scale_codes_with_labels_in_the_language(prem, overall_page):
    form = page_form_class(prem, overall_page, "en")()
    choices = [(choice.value, choice.label) for choice in form.overall_rating.iter_choices()]
    assert choices == [
        (1, "Very good"),
        (2, "Fairly good"),
        (3, "Fairly poor"),
        (4, "Very poor"),
        (9, "Don't know / Not applicable"),
    ]
    assert form.overall_rating.label.text == prem.item("overall_rating").text["en"]


@pytest.mark.parametrize("posted", ["7", "abc", "1.0", "-1"])
def test_unknown_code_is_rejected_with_the_questionnaires_message(prem, overall_page, posted):
    form = page_form_class(prem, overall_page, "sv")(MultiDict({"overall_rating": posted}))
    assert not form.validate()
    assert form.errors == {"overall_rating": ["Välj ett av svarsalternativen."]}


def test_valid_page_gives_stored_codes_and_empty_items_as_none(prem, overall_page):
    form = page_form_class(prem, overall_page, "sv")(MultiDict({"overall_rating": "2", "needs_met": "9"}))
    assert form.validate()
    assert page_answers(form, overall_page) == {"overall_rating": 2, "needs_met": 9, "care_helped": None}


def test_no_answer_is_forced(prem, overall_page):
    assert page_form_class(prem, overall_page, "sv")(MultiDict()).validate()


def test_free_text_is_limited_to_max_length_and_stripped(prem):
    page = prem.page("comments")
    limit = prem.item("comments").max_length
    form_class = page_form_class(prem, page, "en")
    too_long = form_class(MultiDict({"comments": "x" * (limit + 1)}))
    assert not too_long.validate()
    assert too_long.errors == {"comments": [f"The answer can be at most {limit} characters long."]}
    fine = form_class(MultiDict({"comments": "  Bra bemötande.  "}))
    assert fine.validate()
    assert page_answers(fine, page) == {"comments": "Bra bemötande."}


def test_stored_answers_redisplay_as_checked_option(prem, overall_page):
    data = page_form_data(overall_page, {"overall_rating": 3, "reported_sex": 1})
    assert data == {"overall_rating": 3}
    form = page_form_class(prem, overall_page, "sv")(data=data)
    checked = [choice.value for choice in form.overall_rating.iter_choices() if choice.selected]
    assert checked == [3]


def test_custom_base_class_is_used(prem, overall_page):
    import wtforms

    class Base(wtforms.Form):
        marker = True

    assert issubclass(page_form_class(prem, overall_page, "sv", base=Base), Base)


def test_undeclared_language_is_refused(prem, overall_page):
    with pytest.raises(ValueError, match="no language 'de'"):
        page_form_class(prem, overall_page, "de")


@given(posted=st.text(max_size=12))
@settings(max_examples=200, deadline=None)
def test_any_posted_value_is_accepted_only_if_it_is_an_option_code(posted):
    # Loaded here, not from a fixture: Hypothesis would repr the whole questionnaire.
    prem = load_questionnaire("prem-vardforlopp")
    page = prem.page("overall")
    form = page_form_class(prem, page, "sv")(MultiDict({"needs_met": posted}))
    valid = form.validate()
    try:
        code = int(posted)
    except ValueError:
        code = None
    if posted.strip() == "":
        assert valid and page_answers(form, page)["needs_met"] is None
    else:
        assert valid == (code in prem.item("needs_met").scale.codes)
