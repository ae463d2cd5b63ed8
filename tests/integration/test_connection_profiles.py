"""Connection profiles on a real network: written by ``up``, enough (with a wallet) for a client anywhere."""

from __future__ import annotations

import shutil
from pathlib import Path

from client.gateway import Wallet
from client.profile import ProfileDirectory, find_profiles, load_profile
from client.session import Session, endorsement_probe
from network.bootstrap import Network

from .conftest import Cli

MEMBERS = [("BJ", "region"), ("CO", "coordinator"), ("HB", "region"), ("TJ", "region")]


def test_up_writes_one_profile_per_organization(network: Network) -> None:
    files = find_profiles(network.layout.profiles_dir)
    assert [f.name for f in files] == ["bj.json", "co.json", "hb.json", "tj.json"]
    for org in network.consortium.organizations:
        profile = load_profile(network.layout.profile_file(org))
        assert (profile.code, profile.msp_id, profile.organization.kind) == (org.code, org.msp_id, org.kind)
        assert [p.address for p in profile.peers] == [p.address for p in org.peers]
        root = (network.layout.peer_dir(org.peers[0]) / "tls" / "ca.crt").read_bytes()
        assert profile.peer().tls_root_cert == root
        assert [m.msp_id for m in profile.members] == [o.msp_id for o in network.consortium.organizations]
        assert set(profile.channels) == {c.name for c in network.consortium.channels}


def test_a_client_with_only_the_profiles_and_the_wallet_connects(network: Network, tmp_path: Path) -> None:
    client = tmp_path / "another-machine"
    shutil.copytree(network.layout.profiles_dir, client / "profiles")
    shutil.copytree(network.layout.wallet_dir, client / "wallet")
    with Session(client / "profiles", Wallet(client / "wallet")) as session:
        for identity in ("admin-bj", "admin-hb"):
            members = session.contract(identity).evaluate("Registry:Members")
            assert [(m["code"], m["kind"]) for m in members] == MEMBERS
        heights = session.gateway("admin-tj").get_network("bj-tj").query_chain_info().height
        assert heights > 0
        assert endorsement_probe(session)("admin-co") is None, "the copied client gathers endorsements"


def test_the_cli_acts_through_the_profiles(ecoledger: Cli, network: Network, tmp_path: Path) -> None:
    members = ecoledger.json("--as", "admin-bj", "registry", "members")
    assert [(m["code"], m["kind"]) for m in members] == MEMBERS
    profile = network.layout.profile_file(network.consortium.org("BJ"))
    aside = tmp_path / profile.name
    shutil.move(profile, aside)
    try:
        error = ecoledger.fails("--as", "admin-bj", "registry", "members")
        assert "no connection profile for organization 'BJ'" in error
    finally:
        shutil.move(aside, profile)
    assert ProfileDirectory(network.layout.profiles_dir)("BJ").msp_id == "BJMSP"


def test_up_on_a_running_network_restores_a_missing_profile(ecoledger: Cli, network: Network) -> None:
    profile = network.layout.profile_file(network.consortium.org("HB"))
    before = profile.read_text()
    profile.unlink()
    assert ecoledger.json("network", "up")["already_running"] is True
    assert profile.read_text() == before
