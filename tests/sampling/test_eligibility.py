"""Rule semantics of the four pilot pathways, each exclusion step, region assignment, deduplication."""

from __future__ import annotations

import json

import pytest

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


def test_ra_code_as_other_diagnosis_with_mixed_separators(pnr, contact, run_sample, removal_step):
    person = pnr("19700101", 1)
    result = run_sample(
        [
            contact(person, contact_date="2025-02-01", main_diagnosis="I10", other_diagnoses="E11.9;m06.0"),
            contact(person, contact_date="2025-03-01", main_diagnosis="Z00", other_diagnoses="J45 | M05.3"),
        ]
    )
    assert removal_step(result, RA) == "sampled"


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


def test_osteoporosis_fracture_code_counts_only_as_main_diagnosis(pnr, contact, run_sample, removal_step):
    result = run_sample([contact(pnr("19500101", 5), main_diagnosis="W01", other_diagnoses="S720")])
    assert removal_step(result, OST) == "no_qualifying_contacts"


def test_osteoporosis_m80_as_other_diagnosis_qualifies(pnr, contact, run_sample, removal_step):
    result = run_sample([contact(pnr("19500101", 5), main_diagnosis="Z09", other_diagnoses="M80.0")])
    assert removal_step(result, OST) == "sampled"


# --- traumatisk hjärnskada ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("main", "other", "step"),
    [
        ("S060", "", "no_qualifying_contacts"),
        ("S06.1", "", "sampled"),
        ("s06 5", "", "sampled"),
        ("T14", "S06 0", "no_qualifying_contacts"),
        ("S060", "S065", "sampled"),
    ],
)
def test_tbi_s06_except_concussion(pnr, contact, run_sample, removal_step, main, other, step):
    result = run_sample(
        [contact(pnr("19800101", 6), main_diagnosis=main, other_diagnoses=other, care_level="inpatient")]
    )
    assert removal_step(result, TBI) == step


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
    from sampling import draw_sample

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
