"""Fixtures for the questionnaire tests: the bundled PREM and a small valid definition."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from questionnaires import Questionnaire, load_questionnaire

MINIMAL_DEFINITION = textwrap.dedent(
    """\
    id: mini
    version: "1.0"
    languages: [sv, en]
    title: {sv: Titel, en: Title}
    introduction: {sv: Inledning, en: Introduction}
    thank_you: {sv: Tack, en: Thanks}
    messages:
      invalid_choice: {sv: Välj ett alternativ., en: Choose an option.}
      too_long: {sv: Högst %(max)d tecken., en: At most %(max)d characters.}
    dimensions:
      - id: overall
        label: {sv: Helhetsintryck, en: Overall impression}
    scales:
      - id: rating4
        options:
          - {code: 1, label: {sv: Mycket bra, en: Very good}, score: 100, positive: true}
          - {code: 2, label: {sv: Ganska bra, en: Fairly good}, score: 66.67, positive: true}
          - {code: 3, label: {sv: Ganska dåligt, en: Fairly poor}, score: 33.33}
          - {code: 4, label: {sv: Mycket dåligt, en: Very poor}, score: 0}
          - {code: 9, label: {sv: Vet inte, en: Don't know}, score: null}
      - id: contact
        options:
          - {code: 1, label: {sv: Ja, en: "Yes"}}
          - {code: 2, label: {sv: Nej, en: "No"}}
    pages:
      - id: first
        title: {sv: Första, en: First}
        items:
          - id: overall_rating
            kind: choice
            scale: rating4
            dimension: overall
            text: {sv: Vad tycker du, en: What do you think}
          - id: had_contact
            kind: choice
            scale: contact
            text: {sv: Kontakt, en: Contact}
      - id: second
        title: {sv: Andra, en: Second}
        items:
          - id: contact_rating
            kind: choice
            scale: rating4
            dimension: overall
            core: false
            show_if: {item: had_contact, in: [1]}
            text: {sv: Hur var kontakten, en: How was the contact}
          - id: comments
            kind: text
            max_length: 20
            text: {sv: Något mer, en: Anything else}
    pathway_intros:
      default: {sv: Du har fått vård., en: You have received care.}
    """
)


@pytest.fixture(scope="session")
def prem() -> Questionnaire:
    """The bundled PREM questionnaire for care pathways, newest version."""
    return load_questionnaire("prem-vardforlopp")


@pytest.fixture
def write_definition(tmp_path: Path):
    """Write a definition (by default the minimal valid one, after replacements) and return its path."""

    def write(replacements: dict[str, str] | None = None, name: str = "mini.yaml") -> Path:
        text = MINIMAL_DEFINITION
        for old, new in (replacements or {}).items():
            assert old in text, f"fixture text has no {old!r}"
            text = text.replace(old, new)
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def sample_frame():
    """A synthetic sample frame (ARCHITECTURE.md columns) of 20 000 invented respondents."""
    import numpy as np
    import pandas as pd

    from questionnaires.simulate import AGE_GROUPS

    rng = np.random.default_rng(20260301)
    n = 20_000
    age_group = rng.choice(AGE_GROUPS, n, p=[0.05, 0.15, 0.2, 0.25, 0.25, 0.1])
    lowest_age = {"0-17": 0, "18-34": 18, "35-49": 35, "50-64": 50, "65-79": 65, "80+": 80}
    return pd.DataFrame(
        {
            "respondent_id": [f"R{k:010d}" for k in range(n)],
            "pathway": rng.choice(["reumatoid-artrit", "ibd-vuxna", "osteoporos-sekundarprevention"], n),
            "region": rng.choice(["01", "03", "12", "14", "25"], n),
            "sex": rng.choice(["K", "M"], n),
            "age": [lowest_age[group] + int(rng.integers(0, 15)) for group in age_group],
            "age_group": age_group,
            "stratum_population": 5000,
            "stratum_sample": 1333,
            "design_weight": 5000 / 1333,
        }
    )
