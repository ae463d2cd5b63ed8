"""The pure rules of the permit domain, without a ledger."""

from __future__ import annotations

import pytest

from chaincode.runtime.errors import AccessDenied, Conflict, InvalidInput
from chaincode.runtime.identity import Caller
from common import credit_code
from chaincode.enterprise import rules as enterprise_rules
from chaincode.facts import credit
from chaincode.market import prices
from chaincode.market import rules as market_rules
from chaincode.permit import lots, rules, scope
from chaincode.permit.parameters import DEFAULTS, load_rules
from chaincode.runtime import access
from chaincode.runtime.checks import require_credit_code, require_id, require_quantity, require_text, require_year
from common.units import UnitError, format_quantity, parse_quantity
from chaincode.runtime.stamps import IdSequence, Stamp, iso_time

STAMP = Stamp(tx_id="tx1", at="2026-01-01T00:00:00.000Z", msp_id="BJMSP", name="bj-regulator", role="regulator")


def stamp(tx_id: str) -> Stamp:
    return Stamp(tx_id=tx_id, at=f"2026-01-01T00:00:0{tx_id[-1]}.000Z", msp_id="BJMSP", name="x", role="enterprise")


def rules_with(**overrides):
    return load_rules(lambda name, default: overrides.get(name, default))


class TestCreditCode:
    @pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", "91440300708461136T"])
    def test_accepts_codes_whose_check_character_matches(self, code):
        assert credit_code.is_valid(code)
        assert require_credit_code(code) == code

    def test_computes_the_check_character_with_weights_three_to_the_power_of_the_position(self):
        assert credit_code.WEIGHTS[:6] == (1, 3, 9, 27, 19, 26)
        assert credit_code.check_character("91350100M000100Y4") == "3"
        assert credit_code.complete("91350100M000100Y4") == "91350100M000100Y43"

    def test_refuses_a_wrong_check_character_and_says_which_one_is_expected(self):
        assert credit_code.problem("91350100M000100Y44") == "the check character is '4' but should be '3'"

    @pytest.mark.parametrize("code, reason", [
        ("91350100M000100Y4", "17 characters instead of 18"),
        ("91350100M000100I43", "character 16 ('I') is not one of"),
        ("913501o0M000100Y43", "character 7 ('o')"),
        ("91AB0100M000100Y43", "characters 3-8 (AB0100) must be an administrative division code"),
        (91350100, "must be a string"),
    ])
    def test_refuses_malformed_codes_with_the_reason(self, code, reason):
        assert reason in credit_code.problem(code)
        with pytest.raises(InvalidInput, match="is not a valid unified social credit code"):
            require_credit_code(code)

class TestQuantities:
    @pytest.mark.parametrize("text, kilograms", [
        ("1000t", 1_000_000), ("2.5 t", 2_500), ("0.001t", 1), ("750kg", 750), ("750", 750),
        ("1,200 kg", 1_200), ("3T", 3_000), (42, 42),
    ])
    def test_parse_quantity_converts_tonnes_and_kilograms_exactly(self, text, kilograms):
        assert parse_quantity(text) == kilograms

    @pytest.mark.parametrize("text, message", [
        ("1.5kg", "not a whole number of kilograms"),
        ("0.0001t", "not a whole number of kilograms"),
        ("5 lb", "unknown unit 'lb'"),
        ("-5", "is not a number"),
        ("0t", "must be positive"),
        (True, "is not a number"),
    ])
    def test_parse_quantity_refuses_what_is_not_whole_positive_kilograms(self, text, message):
        with pytest.raises(UnitError, match=message):
            parse_quantity(text)

    def test_format_quantity_prints_tonnes_when_large_and_kilograms_when_small(self):
        assert format_quantity(1_500_000) == "1,500 t"
        assert format_quantity(1_500) == "1.5 t"
        assert format_quantity(750) == "750 kg"

    @pytest.mark.parametrize("value", [1.5, "10", True, 0, -1, 10**16])
    def test_contract_quantities_are_positive_integers_only(self, value):
        with pytest.raises(InvalidInput, match="quantity"):
            require_quantity("quantity", value)

    @pytest.mark.parametrize("value", [1989, 2201, 2025.0, "2025", None])
    def test_years_are_integers_in_a_plausible_range(self, value):
        with pytest.raises(InvalidInput, match="vintage must be a year"):
            require_year("vintage", value)


