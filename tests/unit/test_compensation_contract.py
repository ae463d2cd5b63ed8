"""Compensation agreements on the pair channel: proposal, signature, joint monitoring, disputes, settlement."""

from __future__ import annotations

from chaincode.compensation.store import AGREEMENTS, PERIODS, SETTLEMENTS
from chaincode.runtime import endorsement
from chaincode.runtime.parameters import PARAMS
from common import canonical
from compensation_world import (BJ_ENTERPRISE, CO_ADMIN, CO_AUDITOR, HIGH, LOW, MONITOR, CompensationWorld,
                                agreement_terms, cworld)  # noqa: F401  (fixture)
from test_permit_world import REGULATOR

BOTH = endorsement.all_of_peers(["BJMSP", "HBMSP"])


def test_an_agreement_is_proposed_by_one_region_and_in_force_when_the_other_signs(cworld: CompensationWorld):
    agreement = cworld.propose()
    record = cworld.query(REGULATOR["BJ"], "Compensation:Show", agreement=agreement)
    assert record["status"] == "proposed" and record["proposed_by"] == "HB"
    assert record["upstream"] == {"region": "HB", "msp_id": "HBMSP"}
    assert record["terms"]["k0"] == "0.85" and record["terms"]["pollutants"][0] == {
        "code": "CODMn", "baseline": "4", "weight": "0.25"}
    assert record["ledger_policy"] == "AND('BJMSP.peer', 'HBMSP.peer')"
    signed = cworld.call(REGULATOR["BJ"], "Compensation:Sign", agreement=agreement)
    assert signed["status"] == "in_force" and signed["signed"]["by"]["msp_id"] == "BJMSP"
    assert [name for name, _ in cworld.ledger.events] == ["CompensationProposed", "CompensationSigned"]


def test_the_agreement_key_carries_a_policy_requiring_both_regions_peers(cworld: CompensationWorld):
    agreement = cworld.propose()
    assert cworld.ledger.metadata[AGREEMENTS.key(agreement)] == BOTH
    assert endorsement.required_organizations(BOTH) == ["BJMSP", "HBMSP"]


def test_a_change_endorsed_by_one_region_only_is_invalidated_and_changes_nothing(cworld: CompensationWorld):
    agreement = cworld.propose()
    before = cworld.snapshot()[:3]
    response = cworld.ledger.submit(REGULATOR["BJ"], "Compensation:Sign", endorsing=["BJMSP"], agreement=agreement)
    assert response.status == 200  # the contract ran; the validator invalidates it
    assert cworld.ledger.last_validation == "ENDORSEMENT_POLICY_FAILURE"
    assert cworld.snapshot()[:3] == before
    cworld.ledger.submit(REGULATOR["BJ"], "Compensation:Sign", endorsing=["BJMSP", "HBMSP"], agreement=agreement)
    assert cworld.ledger.last_validation == "VALID"
    assert cworld.query(REGULATOR["HB"], "Compensation:Show", agreement=agreement)["status"] == "in_force"


def test_two_periods_settle_the_right_way_round(cworld: CompensationWorld):
    agreement = cworld.in_force()
    low = cworld.both_submit(agreement, "2025-05", LOW, LOW)
    assert low["status"] == "agreed" and low["official"] == LOW
    first = cworld.call(REGULATOR["BJ"], "Compensation:Settle", agreement=agreement, period="2025-05")
    assert (first["payer"], first["payee"], first["amount_yuan"]) == ("BJ", "HB", 100_000_000)
    assert first["index"]["p"] == "0.6442291667" and first["index"]["above_one"] is False
    assert first["status"] == "awaiting_payment" and first["due"] == "2026-01-31T00:00:05.000Z"  # 30 days after settling
    cworld.both_submit(agreement, "2025-06", HIGH, HIGH)
    second = cworld.call(REGULATOR["HB"], "Compensation:Settle", agreement=agreement, period="2025-06")
    assert (second["payer"], second["payee"], second["amount_yuan"]) == ("HB", "BJ", 60_000_000)
    assert second["index"]["p"] == "1.7"
    for key in (SETTLEMENTS.key(first["id"]), PERIODS.key(agreement, "2025-05")):
        assert cworld.ledger.metadata[key] == BOTH


