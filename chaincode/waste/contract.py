"""Contracts ``Facility`` and ``Manifest``: licensed receivers and the signed chain of custody of a waste batch.

* ``Facility:Licence`` — the regulator of the facility's region records (or renews) its licence: the waste
  codes it may accept, its annual capacity in kilograms, the last day it is valid.
* ``Manifest:Create`` — a generator creates a manifest (number: year + province + city + serial) for a
  licensed facility and one or more transporters in order.
* ``Manifest:Approve`` / ``Consent`` / ``Refuse`` — cross-region: the origin regulator approves (optionally for
  repeated shipments up to a total and a number of months), the destination regulator consents; either may
  refuse with a reason. Same region: the region regulator approves when the generator's green-credit level
  asks for it; the coordinator approves as well when the level asks for it on a cross-region transfer.
* ``Manifest:Pickup`` / ``Handoff`` / ``Receive`` — each signature only by its party, in order, once; a
  receipt beyond tolerance or with another code opens a discrepancy and records a violation.
* ``Manifest:Reject`` — the facility sends back (or on) all or part of what it received on a new, linked
  manifest. ``Manifest:Resolve`` — the destination regulator closes a discrepancy, naming the responsible party.
* ``Manifest:Correct`` / ``Answer`` — a correction locks the manifest until the asked party answers; an
  accepted correction keeps the earlier version. ``Manifest:Dispose`` records the method and closes it.
* Reads: ``Show``, ``History``, ``Trace``, ``List``, ``Alerts``, ``Balance``, ``ShowApproval``.
"""

from __future__ import annotations

from typing import Any

from chaincode.enterprise import api as enterprises
from chaincode.facts import credit, violations
from chaincode.registry import api as registry
from chaincode.runtime import pagination
from chaincode.runtime.access import outside, who
from chaincode.runtime.checks import require_choice, require_credit_code, require_id, require_quantity, require_text
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, InvalidInput, NotFound
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, Stamp, new_id, stamp_for
from chaincode.waste import codes as waste_codes, parties, rules, store
from chaincode.waste.parameters import WasteRules, load_rules
from chaincode.waste.rules import (
    BULK, CONTAINERS, COORDINATOR, DESTINATION, DISPOSED, FORMS, IN_TRANSIT, ORIGIN, PENDING, RECEIVED, REFUSED,
    REJECTED, RETURNED, SCHEDULED,
)
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
    if not reader.sees(manifest):
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


