"""Connection profiles: written by the network from the consortium file, read by the client on its own.

The network side runs on a fake layout (TLS roots written to ``tmp_path``); the
client side reads what was written, or a hand-edited copy, and must name the
file and the field when something is wrong. A session opened from a copied
profiles folder and wallet reaches the peer the profile names.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from client.gateway import SyncGateway, Wallet
from client.gateway.testing import FakeChannel, FakeGatewayService, generate_identity
from client.profile import (
    ConnectionProfile,
    ProfileDirectory,
    ProfileError,
    find_profiles,
    load_profile,
    parse_profile,
)
from client.market import price_endorsers
from client.session import Session, endorsement_probe
from network import config
from network.bootstrap import Network
from network.errors import NetworkError
from network.layout import Layout
from network.profiles import PROFILE_VERSION, profile_document, write_profiles

JINGJINJI = config.load("jingjinji", base_port=23000)


def tls_root(org_code: str) -> bytes:
    identity, _ = generate_identity(f"{org_code}MSP", f"tlsca.{org_code.lower()}")
    return identity.cert_pem


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    """A network home with only what profiles are made of: each peer's TLS root."""
    layout = Layout(tmp_path / "home" / "jingjinji")
    for org in JINGJINJI.organizations:
        root = tls_root(org.code)
        for peer in org.peers:
            folder = layout.peer_dir(peer) / "tls"
            folder.mkdir(parents=True)
            (folder / "ca.crt").write_bytes(root)
    return layout


def written(layout: Layout) -> dict[str, Any]:
    write_profiles(layout, JINGJINJI)
    return json.loads((layout.profiles_dir / "bj.json").read_text())


# -- the network writes them ---------------------------------------------------------------------


def test_one_profile_per_organization_in_the_profiles_folder(layout: Layout) -> None:
    paths = write_profiles(layout, JINGJINJI)
    assert sorted(p.name for p in paths) == ["bj.json", "co.json", "hb.json", "tj.json"]
    assert all(p.parent == layout.root / "profiles" for p in paths)
    assert all(paths.values()), "a first write writes every file"


def test_a_profile_names_the_organization_its_peers_channels_and_all_members(layout: Layout) -> None:
    document = written(layout)
    assert document["version"] == PROFILE_VERSION == 1
    assert (document["consortium"], document["channel"], document["chaincode"]) == ("jingjinji", "ecoledger",
                                                                                   "ecoledger")
    assert document["channels"] == {"ecoledger": ["BJMSP", "TJMSP", "HBMSP", "COMSP"], "bj-tj": ["BJMSP", "TJMSP"],
                                    "bj-hb": ["BJMSP", "HBMSP"], "tj-hb": ["TJMSP", "HBMSP"]}
    organization = document["organization"]
    assert {k: organization[k] for k in ("code", "msp_id", "kind", "name")} == {
        "code": "BJ", "msp_id": "BJMSP", "kind": "region", "name": "Beijing"}
    [peer] = organization["peers"]
    assert peer["name"] == "peer0.bj.ecoledger" and peer["address"] == "127.0.0.1:23010"
    assert peer["tls_root_cert"].encode() == (layout.peer_dir(JINGJINJI.org("BJ").peers[0]) / "tls" / "ca.crt"
                                              ).read_bytes()
    assert peer["ssl_target_name"] is None
    assert [(m["code"], m["msp_id"], m["kind"]) for m in document["members"]] == [
        ("BJ", "BJMSP", "region"), ("TJ", "TJMSP", "region"), ("HB", "HBMSP", "region"),
        ("CO", "COMSP", "coordinator")]


def test_no_private_key_is_ever_in_a_profile(layout: Layout) -> None:
    for path in write_profiles(layout, JINGJINJI):
        assert "PRIVATE KEY" not in path.read_text()


