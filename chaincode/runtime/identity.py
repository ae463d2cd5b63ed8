"""Who is calling: MSP id plus the attributes the organization's CA put in the certificate.

Fabric CA writes registered attributes into certificate extension
1.2.3.4.5.6.7.8.1 as JSON ``{"attrs": {"role": "regulator", ...}}``. Functional
permission (role) and data permission (region, entity) both come from here, so
they cannot be claimed by the caller, only granted by the organization's CA.

Parsing an X.509 certificate costs more than the rest of a small transaction,
and the same few identities call over and over, so what a certificate says is
kept in a bounded LRU cache keyed by the exact (MSP id, certificate bytes)
pair: two callers never share an entry, and every call gets its own
:class:`Caller` (with its own ``attrs`` dict), so nothing a contract does to one
caller can reach another transaction.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.x509.oid import NameOID

ATTRIBUTE_EXTENSION_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")
CACHE_SIZE = 1024  # identities remembered per process; the least recently used one is dropped first


@dataclass(frozen=True)
class Caller:
    """The identity that signed the transaction proposal."""

    msp_id: str
    name: str
    attrs: dict[str, str] = field(default_factory=dict)
    node_ous: tuple[str, ...] = ()

    @property
    def role(self) -> str:
        return self.attrs.get("role", "")

    @property
    def region(self) -> str:
        return self.attrs.get("region", "")

    @property
    def entity(self) -> str:
        return self.attrs.get("entity", "")

    @property
    def is_admin(self) -> bool:
        return "admin" in self.node_ous

    def describe(self) -> str:
        role = self.role or "no role"
        return f"{self.name}@{self.msp_id} ({role})"


class IdentityCache:
    """A thread-safe, bounded LRU of parsed certificates keyed by (MSP id, certificate bytes)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        if size < 1:
            raise ValueError("the identity cache needs room for at least one identity")
        self.size = size
        self._entries: OrderedDict[tuple[str, bytes], tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]] = \
            OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def caller(self, msp_id: str, cert_pem: bytes) -> Caller:
        key = (msp_id, bytes(cert_pem))
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
        if entry is None:
            entry = _parse(cert_pem)  # outside the lock: a bad certificate raises and is not cached
            with self._lock:
                self.misses += 1
                self._entries[key] = entry
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        name, attrs, ous = entry
        return Caller(msp_id=msp_id, name=name, attrs=dict(attrs), node_ous=ous)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


def _parse(cert_pem: bytes) -> tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]:
    """(name, attributes, organizational units) of a PEM certificate; no attribute extension = no attributes."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    attrs: dict[str, str] = {}
    try:
        ext = cert.extensions.get_extension_for_oid(ATTRIBUTE_EXTENSION_OID)
        raw = ext.value.value  # UnrecognizedExtension keeps the raw bytes
        attrs = {str(k): str(v) for k, v in json.loads(raw).get("attrs", {}).items()}
    except x509.ExtensionNotFound:
        pass
    common_names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    name = attrs.get("hf.EnrollmentID") or (str(common_names[0].value) if common_names else "")
    ous = tuple(str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME))
    return name, tuple(attrs.items()), ous


identity_cache = IdentityCache()


def caller_from_certificate(msp_id: str, cert_pem: bytes) -> Caller:
    """The caller a certificate describes (parsed once per MSP id and certificate, then cached)."""
    return identity_cache.caller(msp_id, cert_pem)
