"""Market contract on the in-memory ledger: offers, escrow, trades, approvals, private prices."""

from __future__ import annotations

import pytest

from common import canonical as serialization
from chaincode.runtime.memory import _MemoryStub
from chaincode.market.prices import price_hash
from chaincode.runtime.router import STATUS_OK
from test_permit_world import (
    BJ_POWER, BJ_STEEL, COORDINATOR, ENTERPRISE, HB_CEMENT, REGULATOR, SALT, TJ_CHEMICAL, priced,
)


@pytest.fixture
def offer(world):
    """BJ steel holds 10 t SO2 2025 and offers 6 t of it at 250 fen/kg."""
    world.issue(BJ_STEEL, 10_000)
    return world.list_offer(BJ_STEEL, 6_000, price=250)


@pytest.fixture
def pending(world, offer):
    """HB cement bought 2 t of the offer across regions; the trade awaits both regulators."""
    return world.buy(HB_CEMENT, offer["id"], 2_000)


class TestListing:
    def test_listing_escrows_the_quantity_by_splitting_the_sellers_lot(self, world):
        lot = world.issue(BJ_STEEL, 10_000)
        offer = world.list_offer(BJ_STEEL, 6_000, price=250)

        assert offer["id"].startswith("O-")
        assert {k: offer[k] for k in ("seller", "seller_region", "pollutant", "vintage", "quantity", "remaining",
                                      "pending", "sold", "status")} == {
            "seller": BJ_STEEL, "seller_region": "BJ", "pollutant": "SO2", "vintage": 2025, "quantity": 6_000,
            "remaining": 6_000, "pending": 0, "sold": 0, "status": "open"}
        assert world.lot(lot["id"])["quantity"] == 4_000
        [escrow_id] = offer["lots"]
        escrow = world.lot(escrow_id)
        assert (escrow["status"], escrow["offer"], escrow["parent"], escrow["quantity"]) == (
            "escrowed", offer["id"], lot["id"], 6_000)
        held_prefix = "\x00lot~held\x00"
        assert not any(escrow_id in key for key in world.ledger.state if key.startswith(held_prefix))
        assert world.event_names() == ["AllowanceIssued", "OfferListed"]
        world.assert_invariants()

    def test_the_asking_price_is_private_and_the_offer_holds_its_salted_hash(self, world, offer):
        assert "price" not in offer
        assert offer["price_hash"] == price_hash(SALT, 250)
        assert offer["price_collection"] == "price_BJMSP"
        assert offer["price_collections"] == ["price_BJMSP", "price_BJMSP_HBMSP", "price_BJMSP_TJMSP"]
        for collection in offer["price_collections"]:
            stored = serialization.loads(world.ledger.private[(collection, world.key("price", offer['id']))])
            assert (stored["price"], stored["amount"]) == (250, 1_500_000)
        assert b"250" not in world.ledger.state[world.key("offer", offer['id'])].replace(offer["price_hash"].encode(), b"")

    def test_listing_draws_several_lots_and_leaves_the_rest(self, world):
        first, second = world.issue(BJ_STEEL, 300), world.issue(BJ_STEEL, 300)
        offer = world.list_offer(BJ_STEEL, 500)
        assert sum(world.lot(lot_id)["quantity"] for lot_id in offer["lots"]) == 500
        assert sorted([world.lot(first["id"])["status"], world.lot(second["id"])["status"]]) == ["escrowed", "held"]
        world.assert_invariants()

    def test_listing_more_than_is_held_is_refused(self, world):
        world.issue(BJ_STEEL, 100)
        world.refused(ENTERPRISE[BJ_STEEL], "Market:ListOffer", f"enterprise {BJ_STEEL} holds 100 kg of SO2 of "
                      "vintage 2025 available, 101 kg needed", transient=priced(1), pollutant="SO2", vintage=2025,
                      quantity=101)

    def test_escrowed_units_cannot_be_listed_or_surrendered_twice(self, world, offer):
        world.refused(ENTERPRISE[BJ_STEEL], "Market:ListOffer", "holds 4000 kg of SO2 of vintage 2025 available, "
                      "4001 kg needed", transient=priced(1), pollutant="SO2", vintage=2025, quantity=4_001)
        world.refused(ENTERPRISE[BJ_STEEL], "Permit:Surrender", "holds 4000 kg", pollutant="SO2", year=2025,
                      quantity=4_001)

    def test_a_price_is_required_in_the_transient_map(self, world):
        world.issue(BJ_STEEL, 100)
        world.refused(ENTERPRISE[BJ_STEEL], "Market:ListOffer", "Market:ListOffer needs the transient field(s) "
                      "price, salt", pollutant="SO2", vintage=2025, quantity=10)

    def test_a_frozen_or_red_rated_enterprise_cannot_list(self, world):
        world.issue(BJ_STEEL, 100)
        world.ok(REGULATOR["BJ"], "Violation:Record", entity=BJ_STEEL, kind="hidden_discharge_pipe",
                 severity="severe", evidence="inspection found a hidden pipe")
        world.refused(ENTERPRISE[BJ_STEEL], "Market:ListOffer", f"enterprise {BJ_STEEL} is red (不良) since "
                      "2026-01-01: it may not list offers", transient=priced(1), pollutant="SO2", vintage=2025,
                      quantity=10)
        world.ok(REGULATOR["BJ"], "Enterprise:Freeze", entity=BJ_STEEL, reason="audit")
        world.refused(ENTERPRISE[BJ_STEEL], "Market:ListOffer", "is frozen by the regulator of region BJ (audit); "
                      "it cannot list offers", transient=priced(1), pollutant="SO2", vintage=2025, quantity=10)


