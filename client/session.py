"""Connections from wallet identities to their own organization's peer.

An identity talks to a peer of its own organization through the Gateway (the
peer then gathers endorsements from other organizations via discovery). Where
that peer is, and which TLS root it presents, comes from the organization's
connection profile (:mod:`client.profile`); who signs comes from the wallet.
Nothing else is read, so a session works on any machine holding copies of the
profiles and the wallet::

    session = Session("/path/to/profiles", "/path/to/wallet")
    session.contract("bj-regulator").evaluate("Registry:Members")
"""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence

from client.gateway import GatewayError, SyncContract, SyncGateway, Wallet, WalletEntry, WalletError
from client.gateway.errors import peer_failure_reason
from client.profile import ConnectionProfile, ProfileSource, profile_loader


class Session:
    """Opened gateways of one command, closed together.

    ``profiles`` is a folder of connection profiles, a loader (organization
    code -> profile), or anything with ``profiles_dir`` and ``wallet_dir``
    (then ``wallet`` may be left out). ``wallet`` is a :class:`Wallet` or its
    folder. Nothing is read before the first call that needs it.
    """

    def __init__(self, profiles: ProfileSource, wallet: Wallet | str | os.PathLike[str] | None = None) -> None:
        self.profiles = profile_loader(profiles)
        if wallet is None:
            folder = getattr(profiles, "wallet_dir", None)
            if folder is None:
                raise TypeError("no wallet given: pass a Wallet or the wallet's folder")
            wallet = Wallet(folder)
        self.wallet = wallet if isinstance(wallet, Wallet) else Wallet(wallet)
        self._gateways: dict[str, SyncGateway] = {}

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def entry(self, name: str | None) -> WalletEntry:
        if not name:
            raise WalletError("no identity chosen: pass --as NAME or set ECOLEDGER_IDENTITY "
                              "(see 'ecoledger identity list')")
        return self.wallet.get(name)

    def profile(self, name: str | None) -> ConnectionProfile:
        """The connection profile of the organization that identity ``name`` belongs to."""
        return self.profiles(self.entry(name).org)

    def gateway(self, name: str | None, peer_index: int = 0) -> SyncGateway:
        entry = self.entry(name)
        key = f"{entry.name}@{peer_index}"
        if key not in self._gateways:
            peer = self.profiles(entry.org).peer(peer_index)
            self._gateways[key] = SyncGateway.connect(peer.address, peer.tls_root_cert, entry.identity, entry.signer,
                                                      server_name_override=peer.ssl_target_name)
        return self._gateways[key]

    def contract(self, name: str | None, channel: str | None = None) -> SyncContract:
        """The chaincode on ``channel`` (default: the profile's all-members channel) as identity ``name``."""
        profile = self.profile(name)
        return self.gateway(name).get_network(channel or profile.channel).get_contract(profile.chaincode)

    def close(self) -> None:
        for gateway in self._gateways.values():
            gateway.close()
        self._gateways.clear()

    def describe(self, name: str) -> dict[str, Any]:
        entry = self.wallet.get(name)
        return {"name": name, "org": entry.org, "msp_id": entry.identity.msp_id, **entry.attrs}


def endorsement_probe(session: Session, function: str = "Registry:Members") -> Callable[[str], str | None]:
    """Asks once whether identity ``name``'s Gateway can gather the endorsements ``function`` needs.

    Returns ``None`` when the endorsement succeeded, else the Gateway's reason
    (e.g. discovery does not know enough peers yet). This is the probe
    ``network up`` takes to wait for service discovery; wallet and profile
    problems are raised, since waiting will not fix them.
    """
    def probe(name: str) -> str | None:
        try:
            session.contract(name).endorse(function)
        except GatewayError as err:
            return str(err)
        return None

    return probe


def unreachable_organizations(contract: Any, msp_ids: Sequence[str],
                              function: str = "Registry:WhoAmI") -> dict[str, list[str]]:
    """MSP id -> reasons, for each organization none of whose peers answers a read on its own.

    The Gateway names only the peers it tried before an endorsement failed; asking
    each organization separately (one cheap evaluate each, on the error path only)
    completes the list of organizations that are down.
    """
    down: dict[str, list[str]] = {}
    for msp_id in msp_ids:
        try:
            contract.evaluate(function, endorsing_organizations=[msp_id])
        except GatewayError as err:
            if getattr(err, "chaincode_message", None) is None:
                down[msp_id] = [peer_failure_reason(str(err))]
    return down
