"""Channel configuration updates: what changes, which policy authorises it, whose signatures count."""

from __future__ import annotations

import copy
import datetime
import os
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from network import configupdate as cu
from network import paths
from network.errors import NetworkError

ORGS = ["BJ", "TJ", "HB", "CO"]
TOOLS = paths.bin_dir() / "configtxlator"
needs_tools = pytest.mark.skipif(not TOOLS.exists(), reason=f"Fabric tools not installed at {TOOLS}")


def _signature_policy(msp: str, role: str) -> dict[str, Any]:
    return {"mod_policy": "Admins", "version": "0", "policy": {"type": 1, "value": {
        "identities": [{"principal": {"msp_identifier": msp, "role": role}, "principal_classification": "ROLE"}],
        "rule": {"n_out_of": {"n": 1, "rules": [{"signed_by": 0}]}}, "version": 0}}}


def _implicit(rule: str, sub: str = "Admins") -> dict[str, Any]:
    return {"mod_policy": "Admins", "version": "0", "policy": {"type": 3, "value": {"rule": rule, "sub_policy": sub}}}


def _org(msp: str, anchors: bool) -> dict[str, Any]:
    group = {"groups": {}, "mod_policy": "Admins", "version": "0", "values": {},
             "policies": {"Admins": _signature_policy(msp, "ADMIN"), "Readers": _signature_policy(msp, "MEMBER")}}
    if anchors:
        group["values"]["AnchorPeers"] = {"mod_policy": "Admins", "version": "0",
                                          "value": {"anchor_peers": [{"host": "10.0.0.1", "port": 7051}]}}
    return group


def channel_config() -> dict[str, Any]:
    """A channel like the all-members channel: four application orgs, four ordering orgs."""
    return {"sequence": "3", "channel_group": {
        "mod_policy": "Admins", "version": "0", "values": {},
        "policies": {"Admins": _implicit("MAJORITY")},
        "groups": {
            "Application": {"mod_policy": "Admins", "version": "1", "values": {},
                            "policies": {"Admins": _implicit("MAJORITY")},
                            "groups": {f"{c}MSP": _org(f"{c}MSP", True) for c in ORGS}},
            "Orderer": {"mod_policy": "Admins", "version": "0",
                        "policies": {"Admins": _implicit("MAJORITY")},
                        "values": {"BatchTimeout": {"mod_policy": "Admins", "version": "0",
                                                    "value": {"timeout": "500ms"}}},
                        "groups": {f"{c}OrdererMSP": _org(f"{c}OrdererMSP", False) for c in ORGS}},
        }}}


def _update(config: dict[str, Any], edit) -> dict[str, Any]:
    modified = copy.deepcopy(config)
    edit(modified)
    return cu.decode("common.ConfigUpdate", cu.compute_update("ecoledger", config, modified))


def _admins(*codes: str, orderer: bool = False) -> set[tuple[str, str]]:
    return {(f"{c}{'Orderer' if orderer else ''}MSP", "ADMIN") for c in codes}


# -- what changes and which policy ---------------------------------------------------------------
@needs_tools
def test_a_changed_orderer_value_needs_the_orderer_admins_and_bumps_only_that_value() -> None:
    config = channel_config()
    update = _update(config, cu.set_batch_timeout("2s"))
    written = update["write_set"]["groups"]["Orderer"]["values"]["BatchTimeout"]
    assert written["version"] == "1" and written["value"]["timeout"] == "2s"
    assert update["write_set"]["groups"]["Orderer"]["version"] == "0"
    assert cu.changes(config, update) == [cu.Change("/Channel/Orderer/BatchTimeout", "value", "/Channel/Orderer/Admins")]


@needs_tools
def test_an_anchor_peer_change_needs_only_that_organizations_admin() -> None:
    config = channel_config()

    def move(c: dict[str, Any]) -> None:
        c["channel_group"]["groups"]["Application"]["groups"]["HBMSP"]["values"]["AnchorPeers"]["value"] = {
            "anchor_peers": [{"host": "10.0.0.9", "port": 7051}]}

    update = _update(config, move)
    assert cu.changes(config, update) == [cu.Change("/Channel/Application/HBMSP/AnchorPeers", "value",
                                                    "/Channel/Application/HBMSP/Admins")]
    assert [v.satisfied for v in cu.check(config, update, _admins("HB"))] == [True]
    assert [v.satisfied for v in cu.check(config, update, _admins("BJ", "TJ", "CO"))] == [False]


