"""The green-credit points model as pure functions: points table, thresholds, window, determinism."""

from __future__ import annotations

import datetime
import itertools

import pytest

from chaincode.credit import parameters, rules
from chaincode.credit.parameters import DEFAULTS, load_rules
from chaincode.runtime.errors import InvalidInput
from chaincode.runtime import parameters as catalogue

DEFAULT_RULES = load_rules(lambda name: None)
T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def violation(n: int, kind: str = "concentration_exceedance", severity: str = "general", days: float = 0,
              **changes) -> dict:
    at = rules.iso(T0 + datetime.timedelta(days=days))
    return {"id": f"V-{n:016X}", "entity": "E", "region": "BJ", "year": 2026, "kind": kind, "source": "monitoring",
            "severity": severity, "veto": kind in ("environmental_crime", "unapproved_construction",
                                                   "hidden_discharge_pipe"),
            "status": "open", "resolution": None, "repaired": None, "at": at, **changes}


def at_day(days: float) -> datetime.datetime:
    return T0 + datetime.timedelta(days=days)


class TestPoints:
    def test_the_default_table_by_kind_and_severity_with_the_fallback_row(self):
        assert DEFAULT_RULES.points_of("concentration_exceedance", "general") == 2
        assert DEFAULT_RULES.points_of("concentration_exceedance", "serious") == 4
        assert DEFAULT_RULES.points_of("missing_report", "minor") == 1
        assert DEFAULT_RULES.points_of("allowance_shortfall", "serious") == 6
        assert DEFAULT_RULES.points_of("manifest_discrepancy", "general") == 2
        assert DEFAULT_RULES.points_of("monitoring_data_falsification", "minor") == 12
        assert DEFAULT_RULES.points_of("environmental_crime", "severe") == 12

    def test_a_kind_row_without_a_severity_falls_back_to_the_every_kind_row(self):
        custom = load_rules(lambda name: {"credit_points": {"*": {"minor": 1, "general": 2, "serious": 3,
                                                                  "severe": 5},
                                                            "report_discrepancy": {"general": 7}}}.get(name))
        assert custom.points_of("report_discrepancy", "general") == 7
        assert custom.points_of("report_discrepancy", "serious") == 3

    @pytest.mark.parametrize("points, level", [(0, "green"), (1, "blue"), (3, "blue"), (4, "yellow"),
                                               (11, "yellow"), (12, "red"), (40, "red")])
    def test_every_threshold_boundary(self, points, level):
        assert rules.level_for(points, False, DEFAULT_RULES) == level

    def test_a_veto_is_red_whatever_the_points(self):
        assert rules.level_for(0, True, DEFAULT_RULES) == "red"

    def test_thresholds_are_parameters(self):
        custom = load_rules(lambda name: {"credit_thresholds": {"blue_max": 0, "red_from": 5}}.get(name))
        assert [rules.level_for(p, False, custom) for p in (0, 1, 4, 5)] == ["green", "yellow", "yellow", "red"]


