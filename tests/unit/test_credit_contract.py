"""Credit contract on the in-memory ledger: levels from violations, explain, list, repair, board, market."""

from __future__ import annotations

import hashlib

import pytest

from monitoring_world import MN_STEEL_AIR, details, entry, hours, mworld  # noqa: F401  (mworld is a fixture)
from test_permit_world import (
    BJ_POWER, BJ_STEEL, COORDINATOR, COORDINATOR_OFFICIAL, ENTERPRISE, HB_CEMENT, NO_ROLE, OUTSIDER, REGULATOR, TJ_CHEMICAL,
    UNREGISTERED, priced,
)

DAY = 86_400
EVIDENCE = {"sha256": hashlib.sha256(b"rectification report").hexdigest(), "size": 21, "name": "fix.pdf"}
READERS = [REGULATOR["BJ"], REGULATOR["HB"], REGULATOR["TJ"], COORDINATOR, ENTERPRISE[HB_CEMENT]]


def finding(world, entity=BJ_STEEL, region="BJ", kind="inspection_finding", severity="general"):
    return world.ok(REGULATOR[region], "Violation:Record", entity=entity, kind=kind, severity=severity,
                    evidence=f"{kind} found on site")


def show(world, entity=BJ_STEEL, who=None):
    return world.query(who or REGULATOR["BJ"], "Credit:Show", entity=entity)


def stored(world, entity=BJ_STEEL):
    return world.state_json(world.key("credit", entity))


def later(world, days):
    world.ledger.clock += days * DAY


class TestLevels:
    def test_an_enterprise_without_facts_is_green_since_its_registration(self, world):
        result = show(world)
        assert {k: result[k] for k in ("entity", "name", "region", "level", "level_name", "points", "veto")} == {
            "entity": BJ_STEEL, "name": "Beijing Steel Works", "region": "BJ", "level": "green",
            "level_name": "诚信", "points": 0, "veto": []}
        assert result["since"]["date"] == "2026-01-01"
        assert result["thresholds"] == {"blue_max": 3, "red_from": 12} and result["window_days"] == 365
        assert stored(world) is None

    def test_findings_move_the_level_in_the_transaction_that_records_them(self, world):
        first = finding(world)
        assert (stored(world)["level"], stored(world)["points"]) == ("blue", 2)
        assert stored(world)["updated"]["tx_id"] == first["tx_id"]
        finding(world, severity="serious")
        assert (stored(world)["level"], stored(world)["points"]) == ("yellow", 6)
        assert stored(world)["since"]["tx_id"] != first["tx_id"]
        veto = finding(world, kind="hidden_discharge_pipe", severity="severe")
        result = show(world)
        assert (result["level"], result["level_name"], result["points"], result["veto"]) == (
            "red", "不良", 18, [veto["id"]])
        assert result["since"]["tx_id"] == veto["tx_id"]

    def test_every_region_and_every_reader_reads_the_same_level(self, world):
        finding(world, severity="serious")
        results = [show(world, who=who) for who in READERS]
        assert all(r == results[0] for r in results) and results[0]["level"] == "yellow"

    def test_a_dismissal_lowers_the_level_in_the_same_transaction(self, world):
        violation = finding(world, kind="environmental_crime", severity="severe")
        assert stored(world)["level"] == "red"
        world.ok(REGULATOR["BJ"], "Violation:Resolve", violation_id=violation["id"], reason="wrong enterprise",
                 outcome="dismissed")
        assert (stored(world)["level"], stored(world)["points"]) == ("green", 0)

    def test_an_upheld_resolution_keeps_the_points(self, world):
        violation = finding(world)
        world.ok(REGULATOR["BJ"], "Violation:Resolve", violation_id=violation["id"], reason="fined")
        assert show(world)["points"] == 2

    def test_a_monitoring_exceedance_rates_the_enterprise_in_the_reporting_transaction(self, mworld):
        day = "2025-06-01"
        means = [20_000] * 24
        means[5] = 40_000
        result = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, day,
                               details(entry("a21026", 1_000, hours(day, means))))
        [violation_id] = result["violations"]
        standing = mworld.world.state_json(mworld.world.key("credit", BJ_STEEL))
        assert (standing["level"], standing["points"]) == ("blue", 2)
        explained = mworld.query(REGULATOR["HB"], "Credit:Explain", entity=BJ_STEEL)
        assert [(f["violation"], f["kind"], f["source"], f["points"]) for f in explained["facts"]] == [
            (violation_id, "concentration_exceedance", "monitoring", 2)]

    def test_facts_leave_the_window_and_the_level_follows_without_a_write(self, world):
        finding(world, kind="unapproved_construction", severity="severe")
        later(world, 364)
        assert show(world)["level"] == "red"
        later(world, 1)
        before = dict(world.ledger.state)
        result = show(world)
        assert (result["level"], result["points"], result["veto"]) == ("green", 0, [])
        assert result["since"] == {"tx_id": None, "at": stored(world)["valid_until"], "date": "2027-01-01"}
        assert world.ledger.state == before
        assert world.query(REGULATOR["BJ"], "Credit:Explain", entity=BJ_STEEL)["facts"] == []

    def test_a_changed_scoring_parameter_applies_at_once(self, world):
        finding(world, severity="serious")
        assert show(world)["level"] == "yellow"
        world.set_parameter("credit_thresholds", {"blue_max": 5, "red_from": 12})
        assert show(world)["level"] == "blue"
        world.set_parameter("credit_points", {"*": {"minor": 1, "general": 2, "serious": 20, "severe": 20}})
        assert (show(world)["level"], show(world)["points"]) == ("red", 20)

    def test_refusals_name_the_problem(self, world):
        world.query_refused(REGULATOR["BJ"], "Credit:Show", f"enterprise {UNREGISTERED} is not registered",
                            entity=UNREGISTERED)
        world.query_refused(REGULATOR["BJ"], "Credit:Show", "is not a valid unified social credit code",
                            entity="nope")
        world.query_refused(NO_ROLE, "Credit:Show", "role 'regulator' or 'enterprise'", entity=BJ_STEEL)
        world.query_refused(OUTSIDER, "Credit:Explain", "organization SHMSP is not a registered consortium member",
                            entity=BJ_STEEL)


