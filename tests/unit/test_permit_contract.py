"""Permit contract on the in-memory ledger: issuance, surrender, lot freezing, queries."""

from __future__ import annotations

import pytest

from test_permit_world import (
    BJ_POWER, BJ_STEEL, COORDINATOR, COORDINATOR_OFFICIAL, ENTERPRISE, HB_CEMENT, REGULATOR, TJ_CHEMICAL,
    UNREGISTERED, priced,
)


class TestIssue:
    def test_a_regulator_issues_a_lot_with_a_unique_id_to_an_enterprise_of_its_region(self, world):
        lot = world.issue(BJ_STEEL, 10_000)

        assert lot["id"].startswith("L-")
        assert {k: lot[k] for k in ("pollutant", "vintage", "issuing_region", "owner", "owner_region", "quantity",
                                    "status", "parent", "root")} == {
            "pollutant": "SO2", "vintage": 2025, "issuing_region": "BJ", "owner": BJ_STEEL, "owner_region": "BJ",
            "quantity": 10_000, "status": "held", "parent": None, "root": lot["id"]}
        assert world.lot(lot["id"]) == lot
        assert world.key("lot~held", BJ_STEEL, "SO2", 2025, lot["id"]) in world.ledger.state
        assert world.ledger.events == [("AllowanceIssued", {
            "lot": lot["id"], "entity": BJ_STEEL, "region": "BJ", "pollutant": "SO2", "vintage": 2025,
            "quantity": 10_000, "tx_id": lot["created_tx"]})]

    def test_two_issuances_get_different_ids_derived_from_their_transactions(self, world):
        assert world.issue(BJ_STEEL, 1)["id"] != world.issue(BJ_STEEL, 1)["id"]

    def test_issuing_to_an_enterprise_of_another_region_is_refused_naming_it(self, world):
        world.refused(REGULATOR["HB"], "Permit:Issue", f"enterprise {BJ_STEEL} is not registered in region HB",
                      entity=BJ_STEEL, pollutant="SO2", vintage=2025, quantity=100)

    def test_issuing_to_an_unregistered_enterprise_is_refused(self, world):
        world.refused(REGULATOR["BJ"], "Permit:Issue", f"enterprise {UNREGISTERED} is not registered",
                      entity=UNREGISTERED, pollutant="SO2", vintage=2025, quantity=100)

    @pytest.mark.parametrize("args, message", [
        ({"pollutant": "CO2"}, "pollutant 'CO2' is not one of SO2, NOx, COD, NH3-N, VOCs, PM"),
        ({"quantity": 0}, "quantity must be positive, got 0"),
        ({"quantity": 12.5}, "quantity must be a whole number of kilograms, got 12.5"),
        ({"quantity": "1000t"}, "quantity must be a whole number of kilograms"),
        ({"vintage": "2025"}, "vintage must be a year"),
        ({"entity": "91110000MA01BJ0010"}, "is not a valid unified social credit code"),
    ])
    def test_malformed_issuance_is_refused(self, world, args, message):
        call = {"entity": BJ_STEEL, "pollutant": "SO2", "vintage": 2025, "quantity": 100, **args}
        world.refused(REGULATOR["BJ"], "Permit:Issue", message, **call)

    def test_the_pollutant_list_is_a_ledger_parameter(self, world):
        world.set_parameter("pollutants", ["SO2", "Hg"])
        assert world.issue(BJ_STEEL, 5, pollutant="Hg")["pollutant"] == "Hg"
        world.refused(REGULATOR["BJ"], "Permit:Issue", "pollutant 'NOx' is not one of SO2, Hg",
                      entity=BJ_STEEL, pollutant="NOx", vintage=2025, quantity=100)

    def test_the_coordinator_cannot_issue(self, world):
        world.refused(COORDINATOR_OFFICIAL, "Permit:Issue", "role 'regulator' of a region organization is required "
                      "for Permit:Issue", entity=BJ_STEEL, pollutant="SO2", vintage=2025, quantity=100)

    def test_unknown_arguments_are_refused_by_name(self, world):
        world.refused(REGULATOR["BJ"], "Permit:Issue", "unknown field(s) tonnes", entity=BJ_STEEL, pollutant="SO2",
                      vintage=2025, quantity=100, tonnes=1)


