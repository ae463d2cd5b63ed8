"""Keys, indexes and provenance entries of the permit domain.

* ``lot`` (id) → the lot record, without its history: ``entries`` counts its provenance entries
* ``lot~entry`` (lot, seq) → one provenance entry; a lot's history is assembled from these,
  so a lot record stays the same size however often it is listed, split or traded
* ``lot~owner`` (owner, pollutant, vintage, id): every lot of an owner, for its listings and holdings
* ``lot~region`` (region, pollutant, vintage, id): every lot held in or issued by a region
* ``lot~held`` (owner, pollutant, vintage, id): present exactly while the lot is ``held``;
  listing and surrender range-read it, so two transactions spending the same enterprise's
  lots conflict (MVCC)
* ``surrender`` (id) with indexes ``surrender~entity`` and ``surrender~region`` (by year)
* ``surrendered`` (entity, pollutant, year) → running total surrendered for an emission year
"""

from __future__ import annotations

from typing import Any, Iterator

from chaincode.permit import lots as lot_states
from chaincode.runtime import keys
from chaincode.runtime.context import TxContext

OWNER = "permit"

LOTS = keys.RecordKind(
    keys.namespace("lot", "id", owner=OWNER, description="lot id → lot record"),
    what="lot",
    indexes=(
        keys.Index(keys.namespace("lot~owner", "owner", "pollutant", "vintage", "id", owner=OWNER),
                   lambda lot: [(lot["owner"], lot["pollutant"], lot["vintage"])]),
        keys.Index(keys.namespace("lot~region", "region", "pollutant", "vintage", "id", owner=OWNER),
                   lambda lot: {(region, lot["pollutant"], lot["vintage"])
                                for region in (lot["owner_region"], lot["issuing_region"])}),
        keys.Index(keys.namespace("lot~held", "owner", "pollutant", "vintage", "id", owner=OWNER),
                   lambda lot: [(lot["owner"], lot["pollutant"], lot["vintage"])]
                   if lot["status"] == lot_states.HELD else []),
    ),
)
BY_OWNER, BY_REGION, HELD = (index.namespace for index in LOTS.indexes)
ENTRIES = keys.namespace("lot~entry", "lot", "seq", owner=OWNER, description="provenance entry of a lot")

SURRENDERS = keys.RecordKind(
    keys.namespace("surrender", "id", owner=OWNER, description="surrender id → surrender record"),
    what="surrender",
    indexes=(
        keys.Index(keys.namespace("surrender~entity", "entity", "year", "id", owner=OWNER),
                   lambda record: [(record["entity"], record["year"])]),
        keys.Index(keys.namespace("surrender~region", "region", "year", "id", owner=OWNER),
                   lambda record: [(record["region"], record["year"])]),
    ),
)
BY_ENTITY, SURRENDERS_BY_REGION = (index.namespace for index in SURRENDERS.indexes)
SURRENDERED = keys.namespace("surrendered", "entity", "pollutant", "year", owner=OWNER,
                             description="kilograms surrendered by an enterprise for an emission year")


def load_lot(ctx: TxContext, lot_id: str) -> dict[str, Any]:
    """A lot as the rules use it: ``provenance`` holds the entries this transaction adds (none yet)."""
    return {**ctx.load(LOTS, lot_id), "provenance": []}


def save_lot(ctx: TxContext, lot: dict[str, Any]) -> None:
    """Write a lot, its new provenance entries and its index entries."""
    record = dict(lot)
    new = record.pop("provenance", [])
    first = record.get("entries", 0)
    for offset, entry in enumerate(new):
        ctx.put_json(ENTRIES.key(record["id"], first + offset), entry)
    record["entries"] = first + len(new)
    ctx.save(LOTS, record)


def held_lots(ctx: TxContext, owner: str, pollutant: str, vintage: int | None = None) -> list[dict[str, Any]]:
    """The owner's held lots of a pollutant (and vintage), oldest vintage first, frozen ones included."""
    span = HELD.span(owner, pollutant) if vintage is None else HELD.span(owner, pollutant, vintage)
    return [load_lot(ctx, lot_id) for _, lot_id in ctx.range(*span)]


def lots_in(ctx: TxContext, span: tuple[str, str]) -> Iterator[dict[str, Any]]:
    """Every lot an index range names (for aggregates: holdings and totals)."""
    for _, lot_id in ctx.range(*span):
        yield ctx.load(LOTS, lot_id)


def all_lots(ctx: TxContext) -> Iterator[dict[str, Any]]:
    for _, lot in ctx.range(*LOTS.namespace.span()):
        yield lot


def entries(ctx: TxContext, lot_id: str, first: int, last: int) -> list[dict[str, Any]]:
    """Entries ``first..last`` (inclusive) of a lot, oldest first, in one range read."""
    start = ENTRIES.key(lot_id, first)
    end = ENTRIES.key(lot_id, last + 1)
    return [entry for _, entry in ctx.range(start, end)]


def surrendered_quantity(ctx: TxContext, entity: str, pollutant: str, year: int) -> int:
    record = ctx.get_json(SURRENDERED.key(entity, pollutant, year))
    return 0 if record is None else record["quantity"]
