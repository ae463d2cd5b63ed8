"""Green-credit standings: one writer (:func:`write`, for the credit domain), one reader (:func:`level`,
:func:`standing`), and the refresh hook facts call when they change.

Key ``credit`` (entity) → a standing::

    {entity, region, level, points, veto, since: {tx_id, at, date}, updated: {tx_id, at},
     valid_until, basis}

indexed by ``credit~level`` (level, region, entity). ``level`` is one of
:data:`LEVELS`; ``since`` is when the enterprise reached it (``date`` in China
Standard Time); ``valid_until`` is the moment the oldest counted fact leaves
the scoring window (``None`` when nothing counts); ``basis`` fingerprints the
scoring parameters the standing was computed with.

Facts stay free of any domain: the credit domain registers its
:class:`Scorer` at start-up (:func:`register`). :mod:`chaincode.facts.violations`
calls :func:`refresh` in the very transaction that records, resolves or
repairs a violation, so the stored standing is current; :func:`standing` also
asks the scorer whether a stored standing went stale meanwhile (a fact left
the window, the consortium changed a scoring parameter) and then returns the
recomputed one, so every contract reads the level as of its own transaction
time. Without a registered scorer the stored standing is returned as it is,
and no record means the enterprise is not rated (no restriction).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Protocol

from chaincode.runtime import keys
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import Conflict, InvalidInput

OWNER = "facts.credit"
GREEN, BLUE, YELLOW, RED = "green", "blue", "yellow", "red"
LEVELS = (GREEN, BLUE, YELLOW, RED)
NAMES = {GREEN: "诚信", BLUE: "良好", YELLOW: "警示", RED: "不良"}

STANDINGS = keys.RecordKind(
    keys.namespace("credit", "entity", owner=OWNER, description="credit code → green-credit standing"),
    what="credit standing",
    id_field="entity",
    indexes=(keys.Index(keys.namespace("credit~level", "level", "region", "entity", owner=OWNER,
                                       description="enterprises by stored green-credit level and region"),
                        lambda record: [(record["level"], record["region"])]),),
)
CREDIT = STANDINGS.namespace
BY_LEVEL = STANDINGS.indexes[0].namespace


class Scorer(Protocol):
    """What the credit domain registers: how a standing is computed and kept."""

    def refresh(self, ctx: TxContext, entity: str, region: str) -> dict[str, Any] | None:
        """Recompute an enterprise's standing now and store it (when it changed)."""

    def current(self, ctx: TxContext, entity: str, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        """The standing as of this transaction: ``stored`` when still valid, else recomputed (no write)."""


_scorer: list[Scorer] = []


def register(scorer: Scorer) -> None:
    """Install the credit domain's scorer (once, at start-up; the same one again is a no-op)."""
    if _scorer and _scorer[0] is not scorer:
        raise ValueError("a green-credit scorer is registered already")
    if not _scorer:
        _scorer.append(scorer)


def refresh(ctx: TxContext, entity: str, region: str) -> dict[str, Any] | None:
    """Bring an enterprise's stored standing up to date (called whenever one of its facts changes)."""
    return _scorer[0].refresh(ctx, entity, region) if _scorer else None


# -- reader ------------------------------------------------------------------------------------


def stored(ctx: TxContext, entity: str) -> dict[str, Any] | None:
    """The standing as last written, without any recomputation."""
    record = ctx.get_json(CREDIT.key(entity))
    return record if isinstance(record, dict) else None


def standing(ctx: TxContext, entity: str) -> dict[str, Any] | None:
    """The enterprise's standing as of this transaction, or ``None`` when it is not rated."""
    record = stored(ctx, entity)
    return _scorer[0].current(ctx, entity, record) if _scorer else record


def level(ctx: TxContext, entity: str) -> str | None:
    """The enterprise's green-credit level (green, blue, yellow, red), or ``None`` when it is not rated."""
    record = standing(ctx, entity)
    value = record.get("level") if record is not None else None
    return value if value in LEVELS else None


def describe(value: str) -> str:
    """``red (不良)``."""
    return f"{value} ({NAMES[value]})" if value in NAMES else str(value)


def since_date(record: Mapping[str, Any] | None) -> str | None:
    since = record.get("since") if record is not None else None
    return since.get("date") if isinstance(since, dict) else None


# -- writer ------------------------------------------------------------------------------------


def write(ctx: TxContext, record: dict[str, Any]) -> dict[str, Any]:
    """Store an enterprise's standing (the credit domain's only way to publish it)."""
    if record.get("level") not in LEVELS:
        raise InvalidInput(f"level must be one of {', '.join(LEVELS)}, got {record.get('level')!r}")
    ctx.save(STANDINGS, record)
    return record


# -- joint punishment -------------------------------------------------------------------------


def check_market_access(entity: str, current: Mapping[str, Any] | str | None, barred: Iterable[str],
                        action: str) -> None:
    """Joint punishment: enterprises at a barred green-credit level stay out of the market.

    ``current`` is the enterprise's standing (or just its level); the refusal names the level, since
    when, and the rule: "enterprise X is red (不良) since 2026-05-02: it may not buy allowances"."""
    record = current if isinstance(current, Mapping) else ({"level": current} if current else None)
    value = record.get("level") if record is not None else None
    if value is not None and value in tuple(barred):
        since = since_date(record)
        raise Conflict(f"enterprise {entity} is {describe(value)}{f' since {since}' if since else ''}: it may "
                       f"not {action} (joint punishment of green-credit level {value}, parameter "
                       f"credit_market_barred)")