def test_means_within_tolerance_are_averaged(cworld: CompensationWorld):
    agreement = cworld.in_force()
    state = cworld.both_submit(agreement, "2025-05", {**LOW, "CODMn": "3.0"}, {**LOW, "CODMn": "3.3"})
    assert state["status"] == "agreed" and state["official"]["CODMn"] == "3.15"


def test_a_disputed_period_cannot_settle_until_both_regulators_sign_the_same_values(cworld: CompensationWorld):
    agreement = cworld.in_force()
    state = cworld.both_submit(agreement, "2025-07", LOW, {**LOW, "TP": "0.08"})
    assert state["status"] == "disputed"
    assert state["differences"] == [{"pollutant": "TP", "HB": "0.05", "BJ": "0.08", "gap": "0.03"}]
    cworld.refused(REGULATOR["BJ"], "Compensation:Settle", "is disputed and cannot settle",
                   agreement=agreement, period="2025-07")
    waiting = cworld.call(REGULATOR["HB"], "Compensation:Resolve", agreement=agreement, period="2025-07",
                          values={**LOW, "TP": "0.06"})
    assert waiting["status"] == "disputed"
    cworld.refused(REGULATOR["BJ"], "Compensation:Settle", "is disputed", agreement=agreement, period="2025-07")
    cworld.call(REGULATOR["BJ"], "Compensation:Resolve", agreement=agreement, period="2025-07",
                values={**LOW, "TP": "0.065"})
    assert cworld.query(REGULATOR["BJ"], "Compensation:Statement", agreement=agreement)["items"][0]["status"] \
        == "disputed"
    resolved = cworld.call(REGULATOR["HB"], "Compensation:Resolve", agreement=agreement, period="2025-07",
                           values={**LOW, "TP": "0.065"})
    assert resolved["status"] == "resolved" and resolved["official"]["TP"] == "0.065"
    assert resolved["resolution"]["how"] == "both regulators"
    settled = cworld.call(REGULATOR["BJ"], "Compensation:Settle", agreement=agreement, period="2025-07")
    assert settled["payer"] == "BJ"


def test_the_coordinator_arbitrates_when_the_agreement_names_it(cworld: CompensationWorld):
    agreement = cworld.in_force(arbiter="coordinator")
    cworld.both_submit(agreement, "2025-07", LOW, HIGH)
    cworld.refused(CO_AUDITOR, "Compensation:Arbitrate", "role 'coordinator' is required",
                   agreement=agreement, period="2025-07", values=LOW)
    cworld.refused(REGULATOR["BJ"], "Compensation:Arbitrate", "is for the coordinator organization",
                   agreement=agreement, period="2025-07", values=LOW)
    ruled = cworld.call(CO_ADMIN, "Compensation:Arbitrate", agreement=agreement, period="2025-07", values=HIGH,
                        reason="the downstream laboratory's calibration was valid")
    assert ruled["status"] == "resolved" and ruled["resolution"]["how"] == "coordinator"
    assert cworld.call(REGULATOR["HB"], "Compensation:Settle", agreement=agreement, period="2025-07")["payer"] == "HB"
    assert [a["id"] for a in cworld.query(CO_ADMIN, "Compensation:List")["items"]] == [agreement]


def test_without_an_arbiter_the_coordinator_neither_rules_nor_reads(cworld: CompensationWorld):
    agreement = cworld.in_force()
    cworld.both_submit(agreement, "2025-07", LOW, HIGH)
    cworld.refused(CO_ADMIN, "Compensation:Arbitrate", "does not name the coordinator as arbiter",
                   agreement=agreement, period="2025-07", values=LOW)
    cworld.query_refused(CO_ADMIN, "Compensation:Statement", "visible to HB and BJ only", agreement=agreement)
    assert cworld.query(CO_ADMIN, "Compensation:List")["items"] == []