class FacilityContract(Contract):
    name = "Facility"

    @transaction
    def licence(self, ctx: TxContext, entity: Any, codes: Any, capacity: Any, until: Any) -> dict[str, Any]:
        """The regulator of the facility's region records (or renews) its licence."""
        region = parties.acting_regulator(ctx, "Facility:Licence")
        require_credit_code(entity)
        known = rules_of(ctx).codes
        if not isinstance(codes, list) or not codes:
            raise InvalidInput(f"codes must be a non-empty list of waste codes, got {codes!r}")
        checked = [waste_codes.require_code(f"codes[{index}]", code, known) for index, code in enumerate(codes)]
        if len(set(checked)) != len(checked):
            raise InvalidInput("codes must not repeat")
        require_quantity("capacity", capacity)
        last = rules.parse_date(until, "until")
        today = rules.ledger_date(ctx.timestamp)
        if last < today:
            raise InvalidInput(f"until {until} is in the past (ledger date {today.isoformat()})")
        existing = ctx.find(FACILITIES, entity)
        if existing is not None and existing["region"] != region:
            raise AccessDenied(f"facility {entity} is licensed in region {existing['region']}; the regulator of "
                               f"region {region} cannot change that licence")
        record = {"entity": entity, "region": region, "codes": sorted(checked), "capacity_kg": capacity,
                  "valid_until": last.isoformat(), "version": 1 if existing is None else existing["version"] + 1,
                  "set": stamp_for(ctx).record()}
        ctx.save(FACILITIES, record)
        ctx.emit("FacilityLicensed", {"entity": entity, "region": region, "codes": record["codes"],
                                      "capacity_kg": capacity, "valid_until": record["valid_until"],
                                      "version": record["version"], "tx_id": ctx.tx_id})
        return record

    @transaction
    def show(self, ctx: TxContext, entity: Any) -> dict[str, Any]:
        """A facility's licence and its intake this year (any consortium member: licences are public)."""
        registry.caller_member(ctx)
        require_credit_code(entity)
        licence = ctx.find(FACILITIES, entity)
        if licence is None:
            raise NotFound(f"facility {entity} has no licence")
        year = rules.ledger_date(ctx.timestamp).year
        intake = intake_row(ctx, licence["region"], entity, year)
        return {**licence, "intake": rules.intake_view(intake, licence["capacity_kg"])}

    @transaction
    def list(self, ctx: TxContext, region: Any = None, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """A page of licensed facilities, by region or all, by credit code."""
        registry.caller_member(ctx)
        if region is None:
            return ctx.page(FACILITIES.namespace.span(), limit, bookmark).as_dict()
        require_text("region", region, 16)
        return ctx.indexed(FACILITIES, store.FACILITIES_BY_REGION.span(region), limit, bookmark).as_dict()


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


class ManifestContract(Contract):
    name = "Manifest"

    # -- create and approve ------------------------------------------------------------------
    @transaction
    def create(self, ctx: TxContext, code: Any, quantity: Any, form: Any, facility: Any, transporters: Any,
               hazards: Any, containers: Any = None) -> dict[str, Any]:
        """A generator creates a manifest for a licensed facility and its transporters in order."""
        generator = parties.acting_generator(ctx, "Manifest:Create")
        enterprises.check_not_frozen(generator, "create manifests")
        rules_now = rules_of(ctx)
        waste_codes.require_code("code", code, rules_now.codes)
        require_quantity("quantity", quantity)
        require_choice("form", form, FORMS)
        checked_containers = require_containers(form, containers)
        require_credit_code(facility, "facility")
        checked_transporters = require_transporters(transporters)
        checked_hazards = waste_codes.require_hazards(hazards)
        if facility == generator["entity"]:
            raise InvalidInput(f"enterprise {facility} cannot designate itself as the receiving facility")
        year = rules.ledger_date(ctx.timestamp).year
        licence = usable_facility(ctx, facility, code, quantity, year)
        stamp = stamp_for(ctx)
        manifest = new_manifest(ctx, stamp, rules_now, generator=generator, shipper=generator["entity"],
                                origin=generator["region"], receiver={"kind": FACILITY_KIND, "entity": facility},
                                destination=licence["region"], code=code, hazards=checked_hazards, form=form,
                                containers=checked_containers, quantity=quantity, transporters=checked_transporters,
                                original=None)
        save_manifest(ctx, None, manifest)
        ctx.emit("ManifestCreated", {"manifest": manifest["id"], "generator": manifest["generator"],
                                     "origin": manifest["origin"], "destination": manifest["destination"],
                                     "code": code, "quantity": quantity, "status": manifest["status"],
                                     "approval": manifest["approval"], "tx_id": ctx.tx_id})
        return manifest

    @transaction
    def approve(self, ctx: TxContext, manifest_id: Any, total: Any = None, months: Any = None) -> dict[str, Any]:
        """The origin regulator approves (cross region: optionally repeated shipments up to ``total`` kg for
        ``months``); an official of the coordinator gives the extra approval a credit level asks for."""
        function = "Manifest:Approve"
        member = registry.caller_member(ctx)
        manifest = load_manifest(ctx, manifest_id)
        check_unlocked(manifest)
        check_status(manifest, (PENDING, SCHEDULED), "approved")
        rules_now = rules_of(ctx)
        level = credit.level(ctx, manifest["generator"])
        needs = rules.required_approvals(manifest["origin"], manifest["destination"], level, rules_now)
        stamp = stamp_for(ctx)
        approval = None
        if registry.is_coordinator(member):
            parties.acting_coordinator(ctx, function)
            if total is not None or months is not None:
                raise InvalidInput("total and months belong to the origin regulator's approval")
            if not needs[COORDINATOR]:
                raise Conflict(f"manifest {manifest_id} needs no coordinator approval: enterprise "
                               f"{manifest['generator']} is {rules.level_text(level)} and parameter "
                               f"extra_approval_levels asks it only of cross-region manifests of levels "
                               f"{', '.join(rules_now.extra_approval_levels) or '(none)'}")
            if manifest["approvals"][COORDINATOR] is not None:
                raise Conflict(f"the coordinator approved manifest {manifest_id} already")
            changed = {**manifest, "approvals": {**manifest["approvals"], COORDINATOR: stamp.record()}}
            side = COORDINATOR
        else:
            region = parties.acting_regulator(ctx, function)
            if region != manifest["origin"]:
                hint = " (the destination regulator consents with 'manifest consent')" \
                    if region == manifest["destination"] else ""
                raise AccessDenied(f"manifest {manifest_id} leaves region {manifest['origin']}; the regulator of "
                                   f"region {region} cannot approve it{hint}")
            if not needs[ORIGIN]:
                raise Conflict(f"manifest {manifest_id} needs no regulator approval: it stays in region "
                               f"{manifest['origin']} and enterprise {manifest['generator']} is "
                               f"{rules.level_text(level)} (parameter same_region_approval_levels: "
                               f"{', '.join(rules_now.same_region_approval_levels) or '(none)'})")
            if manifest["approvals"][ORIGIN] is not None:
                raise Conflict(f"the regulator of {region} approved manifest {manifest_id} already")
            entry: dict[str, Any] = stamp.record()
            if manifest["origin"] != manifest["destination"]:
                approval = self._new_approval(ctx, manifest, stamp, total, months, rules_now)
                entry = {"approval": approval["id"], **entry}
            elif total is not None or months is not None:
                raise InvalidInput("total and months cover repeated cross-region shipments; manifest "
                                   f"{manifest_id} stays in region {region}")
            changed = {**manifest, "approvals": {**manifest["approvals"], ORIGIN: entry},
                       "approval": approval["id"] if approval else manifest["approval"]}
            side = ORIGIN
        changed = with_status(changed, ready_status(ctx, changed, rules_now), ctx)
        save_manifest(ctx, manifest, changed)
        ctx.emit("ManifestApproved", {"manifest": manifest_id, "by": side, "status": changed["status"],
                                      "approval": approval["id"] if approval else None, "tx_id": ctx.tx_id})
        return changed

    @staticmethod
    def _new_approval(ctx: TxContext, manifest: dict[str, Any], stamp: Stamp, total: Any, months: Any,
                      rules_now: WasteRules) -> dict[str, Any]:
        quantity = manifest["quantity"]
        if total is None:
            total = quantity
        require_quantity("total", total)
        if total < quantity:
            raise InvalidInput(f"total {total} kg is less than the {quantity} kg of manifest {manifest['id']}")
        if months is None:
            months = 1 if total == quantity else rules_now.approval_max_months
        if isinstance(months, bool) or not isinstance(months, int) or \
                not 1 <= months <= rules_now.approval_max_months:
            raise InvalidInput(f"months must be a whole number from 1 to {rules_now.approval_max_months} "
                               f"(parameter waste_approval_max_months), got {months!r}")
        until = rules.add_months(rules.ledger_date(ctx.timestamp), months)
        approval = {
            "id": new_id(ctx, IdSequence(ctx.tx_id), "A", APPROVALS), "generator": manifest["generator"],
            "code": manifest["code"], "facility": manifest["receiver"]["entity"], "origin": manifest["origin"],
            "destination": manifest["destination"], "total_kg": total, "used_kg": quantity, "months": months,
            "valid_until": until.isoformat(), "until_s": rules.end_of_day_seconds(until), "status": "requested",
            "manifests": [manifest["id"]], "approved": stamp.record(), "consented": None, "refusal": None,
        }
        ctx.save(APPROVALS, approval)
        return approval

    @transaction
    def consent(self, ctx: TxContext, manifest_id: Any) -> dict[str, Any]:
        """The destination regulator consents to a cross-region manifest the origin regulator approved."""
        region = parties.acting_regulator(ctx, "Manifest:Consent")
        manifest = load_manifest(ctx, manifest_id)
        check_unlocked(manifest)
        check_status(manifest, (PENDING, SCHEDULED), "consented to")
        if manifest["origin"] == manifest["destination"]:
            raise Conflict(f"manifest {manifest_id} stays in region {manifest['origin']}; consent is for "
                           f"cross-region transfers")
        if region != manifest["destination"]:
            raise AccessDenied(f"manifest {manifest_id} goes to region {manifest['destination']}; the regulator of "
                               f"region {region} cannot consent to it")
        if manifest["approvals"][DESTINATION] is not None:
            raise Conflict(f"the regulator of {region} consented to manifest {manifest_id} already")
        origin_entry = manifest["approvals"][ORIGIN]
        if origin_entry is None:
            raise Conflict(f"the regulator of {manifest['origin']} has not approved manifest {manifest_id} yet; the "
                           f"origin approves first, then the destination consents")
        stamp = stamp_for(ctx)
        approval = ctx.load(APPROVALS, origin_entry["approval"])
        ctx.save(APPROVALS, {**approval, "status": "active", "consented": stamp.record()})
        changed = {**manifest, "approvals": {**manifest["approvals"],
                                             DESTINATION: {"approval": approval["id"], **stamp.record()}}}
        changed = with_status(changed, ready_status(ctx, changed, rules_of(ctx)), ctx)
        save_manifest(ctx, manifest, changed)
        ctx.emit("ManifestConsented", {"manifest": manifest_id, "approval": approval["id"],
                                       "status": changed["status"], "tx_id": ctx.tx_id})
        return changed

    @transaction
    def refuse(self, ctx: TxContext, manifest_id: Any, reason: Any) -> dict[str, Any]:
        """The origin or destination regulator (or the coordinator, when its approval is needed) refuses."""
        function = "Manifest:Refuse"
        member = registry.caller_member(ctx)
        manifest = load_manifest(ctx, manifest_id)
        require_text("reason", reason, MAX_REASON)
        if registry.is_coordinator(member):
            parties.acting_coordinator(ctx, function)
            level = credit.level(ctx, manifest["generator"])
            if not rules.required_approvals(manifest["origin"], manifest["destination"], level,
                                            rules_of(ctx))[COORDINATOR]:
                raise Conflict(f"manifest {manifest_id} needs no coordinator approval (enterprise "
                               f"{manifest['generator']} is {rules.level_text(level)}); the coordinator refuses "
                               f"only what it approves")
            side = COORDINATOR
        else:
            region = parties.acting_regulator(ctx, function)
            if region not in (manifest["origin"], manifest["destination"]):
                raise AccessDenied(f"manifest {manifest_id} goes from region {manifest['origin']} to region "
                                   f"{manifest['destination']}; the regulator of region {region} cannot refuse it")
            side = ORIGIN if region == manifest["origin"] else DESTINATION
        check_unlocked(manifest)
        check_status(manifest, (PENDING, SCHEDULED), "refused")
        stamp = stamp_for(ctx)
        entry = manifest["approvals"][ORIGIN]
        if entry is not None and "approval" in entry:
            approval = ctx.load(APPROVALS, entry["approval"])
            if approval["manifests"] == [manifest_id]:
                ctx.save(APPROVALS, {**approval, "status": "refused", "refusal": stamp.record(reason=reason)})
            else:  # a standing approval stays; this shipment's quantity is given back
                ctx.save(APPROVALS, {**approval, "used_kg": approval["used_kg"] - manifest["quantity"],
                                     "manifests": [m for m in approval["manifests"] if m != manifest_id]})
        changed = with_status({**manifest, "refusal": stamp.record(reason=reason, side=side)}, REFUSED, ctx)
        save_manifest(ctx, manifest, changed)
        ctx.emit("ManifestRefused", {"manifest": manifest_id, "by": side, "reason": reason, "tx_id": ctx.tx_id})
        return changed

    # -- custody -----------------------------------------------------------------------------
    @transaction
    def pickup(self, ctx: TxContext, manifest_id: Any, quantity: Any) -> dict[str, Any]:
        """Transporter 1 signs pick-up of the quantity it takes (at most the manifest's quantity)."""
        party = parties.acting_transporter(ctx, "Manifest:Pickup")
        manifest = load_manifest(ctx, manifest_id)
        require_quantity("quantity", quantity)
        first = manifest["transporters"][0]
        if party.entity not in manifest["transporters"]:
            raise AccessDenied(f"transporter {party.entity} is not a transporter of manifest {manifest_id}")
        if party.entity != first:
            raise Conflict(f"transporter {party.entity} is transporter "
                           f"{manifest['transporters'].index(party.entity) + 1} of manifest {manifest_id}; "
                           f"transporter 1 ({first}) signs pick-up")
        if manifest["custody"]:
            raise Conflict(f"manifest {manifest_id} was picked up already by {first} at "
                           f"{manifest['custody'][0]['at']}")
        check_unlocked(manifest)
        if manifest["status"] == PENDING:
            missing = rules.missing_approval(manifest, credit.level(ctx, manifest["generator"]), rules_of(ctx))
            raise Conflict(missing or f"manifest {manifest_id} is pending")
        check_status(manifest, (SCHEDULED,), "picked up")
        missing = rules.missing_approval(manifest, credit.level(ctx, manifest["generator"]), rules_of(ctx))
        if missing is not None:
            raise Conflict(missing)
        if quantity > manifest["quantity"]:
            raise Conflict(f"manifest {manifest_id} is for {manifest['quantity']} kg; transporter {party.entity} "
                           f"cannot take {quantity} kg on it (a correction of the quantity comes first)")
        stamp = stamp_for(ctx)
        changed = with_status({**manifest, "shipped": quantity, "custody": [
            stamp.record(step="pickup", party=party.entity, region=party.region, quantity=quantity)]},
            IN_TRANSIT, ctx)
        save_manifest(ctx, manifest, changed)
        ctx.emit("ManifestPickedUp", {"manifest": manifest_id, "transporter": party.entity, "quantity": quantity,
                                      "tx_id": ctx.tx_id})
        return changed

    @transaction
    def handoff(self, ctx: TxContext, manifest_id: Any, to: Any) -> dict[str, Any]:
        """The next transporter signs that it takes the waste over (``to`` names it: the signer itself)."""
        party = parties.acting_transporter(ctx, "Manifest:Handoff")
        manifest = load_manifest(ctx, manifest_id)
        require_credit_code(to, "to")
        if to != party.entity:
            raise AccessDenied(f"the hand-off to {to} is signed by {to}, the transporter taking over; "
                               f"transporter {party.entity} cannot sign it")
        transporters = manifest["transporters"]
        if party.entity not in transporters:
            raise AccessDenied(f"transporter {party.entity} is not a transporter of manifest {manifest_id}")
        check_unlocked(manifest)
        check_status(manifest, (IN_TRANSIT,), "handed off")
        signed = signed_transporters(manifest)
        position = transporters.index(party.entity)
        if party.entity in signed:
            raise Conflict(f"transporter {party.entity} signed manifest {manifest_id} already (step "
                           f"{position + 1} of {len(transporters)})")
        if position != len(signed):
            raise Conflict(f"transporter {party.entity} is transporter {position + 1} of manifest {manifest_id}; "
                           f"transporter {len(signed) + 1} ({transporters[len(signed)]}) signs next")
        stamp = stamp_for(ctx)
        changed = {**manifest, "custody": [*manifest["custody"], stamp.record(
            step="handoff", party=party.entity, region=party.region, source=signed[-1])]}
        save_manifest(ctx, manifest, changed)
        ctx.emit("ManifestHandedOff", {"manifest": manifest_id, "from": signed[-1], "to": party.entity,
                                       "tx_id": ctx.tx_id})
        return changed

    @transaction
    def receive(self, ctx: TxContext, manifest_id: Any, quantity: Any, code: Any = None,
                containers: Any = None) -> dict[str, Any]:
        """The receiver signs receipt of the quantity (and code, and containers) it received."""
        function = "Manifest:Receive"
        manifest = load_manifest(ctx, manifest_id)
        receiver = manifest["receiver"]
        if receiver["kind"] == FACILITY_KIND:
            entity = parties.acting_facility(ctx, function).entity
        else:
            entity = parties.acting_generator(ctx, function)["entity"]
        if entity != receiver["entity"]:
            raise AccessDenied(f"manifest {manifest_id} goes to {receiver['kind']} {receiver['entity']}; "
                               f"{entity} cannot sign its receipt")
        require_quantity("quantity", quantity)
        rules_now = rules_of(ctx)
        received_code = manifest["code"] if code is None else code
        problem = waste_codes.code_problem(received_code)
        if problem is not None:
            raise InvalidInput(f"code {problem}")
        if manifest["form"] == CONTAINERS:
            require_containers(CONTAINERS, containers)
        elif containers is not None:
            raise InvalidInput(f"manifest {manifest_id} is bulk waste; containers is given only for form containers")
        check_unlocked(manifest)
        check_status(manifest, (IN_TRANSIT,), "received")
        signed = signed_transporters(manifest)
        if len(signed) < len(manifest["transporters"]):
            missing = manifest["transporters"][len(signed)]
            raise Conflict(f"transporter {len(signed) + 1} ({missing}) has not signed its hand-off of manifest "
                           f"{manifest_id}; receipt follows the last transporter")
        found = rules.discrepancy(manifest, quantity, received_code, containers, rules_now.bulk_tolerance_permille)
        stamp = stamp_for(ctx)
        ids = IdSequence(ctx.tx_id)
        changed = {**manifest, "received": {"quantity": quantity, "code": received_code, "containers": containers},
                   "custody": [*manifest["custody"], stamp.record(
                       step="receipt", party=entity, region=manifest["destination"], quantity=quantity,
                       code=received_code, containers=containers)]}
        violation = None
        if found is not None:
            violation = violations.record(
                ctx, ids, stamp, entity=manifest["generator"], region=manifest["generator_region"],
                year=rules.ledger_date(ctx.timestamp).year, kind=VIOLATION_KIND, source=SOURCE,
                evidence={"manifest": manifest_id, **found})
            changed["discrepancy"] = {**found, "status": "open", "opened": stamp.record(), "opened_s": now_s(ctx),
                                      "responsible": manifest["generator"], "violation": violation["id"],
                                      "resolution": None}
        closed = receiver["kind"] == GENERATOR and found is None
        changed = with_status(changed, RETURNED if closed else RECEIVED, ctx)
        save_manifest(ctx, manifest, changed)
        ctx.emit("ManifestReceived", {"manifest": manifest_id, "receiver": entity, "quantity": quantity,
                                      "code": received_code, "discrepancy": found["kinds"] if found else None,
                                      "violation": violation["id"] if violation else None, "tx_id": ctx.tx_id})
        return changed

    # -- after receipt -----------------------------------------------------------------------
    @transaction
    def reject(self, ctx: TxContext, manifest_id: Any, quantity: Any, to: Any, reason: Any,
               transporters: Any = None, containers: Any = None) -> dict[str, Any]:
        """The facility rejects all or part of what it received; the rejected part leaves on a new manifest,
        linked to this one, back to the generator (``to`` = ``generator``) or to an alternate facility."""
        party = parties.acting_facility(ctx, "Manifest:Reject")
        manifest = load_manifest(ctx, manifest_id)
        if manifest["receiver"] != {"kind": FACILITY_KIND, "entity": party.entity}:
            raise AccessDenied(f"manifest {manifest_id} goes to {manifest['receiver']['kind']} "
                               f"{manifest['receiver']['entity']}; facility {party.entity} cannot reject it")
        require_quantity("quantity", quantity)
        require_text("reason", reason, MAX_REASON)
        if to != GENERATOR:
            require_credit_code(to, "to (generator or an alternate facility's credit code)")
            if to == party.entity:
                raise InvalidInput(f"facility {party.entity} cannot send rejected waste to itself")
        check_unlocked(manifest)
        check_status(manifest, (RECEIVED,), "rejected")
        kept = rules.accepted(manifest)
        if quantity > kept:
            raise Conflict(f"facility {party.entity} holds {kept} kg of manifest {manifest_id}; it cannot reject "
                           f"{quantity} kg")
        rules_now = rules_of(ctx)
        code = manifest["received"]["code"]
        if manifest["form"] == CONTAINERS:
            if containers is None and quantity == kept:
                containers = manifest["received"]["containers"]
            require_containers(CONTAINERS, containers)
        elif containers is not None:
            raise InvalidInput("containers is given only for form containers")
        route = [signed_transporters(manifest)[-1]] if transporters is None else require_transporters(transporters)
        generator = enterprises.enterprise(ctx, manifest["generator"])
        year = rules.ledger_date(ctx.timestamp).year
        if to == GENERATOR:
            receiver, destination = {"kind": GENERATOR, "entity": generator["entity"]}, generator["region"]
        else:
            licence = usable_facility(ctx, to, code, quantity, year)
            receiver, destination = {"kind": FACILITY_KIND, "entity": to}, licence["region"]
        stamp = stamp_for(ctx)
        linked = new_manifest(ctx, stamp, rules_now, generator=generator, shipper=party.entity,
                              origin=manifest["destination"], receiver=receiver, destination=destination, code=code,
                              hazards=manifest["hazards"], form=manifest["form"], containers=containers,
                              quantity=quantity, transporters=route, original=manifest_id)
        save_manifest(ctx, None, linked)
        rejected = manifest["rejected"] + quantity
        changed = {**manifest, "rejected": rejected, "rejections": [*manifest["rejections"], stamp.record(
            manifest=linked["id"], quantity=quantity, to=to, reason=reason)]}
        if rules.accepted(changed) == 0:
            changed = with_status(changed, REJECTED, ctx)
        save_manifest(ctx, manifest, changed)
        ctx.emit("ManifestRejected", {"manifest": manifest_id, "quantity": quantity, "to": to,
                                      "linked": linked["id"], "full": changed["status"] == REJECTED,
                                      "reason": reason, "tx_id": ctx.tx_id})
        return {"manifest": changed, "linked": linked}

    @transaction
    def resolve(self, ctx: TxContext, manifest_id: Any, reason: Any, responsible: Any = None,
                outcome: Any = None) -> dict[str, Any]:
        """The destination regulator closes an open discrepancy with a reason, naming the responsible party
        (default: the generator, against whom the receipt recorded the violation)."""
        region = parties.acting_regulator(ctx, "Manifest:Resolve")
        manifest = load_manifest(ctx, manifest_id)
        require_text("reason", reason, MAX_REASON)
        outcome = violations.UPHELD if outcome is None else require_choice("outcome", outcome, violations.OUTCOMES)
        if region != manifest["destination"]:
            raise AccessDenied(f"manifest {manifest_id} goes to region {manifest['destination']}; its regulator "
                               f"resolves discrepancies, not the regulator of region {region}")
        found = manifest["discrepancy"]
        if found is None or found["status"] != "open":
            raise Conflict(f"manifest {manifest_id} has no open discrepancy")
        check_unlocked(manifest)
        current = found["responsible"]
        named = current if responsible is None else require_credit_code(responsible, "responsible")
        named_region = party_region(manifest, named)
        if named_region is None:
            raise InvalidInput(f"{named} is not a party of manifest {manifest_id} that handled the waste (generator "
                               f"{manifest['generator']}, transporters {', '.join(signed_transporters(manifest))}, "
                               f"receiver {manifest['receiver']['entity']})")
        stamp = stamp_for(ctx)
        ids = IdSequence(ctx.tx_id)
        violation = violations.load(ctx, found["violation"])
        if named != current:
            violations.resolve(ctx, violation, stamp, f"responsibility named: {named}; {reason}", violations.DISMISSED)
            violation = violations.record(ctx, ids, stamp, entity=named, region=named_region,
                                          year=violation["year"], kind=VIOLATION_KIND, source=SOURCE,
                                          evidence={**violation["evidence"], "named_by": region})
        violation = violations.resolve(ctx, violation, stamp, reason, outcome)
        changed = {**manifest, "discrepancy": {**found, "status": "resolved", "responsible": named,
                                               "violation": violation["id"],
                                               "resolution": stamp.record(reason=reason, outcome=outcome)}}
        if manifest["receiver"]["kind"] == GENERATOR and manifest["status"] == RECEIVED:
            changed = with_status(changed, RETURNED, ctx)
        save_manifest(ctx, manifest, changed)
        ctx.emit("DiscrepancyResolved", {"manifest": manifest_id, "responsible": named, "outcome": outcome,
                                         "violation": violation["id"], "tx_id": ctx.tx_id})
        return changed

    @transaction
    def correct(self, ctx: TxContext, manifest_id: Any, field: Any, value: Any, reason: Any) -> dict[str, Any]:
        """A regulator of either region or a party asks for a correction; the manifest is locked until the
        asked party (the generator for what it declared, the receiver for what it signed) answers."""
        function = "Manifest:Correct"
        reader, manifest = visible(ctx, function, manifest_id)
        if not (reader.is_regulator or reader.is_party):
            raise AccessDenied(f"a regulator of region {manifest['origin']} or {manifest['destination']} or a party "
                               f"of manifest {manifest_id} requests corrections; {who(ctx.caller)} reads only")
        require_choice("field", field, tuple(CORRECTABLE))
        require_text("reason", reason, MAX_REASON)
        answerer, statuses = CORRECTABLE[field]
        checked = self._correction_value(ctx, manifest, field, value)
        if manifest["correction"] is not None:
            check_unlocked(manifest)
        check_status(manifest, statuses, f"corrected in {field}")
        asked = manifest["generator"] if answerer == GENERATOR else manifest["receiver"]["entity"]
        requester = reader.entity or reader.region or "coordinator"
        stamp = stamp_for(ctx)
        changed = {**manifest, "correction": {"field": field, "value": checked, "reason": reason, "asked": asked,
                                              "requester": requester, "requested": stamp.record()}}
        save_manifest(ctx, manifest, changed)
        ctx.emit("CorrectionRequested", {"manifest": manifest_id, "field": field, "asked": asked,
                                         "requester": requester, "tx_id": ctx.tx_id})
        return changed

    @staticmethod
    def _correction_value(ctx: TxContext, manifest: dict[str, Any], field: str, value: Any) -> Any:
        if field in ("quantity", "received_quantity"):
            return require_quantity("value", value)
        if field == "containers":
            if manifest["form"] != CONTAINERS:
                raise InvalidInput(f"manifest {manifest['id']} is bulk waste; it has no containers to correct")
            return require_containers(CONTAINERS, value)
        if field == "hazards":
            return waste_codes.require_hazards(value)
        return waste_codes.require_code("value", value, rules_of(ctx).codes)

    @transaction
    def answer(self, ctx: TxContext, manifest_id: Any, accept: Any, reason: Any = None) -> dict[str, Any]:
        """The asked party accepts (a new version; the earlier one is kept) or declines (with a reason)."""
        function = "Manifest:Answer"
        manifest = load_manifest(ctx, manifest_id)
        correction = manifest["correction"]
        if correction is None:
            raise Conflict(f"manifest {manifest_id} has no open correction")
        role = ctx.caller.role
        if role == "enterprise":
            entity = parties.acting_generator(ctx, function)["entity"]
        elif role == "facility":
            entity = parties.acting_facility(ctx, function).entity
        else:
            raise AccessDenied(f"the correction of manifest {manifest_id} asks {correction['asked']}; "
                               f"{who(ctx.caller)} cannot answer it")
        if entity != correction["asked"]:
            raise AccessDenied(f"the correction of manifest {manifest_id} asks {correction['asked']}; "
                               f"{who(ctx.caller)} cannot answer it")
        if not isinstance(accept, bool):
            raise InvalidInput(f"accept must be true or false, got {accept!r}")
        if not accept:
            require_text("reason", reason, MAX_REASON)
        elif reason is not None:
            require_text("reason", reason, MAX_REASON)
        stamp = stamp_for(ctx)
        log = {**correction, "accepted": accept, "answer": stamp.record(reason=reason)}
        if not accept:
            changed = {**manifest, "correction": None, "corrections": [*manifest["corrections"], log]}
        else:
            ctx.put_json(store.VERSIONS.key(manifest_id, manifest["version"]), {**manifest, "correction": None})
            changed = self._corrected(ctx, manifest, correction["field"], correction["value"])
            log["previous"] = self._field_value(manifest, correction["field"])
            changed = {**changed, "correction": None, "corrections": [*manifest["corrections"], log],
                       "version": manifest["version"] + 1}
        save_manifest(ctx, manifest, changed)
        ctx.emit("CorrectionAnswered", {"manifest": manifest_id, "field": correction["field"], "accepted": accept,
                                        "version": changed["version"], "tx_id": ctx.tx_id})
        return changed

    @staticmethod
    def _field_value(manifest: dict[str, Any], field: str) -> Any:
        if field.startswith("received_"):
            return manifest["received"][field[len("received_"):]]
        return manifest[field]

    @staticmethod
    def _corrected(ctx: TxContext, manifest: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
        if field == "quantity" and manifest["receiver"]["kind"] == FACILITY_KIND and value > manifest["quantity"]:
            licence = ctx.load(FACILITIES, manifest["receiver"]["entity"])
            row = intake_row(ctx, manifest["destination"], manifest["receiver"]["entity"], manifest["year"])
            rules.check_capacity(manifest["receiver"]["entity"], manifest["year"], row["committed"],
                                 value - manifest["quantity"], licence["capacity_kg"])
        if field.startswith("received_"):
            return {**manifest, "received": {**manifest["received"], field[len("received_"):]: value}}
        return {**manifest, field: value}

    @transaction
    def dispose(self, ctx: TxContext, manifest_id: Any, method: Any) -> dict[str, Any]:
        """The facility records the disposal or utilisation method and closes the manifest."""
        party = parties.acting_facility(ctx, "Manifest:Dispose")
        manifest = load_manifest(ctx, manifest_id)
        if manifest["receiver"] != {"kind": FACILITY_KIND, "entity": party.entity}:
            raise AccessDenied(f"manifest {manifest_id} goes to {manifest['receiver']['kind']} "
                               f"{manifest['receiver']['entity']}; facility {party.entity} cannot close it")
        waste_codes.require_method(method)
        check_unlocked(manifest)
        check_status(manifest, (RECEIVED,), "disposed of")
        found = manifest["discrepancy"]
        if found is not None and found["status"] == "open":
            raise Conflict(f"manifest {manifest_id} has an open discrepancy ({', '.join(found['kinds'])}); it stays "
                           f"open until the regulator of {manifest['destination']} resolves it")
        stamp = stamp_for(ctx)
        changed = with_status({**manifest, "disposal": stamp.record(method=method,
                                                                    quantity=rules.accepted(manifest))},
                              DISPOSED, ctx)
        save_manifest(ctx, manifest, changed)
        ctx.emit("ManifestDisposed", {"manifest": manifest_id, "method": method,
                                      "quantity": rules.accepted(manifest), "tx_id": ctx.tx_id})
        return changed

    # -- reads -------------------------------------------------------------------------------
    @transaction
    def show(self, ctx: TxContext, manifest_id: Any) -> dict[str, Any]:
        return visible(ctx, "Manifest:Show", manifest_id)[1]

    @transaction
    def history(self, ctx: TxContext, manifest_id: Any, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """Every earlier version of a manifest (oldest first), one page at a time, and the current one."""
        _, manifest = visible(ctx, "Manifest:History", manifest_id)
        page = ctx.page(store.VERSIONS.span(manifest_id), limit, bookmark).as_dict()
        return {**page, "current": manifest}

    @transaction
    def trace(self, ctx: TxContext, manifest_id: Any) -> dict[str, Any]:
        """The chain of custody: the manifest's signatures, the manifest it came from and those it led to."""
        reader, manifest = visible(ctx, "Manifest:Trace", manifest_id)
        root = manifest
        for _ in range(MAX_TRACE):
            if root["original"] is None:
                break
            root = ctx.load(MANIFESTS, root["original"])
        budget = [MAX_TRACE]

        def node(record: dict[str, Any]) -> dict[str, Any]:
            budget[0] -= 1
            shown = reader.sees(record)
            children = []
            for rejection in record["rejections"]:
                if budget[0] > 0:
                    children.append(node(ctx.load(MANIFESTS, rejection["manifest"])))
            summary = {"id": record["id"], "visible": shown, "links": children}
            if shown:
                summary.update({
                    "status": record["status"], "code": record["code"], "quantity": record["quantity"],
                    "generator": record["generator"], "shipper": record["shipper"], "receiver": record["receiver"],
                    "origin": record["origin"], "destination": record["destination"],
                    "approvals": {side: (entry["at"] if entry else None) for side, entry in record["approvals"].items()},
                    "custody": [{"step": e["step"], "party": e["party"], "quantity": e.get("quantity"),
                                 "at": e["at"], "tx_id": e["tx_id"]} for e in record["custody"]],
                    "discrepancy": record["discrepancy"], "rejected": record["rejected"],
                    "disposal": record["disposal"]})
            return summary

        return {"manifest": manifest_id, "root": node(root)}

    @transaction
    def list(self, ctx: TxContext, status: Any = None, region: Any = None, entity: Any = None, limit: Any = None,
             bookmark: Any = None) -> dict[str, Any]:
        """A page of the manifests the caller may see: a party its own, a regulator its region's (as origin or
        destination), the coordinator any; optionally one status, region or party, newest index order."""
        reader = parties.reader(ctx, "Manifest:List")
        pagination.require_limit(limit)
        if status is not None:
            require_choice("status", status, rules.STATUSES)
        if region is not None:
            require_text("region", region, 16)
        if entity is not None:
            require_credit_code(entity)
        if reader.is_party:
            if entity not in (None, reader.entity):
                raise AccessDenied(f"{reader.kind} {reader.entity} lists its own manifests only, not those of {entity}")
            span = store.BY_PARTY.span(reader.entity)
        elif entity is not None:
            span = store.BY_PARTY.span(entity)
        elif reader.is_regulator:
            if region not in (None, reader.region):
                raise AccessDenied(f"the regulator of region {reader.region} lists manifests of region "
                                   f"{reader.region} only, not of region {region}")
            span = store.BY_REGION.span(reader.region)
        elif region is not None:
            span = store.BY_REGION.span(region)
        elif status is not None:
            span = store.BY_STATUS.span(status)
        else:
            return ctx.page(MANIFESTS.namespace.span(), limit, bookmark).as_dict()

        def keep(record: dict[str, Any]) -> dict[str, Any] | None:
            if not reader.sees(record):
                return None
            if status is not None and record["status"] != status:
                return None
            if region is not None and region not in (record["origin"], record["destination"]):
                return None
            return record

        return ctx.indexed(MANIFESTS, span, limit, bookmark, keep).as_dict()

    @transaction
    def alerts(self, ctx: TxContext, kind: Any = None, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """Gaps that show by themselves, from ledger timestamps and parameters, oldest first. Without ``kind``
        the first page of each kind (``{alerts: {kind: page}}``); with it, one page of that kind."""
        reader = parties.reader(ctx, "Manifest:Alerts")
        pagination.require_limit(limit)
        if kind is None:
            if bookmark:
                raise InvalidInput("bookmark pages through one kind of alert; give kind as well")
            return {"alerts": {name: self._alerts(ctx, reader, name, limit, None) for name in ALERT_KINDS}}
        require_choice("kind", kind, ALERT_KINDS)
        return self._alerts(ctx, reader, kind, limit, bookmark)

    @staticmethod
    def _alerts(ctx: TxContext, reader: parties.Reader, kind: str, limit: Any, bookmark: Any) -> dict[str, Any]:
        rules_now = rules_of(ctx)
        moment = now_s(ctx)

        def before(days: int) -> int:
            return moment - days * rules.DAY_SECONDS

        def manifest_alert(what: str, since_key: str, detail: Any = None) -> Any:
            def convert(key: str, manifest_id: str) -> dict[str, Any] | None:
                record = ctx.load(MANIFESTS, manifest_id)
                if not reader.sees(record):
                    return None
                since = record["discrepancy"]["opened_s"] if since_key == "opened" else record["since_s"]
                alert = {"kind": kind, "manifest": manifest_id, "status": record["status"], "what": what,
                         "days": rules.days_between(since, moment), "origin": record["origin"],
                         "destination": record["destination"], "generator": record["generator"],
                         "receiver": record["receiver"]["entity"]}
                if detail is not None:
                    alert.update(detail(record, alert["days"]))
                return alert
            return convert

        if kind == "in_transit":
            start = store.BY_STATUS.prefix(IN_TRANSIT)
            span = (start, store.BY_STATUS.prefix(IN_TRANSIT, before(rules_now.transit_max_days)))
            convert = manifest_alert(f"in transit longer than {rules_now.transit_max_days} days "
                                     f"(parameter waste_transit_max_days)", "since")
        elif kind == "no_receipt":
            start = store.BY_STATUS.prefix(IN_TRANSIT)
            span = (start, store.BY_STATUS.prefix(IN_TRANSIT, before(rules_now.contact_days)))
            convert = manifest_alert(
                "no signed receipt since pick-up", "since",
                lambda record, days: {"level": "exception" if days >= rules_now.exception_days else "contact",
                                      "contact_days": rules_now.contact_days,
                                      "exception_days": rules_now.exception_days})
        elif kind == "unconfirmed":
            start = store.BY_STATUS.prefix(RECEIVED)
            span = (start, store.BY_STATUS.prefix(RECEIVED, before(rules_now.confirm_days)))
            convert = manifest_alert(f"received but not closed by a disposal record within "
                                     f"{rules_now.confirm_days} days (parameter waste_confirm_days)", "since")
        elif kind == "discrepancy":
            start = store.OPEN_DISCREPANCIES.prefix()
            span = (start, store.OPEN_DISCREPANCIES.prefix(before(rules_now.discrepancy_days)))
            convert = manifest_alert(f"discrepancy open longer than {rules_now.discrepancy_days} days "
                                     f"(parameter waste_discrepancy_days)", "opened")
        else:
            start = store.APPROVALS_BY_EXPIRY.prefix(moment)
            span = (start, store.APPROVALS_BY_EXPIRY.prefix(moment + rules_now.approval_warning_days *
                                                             rules.DAY_SECONDS))

            def convert(key: str, approval_id: str) -> dict[str, Any] | None:
                approval = ctx.load(APPROVALS, approval_id)
                if not (reader.sees_regions(approval["origin"], approval["destination"])
                        or reader.entity in (approval["generator"], approval["facility"]) and reader.is_party):
                    return None
                return {"kind": kind, "approval": approval_id, "valid_until": approval["valid_until"],
                        "days_left": rules.days_between(moment, approval["until_s"]),
                        "left_kg": approval["total_kg"] - approval["used_kg"], "generator": approval["generator"],
                        "facility": approval["facility"], "origin": approval["origin"],
                        "destination": approval["destination"],
                        "what": f"approval expires within {rules_now.approval_warning_days} days "
                                f"(parameter waste_approval_warning_days)"}
        return ctx.page(span, limit, bookmark, convert).as_dict()

    @transaction
    def balance(self, ctx: TxContext, of: Any = "generators", entity: Any = None, region: Any = None,
                limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """Mass balance rows: per generator, waste code and year (created, shipped, in transit, received,
        rejected, disposed, and whether they add up), or per facility and year (intake against capacity)."""
        reader = parties.reader(ctx, "Manifest:Balance")
        pagination.require_limit(limit)
        require_choice("of", of, ("generators", "facilities"))
        if reader.is_party:
            if entity not in (None, reader.entity):
                raise AccessDenied(f"{reader.kind} {reader.entity} reads its own balance only, not that of {entity}")
            entity = reader.entity
        if reader.is_regulator:
            if region not in (None, reader.region):
                raise AccessDenied(f"the regulator of region {reader.region} reads balances of region "
                                   f"{reader.region} only, not of region {region}")
            region = reader.region
        namespace = store.BALANCES if of == "generators" else store.INTAKES
        if entity is not None:
            require_credit_code(entity)
            if of == "generators":
                try:
                    home = enterprises.enterprise(ctx, entity)["region"]
                except NotFound:
                    home = None
            else:
                licence = ctx.find(FACILITIES, entity)
                home = licence["region"] if licence else None
            if home is None:  # not a generator (or not a facility): no rows of this kind
                return pagination.Page().as_dict()
            if region not in (None, home):
                raise AccessDenied(f"{entity} belongs to region {home}; it is outside region {region}")
            span = namespace.span(home, entity)
        elif region is not None:
            require_text("region", region, 16)
            span = namespace.span(region)
        else:
            span = namespace.span()

        def convert(key: str, row: dict[str, Any]) -> dict[str, Any]:
            if of == "generators":
                return rules.balance_view(row)
            licence = ctx.find(FACILITIES, row["facility"])
            return rules.intake_view(row, licence["capacity_kg"] if licence else None)

        return ctx.page(span, limit, bookmark, convert).as_dict()

    @transaction
    def show_approval(self, ctx: TxContext, approval_id: Any) -> dict[str, Any]:
        """A cross-region approval: its scope, total, quantity used, validity and the manifests it covers."""
        reader = parties.reader(ctx, "Manifest:ShowApproval")
        require_id("approval_id", approval_id, "A")
        approval = ctx.load(APPROVALS, approval_id)
        if not (reader.sees_regions(approval["origin"], approval["destination"])
                or reader.is_party and reader.entity in (approval["generator"], approval["facility"])):
            raise outside(f"approval {approval_id}", ctx.caller)
        return approval
