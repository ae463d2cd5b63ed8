"""Contract ``Permit``: issuing, holding, freezing and surrendering allowance lots.

Keys and indexes are declared in :mod:`chaincode.permit.store`. Lists are
paginated and read through an index: an enterprise's lots through
``lot~owner``, a regulator's through ``lot~region``. Lot ids are ``L-`` + 16
hex digits, surrender ids ``S-`` + 16, derived from the transaction id.
"""

from __future__ import annotations

from typing import Any

from chaincode.enterprise import api as enterprises
from chaincode.permit import lots as lot_states
from chaincode.permit import rules, store
from chaincode.permit.api import move_lots, rules_of, visible_lot
from chaincode.permit.scope import require_pollutant
from chaincode.permit.store import LOTS, SURRENDERS, load_lot, save_lot
from chaincode.registry import api as registry
from chaincode.runtime import pagination
from chaincode.runtime.access import Viewer
from chaincode.runtime.checks import require_credit_code, require_id, require_quantity, require_text, require_year
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, InvalidInput
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, new_id, stamp_for

EVENT_ISSUED = "AllowanceIssued"
EVENT_SURRENDERED = "AllowancesSurrendered"
EVENT_LOT_FROZEN = "LotFrozen"
EVENT_LOT_UNFROZEN = "LotUnfrozen"
MAX_BATCH = 500