class TestExplain:
    def test_every_fact_with_its_points_state_and_end_without_evidence(self, world):
        kept = finding(world, severity="serious")
        dismissed = finding(world)
        world.ok(REGULATOR["BJ"], "Violation:Resolve", violation_id=dismissed["id"], reason="no", outcome="dismissed")
        result = world.query(ENTERPRISE[TJ_CHEMICAL], "Credit:Explain", entity=BJ_STEEL)
        assert (result["level"], result["points"]) == ("yellow", 4)
        assert [(f["violation"], f["state"], f["points"], f["table_points"], f["counts_until"][:10])
                for f in result["facts"]] == [
            (kept["id"], "counting", 4, 4, "2027-01-01"), (dismissed["id"], "dismissed", 0, 2, "2027-01-01")]
        assert all("evidence" not in fact for fact in result["facts"])
        assert sum(fact["points"] for fact in result["facts"]) == result["points"]


class TestList:
    def test_by_region_and_level_through_the_indexes(self, world):
        finding(world, kind="environmental_crime", severity="severe")
        finding(world, entity=HB_CEMENT, region="HB", severity="serious")
        rows = world.query(COORDINATOR, "Credit:List")
        assert {(r["entity"], r["level"]) for r in rows} == {(BJ_STEEL, "red"), (BJ_POWER, "green"),
                                                             (HB_CEMENT, "yellow"), (TJ_CHEMICAL, "green")}
        assert [r["entity"] for r in world.query(REGULATOR["TJ"], "Credit:List", level="red")] == [BJ_STEEL]
        assert world.query(REGULATOR["TJ"], "Credit:List", level="red", region="HB") == []
        assert [r["entity"] for r in world.query(REGULATOR["TJ"], "Credit:List", region="BJ", level="green")] == [
            BJ_POWER]
        assert [r["entity"] for r in world.query(ENTERPRISE[BJ_POWER], "Credit:List", region="HB")] == [HB_CEMENT]

    def test_pages_follow_the_bookmark(self, world):
        first = world.page(COORDINATOR, "Credit:List", limit=3)
        assert (len(first["items"]), first["more"]) == (3, True)
        rest = world.page(COORDINATOR, "Credit:List", limit=3, bookmark=first["bookmark"])
        assert (len(rest["items"]), rest["more"]) == (1, False)

    def test_a_stale_index_entry_is_not_listed_under_its_old_level(self, world):
        finding(world, kind="environmental_crime", severity="severe")
        later(world, 366)
        assert world.query(COORDINATOR, "Credit:List", level="red") == []
        assert BJ_STEEL in [r["entity"] for r in world.query(COORDINATOR, "Credit:List", level="green")]

    @pytest.mark.parametrize("args, message", [
        ({"level": "purple"}, "level must be one of green, blue, yellow, red"),
        ({"limit": 0}, "limit must be a whole number from 1 to 500"),
        ({"region": ""}, "region must be a non-empty string"),
    ])
    def test_bad_filters_are_refused(self, world, args, message):
        world.query_refused(COORDINATOR, "Credit:List", message, **args)


