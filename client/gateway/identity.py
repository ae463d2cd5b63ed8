"""Who signs: an MSP identity, a digest signer for it, and a wallet on disk.

Signing is a plain function over a SHA-256 digest (``Signer``), so a key can
live anywhere (a file, an HSM, another machine) without the gateway knowing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)
from fabric_protos.msp import identities_pb2

from common.wallet import WalletFiles

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




class Wallet(WalletFiles):
    """Identities in ``<dir>/<name>/{cert.pem,key.pem,identity.json}`` (format: :mod:`common.wallet`)."""

    error = WalletError

    def get(self, name: str) -> WalletEntry:
        """Load an identity with its signer, or raise ``WalletError`` naming what is missing."""
        cert_pem, key_pem, meta = self.read(name)
        try:
            signer = signer_from_pem(key_pem)
        except (ValueError, TypeError) as exc:
            raise WalletError(f"identity {name!r} is invalid: {exc}") from exc
        return WalletEntry(
            name=name,
            identity=Identity(msp_id=meta["msp_id"], cert_pem=cert_pem),
            signer=signer,
            org=meta["org"],
            attrs=dict(meta.get("attrs") or {}),
        )