class PermitContract(Contract):
    name = "Permit"

    # -- changes -----------------------------------------------------------------------------
    @transaction
    def issue(self, ctx: TxContext, entity: Any, pollutant: Any, vintage: Any, quantity: Any) -> dict[str, Any]:
        """A regulator issues ``quantity`` kg of ``pollutant``, vintage ``vintage``, to an enterprise of its region."""
        region = registry.acting_regulator(ctx, "Permit:Issue")
        [lot] = _issue_all(ctx, region, [{"entity": entity, "pollutant": pollutant, "vintage": vintage,
                                          "quantity": quantity}], where=lambda index: "")
        ctx.emit(EVENT_ISSUED, {"lot": lot["id"], "entity": entity, "region": region, "pollutant": pollutant,
                                "vintage": vintage, "quantity": quantity, "tx_id": ctx.tx_id})
        return lot

    @transaction
    def issue_batch(self, ctx: TxContext, lots: Any) -> dict[str, Any]:
        """Bulk issuance: up to 500 ``{entity, pollutant, vintage, quantity}`` in one transaction, all or none.

        One ``AllowancesIssued`` event summarizes the batch (count, kilograms per pollutant, lot ids)."""
        region = registry.acting_regulator(ctx, "Permit:IssueBatch")
        if not isinstance(lots, list) or not 1 <= len(lots) <= MAX_BATCH:
            raise InvalidInput(f"lots must be a list of 1 to {MAX_BATCH} objects {{entity, pollutant, vintage, "
                               f"quantity}}")
        issued = _issue_all(ctx, region, lots, where=lambda index: f"lots[{index}].")
        totals: dict[str, int] = {}
        for lot in issued:
            totals[lot["pollutant"]] = totals.get(lot["pollutant"], 0) + lot["quantity"]
        ctx.emit("AllowancesIssued", {"region": region, "count": len(issued), "kilograms": totals,
                                      "lots": [lot["id"] for lot in issued], "tx_id": ctx.tx_id})
        return {"count": len(issued), "lots": [lot["id"] for lot in issued], "kilograms": totals}

    @transaction
    def surrender(self, ctx: TxContext, pollutant: Any, year: Any, quantity: Any,
                  vintage: Any = None) -> dict[str, Any]:
        """An enterprise retires ``quantity`` kg against its emissions of ``year`` (vintages ≤ year, oldest
        first; only vintage ``vintage`` when given)."""
        holder = enterprises.acting_enterprise(ctx, "Permit:Surrender")
        require_pollutant(pollutant, rules_of(ctx))
        require_year("year", year)
        require_quantity("quantity", quantity)
        if vintage is not None:
            require_year("vintage", vintage)
            if vintage > year:
                raise InvalidInput(f"allowances of vintage {vintage} cannot be surrendered for emission year {year}: "
                                   f"a vintage counts for its own and later years only (no borrowing)")
        entity = holder["entity"]
        candidates = [lot for lot in store.held_lots(ctx, entity, pollutant, vintage) if lot["vintage"] <= year]
        enterprises.check_not_frozen(holder, "surrender allowances")
        what = f"{pollutant} of vintage {vintage}" if vintage is not None else f"{pollutant} of vintage ≤ {year}"
        rules.check_enough(entity, what, quantity, candidates)
        stamp = stamp_for(ctx)
        ids = IdSequence(ctx.tx_id)
        surrender_id = new_id(ctx, ids, "S", SURRENDERS)
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
        ctx.save(SURRENDERS, record)
        total_key = store.SURRENDERED.key(entity, pollutant, year)
        total = ctx.get_json(total_key) or {"entity": entity, "pollutant": pollutant, "year": year,
                                            "quantity": 0, "surrenders": 0}
        ctx.put_json(total_key, {**total, "quantity": total["quantity"] + quantity,
                                 "surrenders": total["surrenders"] + 1, "last": surrender_id})
        ctx.emit(EVENT_SURRENDERED, {"surrender": surrender_id, "entity": entity, "region": holder["region"],
                                     "pollutant": pollutant, "year": year, "quantity": quantity,
                                     "tx_id": ctx.tx_id})
        return record

    @transaction
    def freeze(self, ctx: TxContext, lot_id: Any, reason: Any) -> dict[str, Any]:
        """The regulator of the owner's region freezes one held lot."""
        region = registry.acting_regulator(ctx, "Permit:Freeze")
        require_id("lot_id", lot_id, "L")
        require_text("reason", reason)
        lot = _regional_lot(ctx, lot_id, region)
        rules.check_lot_freezable(lot)
        stamp = stamp_for(ctx)
        lot = lot_states.with_entry({**lot, "frozen": stamp.record(reason=reason)}, stamp, "frozen", reason=reason)
        save_lot(ctx, lot)
        ctx.emit(EVENT_LOT_FROZEN, {"lot": lot_id, "owner": lot["owner"], "region": region, "reason": reason,
                                    "tx_id": ctx.tx_id})
        return lot_states.public(lot)

    @transaction
    def unfreeze(self, ctx: TxContext, lot_id: Any, reason: Any) -> dict[str, Any]:
        region = registry.acting_regulator(ctx, "Permit:Unfreeze")
        require_id("lot_id", lot_id, "L")
        require_text("reason", reason)
        lot = _regional_lot(ctx, lot_id, region)
        rules.check_lot_is_frozen(lot)
        lot = lot_states.with_entry({**lot, "frozen": None}, stamp_for(ctx), "unfrozen", reason=reason)
        save_lot(ctx, lot)
        ctx.emit(EVENT_LOT_UNFROZEN, {"lot": lot_id, "owner": lot["owner"], "region": region, "reason": reason,
                                      "tx_id": ctx.tx_id})
        return lot_states.public(lot)

    # -- queries -----------------------------------------------------------------------------
    @transaction
    def lots(self, ctx: TxContext, owner: Any = None, region: Any = None, pollutant: Any = None,
             vintage: Any = None, status: Any = None, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """A page of the lots the caller may see, filtered by owner, owner's region, pollutant, vintage and
        status; read through the owner index (enterprises, or an owner filter) or the region index."""
        reader = enterprises.viewer(ctx, "Permit:Lots")
        if status is not None and status not in lot_states.STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(lot_states.STATUSES)}, got {status!r}")
        if vintage is not None:
            require_year("vintage", vintage)
        if pollutant is not None:
            require_text("pollutant", pollutant, 32)
        pagination.require_limit(limit)
        if reader.is_enterprise:
            if owner not in (None, reader.entity):
                raise AccessDenied(f"enterprise {reader.entity} may read its own lots only, not those of {owner}")
            owner = reader.entity
        if owner is not None:
            require_credit_code(owner, "owner")
        wanted = {"owner": owner, "owner_region": region, "status": status}

        def keep(lot: dict[str, Any]) -> dict[str, Any] | None:
            ok = reader.sees(regions=(lot["owner_region"], lot["issuing_region"]), parties=(lot["owner"],))
            return lot if ok and all(v is None or lot[k] == v for k, v in wanted.items()) else None

        narrowing = [value for value in (pollutant, vintage) if value is not None]
        if vintage is not None and pollutant is None:
            narrowing = []  # the indexes order pollutant before vintage
            wanted["vintage"] = vintage
        if owner is not None:
            span = store.BY_OWNER.span(owner, *narrowing)
        elif reader.is_regulator:
            span = store.BY_REGION.span(reader.region, *narrowing)
        elif region is not None:
            span = store.BY_REGION.span(region, *narrowing)
        else:
            span = LOTS.namespace.span()
            wanted.update({"pollutant": pollutant, "vintage": vintage})
            return ctx.page(span, limit, bookmark, lambda key, lot: keep(lot)).as_dict()
        return ctx.indexed(LOTS, span, limit, bookmark, keep).as_dict()

    @transaction
    def show(self, ctx: TxContext, lot_id: Any) -> dict[str, Any]:
        """One lot with its own provenance entries (the lot's history before a split: ``History``)."""
        lot = visible_lot(ctx, lot_id, "Permit:Show")
        own = store.entries(ctx, lot["id"], 0, lot["entries"] - 1) if lot["entries"] else []
        return {**lot_states.public(lot), "provenance": own}

    @transaction
    def history(self, ctx: TxContext, lot_id: Any, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """Provenance of a lot back to issuance, newest entry first, one page at a time.

        Each ancestor contributes its entries up to the split that created the next lot of the line,
        so only events that concern these units appear. ``root`` and ``depth`` say how far it goes."""
        lot = visible_lot(ctx, lot_id, "Permit:History")
        size = pagination.require_limit(limit)
        cursor_lot, cursor_seq = lot, lot["entries"] - 1
        if bookmark not in (None, ""):
            cursor_id, cursor_seq = _decode_history_bookmark(bookmark)
            cursor_lot = load_lot(ctx, cursor_id)
            if cursor_lot["root"] != lot["root"] or cursor_lot["depth"] > lot["depth"]:
                raise InvalidInput("bookmark belongs to the history of another lot; start again without --after")
        items: list[dict[str, Any]] = []
        while len(items) < size and cursor_lot is not None:
            first = max(0, cursor_seq - (size - len(items)) + 1)
            chunk = store.entries(ctx, cursor_lot["id"], first, cursor_seq)
            items.extend({"lot": cursor_lot["id"], **entry} for entry in reversed(chunk))
            if first > 0:
                cursor_seq = first - 1
            elif cursor_lot["parent"]:
                cursor_seq = cursor_lot["parent_entry"]
                cursor_lot = load_lot(ctx, cursor_lot["parent"])
            else:
                cursor_lot = None
        page = pagination.Page(items)
        if cursor_lot is not None:
            page.more = True
            page.bookmark = pagination.encode_bookmark(f"{cursor_lot['id']}|{cursor_seq}")
        return {"lot": lot["id"], "root": lot["root"], "depth": lot["depth"], **page.as_dict()}

    @transaction
    def holdings(self, ctx: TxContext, owner: Any = None) -> list[dict[str, Any]]:
        """Per owner, pollutant and vintage: kilograms held, of which frozen, escrowed, pending, retired."""
        reader = enterprises.viewer(ctx, "Permit:Holdings")
        if reader.is_enterprise:
            if owner not in (None, reader.entity):
                return []
            owner = reader.entity
        if owner is not None:
            require_credit_code(owner, "owner")
            selected = store.lots_in(ctx, store.BY_OWNER.span(owner))
        elif reader.is_regulator:
            selected = store.lots_in(ctx, store.BY_REGION.span(reader.region))
        else:
            selected = store.all_lots(ctx)
        rows: dict[tuple[str, str, int], dict[str, Any]] = {}
        for lot in selected:
            if not _sees_lot(reader, lot):
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
    def surrenders(self, ctx: TxContext, entity: Any = None, pollutant: Any = None, year: Any = None,
                   limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """A page of surrenders the caller may see, read through the entity or region index."""
        reader = enterprises.viewer(ctx, "Permit:Surrenders")
        pagination.require_limit(limit)
        if year is not None:
            require_year("year", year)
        if reader.is_enterprise:
            if entity not in (None, reader.entity):
                raise AccessDenied(f"enterprise {reader.entity} may read its own surrenders only")
            entity = reader.entity
        narrowing = [year] if year is not None else []
        if entity is not None:
            require_credit_code(entity)
            span = store.BY_ENTITY.span(entity, *narrowing)
        elif reader.is_regulator:
            span = store.SURRENDERS_BY_REGION.span(reader.region, *narrowing)
        else:
            span = None

        def keep(record: dict[str, Any]) -> dict[str, Any] | None:
            visible = reader.sees(regions=(record["region"],), parties=(record["entity"],))
            wanted = {"entity": entity, "pollutant": pollutant, "year": year}
            return record if visible and all(v is None or record[k] == v for k, v in wanted.items()) else None

        if span is None:
            return ctx.page(SURRENDERS.namespace.span(), limit, bookmark, lambda key, record: keep(record)).as_dict()
        return ctx.indexed(SURRENDERS, span, limit, bookmark, keep).as_dict()

    @transaction
    def totals(self, ctx: TxContext, pollutant: Any = None, vintage: Any = None,
               region: Any = None) -> list[dict[str, Any]]:
        """Per (pollutant, vintage): ``{issued, held, escrowed, retired, balanced}`` over lots issued by
        ``region`` (a regulator: its own region; the coordinator: all regions unless filtered)."""
        reader = enterprises.viewer(ctx, "Permit:Totals")
        if reader.is_enterprise:
            raise AccessDenied(f"role 'regulator' (or an identity of the coordinator organization) is required "
                               f"for Permit:Totals; enterprise {reader.entity} reads its own Permit:Holdings")
        if not reader.is_coordinator:
            if region not in (None, reader.region):
                raise AccessDenied(f"the regulator of region {reader.region} may not read totals of region {region}")
            region = reader.region
        if pollutant is not None:
            require_text("pollutant", pollutant, 32)
        if region is not None:
            narrowing = [pollutant] if pollutant is not None else []
            if pollutant is not None and vintage is not None:
                narrowing.append(vintage)
            source = store.lots_in(ctx, store.BY_REGION.span(region, *narrowing))
        else:
            source = store.all_lots(ctx)
        selected = (lot for lot in source
                    if region in (None, lot["issuing_region"]) and pollutant in (None, lot["pollutant"])
                    and vintage in (None, lot["vintage"]))
        return lot_states.totals(selected)


def _issue_all(ctx: TxContext, region: str, requests: list[Any], where: Any) -> list[dict[str, Any]]:
    """Check every request, then issue one lot per request (all or none)."""
    permit_rules = rules_of(ctx)
    checked = []
    for index, request in enumerate(requests):
        prefix = where(index)
        if not isinstance(request, dict) or set(request) != {"entity", "pollutant", "vintage", "quantity"}:
            raise InvalidInput(f"{prefix or 'each lot '}must be an object with exactly entity, pollutant, vintage "
                               f"and quantity")
        require_credit_code(request["entity"], f"{prefix}entity")
        require_pollutant(request["pollutant"], permit_rules)
        require_year(f"{prefix}vintage", request["vintage"])
        require_quantity(f"{prefix}quantity", request["quantity"])
        enterprises.regional_enterprise(ctx, request["entity"], region)
        checked.append(request)
    ids = IdSequence(ctx.tx_id)
    stamp = stamp_for(ctx)
    issued = []
    for request in checked:
        lot = lot_states.issue(new_id(ctx, ids, "L", LOTS), pollutant=request["pollutant"],
                               vintage=request["vintage"], region=region, owner=request["entity"],
                               quantity=request["quantity"], stamp=stamp)
        save_lot(ctx, lot)
        issued.append(lot_states.public({**lot, "entries": 1}))
    return issued


def _sees_lot(reader: Viewer, lot: dict[str, Any]) -> bool:
    return reader.sees(regions=(lot["owner_region"], lot["issuing_region"]), parties=(lot["owner"],))


def _regional_lot(ctx: TxContext, lot_id: str, region: str) -> dict[str, Any]:
    lot = load_lot(ctx, lot_id)
    if lot["owner_region"] != region:
        raise AccessDenied(f"lot {lot_id} is held in region {lot['owner_region']}, not in region {region}")
    return lot


def _decode_history_bookmark(bookmark: Any) -> tuple[str, int]:
    try:
        lot_id, seq = bytes.fromhex(str(bookmark)).decode("utf-8").split("|")
        return require_id("bookmark", lot_id, "L"), int(seq)
    except (ValueError, InvalidInput):
        raise InvalidInput("bookmark is not one a previous page of Permit:History returned") from None
