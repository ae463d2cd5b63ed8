"""An enterprise's green-credit standing computed from the ledger, and the scorer the facts call.

:class:`LedgerScorer` is registered with :mod:`chaincode.facts.credit` when this domain is imported
(``chaincode.app`` imports every contract), so recording, resolving or repairing a violation refreshes
the enterprise's stored standing in the same transaction.
"""

from __future__ import annotations

from typing import Any

from chaincode.credit import rules
from chaincode.credit.parameters import CreditRules, load_rules
from chaincode.enterprise import api as enterprises
from chaincode.facts import credit as levels
from chaincode.facts import violations
from chaincode.registry import api as registry
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import NotFound

COMPARED = ("region", "level", "points", "veto", "valid_until", "basis")


def rules_of(ctx: TxContext) -> CreditRules:
    return load_rules(lambda name: registry.parameter(ctx, name))


def assess(ctx: TxContext, entity: str, credit_rules: CreditRules | None = None) -> dict[str, Any]:
    """``{level, points, veto, valid_until, facts}`` of an enterprise as of this transaction."""
    credit_rules = credit_rules or rules_of(ctx)
    now = rules.moment(ctx.timestamp)
    facts = violations.recorded_since(ctx, entity, rules.window_start(now, credit_rules))
    return rules.score(facts, credit_rules, now)


def _mark(at: str, tx_id: str | None) -> dict[str, Any]:
    return {"tx_id": tx_id, "at": at, "date": rules.china_date(at)}


def _registered(ctx: TxContext, entity: str) -> dict[str, Any] | None:
    try:
        return enterprises.enterprise(ctx, entity)
    except NotFound:
        return None


def _standing(entity: str, region: str, assessed: dict[str, Any], since: dict[str, Any],
              credit_rules: CreditRules, updated: dict[str, Any] | None) -> dict[str, Any]:
    return {"entity": entity, "region": region, "level": assessed["level"], "points": assessed["points"],
            "veto": assessed["veto"], "since": since, "updated": updated, "valid_until": assessed["valid_until"],
            "basis": credit_rules.basis}


def _still_valid(stored: dict[str, Any], credit_rules: CreditRules, now: str) -> bool:
    until = stored.get("valid_until")
    return stored.get("basis") == credit_rules.basis and (until is None or now < until)


class LedgerScorer:
    """Computes standings from violation records and the ``credit_*`` parameters."""

    def refresh(self, ctx: TxContext, entity: str, region: str) -> dict[str, Any] | None:
        credit_rules = rules_of(ctx)
        assessed = assess(ctx, entity, credit_rules)
        stored = levels.stored(ctx, entity)
        now = rules.iso(rules.moment(ctx.timestamp))
        if stored is not None and stored["level"] == assessed["level"]:
            since = stored["since"]
        elif stored is None and assessed["level"] == levels.GREEN:
            record = _registered(ctx, entity)
            since = _mark(record["registered"]["at"], record["registered"]["tx_id"]) if record else _mark(now, ctx.tx_id)
        else:
            since = _mark(now, ctx.tx_id)
        fresh = _standing(entity, region, assessed, since, credit_rules, {"tx_id": ctx.tx_id, "at": now})
        if stored is not None and all(stored.get(k) == fresh[k] for k in COMPARED):
            return stored
        levels.write(ctx, fresh)
        return fresh

    def current(self, ctx: TxContext, entity: str, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        credit_rules = rules_of(ctx)
        now = rules.iso(rules.moment(ctx.timestamp))
        if stored is not None and _still_valid(stored, credit_rules, now):
            return stored
        record = _registered(ctx, entity) if stored is None else None
        if stored is None and record is None:
            return None
        assessed = assess(ctx, entity, credit_rules)
        if stored is None:
            since = _mark(record["registered"]["at"], record["registered"]["tx_id"])
            if assessed["level"] != levels.GREEN:  # facts recorded before scoring was installed
                since = _mark(assessed["facts"][-1]["recorded"], None)
            return _standing(entity, record["region"], assessed, since, credit_rules, None)
        if stored["level"] == assessed["level"]:
            since = stored["since"]
        else:
            until = stored.get("valid_until")
            since = _mark(until if until is not None and until <= now else now, None)
        return _standing(entity, stored["region"], assessed, since, credit_rules, stored.get("updated"))


SCORER = LedgerScorer()
levels.register(SCORER)
