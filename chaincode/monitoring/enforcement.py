"""Contracts ``Violation`` and ``Period``: findings by hand, contests, resolutions, and closing periods.

Violations are the cross-domain fact of :mod:`chaincode.facts.violations`;
these transactions are how people act on them:

* ``Violation:Record`` — the regulator of the enterprise's region records an inspection finding or one of
  the "one-vote veto" kinds (always severe);
* ``Violation:Contest`` — the enterprise disputes an open violation of its own, with a reason;
* ``Violation:Resolve`` — the regulator of the violation's region closes an open or contested violation
  with a reason and an outcome (``upheld`` or ``dismissed``);
* ``Violation:List`` / ``Violation:Show`` — enterprise its own, regulators and stations their region, the
  coordinator everything.

``Period:Close`` — the regulator closes a reporting period of its region: every licensed enterprise whose
licence covers the period and that has no enterprise report for a main outlet gets a ``missing_report``
violation (a month is covered by a month report or by a report for each of its days; a day by its own
report or its month's). Reports that arrive afterwards are accepted and marked ``late``.
"""

from __future__ import annotations

import datetime
from typing import Any

from chaincode.enterprise import api as enterprises
from chaincode.facts import violations
from chaincode.monitoring import licences, periods, reports, store
from chaincode.monitoring.readers import reader
from chaincode.monitoring.store import LICENCES
from chaincode.registry import api as registry
from chaincode.runtime import pagination
from chaincode.runtime.access import outside, who
from chaincode.runtime.checks import require_choice, require_credit_code, require_id, require_text, require_year
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, InvalidInput
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, stamp_for
from common import canonical

EVENT_PERIOD_CLOSED = "PeriodClosed"
SOURCE_INSPECTION = "inspection"
SOURCE = "monitoring"
MAX_EVIDENCE_BYTES = 16_000
MAX_REASON = 1000

# Findings a regulator records by hand (inspections, enforcement); the automatic kinds
# (concentration_exceedance, quantity_exceedance, report_discrepancy, missing_report, allowance_shortfall)
# are written by the transactions that detect them.
HAND_KINDS = (
    "inspection_finding",
    "unpermitted_discharge",
    "monitoring_data_falsification",
    "monitoring_equipment_tampering",
    "licence_condition_breach",
    *violations.VETO_KINDS,
)


def require_evidence(value: Any) -> Any:
    """Evidence is a non-empty text or a JSON object, at most 16,000 bytes in canonical form."""
    if isinstance(value, str):
        require_text("evidence", value, MAX_EVIDENCE_BYTES)
    elif not isinstance(value, dict) or not value:
        raise InvalidInput("evidence must be a non-empty text or a non-empty JSON object")
    if len(canonical.dumps(value)) > MAX_EVIDENCE_BYTES:
        raise InvalidInput(f"evidence must be at most {MAX_EVIDENCE_BYTES} bytes as canonical JSON")
    return value


