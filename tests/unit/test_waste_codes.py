"""Waste codes, manifest numbers, hazards, methods and the waste parameters: pure checks."""

from __future__ import annotations

import pytest

from chaincode.runtime import parameters
from chaincode.runtime.errors import InvalidInput
from chaincode.waste import codes, rules
from chaincode.waste.parameters import DEFAULTS, load_rules


@pytest.mark.parametrize("code", ["HW08 900-249-08", "HW49 900-041-49", "HW01 841-001-01", "HW50 772-007-50"])
def test_codes_of_the_catalogue_are_well_formed(code):
    assert codes.code_problem(code) is None


@pytest.mark.parametrize("code, problem", [
    ("HW08 900-249-09", "the last two digits of 900-249-09 (09) must repeat its category HW08"),
    ("HW51 900-249-51", "category HW51 is not one of HW01 to HW50"),
    ("HW00 900-249-00", "category HW00 is not one of HW01 to HW50"),
    ("HW8 900-249-08", "must look like 'HW08 900-249-08'"),
    ("HW08 900249-08", "must look like 'HW08 900-249-08'"),
    ("hw08 900-249-08", "must look like 'HW08 900-249-08'"),
    ("HW08  900-249-08", "must look like"),
    (8, "must be a text like 'HW08 900-249-08', got 8"),
])
def test_malformed_codes_are_named(code, problem):
    assert problem in codes.code_problem(code)


def test_a_well_formed_code_must_also_be_in_the_ledger_list():
    assert codes.require_code("code", "HW08 900-249-08", DEFAULTS["waste_codes"]) == "HW08 900-249-08"
    with pytest.raises(InvalidInput, match="code HW08 900-200-08 is not in the ledger's list of waste codes"):
        codes.require_code("code", "HW08 900-200-08", DEFAULTS["waste_codes"])


@pytest.mark.parametrize("number", ["20261100000001", "20271301999999", "19901200000001"])
def test_manifest_numbers_of_fourteen_digits(number):
    assert codes.number_problem(number, ("11", "12", "13")) is None


@pytest.mark.parametrize("number, problem", [
    ("2026110000001", "must be 14 digits"),
    ("202611000000012", "must be 14 digits"),
    ("2026110000000A", "must be 14 digits"),
    ("20261100000000", "the serial of manifest number 20261100000000 must not be 000000"),
    ("18001100000001", "year 1800"),
    ("20264400000001", "province code 44 of manifest number 20264400000001 is not a consortium province"),
    (20261100000001, "must be 14 digits"),
])
def test_malformed_manifest_numbers_are_named(number, problem):
    assert problem in codes.number_problem(number, ("11", "12", "13"))


def test_numbers_are_built_from_year_province_city_and_serial():
    assert codes.manifest_number(2026, "13", "01", 42) == "20261301000042"
    with pytest.raises(InvalidInput, match="the serial numbers of city 1301 for 2026 are used up"):
        codes.manifest_number(2026, "13", "01", 1_000_000)


def test_the_city_comes_from_the_credit_codes_division_when_it_lies_in_the_province():
    assert codes.city_of("91130100MA01HB0019", "13") == "01"
    assert codes.city_of("91110000MA01BJ0019", "11") == "00"
    assert codes.city_of("91320100MA01HB0019", "13") == "00"


def test_hazards_are_the_catalogues_and_come_back_in_catalogue_order():
    assert codes.require_hazards(["I", "T"]) == ["T", "I"]
    for bad, message in [([], "hazards must be a non-empty list"), (["X"], "hazard 'X' is not one of"),
                         (["T", "T"], "hazards must not repeat"), ("T", "hazards must be a non-empty list")]:
        with pytest.raises(InvalidInput, match=message):
            codes.require_hazards(bad)


def test_methods_are_basel_codes():
    assert codes.require_method("R9") == "R9" and codes.require_method("D10") == "D10"
    for bad in ("R14", "D16", "burn", None):
        with pytest.raises(InvalidInput, match="method must be a disposal"):
            codes.require_method(bad)


