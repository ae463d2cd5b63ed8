"""Recorded decisions of the member admins: what authorises a membership change.

Until the consortium's on-ledger governance adopts membership proposals, a
decision is a file: a subject (``admit SD``), the hashes of the channel updates
it authorises, and the signatures of member organizations' admins. It is
*adopted* once admins of a majority of the current members signed it, each
signature checked against that member's root certificate (from its own MSP
folder, or from its imported public definition). An admin's tool signs a
membership update only when an adopted decision holds the update's hash
(:func:`require_adopted`), so no admin can be walked into signing something the
members did not decide.

Format, version 1 (UTF-8 JSON)::

    {"version": 1, "consortium": "jingjinji", "subject": "admit SD",
     "updates": ["<sha256 of a ConfigUpdate>", ...],
     "signatures": [{"msp_id": "BJMSP", "cert": PEM, "signature": base64 DER ECDSA over sha256(body)}]}

``body`` is the canonical JSON (sorted keys, no spaces) of the document without
``signatures``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from network.errors import NetworkError

DECISION_VERSION = 1


@dataclass
class Decision:
    consortium: str
    subject: str
    updates: list[str]
    signatures: list[dict[str, str]] = field(default_factory=list)

    def body(self) -> bytes:
        return json.dumps({"version": DECISION_VERSION, "consortium": self.consortium, "subject": self.subject,
                           "updates": sorted(self.updates)}, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def load(cls, path: Path) -> "Decision":
        from network.documents import load_versioned

        return load_versioned(path, DECISION_VERSION, "decision", "ecoledger channel decide", lambda data: cls(
            str(data["consortium"]), str(data["subject"]), [str(u) for u in data["updates"]],
            list(data.get("signatures") or [])))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"version": DECISION_VERSION, "consortium": self.consortium,
                                    "subject": self.subject, "updates": sorted(self.updates),
                                    "signatures": self.signatures}, indent=2, ensure_ascii=False) + "\n")

    def sign(self, msp_id: str, cert_pem: bytes, key_pem: bytes) -> bool:
        """Add ``msp_id``'s admin signature; False if that member already signed."""
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        if any(s["msp_id"] == msp_id for s in self.signatures):
            return False
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise NetworkError("an admin key must be an ECDSA key")
        signature = key.sign(self.body(), ec.ECDSA(hashes.SHA256()))
        self.signatures.append({"msp_id": msp_id, "cert": cert_pem.decode(),
                                "signature": base64.b64encode(signature).decode()})
        return True

    def valid_signers(self, roots: dict[str, bytes]) -> list[str]:
        """Members (MSP ids in ``roots``) whose admin's signature verifies against that member's root."""
        return [s["msp_id"] for s in self.signatures if _verifies(s, roots, self.body())]

    def adoption(self, roots: dict[str, bytes]) -> tuple[bool, list[str], list[str]]:
        """(adopted, members who signed validly, members who did not)."""
        signed = sorted(set(self.valid_signers(roots)))
        missing = sorted(m for m in roots if m not in signed)
        return len(signed) * 2 > len(roots), signed, missing


def _verifies(entry: dict[str, Any], roots: dict[str, bytes], body: bytes) -> bool:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    root_pem = roots.get(str(entry.get("msp_id")))
    if root_pem is None:
        return False
    try:
        root = x509.load_pem_x509_certificate(root_pem)
        cert = x509.load_pem_x509_certificate(str(entry["cert"]).encode())
        root_key = root.public_key()
        assert isinstance(root_key, ec.EllipticCurvePublicKey)
        root_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        if cert.issuer != root.subject:
            return False
        ous = [a.value for a in cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATIONAL_UNIT_NAME)]
        if "admin" not in ous:
            return False
        public = cert.public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(base64.b64decode(entry["signature"]), body, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, AssertionError, ValueError, KeyError, TypeError):
        return False


def require_adopted(decision: Decision, digest: str, roots: dict[str, bytes], consortium: str) -> None:
    """Refuse unless ``decision`` is adopted and holds the update ``digest``."""
    if decision.consortium != consortium:
        raise NetworkError(f"the decision is for consortium {decision.consortium!r}, not {consortium!r}")
    if digest not in decision.updates:
        raise NetworkError(f"the decision '{decision.subject}' does not hold this update (hash {digest[:16]}...); "
                           f"an admin signs only updates the members decided")
    adopted, signed, missing = decision.adoption(roots)
    if not adopted:
        raise NetworkError(f"the decision '{decision.subject}' is not adopted: a majority of the {len(roots)} "
                           f"members must sign it; signed by {', '.join(signed) or 'nobody'}; "
                           f"not signed by {', '.join(missing)}")