@pytest.fixture
def red_steel(world):
    """Beijing Steel: a serious finding (4 points) and a one-vote veto (red), both on 2026-01-01."""
    serious = finding(world, severity="serious")
    veto = finding(world, kind="hidden_discharge_pipe", severity="severe")
    return serious, veto


class TestRepair:
    def apply(self, world, facts, who=None, **extra):
        return world.ok(who or ENTERPRISE[BJ_STEEL], "Credit:RepairApply", facts=facts, evidence=EVIDENCE, **extra)

    def test_too_early_repairs_are_refused_naming_the_parameter(self, world, red_steel):
        serious, veto = red_steel
        world.refused(ENTERPRISE[BJ_STEEL], "Credit:RepairApply", f"violation {serious['id']} was recorded on "
                      "2026-01-01; it can be repaired from 2026-04-01 on (parameter credit_repair_min_days = 90 "
                      "days)", facts=[serious["id"]], evidence=EVIDENCE)
        later(world, 90)
        self.apply(world, [serious["id"]])
        world.refused(ENTERPRISE[BJ_STEEL], "Credit:RepairApply", f"one-vote-veto violation {veto['id']} was "
                      "recorded on 2026-01-01; it can be repaired from 2027-01-01 on (parameter "
                      "credit_veto_repair_days = 365 days)", facts=[veto["id"]], evidence=EVIDENCE)

    def test_an_approved_repair_removes_the_points_and_keeps_the_facts(self, world, red_steel):
        serious, veto = red_steel
        world.set_parameter("credit_veto_repair_days", 30)
        later(world, 90)
        repair = self.apply(world, [veto["id"]], note="pipe removed and sealed")
        assert (repair["id"][:3], repair["status"], repair["level_before"], repair["facts"]) == (
            "CR-", "pending", "red", [veto["id"]])
        assert world.event_names()[-1] == "CreditRepairApplied"
        approved = world.ok(REGULATOR["BJ"], "Credit:RepairApprove", repair_id=repair["id"],
                            reason="site visit confirms removal")
        assert (approved["status"], approved["level_after"], approved["decision"]["reason"]) == (
            "approved", "yellow", "site visit confirms removal")
        assert (stored(world)["level"], stored(world)["points"]) == ("yellow", 4)
        assert world.event_names()[-2:] == ["ViolationRepaired", "CreditRepairApproved"]
        violation = world.query(REGULATOR["BJ"], "Violation:Show", violation_id=veto["id"])
        assert (violation["status"], violation["repaired"]["repair"]) == ("open", repair["id"])
        facts = {f["violation"]: f for f in world.query(REGULATOR["BJ"], "Credit:Explain", entity=BJ_STEEL)["facts"]}
        assert (facts[veto["id"]]["state"], facts[veto["id"]]["repair"], facts[veto["id"]]["points"]) == (
            "repaired", repair["id"], 0)
        world.refused(ENTERPRISE[BJ_STEEL], "Credit:RepairApply", f"violation {veto['id']} is repaired and adds no "
                      "points", facts=[veto["id"]], evidence=EVIDENCE)

    def test_a_refused_repair_changes_no_level_and_frees_the_facts(self, world, red_steel):
        serious, _ = red_steel
        later(world, 90)
        repair = self.apply(world, [serious["id"]])
        world.refused(ENTERPRISE[BJ_STEEL], "Credit:RepairApply", f"violation {serious['id']} is already named by "
                      f"pending repair {repair['id']}", facts=[serious["id"]], evidence=EVIDENCE)
        refused = world.ok(REGULATOR["BJ"], "Credit:RepairRefuse", repair_id=repair["id"], reason="still leaking")
        assert (refused["status"], refused["decision"]["outcome"]) == ("refused", "refused")
        assert stored(world)["level"] == "red"
        world.refused(REGULATOR["BJ"], "Credit:RepairApprove", f"credit repair {repair['id']} was refused already",
                      repair_id=repair["id"], reason="changed my mind")
        assert self.apply(world, [serious["id"]])["status"] == "pending"

    def test_role_matrix_and_bad_input(self, world, red_steel):
        serious, _ = red_steel
        other = finding(world, entity=HB_CEMENT, region="HB")
        later(world, 90)
        world.refused(REGULATOR["BJ"], "Credit:RepairApply", "role 'enterprise' is required for Credit:RepairApply",
                      facts=[serious["id"]], evidence=EVIDENCE)
        world.refused(ENTERPRISE[BJ_STEEL], "Credit:RepairApply", f"violation {other['id']} concerns enterprise "
                      f"{HB_CEMENT}; enterprise {BJ_STEEL} applies to repair its own violations only",
                      facts=[other["id"]], evidence=EVIDENCE)
        for facts, message in [([], "facts must be a list of 1 to 20 violation ids"),
                               ([serious["id"], serious["id"]], "facts must not repeat a violation"),
                               (["X-1"], "fact must be an id like V-0123456789ABCDEF"),
                               (["V-0000000000000000"], "violation V-0000000000000000 does not exist")]:
            world.refused(ENTERPRISE[BJ_STEEL], "Credit:RepairApply", message, facts=facts, evidence=EVIDENCE)
        world.refused(ENTERPRISE[BJ_STEEL], "Credit:RepairApply", "evidence must be a document fingerprint",
                      facts=[serious["id"]], evidence={"sha256": "abc"})
        repair = self.apply(world, [serious["id"]])
        world.refused(REGULATOR["HB"], "Credit:RepairApprove", f"credit repair {repair['id']} is of enterprise "
                      f"{BJ_STEEL} in region BJ; the regulator of region HB decides repairs of region HB only",
                      repair_id=repair["id"], reason="ok")
        world.refused(ENTERPRISE[BJ_STEEL], "Credit:RepairApprove", "role 'regulator' is required for "
                      "Credit:RepairApprove", repair_id=repair["id"], reason="ok")
        world.refused(COORDINATOR, "Credit:RepairRefuse", "role 'regulator' is required", repair_id=repair["id"],
                      reason="no")
        world.refused(REGULATOR["BJ"], "Credit:RepairApprove", "reason must be a non-empty string",
                      repair_id=repair["id"], reason=" ")
        world.refused(REGULATOR["BJ"], "Credit:RepairApprove", "credit repair CR-0000000000000000 does not exist",
                      repair_id="CR-0000000000000000", reason="ok")

    def test_repairs_are_read_by_their_enterprise_region_and_the_coordinator(self, world, red_steel):
        serious, _ = red_steel
        later(world, 90)
        repair = self.apply(world, [serious["id"]])
        assert [r["id"] for r in world.query(REGULATOR["BJ"], "Credit:Repairs", status="pending")] == [repair["id"]]
        assert [r["id"] for r in world.query(ENTERPRISE[BJ_STEEL], "Credit:Repairs")] == [repair["id"]]
        assert [r["id"] for r in world.query(COORDINATOR, "Credit:Repairs")] == [repair["id"]]
        assert world.query(REGULATOR["HB"], "Credit:Repairs") == []
        assert world.query(ENTERPRISE[BJ_POWER], "Credit:Repairs") == []
        world.query_refused(REGULATOR["HB"], "Credit:Repair", "is outside the data permission of hb-regulator",
                            repair_id=repair["id"])
        world.query_refused(ENTERPRISE[BJ_POWER], "Credit:Repairs", f"enterprise {BJ_POWER} reads its own credit "
                            "repairs only", entity=BJ_STEEL)
        assert world.query(REGULATOR["BJ"], "Credit:Repair", repair_id=repair["id"])["evidence"] == EVIDENCE


