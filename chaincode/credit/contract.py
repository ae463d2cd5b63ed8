"""Contract ``Credit``: green-credit levels derived from ledger facts, their explanation, repairs and the
regional board.

* ``Credit:Show`` / ``Credit:Explain`` — an enterprise's level, points and since when; the explanation
  lists every violation of the scoring window with its points, its state (counting, expired, dismissed,
  repaired) and when it stops counting. Levels are public to every consortium reader (regulators of any
  region, enterprises, the coordinator): joint punishment needs everyone to read the same level. The
  explanation names the violations (id, kind, severity, source, time) but not their evidence, which
  stays behind ``Violation:Show``.
* ``Credit:List`` — a page of enterprises with their level, by region and/or level.
* ``Credit:RepairApply`` — an enterprise names violations of its own it has fixed, with the fingerprint
  of its evidence; ``Credit:RepairApprove`` / ``Credit:RepairRefuse`` — the regulator of its region
  decides, with a reason. An approved repair marks the violations repaired (they stay on the ledger and
  in the explanation) and the level is recomputed in the same transaction.
* ``Credit:Repair`` / ``Credit:Repairs`` — one repair, a page of repairs (enterprise: its own;
  regulator: its region; coordinator: all).
* ``Credit:Board`` — per region: distribution of levels, violations per 100 enterprises, compliance
  rate and the monthly trend of a year; the same numbers for every reader.

The score itself: :mod:`chaincode.credit.rules`; parameters: :mod:`chaincode.credit.parameters`.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from chaincode.credit import rules, standing, store
from chaincode.credit.store import PENDING_FACTS, REPAIRS
from chaincode.enterprise import api as enterprises
from chaincode.facts import credit as levels
from chaincode.facts import violations
from chaincode.registry import api as registry
from chaincode.runtime import pagination
from chaincode.runtime.access import outside
from chaincode.runtime.checks import require_choice, require_credit_code, require_id, require_text, require_year
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, InvalidInput
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, new_id, stamp_for
from common.names import REGION_KIND

EVENT_REPAIR_APPLIED = "CreditRepairApplied"
EVENT_REPAIR_APPROVED = "CreditRepairApproved"
EVENT_REPAIR_REFUSED = "CreditRepairRefused"
MAX_FACTS = 20
MAX_REASON = 1000
SHA256 = re.compile(r"[0-9a-f]{64}")
ONE_DECIMAL = Decimal("0.1")


def require_evidence(value: Any) -> dict[str, Any]:
    """The fingerprint of an evidence document: ``{sha256, size?, name?}``."""
    if not isinstance(value, dict) or not isinstance(value.get("sha256"), str) \
            or not SHA256.fullmatch(value["sha256"]):
        raise InvalidInput(f"evidence must be a document fingerprint {{sha256: 64 lowercase hex digits, size, "
                           f"name}}, got {value!r}"[:200])
    extra = set(value) - {"sha256", "size", "name"}
    if extra:
        raise InvalidInput(f"evidence has unknown field(s) {', '.join(sorted(extra))}; accepted: sha256, size, name")
    size = value.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise InvalidInput(f"evidence size must be a whole number of bytes, got {size!r}")
    if value.get("name") is not None:
        require_text("evidence name", value["name"], 200)
    return value


def _summary(ctx: TxContext, record: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    credit_rules = standing.rules_of(ctx)
    return {
        "entity": record["entity"],
        "name": record["name"],
        "region": record["region"],
        "level": current["level"],
        "level_name": levels.NAMES[current["level"]],
        "points": current["points"],
        "veto": current["veto"],
        "since": current["since"],
        "valid_until": current["valid_until"],
        "thresholds": {"blue_max": credit_rules.blue_max, "red_from": credit_rules.red_from},
        "window_days": credit_rules.window_days,
    }


class CreditContract(Contract):
    name = "Credit"

    # -- reading levels ------------------------------------------------------------------------
    @transaction
    def show(self, ctx: TxContext, entity: Any) -> dict[str, Any]:
        """An enterprise's level, points and since when (any consortium reader)."""
        enterprises.viewer(ctx, "Credit:Show")
        require_credit_code(entity)
        record = enterprises.enterprise(ctx, entity)
        return _summary(ctx, record, levels.standing(ctx, entity))

    @transaction
    def explain(self, ctx: TxContext, entity: Any) -> dict[str, Any]:
        """Every violation of the scoring window, what it adds and until when (any consortium reader)."""
        enterprises.viewer(ctx, "Credit:Explain")
        require_credit_code(entity)
        record = enterprises.enterprise(ctx, entity)
        current = levels.standing(ctx, entity)
        assessed = standing.assess(ctx, entity)
        return {**_summary(ctx, record, current), "facts": assessed["facts"]}

    @transaction
    def list(self, ctx: TxContext, region: Any = None, level: Any = None, limit: Any = None,
             bookmark: Any = None) -> dict[str, Any]:
        """A page of enterprises with their current level, by region and/or level.

        Levels other than green are read through the ``credit~level`` index; green (and no level) through
        the enterprise register's region index, since an enterprise without any fact is green."""
        enterprises.viewer(ctx, "Credit:List")
        pagination.require_limit(limit)
        if region is not None:
            require_text("region", region, 16)
        if level is not None:
            require_choice("level", level, levels.LEVELS)

        def row(record: dict[str, Any]) -> dict[str, Any] | None:
            current = levels.standing(ctx, record["entity"])
            if current is None or level not in (None, current["level"]):
                return None
            return {"entity": record["entity"], "name": record["name"], "region": record["region"],
                    "level": current["level"], "level_name": levels.NAMES[current["level"]],
                    "points": current["points"], "since": current["since"]}

        if level in (None, levels.GREEN):
            return enterprises.page_of(ctx, region, limit, bookmark, row).as_dict()
        span = levels.BY_LEVEL.span(level, region) if region is not None else levels.BY_LEVEL.span(level)
        return ctx.page(span, limit, bookmark,
                        lambda key, entity: row(enterprises.enterprise(ctx, entity))).as_dict()

    # -- repair --------------------------------------------------------------------------------
    @transaction
    def repair_apply(self, ctx: TxContext, facts: Any, evidence: Any, note: Any = None) -> dict[str, Any]:
        """An enterprise asks to have fixed violations of its own no longer counted."""
        holder = enterprises.acting_enterprise(ctx, "Credit:RepairApply")
        entity = holder["entity"]
        if not isinstance(facts, list) or not 1 <= len(facts) <= MAX_FACTS:
            raise InvalidInput(f"facts must be a list of 1 to {MAX_FACTS} violation ids, got {facts!r}"[:200])
        for violation_id in facts:
            require_id("fact", violation_id, "V")
        if len(set(facts)) != len(facts):
            raise InvalidInput("facts must not repeat a violation")
        require_evidence(evidence)
        if note is not None:
            require_text("note", note, MAX_REASON)
        credit_rules = standing.rules_of(ctx)
        now = rules.moment(ctx.timestamp)
        for violation_id in facts:
            violation = violations.load(ctx, violation_id)
            if violation["entity"] != entity:
                raise AccessDenied(f"violation {violation_id} concerns enterprise {violation['entity']}; enterprise "
                                   f"{entity} applies to repair its own violations only")
            line = rules.contribution(violation, credit_rules, now)
            if line["state"] != rules.COUNTING:
                raise Conflict(f"violation {violation_id} is {line['state']} and adds no points; there is nothing "
                               f"to repair")
            pending = ctx.get_json(PENDING_FACTS.key(violation_id))
            if pending is not None:
                raise Conflict(f"violation {violation_id} is already named by pending repair {pending}")
            if rules.iso(now) < line["repairable_from"]:
                parameter = "credit_veto_repair_days" if line["veto"] else "credit_repair_min_days"
                days = credit_rules.veto_repair_days if line["veto"] else credit_rules.repair_min_days
                what = "one-vote-veto violation" if line["veto"] else "violation"
                raise Conflict(f"{what} {violation_id} was recorded on {rules.china_date(violation['at'])}; it can "
                               f"be repaired from {rules.china_date(line['repairable_from'])} on (parameter "
                               f"{parameter} = {days} days)")
        stamp = stamp_for(ctx)
        repair_id = new_id(ctx, IdSequence(ctx.tx_id), "CR", REPAIRS)
        current = levels.standing(ctx, entity)
        repair = {
            "id": repair_id,
            "entity": entity,
            "region": holder["region"],
            "facts": list(facts),
            "evidence": evidence,
            "note": note,
            "status": store.PENDING,
            "applied": stamp.record(),
            "decision": None,
            "level_before": current["level"] if current else None,
            "level_after": None,
        }
        ctx.save(REPAIRS, repair)
        for violation_id in facts:
            ctx.put_json(PENDING_FACTS.key(violation_id), repair_id)
        ctx.emit(EVENT_REPAIR_APPLIED, {"repair": repair_id, "entity": entity, "region": holder["region"],
                                        "facts": list(facts), "tx_id": ctx.tx_id})
        return repair

    @transaction
    def repair_approve(self, ctx: TxContext, repair_id: Any, reason: Any) -> dict[str, Any]:
        """The regulator of the enterprise's region approves: the violations stop counting."""
        repair = self._deciding(ctx, "Credit:RepairApprove", repair_id, reason)
        stamp = stamp_for(ctx)
        for violation_id in repair["facts"]:
            violation = violations.load(ctx, violation_id)
            violations.repair(ctx, violation, stamp, repair["id"])
            ctx.delete(PENDING_FACTS.key(violation_id))
        after = levels.standing(ctx, repair["entity"])
        decided = {**repair, "status": store.APPROVED, "decision": stamp.record(outcome=store.APPROVED, reason=reason),
                   "level_after": after["level"] if after else None}
        ctx.save(REPAIRS, decided)
        ctx.emit(EVENT_REPAIR_APPROVED, {"repair": repair["id"], "entity": repair["entity"],
                                         "region": repair["region"], "level": decided["level_after"],
                                         "tx_id": ctx.tx_id})
        return decided

    @transaction
    def repair_refuse(self, ctx: TxContext, repair_id: Any, reason: Any) -> dict[str, Any]:
        """The regulator of the enterprise's region refuses; the violations may be named again later."""
        repair = self._deciding(ctx, "Credit:RepairRefuse", repair_id, reason)
        stamp = stamp_for(ctx)
        for violation_id in repair["facts"]:
            ctx.delete(PENDING_FACTS.key(violation_id))
        decided = {**repair, "status": store.REFUSED, "decision": stamp.record(outcome=store.REFUSED, reason=reason)}
        ctx.save(REPAIRS, decided)
        ctx.emit(EVENT_REPAIR_REFUSED, {"repair": repair["id"], "entity": repair["entity"],
                                        "region": repair["region"], "reason": reason, "tx_id": ctx.tx_id})
        return decided

    @staticmethod
    def _deciding(ctx: TxContext, function: str, repair_id: Any, reason: Any) -> dict[str, Any]:
        region = registry.acting_regulator(ctx, function)
        require_id("repair_id", repair_id, "CR")
        require_text("reason", reason, MAX_REASON)
        repair = ctx.load(REPAIRS, repair_id)
        if repair["region"] != region:
            raise AccessDenied(f"credit repair {repair_id} is of enterprise {repair['entity']} in region "
                               f"{repair['region']}; the regulator of region {region} decides repairs of region "
                               f"{region} only")
        if repair["status"] != store.PENDING:
            decision = repair["decision"]
            raise Conflict(f"credit repair {repair_id} was {repair['status']} already (transaction "
                           f"{decision['tx_id']} at {decision['at']})")
        return repair

    @transaction
    def repair(self, ctx: TxContext, repair_id: Any) -> dict[str, Any]:
        reader = enterprises.viewer(ctx, "Credit:Repair")
        require_id("repair_id", repair_id, "CR")
        repair = ctx.load(REPAIRS, repair_id)
        if not reader.sees(regions=(repair["region"],), parties=(repair["entity"],)):
            raise outside(f"credit repair {repair_id}", ctx.caller)
        return repair

    @transaction
    def repairs(self, ctx: TxContext, status: Any = None, entity: Any = None, region: Any = None,
                limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """A page of repairs: an enterprise its own, a regulator its region's (by status), the coordinator any."""
        reader = enterprises.viewer(ctx, "Credit:Repairs")
        pagination.require_limit(limit)
        if status is not None:
            require_choice("status", status, store.REPAIR_STATUSES)
        if reader.is_enterprise:
            if entity not in (None, reader.entity):
                raise AccessDenied(f"enterprise {reader.entity} reads its own credit repairs only, not those of "
                                   f"{entity}")
            entity = reader.entity
        elif reader.is_regulator:
            if region not in (None, reader.region):
                raise AccessDenied(f"the regulator of region {reader.region} reads the credit repairs of region "
                                   f"{reader.region} only, not of region {region}")
            region = reader.region

        def keep(repair: dict[str, Any]) -> dict[str, Any] | None:
            ok = status in (None, repair["status"]) and region in (None, repair["region"]) and \
                entity in (None, repair["entity"]) and reader.sees(regions=(repair["region"],),
                                                                   parties=(repair["entity"],))
            return repair if ok else None

        if entity is not None:
            require_credit_code(entity)
            span = store.BY_ENTITY.span(entity)
        elif region is not None:
            require_text("region", region, 16)
            span = store.BY_REGION.span(region, status) if status is not None else store.BY_REGION.span(region)
        else:
            return ctx.page(REPAIRS.namespace.span(), limit, bookmark, lambda key, repair: keep(repair)).as_dict()
        return ctx.indexed(REPAIRS, span, limit, bookmark, keep).as_dict()

    # -- the regional board --------------------------------------------------------------------
    @transaction
    def board(self, ctx: TxContext, year: Any = None) -> dict[str, Any]:
        """Per region: levels, violations per 100 enterprises, compliance rate and monthly trend of a year."""
        enterprises.viewer(ctx, "Credit:Board")
        now = rules.moment(ctx.timestamp)
        if year is None:
            year = now.astimezone(rules.CHINA_TIME).year
        require_year("year", year)
        regions = sorted(m["code"] for m in registry.members(ctx) if m["kind"] == REGION_KIND)
        return {"year": year, "at": rules.iso(now), "regions": [_region_board(ctx, region, year) for region in regions]}


def _ratio(numerator: int, denominator: int) -> str | None:
    """``numerator / denominator`` to one decimal place, as a decimal string (no floats on the ledger)."""
    if denominator == 0:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP))


def _region_board(ctx: TxContext, region: str, year: int) -> dict[str, Any]:
    members = enterprises.of_region(ctx, region)
    distribution = dict.fromkeys(levels.LEVELS, 0)
    for record in members:
        current = levels.standing(ctx, record["entity"])
        distribution[current["level"] if current else levels.GREEN] += 1
    found = [v for v in violations.of_region(ctx, region, year)
             if (v.get("resolution") or {}).get("outcome") != violations.DISMISSED]
    months = {f"{year}-{month:02d}": 0 for month in range(1, 13)}
    for violation in found:
        month = rules.china_date(violation["at"])[:7]
        months[month] = months.get(month, 0) + 1
    registered = {record["entity"] for record in members}
    offenders = {v["entity"] for v in found} & registered
    count = len(members)
    return {
        "region": region,
        "enterprises": count,
        "levels": distribution,
        "violations": len(found),
        "veto_violations": sum(1 for v in found if v.get("veto")),
        "violations_per_100": _ratio(len(found) * 100, count),
        "compliant": count - len(offenders),
        "compliance_rate_percent": _ratio((count - len(offenders)) * 100, count),
        "trend": [{"month": month, "violations": months[month]} for month in sorted(months)],
    }

