"""Folder layout of one network's data under ``<home>/<consortium>/``.

What a client needs, and nothing else, is in two folders a client may copy to
another machine: ``profiles/`` (one connection profile per organization, see
:mod:`network.profiles`) and ``wallet/`` (identities, each naming its
organization's code).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from network.config import Consortium, Organization, Peer


@dataclass(frozen=True)
class Layout:
    root: Path

    @classmethod
    def of(cls, consortium: Consortium) -> "Layout":
        return cls(consortium.home)

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def channel_dir(self) -> Path:
        return self.root / "channels"

    @property
    def chaincode_dir(self) -> Path:
        return self.root / "chaincode"

    @property
    def wallet_dir(self) -> Path:
        return self.root / "wallet"

    @property
    def profiles_dir(self) -> Path:
        """Connection profiles, ``<org code in lower case>.json`` each."""
        return self.root / "profiles"

    def profile_file(self, org: Organization) -> Path:
        return self.profiles_dir / f"{org.code.lower()}.json"

    @property
    def state_file(self) -> Path:
        return self.root / "network.json"

    def org_dir(self, org: Organization) -> Path:
        return self.root / "orgs" / org.code

    def orderer_dir(self, org: Organization) -> Path:
        return self.org_dir(org) / "orderer"

    def peer_dir(self, peer: Peer) -> Path:
        return self.org_dir(peer.org) / "peers" / f"peer{peer.index}"

    def admin_dir(self, org: Organization) -> Path:
        return self.org_dir(org) / "users" / "admin"

    def chaincode_server_dir(self, org: Organization) -> Path:
        return self.org_dir(org) / "chaincode-server"

    def data_dir(self, node_name: str) -> Path:
        return self.root / "data" / node_name
