"""The compensation commands, wired to a fake gateway: which function on which channel, and what is printed."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner, Result

from client.cli.context import AppContext
from client.cli.main import cli
from client.gateway import SyncGateway, WalletEntry, WalletError, signer_from_pem
from client.gateway.testing import FakeChannel, FakeGatewayService, generate_identity
from network import config

CONSORTIUM = config.load("jingjinji")
STAMP = {"tx_id": "e" * 64, "at": "2026-06-02T00:10:00.000Z", "by": {"msp_id": "BJMSP", "name": "bj-reg",
                                                                       "role": "regulator"}}
AGREEMENT = {"id": "CA-00000000000000A1", "channel": "bj-hb", "section": "Chaohe", "status": "in_force",
             "upstream": {"region": "HB", "msp_id": "HBMSP"}, "downstream": {"region": "BJ", "msp_id": "BJMSP"},
             "proposed_by": "HB", "proposed": STAMP, "signed": STAMP,
             "endorsement": "AND('BJMSP.peer', 'HBMSP.peer')", "ledger_policy": "AND('BJMSP.peer', 'HBMSP.peer')",
             "terms": {"k0": "0.85", "period": "month", "tolerance": "0.1", "arbiter": "none", "due_days": 30,
                       "amounts": {"downstream_pays": 100_000_000, "upstream_pays": 60_000_000},
                       "pollutants": [{"code": "TP", "baseline": "0.1", "weight": "1"}]}}
SETTLEMENT = {"id": "CS-00000000000000B2", "agreement": AGREEMENT["id"], "period": "2026-05", "payer": "BJ",
              "payee": "HB", "amount_yuan": 100_000_000, "index": {"p": "0.6442291667", "above_one": False},
              "status": "awaiting_payment", "due": "2026-07-02T00:10:00.000Z", "due_at": 0, "overdue": True}
PERIOD = {"agreement": AGREEMENT["id"], "period": "2026-05", "status": "settled", "official": {"TP": "0.05"},
          "index": {"p": "0.6442291667"}, "settlement": SETTLEMENT, "measurements": {}}


def entry(name: str, msp_id: str, org: str, **attrs: str) -> WalletEntry:
    identity, key = generate_identity(msp_id, name)
    return WalletEntry(name=name, identity=identity, signer=signer_from_pem(key), org=org, attrs=attrs)


ENTRIES = {e.name: e for e in [entry("bj-reg", "BJMSP", "BJ", role="regulator", region="BJ"),
                               entry("co-admin", "COMSP", "CO")]}


class FakeSession:
    def __init__(self, service: FakeGatewayService) -> None:
        self.service = service
        self.gateways: list[SyncGateway] = []

    def entry(self, name: str | None) -> WalletEntry:
        if not name:
            raise WalletError("no identity chosen: pass --as NAME")
        return ENTRIES[name]

    def contract(self, name: str | None, channel: str | None = None):
        found = self.entry(name)
        self.gateways.append(SyncGateway(lambda: FakeChannel(self.service), found.identity, found.signer))
        return self.gateways[-1].get_network(channel or CONSORTIUM.channel).get_contract(CONSORTIUM.chaincode_name)

    def close(self) -> None:
        for gateway in self.gateways:
            gateway.close()


class OnlyOnBjHb(dict):
    """Refusals that depend on the channel: agreements and settlements exist on ``bj-hb`` only."""

    def __init__(self, service: FakeGatewayService) -> None:
        super().__init__()
        self.service = service

    def get(self, function: str, default: Any = None) -> Any:
        last = self.service.invocations[-1]
        if function in ("Compensation:Show", "Compensation:Settlement") and last.channel_name != "bj-hb":
            return 400, f"compensation agreement {AGREEMENT['id']} does not exist"
        return default


def answer(invocation) -> bytes:
    function = invocation.function
    answers: dict[str, Any] = {
        "Compensation:Propose": {**AGREEMENT, "status": "proposed"},
        "Compensation:Show": AGREEMENT,
        "Compensation:Settle": SETTLEMENT,
        "Compensation:Settlement": SETTLEMENT,
        "Compensation:Confirm": {**SETTLEMENT, "status": "paid"},
        "Compensation:Statement": {"agreement": AGREEMENT, "items": [PERIOD], "bookmark": "", "more": False},
        "Compensation:RegionalSettle": {"period": "2025", "pollutant": "COD", "regions": [
            {"region": "BJ", "value": "16", "standard": "20", "distance": "-0.2", "kind": "reward",
             "computed_yuan": 2_000_000, "amount_yuan": 2_000_000}],
            "pool": {"in_yuan": 2_000_000, "out_yuan": 2_000_000, "balance_yuan": 0}},
    }
    return json.dumps(answers.get(function, {})).encode()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch):
    service = FakeGatewayService(answer, block_number=42)
    service.refusals = OnlyOnBjHb(service)
    session = FakeSession(service)
    monkeypatch.setattr(AppContext, "session", property(lambda self: session))
    monkeypatch.setattr(AppContext, "network", property(lambda self: SimpleNamespace(consortium=CONSORTIUM)))
    yield session
    session.close()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"ECOLEDGER_IDENTITY": ""}, catch_exceptions=False)


def sent(fake: FakeSession) -> list[tuple[str, str, Any]]:
    return [(i.channel_name, i.function, json.loads(i.args[0]) if i.args else None)
            for i in fake.service.invocations]


def test_propose_sends_the_file_s_terms_as_text_to_the_pair_channel(fake: FakeSession, tmp_path: Path):
    path = tmp_path / "a.yaml"
    path.write_text("k0: 0.85\npollutants: {TP: 0.10}\namounts: {downstream_pays: 100, upstream_pays: 60}\n",
                    encoding="utf-8")
    result = run("--as", "bj-reg", "compensation", "propose", "--upstream", "HB", "--downstream", "BJ",
                 "--section", "Chaohe", "--file", str(path))
    assert result.exit_code == 0, result.output
    assert sent(fake) == [("bj-hb", "Compensation:Propose", {
        "upstream": "HB", "downstream": "BJ", "section": "Chaohe",
        "terms": {"k0": "0.85", "pollutants": [{"code": "TP", "baseline": "0.10"}],
                  "amounts": {"downstream_pays": 100, "upstream_pays": 60}}})]
    assert "CA-00000000000000A1" in result.stdout and "AND('BJMSP.peer', 'HBMSP.peer')" in result.stdout


def test_settle_with_a_channel_goes_straight_there_and_prints_who_pays(fake: FakeSession):
    result = run("--as", "bj-reg", "compensation", "settle", AGREEMENT["id"], "--period", "2026-05",
                 "--channel", "bj-hb")
    assert result.exit_code == 0, result.output
    assert sent(fake) == [("bj-hb", "Compensation:Settle", {"agreement": AGREEMENT["id"], "period": "2026-05"})]
    assert "¥100,000,000" in result.stdout and "0.6442291667" in result.stdout


def test_the_statement_table_shows_p_who_pays_and_overdue(fake: FakeSession):
    result = run("--as", "bj-reg", "compensation", "statement", AGREEMENT["id"], "--channel", "bj-hb")
    assert result.exit_code == 0, result.output
    assert "BJ → HB" in result.stdout and "awaiting_payment (OVERDUE)" in result.stdout
    assert "TP=0.05" in result.stdout


def test_confirm_paid_sends_the_step(fake: FakeSession):
    result = run("--as", "bj-reg", "compensation", "confirm", SETTLEMENT["id"], "--paid", "--channel", "bj-hb")
    assert result.exit_code == 0, result.output
    assert sent(fake) == [("bj-hb", "Compensation:Confirm", {"settlement": SETTLEMENT["id"], "step": "paid"})]


def test_regional_settle_prints_the_pool(fake: FakeSession):
    result = run("--as", "co-admin", "compensation", "regional", "--period", "2025", "--pollutant", "COD", "--settle")
    assert result.exit_code == 0, result.output
    assert sent(fake) == [("ecoledger", "Compensation:RegionalSettle", {"period": "2025", "pollutant": "COD"})]
    assert "balance ¥0" in result.stdout


def test_without_a_channel_the_agreement_is_looked_for_on_the_caller_s_pair_channels(fake: FakeSession):
    result = run("--as", "bj-reg", "--json", "compensation", "show", AGREEMENT["id"])
    assert result.exit_code == 0, result.output
    assert [(c, f) for c, f, _ in sent(fake)] == [("bj-tj", "Compensation:Show"), ("bj-hb", "Compensation:Show"),
                                                  ("bj-hb", "Compensation:Show")]
    assert json.loads(result.stdout)["ledger_policy"] == "AND('BJMSP.peer', 'HBMSP.peer')"


def test_a_settlement_is_looked_for_the_same_way_before_confirming(fake: FakeSession):
    result = run("--as", "bj-reg", "compensation", "confirm", SETTLEMENT["id"], "--paid")
    assert result.exit_code == 0, result.output
    assert [(c, f) for c, f, _ in sent(fake)] == [("bj-tj", "Compensation:Settlement"),
                                                  ("bj-hb", "Compensation:Settlement"),
                                                  ("bj-hb", "Compensation:Confirm")]
