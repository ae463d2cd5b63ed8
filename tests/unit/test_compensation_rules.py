"""The compensation index, tolerance and averaging, and the per-region variant, as pure functions."""

from __future__ import annotations

from fractions import Fraction

import pytest

from chaincode.compensation import rules
from chaincode.compensation.parameters import DEFAULT_WEIGHTS
from chaincode.runtime.errors import InvalidInput

BASELINES = {"CODMn": "4", "NH3-N": "0.5", "TN": "1.2", "TP": "0.1"}


def terms(k0: str = "0.85", tolerance: str = "0.1", **extra) -> rules.Terms:
    return rules.check_terms({"pollutants": [{"code": c, "baseline": b} for c, b in BASELINES.items()],
                              "k0": k0, "period": "month", "tolerance": tolerance,
                              "amounts": {"downstream_pays": 100_000_000, "upstream_pays": 60_000_000}, **extra},
                             "0.85", DEFAULT_WEIGHTS)


def index(k0: str, **values: str) -> rules.Index:
    official = {code.replace("_", "-"): Fraction(value) for code, value in values.items()}
    return rules.compensation_index(terms(k0), official)


# Hand-computed: P = K0 × 0.25 × (CODMn/4 + NH3-N/0.5 + TN/1.2 + TP/0.1)
P_TABLE = [
    # k0, CODMn, NH3-N, TN, TP, exact P, shown P, upstream pays?
    ("0.85", "4", "0.5", "1.2", "0.1", Fraction(85, 100), "0.85", False),             # at baseline: K0
    ("0.85", "3.1", "0.42", "1.1", "0.05", Fraction(30923, 48000), "0.6442291667", False),
    ("0.8", "5", "0.625", "1.5", "0.125", Fraction(1), "1", False),                   # exactly 1: downstream pays
    ("0.8", "5", "0.625", "1.5", "0.12496", Fraction(99992, 100000), "0.99992", False),  # just below 1
    ("0.8", "5", "0.625", "1.5", "0.12504", Fraction(100008, 100000), "1.00008", True),  # just above 1
    ("0.85", "8", "1", "2.4", "0.2", Fraction(17, 10), "1.7", True),                  # twice the baseline
]


@pytest.mark.parametrize("k0, codmn, nh3n, tn, tp, exact, shown, upstream_pays", P_TABLE)
def test_the_index_matches_the_hand_computed_table_exactly(k0, codmn, nh3n, tn, tp, exact, shown, upstream_pays):
    result = index(k0, CODMn=codmn, NH3_N=nh3n, TN=tn, TP=tp)
    assert result.p == exact
    assert result.as_record()["p"] == shown
    assert result.as_record()["p_exact"] == f"{exact.numerator}/{exact.denominator}"
    assert result.upstream_pays is upstream_pays


def test_a_hair_above_one_is_still_above_one_although_it_rounds_to_one():
    result = index("0.8", CODMn="5", NH3_N="0.625", TN="1.5", TP="0.125000000001")
    assert result.p == Fraction(1_000_000_000_002, 10**12)
    assert result.as_record()["p"] == "1"  # shown rounded to ten places, decided exactly
    assert result.upstream_pays


def test_p_at_most_one_makes_downstream_pay_upstream_and_above_one_the_reverse():
    agreed = terms()
    low = rules.settlement_terms(agreed, index("0.8", CODMn="5", NH3_N="0.625", TN="1.5", TP="0.125"), "HB", "BJ")
    assert (low["payer"], low["payee"], low["amount_yuan"]) == ("BJ", "HB", 100_000_000)
    high = rules.settlement_terms(agreed, index("0.8", CODMn="5", NH3_N="0.625", TN="1.5", TP="0.12504"), "HB", "BJ")
    assert (high["payer"], high["payee"], high["amount_yuan"]) == ("HB", "BJ", 60_000_000)


def test_values_within_tolerance_average_exactly():
    first = {"CODMn": Fraction("3.0"), "TP": Fraction("0.05")}
    second = {"CODMn": Fraction("3.3"), "TP": Fraction("0.051")}
    result = rules.compare(first, second, Fraction("0.1"))
    assert result.differences == []
    assert rules.as_texts(result.official) == {"CODMn": "3.15", "TP": "0.0505"}