def test_payment_is_confirmed_by_the_payer_then_receipt_by_the_payee(cworld: CompensationWorld):
    agreement = cworld.in_force()
    cworld.both_submit(agreement, "2025-05", LOW, LOW)
    settlement = cworld.call(REGULATOR["BJ"], "Compensation:Settle", agreement=agreement, period="2025-05")["id"]
    cworld.refused(REGULATOR["HB"], "Compensation:Confirm", "only the payer BJ confirms",
                   settlement=settlement, step="paid")
    cworld.refused(REGULATOR["HB"], "Compensation:Confirm", "cannot be confirmed received before BJ confirms",
                   settlement=settlement, step="received")
    paid = cworld.call(REGULATOR["BJ"], "Compensation:Confirm", settlement=settlement, step="paid")
    assert paid["status"] == "paid"
    cworld.refused(REGULATOR["BJ"], "Compensation:Confirm", "was already confirmed paid",
                   settlement=settlement, step="paid")
    cworld.refused(REGULATOR["BJ"], "Compensation:Confirm", "only the payee HB confirms",
                   settlement=settlement, step="received")
    received = cworld.call(REGULATOR["HB"], "Compensation:Confirm", settlement=settlement, step="received")
    assert received["status"] == "received" and received["overdue"] is False


def test_an_unconfirmed_settlement_past_its_due_date_is_overdue(cworld: CompensationWorld):
    agreement = cworld.in_force()
    cworld.both_submit(agreement, "2025-05", LOW, LOW)
    cworld.call(REGULATOR["BJ"], "Compensation:Settle", agreement=agreement, period="2025-05")
    row = cworld.query(REGULATOR["HB"], "Compensation:Statement", agreement=agreement)["items"][0]
    assert row["settlement"]["overdue"] is False
    cworld.ledger.clock += 31 * 86_400
    row = cworld.query(REGULATOR["HB"], "Compensation:Statement", agreement=agreement)["items"][0]
    assert row["settlement"]["overdue"] is True and row["settlement"]["status"] == "awaiting_payment"
    statement = cworld.query(REGULATOR["BJ"], "Compensation:RegionStatement", region="BJ", year=2025)
    assert statement["settlements"][0]["overdue"] is True


def test_the_payment_period_is_the_agreement_s_own_or_the_parameter_at_proposal(cworld: CompensationWorld):
    cworld.ledger.state[PARAMS.key("compensation_due_days")] = canonical.dumps(7)
    by_default = cworld.propose()
    assert cworld.query(REGULATOR["BJ"], "Compensation:Show", agreement=by_default)["terms"]["due_days"] == 7
    immediate = cworld.call(REGULATOR["HB"], "Compensation:Propose", upstream="HB", downstream="BJ",
                            section="Chaohe", terms=agreement_terms(due_days=0))["id"]
    cworld.call(REGULATOR["BJ"], "Compensation:Sign", agreement=immediate)
    cworld.both_submit(immediate, "2025-05", LOW, LOW)
    settled = cworld.call(REGULATOR["BJ"], "Compensation:Settle", agreement=immediate, period="2025-05")
    assert settled["due_at"] == cworld.ledger.clock
    assert cworld.query(REGULATOR["HB"], "Compensation:Settlement", settlement=settled["id"])["overdue"] is False
    cworld.ledger.clock += 1
    assert cworld.query(REGULATOR["HB"], "Compensation:Settlement", settlement=settled["id"])["overdue"] is True
    cworld.query_refused(REGULATOR["TJ"], "Compensation:Settlement", "outside the data permission",
                         settlement=settled["id"])


