"""Pure monitoring rules without a ledger: periods, licences, report details, exceedances, loads, discrepancies."""

from __future__ import annotations

import datetime

import pytest

from chaincode.monitoring import licences, periods, reports
from chaincode.monitoring.parameters import DEFAULTS, load_rules
from chaincode.runtime.errors import InvalidInput
from common import canonical
from monitoring_world import cement_licence, clean_day, details, entry, hours, limit, steel_licence

RULES = load_rules(lambda name: None)


class TestPeriods:
    def test_a_day_and_a_month_know_their_bounds_and_hours(self):
        day = periods.parse_period("2024-02-29")
        month = periods.parse_period("2024-02")
        assert (day.kind, day.first, day.last, day.hours, day.month) == (
            "day", datetime.date(2024, 2, 29), datetime.date(2024, 2, 29), 24, "2024-02")
        assert (month.kind, month.last, month.hours, len(month.days())) == ("month", datetime.date(2024, 2, 29),
                                                                            29 * 24, 29)
        assert month.holds_hour("2024022923") and not month.holds_hour("2024030100")

    @pytest.mark.parametrize("value", ["2025-02-29", "2025-13", "2025-1-01", "25-01-01", "2025", 2025, None,
                                       "1900-01-01", "2025-01-01T00"])
    def test_anything_but_a_real_day_or_month_is_refused(self, value):
        with pytest.raises(InvalidInput, match="period must be a day YYYY-MM-DD or a month YYYY-MM"):
            periods.parse_period(value)

    def test_list_filters_take_a_year_a_month_or_a_day(self):
        assert [periods.parse_filter(v) for v in ("2025", "2025-06", "2025-06-30")] == ["2025", "2025-06",
                                                                                       "2025-06-30"]
        for bad in ("2025-6", "2025-06-31", "x"):
            with pytest.raises(InvalidInput):
                periods.parse_filter(bad)

    @pytest.mark.parametrize("value", ["2025060124", "20250601", "2025-06-01 01", 2025060101])
    def test_hours_are_hj212_hour_stamps(self, value):
        with pytest.raises(InvalidInput, match="hour must be YYYYMMDDhh"):
            periods.parse_hour(value)

    def test_the_ledger_date_is_china_standard_time(self):
        assert periods.ledger_date(1_767_196_800.0) == datetime.date(2026, 1, 1)  # 2025-12-31T16:00Z
        assert periods.ledger_date(1_767_196_799.0) == datetime.date(2025, 12, 31)


class TestLicences:
    def test_a_good_licence_is_kept_as_given(self):
        checked = licences.check_licence(steel_licence(), RULES)
        assert checked == steel_licence()
        assert licences.main_outlets(checked) == ["DA001", "DW001"]
        assert licences.limit(licences.outlet(checked, "DA001"), "a21026")["limit_ug"] == 35_000
        assert licences.covers(checked, periods.parse_period("2025-01"))
        assert not licences.covers(checked, periods.parse_period("2024-12-31"))

    @pytest.mark.parametrize("change, message", [
        (lambda l: l.pop("number"), "licence must have exactly number, outlets, valid_from, valid_to (missing number)"),
        (lambda l: l.update(extra=1), "(unknown extra)"),
        (lambda l: l.update(valid_to="2024-12-31"), "licence.valid_to 2024-12-31 is before licence.valid_from"),
        (lambda l: l.update(valid_from="2025-02-30"), "licence.valid_from must be a date YYYY-MM-DD"),
        (lambda l: l.update(outlets=[]), "licence.outlets must be a list of 1 to 200 outlets"),
        (lambda l: l["outlets"].append(dict(l["outlets"][0])), "licence.outlets lists outlet DA001 more than once"),
        (lambda l: l["outlets"][0].update(id="da-1"), "licence.outlets[0].id must be 1 to 16 capital letters"),
        (lambda l: l["outlets"][0].update(medium="soil"), "licence.outlets[0].medium must be one of air, water"),
        (lambda l: l["outlets"][0].update(kind="key"), "licence.outlets[0].kind must be one of main, general"),
        (lambda l: l["outlets"][2].update(medium="air"), "outlet DW001 is a water outlet by its code (DW)"),
        (lambda l: l["outlets"][0].update(limits=[]), "licence.outlets[0].limits must be a list of 1 to 50"),
        (lambda l: l["outlets"][0]["limits"].append(limit("a21026", 1, 1)),
         "outlet DA001 limits factor a21026 more than once"),
        (lambda l: l["outlets"][0]["limits"][0].update(factor="SO2"),
         "licence.outlets[0].limits[0].factor must be an HJ 212 factor code"),
        (lambda l: l["outlets"][0]["limits"][0].update(factor="a99999"),
         "licence.outlets[0].limits[0].factor a99999 is not a monitored factor (parameter factor_pollutants"),
        (lambda l: l["outlets"][0]["limits"][0].update(factor="w01018", pollutant="COD"),
         "factor w01018 is a water factor; outlet DA001 is an air outlet"),
        (lambda l: l["outlets"][0]["limits"][0].update(pollutant="NOx"),
         "licence.outlets[0].limits[0].pollutant must be SO2 for factor a21026"),
        (lambda l: l["outlets"][0]["limits"][0].update(limit_ug=0), "limit_ug must be a whole number of micrograms"),
        (lambda l: l["outlets"][0]["limits"][0].update(limit_ug=3.5), "per m³ from 1 to"),
        (lambda l: l["outlets"][2]["limits"][0].update(limit_ug=True), "per litre from 1 to"),
        (lambda l: l["outlets"][0]["limits"][0].update(annual_kg=None),
         "licence.outlets[0].limits[0].annual_kg is required: outlet DA001 is a main outlet"),
        (lambda l: l["outlets"][0]["limits"][0].update(annual_kg=-5), "annual_kg must be positive, got -5"),
    ])
    def test_each_bad_field_is_named(self, change, message):
        licence = steel_licence()
        change(licence)
        with pytest.raises(InvalidInput) as refused:
            licences.check_licence(licence, RULES)
        assert message in refused.value.message

    def test_a_general_outlet_may_carry_an_annual_quantity(self):
        licence = cement_licence()
        licence["outlets"].append({"id": "DA002", "medium": "air", "kind": "general",
                                   "limits": [limit("a34013", 20_000, 300)]})
        assert licences.check_licence(licence, RULES)["outlets"][1]["limits"][0]["annual_kg"] == 300

    def test_the_factor_map_is_a_parameter(self):
        rules = load_rules(lambda name: {"a99999": "Hg"} if name == "factor_pollutants" else None)
        licence = cement_licence()
        licence["outlets"][0]["limits"] = [{"factor": "a99999", "pollutant": "Hg", "limit_ug": 30, "annual_kg": 1}]
        assert licences.check_licence(licence, rules)["outlets"][0]["limits"][0]["pollutant"] == "Hg"
        assert DEFAULTS["factor_pollutants"]["a21026"] == "SO2" and DEFAULTS["station_tolerance_permille"] == 100


