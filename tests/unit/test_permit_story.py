"""A three-region story told end to end on one ledger, checking invariants after every step.

BJ issues to two Beijing enterprises; Beijing Steel offers SO2; Beijing Power
buys at home (settles at once); Hebei Cement buys across regions (both
regulators approve, then it settles); Tianjin Chemical's purchase is rejected
(the quantity returns to the offer); Hebei Cement surrenders for 2025; Beijing
Power is frozen and can neither list, buy nor surrender; the history of the
surrendered units walks back through every split to issuance.
"""

from __future__ import annotations

from common import canonical as serialization

from test_permit_world import (
    BJ_POWER, BJ_STEEL, COORDINATOR, ENTERPRISE, HB_CEMENT, REGULATOR, TJ_CHEMICAL, priced,
)


def test_the_three_region_story_keeps_every_allowance_accounted_for(world):
    issued = {("SO2", 2025): 0, ("COD", 2024): 0}

    def check():
        world.assert_invariants(issued)

    # BJ issues.
    steel_lot = world.issue(BJ_STEEL, 10_000)
    world.issue(BJ_POWER, 2_000, pollutant="COD", vintage=2024)
    issued.update({("SO2", 2025): 10_000, ("COD", 2024): 2_000})
    check()

    # Beijing Steel offers 6 t; the escrow is split off its lot.
    offer = world.list_offer(BJ_STEEL, 6_000, price=250)
    check()

    # Same-region purchase settles at once.
    home = world.buy(BJ_POWER, offer["id"], 1_000, price=250)
    assert home["status"] == "settled"
    check()

    # Cross-region purchase BJ → HB: pending, BJ approves, HB approves, settled.
    away = world.buy(HB_CEMENT, offer["id"], 2_000, price=250)
    assert away["status"] == "pending"
    check()
    assert world.ok(REGULATOR["BJ"], "Market:Approve", trade_id=away["id"])["status"] == "pending"
    settled = world.ok(REGULATOR["HB"], "Market:Approve", trade_id=away["id"])
    assert settled["status"] == "settled"
    check()

    # A cross-region purchase BJ → TJ is rejected by TJ; the quantity becomes available again.
    refused = world.buy(TJ_CHEMICAL, offer["id"], 1_500, price=250)
    assert world.state_json(world.key("offer", offer['id']))["remaining"] == 1_500
    world.ok(REGULATOR["TJ"], "Market:Reject", trade_id=refused["id"], reason="TJ missed its PM2.5 target")
    assert world.state_json(world.key("offer", offer['id']))["remaining"] == 3_000
    check()

    # Hebei Cement surrenders 1.5 t of its 2 t for emission year 2025.
    surrender = world.ok(ENTERPRISE[HB_CEMENT], "Permit:Surrender", pollutant="SO2", year=2025, quantity=1_500)
    check()

    # BJ freezes Beijing Power: no listing, buying or surrendering.
    world.ok(REGULATOR["BJ"], "Enterprise:Freeze", entity=BJ_POWER, reason="falsified monitoring data")
    frozen = f"enterprise {BJ_POWER} is frozen"
    world.refused(ENTERPRISE[BJ_POWER], "Market:ListOffer", frozen, transient=priced(1), pollutant="SO2",
                  vintage=2025, quantity=100)
    world.refused(ENTERPRISE[BJ_POWER], "Market:Buy", frozen, transient=priced(1), offer_id=offer["id"],
                  quantity=100)
    world.refused(ENTERPRISE[BJ_POWER], "Permit:Surrender", frozen, pollutant="COD", year=2024, quantity=100)
    check()

    # Where every kilogram of SO2 2025 is now.
    assert world.totals() == [
        {"pollutant": "COD", "vintage": 2024, "issued": 2_000, "held": 2_000, "escrowed": 0, "retired": 0,
         "balanced": True},
        {"pollutant": "SO2", "vintage": 2025, "issued": 10_000, "held": 4_000 + 1_000 + 500, "escrowed": 3_000,
         "retired": 1_500, "balanced": True},
    ]
    holdings = {(row["owner"], row["pollutant"]): row for row in world.query(COORDINATOR, "Permit:Holdings")}
    assert holdings[(BJ_STEEL, "SO2")]["held"] == 4_000
    assert holdings[(BJ_STEEL, "SO2")]["escrowed"] == 3_000
    assert holdings[(BJ_POWER, "SO2")]["held"] == 1_000
    assert (holdings[(HB_CEMENT, "SO2")]["held"], holdings[(HB_CEMENT, "SO2")]["retired"]) == (500, 1_500)

    # The surrendered units' history walks back through three splits to BJ's issuance.
    retired_id = surrender["lots"][0]["lot"]
    history = world.history(ENTERPRISE[HB_CEMENT], retired_id, limit=3)  # followed page by page
    assert history["root"] == steel_lot["id"]
    assert history["depth"] == 3
    assert history["lineage"] == [retired_id, away["lots"][0], offer["lots"][0], steel_lot["id"]]
    assert history["owners"] == [BJ_STEEL, HB_CEMENT]
    actions = [(entry["lot"], entry["action"]) for entry in history["entries"]]
    escrow_id, bought_id = offer["lots"][0], away["lots"][0]
    assert actions == [
        (steel_lot["id"], "issued"),
        (steel_lot["id"], "split"),
        (escrow_id, "escrowed"),
        (escrow_id, "split"),  # Beijing Power's share, split off earlier
        (escrow_id, "split"),  # Hebei Cement's share
        (bought_id, "reserved"),
        (bought_id, "approved"),
        (bought_id, "approved"),
        (bought_id, "transferred"),
        (bought_id, "split"),
        (retired_id, "retired"),
    ]
    approvals = [entry for entry in history["entries"] if entry["action"] == "approved"]
    assert [(a["region"], a["by"]["name"]) for a in approvals] == [("BJ", "bj-regulator"), ("HB", "hb-regulator")]
    assert all(entry["tx_id"] and entry["at"].endswith("Z") for entry in history["entries"])
    assert history["entries"][0]["by"]["role"] == "regulator"
    transfer = next(entry for entry in history["entries"] if entry["action"] == "transferred")
    assert (transfer["seller"], transfer["buyer"], transfer["trade"]) == (BJ_STEEL, HB_CEMENT, away["id"])

    # One event per transaction, in order.
    assert world.event_names() == [
        "AllowanceIssued", "AllowanceIssued", "OfferListed", "TradeSettled", "TradePending", "TradeApproved",
        "TradeSettled", "TradePending", "TradeRejected", "AllowancesSurrendered", "EnterpriseFrozen",
    ]