class TestBoard:
    def test_the_same_regional_numbers_for_every_reader(self, world):
        finding(world, severity="serious")
        finding(world, kind="environmental_crime", severity="severe")
        dismissed = finding(world, entity=BJ_POWER)
        world.ok(REGULATOR["BJ"], "Violation:Resolve", violation_id=dismissed["id"], reason="no", outcome="dismissed")
        finding(world, entity=HB_CEMENT, region="HB")
        boards = [world.query(who, "Credit:Board", year=2026) for who in READERS]
        assert all(board == boards[0] for board in boards)
        by_region = {row["region"]: row for row in boards[0]["regions"]}
        assert list(by_region) == ["BJ", "HB", "TJ"]
        bj = by_region["BJ"]
        assert (bj["enterprises"], bj["levels"], bj["violations"], bj["veto_violations"]) == (
            2, {"green": 1, "blue": 0, "yellow": 0, "red": 1}, 2, 1)
        assert (bj["violations_per_100"], bj["compliant"], bj["compliance_rate_percent"]) == ("100.0", 1, "50.0")
        assert bj["trend"][0] == {"month": "2026-01", "violations": 2} and len(bj["trend"]) == 12
        assert (by_region["HB"]["levels"]["blue"], by_region["HB"]["compliance_rate_percent"]) == (1, "0.0")
        assert (by_region["TJ"]["violations_per_100"], by_region["TJ"]["compliance_rate_percent"]) == ("0.0", "100.0")

    def test_the_year_defaults_to_the_ledger_year_and_is_checked(self, world):
        assert world.query(COORDINATOR, "Credit:Board")["year"] == 2026
        assert world.query(COORDINATOR, "Credit:Board", year=2025)["regions"][0]["violations"] == 0
        world.query_refused(COORDINATOR, "Credit:Board", "year must be a year between", year="2026")
        world.query_refused(NO_ROLE, "Credit:Board", "role 'regulator' or 'enterprise'")