class TestSurrender:
    def test_surrender_retires_the_oldest_vintages_first_and_splits_the_last_lot(self, world):
        old = world.issue(HB_CEMENT, 300, vintage=2023)
        new = world.issue(HB_CEMENT, 1_000, vintage=2025)

        record = world.ok(ENTERPRISE[HB_CEMENT], "Permit:Surrender", pollutant="SO2", year=2025, quantity=800)

        assert record["id"].startswith("S-")
        assert (record["entity"], record["region"], record["quantity"], record["year"]) == (HB_CEMENT, "HB", 800, 2025)
        assert [(part["vintage"], part["quantity"]) for part in record["lots"]] == [(2023, 300), (2025, 500)]
        assert world.lot(old["id"])["status"] == "retired"
        assert world.lot(new["id"])["quantity"] == 500
        retired_child = world.lot(record["lots"][1]["lot"])
        assert (retired_child["status"], retired_child["parent"], retired_child["surrender"]) == (
            "retired", new["id"], record["id"])
        assert world.state_json(world.key("surrender", record['id'])) == record
        assert world.state_json(world.key("surrendered", HB_CEMENT, "SO2", 2025))["quantity"] == 800
        assert world.event_names()[-1] == "AllowancesSurrendered"
        world.assert_invariants()

    def test_banking_counts_but_borrowing_from_a_later_vintage_does_not(self, world):
        world.issue(HB_CEMENT, 1_000, vintage=2026)
        world.refused(ENTERPRISE[HB_CEMENT], "Permit:Surrender", f"enterprise {HB_CEMENT} holds 0 kg of SO2 of "
                      "vintage ≤ 2025 available, 100 kg needed", pollutant="SO2", year=2025, quantity=100)
        assert world.ok(ENTERPRISE[HB_CEMENT], "Permit:Surrender", pollutant="SO2", year=2027,
                        quantity=100)["quantity"] == 100

    def test_a_vintage_narrows_the_surrender_to_lots_of_that_vintage(self, world):
        world.issue(HB_CEMENT, 300, vintage=2023)
        chosen = world.issue(HB_CEMENT, 1_000, vintage=2024)
        record = world.ok(ENTERPRISE[HB_CEMENT], "Permit:Surrender", pollutant="SO2", year=2025, quantity=400,
                          vintage=2024)
        assert [(part["vintage"], part["quantity"]) for part in record["lots"]] == [(2024, 400)]
        assert world.lot(chosen["id"])["quantity"] == 600
        world.refused(ENTERPRISE[HB_CEMENT], "Permit:Surrender", f"enterprise {HB_CEMENT} holds 600 kg of SO2 of "
                      "vintage 2024 available, 700 kg needed", pollutant="SO2", year=2025, quantity=700, vintage=2024)
        world.assert_invariants()

    def test_a_vintage_later_than_the_emission_year_is_refused(self, world):
        world.issue(HB_CEMENT, 1_000, vintage=2026)
        world.refused(ENTERPRISE[HB_CEMENT], "Permit:Surrender", "allowances of vintage 2026 cannot be surrendered "
                      "for emission year 2025", pollutant="SO2", year=2025, quantity=100, vintage=2026)
        world.refused(ENTERPRISE[HB_CEMENT], "Permit:Surrender", "vintage must be a year between 1990 and 2200",
                      pollutant="SO2", year=2025, quantity=100, vintage="2024")

    def test_retired_units_can_never_be_used_again(self, world):
        world.issue(HB_CEMENT, 100)
        world.ok(ENTERPRISE[HB_CEMENT], "Permit:Surrender", pollutant="SO2", year=2025, quantity=100)
        world.refused(ENTERPRISE[HB_CEMENT], "Permit:Surrender", "holds 0 kg", pollutant="SO2", year=2025,
                      quantity=1)
        world.refused(ENTERPRISE[HB_CEMENT], "Market:ListOffer", "holds 0 kg", transient=priced(250),
                      pollutant="SO2", vintage=2025, quantity=1)

    def test_surrender_totals_accumulate_per_emission_year(self, world):
        world.issue(HB_CEMENT, 1_000)
        for quantity in (100, 250):
            world.ok(ENTERPRISE[HB_CEMENT], "Permit:Surrender", pollutant="SO2", year=2025, quantity=quantity)
        total = world.state_json(world.key("surrendered", HB_CEMENT, "SO2", 2025))
        assert total["quantity"] == 350
        assert total["surrenders"] == 2
        assert len(world.query(REGULATOR["HB"], "Permit:Surrenders", entity=HB_CEMENT)) == 2
        assert world.query(REGULATOR["BJ"], "Permit:Surrenders") == []

    def test_a_frozen_enterprise_cannot_surrender(self, world):
        world.issue(HB_CEMENT, 100)
        world.ok(REGULATOR["HB"], "Enterprise:Freeze", entity=HB_CEMENT, reason="inspection")
        world.refused(ENTERPRISE[HB_CEMENT], "Permit:Surrender", f"enterprise {HB_CEMENT} is frozen by the "
                      "regulator of region HB (inspection); it cannot surrender allowances",
                      pollutant="SO2", year=2025, quantity=10)


