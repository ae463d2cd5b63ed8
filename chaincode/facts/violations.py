"""Violations: one writer API (:func:`record`, :func:`contest`, :func:`resolve`) and one reader API
(:func:`find`, :func:`load`, :func:`page_of`, :func:`count`).

Any domain that detects a violation (a monitoring exceedance, an allowance
shortfall, a manifest discrepancy, an enforcement action) records it here, and
the ``ViolationRecorded`` event is raised in the same transaction as the
domain's own event, so both reach clients in the transaction's event envelope.
Credit scoring and regulators read violations through the reader API only.

A violation record::

    {id, entity, region, year, kind, source, severity, veto, evidence,
     status: open | contested | resolved, contest, resolution, repaired, tx_id, at, by}

``severity`` is one of :data:`SEVERITIES`; ``veto`` marks the "one-vote veto"
kinds (:data:`VETO_KINDS`) that put an enterprise at the lowest credit level
whatever else it did. An enterprise may contest an open violation once
(``contest`` keeps its reason and stamp); a regulator resolves an open or
contested one with a reason and an outcome: ``upheld`` (the violation stands,
dealt with) or ``dismissed`` (it should not count).

A violation stays on the ledger for good. The credit domain may mark it
``repaired`` (:func:`repair`, after an approved credit repair): it then stops
adding points to the enterprise's green-credit score but keeps its status.
Every writer refreshes the enterprise's green-credit standing in the same
transaction (:func:`chaincode.facts.credit.refresh`).

Keys: ``violation`` (id) → record; indexes ``violation~entity`` (entity, year,
id), ``violation~region`` (region, year, id) and ``violation~at`` (entity,
recording time, id) — the last one reads an enterprise's violations of a
rolling window.
"""

from __future__ import annotations

from typing import Any

from chaincode.facts import credit
from chaincode.runtime import keys, pagination
from chaincode.runtime.checks import require_choice, require_credit_code, require_text, require_year
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import Conflict, InvalidInput
from chaincode.runtime.stamps import IdSequence, Stamp, new_id

OWNER = "facts.violations"
EVENT = "ViolationRecorded"
EVENT_CONTESTED = "ViolationContested"
EVENT_RESOLVED = "ViolationResolved"
EVENT_REPAIRED = "ViolationRepaired"

OPEN, CONTESTED, RESOLVED = "open", "contested", "resolved"
STATUSES = (OPEN, CONTESTED, RESOLVED)
MINOR, GENERAL, SERIOUS, SEVERE = "minor", "general", "serious", "severe"
SEVERITIES = (MINOR, GENERAL, SERIOUS, SEVERE)
UPHELD, DISMISSED = "upheld", "dismissed"
OUTCOMES = (UPHELD, DISMISSED)

# The "one-vote veto" kinds of the enterprise environmental credit evaluation: always severe.
VETO_KINDS = ("environmental_crime", "unapproved_construction", "hidden_discharge_pipe")

VIOLATIONS = keys.RecordKind(
    keys.namespace("violation", "id", owner=OWNER, description="violation id → violation record"),
    what="violation",
    indexes=(
        keys.Index(keys.namespace("violation~entity", "entity", "year", "id", owner=OWNER),
                   lambda record: [(record["entity"], record["year"])]),
        keys.Index(keys.namespace("violation~region", "region", "year", "id", owner=OWNER),
                   lambda record: [(record["region"], record["year"])]),
        keys.Index(keys.namespace("violation~at", "entity", "at", "id", owner=OWNER,
                                  description="an enterprise's violations by recording time"),
                   lambda record: [(record["entity"], record["at"])]),
    ),
)
BY_ENTITY, BY_REGION, BY_TIME = (index.namespace for index in VIOLATIONS.indexes)


# -- writer ------------------------------------------------------------------------------------


def record(ctx: TxContext, ids: IdSequence, stamp: Stamp, *, entity: str, region: str, year: int, kind: str,
           source: str, evidence: Any, severity: str = GENERAL) -> dict[str, Any]:
    """Write one open violation found by domain ``source`` and raise its event; returns the record."""
    require_credit_code(entity)
    require_text("region", region, 16)
    require_year("year", year)
    require_text("kind", kind, 64)
    require_text("source", source, 64)
    require_choice("severity", severity, SEVERITIES)
    if kind in VETO_KINDS and severity != SEVERE:
        raise InvalidInput(f"kind {kind} is a one-vote veto violation; its severity is {SEVERE}, not {severity}")
    violation = {
        "id": new_id(ctx, ids, "V", VIOLATIONS),
        "entity": entity,
        "region": region,
        "year": year,
        "kind": kind,
        "source": source,
        "severity": severity,
        "veto": kind in VETO_KINDS,
        "evidence": evidence,
        "status": OPEN,
        "contest": None,
        "resolution": None,
        "repaired": None,
        **stamp.record(),
    }
    ctx.save(VIOLATIONS, violation)
    ctx.emit(EVENT, {"violation": violation["id"], "entity": entity, "region": region, "year": year, "kind": kind,
                     "severity": severity, "source": source, "tx_id": ctx.tx_id})
    credit.refresh(ctx, entity, region)
    return violation


