"""Simulated responses: export format, reproducibility, and the intended structure."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from questionnaires.simulate import AGE_GROUPS, STATUSES, simulate_comments, simulate_responses

OPENS, CLOSES = date(2026, 3, 2), date(2026, 4, 12)


@pytest.fixture(scope="session")
def responses(sample_frame, prem):
    return simulate_responses(sample_frame, prem, seed=7, opens=OPENS, closes=CLOSES)


@pytest.fixture(scope="session")
def submitted(responses):
    return responses[responses.status == "submitted"]


def positive_share(answers: pd.DataFrame, prem, item_ids) -> float:
    """Share positive among scored answers to ``item_ids`` (pooled)."""
    table = prem.scoring_table()
    table = table[table.item_id.isin(item_ids)]
    long = answers[list(item_ids)].melt(var_name="item_id", value_name="code").dropna()
    scored = long.astype({"code": "int64"}).merge(table, on=["item_id", "code"])
    return scored.positive.mean()


def test_export_format_columns_and_types(responses, sample_frame, prem):
    export_columns = ["status", "questionnaire_id", "questionnaire_version", "submitted_at", "screen_out_reason"]
    assert list(responses.columns) == [*sample_frame.columns, *export_columns, *(i.id for i in prem.closed_items)]
    assert len(responses) == len(sample_frame)
    assert responses.respondent_id.tolist() == sample_frame.respondent_id.tolist()
    assert set(responses.status) <= set(STATUSES)
    assert all(responses[item.id].dtype == "Int64" for item in prem.closed_items)


def test_same_seed_same_responses_other_seed_differs(responses, sample_frame, prem):
    assert_frame_equal(simulate_responses(sample_frame, prem, seed=7, opens=OPENS, closes=CLOSES), responses)
    other = simulate_responses(sample_frame, prem, seed=8, opens=OPENS, closes=CLOSES)
    assert not other.status.equals(responses.status)


def test_every_answer_is_a_code_of_its_scale(responses, prem):
    for item in prem.closed_items:
        assert set(responses[item.id].dropna()) <= item.scale.codes, item.id


def test_version_and_timestamps_only_where_the_status_allows(responses, prem):
    answered = responses.status.isin(["started", "submitted"])
    assert (responses.questionnaire_id[answered] == prem.id).all()
    assert (responses.questionnaire_version[answered] == prem.version).all()
    assert responses.questionnaire_id[~answered].isna().all()
    assert responses.submitted_at.notna().eq(responses.status == "submitted").all()
    moments = [datetime.fromisoformat(text) for text in responses.submitted_at.dropna()]
    assert all(m.utcoffset().total_seconds() == 0 and OPENS <= m.date() < CLOSES for m in moments)
    item_ids = [item.id for item in prem.closed_items]
    assert responses.loc[~answered, item_ids].isna().all().all()


def test_all_dispositions_occur_in_plausible_shares(responses):
    shares = responses.status.value_counts(normalize=True)
    assert set(shares.index) == set(STATUSES)
    assert 0.35 < shares["submitted"] < 0.55
    assert shares[["deceased", "undeliverable"]].sum() < 0.05


def test_response_rate_is_higher_among_older_people_and_women(responses):
    submitted = responses.status == "submitted"
    by_group = submitted.groupby([responses.age_group, responses.sex]).mean()
    assert by_group["65-79", "K"] > by_group["65-79", "M"] > by_group["18-34", "K"] > by_group["18-34", "M"]
    assert submitted[responses.sex == "K"].mean() - submitted[responses.sex == "M"].mean() > 0.03


def test_routing_is_respected(submitted):
    contact = submitted.municipality_contact
    routed = submitted.municipality_coordination
    assert routed[contact != 1].isna().all() and routed[contact.isna()].isna().all()
    assert routed[contact == 1].notna().mean() > 0.8


def test_care_plan_near_half_and_dimension_pattern_of_the_pilot(submitted, prem):
    assert 0.4 < positive_share(submitted, prem, ["care_plan"]) < 0.6
    by_dimension = {
        d.id: positive_share(submitted, prem, [i.id for i in prem.scored_items if i.dimension == d.id])
        for d in prem.dimensions
    }
    assert max(by_dimension, key=by_dimension.get) == "respect"
    assert by_dimension["involvement"] < by_dimension["information"]
    assert by_dimension["emotional_support"] < by_dimension["information"]


def test_items_within_a_dimension_correlate_more_than_across(submitted):
    within = submitted.info_condition.astype(float).corr(submitted.info_treatment.astype(float), method="spearman")
    across = submitted.info_condition.astype(float).corr(
        submitted.treated_with_respect.astype(float), method="spearman"
    )
    assert within > across + 0.05


def test_some_dont_know_and_partials(responses, submitted, prem):
    assert 0.01 < (submitted.needs_met == 9).mean() < 0.1
    core = [item.id for item in prem.core_items]
    answered_core = submitted[core].notna().sum(axis=1)
    assert ((answered_core > 0) & (answered_core < len(core) / 2)).sum() > 50
    started = responses[responses.status == "started"]
    assert started[core].notna().any(axis=1).mean() > 0.3


def test_simulation_uses_the_questionnaires_age_bins(prem):
    options = prem.item_by_role("age_group").scale.options
    assert AGE_GROUPS == tuple(option.value for option in options if not option.declined)


def test_background_answers_agree_with_the_frame(submitted, prem):
    age_item, sex_item = prem.item_by_role("age_group"), prem.item_by_role("sex")
    age_value = {o.code: o.value for o in age_item.scale.options}
    sex_value = {o.code: o.value for o in sex_item.scale.options}
    reported_age = submitted[age_item.id].dropna()
    reported_sex = submitted[sex_item.id].dropna()
    assert (reported_age.map(age_value) == submitted.age_group[reported_age.index]).mean() > 0.94
    assert (reported_sex.map(sex_value) == submitted.sex[reported_sex.index]).mean() > 0.95


def test_poorer_self_rated_health_means_poorer_experience(submitted, prem):
    health = submitted[prem.item_by_role("self_rated_health").id]
    overall = submitted.overall_rating.where(submitted.overall_rating != 9).astype(float)
    assert overall[health <= 2].mean() < overall[health >= 4].mean()  # code 1 = very good


def test_frame_without_required_column_is_refused(sample_frame, prem):
    with pytest.raises(ValueError, match="lacks the column"):
        simulate_responses(sample_frame.drop(columns="age_group"), prem, seed=1)
    bad = sample_frame.head(3).assign(age_group=["18-34", "90-99", "80+"])
    with pytest.raises(ValueError, match="90-99"):
        simulate_responses(bad, prem, seed=1)


def test_comments_only_from_submitted_and_follow_the_rating(responses, prem):
    comments = simulate_comments(responses, prem, seed=3)
    assert comments == simulate_comments(responses, prem, seed=3)
    status = responses.set_index("respondent_id").status
    assert 0.15 < len(comments) / (status == "submitted").sum() < 0.35
    assert all(status[respondent_id] == "submitted" for respondent_id in comments)
    rating = responses.set_index("respondent_id").overall_rating
    poor = [text for rid, text in comments.items() if rating[rid] is not pd.NA and rating[rid] == 4]
    assert poor and not any("tack" in text.lower() for text in poor)


def test_empty_frame_gives_empty_export(sample_frame, prem):
    empty = simulate_responses(sample_frame.head(0), prem, seed=1)
    assert len(empty) == 0 and "care_plan" in empty.columns
    assert np.isin(["status", "submitted_at"], empty.columns).all()


@pytest.mark.parametrize("group", ["region", "pathway"])
def test_experience_differs_between_regions_and_pathways(submitted, prem, group):
    from scipy.stats import f_oneway

    scored = [item.id for item in prem.scored_items]
    table = prem.scoring_table()
    keys = ["respondent_id", group]
    long = submitted[[*keys, *scored]].melt(id_vars=keys, var_name="item_id", value_name="code")
    long = long.dropna().astype({"code": "int64"}).merge(table, on=["item_id", "code"])
    person_mean = long.groupby(keys).score.mean().reset_index()
    samples = [scores.to_numpy() for _, scores in person_mean.groupby(group).score]
    assert f_oneway(*samples).pvalue < 1e-4