def test_the_tolerance_is_inclusive_and_relative_to_the_larger_value():
    at_edge = rules.compare({"TN": Fraction(9)}, {"TN": Fraction(10)}, Fraction("0.1"))
    assert rules.as_texts(at_edge.official) == {"TN": "9.5"}
    beyond = rules.compare({"TN": Fraction("8.99")}, {"TN": Fraction(10)}, Fraction("0.1"))
    assert beyond.official is None
    assert beyond.differences == [{"pollutant": "TN", "first": "8.99", "second": "10", "gap": "1.01"}]


def test_weights_default_to_a_quarter_each_and_must_add_up_to_one():
    assert [rules.text(p.weight) for p in terms().pollutants] == ["0.25"] * 4
    with pytest.raises(InvalidInput, match="must add up to 1, they add up to 1.05"):
        rules.check_terms({"pollutants": [{"code": "CODMn", "baseline": "4", "weight": "0.3"},
                                          {"code": "NH3-N", "baseline": "0.5"}, {"code": "TN", "baseline": "1"},
                                          {"code": "TP", "baseline": "0.1"}],
                           "amounts": {"downstream_pays": 1, "upstream_pays": 1}}, "0.85", DEFAULT_WEIGHTS)


@pytest.mark.parametrize("change, message", [
    ({"k0": 0.85}, "must be a decimal written as a string"),
    ({"k0": "1.2"}, "K0 must lie in (0, 1]"),
    ({"k0": "0"}, "must be greater than zero"),
    ({"period": "week"}, "terms.period must be one of month, year"),
    ({"tolerance": "1"}, "tolerance is relative and must be below 1"),
    ({"amounts": {"downstream_pays": -1, "upstream_pays": 1}}, "whole number of yuan"),
    ({"amounts": {"downstream_pays": 1}}, "terms.amounts must be"),
    ({"arbiter": "court"}, "terms.arbiter must be coordinator or none"),
    ({"colour": "green"}, "unknown field(s) colour"),
    ({"pollutants": []}, "non-empty list"),
    ({"pollutants": [{"code": "TP"}]}, "baseline concentration Ci0 of TP is missing"),
    ({"pollutants": [{"code": "TP", "baseline": "0"}]}, "must be greater than zero"),
    ({"pollutants": [{"code": "XX", "baseline": "1"}]}, "XX has no weight and no default weight"),
    ({"pollutants": [{"code": "TP", "baseline": "1", "weight": "0.5"}] * 2}, "pollutant TP is listed twice"),
    ({"pollutants": [{"code": "TP", "baseline": "1e3", "weight": "1"}]}, "non-negative decimal"),
])
def test_bad_terms_are_refused_naming_the_field(change, message):
    base = {"pollutants": [{"code": c, "baseline": b} for c, b in BASELINES.items()],
            "amounts": {"downstream_pays": 1, "upstream_pays": 1}}
    with pytest.raises(InvalidInput) as refused:
        rules.check_terms({**base, **change}, "0.85", DEFAULT_WEIGHTS)
    assert message in refused.value.message


def test_values_must_name_exactly_the_agreed_pollutants():
    with pytest.raises(InvalidInput, match="missing TP; not in the agreement: COD"):
        rules.check_values({"CODMn": "1", "NH3-N": "1", "TN": "1", "COD": "1"}, ["CODMn", "NH3-N", "TN", "TP"])
    with pytest.raises(InvalidInput, match="decimal written as a string"):
        rules.check_values({"TP": 0.05}, ["TP"])


def test_periods_must_have_the_agreement_s_shape_and_have_ended():
    jan_2026 = 1_767_225_600.0
    assert rules.period_end("month", "2025-12") == jan_2026
    assert rules.period_end("year", "2025") == jan_2026
    rules.require_ended("month", "2025-12", jan_2026)
    with pytest.raises(InvalidInput, match="has not ended yet"):
        rules.require_ended("month", "2026-01", jan_2026)
    with pytest.raises(InvalidInput, match="a month like 2026-05"):
        rules.period_end("month", "2025")


