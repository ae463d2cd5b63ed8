"""Contract ``Permit``: issuing, holding, freezing and surrendering allowance lots.

Keys:

* ``lot:<lot id>`` → lot record with its provenance (see :mod:`chaincode.permits.lots`)
* ``held:<owner>:<pollutant>:<vintage>:<lot id>`` → ``{lot}``: index of held lots,
  present exactly while the lot is ``held``; listing and surrender range-scan it,
  so two transactions spending the same enterprise's lots conflict (MVCC)
* ``surrender:<surrender id>`` → surrender record
* ``surrendered:<owner>:<pollutant>:<year>`` → running total surrendered for an emission year

Lot ids are ``L-`` + 16 hex digits, surrender ids ``S-`` + 16, derived from the
transaction id.
"""

from __future__ import annotations

from typing import Any, Iterator

from chaincode import consortium
from chaincode.runtime.context import TxContext
from chaincode.contracts.enterprise import (
    acting_enterprise, acting_regulator, regional_enterprise, stamp_for, viewer,
)
from chaincode.runtime.errors import AccessDenied, Conflict, InvalidInput
from chaincode.runtime.checks import require_credit_code
from chaincode.permits import rules
from chaincode.permits import lots as lot_states
from chaincode.permits.access import ENTERPRISE
from chaincode.permits.parameters import PermitRules, load_rules
from chaincode.runtime.checks import require_quantity, require_year
from chaincode.permits.scope import require_pollutant
from chaincode.permits.stamps import IdSequence, Stamp
from chaincode.runtime.router import Contract, transaction

LOT_PREFIX = "lot:"
HELD_PREFIX = "held:"
SURRENDER_PREFIX = "surrender:"
SURRENDERED_PREFIX = "surrendered:"

EVENT_ISSUED = "AllowanceIssued"
EVENT_SURRENDERED = "AllowancesSurrendered"
EVENT_LOT_FROZEN = "LotFrozen"
EVENT_LOT_UNFROZEN = "LotUnfrozen"