class TestDetails:
    DAY = periods.parse_period("2025-06-01")

    def test_good_details_pass_and_summarize_by_factor(self):
        values = details(entry("a21002", 7, hours("2025-06-01", [1, 2])), entry("a21026", 5, hours("2025-06-01", [3])))
        checked = reports.check_details(values, self.DAY, "air", RULES)
        assert [row["factor"] for row in reports.totals(checked)] == ["a21002", "a21026"]
        assert reports.totals(checked)[1] == {"factor": "a21026", "pollutant": "SO2", "load_g": 5, "hours_valid": 1,
                                              "hours_total": 1}

    @pytest.mark.parametrize("change, message", [
        (lambda d: d.update(extra=1), "details must be an object with exactly pollutants"),
        (lambda d: d.update(pollutants=[]), "details.pollutants must be a list of 1 to 50 entries"),
        (lambda d: d["pollutants"].append(dict(d["pollutants"][0])),
         "details.pollutants lists factor a21026 more than once"),
        (lambda d: d["pollutants"][0].pop("hourly"), "details.pollutants[0] must have exactly factor, hourly"),
        (lambda d: d["pollutants"][0].update(factor="a99999"), "factor a99999 is not a monitored factor"),
        (lambda d: d["pollutants"][0].update(factor="w01018", pollutant="COD"),
         "factor w01018 is a water factor, but the device measures an air outlet"),
        (lambda d: d["pollutants"][0].update(pollutant="SO₂"), "pollutant must be SO2 for factor a21026"),
        (lambda d: d["pollutants"][0].update(load_g=-1), "details.pollutants[0].load_g must be a whole number of "
                                                         "grams"),
        (lambda d: d["pollutants"][0].update(load_g=1.5), "load_g must be a whole number of grams"),
        (lambda d: d["pollutants"][0].update(max_hourly_ug="high"), "max_hourly_ug must be a whole number"),
        (lambda d: d["pollutants"][0].update(hours_total=25), "hours_total must be a whole number of hours from 0 "
                                                              "to 24"),
        (lambda d: d["pollutants"][0].update(hours_valid=23), "hours_valid is 23, but 24 of its hourly means are "
                                                              "valid"),
        (lambda d: d["pollutants"][0]["hourly"].append(dict(d["pollutants"][0]["hourly"][0])),
         "hourly must be a list of at most 24 hourly means"),
        (lambda d: d["pollutants"][0]["hourly"].__setitem__(1, dict(d["pollutants"][0]["hourly"][0])),
         "details.pollutants[0].hourly lists hour 2025060100 more than once"),
        (lambda d: d["pollutants"][0]["hourly"][3].update(hour="2025060200"),
         "details.pollutants[0].hourly[3].hour 2025060200 is outside period 2025-06-01"),
        (lambda d: d["pollutants"][0]["hourly"][3].update(hour="2025060124"), "hour must be YYYYMMDDhh"),
        (lambda d: d["pollutants"][0]["hourly"][3].update(valid="yes"), "hourly[3].valid must be true or false"),
        (lambda d: d["pollutants"][0]["hourly"][3].update(mean_ug=-3), "hourly[3].mean_ug must be a whole number"),
        (lambda d: d["pollutants"][0]["hourly"][3].pop("valid"), "hourly[3] must have exactly hour, mean_ug and "
                                                                 "valid"),
    ])
    def test_each_bad_field_is_named(self, change, message):
        values = clean_day("2025-06-01")
        change(values)
        with pytest.raises(InvalidInput) as refused:
            reports.check_details(values, self.DAY, "air", RULES)
        assert message in refused.value.message

    def test_the_transient_details_must_be_canonical_json(self):
        values = clean_day("2025-06-01")
        raw, parsed = reports.details_from_transient({"details": canonical.dumps(values)}, "Report:Submit")
        assert parsed == values and reports.details_hash(raw) == reports.details_hash(canonical.dumps(values))
        with pytest.raises(InvalidInput, match="needs the transient field details"):
            reports.details_from_transient({}, "Report:Submit")
        with pytest.raises(InvalidInput, match="is not valid JSON"):
            reports.details_from_transient({"details": b"{nope"}, "Report:Submit")
        with pytest.raises(InvalidInput, match="must be canonical JSON"):
            reports.details_from_transient({"details": b'{"pollutants": []}'}, "Report:Submit")

    @pytest.mark.parametrize("value, message", [
        ({"sha256": "AB" * 32, "size": 1}, "fingerprint.sha256 must be 64 lowercase hexadecimal digits"),
        ({"sha256": "ab" * 31, "size": 1}, "fingerprint.sha256 must be 64 lowercase"),
        ({"sha256": "ab" * 32, "size": -1}, "fingerprint.size must be a whole number of bytes"),
        ({"sha256": "ab" * 32, "size": "1"}, "fingerprint.size must be a whole number of bytes"),
        ({"sha256": "ab" * 32}, "fingerprint must be an object with exactly sha256"),
        ("ab" * 32, "fingerprint must be an object with exactly sha256"),
    ])
    def test_fingerprints_are_a_sha256_and_a_size(self, value, message):
        with pytest.raises(InvalidInput, match=message):
            reports.check_fingerprint(value)