def test_regional_rewards_and_penalties_balance_through_the_pool():
    outcome = rules.regional_settlement([
        rules.RegionalRow("BJ", Fraction(18), Fraction(20)),   # 10 % below: reward 1,000,000
        rules.RegionalRow("TJ", Fraction(25), Fraction(20)),   # 25 % above: penalty 2,500,000
        rules.RegionalRow("HB", Fraction(30), Fraction(20)),   # 50 % above: 5,000,000 (the cap)
    ], coefficient_yuan=10_000_000, cap_yuan=5_000_000)
    rows = {row["region"]: row for row in outcome["regions"]}
    assert {r: (rows[r]["kind"], rows[r]["computed_yuan"], rows[r]["amount_yuan"]) for r in rows} == {
        "BJ": ("reward", 1_000_000, 1_000_000),
        "HB": ("penalty", 5_000_000, 666_667),
        "TJ": ("penalty", 2_500_000, 333_333),
    }
    assert outcome["pool"] == {"in_yuan": 1_000_000, "out_yuan": 1_000_000, "balance_yuan": 0}
    assert outcome["computed"] == {"penalties_yuan": 7_500_000, "rewards_yuan": 1_000_000}


def test_regional_rewards_are_scaled_down_when_penalties_are_smaller():
    outcome = rules.regional_settlement([
        rules.RegionalRow("BJ", Fraction(10), Fraction(20)),   # 50 % below: 500
        rules.RegionalRow("TJ", Fraction(15), Fraction(20)),   # 25 % below: 250
        rules.RegionalRow("HB", Fraction(21), Fraction(20)),   # 5 % above: 50
    ], coefficient_yuan=1_000, cap_yuan=10_000)
    rows = {row["region"]: row["amount_yuan"] for row in outcome["regions"]}
    assert rows == {"BJ": 33, "TJ": 17, "HB": 50}
    assert outcome["pool"]["balance_yuan"] == 0


def test_a_region_exactly_at_the_standard_gets_nothing():
    outcome = rules.regional_settlement([rules.RegionalRow("BJ", Fraction(20), Fraction(20))], 1_000, 10_000)
    assert outcome["regions"][0]["kind"] == "none" and outcome["regions"][0]["amount_yuan"] == 0


def test_the_regional_standard_is_the_region_s_own_or_the_default():
    standards = {"COD": {"*": "20", "HB": "30"}}
    assert rules.regional_standard(standards, "COD", "HB") == 30
    assert rules.regional_standard(standards, "COD", "BJ") == 20
    with pytest.raises(InvalidInput, match="pollutant SO2 has no regional standard"):
        rules.regional_standard(standards, "SO2", "BJ")


def test_the_payment_period_defaults_to_the_parameter_and_is_checked():
    assert terms().due_days == 30
    assert rules.check_terms({"pollutants": [{"code": "TP", "baseline": "0.1", "weight": "1"}], "due_days": 0,
                              "amounts": {"downstream_pays": 1, "upstream_pays": 1}}, "0.85", DEFAULT_WEIGHTS,
                             45).due_days == 0
    assert rules.check_terms({"pollutants": [{"code": "TP", "baseline": "0.1", "weight": "1"}],
                              "amounts": {"downstream_pays": 1, "upstream_pays": 1}}, "0.85", DEFAULT_WEIGHTS,
                             45).due_days == 45
    with pytest.raises(InvalidInput, match="terms.due_days must be a whole number of days from 0 to 3650"):
        terms(due_days="30")


@pytest.mark.parametrize("name, value, message", [
    ("compensation_default_k0", "1.5", "in (0, 1]"),
    ("compensation_default_k0", 0.85, "in (0, 1]"),
    ("compensation_default_weights", {"TP": "0"}, "positive decimal string"),
    ("compensation_regional_standards", {"COD": {"*": 20}}, "positive decimal string"),
    ("compensation_regional_standards", {"COD": {}}, "non-empty object"),
    ("compensation_due_days", 4000, "between 0 and 3650"),
])
def test_compensation_parameters_refuse_bad_values(name, value, message):
    from chaincode.runtime import parameters

    with pytest.raises(InvalidInput) as refused:
        parameters.check(name, value)
    assert message in refused.value.message
