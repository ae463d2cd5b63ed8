"""Per-organization hosts: host addresses in the consortium file, exported definitions holding no secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from network import config
from network.bootstrap import Network
from network.ca import tls_hosts
from network.configtx import write_configtx
from network.errors import ConfigError, NetworkError
from network.layout import Layout
from network.members import check_public, export_document, import_document, missing_definitions
from network.nodes import orderer_spec, peer_spec

HOSTS = {"BJ": "10.77.0.2", "TJ": "10.77.0.3", "HB": "10.77.0.4", "CO": "10.77.0.5"}
KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"


def hosted(**changes) -> config.Consortium:
    data = yaml.safe_load((config.resolve_path("jingjinji")).read_text())
    data["name"] = "jjj-hosts"
    for org in data["organizations"]:
        org["host"] = HOSTS[org["code"]]
    data.update(changes)
    return config.parse(data)


def test_each_organization_listens_and_is_dialled_at_its_own_host(tmp_path: Path) -> None:
    consortium = hosted()
    bj = consortium.org("BJ")
    assert consortium.multi_host and not config.load("jingjinji").multi_host
    assert bj.orderer_address == "10.77.0.2:17002" and bj.peers[0].address == "10.77.0.2:17010"
    layout = Layout(tmp_path)
    orderer = orderer_spec(layout, bj)
    assert orderer.env["ORDERER_GENERAL_LISTENADDRESS"] == "10.77.0.2"
    assert orderer.env["ORDERER_ADMIN_LISTENADDRESS"] == "10.77.0.2:17003" and orderer.host == "10.77.0.2"
    peer = peer_spec(layout, bj.peers[0])
    assert peer.env["CORE_PEER_GOSSIP_EXTERNALENDPOINT"] == "10.77.0.2:17010"
    assert peer.health_url == "http://10.77.0.2:17012/healthz"
    assert tls_hosts(bj) == "10.77.0.2,127.0.0.1,localhost"
    profile = yaml.safe_load(write_configtx(layout, consortium).read_text())["Profiles"]["bj-tj"]
    assert [(c["Host"], c["Port"]) for c in profile["Orderer"]["ConsenterMapping"]][:2] == [
        ("10.77.0.2", 17002), ("10.77.0.3", 17022)]
    assert profile["Application"]["Organizations"][1]["AnchorPeers"] == [{"Host": "10.77.0.3", "Port": 17030}]


@pytest.mark.parametrize("host, message", [
    ("10.77.0.300", "must be an IPv4 address or a host name"),
    ("bad host", "must be an IPv4 address or a host name"),
    (17, "must be an IPv4 address or a host name"),
])
def test_a_bad_host_is_refused_naming_the_field(host: object, message: str) -> None:
    data = yaml.safe_load((config.resolve_path("jingjinji")).read_text())
    data["organizations"][1]["host"] = host
    with pytest.raises(ConfigError, match=r"organizations\[1\]\.host: .*" + message):
        config.parse(data)


def test_two_organizations_on_one_host_address_are_refused() -> None:
    data = yaml.safe_load((config.resolve_path("jingjinji")).read_text())
    data["organizations"][0]["host"] = data["organizations"][2]["host"] = "10.77.0.2"
    with pytest.raises(ConfigError, match=r"organizations\[2\]\.host: '10.77.0.2' is already the host"):
        config.parse(data)


def _issued(layout: Layout, org: config.Organization) -> None:
    """The files 'org init' leaves for ``org``: public certificates and, next to them, private keys."""
    def write(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    cert = f"-----BEGIN CERTIFICATE-----\n{org.code}CERT\n-----END CERTIFICATE-----\n"
    write(layout.org_dir(org) / "msp" / "cacerts" / "ca.pem", cert)
    write(layout.org_dir(org) / "msp" / "tlscacerts" / "ca.pem", cert)
    write(layout.org_dir(org) / "msp" / "config.yaml", "NodeOUs:\n  Enable: true\n")
    write(layout.org_dir(org) / "ca" / "bootstrap-secret", "s3cret")
    write(layout.org_dir(org) / "ca" / "msp" / "keystore" / "ca.key", KEY)
    for node in (layout.orderer_dir(org), *[layout.peer_dir(p) for p in org.peers], layout.admin_dir(org)):
        write(node / "msp" / "signcerts" / "cert.pem", cert)
        write(node / "msp" / "keystore" / "key.pem", KEY)
        write(node / "tls" / "server.crt", cert)
        write(node / "tls" / "ca.crt", cert)
        write(node / "tls" / "server.key", KEY)


def test_the_exported_definition_holds_every_public_part_and_no_private_key(tmp_path: Path) -> None:
    consortium = hosted()
    layout = Layout(tmp_path / "bj-host")
    bj = consortium.org("BJ")
    _issued(layout, bj)
    document = export_document(layout, consortium, bj)
    text = json.dumps(document)
    assert "PRIVATE KEY" not in text and "s3cret" not in text
    assert document["msp_id"] == "BJMSP" and document["orderer_msp_id"] == "BJOrdererMSP"
    assert document["orderer"]["address"] == "10.77.0.2:17002"
    assert document["peers"][0]["address"] == "10.77.0.2:17010"
    assert document["anchor_peers"] == [{"host": "10.77.0.2", "port": 17010}]
    assert "BEGIN CERTIFICATE" in document["orderer"]["identity_cert"]


def test_a_definition_with_a_key_in_it_is_refused_on_export_and_import(tmp_path: Path) -> None:
    consortium = hosted()
    layout = Layout(tmp_path / "bj-host")
    bj = consortium.org("BJ")
    _issued(layout, bj)
    (layout.orderer_dir(bj) / "tls" / "server.crt").write_text(KEY)  # a key where a certificate belongs
    with pytest.raises(NetworkError, match="holds secret material"):
        export_document(layout, consortium, bj)
    with pytest.raises(NetworkError, match="holds secret material"):
        check_public({"code": "BJ", "orderer": {"tls_cert": KEY}})


def test_import_writes_only_public_files_where_the_channel_steps_read_them(tmp_path: Path) -> None:
    consortium = hosted()
    bj_home, tj_home = Layout(tmp_path / "bj-host"), Layout(tmp_path / "tj-host")
    bj, tj = consortium.org("BJ"), consortium.org("TJ")
    _issued(bj_home, bj)
    document = export_document(bj_home, consortium, bj)
    assert "BJ" in missing_definitions(tj_home, consortium)
    assert import_document(tj_home, consortium, document, local=(tj,)) == bj
    assert "BJ" not in missing_definitions(tj_home, consortium)
    written = [p for p in (tj_home.org_dir(bj)).rglob("*") if p.is_file()]
    assert written and not any("PRIVATE KEY" in p.read_text() for p in written)
    assert not any(p.name.endswith(".key") or "keystore" in p.parts for p in written)
    with pytest.raises(NetworkError, match="BJ runs on this host"):
        import_document(bj_home, consortium, document, local=(bj,))


@pytest.mark.parametrize("field, value, message", [
    ("host", "10.77.0.9", "host is '10.77.0.9' in the definition but '10.77.0.2'"),
    ("consortium", "yangtze", "definition is for consortium 'yangtze'"),
    ("version", 7, "not an organization definition"),
])
def test_a_definition_that_does_not_match_the_consortium_file_is_refused(tmp_path: Path, field: str, value: object,
                                                                          message: str) -> None:
    consortium = hosted()
    bj_home = Layout(tmp_path / "bj-host")
    _issued(bj_home, consortium.org("BJ"))
    document = export_document(bj_home, consortium, consortium.org("BJ")) | {field: value}
    with pytest.raises(NetworkError, match=message):
        import_document(Layout(tmp_path / "tj-host"), consortium, document, local=(consortium.org("TJ"),))


def test_a_host_runs_only_its_own_organizations_nodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOLEDGER_HOME", str(tmp_path))
    consortium = hosted()
    net = Network(consortium, local=["TJ"])
    assert [o.code for o in net.local_orgs] == ["TJ"] and list(net.cas) == ["TJ"]
    assert {s.name for s in net.all_specs()} == {"ca.tj.ecoledger", "orderer.tj.ecoledger", "peer0.tj.ecoledger"}
    net._save_host()
    assert [o.code for o in Network(consortium).local_orgs] == ["TJ"]
    with pytest.raises(NetworkError, match="this home already runs TJ"):
        Network(consortium, local=["BJ"])._save_host()
    with pytest.raises(NetworkError, match="use the per-organization commands"):
        Network(consortium).up(progress=lambda m: None)
    with pytest.raises(NetworkError, match="cannot create the channels: no definition of BJ, TJ, HB, CO on this host"):
        Network(consortium).create_channels(progress=lambda m: None)
    with pytest.raises(NetworkError, match=r"no channel bj-sd in consortium jjj-hosts \(channels: ecoledger, bj-tj"):
        Network(consortium).create_channels(progress=lambda m: None, only=["bj-sd"])


def test_channels_made_by_the_older_layout_ask_for_a_purge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOLEDGER_HOME", str(tmp_path))
    net = Network(config.load("jingjinji"))
    (net.layout.channel_dir).mkdir(parents=True)
    (net.layout.channel_dir / "ecoledger.block").write_bytes(b"old")
    net.layout.state_file.write_text(json.dumps({"complete": True}))
    with pytest.raises(NetworkError, match="created by an older ecoledger .* network down --purge"):
        net._channel_artifacts()


def test_an_admitted_region_is_appended_to_a_homes_consortium_with_the_ports_of_its_place(tmp_path: Path) -> None:
    from network.members import add_member

    data = yaml.safe_load((config.resolve_path("jingjinji")).read_text())
    data["name"] = "jjj-hosts"
    for org in data["organizations"]:
        org["host"] = HOSTS[org["code"]]
    with_sd = yaml.safe_load(yaml.safe_dump(data))
    with_sd["organizations"].append({"code": "SD", "name": "Shandong", "local_name": "山东", "kind": "region",
                                     "host": "10.77.0.6"})
    bigger = config.parse(with_sd)
    sd_home = Layout(tmp_path / "sd-host")
    _issued(sd_home, bigger.org("SD"))
    document = export_document(sd_home, bigger, bigger.org("SD"))
    assert document["local_name"] == "山东"

    saved = tmp_path / "tj-host" / "consortium.yaml"
    saved.parent.mkdir(parents=True)
    saved.write_text(yaml.safe_dump(data, allow_unicode=True))
    add_member(saved, document)
    add_member(saved, document)  # again: no second entry
    grown = config.load(str(saved))
    assert [o.code for o in grown.organizations] == ["BJ", "TJ", "HB", "CO", "SD"]
    assert grown.org("SD").orderer_address == bigger.org("SD").orderer_address
    assert [c.name for c in grown.channels] == ["ecoledger", "bj-tj", "bj-hb", "bj-sd", "tj-hb", "tj-sd", "hb-sd"]
    tj_home = Layout(tmp_path / "tj-host")
    assert import_document(tj_home, grown, document, local=(grown.org("TJ"),)).code == "SD"
    with pytest.raises(NetworkError, match="definition is for consortium 'yangtze'"):
        add_member(tmp_path / "tj-host" / "consortium.yaml", document | {"code": "AH", "consortium": "yangtze"})


def test_the_chaincode_definition_moves_to_the_next_sequence_when_an_admitted_region_brings_collections(
        tmp_path: Path) -> None:
    from network.lifecycle import Lifecycle, Plan, collection_names

    consortium = hosted()
    lifecycle = Lifecycle(Layout(tmp_path), consortium)
    channel = consortium.channels[0]
    wanted = lifecycle.collection_names(channel)
    assert "monitoring_BJMSP" in wanted and wanted == sorted(wanted)

    def committed(names: list[str], sequence: int) -> dict:
        return {"sequence": sequence, "collections": {"config": [{"static_collection_config": {"name": n}}
                                                                 for n in names]}}

    assert collection_names(committed(["b", "a"], 1)) == ["a", "b"]
    as_the_peer_cli_prints_it = {"sequence": 1, "collections": {"config": [
        {"Payload": {"StaticCollectionConfig": {"name": "b", "maximum_peer_count": 3}}},
        {"Payload": {"StaticCollectionConfig": {"name": "a"}}}]}}
    assert collection_names(as_the_peer_cli_prints_it) == ["a", "b"]
    assert collection_names({"sequence": 1}) == []
    cases = [(None, Plan(1, False)), (committed(wanted, 1), Plan(1, True)),
             (committed(wanted[:-1], 1), Plan(2, False)), (committed(wanted, 3), Plan(3, True))]
    for definition, expected in cases:
        object.__setattr__(lifecycle, "committed_definition", lambda channel, org=None, d=definition: d)
        assert lifecycle.plan(channel) == expected
    pair = consortium.channels[1]
    object.__setattr__(lifecycle, "committed_definition", lambda channel, org=None: {"sequence": 1})
    assert lifecycle.plan(pair) == Plan(1, True)


@pytest.mark.parametrize("answer, written", [("[]", False), ('[{"code": "BJ", "msp_id": "BJMSP"}]', True)])
def test_a_channels_registry_is_read_from_the_json_line_among_the_peer_tools_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str, written: bool) -> None:
    import network.bootstrap as bootstrap

    log = ('2026-12-06 03:11:44.614 UTC 0080 INFO [grpc] AddTraceEvent -> [core] [Channel #25]Resolver state:\n'
           '  "Addresses": [\n    {\n')
    monkeypatch.setenv("ECOLEDGER_HOME", str(tmp_path))
    monkeypatch.setattr(bootstrap, "run_with_retry", lambda *a, **k: log + answer + "\n")
    consortium = hosted()
    net = Network(consortium, local=["BJ"])
    assert net._registry_written(consortium.channels[1], consortium.org("BJ")) is written
    monkeypatch.setattr(bootstrap, "run_with_retry", lambda *a, **k: log)
    with pytest.raises(NetworkError, match="reading the registry of bj-tj: no answer in the peer's output"):
        net._registry_written(consortium.channels[1], consortium.org("BJ"))


def test_a_transaction_an_ordering_node_does_not_take_goes_to_the_next_one(monkeypatch: pytest.MonkeyPatch) -> None:
    import network.commands as commands
    from network.errors import ToolError

    tried: list[str] = []

    def run(command, **kwargs):
        tried.append(command[1])
        if command[1] != "10.77.0.3:17022":
            raise ToolError(f"{command[1]}: timed out waiting for txid on all peers")
        return "committed"

    monkeypatch.setattr(commands, "run", run)
    monkeypatch.setattr(commands.time, "sleep", lambda s: None)
    nodes = [("10.77.0.2:17002", Path("bj.crt")), ("10.77.0.3:17022", Path("tj.crt"))]
    assert commands.run_on_orderers(lambda address, ca: ["peer", address, str(ca)], nodes) == "committed"
    assert tried == ["10.77.0.2:17002", "10.77.0.3:17022"]
    tried.clear()
    with pytest.raises(ToolError, match="10.77.0.2:17002: timed out"):
        commands.run_on_orderers(lambda address, ca: ["peer", address], nodes[:1], attempts=3)
    assert tried == ["10.77.0.2:17002"] * 3


def test_an_admin_sends_through_its_own_ordering_node_first_then_the_others_it_knows(tmp_path: Path) -> None:
    from network.lifecycle import orderers_for

    consortium = hosted()
    layout = Layout(tmp_path)
    for code in ("TJ", "CO"):
        ca = layout.orderer_dir(consortium.org(code)) / "tls" / "ca.crt"
        ca.parent.mkdir(parents=True)
        ca.write_text("root")
    assert [a for a, _ in orderers_for(layout, consortium, consortium.org("CO"))] == ["10.77.0.5:17062",
                                                                                       "10.77.0.3:17022"]