class ViolationContract(Contract):
    name = "Violation"

    @transaction
    def record(self, ctx: TxContext, entity: Any, kind: Any, severity: Any, evidence: Any) -> dict[str, Any]:
        """The regulator of the enterprise's region records a finding by hand."""
        region = registry.acting_regulator(ctx, "Violation:Record")
        require_credit_code(entity)
        require_choice("kind", kind, HAND_KINDS)
        require_choice("severity", severity, violations.SEVERITIES)
        require_evidence(evidence)
        enterprises.regional_enterprise(ctx, entity, region)
        year = periods.ledger_date(ctx.timestamp).year
        return violations.record(ctx, IdSequence(ctx.tx_id), stamp_for(ctx), entity=entity, region=region,
                                 year=year, kind=kind, source=SOURCE_INSPECTION, severity=severity,
                                 evidence=evidence)

    @transaction
    def contest(self, ctx: TxContext, violation_id: Any, reason: Any) -> dict[str, Any]:
        """The enterprise disputes one of its open violations."""
        holder = enterprises.acting_enterprise(ctx, "Violation:Contest")
        require_id("violation_id", violation_id, "V")
        require_text("reason", reason, MAX_REASON)
        violation = violations.load(ctx, violation_id)
        if violation["entity"] != holder["entity"]:
            raise AccessDenied(f"violation {violation_id} concerns enterprise {violation['entity']}; enterprise "
                               f"{holder['entity']} contests its own violations only")
        return violations.contest(ctx, violation, stamp_for(ctx), reason)

    @transaction
    def resolve(self, ctx: TxContext, violation_id: Any, reason: Any, outcome: Any = None) -> dict[str, Any]:
        """The regulator of the violation's region closes it: ``upheld`` (default) or ``dismissed``."""
        region = registry.acting_regulator(ctx, "Violation:Resolve")
        require_id("violation_id", violation_id, "V")
        require_text("reason", reason, MAX_REASON)
        outcome = violations.UPHELD if outcome is None else require_choice("outcome", outcome, violations.OUTCOMES)
        violation = violations.load(ctx, violation_id)
        if violation["region"] != region:
            raise AccessDenied(f"violation {violation_id} is in region {violation['region']}; the regulator of "
                               f"region {region} resolves violations of region {region} only")
        return violations.resolve(ctx, violation, stamp_for(ctx), reason, outcome)

    @transaction
    def list(self, ctx: TxContext, entity: Any = None, region: Any = None, status: Any = None, year: Any = None,
             kind: Any = None, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """A page of the violations the caller may see, by enterprise or region, optionally one year,
        status or kind."""
        who_reads = reader(ctx, "Violation:List")
        pagination.require_limit(limit)
        if status is not None:
            require_choice("status", status, violations.STATUSES)
        if year is not None:
            require_year("year", year)
        if kind is not None:
            require_text("kind", kind, 64)
        if who_reads.is_enterprise:
            if entity not in (None, who_reads.entity):
                raise AccessDenied(f"enterprise {who_reads.entity} may read its own violations only, not those "
                                   f"of {entity}")
            entity = who_reads.entity
        elif who_reads.region:
            if region not in (None, who_reads.region):
                raise AccessDenied(f"{ctx.caller.name}@{ctx.caller.msp_id} reads the violations of region "
                                   f"{who_reads.region} only, not of region {region}")
            region = who_reads.region
        if entity is not None:
            require_credit_code(entity)
        wanted = {"entity": entity, "region": region, "status": status, "kind": kind}

        def keep(record: dict[str, Any]) -> dict[str, Any] | None:
            visible = who_reads.sees(regions=(record["region"],), parties=(record["entity"],))
            return record if visible and all(v is None or record[k] == v for k, v in wanted.items()) else None

        return violations.page_of(ctx, entity=entity, region=region, year=year, limit=limit, bookmark=bookmark,
                                  keep=keep).as_dict()

    @transaction
    def show(self, ctx: TxContext, violation_id: Any) -> dict[str, Any]:
        who_reads = reader(ctx, "Violation:Show")
        require_id("violation_id", violation_id, "V")
        violation = violations.load(ctx, violation_id)
        if not who_reads.sees(regions=(violation["region"],), parties=(violation["entity"],)):
            raise outside(f"violation {violation_id}", ctx.caller)
        return violation


class PeriodContract(Contract):
    name = "Period"

    @transaction
    def close(self, ctx: TxContext, period: Any) -> dict[str, Any]:
        """The regulator closes a reporting period of its region; missing enterprise reports of main outlets
        become ``missing_report`` violations."""
        region = registry.acting_regulator(ctx, "Period:Close")
        closing = periods.parse_period(period)
        today = periods.ledger_date(ctx.timestamp)
        if closing.last >= today:
            raise Conflict(f"period {closing.text} has not ended (ledger date {today.isoformat()}, China Standard "
                           f"Time); it can be closed from {closing.last + datetime.timedelta(days=1)} on")
        key = store.CLOSED.key(region, closing.text)
        earlier = ctx.get_json(key)
        if earlier is not None:
            raise Conflict(f"period {closing.text} of region {region} was closed already (transaction "
                           f"{earlier['closed']['tx_id']} at {earlier['closed']['at']})")
        checked, missing = 0, []
        for head in store.licensed_in(ctx, region):
            licence = ctx.load(LICENCES, head["licence"])
            if not licences.covers(licence, closing):
                continue
            checked += 1
            for outlet_id in head["main_outlets"]:
                if not _covered(ctx, head["entity"], outlet_id, closing):
                    missing.append((licence, outlet_id))
        stamp = stamp_for(ctx)
        ctx.emit(EVENT_PERIOD_CLOSED, {"region": region, "period": closing.text, "checked": checked,
                                       "missing": len(missing), "tx_id": ctx.tx_id})
        ids = IdSequence(ctx.tx_id)
        recorded = []
        for licence, outlet_id in missing:
            violation = violations.record(
                ctx, ids, stamp, entity=licence["entity"], region=region, year=closing.year, kind="missing_report",
                source=SOURCE, severity=violations.MINOR,
                evidence={"period": closing.text, "outlet": outlet_id, "licence": licence["id"],
                          "number": licence["number"]})
            recorded.append({"entity": licence["entity"], "outlet": outlet_id, "violation": violation["id"]})
        closed = {"region": region, "period": closing.text, "checked": checked, "missing": recorded,
                  "closed": stamp.record()}
        ctx.put_json(key, closed)
        return closed

    @transaction
    def show(self, ctx: TxContext, period: Any, region: Any = None) -> dict[str, Any]:
        """Whether a region's period is closed, and what was missing then (regulators and stations: their
        region; the coordinator: any region; enterprises: their own region)."""
        who_reads = reader(ctx, "Period:Show")
        closing = periods.parse_period(period)
        own = who_reads.region or (who_reads.viewer.region if who_reads.is_enterprise else "")
        if own:
            if region not in (None, own):
                raise AccessDenied(f"{who(ctx.caller)} reads the periods of region {own} only")
            region = own
        if region is None:
            raise InvalidInput("region is required (the coordinator reads any region's periods)")
        require_text("region", region, 16)
        closed = ctx.get_json(store.CLOSED.key(region, closing.text))
        if closed is None:
            return {"region": region, "period": closing.text, "closed": None}
        if who_reads.is_enterprise:
            closed = {**closed, "missing": [row for row in closed["missing"] if row["entity"] == who_reads.entity]}
        return closed


def _covered(ctx: TxContext, entity: str, outlet: str, period: periods.Period) -> bool:
    """Whether the enterprise reported this outlet for the period (see the module docstring)."""
    def reported(text: str) -> bool:
        return ctx.get(store.SLOTS.key(entity, outlet, reports.ENTERPRISE, text)) is not None

    if reported(period.text):
        return True
    if period.kind == periods.DAY:
        return reported(period.month)
    days = {day for day, _ in store.reports_of_outlet(ctx, entity, outlet, reports.ENTERPRISE, period.text + "-")}
    return days >= set(period.days())