class TestLotFreeze:
    def test_a_frozen_lot_is_left_out_of_surrender_and_listing_and_the_refusal_names_it(self, world):
        lot = world.issue(BJ_STEEL, 1_000)
        frozen = world.ok(REGULATOR["BJ"], "Permit:Freeze", lot_id=lot["id"], reason="disputed")
        assert frozen["frozen"]["reason"] == "disputed"
        assert world.event_names()[-1] == "LotFrozen"

        world.refused(ENTERPRISE[BJ_STEEL], "Permit:Surrender", f"lot {lot['id']} is frozen (1000 kg)",
                      pollutant="SO2", year=2025, quantity=10)
        world.refused(ENTERPRISE[BJ_STEEL], "Market:ListOffer", f"lot {lot['id']} is frozen", transient=priced(250),
                      pollutant="SO2", vintage=2025, quantity=10)

        world.ok(REGULATOR["BJ"], "Permit:Unfreeze", lot_id=lot["id"], reason="settled")
        assert world.ok(ENTERPRISE[BJ_STEEL], "Permit:Surrender", pollutant="SO2", year=2025,
                        quantity=10)["quantity"] == 10

    def test_only_the_regulator_where_the_lot_is_held_freezes_it(self, world):
        lot = world.issue(BJ_STEEL, 1_000)
        world.refused(REGULATOR["HB"], "Permit:Freeze", f"lot {lot['id']} is held in region BJ, not in region HB",
                      lot_id=lot["id"], reason="x")

    def test_freezing_twice_or_an_escrowed_lot_is_refused(self, world):
        lot = world.issue(BJ_STEEL, 1_000)
        world.ok(REGULATOR["BJ"], "Permit:Freeze", lot_id=lot["id"], reason="a")
        world.refused(REGULATOR["BJ"], "Permit:Freeze", f"lot {lot['id']} is already frozen (a)", lot_id=lot["id"],
                      reason="b")
        other = world.issue(BJ_STEEL, 500, vintage=2024)
        world.list_offer(BJ_STEEL, 500, vintage=2024)
        world.refused(REGULATOR["BJ"], "Permit:Freeze", f"lot {other['id']} is escrowed; only held lots can be "
                      "frozen", lot_id=other["id"], reason="c")
        world.refused(REGULATOR["BJ"], "Permit:Unfreeze", f"lot {other['id']} is not frozen", lot_id=other["id"],
                      reason="c")

    def test_an_unknown_lot_is_named(self, world):
        world.refused(REGULATOR["BJ"], "Permit:Freeze", "lot L-0000000000000000 does not exist",
                      lot_id="L-0000000000000000", reason="x")


