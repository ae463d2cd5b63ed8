"""Connection profiles: how a client finds its organization's peers, without the network's files.

The network writes one profile per organization (``network up`` puts them in
``<home>/<consortium>/profiles/<org code in lower case>.json``). A client needs
only such a profile and a wallet identity of that organization, so a client on
another machine, or a web console, needs copies of the ``profiles/`` and
``wallet/`` folders and nothing else.

A profile (version 1) is one JSON object::

    version       1
    consortium    consortium name
    channel       default channel (the one every member belongs to)
    channels      {channel name: [member MSP ids]}
    chaincode     chaincode name (the same on every channel)
    organization  {code, msp_id, kind, name?, peers: [{name, address "host:port",
                   tls_root_cert "PEM", ssl_target_name (host name or null)}]}
    members       [{code, msp_id, kind, name?}] for every member organization

``kind`` is ``region`` or ``coordinator``. :func:`load_profile` checks every
field and names the file and the field when one is wrong.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Union

from client.gateway.errors import WalletError

SUPPORTED_VERSIONS = (1,)
MEMBER_KINDS = ("region", "coordinator")
_ADDRESS = re.compile(r"^[A-Za-z0-9._-]+:[0-9]{1,5}$")


class ProfileError(WalletError):
    """A connection profile is missing or invalid; the message names the file and the field.

    Like a wallet problem it is about the client's own local configuration, not
    an answer of the network, so it is reported the same way.
    """


@dataclass(frozen=True)
class Member:
    """A member organization as a client needs to know it (e.g. to name endorsers)."""

    code: str
    msp_id: str
    kind: str
    name: str = ""


@dataclass(frozen=True)
class Membership:
    """The consortium's member organizations, in consortium order."""

    name: str
    organizations: tuple[Member, ...]

    def member(self, code_or_msp_id: str) -> Member:
        for org in self.organizations:
            if code_or_msp_id in (org.code, org.msp_id):
                return org
        known = ", ".join(o.code for o in self.organizations)
        raise ProfileError(f"no organization {code_or_msp_id!r} in consortium {self.name} (known: {known})")


@dataclass(frozen=True)
class PeerEndpoint:
    name: str
    address: str
    tls_root_cert: bytes
    ssl_target_name: str | None = None


@dataclass(frozen=True)
class ConnectionProfile:
    """One organization's view of the network: where its peers are and who the members are."""

    version: int
    consortium: str
    channel: str
    channels: Mapping[str, tuple[str, ...]]
    chaincode: str
    organization: Member
    peers: tuple[PeerEndpoint, ...]
    members: tuple[Member, ...]
    source: Path | None = None

    @property
    def code(self) -> str:
        return self.organization.code

    @property
    def msp_id(self) -> str:
        return self.organization.msp_id

    @property
    def membership(self) -> Membership:
        return Membership(self.consortium, self.members)

    def peer(self, index: int = 0) -> PeerEndpoint:
        """The ``index``-th peer of this organization (the last one when there are fewer)."""
        return self.peers[min(max(index, 0), len(self.peers) - 1)]


# -- parsing -----------------------------------------------------------------------------------