class PermitContract(Contract):
    name = "Permit"

    # -- changes -----------------------------------------------------------------------------
    @transaction
    def issue(self, ctx: TxContext, entity: Any, pollutant: Any, vintage: Any, quantity: Any) -> dict[str, Any]:
        """A regulator issues ``quantity`` kg of ``pollutant``, vintage ``vintage``, to an enterprise of its region."""
        region = acting_regulator(ctx, "Permit:Issue")
        require_credit_code(entity)
        permit_rules = rules_of(ctx)
        require_pollutant(pollutant, permit_rules)
        require_year("vintage", vintage)
        require_quantity("quantity", quantity)
        regional_enterprise(ctx, entity, region)
        ids = IdSequence(ctx.tx_id)
        lot = lot_states.issue(new_lot_id(ctx, ids), pollutant=pollutant, vintage=vintage, region=region,
                               owner=entity, quantity=quantity, stamp=stamp_for(ctx))
        save_lot(ctx, lot)
        ctx.emit(EVENT_ISSUED, {"lot": lot["id"], "entity": entity, "region": region, "pollutant": pollutant,
                                "vintage": vintage, "quantity": quantity, "tx_id": ctx.tx_id})
        return lot

    @transaction
    def surrender(self, ctx: TxContext, pollutant: Any, year: Any, quantity: Any,
                  vintage: Any = None) -> dict[str, Any]:
        """An enterprise retires ``quantity`` kg against its emissions of ``year`` (vintages ≤ year, oldest
        first; only vintage ``vintage`` when given)."""
        holder = acting_enterprise(ctx, "Permit:Surrender")
        require_pollutant(pollutant, rules_of(ctx))
        require_year("year", year)
        require_quantity("quantity", quantity)
        if vintage is not None:
            require_year("vintage", vintage)
            if vintage > year:
                raise InvalidInput(f"allowances of vintage {vintage} cannot be surrendered for emission year {year}: "
                                   f"a vintage counts for its own and later years only (no borrowing)")
        entity = holder["entity"]
        candidates = [lot for lot in held_lots(ctx, entity, pollutant, vintage) if lot["vintage"] <= year]
        rules.check_not_frozen(holder, "surrender allowances")
        what = f"{pollutant} of vintage {vintage}" if vintage is not None else f"{pollutant} of vintage ≤ {year}"
        rules.check_enough(entity, what, quantity, candidates)
        stamp = stamp_for(ctx)
        ids = IdSequence(ctx.tx_id)
        surrender_id = new_id(ctx, ids, "S", SURRENDER_PREFIX)
        plan = lot_states.take([lot for lot in candidates if rules.surrenderable(lot, year)], quantity)
        retired = move_lots(ctx, plan, ids, stamp, "retired",
                            {"status": lot_states.RETIRED, "surrender": surrender_id}, surrender=surrender_id,
                            year=year)
        parts = [{"lot": lot["id"], "vintage": lot["vintage"], "quantity": lot["quantity"]} for lot in retired]
        record = {
            "id": surrender_id,
            "entity": entity,
            "region": holder["region"],
            "pollutant": pollutant,
            "year": year,
            "quantity": quantity,
            "lots": parts,
            **stamp.record(),
        }
        ctx.put_json(SURRENDER_PREFIX + surrender_id, record)
        total_key = surrendered_key(entity, pollutant, year)
        total = ctx.get_json(total_key) or {"entity": entity, "pollutant": pollutant, "year": year,
                                            "quantity": 0, "surrenders": []}
        ctx.put_json(total_key, {**total, "quantity": total["quantity"] + quantity,
                                 "surrenders": [*total["surrenders"], surrender_id]})
        ctx.emit(EVENT_SURRENDERED, {"surrender": surrender_id, "entity": entity, "region": holder["region"],
                                     "pollutant": pollutant, "year": year, "quantity": quantity,
                                     "tx_id": ctx.tx_id})
        return record

    @transaction
    def freeze(self, ctx: TxContext, lot_id: Any, reason: Any) -> dict[str, Any]:
        """The regulator of the owner's region freezes one held lot."""
        region = acting_regulator(ctx, "Permit:Freeze")
        rules.require_id("lot_id", lot_id, "L")
        rules.require_text("reason", reason)
        lot = regional_lot(ctx, lot_id, region)
        rules.check_lot_freezable(lot)
        stamp = stamp_for(ctx)
        lot = lot_states.with_entry({**lot, "frozen": stamp.record(reason=reason)}, stamp, "frozen", reason=reason)
        save_lot(ctx, lot)
        ctx.emit(EVENT_LOT_FROZEN, {"lot": lot_id, "owner": lot["owner"], "region": region, "reason": reason,
                                    "tx_id": ctx.tx_id})
        return lot

    @transaction
    def unfreeze(self, ctx: TxContext, lot_id: Any, reason: Any) -> dict[str, Any]:
        region = acting_regulator(ctx, "Permit:Unfreeze")
        rules.require_id("lot_id", lot_id, "L")
        rules.require_text("reason", reason)
        lot = regional_lot(ctx, lot_id, region)
        rules.check_lot_is_frozen(lot)
        lot = lot_states.with_entry({**lot, "frozen": None}, stamp_for(ctx), "unfrozen", reason=reason)
        save_lot(ctx, lot)
        ctx.emit(EVENT_LOT_UNFROZEN, {"lot": lot_id, "owner": lot["owner"], "region": region, "reason": reason,
                                      "tx_id": ctx.tx_id})
        return lot

    # -- queries -----------------------------------------------------------------------------
    @transaction
    def lots(self, ctx: TxContext, owner: Any = None, region: Any = None, pollutant: Any = None,
             vintage: Any = None, status: Any = None) -> list[dict[str, Any]]:
        """Lots the caller may see (without provenance), filtered by owner, owner's region, pollutant,
        vintage and status."""
        reader = viewer(ctx, "Permit:Lots")
        if status is not None and status not in lot_states.STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(lot_states.STATUSES)}, got {status!r}")
        if owner is not None and reader.kind == ENTERPRISE and owner != reader.entity:
            raise AccessDenied(f"enterprise {reader.entity} may read its own lots only, not those of {owner}")
        wanted = {"owner": owner, "owner_region": region, "pollutant": pollutant, "vintage": vintage,
                  "status": status}
        return [lot_states.public(lot) for lot in all_lots(ctx)
                if reader.sees_lot(lot) and all(v is None or lot[k] == v for k, v in wanted.items())]

    @transaction
    def show(self, ctx: TxContext, lot_id: Any) -> dict[str, Any]:
        """One lot with its provenance entries."""
        return visible_lot(ctx, lot_id, "Permit:Show")

    @transaction
    def history(self, ctx: TxContext, lot_id: Any) -> dict[str, Any]:
        """Provenance of a lot back to issuance: ``{lot, root, lineage, owners, entries}``."""
        visible_lot(ctx, lot_id, "Permit:History")
        return lot_states.history(lambda ancestor: load_lot(ctx, ancestor), lot_id)

    @transaction
    def holdings(self, ctx: TxContext, owner: Any = None) -> list[dict[str, Any]]:
        """Per owner, pollutant and vintage: kilograms held, of which frozen, escrowed, pending, retired."""
        reader = viewer(ctx, "Permit:Holdings")
        rows: dict[tuple[str, str, int], dict[str, Any]] = {}
        for lot in all_lots(ctx):
            if not reader.sees_lot(lot) or owner not in (None, lot["owner"]):
                continue
            key = (lot["owner"], lot["pollutant"], lot["vintage"])
            row = rows.setdefault(key, {"owner": key[0], "region": lot["owner_region"], "pollutant": key[1],
                                        "vintage": key[2], "held": 0, "frozen": 0, "escrowed": 0, "pending": 0,
                                        "retired": 0})
            row[lot["status"]] += lot["quantity"]
            if lot["frozen"]:
                row["frozen"] += lot["quantity"]
        return [rows[key] for key in sorted(rows)]

    @transaction
    def surrenders(self, ctx: TxContext, entity: Any = None, pollutant: Any = None,
                   year: Any = None) -> list[dict[str, Any]]:
        reader = viewer(ctx, "Permit:Surrenders")
        wanted = {"entity": entity, "pollutant": pollutant, "year": year}
        return [record for _, record in ctx.scan(SURRENDER_PREFIX)
                if reader.sees_surrender(record) and all(v is None or record[k] == v for k, v in wanted.items())]

    @transaction
    def totals(self, ctx: TxContext, pollutant: Any = None, vintage: Any = None,
               region: Any = None) -> list[dict[str, Any]]:
        """Per (pollutant, vintage): ``{issued, held, escrowed, retired, balanced}`` over lots issued by
        ``region`` (a regulator: its own region; the coordinator: all regions unless filtered)."""
        reader = viewer(ctx, "Permit:Totals")
        if reader.kind == ENTERPRISE:
            raise AccessDenied(f"role 'regulator' (or an identity of the coordinator organization) is required "
                               f"for Permit:Totals; enterprise {reader.entity} reads its own Permit:Holdings")
        if not reader.is_coordinator:
            if region not in (None, reader.region):
                raise AccessDenied(f"the regulator of region {reader.region} may not read totals of region {region}")
            region = reader.region
        selected = (lot for lot in all_lots(ctx)
                    if region in (None, lot["issuing_region"]) and pollutant in (None, lot["pollutant"])
                    and vintage in (None, lot["vintage"]))
        return lot_states.totals(selected)


