"""sampling.engine: the population criteria of the four pilot pathways, each exclusion step, region assignment,
the rarest-pathway order, and draw_sample's argument checks and stages.

Which contacts carry a pathway's code is sampling.contacts' (tests/sampling/test_contacts.py).
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from contracts.formats import EXCLUSION_STEPS, FIXED_STEPS, REGISTER_STEPS
from sampling import SamplingError, draw_sample, load_rules
from sampling.engine import _flow, _months_before, _register_exclusions

RA, IBD, OST, TBI = "reumatoid-artrit", "ibd-vuxna", "osteoporos-sekundarprevention", "traumatisk-hjarnskada"


# --- reumatoid artrit -------------------------------------------------------------------------


def test_ra_two_dates_one_specialist_adult_is_sampled(pnr, contact, run_sample, removal_step):
    person = pnr("19700101", 1)
    result = run_sample(
        [contact(person, contact_date="2025-02-01", care_level="primary"), contact(person, contact_date="2025-06-01")]
    )
    assert removal_step(result, RA) == "sampled"


def test_ra_two_contacts_on_the_same_date_do_not_qualify(pnr, contact, run_sample, removal_step):
    person = pnr("19700101", 1)
    result = run_sample(
        [
            contact(person, contact_date="2025-02-01"),
            contact(person, contact_date="20250201", care_level="primary"),
            contact(person, contact_date="2025-02-01 00:00:00", care_level="primary"),
        ]
    )
    assert removal_step(result, RA) == "two_contact_dates"


def test_ra_contact_outside_the_period_does_not_count(pnr, contact, run_sample, removal_step):
    person = pnr("19700101", 1)
    result = run_sample([contact(person, contact_date="2024-12-31"), contact(person, contact_date="2025-06-01")])
    assert removal_step(result, RA) == "two_contact_dates"


def test_ra_needs_a_specialist_contact(pnr, contact, run_sample, removal_step):
    person = pnr("19700101", 1)
    result = run_sample([contact(person, contact_date=d, care_level="primary") for d in ("2025-02-01", "2025-03-01")])
    assert removal_step(result, RA) == "specialist_contact"


@pytest.mark.parametrize(("birth", "step"), [("20071231", "sampled"), ("20080101", "adult")])
def test_ra_age_exactly_18_at_period_end_qualifies(pnr, contact, run_sample, removal_step, birth, step):
    person = pnr(birth, 2)
    result = run_sample([contact(person, contact_date="2025-02-01"), contact(person, contact_date="2025-03-01")])
    assert removal_step(result, RA) == step


# --- IBD ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "step"),
    [("inpatient", "sampled"), ("specialist", "sampled"), ("primary", "specialist_or_inpatient_contact")],
)
def test_ibd_care_level(pnr, contact, run_sample, removal_step, level, step):
    result = run_sample([contact(pnr("19900505", 3), main_diagnosis="K51.2", care_level=level)])
    assert removal_step(result, IBD) == step


def test_ibd_minor_is_removed(pnr, contact, run_sample, removal_step):
    result = run_sample([contact(pnr("20100505", 3), main_diagnosis="K50")])
    assert removal_step(result, IBD) == "adult"


# --- osteoporos --------------------------------------------------------------------------------


@pytest.mark.parametrize(("birth", "step"), [("19750301", "sampled"), ("19750302", "age_50_at_first_contact")])
def test_osteoporosis_age_50_on_the_first_qualifying_contact(pnr, contact, run_sample, removal_step, birth, step):
    # Both are 50 at the end of the period; only the first was 50 on the day of the fracture.
    person = pnr(birth, 4)
    result = run_sample(
        [
            contact(person, main_diagnosis="S72.0", contact_date="2025-03-01", care_level="inpatient"),
            contact(person, main_diagnosis="S72.0", contact_date="2025-06-01", care_level="specialist"),
        ]
    )
    assert removal_step(result, OST) == step


# --- traumatisk hjärnskada ---------------------------------------------------------------------


def test_tbi_needs_an_inpatient_contact(pnr, contact, run_sample, removal_step):
    result = run_sample([contact(pnr("19800101", 6), main_diagnosis="S061", care_level="specialist")])
    assert removal_step(result, TBI) == "inpatient_contact"


# --- register and quarantine exclusions --------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "step"),
    [
        ({"deceased_date": "2026-01-15"}, "deceased"),
        ({"deceased_date": "2026-02-01"}, "deceased"),
        ({"deceased_date": "2026-02-02"}, "sampled"),
        ({"protected_identity": "ja"}, "protected_identity"),
        ({"protected_identity": "true"}, "protected_identity"),
        ({"city": ""}, "no_address"),
    ],
)
def test_register_exclusions(pnr, contact, resident, run_sample, removal_step, fields, step):
    person = pnr("19800101", 6)
    result = run_sample([contact(person, main_diagnosis="K50")], population=[resident(person, **fields)])
    assert removal_step(result, IBD) == step


def test_person_missing_from_the_register_has_no_address(pnr, contact, resident, run_sample, removal_step):
    result = run_sample([contact(pnr("19800101", 6), main_diagnosis="K50")], population=[resident(pnr("19800101", 7))])
    assert removal_step(result, IBD) == "no_address"


@pytest.mark.parametrize(("invited", "step"), [("2025-03-01", "quarantine"), ("2025-01-15", "sampled")])
def test_quarantine_of_people_invited_within_12_months(
    pnr, contact, run_sample, removal_step, write_csv, invited, step
):
    person = pnr("19800101", 6)
    previous = write_csv(
        "previous.csv",
        ["respondent_id", "personnummer", "invited_date"],
        [{"respondent_id": "RAAAAAAAAAA", "personnummer": person[2:8] + "-" + person[8:], "invited_date": invited}],
    )
    result = run_sample([contact(person, main_diagnosis="K50")], previous=[previous])
    assert removal_step(result, IBD) == step


def test_quarantine_dates_from_the_manifest_beside_an_old_mailing_list(
    pnr, contact, run_sample, removal_step, tmp_path, write_csv
):
    person = pnr("19800101", 6)
    old_round = tmp_path / "round-2025"
    old_round.mkdir()
    (old_round / "manifest.json").write_text(json.dumps({"sampling_date": "2025-06-01"}), encoding="utf-8")
    mailing = write_csv(
        "round-2025/mailing.csv", ["respondent_id", "access_code", "personnummer"], [{"personnummer": person}]
    )
    result = run_sample([contact(person, main_diagnosis="K50")], previous=[mailing])
    assert removal_step(result, IBD) == "quarantine"


def test_without_population_the_register_steps_are_reported_as_not_applied(pnr, contact, write_csv, code_key):
    path = write_csv("contacts.csv", list(contact("x")), [contact(pnr("19800101", 6), main_diagnosis="K50")])
    result = draw_sample(
        None,
        [path],
        period_start="2025-01-01",
        period_end="2025-12-31",
        sampling_date="2026-02-01",
        seed=1,
        code_key=code_key,
    )
    assert result.manifest["steps_not_applied"] == ["deceased", "protected_identity", "no_address"]
    assert result.frame.height == 1 and result.mailing["name"].to_list() == [None]


# --- region assignment and deduplication -------------------------------------------------------


def test_region_with_most_qualifying_contacts(pnr, contact, run_sample):
    person = pnr("19700101", 1)
    result = run_sample(
        [
            contact(person, region="01", contact_date="2025-02-01"),
            contact(person, region="1", contact_date="2025-03-01"),
            contact(person, region="12", contact_date="2025-09-01"),
        ]
    )
    assert result.frame.filter(pathway=RA)["region"].to_list() == ["01"]


def test_region_tie_goes_to_the_latest_contact(pnr, contact, run_sample):
    person = pnr("19700101", 1)
    result = run_sample(
        [
            contact(person, region="12", contact_date="2025-02-01"),
            contact(person, region="14", contact_date="2025-03-01"),
        ]
    )
    assert result.frame.filter(pathway=RA)["region"].to_list() == ["14"]


def test_rarest_pathway_draws_first_and_keeps_shared_people(pnr, contact, run_sample):
    shared, ra_only, ibd_only = pnr("19700101", 1), pnr("19700101", 2), pnr("19700101", 3)
    ra_visits = lambda person: [contact(person, contact_date="2025-02-01"), contact(person, contact_date="2025-03-01")]  # noqa: E731
    contacts = (
        ra_visits(shared) + ra_visits(ra_only) + [contact(shared, main_diagnosis="K50", contact_date="2025-04-01")]
    )
    # IBD has 1 eligible person, RA 2: IBD draws first and keeps the shared person.
    result = run_sample(contacts, pathways=[RA, IBD])
    assert result.manifest["pathway_order"] == [IBD, RA]
    ra_flow = result.flow.filter(pathway=RA, step="other_pathway")
    assert ra_flow["removed"].to_list() == [1] and ra_flow["remaining"].to_list() == [1]
    # With two IBD-only people IBD is no longer the rarest: RA keeps the shared person.
    contacts += [contact(ibd_only, main_diagnosis="K50"), contact(pnr("19700101", 4), main_diagnosis="K50")]
    result = run_sample(contacts, pathways=[RA, IBD])
    assert result.manifest["pathway_order"] == [RA, IBD]
    assert result.flow.filter(pathway=IBD, step="other_pathway")["removed"].to_list() == [1]
    assert result.frame.height == 4


def test_rule_language_care_level_filter_max_age_and_fixed_quarantine(
    tmp_path, pnr, contact, run_sample, removal_step, write_csv
):
    rule = tmp_path / "hip.yaml"
    rule.write_text(
        "pathway: hoftledsartros-primarvard\nversion: '0.1'\n"
        "qualifying_contacts:\n  diagnoses: [{position: main, codes: [M16]}]\n  care_levels: [primary]\n"
        "criteria:\n  - {name: working_age, min_age: 40, max_age: 64, age_at: first_qualifying_contact}\n"
        "sample_size: {n: 5}\nquarantine_months: 3\n",
        encoding="utf-8",
    )
    slug = "hoftledsartros-primarvard"
    specialist_only = pnr("19700101", 1)
    too_old = pnr("19600101", 2)
    invited_in_autumn = pnr("19700101", 3)
    fine = pnr("19700101", 4)
    contacts = [
        contact(specialist_only, main_diagnosis="M16.1"),
        contact(too_old, main_diagnosis="M161", care_level="primary"),
        contact(invited_in_autumn, main_diagnosis="M16", care_level="primary"),
        contact(fine, main_diagnosis="m16.0", care_level="primary"),
    ]
    previous = write_csv(
        "previous.csv",
        ["personnummer", "invited_date"],
        [{"personnummer": invited_in_autumn, "invited_date": "2025-10-15"}],
    )
    result = run_sample(contacts, rules=rule, previous=[previous])
    flow = {
        row["step"]: (row["remaining"], row["removed"])
        for row in result.flow.filter(pathway=slug).iter_rows(named=True)
    }
    assert flow["persons_with_qualifying_contacts"] == (3, 0)
    assert flow["working_age"] == (2, 1)
    assert flow["quarantine"] == (2, 0)  # invited 3.5 months before D: outside a 3-month quarantine
    assert flow["sampled"] == (2, 0)
    assert result.manifest["rules"][0]["quarantine_months"] == 3


# --- the flow's steps ------------------------------------------------------------------------


def test_every_stratum_lists_the_criteria_then_the_exclusion_steps(pnr, contact, run_sample):
    person = pnr("19700101", 1)
    result = run_sample([contact(person, contact_date="2025-02-01"), contact(person, contact_date="2025-06-01")])
    ra_rule = load_rules(pathways=[RA])[0]
    steps = result.flow.filter(pathway=RA, region="01")["step"].to_list()
    assert steps == [
        "persons_with_qualifying_contacts",
        *(criterion.name for criterion in ra_rule.criteria),
        *EXCLUSION_STEPS,
        "sampled",
    ]
    assert set(steps) - {criterion.name for criterion in ra_rule.criteria} <= set(FIXED_STEPS)


def test_register_exclusions_are_the_register_steps_in_flow_order():
    assert tuple(_register_exclusions(dt.date(2026, 2, 1))) == REGISTER_STEPS == EXCLUSION_STEPS[:3]


def test_flow_counts_remaining_down_the_steps_and_rejected_rows_first():
    persons = pl.DataFrame(
        {"region": ["01", "01", "01", "01", "12"], "removed_at": [None, "adult", "deceased", None, "quarantine"]},
        schema={"region": pl.String, "removed_at": pl.String},
    )
    rows = _flow("p", persons, ["adult", *EXCLUSION_STEPS], {"01": (2, 1)}, {"01": (7, 2), "03": (0, 1)})
    by_region = {}
    for row in rows:
        by_region.setdefault(row["region"], []).append((row["step"], row["remaining"], row["removed"]))
    assert by_region["01"] == [
        ("rejected_rows", 7, 2),
        ("persons_with_qualifying_contacts", 4, 0),
        ("adult", 3, 1),
        ("deceased", 2, 1),
        ("protected_identity", 2, 0),
        ("no_address", 2, 0),
        ("quarantine", 2, 0),
        ("other_pathway", 2, 0),
        ("sampled", 1, 1),
    ]
    assert by_region["03"][:2] == [("rejected_rows", 0, 1), ("persons_with_qualifying_contacts", 0, 0)]
    assert by_region["12"][-3] == ("quarantine", 0, 1) and by_region["12"][-1] == ("sampled", 0, 0)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2026-02-01", 12, "2025-02-01"),
        ("2026-03-31", 1, "2026-02-28"),
        ("2024-03-31", 1, "2024-02-29"),
        ("2026-01-15", 3, "2025-10-15"),
    ],
)
def test_months_before_keeps_the_day_within_the_month(day, months, expected):
    assert _months_before(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(expected)


# --- arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"on_bad_rows": "ignore"}, "on_bad_rows must be 'fail' or 'skip', not 'ignore'"),
        ({"period_start": "2025-13-01"}, "period_start: '2025-13-01' is not a date"),
        ({"sampling_date": "igår"}, "sampling_date: 'igår' is not a date"),
        ({"period_start": "2026-01-01"}, "period_start 2026-01-01 is after period_end 2025-12-31"),
        ({"pathways": ["kol"]}, "no rule file for pathway 'kol'"),
    ],
)
def test_bad_arguments_are_named_before_any_file_is_read(tmp_path, code_key, options, message):
    settings = {"period_start": "2025-01-01", "period_end": "2025-12-31", "sampling_date": "2026-02-01"}
    settings.update(options)
    with pytest.raises(SamplingError, match=message):
        draw_sample(None, [tmp_path / "not-there.csv"], seed=1, code_key=code_key, **settings)


def test_no_contacts_extract_and_no_rules_are_errors(tmp_path, code_key):
    dates = {"period_start": "2025-01-01", "period_end": "2025-12-31", "sampling_date": "2026-02-01"}
    with pytest.raises(SamplingError, match="no contacts extract given"):
        draw_sample(None, [], seed=1, code_key=code_key, **dates)
    with pytest.raises(SamplingError, match="no pathway rules to apply"):
        draw_sample([], [tmp_path / "contacts.csv"], seed=1, code_key=code_key, **dates)


def test_loaded_rules_are_chosen_by_pathway(pnr, contact, run_sample):
    person = pnr("19800101", 6)
    rules = load_rules()
    result = run_sample([contact(person, main_diagnosis="K50")], rules=rules, pathways=[IBD])
    assert result.flow["pathway"].unique().to_list() == [IBD]
    assert [rule["pathway"] for rule in result.manifest["rules"]] == [IBD]
    with pytest.raises(SamplingError, match="no pathway rules to apply"):
        run_sample([contact(person, main_diagnosis="K50")], rules=rules, pathways=["kol"])
