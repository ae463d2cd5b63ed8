"""Generated artifacts: channel profiles, chaincode packages, collections, MSP folders, processes."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import tarfile
from pathlib import Path

import pytest
import yaml

from network import config, msp
from network.configtx import write_configtx
from network.errors import NetworkError
from network.layout import Layout
from network.lifecycle import Lifecycle, _tar_bytes, package
from network.processes import NodeSpec, ProcessTable


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(tmp_path / "net")


def test_bft_profile_maps_one_consenter_per_organization(layout: Layout) -> None:
    consortium = config.load("jingjinji")
    profiles = yaml.safe_load(write_configtx(layout, consortium).read_text())["Profiles"]
    assert list(profiles) == ["ecoledger", "bj-tj", "bj-hb", "tj-hb"]
    orderer = profiles["ecoledger"]["Orderer"]
    assert orderer["OrdererType"] == "BFT"
    assert [(c["ID"], c["MSPID"], c["Port"]) for c in orderer["ConsenterMapping"]] == [
        (1, "BJOrdererMSP", 17002), (2, "TJOrdererMSP", 17022), (3, "HBOrdererMSP", 17042),
        (4, "COOrdererMSP", 17062)]
    assert profiles["ecoledger"]["Capabilities"] == {"V3_0": True}
    application = profiles["bj-hb"]["Application"]
    assert [o["Name"] for o in application["Organizations"]] == ["BJMSP", "HBMSP"]
    assert application["Policies"]["Endorsement"] == {"Type": "ImplicitMeta", "Rule": "MAJORITY Endorsement"}
    bj = application["Organizations"][0]
    assert bj["AnchorPeers"] == [{"Host": "127.0.0.1", "Port": 17010}]
    assert profiles["bj-hb"]["Orderer"]["Organizations"][0]["OrdererEndpoints"] == ["127.0.0.1:17002"]


def test_a_pair_channel_defines_only_its_members_peer_msps(layout: Layout) -> None:
    """Every ordering node serves every channel, under an MSP id of its own, so a pair channel's
    configuration holds no peer MSP of a non-member (which made gossip drop their messages)."""
    consortium = config.load("jingjinji")
    profile = yaml.safe_load(write_configtx(layout, consortium).read_text())["Profiles"]["bj-hb"]
    defined = [o["ID"] for group in ("Application", "Orderer") for o in profile[group]["Organizations"]]
    assert defined == ["BJMSP", "HBMSP", "BJOrdererMSP", "TJOrdererMSP", "HBOrdererMSP", "COOrdererMSP"]
    assert profile["Orderer"]["Organizations"][3]["Policies"]["Admins"] == {
        "Type": "Signature", "Rule": "OR('COOrdererMSP.admin')"}


def test_raft_profile_lists_etcdraft_consenters(layout: Layout) -> None:
    consortium = config.load("jingjinji", consensus="raft")
    orderer = yaml.safe_load(write_configtx(layout, consortium).read_text())["Profiles"]["ecoledger"]["Orderer"]
    assert orderer["OrdererType"] == "etcdraft"
    assert [c["Port"] for c in orderer["EtcdRaft"]["Consenters"]] == [17002, 17022, 17042, 17062]
    assert "ConsenterMapping" not in orderer


def _fake_tls(layout: Layout, consortium: config.Consortium) -> None:
    for org in consortium.organizations:
        for folder in (layout.chaincode_server_dir(org) / "tls", layout.peer_dir(org.peers[0]) / "tls"):
            folder.mkdir(parents=True, exist_ok=True)
            for name in ("server.key", "server.crt", "ca.crt"):
                (folder / name).write_text(f"{org.code}-{name}")


def test_packages_are_reproducible_and_hold_only_metadata_and_code(layout: Layout) -> None:
    consortium = config.load("jingjinji")
    _fake_tls(layout, consortium)
    path, package_id = package(layout, consortium, consortium.org("BJ"))
    first = path.read_bytes()
    _, again = package(layout, consortium, consortium.org("BJ"))
    assert again == package_id == f"ecoledger_1.0:{hashlib.sha256(first).hexdigest()}"
    with tarfile.open(fileobj=io.BytesIO(first)) as outer:
        assert outer.getnames() == ["metadata.json", "code.tar.gz"]
        assert json.load(outer.extractfile("metadata.json")) == {"type": "ccaas", "label": "ecoledger_1.0"}
        with tarfile.open(fileobj=io.BytesIO(outer.extractfile("code.tar.gz").read())) as code:
            connection = json.load(code.extractfile("connection.json"))
    assert connection["address"] == "127.0.0.1:17005"
    assert connection["tls_required"] is True and connection["client_auth_required"] is True
    assert connection["root_cert"] == "BJ-ca.crt"
    _, other = package(layout, consortium, consortium.org("TJ"))
    assert other != package_id


def test_tar_bytes_do_not_depend_on_the_clock() -> None:
    assert _tar_bytes({"a": b"1"}) == _tar_bytes({"a": b"1"})


def test_price_collections_cover_each_region_and_each_pair_with_the_coordinator(layout: Layout) -> None:
    consortium = config.load("jingjinji")
    lifecycle = Lifecycle(layout, consortium)
    definitions = json.loads(lifecycle.collections_file(consortium.channels[0]).read_text())
    by_name = {d["name"]: d["policy"] for d in definitions}
    assert by_name["price_BJMSP"] == "OR('BJMSP.member','COMSP.member')"
    assert by_name["price_BJMSP_HBMSP"] == "OR('BJMSP.member','HBMSP.member','COMSP.member')"
    assert len(definitions) == 3 + 3 + 3
    assert lifecycle.collections_file(consortium.channels[1]) is None


def test_monitoring_collections_hold_each_regions_details_with_the_coordinator(layout: Layout) -> None:
    consortium = config.load("jingjinji")
    definitions = json.loads(Lifecycle(layout, consortium).collections_file(consortium.channels[0]).read_text())
    monitoring = {d["name"]: d for d in definitions if d["name"].startswith("monitoring_")}
    assert sorted(monitoring) == ["monitoring_BJMSP", "monitoring_HBMSP", "monitoring_TJMSP"]
    tj = monitoring["monitoring_TJMSP"]
    assert tj["policy"] == "OR('TJMSP.member','COMSP.member')"
    assert (tj["memberOnlyRead"], tj["memberOnlyWrite"], tj["blockToLive"]) == (True, False, 0)


def test_msp_folders_get_node_ou_configuration(tmp_path: Path) -> None:
    local = tmp_path / "msp"
    for sub, name in (("cacerts", "127-0-0-1-7054.pem"), ("keystore", "abc_sk"), ("signcerts", "cert.pem")):
        (local / sub).mkdir(parents=True)
        (local / sub / name).write_text(sub)
    msp.normalize_local_msp(local)
    assert (local / "cacerts" / "ca.pem").read_text() == "cacerts"
    assert (local / "keystore" / "key.pem").read_text() == "keystore"
    ous = yaml.safe_load((local / "config.yaml").read_text())["NodeOUs"]
    assert ous["Enable"] is True
    assert ous["AdminOUIdentifier"] == {"Certificate": "cacerts/ca.pem", "OrganizationalUnitIdentifier": "admin"}


def test_a_taken_port_is_a_clear_error_and_nothing_starts(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        table = ProcessTable(tmp_path / "run")
        spec = NodeSpec(name="peer0.test", kind="peer", command=["sleep", "30"], env={}, cwd=tmp_path,
                        ports=(port,), health_port=port)
        with pytest.raises(NetworkError, match=f"cannot start peer0.test: port {port} is already in use"):
            table.start(spec)
        assert table.pid("peer0.test") is None


def test_processes_are_recorded_and_stopped_by_pid(tmp_path: Path) -> None:
    table = ProcessTable(tmp_path / "run")
    spec = NodeSpec(name="sleeper", kind="peer", command=["sleep", "30"], env={"PATH": "/usr/bin:/bin"},
                    cwd=tmp_path, ports=())
    pid = table.start(spec)
    assert table.pid("sleeper") == pid
    assert table.start(spec) == pid  # already running: not started twice
    assert table.names() == ["sleeper"]
    assert table.stop("sleeper") is True
    assert table.pid("sleeper") is None
    assert table.stop("sleeper") is False