# -- ledger helpers shared with the Market contract ------------------------------------------


def rules_of(ctx: TxContext) -> PermitRules:
    return load_rules(lambda name, default: consortium.parameter(ctx, name, default))


def lot_key(lot_id: str) -> str:
    return LOT_PREFIX + lot_id


def held_key(lot: dict[str, Any]) -> str:
    return f"{HELD_PREFIX}{lot['owner']}:{lot['pollutant']}:{lot['vintage']:04d}:{lot['id']}"


def surrendered_key(entity: str, pollutant: str, year: int) -> str:
    return f"{SURRENDERED_PREFIX}{entity}:{pollutant}:{year:04d}"


def new_id(ctx: TxContext, ids: IdSequence, prefix: str, key_prefix: str) -> str:
    """The next id of this transaction for an object stored under ``key_prefix``; never reuses a key."""
    object_id = ids.next(prefix)
    if ctx.get(key_prefix + object_id) is not None:
        raise Conflict(f"id {object_id} derived from transaction {ctx.tx_id} already exists")
    return object_id


def new_lot_id(ctx: TxContext, ids: IdSequence) -> str:
    return new_id(ctx, ids, "L", LOT_PREFIX)


def move_lots(ctx: TxContext, plan: list[tuple[dict[str, Any], int]], ids: IdSequence, stamp: Stamp, action: str,
              changes: dict[str, Any], **details: Any) -> list[dict[str, Any]]:
    """Move each ``(lot, part)`` of ``plan`` into the state ``changes`` describes (splitting where
    needed), write every lot touched and return the moved lots."""
    moved = []
    for lot, part in plan:
        carved = lot_states.carve(lot, part, child_id=new_lot_id(ctx, ids), stamp=stamp, action=action,
                                  changes=changes, **details)
        for changed in carved.lots:
            save_lot(ctx, changed)
        moved.append(carved.moved)
    return moved