class TestSameRegionPurchase:
    def test_a_purchase_inside_one_region_settles_atomically(self, world, offer):
        trade = world.buy(BJ_POWER, offer["id"], 1_000, price=250)

        assert trade["status"] == "settled"
        assert (trade["cross_region"], trade["approvals_required"]) == (False, [])
        [bought] = [world.lot(lot_id) for lot_id in trade["lots"]]
        assert (bought["owner"], bought["owner_region"], bought["status"], bought["quantity"]) == (
            BJ_POWER, "BJ", "held", 1_000)
        assert bought["parent"] == offer["lots"][0]
        after = world.state_json(world.key("offer", offer['id']))
        assert (after["remaining"], after["sold"], after["status"]) == (5_000, 1_000, "open")
        assert world.event_names()[-1] == "TradeSettled"
        world.assert_invariants()

    def test_buying_the_rest_closes_the_offer(self, world, offer):
        world.buy(BJ_POWER, offer["id"], 6_000)
        closed = world.state_json(world.key("offer", offer['id']))
        assert (closed["status"], closed["remaining"], closed["lots"]) == ("closed", 0, [])
        world.refused(ENTERPRISE[BJ_POWER], "Market:Buy", f"offer {offer['id']} is closed", transient=priced(1),
                      offer_id=offer["id"], quantity=1)

    def test_the_trade_price_is_stored_for_both_parties_only(self, world, offer):
        trade = world.buy(BJ_POWER, offer["id"], 1_000)
        assert trade["price_collection"] == "price_BJMSP"
        assert trade["price_hash"] == offer["price_hash"]
        assert world.query(ENTERPRISE[BJ_POWER], "Market:Price", id=trade["id"])["price"] == 250
        assert [key for key in world.ledger.private if key[1] == world.key("price", trade['id'])] == [
            ("price_BJMSP", world.key("price", trade['id']))]

    def test_a_purchase_settles_only_at_the_asking_price(self, world, offer):
        for transient in (priced(249), priced(250, salt="another-salt-of-16")):
            world.refused(ENTERPRISE[BJ_POWER], "Market:Buy", "the price in the transient map does not match the "
                          f"asking price of offer {offer['id']}; read the ask with Market:Price",
                          transient=transient, offer_id=offer["id"], quantity=1_000)

    def test_a_buyer_cannot_buy_its_own_offer(self, world, offer):
        world.refused(ENTERPRISE[BJ_STEEL], "Market:Buy", f"enterprise {BJ_STEEL} cannot buy its own offer "
                      f"{offer['id']}", transient=priced(1), offer_id=offer["id"], quantity=1)

    def test_buying_more_than_remains_is_refused(self, world, offer):
        world.refused(ENTERPRISE[BJ_POWER], "Market:Buy", f"offer {offer['id']} has 6000 kg available, 6001 kg "
                      "requested", transient=priced(1), offer_id=offer["id"], quantity=6_001)

    def test_a_frozen_buyer_a_frozen_seller_and_a_red_buyer_are_refused(self, world, offer):
        world.ok(REGULATOR["BJ"], "Enterprise:Freeze", entity=BJ_POWER, reason="late report")
        world.refused(ENTERPRISE[BJ_POWER], "Market:Buy", f"enterprise {BJ_POWER} is frozen by the regulator of "
                      "region BJ (late report); it cannot buy allowances", transient=priced(1),
                      offer_id=offer["id"], quantity=1)
        world.ok(REGULATOR["BJ"], "Enterprise:Freeze", entity=BJ_STEEL, reason="hidden pipe")
        world.refused(ENTERPRISE[HB_CEMENT], "Market:Buy", f"enterprise {BJ_STEEL} is frozen by the regulator of "
                      "region BJ (hidden pipe); it cannot sell allowances", transient=priced(1),
                      offer_id=offer["id"], quantity=1)
        world.ok(REGULATOR["TJ"], "Violation:Record", entity=TJ_CHEMICAL, kind="environmental_crime",
                 severity="severe", evidence="court judgment")
        world.refused(ENTERPRISE[TJ_CHEMICAL], "Market:Buy", "is red (不良) since 2026-01-01: it may not buy "
                      "allowances", transient=priced(1), offer_id=offer["id"], quantity=1)

    def test_an_unknown_offer_is_named(self, world):
        world.refused(ENTERPRISE[BJ_POWER], "Market:Buy", "offer O-0000000000000000 does not exist",
                      transient=priced(1), offer_id="O-0000000000000000", quantity=1)


