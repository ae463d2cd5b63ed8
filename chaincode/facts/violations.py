"""Violations: one writer API (:func:`record`) and one reader API (:func:`page_of`, :func:`count`).

Any domain that detects a violation (a monitoring exceedance, an allowance
shortfall, a manifest discrepancy, an enforcement action) records it here, and
raises a ``ViolationRecorded`` event in the same transaction as its own event,
so both reach clients in the transaction's event envelope. Credit scoring and
regulators read violations through the reader API only.

Keys: ``violation`` (id) → record; indexes ``violation~entity`` (entity, year,
id) and ``violation~region`` (region, year, id).
"""

from __future__ import annotations

from typing import Any

from chaincode.runtime import keys, pagination
from chaincode.runtime.checks import require_credit_code, require_text, require_year
from chaincode.runtime.context import TxContext
from chaincode.runtime.stamps import IdSequence, Stamp, new_id

OWNER = "facts.violations"
EVENT = "ViolationRecorded"

VIOLATIONS = keys.RecordKind(
    keys.namespace("violation", "id", owner=OWNER, description="violation id → violation record"),
    what="violation",
    indexes=(
        keys.Index(keys.namespace("violation~entity", "entity", "year", "id", owner=OWNER),
                   lambda record: [(record["entity"], record["year"])]),
        keys.Index(keys.namespace("violation~region", "region", "year", "id", owner=OWNER),
                   lambda record: [(record["region"], record["year"])]),
    ),
)
BY_ENTITY, BY_REGION = (index.namespace for index in VIOLATIONS.indexes)


def record(ctx: TxContext, ids: IdSequence, stamp: Stamp, *, entity: str, region: str, year: int, kind: str,
           source: str, detail: dict[str, Any]) -> dict[str, Any]:
    """Write one violation found by domain ``source`` and raise its event; returns the record."""
    require_credit_code(entity)
    require_text("region", region, 16)
    require_year("year", year)
    require_text("kind", kind, 64)
    require_text("source", source, 64)
    violation = {
        "id": new_id(ctx, ids, "V", VIOLATIONS),
        "entity": entity,
        "region": region,
        "year": year,
        "kind": kind,
        "source": source,
        "detail": detail,
        "resolved": None,
        **stamp.record(),
    }
    ctx.save(VIOLATIONS, violation)
    ctx.emit(EVENT, {"violation": violation["id"], "entity": entity, "region": region, "kind": kind,
                     "source": source, "tx_id": ctx.tx_id})
    return violation


def page_of(ctx: TxContext, *, entity: str | None = None, region: str | None = None, year: int | None = None,
            limit: Any = None, bookmark: Any = None) -> pagination.Page:
    """A page of violations of an enterprise or of a region (optionally one year), oldest year first."""
    narrowing = [year] if year is not None else []
    if entity is not None:
        span = BY_ENTITY.span(entity, *narrowing)
    elif region is not None:
        span = BY_REGION.span(region, *narrowing)
    else:
        return ctx.page(VIOLATIONS.namespace.span(), limit, bookmark)
    return ctx.indexed(VIOLATIONS, span, limit, bookmark)


def count(ctx: TxContext, entity: str, year: int) -> int:
    """How many violations an enterprise has in a year (reads the entity index only)."""
    return sum(1 for _ in ctx.range(*BY_ENTITY.span(entity, year)))