def test_every_peer_of_an_organization_is_listed() -> None:
    bundled = yaml.safe_load(config.resolve_path("jingjinji").read_text(encoding="utf-8"))
    two_peers = config.parse({**bundled, "peers_per_org": 2})
    document = profile_document(two_peers, two_peers.org("HB"), lambda peer: tls_root(peer.org.code))
    assert [(p["name"], p["address"]) for p in document["organization"]["peers"]] == [
        ("peer0.hb.ecoledger", "127.0.0.1:17050"), ("peer1.hb.ecoledger", "127.0.0.1:17053")]


def test_writing_again_is_idempotent_and_refreshes_what_changed(layout: Layout) -> None:
    first = write_profiles(layout, JINGJINJI)
    stamps = {p: p.stat().st_mtime_ns for p in first}
    again = write_profiles(layout, JINGJINJI)
    assert not any(again.values())
    assert {p: p.stat().st_mtime_ns for p in again} == stamps
    peer = JINGJINJI.org("TJ").peers[0]
    (layout.peer_dir(peer) / "tls" / "ca.crt").write_bytes(tls_root("TJ"))
    refreshed = write_profiles(layout, JINGJINJI)
    assert [p.name for p, changed in refreshed.items() if changed] == ["tj.json"]
    assert not list(layout.profiles_dir.glob("*.partial"))


def test_a_missing_tls_root_names_the_file(layout: Layout) -> None:
    peer = JINGJINJI.org("HB").peers[0]
    (layout.peer_dir(peer) / "tls" / "ca.crt").unlink()
    with pytest.raises(NetworkError, match=r"connection profile of HBMSP: .*peer0/tls/ca.crt is missing"):
        write_profiles(layout, JINGJINJI)


