"""Connections from wallet identities to their own organization's peer.

An identity talks to a peer of its own organization through the Gateway (the
peer then gathers endorsements from other organizations via discovery). The
endpoint and TLS root come from the network layout, so nothing is configured twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from client.gateway import SyncContract, SyncGateway, Wallet, WalletEntry, WalletError

if TYPE_CHECKING:
    from network.bootstrap import Network


class Session:
    """Opened gateways of one command, closed together."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.wallet = Wallet(network.layout.wallet_dir)
        self._gateways: dict[str, SyncGateway] = {}

    def entry(self, name: str | None) -> WalletEntry:
        if not name:
            raise WalletError("no identity chosen: pass --as NAME or set ECOLEDGER_IDENTITY "
                              "(see 'ecoledger identity list')")
        return self.wallet.get(name)

    def gateway(self, name: str | None, peer_index: int = 0) -> SyncGateway:
        entry = self.entry(name)
        key = f"{entry.name}@{peer_index}"
        if key not in self._gateways:
            org = self.network.consortium.org(entry.org)
            peer = org.peers[min(peer_index, len(org.peers) - 1)]
            root = (self.network.layout.peer_dir(peer) / "tls" / "ca.crt").read_bytes()
            self._gateways[key] = SyncGateway.connect(peer.address, root, entry.identity, entry.signer)
        return self._gateways[key]

    def contract(self, name: str | None, channel: str | None = None) -> SyncContract:
        consortium = self.network.consortium
        return self.gateway(name).get_network(channel or consortium.channel).get_contract(consortium.chaincode_name)

    def close(self) -> None:
        for gateway in self._gateways.values():
            gateway.close()
        self._gateways.clear()

    def describe(self, name: str) -> dict[str, Any]:
        entry = self.wallet.get(name)
        return {"name": name, "org": entry.org, "msp_id": entry.identity.msp_id, **entry.attrs}
