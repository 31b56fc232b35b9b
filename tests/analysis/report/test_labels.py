"""analysis.report.labels: every fixed text in Swedish and English, numbers as each reader writes them."""

from __future__ import annotations

import string

import pytest

from analysis.report import labels
from analysis.report.labels import has_label, label, number, percent, score


def test_every_text_has_both_languages_with_the_same_placeholders():
    for key, (sv, en) in labels._TEXTS.items():
        assert sv.strip() and en.strip(), key
        fields = lambda text: {name for _, name, _, _ in string.Formatter().parse(text) if name}  # noqa: E731
        assert fields(sv) == fields(en), key


def test_label_fills_placeholders_and_fails_loudly_on_an_unknown_key():
    assert label("criterion.min_contact_dates", "sv", n=2) != label("criterion.min_contact_dates", "en", n=2)
    assert "2" in label("criterion.min_contact_dates", "en", n=2)
    assert has_label("and") and not has_label("no.such.key")
    with pytest.raises(KeyError):
        label("no.such.key", "sv")


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (18900, "sv", 0, "18\u00a0900"),
        (18900, "en", 0, "18,900"),
        (46.5, "sv", 1, "46,5"),
        (46.5, "en", 1, "46.5"),
        (None, "sv", 0, "–"),
    ],
)
def test_numbers_as_a_swedish_and_an_english_reader_write_them(value, lang, decimals, expected):
    assert number(value, lang, decimals) == expected


def test_scores_are_whole_numbers_and_percentages_carry_their_sign():
    assert score(71.6, "sv") == "72" and score(None, "en") == "–"
    assert percent(72.4, "sv") == "72 %" and percent(None, "sv") == "–"
