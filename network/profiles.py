"""Connection profiles: what a client of one organization needs to reach the network.

``network up`` writes one JSON file per organization to
``<home>/<consortium>/profiles/<org code in lower case>.json`` (e.g.
``.ecoledger/jingjinji/profiles/bj.json``) and rewrites it on every ``up``;
a file whose content has not changed is left untouched. A client opens a
session from such a file plus a wallet identity of that organization
(:mod:`client.profile`, :class:`client.session.Session`), so the two folders
``profiles/`` and ``wallet/`` are all a client on another machine needs.

Format, version 1 (UTF-8 JSON, one object)::

    {
      "version": 1,
      "consortium": "jingjinji",
      "channel": "ecoledger",                    # default channel: all members
      "channels": {                              # every channel -> its members' MSP ids
        "ecoledger": ["BJMSP", "TJMSP", "HBMSP", "COMSP"],
        "bj-tj": ["BJMSP", "TJMSP"], ...
      },
      "chaincode": "ecoledger",                  # chaincode name on every channel
      "organization": {                          # whose profile this is
        "code": "BJ", "msp_id": "BJMSP", "kind": "region", "name": "Beijing",
        "peers": [{
          "name": "peer0.bj.ecoledger",
          "address": "127.0.0.1:17010",          # host:port of the peer's gateway service
          "ssl_target_name": null,               # host name to check in the peer's TLS certificate
                                                 # when the address's host is not in it; the
                                                 # certificates name 127.0.0.1 and localhost
          "tls_root_cert": "-----BEGIN CERTIFICATE-----\\n..."   # PEM of the TLS root, inline
        }]
      },
      "members": [                               # every member organization, in consortium order
        {"code": "BJ", "msp_id": "BJMSP", "kind": "region", "name": "Beijing"}, ...
      ]
    }

``kind`` is ``region`` or ``coordinator``. Only this organization's peers are
listed: a client always talks to its own organization's peers, whose Gateway
finds the other organizations' endorsers through service discovery. The member
list is what a client needs to name endorsers itself (private prices,
:func:`client.market.price_endorsers`). No private key is ever written here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

from network.config import Consortium, Organization, Peer
from network.errors import NetworkError
from network.layout import Layout

PROFILE_VERSION = 1

TlsRoot = Callable[[Peer], bytes]
"""The PEM of the TLS root certificate that signed ``peer``'s TLS server certificate."""


def peer_tls_root(layout: Layout) -> TlsRoot:
    """TLS roots as ``up`` issues them: ``<peer folder>/tls/ca.crt``."""
    def read(peer: Peer) -> bytes:
        path = layout.peer_dir(peer) / "tls" / "ca.crt"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NetworkError(f"cannot write the connection profile of {peer.org.msp_id}: {path} is missing "
                               f"(the peers' TLS certificates are issued by 'ecoledger network up')") from None

    return read


def _member(org: Organization) -> dict[str, str]:
    return {"code": org.code, "msp_id": org.msp_id, "kind": org.kind, "name": org.name}


def profile_document(consortium: Consortium, org: Organization, tls_root: TlsRoot) -> dict[str, Any]:
    """The connection profile of ``org`` as a JSON-ready mapping."""
    peers = []
    for peer in org.peers:
        pem = tls_root(peer)
        try:
            text = pem.decode("ascii")
        except UnicodeDecodeError:
            raise NetworkError(f"the TLS root certificate of {peer.name} is not PEM text") from None
        peers.append({"name": peer.name, "address": peer.address, "ssl_target_name": None, "tls_root_cert": text})
    return {
        "version": PROFILE_VERSION,
        "consortium": consortium.name,
        "channel": consortium.channel,
        "channels": {channel.name: [o.msp_id for o in channel.orgs] for channel in consortium.channels},
        "chaincode": consortium.chaincode_name,
        "organization": {**_member(org), "peers": peers},
        "members": [_member(o) for o in consortium.organizations],
    }


def _write_if_changed(path: Path, text: str) -> bool:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return True


def write_profiles(layout: Layout, consortium: Consortium, tls_root: TlsRoot | None = None,
                   orgs: "tuple[Organization, ...] | None" = None) -> dict[Path, bool]:
    """Write (or refresh) the profile of every organization (or of ``orgs``, those this host runs);
    returns each file and whether it changed."""
    read_root = tls_root or peer_tls_root(layout)
    written: dict[Path, bool] = {}
    for org in consortium.organizations if orgs is None else orgs:
        document = profile_document(consortium, org, read_root)
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        path = layout.profile_file(org)
        written[path] = _write_if_changed(path, text)
    return written