@pytest.mark.parametrize("name, value, message", [
    ("waste_codes", ["HW08 900-249-09"], "must repeat its category"),
    ("waste_codes", [], "the list must not be empty"),
    ("waste_province_codes", {"BJ": "1"}, "must be two digits"),
    ("waste_bulk_tolerance_permille", 1001, "must lie between 0 and 1000"),
    ("same_region_approval_levels", ["purple"], "green-credit level"),
    ("extra_approval_levels", "red", "got a string"),
    ("waste_approval_max_months", 13, "must lie between 1 and 12"),
    ("waste_transit_max_days", 0, "must lie between 1 and 3650"),
])
def test_the_catalogue_refuses_bad_waste_parameters(name, value, message):
    with pytest.raises(InvalidInput, match=message):
        parameters.check(name, value)


def test_rules_read_the_defaults_until_the_consortium_sets_a_value():
    loaded = load_rules(lambda name: {"waste_bulk_tolerance_permille": 50}.get(name))
    assert loaded.bulk_tolerance_permille == 50
    assert loaded.same_region_approval_levels == ("blue", "yellow", "red")
    assert loaded.extra_approval_levels == ("yellow", "red")
    assert loaded.provinces["HB"] == "13"


MANIFEST = {"shipped": 12_000, "form": "bulk", "containers": None, "code": "HW08 900-249-08"}


@pytest.mark.parametrize("received, tolerance, kinds", [
    (12_000, 100, None),
    (10_800, 100, None),        # exactly 10 % short: within tolerance
    (13_200, 100, None),        # exactly 10 % over
    (10_799, 100, ["quantity"]),
    (10_560, 100, ["quantity"]),  # 12 % short
    (13_201, 100, ["quantity"]),
    (11_400, 50, None),
    (11_399, 50, ["quantity"]),
])
def test_bulk_discrepancy_arithmetic(received, tolerance, kinds):
    found = rules.discrepancy(MANIFEST, received, MANIFEST["code"], None, tolerance)
    assert (found["kinds"] if found else None) == kinds


def test_a_discrepancy_carries_its_arithmetic():
    found = rules.discrepancy(MANIFEST, 10_560, MANIFEST["code"], None, 100)
    assert {k: found[k] for k in ("shipped", "received", "difference_kg", "permille", "tolerance_permille")} == {
        "shipped": 12_000, "received": 10_560, "difference_kg": -1_440, "permille": -120, "tolerance_permille": 100}


def test_containers_differ_by_any_count_and_codes_by_any_difference():
    boxed = {**MANIFEST, "form": "containers", "containers": 40}
    assert rules.discrepancy(boxed, 9_000, boxed["code"], 40, 100) is None  # weight is not counted for containers
    assert rules.discrepancy(boxed, 12_000, boxed["code"], 39, 100)["kinds"] == ["containers"]
    assert rules.discrepancy(MANIFEST, 12_000, "HW49 900-041-49", None, 100)["kinds"] == ["code"]
    assert rules.discrepancy(MANIFEST, 5_000, "HW49 900-041-49", None, 100)["kinds"] == ["quantity", "code"]


def test_approvals_by_region_and_credit_level():
    loaded = load_rules(lambda name: None)
    assert rules.required_approvals("BJ", "HB", None, loaded) == {"origin": True, "destination": True,
                                                                    "coordinator": False}
    assert rules.required_approvals("BJ", "HB", "yellow", loaded)["coordinator"] is True
    assert rules.required_approvals("BJ", "HB", "blue", loaded)["coordinator"] is False
    assert rules.required_approvals("BJ", "BJ", "green", loaded) == {"origin": False, "destination": False,
                                                                       "coordinator": False}
    assert rules.required_approvals("BJ", "BJ", None, loaded)["origin"] is False
    assert rules.required_approvals("BJ", "BJ", "blue", loaded)["origin"] is True
    assert rules.required_approvals("BJ", "BJ", "red", loaded) == {"origin": True, "destination": False,
                                                                     "coordinator": False}


def test_months_are_added_on_the_calendar():
    import datetime

    assert rules.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert rules.add_months(datetime.date(2026, 3, 15), 12) == datetime.date(2027, 3, 15)
