"""Organizations' public definitions: what one member exports and the others import.

An organization's host keeps its private keys in its own home folder. The other
members need only public material to build channel configurations, join
channels and send proposals to its peers: the MSP root and TLS root
certificates, the NodeOU configuration, endpoints, and its ordering node's
identity and TLS certificates (its consenter entry). ``export`` writes exactly
that, and refuses if anything secret slipped in; ``import`` puts the files where
this home's layout expects them, so the same channel and chaincode steps work
whether an organization is local or remote.

Format, version 1 (UTF-8 JSON)::

    {"version": 1, "consortium": "jingjinji", "code": "BJ", "msp_id": "BJMSP",
     "orderer_msp_id": "BJOrdererMSP", "name": "Beijing", "kind": "region", "host": "10.77.0.2",
     "msp": {"root_cert": PEM, "tls_root_cert": PEM, "node_ous": "NodeOUs: ..."},
     "orderer": {"name": ..., "address": "10.77.0.2:21002", "identity_cert": PEM, "tls_cert": PEM},
     "peers": [{"name": ..., "address": ..., "tls_root_cert": PEM}],
     "anchor_peers": [{"host": "10.77.0.2", "port": 21010}]}
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from network.config import Consortium, Organization
from network.errors import NetworkError
from network.layout import Layout

EXPORT_VERSION = 1
_SECRET = re.compile(r"PRIVATE KEY|bootstrap-secret|\"(key|secret|password)\"", re.IGNORECASE)


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        raise NetworkError(f"{what} is missing ({path}); run 'ecoledger org init' on this host first") from None


def export_document(layout: Layout, consortium: Consortium, org: Organization) -> dict[str, Any]:
    """The public definition of ``org``, read from this home (which must have issued it)."""
    msp = layout.org_dir(org) / "msp"
    orderer = layout.orderer_dir(org)
    document = {
        "version": EXPORT_VERSION,
        "consortium": consortium.name,
        "code": org.code,
        "msp_id": org.msp_id,
        "orderer_msp_id": org.orderer_msp_id,
        "name": org.name,
        "local_name": org.local_name,
        "kind": org.kind,
        "host": org.host,
        "msp": {"root_cert": _read(msp / "cacerts" / "ca.pem", f"{org.msp_id} root certificate"),
                "tls_root_cert": _read(msp / "tlscacerts" / "ca.pem", f"{org.msp_id} TLS root certificate"),
                "node_ous": _read(msp / "config.yaml", f"{org.msp_id} NodeOU configuration")},
        "orderer": {"name": org.orderer_name, "address": org.orderer_address,
                    "identity_cert": _read(orderer / "msp" / "signcerts" / "cert.pem", f"{org.orderer_name} identity"),
                    "tls_cert": _read(orderer / "tls" / "server.crt", f"{org.orderer_name} TLS certificate")},
        "peers": [{"name": p.name, "address": p.address,
                   "tls_root_cert": _read(layout.peer_dir(p) / "tls" / "ca.crt", f"{p.name} TLS root")}
                  for p in org.peers],
        "anchor_peers": [{"host": org.peers[0].host, "port": org.peers[0].port}],
    }
    check_public(document)
    return document


def check_public(document: dict[str, Any]) -> None:
    """Refuse a definition that holds anything that looks like a private key or secret."""
    text = json.dumps(document)
    found = _SECRET.search(text)
    if found:
        raise NetworkError(f"organization definition of {document.get('code')} holds secret material "
                           f"({found.group(0)!r}); refusing to export or import it")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def import_document(layout: Layout, consortium: Consortium, document: Any,
                    local: tuple[Organization, ...] = ()) -> Organization:
    """Check a definition against the consortium file and write its public files into this home."""
    if not isinstance(document, dict) or document.get("version") != EXPORT_VERSION:
        raise NetworkError(f"not an organization definition of version {EXPORT_VERSION} "
                           f"(made by 'ecoledger org export')")
    check_public(document)
    if document.get("consortium") != consortium.name:
        raise NetworkError(f"definition is for consortium {document.get('consortium')!r}, "
                           f"this home runs {consortium.name!r}")
    org = consortium.org(str(document.get("code")))
    if any(o.code == org.code for o in local):
        raise NetworkError(f"{org.code} runs on this host; its definition is not imported")
    expected = {"msp_id": org.msp_id, "orderer_msp_id": org.orderer_msp_id, "host": org.host}
    for key, value in expected.items():
        if document.get(key) != value:
            raise NetworkError(f"{org.code}: {key} is {document.get(key)!r} in the definition but {value!r} in "
                               f"the consortium file")
    if document["orderer"]["address"] != org.orderer_address:
        raise NetworkError(f"{org.code}: orderer address {document['orderer']['address']} does not match the "
                           f"consortium file ({org.orderer_address})")
    peers = document.get("peers") or []
    if [p.get("address") for p in peers] != [p.address for p in org.peers]:
        raise NetworkError(f"{org.code}: peer addresses {[p.get('address') for p in peers]} do not match the "
                           f"consortium file ({[p.address for p in org.peers]})")
    msp = layout.org_dir(org) / "msp"
    _write(msp / "cacerts" / "ca.pem", document["msp"]["root_cert"])
    _write(msp / "tlscacerts" / "ca.pem", document["msp"]["tls_root_cert"])
    _write(msp / "config.yaml", document["msp"]["node_ous"])
    orderer = layout.orderer_dir(org)
    _write(orderer / "msp" / "signcerts" / "cert.pem", document["orderer"]["identity_cert"])
    _write(orderer / "tls" / "server.crt", document["orderer"]["tls_cert"])
    _write(orderer / "tls" / "ca.crt", document["msp"]["tls_root_cert"])
    for peer, entry in zip(org.peers, peers):
        _write(layout.peer_dir(peer) / "tls" / "ca.crt", entry["tls_root_cert"])
    _write(layout.org_dir(org) / "imported.json", json.dumps(document, indent=2))
    return org


def add_member(consortium_file: Path, document: Any) -> None:
    """Append the organization of an exported definition to this home's consortium file (a region the
    consortium admitted: its ports follow from its place, last). The caller imports the definition next,
    which checks its addresses against the consortium; on a mismatch it restores the file."""
    import yaml

    if not isinstance(document, dict) or document.get("version") != EXPORT_VERSION:
        raise NetworkError(f"not an organization definition of version {EXPORT_VERSION} "
                           f"(made by 'ecoledger org export')")
    check_public(document)
    data = yaml.safe_load(consortium_file.read_text(encoding="utf-8"))
    if any(o["code"] == document.get("code") for o in data["organizations"]):
        return
    if document.get("consortium") != data["name"]:
        raise NetworkError(f"definition is for consortium {document.get('consortium')!r}, "
                           f"this home runs {data['name']!r}")
    entry = {"code": document["code"], "name": document["name"], "kind": document["kind"]}
    if document.get("local_name"):
        entry["local_name"] = document["local_name"]
    if document.get("host") and document["host"] != "127.0.0.1":
        entry["host"] = document["host"]
    data["organizations"].append(entry)
    consortium_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def missing_definitions(layout: Layout, consortium: Consortium) -> list[str]:
    """Organizations whose public material this home does not have yet."""
    missing = []
    for org in consortium.organizations:
        needed = [layout.org_dir(org) / "msp" / "cacerts" / "ca.pem",
                  layout.orderer_dir(org) / "msp" / "signcerts" / "cert.pem",
                  layout.orderer_dir(org) / "tls" / "server.crt",
                  *[layout.peer_dir(p) / "tls" / "ca.crt" for p in org.peers]]
        if not all(p.exists() for p in needed):
            missing.append(org.code)
    return missing


def _signature_policy(msp_id: str, role: str) -> dict[str, Any]:
    return {"mod_policy": "Admins", "version": "0", "policy": {"type": 1, "value": {
        "identities": [{"principal": {"msp_identifier": msp_id, "role": role}, "principal_classification": "ROLE"}],
        "rule": {"n_out_of": {"n": 1, "rules": [{"signed_by": 0}]}}, "version": 0}}}


def _b64(pem: str) -> str:
    import base64

    return base64.b64encode(pem.encode()).decode()


def _msp_value(document: dict[str, Any], msp_id: str) -> dict[str, Any]:
    """The MSP value (NodeOUs on, the organization's CA and TLS CA roots) as configtxlator decodes it."""
    root = _b64(document["msp"]["root_cert"])

    def ou(name: str) -> dict[str, str]:
        return {"certificate": root, "organizational_unit_identifier": name}

    msp = {"name": msp_id, "root_certs": [root], "tls_root_certs": [_b64(document["msp"]["tls_root_cert"])],
           "intermediate_certs": [], "admins": [], "revocation_list": [], "organizational_unit_identifiers": [],
           "tls_intermediate_certs": [],
           "crypto_config": {"identity_identifier_hash_function": "SHA256", "signature_hash_family": "SHA2"},
           "fabric_node_ous": {"enable": True, "client_ou_identifier": ou("client"), "peer_ou_identifier": ou("peer"),
                               "admin_ou_identifier": ou("admin"), "orderer_ou_identifier": ou("orderer")}}
    return {"mod_policy": "Admins", "version": "0", "value": {"type": 0, "config": msp}}


def application_group(document: dict[str, Any]) -> dict[str, Any]:
    """The organization as a channel's application member (decoded ConfigGroup, as configtxlator reads it),
    built from its exported definition: MSP with NodeOUs, the usual four policies, its anchor peer."""
    check_public(document)
    msp_id = document["msp_id"]
    return {"groups": {}, "mod_policy": "Admins", "version": "0",
            "policies": {"Admins": _signature_policy(msp_id, "ADMIN"), "Readers": _signature_policy(msp_id, "MEMBER"),
                         "Writers": _signature_policy(msp_id, "MEMBER"),
                         "Endorsement": _signature_policy(msp_id, "PEER")},
            "values": {"MSP": _msp_value(document, msp_id),
                       "AnchorPeers": {"mod_policy": "Admins", "version": "0",
                                       "value": {"anchor_peers": list(document.get("anchor_peers") or [])}}}}


def orderer_group(document: dict[str, Any]) -> dict[str, Any]:
    """The organization's ordering node's MSP as a member of a channel's Orderer group, with its endpoint."""
    check_public(document)
    msp_id = document["orderer_msp_id"]
    return {"groups": {}, "mod_policy": "Admins", "version": "0",
            "policies": {"Admins": _signature_policy(msp_id, "ADMIN"), "Readers": _signature_policy(msp_id, "MEMBER"),
                         "Writers": _signature_policy(msp_id, "MEMBER")},
            "values": {"MSP": _msp_value(document, msp_id),
                       "Endpoints": {"mod_policy": "Admins", "version": "0",
                                     "value": {"addresses": [document["orderer"]["address"]]}}}}


def consenter_entry(document: dict[str, Any], consenter_id: int) -> dict[str, Any]:
    """The ordering node's entry in a BFT channel's consenter mapping (host and port: its cluster listener)."""
    host, port = document["orderer"]["address"].rsplit(":", 1)
    tls = _b64(document["orderer"]["tls_cert"])
    return {"id": consenter_id, "host": host, "port": int(port), "msp_id": document["orderer_msp_id"],
            "identity": _b64(document["orderer"]["identity_cert"]), "client_tls_cert": tls, "server_tls_cert": tls}
