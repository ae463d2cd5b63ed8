"""The enterprise, permit, market and events commands, wired to a fake gateway.

Each command runs through ``click.testing.CliRunner`` with the wallet and the
network replaced by fakes: the tests check which chaincode function is called
with which arguments, transient fields and endorsers, how results print, and
that bad input ends in one ``error:`` line with nothing sent.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from click.testing import CliRunner, Result
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import chaincode_event_pb2

from client.cli.context import AppContext
from client.cli.main import cli
from client.gateway import SyncChaincodeEvents, SyncGateway, WalletEntry, WalletError, signer_from_pem
from client.gateway.testing import Failure, FakeChannel, FakeGatewayService, generate_identity
from network import config

CONSORTIUM = config.load("jingjinji")
STEEL = "91110000MA01BJ0011"
CEMENT = "91130000MA01HB0011"


def entry(name: str, msp_id: str, org: str, **attrs: str) -> WalletEntry:
    identity, key = generate_identity(msp_id, name)
    return WalletEntry(name=name, identity=identity, signer=signer_from_pem(key), org=org, attrs=attrs)


ENTRIES = {e.name: e for e in [
    entry("bj-regulator", "BJMSP", "BJ", role="regulator", region="BJ"),
    entry("bj-steel", "BJMSP", "BJ", role="enterprise", region="BJ", entity=STEEL),
    entry("hb-cement", "HBMSP", "HB", role="enterprise", region="HB", entity=CEMENT),
    entry("admin-co", "COMSP", "CO", role="admin"),
]}

STAMP = {"tx_id": "f" * 64, "at": "2026-01-01T00:00:00.000Z", "by": {"msp_id": "BJMSP", "name": "bj-regulator",
                                                                       "role": "regulator"}}
LOT = {"id": "L-0123456789ABCDEF", "owner": STEEL, "owner_region": "BJ", "issuing_region": "BJ",
       "pollutant": "SO2", "vintage": 2026, "quantity": 1_000_000, "initial_quantity": 1_000_000, "status": "held",
       "offer": None, "trade": None, "surrender": None, "frozen": None, "parent": None, "root": "L-0123456789ABCDEF",
       "provenance": [{**STAMP, "action": "issued", "owner": STEEL, "quantity": 1_000_000, "status": "held"}]}
OFFER = {"id": "O-00000000000000AA", "seller": STEEL, "seller_region": "BJ", "seller_msp": "BJMSP",
         "pollutant": "SO2", "vintage": 2026, "quantity": 400_000, "remaining": 400_000, "pending": 0, "sold": 0,
         "status": "open", "lots": ["L-1"], "trades": [], "price_hash": "a" * 64}
TRADE = {"id": "T-00000000000000BB", "offer": OFFER["id"], "seller": STEEL, "seller_region": "BJ",
         "seller_msp": "BJMSP", "buyer": CEMENT, "buyer_region": "HB", "buyer_msp": "HBMSP", "pollutant": "SO2",
         "vintage": 2026, "quantity": 100_000, "cross_region": True, "status": "pending",
         "approvals_required": ["BJ", "HB"], "approvals": {"HB": STAMP}, "rejection": None, "lots": ["L-2"],
         "price_hash": "a" * 64}
ASK = {"kind": "offer", "id": OFFER["id"], "price": 120, "salt": "b" * 32, "hash": "a" * 64, "quantity": 400_000,
       "amount": 48_000_000, "collection": "price_BJMSP_HBMSP", "matches_public_hash": True}
TOTALS = [{"pollutant": "SO2", "vintage": 2026, "issued": 1_000_000, "held": 600_000, "escrowed": 250_000,
           "retired": 150_000, "balanced": True}]
ENTERPRISE = {"entity": STEEL, "name": "Beijing Steel", "region": "BJ", "msp_id": "BJMSP", "frozen": None,
              "registered": STAMP, "log": [{**STAMP, "action": "registered"}]}

ANSWERS: dict[str, Any] = {
    "Permit:Issue": LOT, "Permit:Lots": [LOT], "Permit:Show": LOT, "Permit:Totals": TOTALS,
    "Permit:Surrender": {**STAMP, "id": "S-1", "entity": CEMENT, "region": "HB", "pollutant": "SO2", "year": 2026,
                         "quantity": 150_000, "lots": [{"lot": "L-3", "vintage": 2026, "quantity": 150_000}]},
    "Enterprise:Register": ENTERPRISE, "Enterprise:List": [ENTERPRISE],
    "Enterprise:Freeze": {**ENTERPRISE, "frozen": {**STAMP, "reason": "audit"}},
    "Market:ListOffer": OFFER, "Market:Offer": OFFER, "Market:Offers": [OFFER], "Market:Price": ASK,
    "Market:Buy": TRADE, "Market:Approve": TRADE, "Market:Trades": [TRADE],
    "Market:Reject": {**TRADE, "status": "rejected", "rejection": {**STAMP, "region": "BJ", "reason": "target missed"}},
}


class FakeSession:
    """The parts of :class:`client.session.Session` the commands use, over one fake gateway service."""

    def __init__(self, service: FakeGatewayService) -> None:
        self.service = service
        self.channels: list[FakeChannel] = []
        self.gateways: list[SyncGateway] = []

    def entry(self, name: str | None) -> WalletEntry:
        if not name:
            raise WalletError("no identity chosen: pass --as NAME")
        return ENTRIES[name]

    def _channel(self) -> FakeChannel:
        self.channels.append(FakeChannel(self.service))
        return self.channels[-1]

    def gateway(self, name: str | None, peer_index: int = 0) -> SyncGateway:
        found = self.entry(name)
        self.gateways.append(SyncGateway(self._channel, found.identity, found.signer))
        return self.gateways[-1]

    def contract(self, name: str | None, channel: str | None = None):
        return self.gateway(name).get_network(channel or CONSORTIUM.channel).get_contract(CONSORTIUM.chaincode_name)

    def requests(self, method: str) -> list[Any]:
        return [request for channel in self.channels for request in channel.requests(method)]

    def close(self) -> None:
        for gateway in self.gateways:
            gateway.close()


def answer(invocation) -> bytes:
    return json.dumps(ANSWERS.get(invocation.function, {})).encode()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch):
    session = FakeSession(FakeGatewayService(answer, block_number=42))
    monkeypatch.setattr(AppContext, "session", property(lambda self: session))
    monkeypatch.setattr(AppContext, "network", property(lambda self: SimpleNamespace(consortium=CONSORTIUM)))
    yield session
    session.close()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"ECOLEDGER_IDENTITY": ""}, catch_exceptions=False)


def sent(fake: FakeSession) -> list[tuple[str, Any]]:
    return [(i.function, json.loads(i.args[0]) if i.args else None) for i in fake.service.invocations]


class TestBadInputSendsNothing:
    @pytest.mark.parametrize("args, error", [
        (["permit", "issue", "--to", STEEL, "--pollutant", "SO2", "--vintage", "2026", "--quantity", "12x"],
         "error: --quantity: quantity '12x' has unknown unit 'x'; use kg or t"),
        (["market", "offer", "--pollutant", "SO2", "--vintage", "2026", "--quantity", "1t", "--price", "1205/t"],
         "error: --price: price '1205/t' is 120.5 fen per kg"),
        (["market", "offer", "--pollutant", "SO2", "--vintage", "2026", "--quantity", "1t", "--price", "1200"],
         "error: --price: price '1200' is not an amount in yuan per unit, like 1200/t or 1.2/kg"),
        (["permit", "surrender", "--pollutant", "SO2", "--year", "26", "--quantity", "1t"],
         "error: --year: '26' is not a year between 1990 and 2200"),
        (["market", "buy", "O-1", "--quantity", "0.5kg"], "error: --quantity: quantity '0.5kg' is not a whole"),
    ])
    def test_a_bad_value_is_one_error_line_and_a_non_zero_exit(self, fake, args, error):
        result = run("--as", "bj-steel", *args)
        assert result.exit_code == 1
        assert result.stderr.startswith(error) and result.stderr.count("\n") == 1
        assert fake.service.invocations == []

    def test_no_identity_is_one_error_line(self, fake):
        result = run("permit", "totals")
        assert (result.exit_code, result.stderr) == (1, "error: no identity chosen: pass --as NAME\n")

    def test_a_chaincode_refusal_prints_the_chaincodes_words(self, fake):
        fake.service.refuse("Permit:Issue", f"enterprise {STEEL} is not registered in region HB")
        result = run("--as", "bj-regulator", "permit", "issue", "--to", STEEL, "--pollutant", "SO2",
                     "--vintage", "2026", "--quantity", "1t")
        assert result.exit_code == 1
        assert result.stderr == f"error: enterprise {STEEL} is not registered in region HB\n"


class TestDiscoveryGaps:
    def test_a_write_waits_for_an_endorser_the_gateway_does_not_know_yet_and_says_so_once(self, fake):
        unknown = "failed to find any endorsing peers for org(s): COMSP"
        fake.service.failures["Endorse"] = Failure(grpc.StatusCode.UNAVAILABLE, unknown)
        original = fake.service.Endorse

        async def unknown_at_first(request, context):
            if len(fake.requests("Endorse")) > 1:
                del fake.service.failures["Endorse"]
            return await original(request, context)

        fake.service.Endorse = unknown_at_first
        result = run("--as", "bj-steel", "market", "offer", "--pollutant", "SO2", "--vintage", "2026",
                     "--quantity", "1t", "--price", "1200/t")
        assert result.exit_code == 0, result.output
        assert result.stderr == f"note: {unknown}; waiting for the gateway to discover it\n"
        assert len(fake.requests("Endorse")) == 2


class TestEndorsementFailures:
    COLLECT = "failed to collect enough transaction endorsements, see attached details for more info"

    @staticmethod
    def unreachable(code: str) -> gateway_pb2.ErrorDetail:
        address = CONSORTIUM.org(code).peers[0].address
        return gateway_pb2.ErrorDetail(address=address, msp_id=f"{code}MSP", message=(
            'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: '
            f'dial tcp {address}: connect: connection refused"'))

    def test_organizations_that_are_down_are_named_with_what_the_policy_needs(self, fake):
        fake.service.failures["Endorse"] = Failure(grpc.StatusCode.ABORTED, self.COLLECT,
                                                   [self.unreachable("TJ"), self.unreachable("HB")])
        result = run("--as", "bj-regulator", "permit", "freeze", STEEL, "--reason", "audit")
        tj, hb = (CONSORTIUM.org(code).peers[0].address for code in ("TJ", "HB"))
        assert result.exit_code == 1
        assert result.stderr == (
            f"error: endorsement failed: organizations TJMSP, HBMSP could not endorse ({tj}: connection refused; "
            f"{hb}: connection refused); the chaincode's endorsement policy needs a majority of the channel's "
            f"4 organizations (3)\n")
        assert len(fake.requests("Endorse")) == 1  # organizations being down is no lost race: not sent again

    def test_with_debug_the_error_itself_is_raised(self, fake):
        from client.gateway import EndorseError

        fake.service.failures["Endorse"] = Failure(grpc.StatusCode.ABORTED, self.COLLECT, [self.unreachable("TJ")])
        with pytest.raises(EndorseError):
            run("--as", "bj-regulator", "permit", "freeze", STEEL, "--reason", "audit", "--debug")


class TestPermitCommands:
    def test_issue_sends_kilograms_and_reports_the_new_lot(self, fake):
        result = run("--as", "bj-regulator", "permit", "issue", "--to", STEEL, "--pollutant", "SO2",
                     "--vintage", "2026", "--quantity", "1000t")
        assert result.exit_code == 0, result.output
        assert sent(fake) == [("Permit:Issue", {"entity": STEEL, "pollutant": "SO2", "vintage": 2026,
                                                "quantity": 1_000_000})]
        assert "lot        L-0123456789ABCDEF" in result.stdout and "1,000 t" in result.stdout
        assert "(block 42)" in result.stdout

    def test_json_output_is_the_whole_result_with_transaction_and_block(self, fake):
        result = run("--json", "--as", "bj-regulator", "permit", "issue", "--to", STEEL, "--pollutant", "SO2",
                     "--vintage", "2026", "--quantity", "1t")
        printed = json.loads(result.stdout)
        assert printed["id"] == LOT["id"] and printed["block"] == 42 and len(printed["tx_id"]) == 64
        assert printed["provenance"] == LOT["provenance"]

    def test_list_passes_only_the_filters_given_and_prints_full_ids(self, fake):
        result = run("--as", "bj-regulator", "permit", "list", "--owner", STEEL, "--pollutant", "SO2")
        assert sent(fake) == [("Permit:Lots", {"owner": STEEL, "pollutant": "SO2"})]
        assert "L-0123456789ABCDEF" in result.stdout and "1,000 t" in result.stdout
        assert json.loads(run("--json", "--as", "bj-regulator", "permit", "list").stdout) == [LOT]

    def test_surrender_sends_the_vintage_only_when_given(self, fake):
        run("--as", "hb-cement", "permit", "surrender", "--pollutant", "SO2", "--year", "2026", "--quantity", "150t")
        run("--as", "hb-cement", "permit", "surrender", "--pollutant", "SO2", "--year", "2026", "--quantity", "1t",
            "--vintage", "2025")
        assert sent(fake) == [
            ("Permit:Surrender", {"pollutant": "SO2", "year": 2026, "quantity": 150_000}),
            ("Permit:Surrender", {"pollutant": "SO2", "year": 2026, "quantity": 1_000, "vintage": 2025})]

    def test_freeze_is_an_enterprise_freeze_with_its_reason(self, fake):
        result = run("--as", "bj-regulator", "permit", "freeze", STEEL, "--reason", "audit")
        assert sent(fake) == [("Enterprise:Freeze", {"entity": STEEL, "reason": "audit"})]
        assert "frozen  audit" in result.stdout

    def test_freeze_needs_a_reason(self, fake):
        result = run("--as", "bj-regulator", "permit", "freeze", STEEL)
        assert result.exit_code != 0 and "Missing option '--reason'" in result.stderr
        assert fake.service.invocations == []

    def test_totals_print_one_row_per_pollutant_and_vintage(self, fake):
        result = run("--as", "admin-co", "permit", "totals", "--pollutant", "SO2")
        assert sent(fake) == [("Permit:Totals", {"pollutant": "SO2"})]
        [row] = [line for line in result.stdout.splitlines() if line.startswith("SO2")]
        assert row.split() == ["SO2", "2026", "1,000", "t", "600", "t", "250", "t", "150", "t", "yes"]


class TestEnterpriseCommands:
    def test_register_uses_the_regulators_region(self, fake):
        run("--as", "bj-regulator", "enterprise", "register", "--entity", STEEL, "--name", "Beijing Steel")
        assert sent(fake) == [("Enterprise:Register", {"entity": STEEL, "name": "Beijing Steel", "region": "BJ"})]

    def test_an_identity_without_a_region_sends_its_organization(self, fake):
        run("--as", "admin-co", "enterprise", "register", "--entity", STEEL, "--name", "x")
        assert sent(fake)[0][1]["region"] == "CO"

    def test_list_shows_the_status(self, fake):
        result = run("--as", "bj-regulator", "enterprise", "list", "--region", "BJ")
        assert sent(fake) == [("Enterprise:List", {"region": "BJ"})]
        assert "Beijing Steel" in result.stdout and "active" in result.stdout


class TestMarketCommands:
    def test_offer_converts_the_price_and_keeps_it_out_of_the_arguments(self, fake):
        result = run("--as", "bj-steel", "market", "offer", "--pollutant", "SO2", "--vintage", "2026",
                     "--quantity", "400t", "--price", "1200/t")
        assert result.exit_code == 0, result.output
        [listing] = fake.service.invocations
        assert json.loads(listing.args[0]) == {"pollutant": "SO2", "vintage": 2026, "quantity": 400_000}
        assert listing.transient["price"] == b"120" and len(listing.transient["salt"]) == 32
        assert list(fake.requests("Endorse")[0].endorsing_organizations) == ["BJMSP", "COMSP", "TJMSP"]
        assert "1,200 yuan/t (private)" in result.stdout

    def test_buy_reads_the_ask_then_buys_with_it(self, fake):
        result = run("--as", "hb-cement", "market", "buy", OFFER["id"], "--quantity", "100t")
        assert result.exit_code == 0, result.output
        assert [f for f, _ in sent(fake)] == ["Market:Offer", "Market:Price", "Market:Buy"]
        assert sent(fake)[-1][1] == {"offer_id": OFFER["id"], "quantity": 100_000}
        assert fake.service.invocations[-1].transient == {"price": b"120", "salt": b"b" * 32}
        assert list(fake.requests("Endorse")[0].endorsing_organizations) == ["BJMSP", "HBMSP", "COMSP"]
        assert "BJ waiting, HB ok" in result.stdout and "pending" in result.stdout

    def test_a_sold_out_offer_is_refused_by_the_client(self, fake, monkeypatch):
        monkeypatch.setitem(ANSWERS, "Market:Offer", {**OFFER, "remaining": 0, "sold": 400_000, "status": "closed"})
        result = run("--as", "hb-cement", "market", "buy", OFFER["id"])
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: offer {OFFER['id']} is closed with nothing left to buy")
        assert fake.requests("Endorse") == []

    def test_approve_prints_the_approvals(self, fake):
        result = run("--as", "bj-regulator", "market", "approve", TRADE["id"])
        assert sent(fake) == [("Market:Approve", {"trade_id": TRADE["id"]})]
        assert "approvals   BJ waiting, HB ok" in result.stdout

    def test_reject_needs_a_reason_and_sends_it(self, fake):
        assert run("--as", "bj-regulator", "market", "reject", TRADE["id"]).exit_code != 0
        result = run("--as", "bj-regulator", "market", "reject", TRADE["id"], "--reason", "target missed")
        assert sent(fake) == [("Market:Reject", {"trade_id": TRADE["id"], "reason": "target missed"})]
        assert "rejected    by BJ: target missed" in result.stdout

    def test_price_shows_yuan_per_tonne_and_the_amount(self, fake):
        result = run("--as", "hb-cement", "market", "price", OFFER["id"])
        assert sent(fake) == [("Market:Price", {"id": OFFER["id"]})]
        assert "1,200 yuan/t (120 fen/kg)" in result.stdout and "480,000.00 yuan" in result.stdout

    def test_offers_and_trades_list_with_their_filters(self, fake):
        offers = run("--as", "hb-cement", "market", "offers", "--pollutant", "SO2").stdout
        trades = run("--as", "hb-cement", "market", "trades", "--entity", CEMENT).stdout
        assert sent(fake) == [("Market:Offers", {"pollutant": "SO2"}), ("Market:Trades", {"entity": CEMENT})]
        assert OFFER["id"] in offers and "400 t" in offers
        assert TRADE["id"] in trades and "BJ->HB" in trades
        assert json.loads(run("--json", "--as", "hb-cement", "market", "trades").stdout) == [TRADE]


def chaincode_events(*events: tuple[int, str, str, dict[str, Any]]) -> list[gateway_pb2.ChaincodeEventsResponse]:
    return [gateway_pb2.ChaincodeEventsResponse(block_number=block, events=[chaincode_event_pb2.ChaincodeEvent(
        chaincode_id="ecoledger", tx_id=tx_id, event_name=name, payload=json.dumps(payload).encode())])
        for block, tx_id, name, payload in events]


class TestEventsWatch:
    EVENTS = chaincode_events((7, "a" * 64, "AllowanceIssued", {"lot": "L-1", "quantity": 1000, "tx_id": "a" * 64}),
                              (8, "b" * 64, "OfferListed", {"offer": "O-1", "lots": ["L-2"]}),
                              (9, "c" * 64, "TradeSettled", {"trade": "T-1"}))

    @pytest.fixture
    def events(self, fake):
        fake.service.events = self.EVENTS
        fake.service.hold_events_open = True
        return fake

    def test_events_print_one_line_each_and_stop_at_the_limit(self, events):
        result = run("--as", "admin-co", "events", "watch", "--from-block", "7", "--limit", "2")
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == [
            f"block 7  tx {'a' * 12}  AllowanceIssued  lot=L-1 quantity=1000",
            f"block 8  tx {'b' * 12}  OfferListed  offer=O-1"]
        [request] = events.requests("ChaincodeEvents")
        assert gateway_pb2.ChaincodeEventsRequest.FromString(request.request).start_position.specified.number == 7

    def test_json_events_are_one_object_per_line(self, events):
        result = run("--json", "--as", "admin-co", "events", "watch", "--limit", "3")
        printed = [json.loads(line) for line in result.stdout.splitlines()]
        assert [(e["block"], e["event"]) for e in printed] == [(7, "AllowanceIssued"), (8, "OfferListed"),
                                                               (9, "TradeSettled")]
        assert printed[1]["payload"] == {"offer": "O-1", "lots": ["L-2"]}

    def test_the_stream_ending_ends_the_command(self, fake):
        fake.service.events = self.EVENTS[:1]
        result = run("--as", "admin-co", "events", "watch", "--channel", "bj-hb")
        assert result.exit_code == 0 and len(result.stdout.splitlines()) == 1
        [request] = fake.requests("ChaincodeEvents")
        assert gateway_pb2.ChaincodeEventsRequest.FromString(request.request).channel_id == "bj-hb"

    def test_ctrl_c_stops_watching_cleanly(self, events, monkeypatch):
        real_next = SyncChaincodeEvents.__next__
        delivered: list[int] = []

        def interrupted(stream):
            if delivered:
                raise KeyboardInterrupt
            delivered.append(1)
            return real_next(stream)

        monkeypatch.setattr(SyncChaincodeEvents, "__next__", interrupted)
        result = run("--as", "admin-co", "events", "watch")
        assert (result.exit_code, result.stderr) == (0, "")
        assert len(result.stdout.splitlines()) == 1
        assert all(stream.cancelled for channel in events.channels for stream in channel.streams)


class TestBulkAndCatalogue:
    def test_issue_batch_checks_every_row_then_sends_batches(self, fake, tmp_path):
        ANSWERS["Permit:IssueBatch"] = {"count": 2, "lots": ["L-1", "L-2"], "kilograms": {"SO2": 2_000_500}}
        try:
            path = tmp_path / "lots.csv"
            path.write_text("entity,pollutant,vintage,quantity\n"
                            f"{STEEL},SO2,2026,2000t\n{STEEL},SO2,2026,500kg\n"
                            f"{STEEL},NOx,2025,1t\n{STEEL},NOx,2025,2\n{STEEL},PM,2025,3\n")
            result = run("--as", "bj-regulator", "--json", "permit", "issue-batch", str(path), "--batch", "2")
            assert result.exit_code == 0, result.output
            calls = sent(fake)
            assert [name for name, _ in calls] == ["Permit:IssueBatch"] * 3
            assert calls[0][1]["lots"] == [
                {"entity": STEEL, "pollutant": "SO2", "vintage": 2026, "quantity": 2_000_000},
                {"entity": STEEL, "pollutant": "SO2", "vintage": 2026, "quantity": 500}]
            assert [len(args["lots"]) for _, args in calls] == [2, 2, 1]
            assert json.loads(result.stdout)["transactions"] == 3
        finally:
            ANSWERS.pop("Permit:IssueBatch")

    @pytest.mark.parametrize("content, message", [
        ("entity,pollutant,vintage,quantity\n{STEEL},SO2,2026,1.5kg\n", "line 2: quantity '1.5kg' is not a whole"),
        ("entity,pollutant,vintage,quantity\n{STEEL},SO2,,1t\n", "line 2: missing vintage"),
        ("entity,pollutant,vintage,quantity\n", "the file has no lots"),
    ])
    def test_a_bad_row_is_refused_by_line_and_nothing_is_sent(self, fake, tmp_path, content, message):
        path = tmp_path / "lots.csv"
        path.write_text(content.replace("{STEEL}", STEEL))
        result = run("--as", "bj-regulator", "permit", "issue-batch", str(path))
        assert result.exit_code == 1 and message in result.stderr
        assert sent(fake) == []

    def test_registry_parameters_shows_the_catalogue_and_json_keeps_name_to_value(self, fake):
        ANSWERS["Registry:Catalogue"] = [{"name": "import_barred_regions", "type": "a list of region codes",
                                          "default": [], "value": ["HB"], "set": True, "domain": "permit",
                                          "description": "regions that may not import"}]
        ANSWERS["Registry:Parameters"] = {"import_barred_regions": ["HB"]}
        try:
            table_output = run("--as", "admin-co", "registry", "parameters").stdout
            assert "import_barred_regions" in table_output and "a list of region codes" in table_output
            assert json.loads(run("--as", "admin-co", "registry", "parameters", "--json").stdout) == {
                "import_barred_regions": ["HB"]}
            catalogue = json.loads(run("--as", "admin-co", "registry", "parameters", "--json", "--catalogue").stdout)
            assert catalogue[0]["domain"] == "permit"
            assert [name for name, _ in sent(fake)] == ["Registry:Catalogue", "Registry:Parameters",
                                                        "Registry:Catalogue"]
        finally:
            ANSWERS.pop("Registry:Catalogue")
            ANSWERS.pop("Registry:Parameters")
