"""Consortium files: bundled ones load, invalid ones are refused with the field named."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from network import config
from network.errors import ConfigError


def _document() -> dict[str, Any]:
    return yaml.safe_load(config.resolve_path("jingjinji").read_text(encoding="utf-8"))


def test_jingjinji_has_three_regions_a_coordinator_and_four_channels() -> None:
    consortium = config.load("jingjinji")
    assert [o.msp_id for o in consortium.organizations] == ["BJMSP", "TJMSP", "HBMSP", "COMSP"]
    assert [o.code for o in consortium.regions] == ["BJ", "TJ", "HB"]
    assert [c.name for c in consortium.channels] == ["ecoledger", "bj-tj", "bj-hb", "tj-hb"]
    assert [o.code for o in consortium.channels[2].orgs] == ["BJ", "HB"]
    assert consortium.consensus == "bft"


def test_yangtze_is_only_a_different_file() -> None:
    consortium = config.load("yangtze")
    assert [o.code for o in consortium.regions] == ["SH", "JS", "ZJ", "AH"]
    assert len(consortium.channels) == 1 + 6
    assert consortium.parameters["river_basin"]["ZJ"] == "qiantang"


def test_ports_follow_one_plan_from_the_base_port_without_overlaps() -> None:
    consortium = config.load("jingjinji", base_port=30000, )
    ports: list[int] = []
    for org in consortium.organizations:
        ports += [org.ca_port, org.ca_operations_port, org.orderer_port, org.orderer_admin_port,
                  org.orderer_operations_port, org.chaincode_server_port]
        for peer in org.peers:
            ports += [peer.port, peer.chaincode_port, peer.operations_port]
    assert min(ports) == 30000
    assert len(ports) == len(set(ports))
    assert consortium.org("HB").peers[0].address == "127.0.0.1:30050"


def test_a_second_peer_per_org_is_a_config_option() -> None:
    document = _document()
    document["peers_per_org"] = 2
    consortium = config.parse(document)
    assert [p.name for p in consortium.org("TJ").peers] == ["peer0.tj.ecoledger", "peer1.tj.ecoledger"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("name"), "name: required field is missing"),
    (lambda d: d.update(name="Bad Name"), "name: 'Bad Name' must be lowercase"),
    (lambda d: d.update(consensus="pow"), "consensus: 'pow' must be one of bft, raft"),
    (lambda d: d.update(base_port=80), "base_port: 80 must be an integer between 1024 and 60000"),
    (lambda d: d.update(peers_per_org=0), "peers_per_org: 0 must be 1, 2 or 3"),
    (lambda d: d["organizations"][1].update(code="tj"), "organizations[1].code: 'tj' must be 2-4 uppercase"),
    (lambda d: d["organizations"][2].update(code="BJ"), "organizations[2].code: 'BJ' is used twice"),
    (lambda d: d["organizations"][3].update(kind="ngo"), "organizations[3].kind: 'ngo' must be one of"),
    (lambda d: d.update(organizations="BJ"), "organizations: must be list"),
    (lambda d: d.update(parameters=[1]), "parameters: must be a mapping"),
    (lambda d: d.update(organizations=d["organizations"][:3]), "BFT ordering needs at least 4 organizations"),
])
def test_invalid_consortium_files_name_the_field(change: Any, message: str) -> None:
    document = copy.deepcopy(_document())
    change(document)
    with pytest.raises(ConfigError, match=None) as refused:
        config.parse(document)
    assert message in str(refused.value)


def test_small_consortia_may_use_raft() -> None:
    document = _document()
    document["organizations"] = document["organizations"][:3]
    assert config.parse(document, consensus="raft").consensus == "raft"


def test_unknown_consortium_names_and_orgs_are_clear_errors() -> None:
    with pytest.raises(ConfigError, match="consortium file 'mars' not found"):
        config.load("mars")
    with pytest.raises(ConfigError, match=r"no organization 'XX' in consortium jingjinji \(known: BJ, TJ, HB, CO\)"):
        config.load("jingjinji").org("XX")


def test_a_file_that_is_not_yaml_is_refused(tmp_path: Any) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        config.load(str(path))