class TestCrossRegionPurchase:
    def test_a_cross_region_purchase_waits_for_both_regulators(self, world, offer, pending):
        assert pending["status"] == "pending"
        assert (pending["cross_region"], pending["approvals_required"]) == (True, ["BJ", "HB"])
        [reserved] = [world.lot(lot_id) for lot_id in pending["lots"]]
        assert (reserved["status"], reserved["owner"], reserved["trade"]) == ("pending", BJ_STEEL, pending["id"])
        after = world.state_json(world.key("offer", offer['id']))
        assert (after["remaining"], after["pending"], after["sold"]) == (4_000, 2_000, 0)
        assert world.event_names()[-1] == "TradePending"
        world.assert_invariants()

    def test_the_first_approval_keeps_it_pending_and_the_second_settles_it(self, world, offer, pending):
        first = world.ok(REGULATOR["HB"], "Market:Approve", trade_id=pending["id"])
        assert first["status"] == "pending"
        assert list(first["approvals"]) == ["HB"]
        assert world.event_names()[-1] == "TradeApproved"

        settled = world.ok(REGULATOR["BJ"], "Market:Approve", trade_id=pending["id"])
        assert settled["status"] == "settled"
        assert settled["settled"]["tx_id"] == settled["approvals"]["BJ"]["tx_id"]
        [bought] = [world.lot(lot_id) for lot_id in settled["lots"]]
        assert (bought["owner"], bought["owner_region"], bought["issuing_region"], bought["status"]) == (
            HB_CEMENT, "HB", "BJ", "held")
        after = world.state_json(world.key("offer", offer['id']))
        assert (after["remaining"], after["pending"], after["sold"]) == (4_000, 0, 2_000)
        assert world.event_names()[-1] == "TradeSettled"
        world.assert_invariants()

    def test_a_region_approves_only_once_and_only_if_the_trade_touches_it(self, world, pending):
        world.ok(REGULATOR["BJ"], "Market:Approve", trade_id=pending["id"])
        world.refused(REGULATOR["BJ"], "Market:Approve", f"trade {pending['id']} is already approved by region BJ",
                      trade_id=pending["id"])
        world.refused(REGULATOR["TJ"], "Market:Approve", f"trade {pending['id']} does not touch region TJ; only the "
                      "regulators of regions BJ and HB may approve it", trade_id=pending["id"])

    def test_a_settled_trade_cannot_be_approved_or_rejected_again(self, world, pending):
        world.ok(REGULATOR["BJ"], "Market:Approve", trade_id=pending["id"])
        world.ok(REGULATOR["HB"], "Market:Approve", trade_id=pending["id"])
        world.refused(REGULATOR["HB"], "Market:Reject", f"trade {pending['id']} is settled, not pending",
                      trade_id=pending["id"], reason="late")

    def test_a_rejection_returns_the_quantity_to_the_offer(self, world, offer, pending):
        world.ok(REGULATOR["BJ"], "Market:Approve", trade_id=pending["id"])
        rejected = world.ok(REGULATOR["HB"], "Market:Reject", trade_id=pending["id"], reason="HB misses its target")

        assert rejected["status"] == "rejected"
        assert (rejected["rejection"]["region"], rejected["rejection"]["reason"]) == ("HB", "HB misses its target")
        after = world.state_json(world.key("offer", offer['id']))
        assert (after["remaining"], after["pending"], after["status"]) == (6_000, 0, "open")
        returned = world.lot(pending["lots"][0])
        assert (returned["status"], returned["owner"], returned["offer"], returned["trade"]) == (
            "escrowed", BJ_STEEL, offer["id"], None)
        assert world.ledger.events[-1][0] == "TradeRejected"
        assert world.ledger.events[-1][1]["returned_to"] == "offer"
        assert world.buy(TJ_CHEMICAL, offer["id"], 6_000)["quantity"] == 6_000
        world.assert_invariants()

    def test_a_rejection_after_cancellation_returns_the_quantity_to_the_seller(self, world, offer, pending):
        world.ok(ENTERPRISE[BJ_STEEL], "Market:CancelOffer", offer_id=offer["id"])
        world.ok(REGULATOR["BJ"], "Market:Reject", trade_id=pending["id"], reason="no")
        returned = world.lot(pending["lots"][0])
        assert (returned["status"], returned["owner"], returned["offer"]) == ("held", BJ_STEEL, None)
        assert world.state_json(world.key("offer", offer['id']))["pending"] == 0
        world.assert_invariants()

    def test_a_pending_trade_still_settles_after_the_offer_is_cancelled(self, world, offer, pending):
        world.ok(ENTERPRISE[BJ_STEEL], "Market:CancelOffer", offer_id=offer["id"])
        world.ok(REGULATOR["BJ"], "Market:Approve", trade_id=pending["id"])
        world.ok(REGULATOR["HB"], "Market:Approve", trade_id=pending["id"])
        after = world.state_json(world.key("offer", offer['id']))
        assert (after["status"], after["pending"], after["sold"]) == ("cancelled", 0, 2_000)
        assert world.lot(pending["lots"][0])["owner"] == HB_CEMENT
        world.assert_invariants()

    def test_a_rejection_needs_a_reason(self, world, pending):
        world.refused(REGULATOR["BJ"], "Market:Reject", "reason must be a non-empty string", trade_id=pending["id"],
                      reason="")

    def test_approval_is_refused_while_a_party_is_frozen(self, world, pending):
        world.ok(REGULATOR["HB"], "Enterprise:Freeze", entity=HB_CEMENT, reason="audit")
        world.refused(REGULATOR["BJ"], "Market:Approve", f"enterprise {HB_CEMENT} is frozen", trade_id=pending["id"])

    def test_water_allowances_do_not_leave_their_river_basin(self, world):
        world.set_parameter("river_basin", {"BJ": "haihe", "TJ": "haihe", "HB": "luanhe"})
        world.issue(BJ_STEEL, 500, pollutant="COD")
        offer = world.list_offer(BJ_STEEL, 500, pollutant="COD")
        world.refused(ENTERPRISE[HB_CEMENT], "Market:Buy", "COD allowances trade only within one river basin: "
                      "region BJ is in basin 'haihe' and region HB in basin 'luanhe' (parameter river_basin)",
                      transient=priced(1), offer_id=offer["id"], quantity=100)
        assert world.buy(TJ_CHEMICAL, offer["id"], 100)["status"] == "pending"

    def test_an_import_barred_region_cannot_buy_across_regions_but_can_buy_at_home(self, world, offer):
        world.set_parameter("import_barred_regions", ["HB", "BJ"])
        world.refused(ENTERPRISE[HB_CEMENT], "Market:Buy", "region HB is barred from importing allowances",
                      transient=priced(1), offer_id=offer["id"], quantity=100)
        assert world.buy(BJ_POWER, offer["id"], 100)["status"] == "settled"