class TestViolationRules:
    OUTLET = licences.outlet(steel_licence(), "DA001")

    def test_only_valid_hours_above_the_limit_are_exceedances(self):
        means = [35_000, 35_001, 90_000, 70_000, 69_999]
        values = details(entry("a21026", 1, hours("2025-06-01", means, [True, True, False, True, True])),
                         entry("a21002", 1, hours("2025-06-01", [50_001])), entry("a34013", 1, hours("2025-06-01",
                                                                                                     [99_999])))
        found = reports.exceedances(values["pollutants"], self.OUTLET, RULES)
        assert [(e.factor, e.hour, e.value_ug, e.limit_ug, e.severity) for e in found] == [
            ("a21002", "2025060100", 50_001, 50_000, "general"),
            ("a21026", "2025060101", 35_001, 35_000, "general"),
            ("a21026", "2025060103", 70_000, 35_000, "serious"),
            ("a21026", "2025060104", 69_999, 35_000, "general"),
        ]  # a34013 has no limit at DA001; an invalid hour never counts

    def test_the_annual_quantity_is_crossed_once(self):
        assert reports.crosses(9_000_000, 10_000_001, 10_000)
        assert not reports.crosses(9_000_000, 10_000_000, 10_000)  # exactly the permitted quantity is compliant
        assert not reports.crosses(10_000_001, 10_500_000, 10_000)  # already above: crossed earlier
        assert not reports.crosses(0, 10**12, None)

    def test_loads_differ_beyond_the_tolerance_of_the_larger_one(self):
        ours = [{"factor": "a21026", "pollutant": "SO2", "load_g": 1_000}, {"factor": "a21002", "pollutant": "NOx",
                                                                          "load_g": 0},
                {"factor": "a34013", "pollutant": "PM", "load_g": 5}]
        theirs = [{"factor": "a21026", "pollutant": "SO2", "load_g": 1_100}, {"factor": "a21002", "pollutant": "NOx",
                                                                            "load_g": 0}]
        assert reports.differences(ours, theirs, 100) == []  # 100 of 1,100 is within 10 %
        assert reports.differences(ours, theirs, 90) == [{"factor": "a21026", "pollutant": "SO2",
                                                          "enterprise_load_g": 1_000, "station_load_g": 1_100,
                                                          "difference_g": 100}]
        assert reports.differences(ours, [{"factor": "a21002", "pollutant": "NOx", "load_g": 1}], 1000) == []
        assert reports.differences(ours, [{"factor": "a21002", "pollutant": "NOx", "load_g": 1}], 999) != []