class TestParameters:
    def test_defaults_apply_only_while_the_ledger_has_no_value(self):
        assert load_rules(lambda name, default: default).pollutants == tuple(DEFAULTS["pollutants"])
        assert rules_with(pollutants=["SO2"]).pollutants == ("SO2",)

    def test_default_pollutant_list_is_the_six_of_the_brief(self):
        assert DEFAULTS["pollutants"] == ["SO2", "NOx", "COD", "NH3-N", "VOCs", "PM"]


class TestTradeScope:
    RULES = rules_with(air_basin={"BJ": "jjj", "HB": "jjj", "SX": "fenwei"},
                       river_basin={"BJ": "haihe", "HB": "haihe", "SX": "yellow"})

    def test_trades_inside_one_region_need_no_approval_and_ignore_basins(self):
        scope.check_trade_scope("SO2", "SX", "SX", rules_with(import_barred_regions=["SX"]))
        assert scope.approving_regions("BJ", "BJ") == ()

    def test_cross_region_trades_need_both_regulators(self):
        assert scope.approving_regions("HB", "BJ") == ("BJ", "HB")

    def test_air_pollutants_cross_regions_within_one_air_basin(self):
        scope.check_trade_scope("SO2", "BJ", "HB", self.RULES)
        with pytest.raises(Conflict, match="SO2 allowances trade only within one air basin: region BJ is in "
                                           "basin 'jjj' and region SX in basin 'fenwei'"):
            scope.check_trade_scope("SO2", "BJ", "SX", self.RULES)

    def test_water_pollutants_cross_regions_within_one_river_basin(self):
        scope.check_trade_scope("COD", "HB", "BJ", self.RULES)
        with pytest.raises(Conflict, match="COD allowances trade only within one river basin"):
            scope.check_trade_scope("COD", "SX", "BJ", self.RULES)

    def test_a_region_missing_from_the_basin_map_is_a_basin_of_its_own(self):
        with pytest.raises(Conflict, match="region TJ in no basin"):
            scope.check_trade_scope("NOx", "BJ", "TJ", self.RULES)

    def test_an_import_barred_region_cannot_buy_from_another_region(self):
        barred = rules_with(air_basin={"BJ": "jjj", "HB": "jjj"}, import_barred_regions=["HB"])
        with pytest.raises(Conflict, match="region HB is barred from importing allowances"):
            scope.check_trade_scope("SO2", "BJ", "HB", barred)
        scope.check_trade_scope("SO2", "HB", "BJ", barred)

    def test_a_pollutant_in_neither_medium_cannot_cross_regions(self):
        with pytest.raises(Conflict, match="CO2 is in neither air_pollutants nor water_pollutants"):
            scope.check_trade_scope("CO2", "BJ", "HB", rules_with(pollutants=["CO2"]))

    def test_unknown_pollutants_are_refused_naming_the_known_ones(self):
        with pytest.raises(InvalidInput, match="pollutant 'CO2' is not one of SO2, NOx, COD, NH3-N, VOCs, PM"):
            scope.require_pollutant("CO2", rules_with())


