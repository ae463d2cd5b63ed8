"""Contract ``Registry``: the consortium's member organizations and rule parameters.

``Bootstrap`` writes both once, from the consortium file, at deployment; it is
idempotent so a deployment script can run it again. Afterwards members are
fixed here (admitting or removing a region is a governance decision) and
parameters change only when the governance domain closes an adopted proposal:
no transaction lets anyone, the coordinator included, set a parameter.

Keys are declared in :mod:`chaincode.registry.store`; parameter values live in
the runtime's parameter catalogue (:mod:`chaincode.runtime.parameters`), which
refuses unknown names and badly typed values. Values are JSON without
fractions: integer quantities only.
"""

from __future__ import annotations

import re
from typing import Any

from chaincode.registry import api
from chaincode.registry.store import BOOTSTRAP_KEY, MEMBERS
from chaincode.runtime import parameters as catalogue
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, InvalidInput
from chaincode.runtime.identity import Caller
from chaincode.runtime.router import Contract, transaction
from common import canonical as serialization
from common.names import MEMBER_KINDS
MEMBER_FIELDS = ("code", "kind", "msp_id", "name")
MAX_NAME_LENGTH = 200

_MSP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CODE = re.compile(r"[A-Z][A-Z0-9]{1,15}")
_PARAMETER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,63}")

EVENT_BOOTSTRAPPED = "ConsortiumBootstrapped"


class RegistryContract(Contract):
    name = "Registry"

    @transaction
    def bootstrap(self, ctx: TxContext, members: Any, parameters: Any) -> dict[str, Any]:
        """Write members and parameters once; the same content again is a no-op."""
        caller = ctx.caller
        _require_admin(caller, "Registry:Bootstrap")
        records = _valid_members(members)
        params = _valid_parameters(parameters)
        if caller.msp_id not in {record["msp_id"] for record in records}:
            raise AccessDenied(f"Registry:Bootstrap: the caller's organization {caller.msp_id} is not among members")
        content = {"members": records, "parameters": params}
        previous = ctx.get_json(BOOTSTRAP_KEY)
        if previous is not None:
            if serialization.dumps(previous["content"]) == serialization.dumps(content):
                return {"changed": False}
            raise Conflict(f"the registry was already bootstrapped by {previous['by']} in transaction "
                           f"{previous['tx_id']} with different content; members are fixed and parameters "
                           f"change only through adopted proposals (Proposal:Table, kind parameter)")
        for record in records:
            ctx.put_json(MEMBERS.key(record["msp_id"]), record)
        catalogue.apply(ctx.get_json, ctx.put_json, params)
        ctx.put_json(BOOTSTRAP_KEY, {"content": content, "by": _who(caller), "tx_id": ctx.tx_id})
        ctx.emit(EVENT_BOOTSTRAPPED, {
            "members": [record["msp_id"] for record in records],
            "parameters": sorted(params),
            "by": _who(caller),
        })
        return {"changed": True, "members": len(records), "parameters": len(params)}

    @transaction
    def members(self, ctx: TxContext) -> list[dict[str, Any]]:
        """All member organizations, ordered by MSP id."""
        return api.members(ctx)

    @transaction
    def member(self, ctx: TxContext, msp_id: Any) -> dict[str, Any]:
        if not isinstance(msp_id, str) or not msp_id:
            raise InvalidInput("msp_id must be a non-empty string")
        return api.member(ctx, msp_id)

    @transaction
    def parameters(self, ctx: TxContext) -> dict[str, Any]:
        """Every catalogued parameter's current value (its default while the consortium never set it)."""
        return {parameter.name: api.parameter(ctx, parameter.name) for parameter in catalogue.catalogue()}

    @transaction
    def catalogue(self, ctx: TxContext) -> list[dict[str, Any]]:
        """The parameter catalogue: name, type, default, description, owning domain and current value."""
        return [{**parameter.describe(), "value": api.parameter(ctx, parameter.name),
                 "set": ctx.get(catalogue.PARAMS.key(parameter.name)) is not None}
                for parameter in catalogue.catalogue()]

    @transaction
    def who_am_i(self, ctx: TxContext) -> dict[str, Any]:
        """The caller as the chaincode sees it: proves which identity attributes reach chaincode."""
        caller = ctx.caller
        return {
            "msp_id": caller.msp_id,
            "name": caller.name,
            "role": caller.role,
            "region": caller.region,
            "entity": caller.entity,
            "admin": caller.is_admin,
        }