class TestCancel:
    def test_the_seller_cancels_and_the_escrow_goes_back_to_its_holdings(self, world, offer):
        world.buy(BJ_POWER, offer["id"], 1_000)
        cancelled = world.ok(ENTERPRISE[BJ_STEEL], "Market:CancelOffer", offer_id=offer["id"])

        assert (cancelled["status"], cancelled["remaining"], cancelled["lots"]) == ("cancelled", 0, [])
        assert cancelled["closed"]["released"] == 5_000
        released = world.lot(offer["lots"][0])
        assert (released["status"], released["offer"], released["quantity"]) == ("held", None, 5_000)
        assert world.event_names()[-1] == "OfferCancelled"
        world.assert_invariants()

    def test_only_the_seller_cancels_and_only_an_open_offer(self, world, offer):
        world.refused(ENTERPRISE[BJ_POWER], "Market:CancelOffer", f"offer {offer['id']} belongs to enterprise "
                      f"{BJ_STEEL}; only its seller may cancel it", offer_id=offer["id"])
        world.ok(ENTERPRISE[BJ_STEEL], "Market:CancelOffer", offer_id=offer["id"])
        world.refused(ENTERPRISE[BJ_STEEL], "Market:CancelOffer", f"offer {offer['id']} is cancelled",
                      offer_id=offer["id"])
        world.refused(ENTERPRISE[BJ_POWER], "Market:Buy", f"offer {offer['id']} is cancelled", transient=priced(1),
                      offer_id=offer["id"], quantity=1)


