"""What the manifest transactions share: loading and saving manifests (with their balance and intake shares),
locks and states, facilities a manifest may go to, numbering, new manifests, parties' regions."""

from __future__ import annotations

from typing import Any

from chaincode.facts import credit
from chaincode.registry import api as registry
from chaincode.runtime.access import outside
from chaincode.runtime.checks import require_credit_code
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import Conflict, InvalidInput, NotFound
from chaincode.runtime.stamps import Stamp
from chaincode.waste import codes as waste_codes, parties, rules, store
from chaincode.waste.parameters import WasteRules, load_rules
from chaincode.waste.rules import BULK, COORDINATOR, DESTINATION, IN_TRANSIT, ORIGIN, PENDING, RECEIVED, SCHEDULED
from chaincode.waste.store import APPROVALS, FACILITIES, MANIFESTS

SOURCE = "waste"
VIOLATION_KIND = "manifest_discrepancy"
MAX_TRANSPORTERS = 10
MAX_CONTAINERS = 1_000_000
MAX_REASON = 1000
MAX_SCOPE_SCAN = 50
MAX_TRACE = 20
GENERATOR, FACILITY_KIND = "generator", "facility"
CORRECTABLE = {  # field → (who answers, statuses in which it may change)
    "quantity": (GENERATOR, (PENDING, SCHEDULED)),
    "containers": (GENERATOR, (PENDING, SCHEDULED)),
    "hazards": (GENERATOR, (PENDING, SCHEDULED, IN_TRANSIT, RECEIVED)),
    "received_quantity": ("receiver", (RECEIVED,)),
    "received_code": ("receiver", (RECEIVED,)),
}
ALERT_KINDS = ("in_transit", "no_receipt", "unconfirmed", "discrepancy", "approval_expiring")


def rules_of(ctx: TxContext) -> WasteRules:
    return load_rules(lambda name: registry.parameter(ctx, name))


def now_s(ctx: TxContext) -> int:
    return int(ctx.timestamp)


# -- reading and saving manifests -------------------------------------------------------------


def load_manifest(ctx: TxContext, manifest_id: Any) -> dict[str, Any]:
    waste_codes.require_number("manifest", manifest_id)
    return ctx.load(MANIFESTS, manifest_id)


def visible(ctx: TxContext, function: str, manifest_id: Any) -> tuple[parties.Reader, dict[str, Any]]:
    reader = parties.reader(ctx, function)
    manifest = load_manifest(ctx, manifest_id)
    if not reader.sees_manifest(manifest):
        raise outside(f"manifest {manifest_id}", ctx.caller)
    return reader, manifest