def test_a_region_statement_adds_up_what_it_paid_and_received_in_a_year(cworld: CompensationWorld):
    agreement = cworld.in_force()
    for period, values in (("2025-05", LOW), ("2025-06", HIGH), ("2025-08", LOW)):
        cworld.both_submit(agreement, period, values, values)
        cworld.call(REGULATOR["BJ"], "Compensation:Settle", agreement=agreement, period=period)
    bj = cworld.query(REGULATOR["BJ"], "Compensation:RegionStatement", region="BJ", year=2025)
    assert (bj["paid_yuan"], bj["received_yuan"], bj["net_yuan"]) == (200_000_000, 60_000_000, -140_000_000)
    hb = cworld.query(MONITOR["HB"], "Compensation:RegionStatement", region="HB", year=2025)
    assert (hb["paid_yuan"], hb["received_yuan"]) == (60_000_000, 200_000_000)
    assert cworld.query(REGULATOR["BJ"], "Compensation:RegionStatement", region="BJ", year=2024)["settlements"] == []
    cworld.query_refused(REGULATOR["HB"], "Compensation:RegionStatement", "outside the data permission",
                         region="BJ", year=2025)


def test_the_statement_lists_every_period_with_values_p_and_who_paid_whom(cworld: CompensationWorld):
    agreement = cworld.in_force()
    cworld.both_submit(agreement, "2025-05", LOW, LOW)
    cworld.call(REGULATOR["BJ"], "Compensation:Settle", agreement=agreement, period="2025-05")
    cworld.both_submit(agreement, "2025-06", LOW, HIGH)
    statement = cworld.query(MONITOR["BJ"], "Compensation:Statement", agreement=agreement)
    assert statement["agreement"]["id"] == agreement
    first, second = statement["items"]
    assert (first["period"], first["status"], first["index"]["p"]) == ("2025-05", "settled", "0.6442291667")
    assert (first["settlement"]["payer"], first["settlement"]["payee"]) == ("BJ", "HB")
    assert first["measurements"]["HB"]["values"] == LOW
    assert (second["period"], second["status"]) == ("2025-06", "disputed")
    page = cworld.query(REGULATOR["HB"], "Compensation:Statement", agreement=agreement, limit=1)
    assert page["more"] is True and [p["period"] for p in page["items"]] == ["2025-05"]


# -- refusals ----------------------------------------------------------------------------------------

def test_who_may_propose_and_where(cworld: CompensationWorld):
    args = {"upstream": "HB", "downstream": "BJ", "section": "Chaohe", "terms": agreement_terms()}
    cworld.refused(REGULATOR["TJ"], "Compensation:Propose", "regulator tj-regulator@TJMSP of TJ cannot propose",
                   **args)
    cworld.refused(MONITOR["HB"], "Compensation:Propose", "role 'regulator' is required", **args)
    cworld.refused(BJ_ENTERPRISE, "Compensation:Propose", "role 'regulator' is required", **args)
    cworld.refused(CO_ADMIN, "Compensation:Propose", "role 'regulator' is required", **args)
    cworld.refused(REGULATOR["HB"], "Compensation:Propose", "two different regions",
                   **{**args, "downstream": "HB"})
    cworld.refused(REGULATOR["HB"], "Compensation:Propose", "the weights Ki must add up to 1",
                   **{**args, "terms": agreement_terms(pollutants=[{"code": "TP", "baseline": "0.1",
                                                                     "weight": "0.5"}])})
    cworld.ledger.channel_id = "ecoledger"
    cworld.refused(REGULATOR["HB"], "Compensation:Propose", "belongs on their pair channel", **args)


def test_who_may_sign(cworld: CompensationWorld):
    agreement = cworld.propose()
    cworld.refused(REGULATOR["HB"], "Compensation:Sign", "comes into force when the BJ regulator signs",
                   agreement=agreement)
    cworld.refused(REGULATOR["TJ"], "Compensation:Sign", "outside the data permission", agreement=agreement)
    cworld.refused(MONITOR["BJ"], "Compensation:Sign", "role 'regulator' is required", agreement=agreement)
    cworld.refused(REGULATOR["BJ"], "Compensation:Sign", "does not exist", agreement="CA-0000000000000000")
    cworld.refused(REGULATOR["BJ"], "Compensation:Sign", "must be an id like CA-", agreement="X-1")
    cworld.call(REGULATOR["BJ"], "Compensation:Sign", agreement=agreement)
    cworld.refused(REGULATOR["BJ"], "Compensation:Sign", "already in force", agreement=agreement)