@needs_tools
def test_a_new_organization_is_authorised_by_its_parent_group_version_bump() -> None:
    config = channel_config()

    def add(c: dict[str, Any]) -> None:
        c["channel_group"]["groups"]["Application"]["groups"]["SDMSP"] = _org("SDMSP", True)

    update = _update(config, add)
    application = update["write_set"]["groups"]["Application"]
    assert application["version"] == "2" and application["groups"]["SDMSP"]["version"] == "0"
    assert cu.changes(config, update) == [cu.Change("/Channel/Application", "group", "/Channel/Application/Admins")]
    assert cu.added_organizations(update) == ["SDMSP"]
    assert cu.added_organizations(_update(config, cu.set_batch_timeout("2s"))) == []


@needs_tools
def test_an_update_that_changes_nothing_is_refused() -> None:
    config = channel_config()
    with pytest.raises(NetworkError, match="changes nothing"):
        cu.compute_update("ecoledger", config, copy.deepcopy(config))


# -- signature collection --------------------------------------------------------------------------
def _batch_update() -> dict[str, Any]:
    """The decoded ConfigUpdate of a batch-timeout change (as configtxlator writes it)."""
    return {"channel_id": "ecoledger",
            "read_set": {"groups": {"Orderer": {"version": "0", "values": {}, "policies": {}, "groups": {}}},
                         "version": "0"},
            "write_set": {"groups": {"Orderer": {"version": "0", "groups": {}, "policies": {}, "values": {
                "BatchTimeout": {"mod_policy": "Admins", "version": "1", "value": {"timeout": "2s"}}}}},
                "version": "0"}}


def test_majority_of_four_needs_three_admins_and_the_error_names_who_signed_and_who_not() -> None:
    config, update = channel_config(), _batch_update()
    verdicts = cu.check(config, update, _admins("BJ", "TJ", orderer=True))
    assert [v.satisfied for v in verdicts] == [False]
    message = cu.unsatisfied_message("ecoledger", verdicts, ["BJOrdererMSP", "TJOrdererMSP"])
    assert message == ("update of channel ecoledger is not signed enough: signed by BJOrdererMSP, TJOrdererMSP; "
                       "/Channel/Orderer/Admins needs MAJORITY Admins (3 of 4): met by BJOrdererMSP, TJOrdererMSP; "
                       "not met by COOrdererMSP, HBOrdererMSP")
    assert cu.check(config, update, _admins("BJ", "TJ", "HB", orderer=True))[0].satisfied
    assert cu.unsatisfied_message("ecoledger", cu.check(config, update, _admins(*ORGS, orderer=True)), []) is None


def test_peer_msp_signatures_do_not_count_for_the_ordering_organizations() -> None:
    config, update = channel_config(), _batch_update()
    assert not cu.check(config, update, _admins(*ORGS))[0].satisfied


def test_a_member_signature_does_not_satisfy_an_admin_policy() -> None:
    config, update = channel_config(), _batch_update()
    members = {(f"{c}OrdererMSP", "CLIENT") for c in ORGS}
    assert not cu.check(config, update, members)[0].satisfied
    verdict = cu.evaluate(config, "/Channel/Application/BJMSP/Readers", {("BJMSP", "CLIENT")})
    assert verdict.satisfied


def test_channel_admins_need_a_majority_of_both_application_and_orderer_groups() -> None:
    config = channel_config()
    only_application = _admins(*ORGS)
    assert not cu.evaluate(config, "/Channel/Admins", only_application).satisfied
    both = _admins("BJ", "TJ", "HB") | _admins("BJ", "TJ", "CO", orderer=True)
    assert cu.evaluate(config, "/Channel/Admins", both).satisfied


def test_an_unknown_policy_is_reported() -> None:
    with pytest.raises(NetworkError, match="does not exist"):
        cu.evaluate(channel_config(), "/Channel/Orderer/Nobody", set())


