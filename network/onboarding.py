"""Onboarding identities: registered with their organization's CA, enrolled into the wallet.

Attributes are written into the certificate by the CA (``role``, ``region``,
``entity``), so chaincode can trust them; the wallet only keeps a copy for display.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol

from common.credit_code import is_valid as is_valid_credit_code
from common.names import ROLES
from common.wallet import WalletFiles
from network.ca import OrgCA
from network.config import Consortium, Organization
from network.errors import NetworkError
from network.layout import Layout


class Network(Protocol):
    """What onboarding needs of a network (:class:`network.bootstrap.Network` is one)."""

    consortium: Consortium
    layout: Layout
    cas: Mapping[str, OrgCA]


def wallet_of(network: Network) -> WalletFiles:
    return WalletFiles(network.layout.wallet_dir)


def _attributes(network: Network, org_code: str, role: str, extra: dict[str, str]) -> dict[str, str]:
    org = network.consortium.org(org_code)
    if role not in ROLES:
        raise NetworkError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    attrs = {"role": role, **extra}
    if org.kind == "region":
        attrs.setdefault("region", org.code)
        if attrs["region"] != org.code:
            raise NetworkError(f"region {attrs['region']!r} does not match organization {org.code}: "
                               f"an identity's region is the region of the organization that issues it")
    if role == "enterprise":
        entity = attrs.get("entity", "")
        if not entity:
            raise NetworkError("an enterprise needs its unified social credit code: --attr entity=CODE")
        if not is_valid_credit_code(entity):
            raise NetworkError(f"entity {entity!r} is not a valid unified social credit code "
                               f"(18 characters with a correct check character)")
    for key, value in attrs.items():
        if not key or "," in value or "=" in key or ":" in value:
            raise NetworkError(f"attribute {key}={value!r}: names and values may not contain ',', '=' or ':'")
    return attrs


def register(network: Network, org_code: str, name: str, role: str,
             extra: dict[str, str] | None = None) -> dict[str, Any]:
    """Register ``name`` with the org's CA and put it in the wallet; repeating it is a no-op."""
    org = network.consortium.org(org_code)
    attrs = _attributes(network, org.code, role, dict(extra or {}))
    wallet = wallet_of(network)
    if name in wallet:
        existing = wallet.describe(name)
        same = existing["org"] == org.code and {k: existing["attrs"].get(k) for k in attrs} == attrs
        if not same:
            raise NetworkError(f"identity {name!r} already exists with different organization or attributes "
                               f"({existing['org']}, {existing['attrs']})")
        return {"name": name, "org": org.code, "msp_id": org.msp_id, "attrs": existing["attrs"], "created": False}
    ca = network.cas[org.code]
    enrollment = ca.issue(name, "admin" if role == "admin" else "client",
                          network.layout.org_dir(org) / "users" / name, attrs=attrs)
    wallet.put(name, org.msp_id, org.code, enrollment.cert.read_bytes(), enrollment.key.read_bytes(), attrs)
    return {"name": name, "org": org.code, "msp_id": org.msp_id, "attrs": attrs, "created": True}


def admin_name(org: Organization) -> str:
    """The wallet name of an organization's admin: ``admin-<org code in lower case>``."""
    return f"admin-{org.code.lower()}"


def add_admins_to_wallet(network: Network) -> list[str]:
    """Each organization's admin (issued at bootstrap) as wallet identity ``admin-<org>``."""
    wallet = wallet_of(network)
    names = []
    for org in getattr(network, "local_orgs", network.consortium.organizations):
        name = admin_name(org)
        folder = network.layout.admin_dir(org) / "msp"
        wallet.put(name, org.msp_id, org.code, (folder / "signcerts" / "cert.pem").read_bytes(),
                   (folder / "keystore" / "key.pem").read_bytes(), {"role": "admin"})
        names.append(name)
    return names