def test_the_network_names_its_profiles_and_wallet_folders(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOLEDGER_HOME", str(tmp_path))
    network = Network(JINGJINJI)
    assert network.profiles_dir == tmp_path / "jingjinji" / "profiles"
    assert network.wallet_dir == tmp_path / "jingjinji" / "wallet"


# -- the client reads them -----------------------------------------------------------------------


def test_what_the_network_writes_the_client_loads(layout: Layout) -> None:
    write_profiles(layout, JINGJINJI)
    profile = load_profile(layout.profiles_dir / "co.json")
    assert isinstance(profile, ConnectionProfile)
    assert (profile.code, profile.msp_id, profile.organization.kind) == ("CO", "COMSP", "coordinator")
    assert profile.peer().address == "127.0.0.1:23070"
    assert profile.peer(5) == profile.peers[-1]
    assert profile.peer().tls_root_cert.startswith(b"-----BEGIN CERTIFICATE-----")
    assert profile.channels["tj-hb"] == ("TJMSP", "HBMSP")
    assert profile.source == layout.profiles_dir / "co.json"
    assert [f.name for f in find_profiles(layout.profiles_dir)] == ["bj.json", "co.json", "hb.json", "tj.json"]


def test_the_member_list_chooses_the_same_endorsers_as_the_consortium_file(layout: Layout) -> None:
    write_profiles(layout, JINGJINJI)
    membership = load_profile(layout.profiles_dir / "hb.json").membership
    for parties in (["BJMSP", "HBMSP"], ["HBMSP"], ["TJMSP", "TJMSP"]):
        assert price_endorsers(membership, parties) == price_endorsers(JINGJINJI, parties)
    assert membership.member("COMSP").code == "CO"


def test_profiles_are_found_by_code_or_msp_id_in_any_file_name(layout: Layout, tmp_path: Path) -> None:
    write_profiles(layout, JINGJINJI)
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    shutil.copy(layout.profiles_dir / "tj.json", copy / "tianjin-connection.json")
    profiles = ProfileDirectory(copy)
    assert profiles("TJ").msp_id == "TJMSP" and profiles("TJMSP").code == "TJ"
    with pytest.raises(ProfileError, match=r"no connection profile for organization 'BJ' in .*elsewhere "
                                           r"\(found tianjin-connection.json\)"):
        profiles("BJ")


def test_an_empty_or_missing_folder_says_where_profiles_come_from(tmp_path: Path) -> None:
    assert find_profiles(tmp_path / "nothing") == []
    with pytest.raises(ProfileError, match=r"no connection profiles in .*nothing: they are written by "
                                           r"'ecoledger network up'"):
        ProfileDirectory(tmp_path / "nothing")("BJ")


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("version"), r"version: required field is missing"),
    (lambda d: d.update(version=7), r"version: 7 is not supported \(supported: 1\); update this client"),
    (lambda d: d.update(version=True), r"version: must be int, got bool"),
    (lambda d: d.update(channel="nowhere"), r"channel: 'nowhere' is not one of the channels"),
    (lambda d: d.update(chaincode=""), r"chaincode: must not be empty"),
    (lambda d: d["organization"].pop("msp_id"), r"organization.msp_id: required field is missing"),
    (lambda d: d["organization"].update(kind="empire"), r"organization.kind: 'empire' must be one of region, "
                                                        r"coordinator"),
    (lambda d: d["organization"].update(peers=[]), r"organization.peers: must list at least one entry"),
    (lambda d: d["organization"]["peers"][0].update(address="peer0"), r"organization.peers\[0\].address: "
                                                                       r"'peer0' must be host:port"),
    (lambda d: d["organization"]["peers"][0].update(tls_root_cert="not a cert"),
     r"organization.peers\[0\].tls_root_cert: must be a PEM certificate"),
    (lambda d: d["organization"]["peers"][0].update(ssl_target_name=3),
     r"organization.peers\[0\].ssl_target_name: must be str, got int"),
    (lambda d: d["members"][1].pop("kind"), r"members\[1\].kind: required field is missing"),
    (lambda d: d.update(members=[m for m in d["members"] if m["code"] != "BJ"]),
     r"members: does not list the profile's own organization BJMSP"),
    (lambda d: d["channels"].update({"bj-tj": ["BJMSP", "XXMSP"]}), r"channels.bj-tj: XXMSP not in members"),
    (lambda d: d["channels"].update({"bj-tj": []}), r"channels.bj-tj: must be a non-empty list of MSP ids"),
])
def test_a_wrong_field_is_named_with_the_file(layout: Layout, change: Any, message: str) -> None:
    document = written(layout)
    change(document)
    path = layout.profiles_dir / "bj.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ProfileError, match=rf"^{path}: {message}"):
        load_profile(path)


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "bj.json"
    with pytest.raises(ProfileError, match=rf"^{missing}: connection profile not found"):
        load_profile(missing)
    missing.write_text("{not json")
    with pytest.raises(ProfileError, match=rf"^{missing}: not valid JSON"):
        load_profile(missing)
    with pytest.raises(ProfileError, match=r"^connection profile: the profile must be a JSON object, got list"):
        parse_profile([])


# -- a session from a profiles folder and a wallet only ------------------------------------------


@pytest.fixture
def client_copy(layout: Layout, tmp_path: Path) -> Path:
    """Only the profiles and a wallet, copied somewhere the network never wrote to."""
    write_profiles(layout, JINGJINJI)
    target = tmp_path / "client"
    shutil.copytree(layout.profiles_dir, target / "profiles")
    identity, key = generate_identity("HBMSP", "hb-regulator")
    Wallet(target / "wallet").put("hb-regulator", "HBMSP", "HB", identity.cert_pem, key, {"role": "regulator"})
    return target


def test_a_session_connects_to_the_peer_its_profile_names(client_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                                          layout: Layout) -> None:
    connected: list[tuple[Any, ...]] = []

    def connect(endpoint: str, root: bytes, identity: Any, signer: Any, **options: Any) -> SyncGateway:
        connected.append((endpoint, root, identity.msp_id, options))
        return SyncGateway(lambda: FakeChannel(FakeGatewayService(lambda invocation: b"[]")), identity, signer)

    monkeypatch.setattr(SyncGateway, "connect", classmethod(lambda cls, *a, **k: connect(*a, **k)))
    shutil.rmtree(layout.root)  # the network's own files are not needed
    session = Session(client_copy / "profiles", client_copy / "wallet")
    contract = session.contract("hb-regulator")
    assert (contract._contract.channel_name, contract.chaincode_name) == ("ecoledger", "ecoledger")
    assert session.contract("hb-regulator", "tj-hb")._contract.channel_name == "tj-hb"
    [(endpoint, root, msp_id, options)] = connected
    assert endpoint == "127.0.0.1:23050" and msp_id == "HBMSP"
    assert root.startswith(b"-----BEGIN CERTIFICATE-----") and options == {"server_name_override": None}
    assert session.profile("hb-regulator").code == "HB"
    assert session.describe("hb-regulator") == {"name": "hb-regulator", "org": "HB", "msp_id": "HBMSP",
                                                "role": "regulator"}
    assert contract.evaluate("Registry:Members") == []
    session.close()