def contest(ctx: TxContext, violation: dict[str, Any], stamp: Stamp, reason: str) -> dict[str, Any]:
    """The enterprise disputes an open violation (once); raises ``ViolationContested``."""
    if violation["status"] != OPEN:
        raise Conflict(f"violation {violation['id']} is {violation['status']}; only an open violation can be "
                       f"contested")
    changed = {**violation, "status": CONTESTED, "contest": stamp.record(reason=reason)}
    ctx.save(VIOLATIONS, changed)
    ctx.emit(EVENT_CONTESTED, {"violation": violation["id"], "entity": violation["entity"],
                               "region": violation["region"], "reason": reason, "tx_id": ctx.tx_id})
    return changed


def resolve(ctx: TxContext, violation: dict[str, Any], stamp: Stamp, reason: str,
            outcome: str = UPHELD) -> dict[str, Any]:
    """A regulator closes an open or contested violation; raises ``ViolationResolved``."""
    require_choice("outcome", outcome, OUTCOMES)
    if violation["status"] == RESOLVED:
        raise Conflict(f"violation {violation['id']} is already resolved "
                       f"({violation['resolution']['outcome']} on {violation['resolution']['at']})")
    changed = {**violation, "status": RESOLVED, "resolution": stamp.record(reason=reason, outcome=outcome)}
    ctx.save(VIOLATIONS, changed)
    ctx.emit(EVENT_RESOLVED, {"violation": violation["id"], "entity": violation["entity"],
                              "region": violation["region"], "outcome": outcome, "reason": reason,
                              "tx_id": ctx.tx_id})
    credit.refresh(ctx, violation["entity"], violation["region"])
    return changed


def repair(ctx: TxContext, violation: dict[str, Any], stamp: Stamp, repair_id: str) -> dict[str, Any]:
    """Mark a violation repaired by an approved credit repair; raises ``ViolationRepaired``.

    The violation keeps its status and stays on the ledger; it no longer adds green-credit points."""
    if violation.get("repaired"):
        raise Conflict(f"violation {violation['id']} was repaired already (repair "
                       f"{violation['repaired']['repair']} on {violation['repaired']['at']})")
    changed = {**violation, "repaired": stamp.record(repair=repair_id)}
    ctx.save(VIOLATIONS, changed)
    ctx.emit(EVENT_REPAIRED, {"violation": violation["id"], "entity": violation["entity"],
                              "region": violation["region"], "repair": repair_id, "tx_id": ctx.tx_id})
    credit.refresh(ctx, violation["entity"], violation["region"])
    return changed


# -- reader ------------------------------------------------------------------------------------


def find(ctx: TxContext, violation_id: str) -> dict[str, Any] | None:
    return ctx.find(VIOLATIONS, violation_id)


def load(ctx: TxContext, violation_id: str) -> dict[str, Any]:
    """A violation that must exist ("violation V-… does not exist" otherwise)."""
    return ctx.load(VIOLATIONS, violation_id)


def page_of(ctx: TxContext, *, entity: str | None = None, region: str | None = None, year: int | None = None,
            limit: Any = None, bookmark: Any = None, keep: Any = lambda record: record) -> pagination.Page:
    """A page of violations of an enterprise or of a region (optionally one year), oldest year first.

    ``keep(record)`` filters (``None`` skips a record) within the bounded read of one page."""
    narrowing = [year] if year is not None else []
    if entity is not None:
        span = BY_ENTITY.span(entity, *narrowing)
    elif region is not None:
        span = BY_REGION.span(region, *narrowing)
    else:
        return ctx.page(VIOLATIONS.namespace.span(), limit, bookmark,
                        lambda key, value: keep(value) if year in (None, value["year"]) else None)
    return ctx.indexed(VIOLATIONS, span, limit, bookmark, keep)


def recorded_since(ctx: TxContext, entity: str, since: str) -> list[dict[str, Any]]:
    """An enterprise's violations recorded at or after ``since`` (ISO time), oldest first."""
    start = BY_TIME.prefix(entity) + since
    return [load(ctx, violation_id) for _, violation_id in ctx.range(start, BY_TIME.prefix(entity) + keys.MAX_RUNE)]


def of_region(ctx: TxContext, region: str, year: int) -> list[dict[str, Any]]:
    """Every violation of a region's year (for regional statistics)."""
    return [load(ctx, violation_id) for _, violation_id in ctx.range(*BY_REGION.span(region, year))]


def count(ctx: TxContext, entity: str, year: int) -> int:
    """How many violations an enterprise has in a year (reads the entity index only)."""
    return sum(1 for _ in ctx.range(*BY_ENTITY.span(entity, year)))