def _who(caller: Caller) -> dict[str, str]:
    return {"msp_id": caller.msp_id, "name": caller.name}


def _require_admin(caller: Caller, function: str) -> None:
    if not caller.is_admin:
        raise AccessDenied(f"{function} requires an organization admin; {caller.describe()} is not an admin")


def _valid_members(value: Any) -> list[dict[str, str]]:
    """Checked member records, sorted by MSP id."""
    if not isinstance(value, list) or not value:
        raise InvalidInput("members must be a non-empty list of {msp_id, code, name, kind}")
    records: list[dict[str, str]] = []
    seen_msp: dict[str, int] = {}
    seen_code: dict[str, int] = {}
    for index, entry in enumerate(value):
        where = f"members[{index}]"
        if not isinstance(entry, dict):
            raise InvalidInput(f"{where} must be an object with {', '.join(MEMBER_FIELDS)}")
        unknown = sorted(set(entry) - set(MEMBER_FIELDS))
        if unknown:
            raise InvalidInput(f"{where} has unknown field(s) {', '.join(unknown)}; "
                               f"accepted: {', '.join(MEMBER_FIELDS)}")
        missing = [name for name in MEMBER_FIELDS if name not in entry]
        if missing:
            raise InvalidInput(f"{where} is missing field(s) {', '.join(missing)}")
        msp_id, code, name, kind = entry["msp_id"], entry["code"], entry["name"], entry["kind"]
        if not isinstance(msp_id, str) or not _MSP_ID.fullmatch(msp_id):
            raise InvalidInput(f"{where}.msp_id must be letters, digits, '.', '_' or '-' "
                               f"(at most 64, starting with a letter or digit), got {msp_id!r}")
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise InvalidInput(f"{where}.code must be 2-16 uppercase letters or digits starting with a letter "
                               f"(like BJ), got {code!r}")
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
            raise InvalidInput(f"{where}.name must be a non-empty string of at most {MAX_NAME_LENGTH} characters")
        if kind not in MEMBER_KINDS:
            raise InvalidInput(f"{where}.kind must be one of {', '.join(MEMBER_KINDS)}, got {kind!r}")
        if msp_id in seen_msp:
            raise InvalidInput(f"{where}.msp_id {msp_id} appears twice (also members[{seen_msp[msp_id]}])")
        if code in seen_code:
            raise InvalidInput(f"{where}.code {code} appears twice (also members[{seen_code[code]}])")
        seen_msp[msp_id] = index
        seen_code[code] = index
        records.append({"msp_id": msp_id, "code": code, "name": name, "kind": kind})
    return sorted(records, key=lambda record: record["msp_id"])


def _valid_parameters(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput("parameters must be an object mapping parameter names to values")
    for name, item in value.items():
        _check_parameter_name(f"parameters name {name!r}", name)
        _check_value(f"parameters.{name}", item)
        catalogue.check(name, item)
    return dict(sorted(value.items()))


def _check_parameter_name(field: str, name: Any) -> None:
    if not isinstance(name, str) or not _PARAMETER_NAME.fullmatch(name):
        raise InvalidInput(f"{field} must be a parameter name (a letter, then letters, digits, '_' or '.', "
                           f"at most 64), got {name!r}")


def _check_value(field: str, value: Any) -> None:
    """JSON without null at the top and without fractions anywhere."""
    if value is None:
        raise InvalidInput(f"{field} must not be null")
    _check_no_fraction(field, value)


def _check_no_fraction(field: str, value: Any) -> None:
    if isinstance(value, float):
        raise InvalidInput(f"{field} is a fraction ({value}); parameters hold integers "
                           f"(express rates in basis points or per mille)")
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_no_fraction(f"{field}[{index}]", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_no_fraction(f"{field}.{key}", item)
