"""The foundation on a real network: nodes, channels, chaincode, identities, BFT fault tolerance, restart."""

from __future__ import annotations

import base64

import pytest
from chaincode.runtime.memory import make_identity
from client.gateway import GatewayError
from client.retry import RetryPolicy, wait_for
from client.session import Session, endorsement_probe
from network.bootstrap import Network
from network.onboarding import register, wallet_of

from .conftest import Cli


def _heights(ecoledger: Cli) -> dict[str, dict[str, int]]:
    return ecoledger.json("network", "status")["heights"]


def test_every_node_is_healthy_and_peers_agree_on_every_channel(ecoledger: Cli, network: Network) -> None:
    status = ecoledger.json("network", "status")
    kinds = sorted(n["kind"] for n in status["nodes"])
    assert kinds.count("ca") == 4 and kinds.count("orderer") == 4
    assert kinds.count("peer") == 4 and kinds.count("chaincode") == 4
    assert all(n["health"] == "OK" for n in status["nodes"]), status["nodes"]
    assert set(status["heights"]) == {"ecoledger", "bj-tj", "bj-hb", "tj-hb"}
    for channel, peers in status["heights"].items():
        assert len(set(peers.values())) == 1, f"{channel}: peers disagree {peers}"
    assert status["heights"]["bj-tj"].keys() == {"peer0.bj.ecoledger", "peer0.tj.ecoledger"}


def test_up_on_a_running_network_only_reports_it(ecoledger: Cli) -> None:
    summary = ecoledger.json("network", "up")
    assert summary["already_running"] is True
    assert summary["consensus"] == "bft"
    assert len(summary["chaincode"]["package_ids"]) == 4


def test_ledger_info_shows_the_same_block_hash_at_every_org(ecoledger: Cli) -> None:
    rows = ecoledger.json("ledger", "info", "--channel", "ecoledger")
    assert {r["org"] for r in rows} == {"BJ", "TJ", "HB", "CO"}
    assert len({(r["height"], r["current_block_hash"]) for r in rows}) == 1
    assert len(base64.b64decode(rows[0]["current_block_hash"])) == 32


def test_certificate_attributes_reach_the_chaincode(ecoledger: Cli) -> None:
    ecoledger.ok("identity", "register", "--org", "HB", "--name", "hb-inspector", "--role", "regulator")
    seen = ecoledger.json("--as", "hb-inspector", "registry", "whoami")
    assert seen == {"msp_id": "HBMSP", "name": "hb-inspector", "role": "regulator", "region": "HB",
                    "entity": "", "admin": False}


def test_registering_twice_is_idempotent_and_conflicts_are_refused(ecoledger: Cli) -> None:
    ecoledger.ok("identity", "register", "--org", "TJ", "--name", "tj-monitor", "--role", "monitor")
    again = ecoledger.ok("identity", "register", "--org", "TJ", "--name", "tj-monitor", "--role", "monitor")
    assert "already registered" in again.stdout
    error = ecoledger.fails("identity", "register", "--org", "TJ", "--name", "tj-monitor", "--role", "regulator")
    assert "already exists with different" in error
    error = ecoledger.fails("identity", "register", "--org", "TJ", "--name", "x", "--role", "regulator",
                            "--attr", "region=BJ")
    assert "does not match organization TJ" in error
    names = [row["name"] for row in ecoledger.json("identity", "list")]
    assert "x" not in names and names.count("tj-monitor") == 1


def test_users_of_two_organizations_evaluate_the_member_registry(ecoledger: Cli) -> None:
    for identity in ("admin-bj", "admin-hb"):
        members = ecoledger.json("--as", identity, "registry", "members")
        assert [(m["code"], m["kind"]) for m in members] == [
            ("BJ", "region"), ("CO", "coordinator"), ("HB", "region"), ("TJ", "region")]


def test_submits_by_two_organizations_commit_and_are_seen_by_all(network: Network) -> None:
    register(network, "BJ", "bj-reg-foundation", "regulator")
    session = Session(network)
    try:
        by_coordinator = session.contract("admin-co").submit(
            "Proposal:Table", {"kind": "resolution", "title": "Share flood warnings", "voting_seconds": 86400,
                               "text": "Flood warnings reach every region within the hour"})
        by_region = session.contract("bj-reg-foundation").submit(
            "Enterprise:Register", {"entity": "91110000600037341L", "name": "Capital Steel", "region": "BJ"})
        assert by_coordinator.tx_id != by_region.tx_id
        assert by_region.block_number > 0
        for reader in ("admin-tj", "admin-hb"):
            contract = session.contract(reader)
            shown = contract.evaluate("Proposal:Show", {"proposal_id": by_coordinator.result["id"]})
            assert shown["tabled"]["by"]["msp_id"] == "COMSP" and shown["status"] == "open"
        enterprise = session.contract("admin-co").evaluate("Enterprise:Show", {"entity": "91110000600037341L"})
        assert enterprise["region"] == "BJ"
    finally:
        session.close()


