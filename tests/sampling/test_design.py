"""Sample sizes, the draw, reproducibility, respondent ids and access codes."""

from __future__ import annotations

import hmac
import re

import pytest

from sampling import design
from sampling.access_codes import ALPHABET, format_access_code, normalise_access_code
from sampling.design import _hmac_sha256, access_code_for, access_codes_for, key_fingerprint
from sampling.frame import AGE_GROUPS, age_group
from sampling.output import write_sample
from sampling.rules import SampleSize

RULE = """\
pathway: ibd-vuxna
version: "test.1"
qualifying_contacts:
  diagnoses:
    - {position: any, codes: [K50]}
criteria:
  - {name: adult, min_age: 18}
sample_size: {n: 3}
"""


@pytest.mark.parametrize(("population", "expected"), [(1000, 176), (200, 131), (50, 50), (1, 1), (0, 0)])
def test_precision_sample_size_by_hand(population, expected):
    # margin 0.10: n0 = 1.96² · 0.25 / 0.01 = 96.04; N = 1000: 96.04 / (1 + 95.04/1000) = 87.70, / 0.5 = 175.4 → 176;
    # N = 200: 96.04 / 1.4752 = 65.10, / 0.5 = 130.2 → 131; N = 50: 66.2 → 67 > 50, take-all.
    assert SampleSize(margin=0.10, response_rate=0.5).for_stratum(population) == expected


def test_fixed_sample_size_takes_all_of_a_small_stratum():
    assert SampleSize(n=5).for_stratum(3) == 3 and SampleSize(n=5).for_stratum(40) == 5


@pytest.fixture
def stratified(tmp_path, pnr, contact, run_sample):
    """Draw n = 3 of 10 IBD patients in each given region."""
    rule = tmp_path / "ibd.yaml"
    rule.write_text(RULE, encoding="utf-8")

    def draw(regions=("01", "12"), **options):
        contacts = [
            contact(pnr("19800101", 10 * index + serial), main_diagnosis="K50", region=region)
            for index, region in enumerate(regions)
            for serial in range(10)
        ]
        return run_sample(contacts, rules=rule, **options)

    return draw


def test_stratified_draw_and_design_weights(stratified):
    result = stratified()
    assert result.frame.group_by("region").len().sort("region").rows() == [("01", 3), ("12", 3)]
    assert set(result.frame["design_weight"]) == {10 / 3}
    assert set(result.frame["stratum_population"]) == {10} and set(result.frame["stratum_sample"]) == {3}
    assert result.flow.filter(step="sampled").select("remaining", "removed").rows() == [(3, 7), (3, 7)]


def test_same_inputs_and_seed_give_byte_identical_files(stratified, tmp_path):
    first = write_sample(stratified(), tmp_path / "first")
    second = write_sample(stratified(), tmp_path / "second")
    for name in ("frame.csv", "mailing.csv", "flow.csv", "manifest.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_another_seed_gives_another_draw(stratified):
    draws = {tuple(stratified(seed=seed).mailing["personnummer"]) for seed in (1, 2, 3)}
    assert len(draws) == 3


def test_adding_a_region_leaves_other_regions_draws_unchanged(stratified):
    before = stratified(regions=("01", "12"))
    after = stratified(regions=("01", "12", "25"))
    for region in ("01", "12"):
        assert (
            before.mailing.filter(before.frame["region"] == region).rows()
            == after.mailing.filter(after.frame["region"] == region).rows()
        )


def test_frame_holds_nothing_identifying(stratified):
    result = stratified()
    frame_text = result.frame.write_csv()
    for column in ("personnummer", "name", "street", "postal_code", "city"):
        for value in result.mailing[column].drop_nulls():
            assert value not in frame_text
    assert list(result.frame.columns) == [
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


def test_respondent_ids_and_access_codes(stratified, code_key):
    result = stratified()
    assert all(re.fullmatch(f"R[{ALPHABET}]{{10}}", rid) for rid in result.frame["respondent_id"])
    codes = result.mailing["access_code"].to_list()
    assert all(re.fullmatch(f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", code) for code in codes)
    assert len(set(codes)) == len(codes)
    first = result.mailing.row(0, named=True)
    assert first["access_code"] == access_code_for(first["respondent_id"], code_key)
    assert all(format_access_code(code) == code for code in codes)
    assert access_code_for(first["respondent_id"], b"another key of thirty-two bytes!") != first["access_code"]


def test_access_code_symbols_are_unbiased_over_many_ids():
    counts = dict.fromkeys(ALPHABET, 0)
    for index in range(3000):
        for symbol in normalise_access_code(access_code_for(f"R{index:010d}", b"k" * 32)):
            counts[symbol] += 1
    expected = 3000 * 12 / len(ALPHABET)
    assert all(abs(count - expected) < 0.15 * expected for count in counts.values())


@pytest.mark.parametrize("key", [b"", b"k" * 32, b"k" * 64, b"k" * 65, bytes(range(256))])
def test_access_codes_are_the_documented_hmac_of_the_respondent_id(key):
    """The code is HMAC-SHA256(key, id) as the standard library computes it, bytes >= 248 dropped, the
    rest mapped onto the alphabet: keys longer than SHA-256's block (64 bytes) are hashed first."""
    ids = [f"R{index:010d}" for index in range(500)]
    expected = []
    for respondent_id in ids:
        accepted = [byte for byte in hmac.new(key, respondent_id.encode(), "sha256").digest() if byte < 248][:12]
        code = "".join(ALPHABET[byte % len(ALPHABET)] for byte in accepted)
        expected.append(f"{code[:4]}-{code[4:8]}-{code[8:]}")
    assert access_codes_for(ids, key) == expected
    # The follow-up blocks (id + ":" + counter) use the same keyed hash.
    assert all(
        _hmac_sha256(key)(message) == hmac.digest(key, message, "sha256") for message in (b"", b"R1:1", b"x" * 200)
    )


def test_manifest_names_the_key_only_by_fingerprint(stratified, code_key):
    manifest = stratified().manifest
    assert manifest["code_key_fingerprint"] == key_fingerprint(code_key)
    assert code_key.hex() not in str(manifest)


@pytest.mark.parametrize(
    ("age", "group"),
    [(0, "0-17"), (17, "0-17"), (18, "18-34"), (49, "35-49"), (50, "50-64"), (79, "65-79"), (80, "80+"), (104, "80+")],
)
def test_age_groups(age, group):
    assert age_group(age) == group and group in AGE_GROUPS


def test_an_id_whose_digest_has_too_few_accepted_bytes_takes_the_next_block(monkeypatch):
    """Bytes >= 248 are dropped; a digest left with fewer than 12 (about 1 in 10^23) is followed by
    HMAC(key, id + ":1"), whose accepted bytes complete the code. Forced here with a digest of 7."""
    key, short = b"k" * 32, "R0000000001"
    keyed = design._hmac_sha256(key)
    thin = bytes([250] * 25 + list(range(7)))
    monkeypatch.setattr(
        design, "_hmac_sha256", lambda k: lambda message: thin if message == short.encode() else keyed(message)
    )
    accepted = list(range(7)) + [byte for byte in keyed(f"{short}:1".encode()) if byte < 248][:5]
    code = "".join(ALPHABET[byte % len(ALPHABET)] for byte in accepted)
    ordinary, forced, other = access_codes_for(["R0000000000", short, "R0000000002"], key)
    assert forced == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    monkeypatch.undo()
    assert [ordinary, other] == access_codes_for(["R0000000000", "R0000000002"], key)