# -- signing with the peer CLI -----------------------------------------------------------------------
def _admin_msp(folder: Path, msp_ou: str = "admin") -> None:
    """A CA and one identity with NodeOU ``msp_ou``, laid out as a local MSP folder."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ca.test")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, msp_ou),
                                     x509.NameAttribute(NameOID.COMMON_NAME, "admin-test")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    for sub in ("signcerts", "keystore", "cacerts"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "cacerts" / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "signcerts" / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "keystore" / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    from network.msp import node_ou_config

    (folder / "config.yaml").write_text(node_ou_config())


@needs_tools
def test_each_signature_is_recorded_with_its_msp_and_role_and_the_update_itself_is_unchanged(tmp_path: Path) -> None:
    config = channel_config()
    update = cu.propose("ecoledger", config, cu.set_batch_timeout("2s"))
    assert update.description == "set the ordering batch timeout to 2s" and update.signatures() == []
    digest = update.digest
    path = tmp_path / "batch.update.json"
    update.save(path)
    _admin_msp(tmp_path / "bj-admin")
    env = {"FABRIC_CFG_PATH": str(paths.fabric_config_dir()), "CORE_PEER_MSPCONFIGPATH": str(tmp_path / "bj-admin"),
           "PATH": os.environ.get("PATH", "")}
    for msp in ("BJMSP", "BJOrdererMSP"):
        loaded = cu.UpdateFile.load(path)
        cu.sign(loaded, env | {"CORE_PEER_LOCALMSPID": msp})
        loaded.save(path)
    signed = cu.UpdateFile.load(path)
    assert signed.signatures() == [("BJMSP", "ADMIN"), ("BJOrdererMSP", "ADMIN")]
    assert signed.digest == digest and signed.description == update.description
    verdicts = cu.check(config, signed.update_document(), set(signed.signatures()))
    assert [v.satisfied for v in verdicts] == [False]


def test_a_file_that_is_not_an_update_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(NetworkError, match="not a channel update file"):
        cu.UpdateFile.load(path)


@needs_tools
def test_an_admin_signs_an_admission_only_with_an_adopted_decision_holding_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from network import config
    from network.bootstrap import Network
    from network.governance import sign

    monkeypatch.setenv("ECOLEDGER_HOME", str(tmp_path / "home"))
    network = Network(config.load("jingjinji"), local=["BJ"])

    def add(c: dict[str, Any]) -> str:
        c["channel_group"]["groups"]["Application"]["groups"]["SDMSP"] = _org("SDMSP", True)
        return "admit SD"

    path = tmp_path / "admit.update.json"
    cu.propose("ecoledger", channel_config(), add).save(path)
    with pytest.raises(NetworkError, match=r"this update admits SDMSP: sign it only with an adopted membership "
                                           r"proposal holding its hash \(--proposal P-...\) or the members' "
                                           r"adopted decision \(--decision FILE\)"):
        sign(network, path)
    asked = []

    def not_decided(digest: str, added: list[str]) -> None:
        asked.append((digest, added))
        raise NetworkError("proposal P-1 holds channel update 00, not this update")

    with pytest.raises(NetworkError, match="not this update"):
        sign(network, path, adopted=not_decided)
    assert asked == [(cu.UpdateFile.load(path).digest, ["SDMSP"])]
    other = tmp_path / "other.decision.json"
    from network.decisions import Decision

    Decision("jingjinji", "admit SD", ["00" * 32]).save(other)
    for org in network.consortium.organizations:  # every member's root, as imported definitions leave them
        root = network.layout.org_dir(org) / "msp" / "cacerts" / "ca.pem"
        root.parent.mkdir(parents=True)
        root.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    with pytest.raises(NetworkError, match="does not hold this update"):
        sign(network, path, decision=other)
    assert cu.UpdateFile.load(path).signatures() == []


@needs_tools
def test_admitting_an_organization_from_its_exported_definition_adds_its_application_group() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    definition = {"code": "SD", "msp_id": "SDMSP", "msp": {"root_cert": pem, "tls_root_cert": pem, "node_ous": ""},
                  "anchor_peers": [{"host": "10.77.0.6", "port": 21090}]}
    config = channel_config()
    update = _update(config, cu.admit_organization(definition))
    group = update["write_set"]["groups"]["Application"]["groups"]["SDMSP"]
    assert group["values"]["AnchorPeers"]["value"] == {"anchor_peers": [{"host": "10.77.0.6", "port": 21090}]}
    assert group["values"]["MSP"]["value"]["config"]["name"] == "SDMSP"
    assert group["values"]["MSP"]["value"]["config"]["fabric_node_ous"]["enable"] is True
    assert sorted(group["policies"]) == ["Admins", "Endorsement", "Readers", "Writers"]
    assert cu.added_organizations(update) == ["SDMSP"]
    verdicts = cu.check(config, update, _admins("BJ", "TJ") | _admins("BJ", "TJ", orderer=True))
    assert [(v.policy, v.satisfied) for v in verdicts] == [("/Channel/Application/Admins", False)]
    assert cu.check(config, update, _admins("BJ", "TJ", "HB"))[0].satisfied
    with pytest.raises(NetworkError, match="SDMSP is already a member"):
        cu.admit_organization(definition)(_applied(config, update))


def _applied(config: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    done = copy.deepcopy(config)
    done["channel_group"]["groups"]["Application"]["groups"]["SDMSP"] = {}
    return done


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def bft_config() -> dict[str, Any]:
    """The all-members channel with a SmartBFT ordering service of four consenters (quorum 3)."""
    config = channel_config()
    orderer = config["channel_group"]["groups"]["Orderer"]
    mapping = [{"id": i + 1, "host": f"10.77.0.{i + 2}", "port": 21002 + 20 * i, "msp_id": f"{c}OrdererMSP",
                "identity": _b64(f"cert of {c}"), "client_tls_cert": _b64(f"tls of {c}"),
                "server_tls_cert": _b64(f"tls of {c}")} for i, c in enumerate(ORGS)]
    orderer["values"]["ConsensusType"] = {"mod_policy": "Admins", "version": "0",
                                          "value": {"type": "BFT", "state": "STATE_NORMAL", "metadata": None}}
    orderer["values"]["Orderers"] = {"mod_policy": "Admins", "version": "0", "value": {"consenter_mapping": mapping}}
    orderer["policies"]["BlockValidation"] = {"mod_policy": "Admins", "version": "0",
                                              "policy": cu.block_validation_policy(mapping)}
    return config


def test_the_bft_quorum_follows_fabrics_formula() -> None:
    assert [cu.bft_quorum(n) for n in (1, 4, 5, 6, 7, 10)] == [1, 3, 4, 4, 5, 7]


@needs_tools
def test_admitting_an_organization_as_consenter_adds_one_consenter_and_a_quorum_of_four_of_five() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    definition = {"code": "SD", "msp_id": "SDMSP", "orderer_msp_id": "SDOrdererMSP",
                  "msp": {"root_cert": pem, "tls_root_cert": pem, "node_ous": ""},
                  "orderer": {"address": "10.77.0.6:21082", "identity_cert": "sd identity", "tls_cert": "sd tls"},
                  "anchor_peers": [{"host": "10.77.0.6", "port": 21090}]}
    config = bft_config()
    described = cu.admit_organization(definition, consenter=True)(copy.deepcopy(config))
    assert described == ("admit SD (SDMSP) as an application member and its ordering node 10.77.0.6:21082 as "
                         "BFT consenter 5 (blocks need 4 of 5 signatures)")
    update = _update(config, cu.admit_organization(definition, consenter=True))
    written = update["write_set"]["groups"]["Orderer"]
    assert cu.added_organizations(update) == ["SDMSP", "SDOrdererMSP"]
    assert written["groups"]["SDOrdererMSP"]["values"]["Endpoints"]["value"] == {"addresses": ["10.77.0.6:21082"]}
    mapping = written["values"]["Orderers"]["value"]["consenter_mapping"]
    assert [(c["id"], c["msp_id"]) for c in mapping][-1] == (5, "SDOrdererMSP")
    assert (mapping[-1]["host"], mapping[-1]["port"]) == ("10.77.0.6", 21082)
    assert written["values"]["Orderers"]["version"] == "1"  # one changed value: one consenter change
    rule = written["policies"]["BlockValidation"]["policy"]["value"]
    assert rule["rule"]["n_out_of"]["n"] == 4 and len(rule["identities"]) == 5
    assert rule["identities"][-1]["principal"]["mspid"] == "SDOrdererMSP"
    verdicts = cu.check(config, update, _admins("BJ", "TJ", "HB"))
    assert [(v.policy, v.satisfied) for v in verdicts] == [("/Channel/Application/Admins", True),
                                                           ("/Channel/Orderer/Admins", False)]
    assert all(v.satisfied for v in cu.check(config, update, _admins("BJ", "TJ", "HB") |
                                             _admins("BJ", "TJ", "HB", orderer=True)))


def test_a_consenter_is_added_only_to_a_bft_ordering_service_and_only_once() -> None:
    definition = {"code": "SD", "orderer_msp_id": "BJOrdererMSP", "orderer": {"address": "10.77.0.6:21082"}}
    with pytest.raises(NetworkError, match="BJOrdererMSP is already in the channel's ordering service"):
        cu.add_consenter(definition)(bft_config())
    raft = bft_config()
    raft["channel_group"]["groups"]["Orderer"]["values"]["ConsensusType"]["value"]["type"] = "etcdraft"
    with pytest.raises(NetworkError, match="ordering service is etcdraft; adding a consenter is done for BFT only"):
        cu.add_consenter(definition)(raft)
