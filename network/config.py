"""The consortium file: which organizations exist and how their nodes are laid out.

Everything else (MSP ids, channel names, ports, folders) is derived here, so a
different set of regions is a different YAML file, not a code change.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from network import paths
from network.errors import ConfigError

PORTS_PER_ORG = 20
CONSENSUS_TYPES = ("bft", "raft")
ORG_KINDS = ("region", "coordinator")
_CODE = re.compile(r"^[A-Z]{2,4}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


@dataclass(frozen=True)
class Peer:
    org: "Organization"
    index: int

    @property
    def name(self) -> str:
        return f"peer{self.index}.{self.org.domain}"

    def _port(self, offset: int) -> int:
        return self.org.port(10 + self.index * 3 + offset)

    @property
    def port(self) -> int:
        return self._port(0)

    @property
    def chaincode_port(self) -> int:
        return self._port(1)

    @property
    def operations_port(self) -> int:
        return self._port(2)

    @property
    def host(self) -> str:
        return self.org.host

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Organization:
    code: str
    name: str
    local_name: str
    kind: str
    index: int
    base_port: int
    peer_count: int
    host: str = "127.0.0.1"  # the address every node of this organization listens on and is dialled at

    @property
    def msp_id(self) -> str:
        return f"{self.code}MSP"

    @property
    def orderer_msp_id(self) -> str:
        """The MSP of the organization's ordering node: the same CA, its own MSP id.

        Every ordering node serves every channel, so its organization is in every channel's
        orderer section. Were that the organization's peer MSP, a pair channel's configuration
        would define the MSPs of regions that are not its members, and a peer verifying another
        organization's gossip message could pick that channel (Fabric tries the channels in
        random order) and drop the message because the sender is not a reader there; cross-org
        discovery then took 20-150 s after a restart. With a distinct id, a channel defines
        only its members' peer MSPs.
        """
        return f"{self.code}OrdererMSP"

    @property
    def domain(self) -> str:
        return f"{self.code.lower()}.ecoledger"

    def port(self, offset: int) -> int:
        return self.base_port + self.index * PORTS_PER_ORG + offset

    @property
    def ca_port(self) -> int:
        return self.port(0)

    @property
    def ca_operations_port(self) -> int:
        return self.port(1)

    @property
    def orderer_port(self) -> int:
        return self.port(2)

    @property
    def orderer_admin_port(self) -> int:
        return self.port(3)

    @property
    def orderer_operations_port(self) -> int:
        return self.port(4)

    @property
    def chaincode_server_port(self) -> int:
        return self.port(5)

    @property
    def orderer_name(self) -> str:
        return f"orderer.{self.domain}"

    @property
    def orderer_address(self) -> str:
        return f"{self.host}:{self.orderer_port}"

    @property
    def peers(self) -> list[Peer]:
        return [Peer(self, i) for i in range(self.peer_count)]

    def address(self, port: int) -> str:
        return f"{self.host}:{port}"


@dataclass(frozen=True)
class Channel:
    name: str
    orgs: tuple[Organization, ...]


@dataclass(frozen=True)
class Consortium:
    name: str
    description: str
    consensus: str
    base_port: int
    channel: str
    pair_channels: bool
    chaincode_name: str
    chaincode_version: str
    organizations: tuple[Organization, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None

    @property
    def regions(self) -> list[Organization]:
        return [o for o in self.organizations if o.kind == "region"]

    @property
    def channels(self) -> list[Channel]:
        """The all-members channel first, then one per pair of regions (e.g. ``bj-tj``)."""
        result = [Channel(self.channel, self.organizations)]
        if self.pair_channels:
            for a, b in itertools.combinations(self.regions, 2):
                result.append(Channel(f"{a.code.lower()}-{b.code.lower()}", (a, b)))
        return result

    def org(self, code: str) -> Organization:
        for org in self.organizations:
            if code in (org.code, org.msp_id):
                return org
        known = ", ".join(o.code for o in self.organizations)
        raise ConfigError(f"no organization {code!r} in consortium {self.name} (known: {known})")

    @property
    def multi_host(self) -> bool:
        """True when organizations have hosts of their own (one organization per machine)."""
        return any(o.host != "127.0.0.1" for o in self.organizations)

    @property
    def home(self) -> Path:
        return paths.home_dir() / self.name

    def ledger_members(self) -> list[dict[str, str]]:
        """Member records as Registry:Bootstrap takes them."""
        return [{"msp_id": o.msp_id, "code": o.code, "name": o.name, "kind": o.kind}
                for o in self.organizations]


_HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def _valid_host(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
        return True
    except ValueError:
        return not host.replace(".", "").isdigit() and bool(_HOST_NAME.match(host))


def _require(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise ConfigError(f"{where}{key}: required field is missing")
    value = data[key]
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise ConfigError(f"{where}{key}: must be {kind.__name__}, got {type(value).__name__} {value!r}")
    return value


def parse(data: Any, *, source: Path | None = None, base_port: int | None = None,
          consensus: str | None = None) -> Consortium:
    """Validate a loaded consortium document; errors name the offending field."""
    if not isinstance(data, dict):
        raise ConfigError("consortium file must be a mapping at the top level")
    name = _require(data, "name", str, "")
    if not _NAME.match(name):
        raise ConfigError(f"name: {name!r} must be lowercase letters, digits and dashes")
    consensus = consensus or data.get("consensus", "bft")
    if consensus not in CONSENSUS_TYPES:
        raise ConfigError(f"consensus: {consensus!r} must be one of {', '.join(CONSENSUS_TYPES)}")
    base = base_port if base_port is not None else data.get("base_port", 17000)
    if not isinstance(base, int) or isinstance(base, bool) or not 1024 <= base <= 60000:
        raise ConfigError(f"base_port: {base!r} must be an integer between 1024 and 60000")
    peers = data.get("peers_per_org", 1)
    if not isinstance(peers, int) or isinstance(peers, bool) or not 1 <= peers <= 3:
        raise ConfigError(f"peers_per_org: {peers!r} must be 1, 2 or 3")
    channel = data.get("channel", "ecoledger")
    if not isinstance(channel, str) or not _NAME.match(channel):
        raise ConfigError(f"channel: {channel!r} must be lowercase letters, digits and dashes")
    chaincode = data.get("chaincode", {}) or {}
    if not isinstance(chaincode, dict):
        raise ConfigError("chaincode: must be a mapping with name and version")
    orgs_data = _require(data, "organizations", list, "")
    orgs: list[Organization] = []
    for i, item in enumerate(orgs_data):
        where = f"organizations[{i}]."
        if not isinstance(item, dict):
            raise ConfigError(f"organizations[{i}]: must be a mapping")
        code = _require(item, "code", str, where)
        if not _CODE.match(code):
            raise ConfigError(f"{where}code: {code!r} must be 2-4 uppercase letters")
        kind = item.get("kind", "region")
        if kind not in ORG_KINDS:
            raise ConfigError(f"{where}kind: {kind!r} must be one of {', '.join(ORG_KINDS)}")
        if any(o.code == code for o in orgs):
            raise ConfigError(f"{where}code: {code!r} is used twice")
        host = item.get("host", "127.0.0.1")
        if not isinstance(host, str) or not _valid_host(host):
            raise ConfigError(f"{where}host: {host!r} must be an IPv4 address or a host name")
        if host != "127.0.0.1" and any(o.host == host for o in orgs):
            raise ConfigError(f"{where}host: {host!r} is already the host of another organization")
        orgs.append(Organization(code=code, name=str(item.get("name", code)),
                                 local_name=str(item.get("local_name", "")), kind=kind, index=i,
                                 base_port=base, peer_count=peers, host=host))
    if len([o for o in orgs if o.kind == "region"]) < 2:
        raise ConfigError("organizations: at least two organizations of kind 'region' are required")
    if consensus == "bft" and len(orgs) < 4:
        raise ConfigError(f"organizations: BFT ordering needs at least 4 organizations (one ordering node "
                          f"each), got {len(orgs)}; use consensus: raft for smaller consortia")
    parameters = data.get("parameters", {}) or {}
    if not isinstance(parameters, dict):
        raise ConfigError("parameters: must be a mapping of parameter name to value")
    return Consortium(name=name, description=str(data.get("description", "")), consensus=consensus,
                      base_port=base, channel=channel, pair_channels=bool(data.get("pair_channels", True)),
                      chaincode_name=str(chaincode.get("name", "ecoledger")),
                      chaincode_version=str(chaincode.get("version", "1.0")),
                      organizations=tuple(orgs), parameters=parameters, source=source)


def resolve_path(name_or_path: str | None) -> Path:
    """A file path, a bundled consortium (``jingjinji``, ``yangtze``) or an existing network's name.

    Default: 京津冀.
    """
    if not name_or_path:
        return paths.consortia_dir() / "jingjinji.yaml"
    candidates = [Path(name_or_path), paths.consortia_dir() / f"{name_or_path}.yaml",
                  paths.home_dir() / name_or_path / "consortium.yaml"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ConfigError(f"consortium file {name_or_path!r} not found (bundled: jingjinji, yangtze)")


def load(name_or_path: str | None = None, **overrides: Any) -> Consortium:
    path = resolve_path(name_or_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    return parse(data, source=path.resolve(), **overrides)