class TestJointPunishment:
    def test_red_is_kept_out_of_the_market_until_repaired(self, world, red_steel):
        _, veto = red_steel
        world.issue(BJ_STEEL, 1_000)
        world.issue(BJ_POWER, 1_000)
        offer = world.list_offer(BJ_POWER, 500)
        assert offer["seller_credit"] == "green"
        world.refused(ENTERPRISE[BJ_STEEL], "Market:Buy", f"enterprise {BJ_STEEL} is red (不良) since 2026-01-01: it "
                      "may not buy allowances (joint punishment of green-credit level red, parameter "
                      "credit_market_barred)", transient=priced(250), offer_id=offer["id"], quantity=100)
        world.refused(ENTERPRISE[BJ_STEEL], "Market:ListOffer", f"enterprise {BJ_STEEL} is red (不良) since "
                      "2026-01-01: it may not list offers", transient=priced(1), pollutant="SO2", vintage=2025,
                      quantity=10)
        world.set_parameter("credit_veto_repair_days", 0)
        repair = world.ok(ENTERPRISE[BJ_STEEL], "Credit:RepairApply", facts=[veto["id"]], evidence=EVIDENCE)
        world.ok(REGULATOR["BJ"], "Credit:RepairApprove", repair_id=repair["id"], reason="fixed")
        assert world.buy(BJ_STEEL, offer["id"], 100)["status"] == "settled"
        assert world.list_offer(BJ_STEEL, 10)["seller_credit"] == "yellow"

    def test_the_bar_lifts_when_the_veto_leaves_the_window(self, world, red_steel):
        world.issue(BJ_STEEL, 1_000)
        later(world, 365)
        assert world.list_offer(BJ_STEEL, 10)["seller_credit"] == "green"

    def test_a_yellow_party_needs_the_coordinators_approval_across_regions(self, world):
        finding(world, entity=HB_CEMENT, region="HB", severity="serious")
        world.issue(BJ_POWER, 1_000)
        offer = world.list_offer(BJ_POWER, 500)
        trade = world.buy(HB_CEMENT, offer["id"], 100)
        assert trade["approvals_required"] == ["BJ", "HB", "CO"]
        assert trade["extra_approval"] == (f"enterprise {HB_CEMENT} is yellow (警示): its cross-region trades need "
                                           "the approval of the coordinator CO too (parameter "
                                           "credit_yellow_extra_approval)")
        world.ok(REGULATOR["BJ"], "Market:Approve", trade_id=trade["id"])
        assert world.ok(REGULATOR["HB"], "Market:Approve", trade_id=trade["id"])["status"] == "pending"
        world.refused(COORDINATOR, "Market:Approve", "role 'regulator' is required for Market:Approve",
                      trade_id=trade["id"])
        world.refused(REGULATOR["TJ"], "Market:Approve", f"trade {trade['id']} does not touch region TJ",
                      trade_id=trade["id"])
        settled = world.ok(COORDINATOR_OFFICIAL, "Market:Approve", trade_id=trade["id"])
        assert (settled["status"], sorted(settled["approvals"])) == ("settled", ["BJ", "CO", "HB"])

    def test_the_extra_step_follows_its_parameter_and_same_region_trades_skip_it(self, world):
        finding(world, entity=BJ_STEEL, severity="serious")
        world.issue(BJ_POWER, 1_000)
        offer = world.list_offer(BJ_POWER, 500)
        assert world.buy(BJ_STEEL, offer["id"], 100)["status"] == "settled"
        finding(world, entity=HB_CEMENT, region="HB", severity="serious")
        world.set_parameter("credit_yellow_extra_approval", [])
        trade = world.buy(HB_CEMENT, offer["id"], 100)
        assert (trade["approvals_required"], trade["extra_approval"]) == (["BJ", "HB"], None)
        world.refused(COORDINATOR_OFFICIAL, "Market:Reject", "role 'regulator' of a region organization is "
                      "required for Market:Reject", trade_id=trade["id"], reason="no")