class TestQueries:
    @pytest.fixture
    def lots(self, world):
        return {
            "steel": world.issue(BJ_STEEL, 1_000),
            "steel_cod": world.issue(BJ_STEEL, 50, pollutant="COD", vintage=2024),
            "power": world.issue(BJ_POWER, 2_000),
            "cement": world.issue(HB_CEMENT, 3_000),
        }

    def ids(self, rows):
        return sorted(row["id"] for row in rows)

    def test_an_enterprise_lists_its_own_lots_only(self, world, lots):
        rows = world.query(ENTERPRISE[BJ_STEEL], "Permit:Lots")
        assert self.ids(rows) == sorted([lots["steel"]["id"], lots["steel_cod"]["id"]])
        assert all("provenance" not in row for row in rows)
        assert self.ids(world.query(ENTERPRISE[BJ_STEEL], "Permit:Lots", pollutant="COD")) == [lots["steel_cod"]["id"]]
        world.query_refused(ENTERPRISE[BJ_STEEL], "Permit:Lots", f"enterprise {BJ_STEEL} may read its own lots "
                            f"only, not those of {BJ_POWER}", owner=BJ_POWER)

    def test_a_regulator_lists_its_region_and_the_coordinator_everything(self, world, lots):
        assert self.ids(world.query(REGULATOR["BJ"], "Permit:Lots")) == sorted(
            lots[name]["id"] for name in ("steel", "steel_cod", "power"))
        assert self.ids(world.query(REGULATOR["BJ"], "Permit:Lots", owner=BJ_POWER)) == [lots["power"]["id"]]
        assert self.ids(world.query(REGULATOR["TJ"], "Permit:Lots")) == []
        assert len(world.query(COORDINATOR, "Permit:Lots")) == 4
        assert self.ids(world.query(COORDINATOR, "Permit:Lots", region="HB")) == [lots["cement"]["id"]]

    def test_show_returns_provenance_within_data_permission(self, world, lots):
        shown = world.query(ENTERPRISE[BJ_STEEL], "Permit:Show", lot_id=lots["steel"]["id"])
        assert shown["provenance"][0]["action"] == "issued"
        world.query_refused(ENTERPRISE[BJ_STEEL], "Permit:Show", f"lot {lots['power']['id']} is outside the data "
                            "permission of bj-steel@BJMSP", lot_id=lots["power"]["id"])
        world.query_refused(REGULATOR["HB"], "Permit:History", "outside the data permission",
                            lot_id=lots["steel"]["id"])

    def test_lot_ids_are_checked_before_lookup(self, world):
        world.query_refused(REGULATOR["BJ"], "Permit:Show", "lot_id must be an id like L-", lot_id="O-1")

    def test_holdings_sum_per_owner_pollutant_and_vintage(self, world, lots):
        world.list_offer(BJ_STEEL, 400)
        rows = world.query(ENTERPRISE[BJ_STEEL], "Permit:Holdings")
        assert [(r["pollutant"], r["vintage"], r["held"], r["escrowed"]) for r in rows] == [
            ("COD", 2024, 50, 0), ("SO2", 2025, 600, 400)]

    def test_totals_are_for_regulators_of_their_region_and_the_coordinator(self, world, lots):
        assert world.query(REGULATOR["HB"], "Permit:Totals") == [
            {"pollutant": "SO2", "vintage": 2025, "issued": 3_000, "held": 3_000, "escrowed": 0, "retired": 0,
             "balanced": True}]
        assert [(r["pollutant"], r["issued"]) for r in world.query(COORDINATOR, "Permit:Totals")] == [
            ("COD", 50), ("SO2", 6_000)]
        world.query_refused(REGULATOR["HB"], "Permit:Totals", "the regulator of region HB may not read totals of "
                            "region BJ", region="BJ")
        world.query_refused(ENTERPRISE[TJ_CHEMICAL], "Permit:Totals", "role 'regulator' (or an identity of the "
                            "coordinator organization) is required for Permit:Totals")
