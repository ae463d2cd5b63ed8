"""Transactions of contract ``Manifest`` after receipt: rejection onto linked manifests, resolving discrepancies,
corrections and their answers (see :mod:`chaincode.waste.contract` for the rest of the contract)."""

from __future__ import annotations

from typing import Any

from chaincode.enterprise import api as enterprises
from chaincode.facts import violations
from chaincode.runtime.access import who
from chaincode.runtime.checks import require_choice, require_credit_code, require_quantity, require_text
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, InvalidInput
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, stamp_for
from chaincode.waste import codes as waste_codes, parties, rules, store
from chaincode.waste.rules import CONTAINERS, RECEIVED, REJECTED, RETURNED
from chaincode.waste.store import FACILITIES
from chaincode.waste.manifests import (
    CORRECTABLE, FACILITY_KIND, GENERATOR, MAX_REASON, SOURCE, VIOLATION_KIND, check_status, check_unlocked,
    intake_row, load_manifest, new_manifest, party_region, require_containers, require_transporters, rules_of,
    save_manifest, signed_transporters, usable_facility, visible, with_status,
)


class ManifestAfterReceipt(Contract):
    name = "Manifest"
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