class TestScore:
    def test_points_add_up_to_the_level(self):
        two = [violation(1), violation(2, days=1)]
        assert rules.score(two, DEFAULT_RULES, at_day(2))["level"] == "yellow"
        assert rules.score(two[:1], DEFAULT_RULES, at_day(2))["level"] == "blue"
        assert rules.score([], DEFAULT_RULES, at_day(2)) == {"level": "green", "points": 0, "veto": [],
                                                            "valid_until": None, "facts": []}

    def test_six_exceedances_make_red(self):
        six = [violation(n, days=n) for n in range(6)]
        scored = rules.score(six, DEFAULT_RULES, at_day(10))
        assert (scored["points"], scored["level"]) == (12, "red")

    def test_a_violation_stops_counting_exactly_at_the_end_of_the_window(self):
        facts = [violation(1, severity="serious"), violation(2, days=100)]
        just_before = T0 + datetime.timedelta(days=365) - datetime.timedelta(milliseconds=1)
        assert rules.score(facts, DEFAULT_RULES, just_before)["points"] == 6
        at_end = rules.score(facts, DEFAULT_RULES, at_day(365))
        assert at_end["points"] == 2
        assert [line["state"] for line in at_end["facts"]] == ["expired", "counting"]
        assert at_end["facts"][0]["counts_until"] == "2027-01-01T00:00:00.000Z"
        assert at_end["valid_until"] == "2027-04-11T00:00:00.000Z"
        assert rules.score(facts, DEFAULT_RULES, at_day(465))["level"] == "green"

    def test_the_window_is_a_parameter(self):
        short = load_rules(lambda name: {"credit_window_days": 30}.get(name))
        assert rules.score([violation(1)], short, at_day(29))["points"] == 2
        assert rules.score([violation(1)], short, at_day(30))["points"] == 0

    def test_dismissed_and_repaired_violations_add_nothing_but_stay_listed(self):
        facts = [violation(1, resolution={"outcome": "dismissed"}, status="resolved"),
                 violation(2, resolution={"outcome": "upheld"}, status="resolved"),
                 violation(3, kind="environmental_crime", severity="severe", repaired={"repair": "CR-1"})]
        scored = rules.score(facts, DEFAULT_RULES, at_day(1))
        assert [(line["state"], line["points"], line["table_points"]) for line in scored["facts"]] == [
            ("dismissed", 0, 2), ("counting", 2, 2), ("repaired", 0, 12)]
        assert (scored["level"], scored["veto"]) == ("blue", [])
        assert scored["facts"][2]["repair"] == "CR-1"

    def test_a_counted_veto_makes_red_and_is_named(self):
        veto = violation(9, kind="hidden_discharge_pipe", severity="severe")
        scored = rules.score([veto], DEFAULT_RULES, at_day(1))
        assert (scored["level"], scored["veto"]) == ("red", [veto["id"]])

    def test_the_same_facts_give_the_same_standing_in_any_order(self):
        facts = [violation(1), violation(2, days=3, severity="serious"), violation(3, days=3),
                 violation(4, kind="missing_report", severity="minor", days=5)]
        results = {repr(rules.score(list(order), DEFAULT_RULES, at_day(6))) for order in itertools.permutations(facts)}
        assert len(results) == 1

    def test_repair_periods_are_measured_from_the_recording_time(self):
        assert rules.repairable_from(violation(1), DEFAULT_RULES) == "2026-04-01T00:00:00.000Z"
        veto = violation(2, kind="environmental_crime", severity="severe")
        assert rules.repairable_from(veto, DEFAULT_RULES) == "2027-01-01T00:00:00.000Z"

    def test_only_integers_and_stamp_times_are_used(self):
        scored = rules.score([violation(1)], DEFAULT_RULES, at_day(1))
        assert isinstance(scored["points"], int)
        assert rules.moment(1_767_225_600.0004) == T0
        assert rules.china_date("2026-05-01T16:00:00.000Z") == "2026-05-02"


class TestParameters:
    def test_the_parameters_are_in_the_catalogue_with_their_defaults(self):
        names = {p.name for p in catalogue.catalogue() if p.domain == "credit"}
        assert names == {"credit_points", "credit_thresholds", "credit_window_days", "credit_repair_min_days",
                         "credit_veto_repair_days", "credit_yellow_extra_approval"}
        assert DEFAULTS["credit_thresholds"] == {"blue_max": 3, "red_from": 12}

    @pytest.mark.parametrize("name, value, message", [
        ("credit_points", {"x": {"general": 1}}, "kind '*' (every other kind) must give points for minor"),
        ("credit_points", {**parameters.DEFAULT_POINTS, "x": {"awful": 1}}, "severity 'awful' of kind x"),
        ("credit_points", {**parameters.DEFAULT_POINTS, "x": {"minor": -1}}, "points of x/minor must be a whole"),
        ("credit_points", {**parameters.DEFAULT_POINTS, "x": {"minor": 1.5}}, "points of x/minor must be a whole"),
        ("credit_thresholds", {"blue_max": 5, "red_from": 6}, "need 0 <= blue_max < red_from - 1"),
        ("credit_thresholds", {"blue_max": 3}, "expected an object with blue_max and red_from"),
        ("credit_window_days", 0, "must lie between 1 and 3660"),
        ("credit_repair_min_days", -1, "must lie between 0 and 3660"),
        ("credit_yellow_extra_approval", ["teleport"], "item 0 must be a step"),
    ])
    def test_bad_values_are_refused_naming_the_parameter(self, name, value, message):
        with pytest.raises(InvalidInput, match=f"parameter {name} expects") as caught:
            catalogue.check(name, value)
        assert message in caught.value.message

    def test_changing_a_scoring_parameter_changes_the_basis(self):
        other = load_rules(lambda name: {"credit_window_days": 180}.get(name))
        assert other.basis != DEFAULT_RULES.basis
        assert load_rules(lambda name: {"credit_repair_min_days": 1}.get(name)).basis == DEFAULT_RULES.basis