class _Fields:
    """Typed access to one JSON object; errors name the file and the dotted field."""

    def __init__(self, data: Any, where: str, path: str) -> None:
        if not isinstance(data, dict):
            raise ProfileError(f"{where}: {path or 'the profile'} must be a JSON object, got {type(data).__name__}")
        self.data = data
        self.where = where
        self.path = path

    def field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, problem: str) -> ProfileError:
        return ProfileError(f"{self.where}: {self.field(key)}: {problem}")

    def get(self, key: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
        if key not in self.data or (optional and self.data[key] is None):
            if optional:
                return None
            raise self.fail(key, "required field is missing")
        value = self.data[key]
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(key, f"must be {names}, got {type(value).__name__} {value!r:.60}")
        return value

    def text(self, key: str, *, optional: bool = False) -> Any:
        value = self.get(key, str, optional=optional)
        if value is not None and not value.strip():
            raise self.fail(key, "must not be empty")
        return value

    def child(self, key: str) -> "_Fields":
        return _Fields(self.get(key, dict), self.where, self.field(key))

    def items(self, key: str) -> list["_Fields"]:
        values = self.get(key, list)
        if not values:
            raise self.fail(key, "must list at least one entry")
        return [_Fields(v, self.where, f"{self.field(key)}[{i}]") for i, v in enumerate(values)]


def _member(fields: _Fields) -> Member:
    kind = fields.text("kind")
    if kind not in MEMBER_KINDS:
        raise fields.fail("kind", f"{kind!r} must be one of {', '.join(MEMBER_KINDS)}")
    return Member(code=fields.text("code"), msp_id=fields.text("msp_id"), kind=kind,
                  name=fields.get("name", str, optional=True) or "")


def _peer(fields: _Fields) -> PeerEndpoint:
    address = fields.text("address")
    if not _ADDRESS.match(address) or not 0 < int(address.rsplit(":", 1)[1]) < 65536:
        raise fields.fail("address", f"{address!r} must be host:port")
    pem = fields.text("tls_root_cert")
    if "-----BEGIN CERTIFICATE-----" not in pem or not pem.isascii():
        raise fields.fail("tls_root_cert", "must be a PEM certificate (-----BEGIN CERTIFICATE-----)")
    return PeerEndpoint(name=fields.text("name"), address=address, tls_root_cert=pem.encode("ascii"),
                        ssl_target_name=fields.text("ssl_target_name", optional=True))


def parse_profile(data: Any, where: str = "connection profile", source: Path | None = None) -> ConnectionProfile:
    """Validate a decoded profile document; ``where`` (usually the file) starts every error."""
    top = _Fields(data, where, "")
    version = top.get("version", int)
    if version not in SUPPORTED_VERSIONS:
        raise top.fail("version", f"{version} is not supported (supported: "
                                  f"{', '.join(map(str, SUPPORTED_VERSIONS))}); update this client")
    organization = top.child("organization")
    member = _member(organization)
    peers = tuple(_peer(p) for p in organization.items("peers"))
    members = tuple(_member(m) for m in top.items("members"))
    msp_ids = [m.msp_id for m in members]
    if member.msp_id not in msp_ids:
        raise top.fail("members", f"does not list the profile's own organization {member.msp_id}")
    if len(set(msp_ids)) != len(msp_ids):
        raise top.fail("members", "lists an MSP id twice")
    channels_data = top.get("channels", dict)
    channels: dict[str, tuple[str, ...]] = {}
    for name, orgs in channels_data.items():
        if not isinstance(orgs, list) or not orgs or not all(isinstance(o, str) for o in orgs):
            raise top.fail(f"channels.{name}", "must be a non-empty list of MSP ids")
        strangers = [o for o in orgs if o not in msp_ids]
        if strangers:
            raise top.fail(f"channels.{name}", f"{', '.join(strangers)} not in members")
        channels[name] = tuple(orgs)
    channel = top.text("channel")
    if channel not in channels:
        raise top.fail("channel", f"{channel!r} is not one of the channels ({', '.join(channels) or 'none'})")
    return ConnectionProfile(version=version, consortium=top.text("consortium"), channel=channel,
                             channels=channels, chaincode=top.text("chaincode"), organization=member,
                             peers=peers, members=members, source=source)


def load_profile(path: str | os.PathLike[str]) -> ConnectionProfile:
    """Read and validate one profile file."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{file}: connection profile not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ProfileError(f"{file}: cannot read the connection profile: {err}") from None
    except json.JSONDecodeError as err:
        raise ProfileError(f"{file}: not valid JSON: {err}") from None
    return parse_profile(data, str(file), file)


def find_profiles(folder: str | os.PathLike[str]) -> list[Path]:
    """The profile files (``*.json``) in ``folder``, sorted; none if the folder does not exist."""
    directory = Path(folder)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.json") if p.is_file())


# -- where a client finds profiles ---------------------------------------------------------------

ProfileLoader = Callable[[str], ConnectionProfile]
"""Returns the profile of an organization, given its code (as wallet entries name it) or MSP id."""


class ProfileDirectory:
    """Profiles in a folder: ``<code in lower case>.json`` first, else any file naming that organization."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self._loaded: dict[str, ConnectionProfile] = {}

    def __call__(self, org: str) -> ConnectionProfile:
        if org not in self._loaded:
            self._loaded[org] = self._find(org)
        return self._loaded[org]

    def _find(self, org: str) -> ConnectionProfile:
        direct = self.folder / f"{org.lower()}.json"
        if direct.is_file():
            profile = load_profile(direct)
            if org in (profile.code, profile.msp_id):
                return profile
        files = find_profiles(self.folder)
        for file in files:
            if file == direct:
                continue
            profile = load_profile(file)
            if org in (profile.code, profile.msp_id):
                return profile
        if not files:
            raise ProfileError(f"no connection profiles in {self.folder}: they are written by "
                               f"'ecoledger network up' (or copy them from the network's home)")
        raise ProfileError(f"no connection profile for organization {org!r} in {self.folder} "
                           f"(found {', '.join(f.name for f in files)})")

    def all(self) -> list[ConnectionProfile]:
        return [load_profile(f) for f in find_profiles(self.folder)]


class ClientHome(Protocol):
    """Anything naming a profiles folder and a wallet folder (e.g. a network's home, or a copy of them)."""

    @property
    def profiles_dir(self) -> Path: ...

    @property
    def wallet_dir(self) -> Path: ...


ProfileSource = Union[str, os.PathLike, ProfileLoader, ClientHome]


def profile_loader(source: ProfileSource) -> ProfileLoader:
    """A loader from a folder, a loader (returned as is) or a :class:`ClientHome`."""
    if isinstance(source, (str, os.PathLike)):
        return ProfileDirectory(source)
    if callable(source):
        return source
    folder = getattr(source, "profiles_dir", None)
    if folder is None:
        raise TypeError(f"expected a profiles folder, a profile loader or an object with profiles_dir and "
                        f"wallet_dir, got {type(source).__name__}")
    return ProfileDirectory(folder)
