"""Folder layout of one network's data under ``<home>/<consortium>/``."""

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
