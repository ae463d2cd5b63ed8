"""The Gateway client against real peers: chaincode events and many concurrent transactions."""

from __future__ import annotations

import asyncio

from client.gateway import Gateway, Wallet, connect
from client.session import Session
from network.bootstrap import Network


def test_chaincode_events_replay_a_committed_transaction(network: Network) -> None:
    session = Session(network)
    try:
        submitted = session.contract("admin-co").submit(
            "Registry:SetParameter", {"name": "event_probe", "value": "seen"})
        events = session.gateway("admin-tj").get_network("ecoledger").chaincode_events(
            "ecoledger", start_block=submitted.block_number)
        try:
            event = next(e for e in events if e.tx_id == submitted.tx_id)
        finally:
            events.close()
        assert event.event_name == "ParameterChanged"
        assert event.block_number == submitted.block_number
        assert event.decoded()["name"] == "event_probe" and event.decoded()["new"] == "seen"
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
            results = await asyncio.gather(*[
                contract.submit("Registry:SetParameter", {"name": f"concurrent_{i}", "value": i})
                for i in range(12)])
            parameters = await contract.evaluate("Registry:Parameters")
        finally:
            await channel.close()
        assert all(parameters[f"concurrent_{i}"] == i for i in range(12))
        assert len({r.tx_id for r in results}) == 12
        return [r.block_number for r in results]

    blocks = asyncio.run(run())
    assert all(block > 0 for block in blocks)