class TestAccess:
    REGION = {"msp_id": "BJMSP", "code": "BJ", "name": "Beijing", "kind": "region"}
    COORDINATION = {"msp_id": "COMSP", "code": "CO", "name": "Office", "kind": "coordinator"}
    CODE = credit_code.complete("91110000MA01BJ001")

    def caller(self, msp="BJMSP", **attrs):
        return Caller(msp_id=msp, name="someone", attrs=attrs)

    def test_a_regulator_acts_for_the_region_its_organization_runs(self):
        assert access.regulator_region(self.caller(role="regulator", region="BJ"), self.REGION, "Permit:Issue") == "BJ"

    def test_an_enterprise_is_told_that_role_regulator_is_required(self):
        with pytest.raises(AccessDenied, match="role 'regulator' is required for Permit:Issue; "
                                               "someone@BJMSP has role 'enterprise'"):
            access.regulator_region(self.caller(role="enterprise"), self.REGION, "Permit:Issue")

    def test_a_regulator_whose_region_attribute_differs_from_its_organization_is_refused(self):
        with pytest.raises(AccessDenied, match="has region attribute 'HB', but BJMSP runs region BJ"):
            access.regulator_region(self.caller(role="regulator", region="HB"), self.REGION, "Permit:Issue")

    def test_the_coordinator_organization_does_not_regulate(self):
        with pytest.raises(AccessDenied, match="coordinator organization, which reads but does not regulate"):
            access.regulator_region(self.caller("COMSP", role="regulator", region="CO"), self.COORDINATION, "F")

    def test_an_enterprise_certificate_must_carry_a_valid_credit_code(self):
        with pytest.raises(AccessDenied, match="is not a valid unified social credit code"):
            enterprise_rules.caller_entity(self.caller(role="enterprise", entity="E-0042"), "Market:Buy")
        assert enterprise_rules.caller_entity(self.caller(role="enterprise", entity=self.CODE), "Market:Buy") == self.CODE

    def test_an_enterprise_certificate_must_match_the_registered_region_and_organization(self):
        record = {"entity": self.CODE, "region": "BJ", "msp_id": "BJMSP"}
        enterprise_rules.check_enterprise_caller(self.caller(role="enterprise", entity=self.CODE, region="BJ"), record)
        with pytest.raises(AccessDenied, match=f"enterprise {self.CODE} is not registered in region HB"):
            enterprise_rules.check_enterprise_caller(self.caller(role="enterprise", entity=self.CODE, region="HB"), record)
        with pytest.raises(AccessDenied, match="must act through organization BJMSP, not HBMSP"):
            enterprise_rules.check_enterprise_caller(self.caller("HBMSP", role="enterprise", entity=self.CODE, region="BJ"),
                                           record)
        with pytest.raises(AccessDenied, match="is not registered; the regulator of its region registers it"):
            enterprise_rules.check_enterprise_caller(self.caller(role="enterprise", entity=self.CODE, region="BJ"), None)

    def test_viewers_see_all_their_region_or_their_own(self):
        lot = {"owner": "A", "owner_region": "HB", "issuing_region": "BJ"}
        concerns = {"regions": (lot["owner_region"], lot["issuing_region"]), "parties": (lot["owner"],)}
        assert access.Viewer("coordinator").sees(**concerns)
        assert access.Viewer("regulator", region="BJ").sees(**concerns)  # issued there
        assert access.Viewer("regulator", region="HB").sees(**concerns)  # held there
        assert not access.Viewer("regulator", region="TJ").sees(**concerns)
        assert access.Viewer("enterprise", region="HB", entity="A").sees(**concerns)
        assert not access.Viewer("enterprise", region="HB", entity="B").sees(**concerns)