def test_nothing_but_issuance_creates_allowances(world):
    """Every unit on the ledger descends from an issuance, and the roots add up to what was issued."""
    world.issue(BJ_STEEL, 5_000)
    offer = world.list_offer(BJ_STEEL, 4_000)
    world.buy(BJ_POWER, offer["id"], 1_000)
    trade = world.buy(HB_CEMENT, offer["id"], 1_000)
    world.ok(REGULATOR["HB"], "Market:Reject", trade_id=trade["id"], reason="no")
    trade = world.buy(HB_CEMENT, offer["id"], 3_000)
    world.ok(REGULATOR["HB"], "Market:Approve", trade_id=trade["id"])
    world.ok(REGULATOR["BJ"], "Market:Approve", trade_id=trade["id"])
    world.ok(ENTERPRISE[HB_CEMENT], "Permit:Surrender", pollutant="SO2", year=2030, quantity=2_999)

    lots = [serialization.loads(raw) for key, raw in world.ledger.state.items() if key.startswith("\x00lot\x00")]
    roots = [lot for lot in lots if lot["parent"] is None]
    assert [world.state_json(world.key("lot~entry", root["id"], 0))["action"] for root in roots] == ["issued"]
    assert sum(lot["quantity"] for lot in lots) == 5_000
    by_id = {lot["id"]: lot for lot in lots}
    for lot in lots:
        ancestor = lot
        while ancestor["parent"] is not None:
            ancestor = by_id[ancestor["parent"]]
        assert ancestor["id"] == lot["root"] == roots[0]["id"]
    world.assert_invariants({("SO2", 2025): 5_000})
