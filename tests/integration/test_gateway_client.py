"""The Gateway client against real peers: chaincode events and many concurrent transactions."""

from __future__ import annotations

import asyncio

from client.gateway import Gateway, Wallet, connect
from common import events as envelope
from client.session import Session
from network.bootstrap import Network


def test_chaincode_events_replay_a_committed_transaction(network: Network) -> None:
    session = Session(network)
    try:
        submitted = session.contract("admin-co").submit(
            "Proposal:Table", {"kind": "resolution", "title": "Events drill", "voting_seconds": 86400,
                               "text": "every organization hears of it"})
        events = session.gateway("admin-tj").get_network("ecoledger").chaincode_events(
            "ecoledger", start_block=submitted.block_number)
        try:
            event = next(e for e in events if e.tx_id == submitted.tx_id)
        finally:
            events.close()
        assert event.event_name == "ProposalTabled"
        assert event.block_number == submitted.block_number
        [(name, payload)] = envelope.unpack(event.event_name, event.payload)
        assert name == "ProposalTabled" and payload["proposal"] == submitted.result["id"]
        assert payload["electorate"] == ["BJMSP", "COMSP", "HBMSP", "TJMSP"]
    finally:
        session.close()


def test_many_concurrent_submits_on_one_connection_all_commit(network: Network) -> None:
    entry = Wallet(network.layout.wallet_dir).get("admin-co")
    peer = network.consortium.org("CO").peers[0]
    root = (network.layout.peer_dir(peer) / "tls" / "ca.crt").read_bytes()

    async def run() -> list[int]:
        channel = connect(peer.address, root)
        try:
            contract = Gateway(channel, entry.identity, entry.signer).get_network("ecoledger").get_contract(
                "ecoledger")
            results = await asyncio.gather(*[contract.submit("Registry:WhoAmI") for _ in range(12)])
        finally:
            await channel.close()
        assert all(r.result["msp_id"] == "COMSP" for r in results)
        assert len({r.tx_id for r in results}) == 12
        return [r.block_number for r in results]

    blocks = asyncio.run(run())
    assert all(block > 0 for block in blocks)
