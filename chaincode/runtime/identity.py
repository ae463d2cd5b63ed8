"""Who is calling: MSP id plus the attributes the organization's CA put in the certificate.

Fabric CA writes registered attributes into certificate extension
1.2.3.4.5.6.7.8.1 as JSON ``{"attrs": {"role": "regulator", ...}}``. Functional
permission (role) and data permission (region, entity) both come from here, so
they cannot be claimed by the caller, only granted by the organization's CA.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.x509.oid import NameOID

ATTRIBUTE_EXTENSION_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")


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


def caller_from_certificate(msp_id: str, cert_pem: bytes) -> Caller:
    """Parse the caller's certificate; a missing attribute extension means no attributes."""
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
    return Caller(msp_id=msp_id, name=name, attrs=attrs, node_ous=ous)
