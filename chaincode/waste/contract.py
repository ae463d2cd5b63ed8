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
* ``Manifest:Dispose`` — the facility records the disposal or utilisation method and closes the manifest.

Contract ``Manifest`` is served by three classes, one per phase, so no module grows into a kernel:
this one (creation to disposal), :mod:`chaincode.waste.after_receipt` (``Reject``, ``Resolve``, ``Correct``,
``Answer``) and :mod:`chaincode.waste.queries` (``Show``, ``History``, ``Trace``, ``List``, ``Alerts``,
``Balance``, ``ShowApproval``); what they share is in :mod:`chaincode.waste.manifests`.
"""

from __future__ import annotations

from typing import Any

from chaincode.enterprise import api as enterprises
from chaincode.facts import credit, violations
from chaincode.registry import api as registry
from chaincode.runtime.checks import require_choice, require_credit_code, require_quantity, require_text
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, InvalidInput, NotFound
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, Stamp, new_id, stamp_for
from chaincode.waste import codes as waste_codes, parties, rules, store
from chaincode.waste.parameters import WasteRules
from chaincode.waste.rules import (
    CONTAINERS, COORDINATOR, DESTINATION, DISPOSED, FORMS, IN_TRANSIT, ORIGIN, PENDING, RECEIVED, REFUSED, RETURNED,
    SCHEDULED,
)
from chaincode.waste.store import APPROVALS, FACILITIES
from chaincode.waste.manifests import (
    FACILITY_KIND, GENERATOR, MAX_REASON, SOURCE, VIOLATION_KIND, check_status, check_unlocked, intake_row,
    load_manifest, new_manifest, now_s, ready_status, require_containers, require_transporters, rules_of,
    save_manifest, signed_transporters, usable_facility, with_status,
)


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