class TestPricePrivacy:
    @pytest.mark.parametrize("reader", ["HB_CEMENT", "BJ_STEEL", "BJ", "HB", "COORDINATOR"])
    def test_the_parties_their_regulators_and_the_coordinator_read_a_trade_price(self, world, pending, reader):
        who = {"HB_CEMENT": ENTERPRISE[HB_CEMENT], "BJ_STEEL": ENTERPRISE[BJ_STEEL], "BJ": REGULATOR["BJ"],
               "HB": REGULATOR["HB"], "COORDINATOR": COORDINATOR}[reader]
        price = world.query(who, "Market:Price", id=pending["id"])
        assert (price["price"], price["quantity"], price["amount"]) == (250, 2_000, 500_000)
        assert price["collection"] == "price_BJMSP_HBMSP"
        assert price["matches_public_hash"] is True
        assert pending["price_hash"] == price_hash(SALT, 250)
        assert [key for key in world.ledger.private if key[1] == world.key("price", pending['id'])] == [
            ("price_BJMSP_HBMSP", world.key("price", pending['id']))]

    def test_other_enterprises_and_other_regions_cannot_read_it(self, world, pending):
        for who in (ENTERPRISE[BJ_POWER], REGULATOR["TJ"], ENTERPRISE[TJ_CHEMICAL]):
            world.query_refused(who, "Market:Price", f"the price of {pending['id']} is readable by the seller "
                                f"{BJ_STEEL}, the buyer {HB_CEMENT}, the regulators of regions BJ and HB and the "
                                "coordinator only", id=pending["id"])

    @pytest.mark.parametrize("reader, collection", [
        ("HB_CEMENT", "price_BJMSP_HBMSP"), ("TJ", "price_BJMSP_TJMSP"), ("BJ_POWER", "price_BJMSP"),
        ("BJ", "price_BJMSP"), ("COORDINATOR", "price_BJMSP")])
    def test_an_open_offer_shows_its_ask_from_a_collection_of_the_readers_organization(self, world, offer, reader,
                                                                                        collection):
        who = {"HB_CEMENT": ENTERPRISE[HB_CEMENT], "TJ": REGULATOR["TJ"], "BJ_POWER": ENTERPRISE[BJ_POWER],
               "BJ": REGULATOR["BJ"], "COORDINATOR": COORDINATOR}[reader]
        ask = world.query(who, "Market:Price", id=offer["id"])
        assert (ask["price"], ask["salt"], ask["collection"], ask["matches_public_hash"]) == (
            250, SALT, collection, True)

    def test_a_closed_offer_shows_its_ask_to_the_seller_side_only(self, world, offer):
        world.ok(ENTERPRISE[BJ_STEEL], "Market:CancelOffer", offer_id=offer["id"])
        for who in (REGULATOR["BJ"], ENTERPRISE[BJ_STEEL], COORDINATOR):
            assert world.query(who, "Market:Price", id=offer["id"])["price"] == 250
        for who in (ENTERPRISE[HB_CEMENT], ENTERPRISE[BJ_POWER], REGULATOR["TJ"]):
            world.query_refused(who, "Market:Price", f"offer {offer['id']} is cancelled; its asking price is "
                                f"readable by the seller {BJ_STEEL}, the regulator of region BJ and the coordinator "
                                "only", id=offer["id"])

    def test_a_peer_outside_the_collection_refuses_the_read_with_a_clear_message(self, world, pending):
        class HashOnlyStub(_MemoryStub):
            def get_private_data(self, collection, key):
                raise RuntimeError("private data matching public hash version is not available")

        stub = HashOnlyStub(world.ledger, "q", "ecoledger", world.ledger.clock, COORDINATOR.msp_id,
                            COORDINATOR.cert_pem)
        response = world.ledger.router.invoke(stub, "Market:Price", [serialization.dumps({"id": pending["id"]})])
        assert response.status == 400
        assert response.message.startswith(f"the price of {pending['id']} is not held by this peer: collection "
                                           "price_BJMSP_HBMSP is stored only on peers of its member organizations")

    def test_a_malformed_id_is_refused(self, world):
        world.query_refused(COORDINATOR, "Market:Price", "id must be an offer id (O-...) or a trade id (T-...)",
                            id="L-1")

    def test_public_records_and_events_carry_no_price(self, world, pending):
        for raw in [world.ledger.state[world.key("trade", pending['id'])], serialization.dumps(world.ledger.events)]:
            assert b'"price":' not in raw