class TestLots:
    def issued(self, quantity=1000):
        return lots.issue("L-1", pollutant="SO2", vintage=2025, region="BJ", owner="A", quantity=quantity,
                          stamp=STAMP)

    def test_an_issued_lot_is_its_own_root_and_records_issuance(self):
        lot = self.issued()
        assert (lot["root"], lot["parent"], lot["status"], lot["owner_region"]) == ("L-1", None, "held", "BJ")
        assert [entry["action"] for entry in lot["provenance"]] == ["issued"]
        assert lot["provenance"][0]["tx_id"] == "tx1"

    def test_moving_a_whole_lot_keeps_its_id(self):
        carved = lots.carve(self.issued(), 1000, child_id="L-2", stamp=stamp("tx2"), action="escrowed",
                            changes={"status": "escrowed", "offer": "O-1"})
        assert carved.rest is None
        assert carved.moved["id"] == "L-1"
        assert carved.moved["status"] == "escrowed"

    def test_moving_part_of_a_lot_splits_it_and_the_child_remembers_its_parent(self):
        carved = lots.carve(self.issued(), 300, child_id="L-2", stamp=stamp("tx2"), action="escrowed",
                            changes={"status": "escrowed"})
        assert carved.rest["quantity"] == 700
        assert carved.rest["provenance"][-1]["action"] == "split"
        assert carved.rest["provenance"][-1]["child"] == "L-2"
        child = carved.moved
        assert (child["id"], child["quantity"], child["parent"], child["root"]) == ("L-2", 300, "L-1", "L-1")
        assert child["provenance"][0]["split_from"] == "L-1"

    def test_carving_more_than_the_lot_holds_is_a_programming_error(self):
        with pytest.raises(ValueError):
            lots.carve(self.issued(), 1001, child_id="L-2", stamp=STAMP, action="x", changes={})

    def test_take_draws_lots_in_order_and_the_last_in_part(self):
        a, b = {"id": "a", "quantity": 5}, {"id": "b", "quantity": 5}
        assert lots.take([a, b], 7) == [(a, 5), (b, 2)]
        with pytest.raises(ValueError):
            lots.take([a], 6)

    def test_a_split_child_records_its_depth_and_the_parent_entry_that_created_it(self):
        root = {**self.issued(), "entries": 4, "provenance": []}  # four entries already on the ledger
        first = lots.carve(root, 600, child_id="L-2", stamp=stamp("tx2"), action="escrowed",
                           changes={"status": "escrowed"})
        assert first.moved["depth"] == 1 and first.moved["parent_entry"] == 4
        assert first.rest["provenance"][-1] == {**first.rest["provenance"][-1], "action": "split", "child": "L-2"}
        second = lots.carve(first.moved, 200, child_id="L-3", stamp=stamp("tx3"), action="transferred",
                            changes={"status": "held", "owner": "B"})
        assert second.moved["depth"] == 2
        assert second.moved["parent_entry"] == 1  # L-2's own entry 0 is "escrowed", entry 1 the split
        assert second.moved["root"] == "L-1"

    def test_totals_count_issuance_once_and_every_unit_where_it_is_now(self):
        root = self.issued(1000)
        escrowed = lots.carve(root, 400, child_id="L-2", stamp=STAMP, action="e", changes={"status": "escrowed"})
        retired = lots.carve(escrowed.rest, 100, child_id="L-3", stamp=STAMP, action="r",
                             changes={"status": "retired"})
        pending = lots.carve(escrowed.moved, 50, child_id="L-4", stamp=STAMP, action="p",
                             changes={"status": "pending"})
        rows = lots.totals([retired.rest, retired.moved, pending.rest, pending.moved])
        assert rows == [{"pollutant": "SO2", "vintage": 2025, "issued": 1000, "held": 500, "escrowed": 400,
                         "retired": 100, "balanced": True}]