def save_manifest(ctx: TxContext, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Write a manifest and move its shares of the generator's balance and the facility's intake."""
    old_balance = rules.balance_share(old) if old else {}
    new_balance = rules.balance_share(new)
    if old_balance or new_balance:
        key = store.BALANCES.key(new["generator_region"], new["generator"], new["code"], new["year"])
        row = ctx.get_json(key) or {"region": new["generator_region"], "generator": new["generator"],
                                    "code": new["code"], "year": new["year"],
                                    **{name: 0 for name in rules.BALANCE_FIELDS}}
        if rules.apply_delta(row, rules.BALANCE_FIELDS, old_balance, new_balance):
            ctx.put_json(key, row)
    old_intake = rules.intake_share(old) if old else {}
    new_intake = rules.intake_share(new)
    if old_intake or new_intake:
        row = intake_row(ctx, new["destination"], new["receiver"]["entity"], new["year"])
        if rules.apply_delta(row, rules.INTAKE_FIELDS, old_intake, new_intake):
            ctx.put_json(store.INTAKES.key(new["destination"], new["receiver"]["entity"], new["year"]), row)
    ctx.save(MANIFESTS, new)


def intake_row(ctx: TxContext, region: str, facility: str, year: int) -> dict[str, Any]:
    return ctx.get_json(store.INTAKES.key(region, facility, year)) or {
        "region": region, "facility": facility, "year": year, **{name: 0 for name in rules.INTAKE_FIELDS}}


def check_unlocked(manifest: dict[str, Any]) -> None:
    correction = manifest["correction"]
    if correction is not None:
        raise Conflict(f"manifest {manifest['id']} is locked: a correction of {correction['field']} was requested "
                       f"by {correction['requested']['by']['name']}@{correction['requested']['by']['msp_id']} at "
                       f"{correction['requested']['at']}; it waits for {correction['asked']} to answer")


def check_status(manifest: dict[str, Any], allowed: tuple[str, ...], action: str) -> None:
    if manifest["status"] not in allowed:
        raise Conflict(f"manifest {manifest['id']} is {manifest['status']}; it can be {action} only when "
                       f"{' or '.join(allowed)}")


def with_status(manifest: dict[str, Any], status: str, ctx: TxContext) -> dict[str, Any]:
    if status == manifest["status"]:
        return manifest
    return {**manifest, "status": status, "since_s": now_s(ctx)}


def ready_status(ctx: TxContext, manifest: dict[str, Any], rules_now: WasteRules) -> str:
    level = credit.level(ctx, manifest["generator"])
    return SCHEDULED if rules.missing_approval(manifest, level, rules_now) is None else PENDING


# -- facilities ------------------------------------------------------------------------------


def usable_facility(ctx: TxContext, facility: str, code: str, quantity: int, year: int) -> dict[str, Any]:
    """The licence of a facility that may take ``quantity`` kg of ``code`` this year."""
    licence = ctx.find(FACILITIES, facility)
    if licence is None:
        raise NotFound(f"facility {facility} has no licence; the regulator of its region records one with "
                       f"'facility licence'")
    if code not in licence["codes"]:
        raise Conflict(f"facility {facility} is not licensed for waste code {code} (its licence covers "
                       f"{', '.join(licence['codes'])})")
    today = rules.ledger_date(ctx.timestamp)
    if rules.parse_date(licence["valid_until"], "valid_until") < today:
        raise Conflict(f"the licence of facility {facility} expired on {licence['valid_until']}")
    row = intake_row(ctx, licence["region"], facility, year)
    rules.check_capacity(facility, year, row["committed"], quantity, licence["capacity_kg"])
    return licence



# -- manifests -------------------------------------------------------------------------------


def next_number(ctx: TxContext, region: str, entity: str, rules_now: WasteRules) -> str:
    """The next 14-digit number of the city an entity is registered in (from its credit code)."""
    province = rules_now.provinces.get(region)
    if province is None:
        raise NotFound(f"region {region} has no province code for manifest numbers (parameter "
                       f"waste_province_codes)")
    city = waste_codes.city_of(entity, province)
    year = rules.ledger_date(ctx.timestamp).year
    key = store.SERIALS.key(year, province, city)
    serial = (ctx.get_json(key) or 0) + 1
    number = waste_codes.manifest_number(year, province, city, serial)
    ctx.put_json(key, serial)
    if ctx.get(MANIFESTS.key(number)) is not None:
        raise Conflict(f"manifest number {number} is taken")
    return number


def require_transporters(value: Any) -> list[str]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_TRANSPORTERS:
        raise InvalidInput(f"transporters must be a list of 1 to {MAX_TRANSPORTERS} credit codes, in order")
    for index, code in enumerate(value):
        require_credit_code(code, f"transporters[{index}]")
    if len(set(value)) != len(value):
        raise InvalidInput("transporters must not repeat")
    return list(value)


def require_containers(form: str, containers: Any) -> int | None:
    if form == BULK:
        if containers is not None:
            raise InvalidInput("containers is given only for form containers (bulk waste is weighed)")
        return None
    if isinstance(containers, bool) or not isinstance(containers, int) or not 1 <= containers <= MAX_CONTAINERS:
        raise InvalidInput(f"containers must be a whole number from 1 to {MAX_CONTAINERS} for form containers, "
                           f"got {containers!r}")
    return containers


def standing_approval(ctx: TxContext, generator: str, code: str, facility: str, quantity: int) -> dict[str, Any] | None:
    """An active approval of this generator, code and facility with enough quantity and time left."""
    moment = now_s(ctx)
    for index, (_, approval_id) in enumerate(ctx.range(*store.APPROVALS_BY_SCOPE.span(generator, code, facility))):
        if index == MAX_SCOPE_SCAN:
            break
        approval = ctx.load(APPROVALS, approval_id)
        if approval["status"] == "active" and approval["until_s"] > moment and \
                approval["total_kg"] - approval["used_kg"] >= quantity:
            return approval
    return None


def new_manifest(ctx: TxContext, stamp: Stamp, rules_now: WasteRules, *, generator: dict[str, Any], shipper: str,
                 origin: str, receiver: dict[str, Any], destination: str, code: str, hazards: list[str], form: str,
                 containers: int | None, quantity: int, transporters: list[str],
                 original: str | None) -> dict[str, Any]:
    """A manifest ready to save: numbered, with its approvals (a standing approval may cover it)."""
    level = credit.level(ctx, generator["entity"])
    number = next_number(ctx, origin, shipper, rules_now)
    year = rules.ledger_date(ctx.timestamp).year
    approvals: dict[str, Any] = {ORIGIN: None, DESTINATION: None, COORDINATOR: None}
    covering = None
    if origin != destination:
        covering = standing_approval(ctx, generator["entity"], code, receiver["entity"], quantity)
        if covering is not None:
            approvals[ORIGIN] = {"approval": covering["id"], **covering["approved"]}
            approvals[DESTINATION] = {"approval": covering["id"], **covering["consented"]}
            ctx.save(APPROVALS, {**covering, "used_kg": covering["used_kg"] + quantity,
                                 "manifests": [*covering["manifests"], number]})
    manifest = {
        "id": number, "year": year, "origin": origin, "destination": destination,
        "generator": generator["entity"], "generator_region": generator["region"], "shipper": shipper,
        "receiver": receiver, "code": code, "hazards": hazards, "form": form, "containers": containers,
        "quantity": quantity, "transporters": transporters, "level": level, "status": PENDING,
        "since_s": now_s(ctx), "created_s": now_s(ctx), "approvals": approvals,
        "approval": covering["id"] if covering else None, "refusal": None, "custody": [], "shipped": None,
        "received": None, "rejected": 0, "rejections": [], "discrepancy": None, "correction": None,
        "corrections": [], "disposal": None, "original": original, "version": 1, "created": stamp.record(),
    }
    if rules.missing_approval(manifest, level, rules_now) is None:
        manifest["status"] = SCHEDULED
    return manifest


def signed_transporters(manifest: dict[str, Any]) -> list[str]:
    return [entry["party"] for entry in manifest["custody"] if entry["step"] in ("pickup", "handoff")]


def party_region(manifest: dict[str, Any], entity: str) -> str | None:
    """The region a party of the manifest answers to: generator its own, facility the destination, a transporter
    the region of the organization through which it signed."""
    if entity == manifest["generator"]:
        return manifest["generator_region"]
    if entity == manifest["receiver"]["entity"]:
        return manifest["destination"]
    if entity == manifest["shipper"]:
        return manifest["origin"]
    for entry in manifest["custody"]:
        if entry["party"] == entity:
            return entry["region"]
    return None