class TestQueries:
    def test_offers_are_public_to_every_consortium_reader(self, world, offer):
        for who in (ENTERPRISE[TJ_CHEMICAL], REGULATOR["HB"], COORDINATOR):
            assert [o["id"] for o in world.query(who, "Market:Offers", status="open")] == [offer["id"]]
        assert world.query(ENTERPRISE[TJ_CHEMICAL], "Market:Offers", pollutant="COD") == []
        assert world.query(ENTERPRISE[TJ_CHEMICAL], "Market:Offer", offer_id=offer["id"])["quantity"] == 6_000
        world.query_refused(COORDINATOR, "Market:Offers", "status must be one of open, closed, cancelled",
                            status="gone")

    def test_trades_are_visible_to_their_parties_and_regions(self, world, pending):
        assert [t["id"] for t in world.query(ENTERPRISE[HB_CEMENT], "Market:Trades")] == [pending["id"]]
        assert [t["id"] for t in world.query(REGULATOR["BJ"], "Market:Trades", status="pending")] == [pending["id"]]
        assert world.query(REGULATOR["TJ"], "Market:Trades") == []
        assert world.query(ENTERPRISE[BJ_POWER], "Market:Trades") == []
        assert world.query(COORDINATOR, "Market:Trade", trade_id=pending["id"])["buyer"] == HB_CEMENT
        world.query_refused(ENTERPRISE[BJ_POWER], "Market:Trade", f"trade {pending['id']} is outside the data "
                            "permission of bj-power@BJMSP", trade_id=pending["id"])


class TestConcurrency:
    """Fabric validates each transaction's reads against the versions committed before it (MVCC)."""

    def endorse(self, world, tx_id, who, function, transient, **args):
        """Simulate a transaction against the current state without committing; return its reads and writes."""
        reads: set[str] = set()

        class RecordingStub(_MemoryStub):
            def get_state(self, key):
                reads.add(key)
                return super().get_state(key)

        stub = RecordingStub(world.ledger, tx_id, "ecoledger", world.ledger.clock, who.msp_id, who.cert_pem,
                             transient)
        response = world.ledger.router.invoke(stub, function, [serialization.dumps(args)])
        assert response.status == STATUS_OK, response.message
        return reads, set(stub.writes)

    def test_two_buyers_of_the_same_offer_conflict_on_the_offer_key(self, world, offer):
        reads_a, writes_a = self.endorse(world, "a", ENTERPRISE[BJ_POWER], "Market:Buy", priced(250),
                                         offer_id=offer["id"], quantity=6_000)
        reads_b, writes_b = self.endorse(world, "b", ENTERPRISE[HB_CEMENT], "Market:Buy", priced(250),
                                         offer_id=offer["id"], quantity=6_000)
        offer_key = world.key("offer", offer["id"])
        assert offer_key in writes_a and offer_key in reads_b
        assert offer_key in writes_b and offer_key in reads_a

    def test_a_listing_and_a_surrender_of_the_same_lots_conflict(self, world):
        world.issue(BJ_STEEL, 1_000)
        reads_a, writes_a = self.endorse(world, "a", ENTERPRISE[BJ_STEEL], "Market:ListOffer", priced(1),
                                         pollutant="SO2", vintage=2025, quantity=1_000)
        reads_b, _ = self.endorse(world, "b", ENTERPRISE[BJ_STEEL], "Permit:Surrender", {}, pollutant="SO2", year=2025,
                                  quantity=1_000)
        assert {key for key in writes_a if key.startswith("\x00lot\x00")} & reads_b
