"""Who speaks for an organization in governance, and who reads governance records.

An organization acts through its admins (Fabric admin certificates) or
identities its CA issued with role ``delegate``. Every governance record is
public inside the consortium: any identity of a member organization reads
proposals, votes, concerns, consultations and projects (negotiated cooperation
among equals has no secret agenda).
"""

from __future__ import annotations

import re
from typing import Any

from chaincode.registry import api as registry
from chaincode.runtime.access import who
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, InvalidInput
from common.names import DELEGATE

SHA256 = re.compile(r"[0-9a-f]{64}")


def acting_organization(ctx: TxContext, function: str) -> dict[str, Any]:
    """The member record of the caller's organization when the caller may speak for it (admin or delegate)."""
    member = registry.caller_member(ctx)
    caller = ctx.caller
    if not caller.is_admin and caller.role != DELEGATE:
        has = f"role '{caller.role}'" if caller.role else "no role"
        raise AccessDenied(f"{function} needs an admin of a member organization or an identity with role "
                           f"'{DELEGATE}'; {who(caller)} has {has} and is not an admin")
    return member


def consortium_reader(ctx: TxContext) -> dict[str, Any]:
    """Any identity of a member organization."""
    return registry.caller_member(ctx)


def require_sha256(field: str, value: Any) -> str:
    if not isinstance(value, str) or not SHA256.fullmatch(value):
        raise InvalidInput(f"{field} must be a SHA-256 fingerprint: 64 lowercase hex digits, got {value!r}"[:200])
    return value


def optional_sha256(field: str, value: Any) -> str | None:
    return None if value is None else require_sha256(field, value)
