"""Who signs: an MSP identity, a digest signer for it, and a wallet on disk.

Signing is a plain function over a SHA-256 digest (``Signer``), so a key can
live anywhere (a file, an HSM, another machine) without the gateway knowing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)
from fabric_protos.msp import identities_pb2

from .errors import WalletError

Signer = Callable[[bytes], bytes]
"""Signs a SHA-256 digest and returns a DER-encoded, low-S ECDSA signature."""

_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def sha256(message: bytes) -> bytes:
    """The digest Fabric signs: SHA-256 of the exact bytes sent."""
    return hashlib.sha256(message).digest()


@dataclass(frozen=True)
class Identity:
    """An MSP member: the MSP id and the PEM certificate the peers check."""

    msp_id: str
    cert_pem: bytes

    def serialized(self) -> bytes:
        """The ``SerializedIdentity`` bytes used as creator in every header."""
        return identities_pb2.SerializedIdentity(
            mspid=self.msp_id, id_bytes=self.cert_pem
        ).SerializeToString()


def _to_low_s(signature: bytes) -> bytes:
    """Fabric rejects high-S signatures, so mirror s into the lower half."""
    r, s = decode_dss_signature(signature)
    if s > _P256_ORDER // 2:
        s = _P256_ORDER - s
    return encode_dss_signature(r, s)


def signer_from_pem(key_pem: bytes, password: bytes | None = None) -> Signer:
    """A ``Signer`` for a PEM-encoded P-256 private key."""
    key = serialization.load_pem_private_key(key_pem, password=password)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(
        key.curve, ec.SECP256R1
    ):
        raise ValueError("the private key is not an ECDSA P-256 key")
    algorithm = ec.ECDSA(Prehashed(hashes.SHA256()))

    def sign(digest: bytes) -> bytes:
        return _to_low_s(key.sign(digest, algorithm))

    return sign


@dataclass(frozen=True)
class WalletEntry:
    """One stored user: what the gateway needs to act on their behalf."""

    name: str
    identity: Identity
    signer: Signer = field(repr=False)
    org: str
    attrs: Mapping[str, Any]


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")


class Wallet:
    """Identities in ``<dir>/<name>/{cert.pem,key.pem,identity.json}``."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def _folder(self, name: str) -> Path:
        if not _NAME.match(name):
            raise WalletError(f"invalid identity name {name!r}")
        return self.directory / name

    def put(
        self,
        name: str,
        msp_id: str,
        org: str,
        cert_pem: bytes,
        key_pem: bytes,
        attrs: Mapping[str, Any] | None = None,
    ) -> None:
        """Store (or replace) an identity; the key file is owner-only."""
        folder = self._folder(name)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cert.pem").write_bytes(cert_pem)
        key_path = folder / "key.pem"
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as key_file:
            key_file.write(key_pem)
        os.chmod(key_path, 0o600)
        meta = {"msp_id": msp_id, "org": org, "attrs": dict(attrs or {})}
        (folder / "identity.json").write_text(
            json.dumps(meta, sort_keys=True, indent=2) + "\n", encoding="utf-8"
        )

    def get(self, name: str) -> WalletEntry:
        """Load an identity, or raise ``WalletError`` naming what is missing."""
        folder = self._folder(name)
        if not folder.is_dir():
            raise WalletError(f"no identity {name!r} in wallet {self.directory}")
        try:
            cert_pem = (folder / "cert.pem").read_bytes()
            key_pem = (folder / "key.pem").read_bytes()
            meta = json.loads((folder / "identity.json").read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise WalletError(
                f"identity {name!r} is incomplete: {Path(exc.filename).name} is missing"
            ) from exc
        except (OSError, json.JSONDecodeError) as exc:
            raise WalletError(f"identity {name!r} is unreadable: {exc}") from exc
        try:
            signer = signer_from_pem(key_pem)
            msp_id, org = meta["msp_id"], meta["org"]
        except (ValueError, TypeError, KeyError) as exc:
            raise WalletError(f"identity {name!r} is invalid: {exc}") from exc
        return WalletEntry(
            name=name,
            identity=Identity(msp_id=msp_id, cert_pem=cert_pem),
            signer=signer,
            org=org,
            attrs=dict(meta.get("attrs") or {}),
        )

    def list(self) -> list[str]:
        """Names of the stored identities, sorted."""
        if not self.directory.is_dir():
            return []
        return sorted(
            p.name
            for p in self.directory.iterdir()
            if p.is_dir() and (p / "identity.json").is_file()
        )

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.list()