def test_refused_submit_prints_the_chaincode_reason_and_changes_nothing(ecoledger: Cli) -> None:
    before = ecoledger.json("--as", "admin-tj", "registry", "parameters")
    heights = _heights(ecoledger)["ecoledger"]
    error = ecoledger.fails("--as", "admin-bj", "proposal", "table", "--kind", "parameter", "--title", "t",
                            "--set", 'import_barred_regions="HB"')
    assert error == ("error: this change could never be applied: parameter import_barred_regions expects a list "
                     "of region codes: got a string ('HB')")
    assert ecoledger.json("--as", "admin-tj", "registry", "parameters") == before
    assert _heights(ecoledger)["ecoledger"] == heights


@pytest.mark.parametrize("msp_id", ["BJMSP", "ZZMSP"])
def test_an_identity_the_channel_does_not_know_is_refused(network: Network, msp_id: str) -> None:
    """A self-made certificate (not issued by any member CA) or an unknown MSP cannot transact."""
    forged = make_identity(msp_id, "intruder", role="regulator", region="BJ")
    name = f"intruder-{msp_id.lower()}"
    wallet_of(network).put(name, msp_id, "BJ", forged.cert_pem, forged.key_pem)
    session = Session(network)
    try:
        before = session.contract("admin-co").evaluate("Registry:Parameters")
        with pytest.raises(GatewayError) as refused:
            session.contract(name).submit("Proposal:Table", {"kind": "resolution", "title": "intrusion",
                                                             "voting_seconds": 86400, "text": "let me in"})
        text = str(refused.value)
        assert "access denied" in text and "creator" in text, text
        assert session.contract("admin-co").evaluate("Registry:Parameters") == before
    finally:
        session.close()


def test_submits_commit_while_one_ordering_node_is_down(ecoledger: Cli, network: Network) -> None:
    """SmartBFT with four nodes tolerates one fault."""
    ecoledger.ok("network", "stop-node", "orderer.tj")
    try:
        status = {n["name"]: n["health"] for n in ecoledger.json("network", "status")["nodes"]}
        assert status["orderer.tj.ecoledger"] == "stopped"
        result = ecoledger.json("--as", "admin-co", "proposal", "table", "--kind", "resolution", "--title",
                                "Orderer maintenance", "--text", "TJ's ordering node is serviced today")
        assert result["block"] > 0
        assert ecoledger.json("--as", "admin-co", "proposal", "show", result["id"])["title"] == "Orderer maintenance"
    finally:
        ecoledger.ok("network", "start-node", "orderer.tj")


def test_state_survives_down_and_up(ecoledger: Cli, network: Network) -> None:
    tabled = ecoledger.json("--as", "admin-co", "proposal", "table", "--kind", "resolution", "--title",
                            "Restart drill", "--text", "the ledger survives a restart")
    ecoledger.ok("network", "down")
    stopped = ecoledger.json("network", "status")
    assert all(n["health"] == "stopped" for n in stopped["nodes"])
    summary = ecoledger.json("network", "up")
    assert summary["already_running"] is False
    assert ecoledger.json("--as", "admin-bj", "proposal", "show", tabled["id"])["title"] == "Restart drill"
    for channel, peers in _heights(ecoledger).items():
        assert len(set(peers.values())) == 1, f"{channel} after restart: {peers}"


def test_a_write_with_two_organizations_down_names_them_and_the_policy(ecoledger: Cli, network: Network) -> None:
    """MAJORITY of four needs three endorsements: with Tianjin's and Hebei's peers stopped none can be had."""
    before = ecoledger.json("--as", "admin-co", "proposal", "list", "--all")
    for node in ("peer0.tj", "peer0.hb"):
        ecoledger.ok("network", "stop-node", node)
    try:
        error = ecoledger.fails("--as", "admin-co", "proposal", "table", "--kind", "resolution", "--title", "t",
                                "--text", "written while two organizations are down")
        assert error.startswith("error: endorsement failed: organization"), error
        assert "TJMSP" in error and "HBMSP" in error and "could not endorse" in error, error
        assert "majority of the channel's 4 organizations (3)" in error, error
    finally:
        for node in ("peer0.tj", "peer0.hb"):
            ecoledger.ok("network", "start-node", node)
    session = Session(network)
    try:
        probe = endorsement_probe(session)
        wait_for(lambda: [probe(f"admin-{code}") for code in ("bj", "tj", "hb", "co")],
                 RetryPolicy.polling(2.0, 240.0), until=lambda reasons: not any(reasons),
                 describe=lambda reasons: f"endorsement still failing after restart: {reasons}")
    finally:
        session.close()
    assert ecoledger.json("--as", "admin-co", "proposal", "list", "--all") == before