def load_lot(ctx: TxContext, lot_id: str) -> dict[str, Any]:
    return ctx.require_json(lot_key(lot_id), f"lot {lot_id}")


def save_lot(ctx: TxContext, lot: dict[str, Any]) -> None:
    """Write a lot and keep the held-lots index in step with its status."""
    previous = ctx.get_json(lot_key(lot["id"]))
    if previous is not None and previous["status"] == lot_states.HELD:
        ctx.delete(held_key(previous))
    ctx.put_json(lot_key(lot["id"]), lot)
    if lot["status"] == lot_states.HELD:
        ctx.put_json(held_key(lot), {"lot": lot["id"]})


def held_lots(ctx: TxContext, owner: str, pollutant: str, vintage: int | None = None) -> list[dict[str, Any]]:
    """The owner's held lots of a pollutant (and vintage), oldest vintage first, frozen ones included."""
    prefix = f"{HELD_PREFIX}{owner}:{pollutant}:" + (f"{vintage:04d}:" if vintage is not None else "")
    return [load_lot(ctx, entry["lot"]) for _, entry in ctx.scan(prefix)]


def all_lots(ctx: TxContext) -> Iterator[dict[str, Any]]:
    for _, lot in ctx.scan(LOT_PREFIX):
        yield lot


def regional_lot(ctx: TxContext, lot_id: str, region: str) -> dict[str, Any]:
    lot = load_lot(ctx, lot_id)
    if lot["owner_region"] != region:
        raise AccessDenied(f"lot {lot_id} is held in region {lot['owner_region']}, not in region {region}")
    return lot


def visible_lot(ctx: TxContext, lot_id: Any, function: str) -> dict[str, Any]:
    reader = viewer(ctx, function)
    rules.require_id("lot_id", lot_id, "L")
    lot = load_lot(ctx, lot_id)
    if not reader.sees_lot(lot):
        raise AccessDenied(f"lot {lot_id} is outside the data permission of {ctx.caller.name}@{ctx.caller.msp_id}")
    return lot


def surrendered_quantity(ctx: TxContext, entity: str, pollutant: str, year: int) -> int:
    """Kilograms an enterprise has surrendered for an emission year (for compliance checks)."""
    record = ctx.get_json(surrendered_key(entity, pollutant, year))
    return 0 if record is None else record["quantity"]

