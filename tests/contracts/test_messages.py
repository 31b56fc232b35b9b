"""contracts.messages: an error's English text that the staff web can show translated."""

from __future__ import annotations

import pickle

from contracts.errors import UserError
from contracts.messages import Message, replaced, translated

SWEDISH = {
    "line %(line)s": "rad %(line)s",
    "%(where)s, column %(column)s": "%(where)s, kolumn %(column)s",
    "%(value)s (expected M or K)": "%(value)s (M eller K väntades)",
    "%(place)s: %(problem)s": "%(place)s: %(problem)s",
    "%(file)s:%(problems)s": "%(file)s:%(problems)s",
    "row %(row)s": "rad %(row)s",
}


def _gettext(template: str) -> str:
    return SWEDISH.get(template, template)


def _problem(line: int) -> Message:
    where = Message("%(where)s, column %(column)s", where=Message("line %(line)s", line=line), column="sex")
    return Message("%(place)s: %(problem)s", place=where, problem=Message("%(value)s (expected M or K)", value="'X'"))


def test_a_message_is_its_english_text_and_translates_with_its_values():
    message = Message("%(file)s:%(problems)s", file="frame.csv", problems=(_problem(2), _problem(3)))
    english = "frame.csv:\n  line 2, column sex: 'X' (expected M or K)\n  line 3, column sex: 'X' (expected M or K)"
    assert message == english and isinstance(message, str)
    assert translated(message, _gettext) == (
        "frame.csv:\n  rad 2, kolumn sex: 'X' (M eller K väntades)\n  rad 3, kolumn sex: 'X' (M eller K väntades)"
    )


def test_unknown_templates_and_plain_text_stay_as_they_are():
    assert translated(Message("Nothing %(x)s here.", x=1), _gettext) == "Nothing 1 here."
    assert translated("an older f-string message", _gettext) == "an older f-string message"
    assert translated(Message("line %(line)s", line=5), lambda template: template) == "line 5"


def test_replaced_changes_values_not_templates_and_still_translates():
    message = Message("%(file)s:%(problems)s", file="/tmp/prem-upload-x/frame.csv", problems=(_problem(2),))
    relabelled = replaced(message, "/tmp/prem-upload-x/", "")
    assert relabelled.startswith("frame.csv:\n  line 2") and "prem-upload" not in relabelled
    assert translated(relabelled, _gettext).startswith("frame.csv:\n  rad 2, kolumn sex")


def test_a_message_survives_pickling_with_its_template():
    message = pickle.loads(pickle.dumps(_problem(4)))
    assert message == "line 4, column sex: 'X' (expected M or K)"
    assert translated(message, _gettext) == "rad 4, kolumn sex: 'X' (M eller K väntades)"


def test_a_user_error_translates_its_place_and_message():
    error = UserError(Message("%(value)s (expected M or K)", value="'X'"), file="frame.csv", row=7, column="sex")
    assert str(error) == "frame.csv: row 7, column sex: 'X' (expected M or K)"
    assert error.translated(_gettext) == "frame.csv: rad 7, column sex: 'X' (M eller K väntades)"


def test_a_message_and_an_error_survive_json_and_translate_as_before():
    import json

    from contracts.messages import from_data, to_data

    message = Message("%(file)s:%(problems)s", file="frame.csv", problems=(_problem(2), _problem(3)))
    again = from_data(json.loads(json.dumps(to_data(message))))
    assert isinstance(again, Message) and again == message
    assert translated(again, _gettext) == translated(message, _gettext)
    assert from_data(to_data(7)) == 7 and from_data(to_data("plain")) == "plain"

    error = UserError(Message("%(value)s (expected M or K)", value="'X'"), file="frame.csv", row=4, column="sex")
    stored = UserError.from_data(json.loads(json.dumps(error.to_data())))
    assert str(stored) == str(error) == "frame.csv: row 4, column sex: 'X' (expected M or K)"
    assert stored.translated(_gettext) == "frame.csv: rad 4, column sex: 'X' (M eller K väntades)"