def test_who_may_submit_and_what(cworld: CompensationWorld):
    agreement = cworld.propose()
    cworld.refused(MONITOR["HB"], "Compensation:Submit", "is not in force yet",
                   agreement=agreement, period="2025-05", values=LOW)
    cworld.call(REGULATOR["BJ"], "Compensation:Sign", agreement=agreement)
    cworld.refused(REGULATOR["HB"], "Compensation:Submit", "role 'monitor' of a region is required",
                   agreement=agreement, period="2025-05", values=LOW)
    cworld.refused(MONITOR["TJ"], "Compensation:Submit", "outside the data permission",
                   agreement=agreement, period="2025-05", values=LOW)
    cworld.refused(MONITOR["HB"], "Compensation:Submit", "has not ended yet",
                   agreement=agreement, period="2026-01", values=LOW)
    cworld.refused(MONITOR["HB"], "Compensation:Submit", "a month like 2026-05",
                   agreement=agreement, period="2025", values=LOW)
    cworld.refused(MONITOR["HB"], "Compensation:Submit", "missing TP",
                   agreement=agreement, period="2025-05", values={k: v for k, v in LOW.items() if k != "TP"})
    cworld.refused(MONITOR["HB"], "Compensation:Submit", "evidence must be",
                   agreement=agreement, period="2025-05", values=LOW, evidence={"sha256": "xyz", "size": 1})
    cworld.call(MONITOR["HB"], "Compensation:Submit", agreement=agreement, period="2025-05", values=LOW,
                evidence={"sha256": "ab" * 32, "size": 1024})
    cworld.refused(MONITOR["HB"], "Compensation:Submit", "HB already submitted its means",
                   agreement=agreement, period="2025-05", values=LOW)
    cworld.refused(REGULATOR["HB"], "Compensation:Settle", "BJ has not submitted its means",
                   agreement=agreement, period="2025-05")


def test_resolve_and_settle_refusals(cworld: CompensationWorld):
    agreement = cworld.in_force()
    cworld.both_submit(agreement, "2025-05", LOW, LOW)
    cworld.refused(REGULATOR["BJ"], "Compensation:Resolve", "is agreed, not disputed",
                   agreement=agreement, period="2025-05", values=LOW)
    cworld.refused(REGULATOR["BJ"], "Compensation:Resolve", "has no submissions yet",
                   agreement=agreement, period="2025-04", values=LOW)
    cworld.refused(REGULATOR["TJ"], "Compensation:Settle", "outside the data permission",
                   agreement=agreement, period="2025-05")
    cworld.refused(MONITOR["BJ"], "Compensation:Settle", "role 'regulator' is required",
                   agreement=agreement, period="2025-05")
    settlement = cworld.call(REGULATOR["BJ"], "Compensation:Settle", agreement=agreement, period="2025-05")
    cworld.refused(REGULATOR["HB"], "Compensation:Settle", f"already settled (settlement {settlement['id']})",
                   agreement=agreement, period="2025-05")
    cworld.refused(REGULATOR["TJ"], "Compensation:Confirm", "outside the data permission",
                   settlement=settlement["id"], step="paid")
    cworld.refused(REGULATOR["BJ"], "Compensation:Confirm", "step must be one of paid, received",
                   settlement=settlement["id"], step="sent")


def test_readers_outside_the_agreement_are_refused(cworld: CompensationWorld):
    agreement = cworld.in_force()
    for who in (REGULATOR["TJ"], MONITOR["TJ"]):
        cworld.query_refused(who, "Compensation:Show", "outside the data permission", agreement=agreement)
        cworld.query_refused(who, "Compensation:Statement", "outside the data permission", agreement=agreement)
        assert cworld.query(who, "Compensation:List")["items"] == []
    cworld.query_refused(BJ_ENTERPRISE, "Compensation:Show", "role 'regulator' or 'monitor'", agreement=agreement)
    assert [a["id"] for a in cworld.query(REGULATOR["BJ"], "Compensation:List")["items"]] == [agreement]
    assert [a["id"] for a in cworld.query(MONITOR["HB"], "Compensation:List")["items"]] == [agreement]