class TestDeterminism:
    def test_the_same_facts_in_another_order_give_the_same_standing(self, world):
        from test_permit_world import ENTERPRISES, PermitWorld, seeded_ledger

        other = PermitWorld(seeded_ledger())
        for entity, (name, region) in ENTERPRISES.items():
            other.ok(REGULATOR[region], "Enterprise:Register", entity=entity, name=name, region=region)
        facts = [dict(kind="inspection_finding", severity="serious"), dict(kind="inspection_finding"),
                 dict(kind="licence_condition_breach", severity="minor")]
        for fact in facts:
            finding(world, **fact)
        for fact in reversed(facts):
            finding(other, **fact)
        mine, theirs = show(world), show(other)
        assert (mine["level"], mine["points"]) == (theirs["level"], theirs["points"]) == ("yellow", 7)
        assert mine["valid_until"] == theirs["valid_until"]

    def test_a_contest_changes_no_standing_and_writes_none(self, world):
        violation = finding(world)
        before = stored(world)
        world.ok(ENTERPRISE[BJ_STEEL], "Violation:Contest", violation_id=violation["id"], reason="sensor fault")
        assert stored(world) == before


def test_one_scorer_only():
    from chaincode.credit.standing import SCORER
    from chaincode.facts import credit

    credit.register(SCORER)  # the same one again: nothing happens
    with pytest.raises(ValueError, match="a green-credit scorer is registered already"):
        credit.register(object())