def test_a_session_reads_nothing_until_asked(tmp_path: Path) -> None:
    session = Session(tmp_path / "no-profiles", tmp_path / "no-wallet")
    with pytest.raises(Exception, match="no identity chosen"):
        session.contract(None)
    with pytest.raises(Exception, match="no identity 'x' in wallet"):
        session.contract("x")


def test_an_identity_whose_profile_is_missing_is_a_clear_error(client_copy: Path) -> None:
    (client_copy / "profiles" / "hb.json").unlink()
    with Session(client_copy / "profiles", client_copy / "wallet") as session:
        with pytest.raises(ProfileError, match="no connection profile for organization 'HB'"):
            session.gateway("hb-regulator")


def test_a_network_home_serves_as_profiles_and_wallet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOLEDGER_HOME", str(tmp_path))
    network = Network(JINGJINJI)
    session = Session(network)
    assert session.wallet.directory == network.layout.wallet_dir
    assert isinstance(session.profiles, ProfileDirectory) and session.profiles.folder == network.profiles_dir


# -- up waits for discovery through an injected probe ---------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_discovery_asks_each_admin_until_its_gateway_endorses(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOLEDGER_HOME", str(tmp_path))
    asked: list[str] = []
    not_yet = {"admin-tj": 2}

    def probe(name: str) -> str | None:
        asked.append(name)
        if not_yet.get(name, 0):
            not_yet[name] -= 1
            return "no peer combination can satisfy the endorsement policy"
        return None

    lines: list[str] = []
    clock = Clock()
    Network(JINGJINJI)._wait_for_discovery(probe, lines.append, clock=clock, sleep=clock.sleep)
    assert asked == ["admin-bj", "admin-tj", "admin-tj", "admin-tj", "admin-hb", "admin-co"]
    assert lines == [f"  {m}: gateway endorses across organizations" for m in ("BJMSP", "TJMSP", "HBMSP", "COMSP")]


def test_discovery_gives_up_with_the_gateways_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOLEDGER_HOME", str(tmp_path))
    clock = Clock()
    with pytest.raises(NetworkError, match="BJMSP: discovery did not find enough endorsers within 5s: not yet"):
        Network(JINGJINJI)._wait_for_discovery(lambda name: "not yet", lambda m: None, timeout=5,
                                               clock=clock, sleep=clock.sleep)


def test_the_probe_reports_gateway_refusals_and_raises_wallet_problems(tmp_path: Path) -> None:
    from client.gateway import EndorseError

    class Contract:
        def __init__(self, error: Exception | None) -> None:
            self.error = error

        def endorse(self, function: str) -> None:
            assert function == "Registry:Members"
            if self.error:
                raise self.error

    class FakeSession(Session):
        def __init__(self, error: Exception | None) -> None:
            super().__init__(tmp_path / "profiles", tmp_path / "wallet")
            self.error = error

        def contract(self, name: str | None, channel: str | None = None) -> Any:
            return Contract(self.error)

    assert endorsement_probe(FakeSession(None))("admin-bj") is None
    refused = EndorseError("no peer combination can satisfy the endorsement policy", tx_id="t")
    assert "endorsement policy" in str(endorsement_probe(FakeSession(refused))("admin-bj"))
    with pytest.raises(ProfileError):
        endorsement_probe(FakeSession(ProfileError("profiles missing")))("admin-bj")
