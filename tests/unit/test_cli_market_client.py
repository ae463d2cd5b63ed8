"""The market client: who endorses a private price, what travels in the transient map, the buy flow."""

from __future__ import annotations

import json

import pytest

from client.gateway import SyncGateway, signer_from_pem
from client.gateway.testing import FakeChannel, FakeGatewayService, generate_identity
from client.market import MarketClient, MarketError, new_salt, price_endorsers, price_transient
from client.profile import Member, Membership


def members(name: str, *orgs: tuple[str, str]) -> Membership:
    """A consortium's member list as its connection profiles carry it, in consortium order."""
    return Membership(name, tuple(Member(code, f"{code}MSP", kind) for code, kind in orgs))


JINGJINJI = members("jingjinji", ("BJ", "region"), ("TJ", "region"), ("HB", "region"), ("CO", "coordinator"))
YANGTZE = members("yangtze", ("SH", "region"), ("JS", "region"), ("ZJ", "region"), ("AH", "region"),
                  ("YD", "coordinator"))

OFFER = {"id": "O-1", "seller": "S", "seller_msp": "BJMSP", "remaining": 4_000, "pending": 0, "sold": 0,
         "status": "open"}
ASK = {"kind": "offer", "id": "O-1", "price": 120, "salt": "s" * 32}


class TestEndorsers:
    def test_a_cross_region_price_is_endorsed_by_both_regions_and_the_coordinator(self):
        assert price_endorsers(JINGJINJI, ["BJMSP", "HBMSP"]) == ["BJMSP", "HBMSP", "COMSP"]

    def test_a_one_region_price_adds_the_fewest_organizations_a_majority_needs(self):
        assert price_endorsers(JINGJINJI, ["BJMSP", "BJMSP"]) == ["BJMSP", "COMSP", "TJMSP"]
        assert price_endorsers(JINGJINJI, ["HBMSP"]) == ["HBMSP", "COMSP", "BJMSP"]

    def test_five_organizations_need_three_endorsers(self):
        assert price_endorsers(YANGTZE, ["ZJMSP", "AHMSP"]) == ["ZJMSP", "AHMSP", "YDMSP"]
        assert price_endorsers(YANGTZE, ["SHMSP"]) == ["SHMSP", "YDMSP", "JSMSP"]

    def test_an_organization_outside_the_consortium_is_refused(self):
        with pytest.raises(MarketError, match="organization\\(s\\) XXMSP are not members of consortium jingjinji"):
            price_endorsers(JINGJINJI, ["BJMSP", "XXMSP"])


class TestTransient:
    def test_the_price_travels_as_ascii_digits_with_its_salt(self):
        assert price_transient(120, "salt-salt-salt-16") == {"price": b"120", "salt": b"salt-salt-salt-16"}

    @pytest.mark.parametrize("price", [-1, 1.5, True, "120"])
    def test_only_whole_non_negative_fen_are_accepted(self, price):
        with pytest.raises(MarketError, match="whole number of fen per kg"):
            price_transient(price, "s" * 16)

    def test_every_salt_is_fresh_and_long_enough_for_the_chaincode(self):
        salts = {new_salt() for _ in range(20)}
        assert len(salts) == 20 and all(len(s) == 32 for s in salts)


def market_for(msp_id: str, service: FakeGatewayService) -> tuple[MarketClient, list[FakeChannel], SyncGateway]:
    identity, key = generate_identity(msp_id, "buyer")
    channels: list[FakeChannel] = []

    def factory() -> FakeChannel:
        channels.append(FakeChannel(service))
        return channels[-1]

    gateway = SyncGateway(factory, identity, signer_from_pem(key))
    contract = gateway.get_network("ecoledger").get_contract("ecoledger")
    return MarketClient(contract, JINGJINJI, msp_id), channels, gateway


def respond(invocation):
    answers = {"Market:Offer": OFFER, "Market:Price": ASK, "Market:Buy": {"id": "T-1", "status": "pending"},
               "Market:ListOffer": {"id": "O-2"}}
    return json.dumps(answers.get(invocation.function, {})).encode()


class TestBuy:
    def test_the_buyer_reads_the_ask_on_its_own_peer_and_sends_it_to_the_pair_collections_members(self):
        service = FakeGatewayService(respond)
        market, channels, gateway = market_for("HBMSP", service)
        with gateway:
            outcome = market.buy("O-1", 1_000)
        assert outcome.result == {"id": "T-1", "status": "pending"}
        assert [i.function for i in service.invocations] == ["Market:Offer", "Market:Price", "Market:Buy"]
        buy = service.invocations[-1]
        assert json.loads(buy.args[0]) == {"offer_id": "O-1", "quantity": 1_000}
        assert buy.transient == {"price": b"120", "salt": b"s" * 32}
        [endorse] = channels[0].requests("Endorse")
        assert list(endorse.endorsing_organizations) == ["BJMSP", "HBMSP", "COMSP"]
        assert not channels[0].requests("Evaluate")[0].target_organizations

    def test_without_a_quantity_everything_still_available_is_bought(self):
        service = FakeGatewayService(respond)
        market, _, gateway = market_for("BJMSP", service)
        with gateway:
            market.buy("O-1")
        assert json.loads(service.invocations[-1].args[0])["quantity"] == 4_000

    def test_an_offer_with_nothing_left_is_refused_before_anything_is_submitted(self):
        sold_out = {**OFFER, "remaining": 0, "sold": 4_000, "status": "closed"}
        service = FakeGatewayService(lambda i: json.dumps(sold_out).encode())
        market, channels, gateway = market_for("HBMSP", service)
        with gateway, pytest.raises(MarketError, match="offer O-1 is closed with nothing left to buy"):
            market.buy("O-1")
        assert channels[0].requests("Endorse") == []


class TestListOffer:
    def test_the_ask_goes_with_a_fresh_salt_to_the_seller_the_coordinator_and_one_more_region(self):
        service = FakeGatewayService(respond)
        market, channels, gateway = market_for("BJMSP", service)
        with gateway:
            market.list_offer("SO2", 2026, 400_000, 120)
        [listing] = service.invocations
        assert json.loads(listing.args[0]) == {"pollutant": "SO2", "vintage": 2026, "quantity": 400_000}
        assert listing.transient["price"] == b"120" and len(listing.transient["salt"]) == 32
        assert list(channels[0].requests("Endorse")[0].endorsing_organizations) == ["BJMSP", "COMSP", "TJMSP"]