class TestRules:
    def test_banking_is_allowed_and_borrowing_is_not(self):
        lot = {"status": "held", "frozen": None, "vintage": 2024}
        assert rules.surrenderable(lot, 2024)
        assert rules.surrenderable(lot, 2025)
        assert not rules.surrenderable(lot, 2023)

    def test_a_frozen_enterprise_is_refused_naming_it_and_the_reason(self):
        with pytest.raises(Conflict, match="enterprise X is frozen by the regulator of region BJ "
                                           r"\(audit\); it cannot buy allowances"):
            enterprise_rules.check_not_frozen({"entity": "X", "region": "BJ", "frozen": {"reason": "audit"}}, "buy allowances")

    def test_red_credit_keeps_an_enterprise_out_of_the_market(self):
        credit.check_market_access("X", None, ["red"], "buy allowances")
        credit.check_market_access("X", "yellow", ["red"], "buy allowances")
        with pytest.raises(Conflict, match=r"enterprise X is red \(不良\): it may not buy allowances"):
            credit.check_market_access("X", "red", ["red"], "buy allowances")
        with pytest.raises(Conflict, match=r"enterprise X is red \(不良\) since 2026-05-02: it may not list offers "
                                           r"\(joint punishment of green-credit level red, parameter "
                                           r"credit_market_barred\)"):
            credit.check_market_access("X", {"level": "red", "since": {"date": "2026-05-02"}}, ["red"],
                                       "list offers")

    def test_shortfalls_name_the_frozen_lots_left_out(self):
        candidates = [{"id": "L-A", "quantity": 100, "frozen": None},
                      {"id": "L-B", "quantity": 500, "frozen": {"reason": "x"}}]
        rules.check_enough("X", "SO2", 100, candidates)
        with pytest.raises(Conflict, match=r"holds 100 kg of SO2 available, 200 kg needed; not counted: "
                                           r"lot L-B is frozen \(500 kg\)"):
            rules.check_enough("X", "SO2", 200, candidates)

    def test_a_buyer_cannot_buy_its_own_offer_or_more_than_remains(self):
        offer = {"id": "O-1", "status": "open", "seller": "S", "remaining": 10}
        market_rules.check_buy(offer, "B", 10)
        with pytest.raises(Conflict, match="enterprise S cannot buy its own offer O-1"):
            market_rules.check_buy(offer, "S", 1)
        with pytest.raises(Conflict, match="offer O-1 has 10 kg available, 11 kg requested"):
            market_rules.check_buy(offer, "B", 11)
        with pytest.raises(Conflict, match="offer O-1 is cancelled"):
            market_rules.check_buy({**offer, "status": "cancelled"}, "B", 1)

    def test_an_offer_closes_when_nothing_remains_or_awaits_approval(self):
        assert market_rules.offer_status_after({"status": "open", "remaining": 0, "pending": 0}) == "closed"
        assert market_rules.offer_status_after({"status": "open", "remaining": 0, "pending": 5}) == "open"
        assert market_rules.offer_status_after({"status": "cancelled", "remaining": 0, "pending": 0}) == "cancelled"


class TestPricesAndStamps:
    def test_the_public_hash_is_sha256_of_salt_then_price(self):
        import hashlib
        assert prices.price_hash("pepper-pepper-16", 250) == hashlib.sha256(b"pepper-pepper-16250").hexdigest()

    def test_the_price_comes_from_the_transient_map(self):
        assert prices.price_from_transient({"price": b"250", "salt": b"s" * 16}, "F") == (250, "s" * 16)

    @pytest.mark.parametrize("transient, message", [
        ({}, "F needs the transient field(s) price, salt"),
        ({"price": b"2.5", "salt": b"s" * 16}, "whole number of fen per kg"),
        ({"price": b"-1", "salt": b"s" * 16}, "whole number of fen per kg"),
        ({"price": b"250", "salt": b"short"}, "salt must be 16 to 256 characters"),
    ])
    def test_malformed_private_prices_are_refused(self, transient, message):
        with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
            prices.price_from_transient(transient, "F")

    def test_the_private_record_carries_the_amount(self):
        record = prices.price_record("trade", "T-1", 250, "s" * 16, 2000)
        assert record["amount"] == 500_000
        assert record["hash"] == prices.price_hash("s" * 16, 250)

    def test_ids_derive_from_the_transaction_id_only(self):
        first, again = IdSequence("abc"), IdSequence("abc")
        ids = [first.next("L"), first.next("L")]
        assert ids == [again.next("L"), again.next("L")]
        assert ids[0] != ids[1]
        assert ids[0].startswith("L-") and len(ids[0]) == 18

    def test_timestamps_are_utc_iso_strings_with_milliseconds(self):
        assert iso_time(1_767_225_600.25) == "2026-01-01T00:00:00.250Z"
