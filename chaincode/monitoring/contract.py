"""Contracts ``Licence``, ``Monitor`` and ``Report``: discharge licences, devices, and reports with fingerprints.

* ``Licence:Set`` records a new version of an enterprise's licence (outlets, limits, validity); every
  version is kept; ``Licence:Show`` gives the current one, ``Licence:History`` every version, newest first.
* ``Monitor:RegisterDevice`` binds an HJ 212 device (its MN) to one outlet of the current licence, once.
* ``Report:Submit`` records one report of one outlet and period: the raw file's fingerprint and the
  report's public summary on the ledger, the detailed values (transient ``details``) in the region's
  private collection ``monitoring_<MSP>`` (a blind write: nothing private is read while writing). In the
  same transaction it records the violations the report reveals (:mod:`chaincode.monitoring.reports`):
  events ``ReportSubmitted`` then one ``ViolationRecorded`` per violation, in one envelope.
* ``Report:Verify`` answers whether a file's SHA-256 (and size) is exactly what some report recorded.

Who: the regulator of the enterprise's region sets licences and registers devices (the enterprise may
register devices for its own outlets); the enterprise submits its own reports (source ``enterprise``), a
monitoring station of the region submits supervisory ones (source ``station``); readers see what
:func:`chaincode.monitoring.readers.reader` allows.

A report record is ``{id, entity, region, outlet, mn, medium, period, source, station, fingerprint,
details_hash, totals, late, licence, submitted}``; report ids are ``R-`` + 16 hex digits from the
transaction id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chaincode.enterprise import api as enterprises
from chaincode.facts import violations
from chaincode.monitoring import licences, periods, reports, store
from chaincode.monitoring.parameters import MonitoringRules, load_rules
from chaincode.monitoring.readers import Reader, acting_monitor, consortium_reader, reader
from chaincode.monitoring.store import CURRENT, DEVICES, LICENCES, REPORTS
from chaincode.registry import api as registry
from chaincode.runtime import pagination
from chaincode.runtime.access import outside, who
from chaincode.runtime.checks import require_choice, require_credit_code, require_id
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, ContractError, InvalidInput, NotFound
from chaincode.runtime.keys import MAX_RUNE
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, new_id, stamp_for
from common import canonical
from common.names import ENTERPRISE, MONITOR, REGULATOR, monitoring_collection

EVENT_LICENCE_SET = "LicenceSet"
EVENT_DEVICE_REGISTERED = "DeviceRegistered"
EVENT_REPORT_SUBMITTED = "ReportSubmitted"
SOURCE = "monitoring"
MN = re.compile(r"[A-Za-z0-9]{1,24}")
MAX_MATCHES = 100


def rules_of(ctx: TxContext) -> MonitoringRules:
    return load_rules(lambda name: registry.parameter(ctx, name))


def require_mn(value: Any) -> str:
    if not isinstance(value, str) or not MN.fullmatch(value):
        raise InvalidInput(f"mn must be an HJ 212 device id of 1 to 24 letters and digits, got {value!r}")
    return value


def require_outlet(value: Any) -> str:
    if not isinstance(value, str) or not licences.OUTLET_ID.fullmatch(value):
        raise InvalidInput(f"outlet must be an outlet id of 1 to 16 capital letters and digits, like DA001, "
                           f"got {value!r}")
    return value


def visible_enterprise(ctx: TxContext, who_reads: Reader, entity: Any) -> dict[str, Any]:
    """The registered enterprise ``entity`` when its records are inside the reader's permission."""
    require_credit_code(entity)
    record = enterprises.enterprise(ctx, entity)
    if not who_reads.sees(regions=(record["region"],), parties=(entity,)):
        raise outside(f"the monitoring data of enterprise {entity}", ctx.caller)
    return record


class LicenceContract(Contract):
    name = "Licence"

    @transaction
    def set(self, ctx: TxContext, entity: Any, licence: Any) -> dict[str, Any]:
        """The regulator of the enterprise's region records a new version of its discharge licence."""
        region = registry.acting_regulator(ctx, "Licence:Set")
        require_credit_code(entity)
        checked = licences.check_licence(licence, rules_of(ctx))
        enterprises.regional_enterprise(ctx, entity, region)
        head = ctx.find(CURRENT, entity)
        version = 1 if head is None else head["version"] + 1
        stamp = stamp_for(ctx)
        record = {"id": store.licence_id(entity, version), "entity": entity, "region": region, "version": version,
                  **checked, "set": stamp.record()}
        ctx.save(LICENCES, record)
        ctx.save(CURRENT, {"entity": entity, "region": region, "version": version, "licence": record["id"],
                           "valid_from": checked["valid_from"], "valid_to": checked["valid_to"],
                           "main_outlets": licences.main_outlets(checked)})
        ctx.emit(EVENT_LICENCE_SET, {"entity": entity, "region": region, "version": version,
                                     "number": checked["number"], "valid_from": checked["valid_from"],
                                     "valid_to": checked["valid_to"],
                                     "outlets": [outlet["id"] for outlet in checked["outlets"]], "tx_id": ctx.tx_id})
        return record

    @transaction
    def show(self, ctx: TxContext, entity: Any) -> dict[str, Any]:
        """The current version of an enterprise's licence."""
        visible_enterprise(ctx, reader(ctx, "Licence:Show"), entity)
        return store.require_current(ctx, entity)

    @transaction
    def history(self, ctx: TxContext, entity: Any, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """Every version of an enterprise's licence, newest first, one page at a time."""
        visible_enterprise(ctx, reader(ctx, "Licence:History"), entity)
        return ctx.indexed(LICENCES, store.LICENCES_BY_ENTITY.span(entity), limit, bookmark).as_dict()


class MonitorContract(Contract):
    name = "Monitor"

    @transaction
    def register_device(self, ctx: TxContext, entity: Any, outlet: Any, mn: Any) -> dict[str, Any]:
        """Bind device ``mn`` to an outlet of the enterprise's current licence (once: rebinding is refused)."""
        function = "Monitor:RegisterDevice"
        caller = ctx.caller
        if caller.role == ENTERPRISE:
            holder = enterprises.acting_enterprise(ctx, function)
            region = holder["region"]
            require_credit_code(entity)
            if entity != holder["entity"]:
                raise AccessDenied(f"enterprise {holder['entity']} registers devices for its own outlets only, "
                                   f"not for enterprise {entity}")
        elif caller.role == REGULATOR:
            region = registry.acting_regulator(ctx, function)
            require_credit_code(entity)
        else:
            has = f"role '{caller.role}'" if caller.role else "no role"
            raise AccessDenied(f"role 'regulator' (of the enterprise's region) or 'enterprise' (for its own "
                               f"outlets) is required for {function}; {who(caller)} has {has}")
        require_outlet(outlet)
        require_mn(mn)
        enterprises.regional_enterprise(ctx, entity, region)
        licence = store.require_current(ctx, entity)
        measured = licences.outlet(licence, outlet)
        if measured is None:
            raise NotFound(f"outlet {outlet} is not in the current licence of enterprise {entity} (version "
                           f"{licence['version']}: {', '.join(o['id'] for o in licence['outlets'])})")
        existing = ctx.find(DEVICES, mn)
        if existing is not None:
            raise Conflict(f"device {mn} is already registered to outlet {existing['outlet']} of enterprise "
                           f"{existing['entity']}; a device measures one outlet and is never rebound")
        device = {"mn": mn, "entity": entity, "outlet": outlet, "region": region, "medium": measured["medium"],
                  "kind": measured["kind"], "registered": stamp_for(ctx).record()}
        ctx.save(DEVICES, device)
        ctx.emit(EVENT_DEVICE_REGISTERED, {"mn": mn, "entity": entity, "outlet": outlet, "region": region,
                                           "medium": measured["medium"], "tx_id": ctx.tx_id})
        return device

    @transaction
    def device(self, ctx: TxContext, mn: Any) -> dict[str, Any]:
        """The outlet a device measures (any consortium reader)."""
        consortium_reader(ctx)
        return _device(ctx, require_mn(mn))

    @transaction
    def devices(self, ctx: TxContext, entity: Any, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """A page of an enterprise's registered devices, by outlet (any consortium reader)."""
        consortium_reader(ctx)
        require_credit_code(entity)
        return ctx.indexed(DEVICES, store.DEVICES_BY_ENTITY.span(entity), limit, bookmark).as_dict()


class ReportContract(Contract):
    name = "Report"

    @transaction
    def submit(self, ctx: TxContext, mn: Any, period: Any, fingerprint: Any) -> dict[str, Any]:
        """Record a report of the outlet ``mn`` measures for ``period``; transient ``details`` holds its values."""
        function = "Report:Submit"
        reporter = _reporter(ctx, function)
        require_mn(mn)
        checked_period = periods.parse_period(period)
        checked_print = reports.check_fingerprint(fingerprint)
        raw, details = reports.details_from_transient(ctx.transient, function)
        today = periods.ledger_date(ctx.timestamp)
        if checked_period.first > today:
            raise InvalidInput(f"period {checked_period.text} has not begun (ledger date {today.isoformat()}, "
                               f"China Standard Time)")
        device = _device(ctx, mn)
        entity, outlet_id, region = device["entity"], device["outlet"], device["region"]
        reporter.check_may_report(device)
        source, station = reporter.source, reporter.station
        licence = store.require_current(ctx, entity)
        if not licences.covers(licence, checked_period):
            raise Conflict(f"the licence of enterprise {entity} (version {licence['version']}, valid "
                           f"{licence['valid_from']} to {licence['valid_to']}) does not cover period "
                           f"{checked_period.text}")
        outlet = licences.outlet(licence, outlet_id)
        if outlet is None:
            raise Conflict(f"outlet {outlet_id} (device {mn}) is not in the current licence of enterprise "
                           f"{entity} (version {licence['version']})")
        rules = rules_of(ctx)
        entries = reports.check_details(details, checked_period, outlet["medium"], rules)
        _check_slot_free(ctx, entity, outlet_id, source, checked_period)

        stamp = stamp_for(ctx)
        ids = IdSequence(ctx.tx_id)
        report_id = new_id(ctx, ids, "R", REPORTS)
        record = {
            "id": report_id,
            "entity": entity,
            "region": region,
            "outlet": outlet_id,
            "mn": mn,
            "medium": outlet["medium"],
            "period": checked_period.text,
            "source": source,
            "station": station or None,
            "fingerprint": checked_print,
            "details_hash": reports.details_hash(raw),
            "totals": reports.totals(entries),
            "late": _closed(ctx, region, checked_period),
            "licence": licence["id"],
            "submitted": stamp.record(),
        }
        findings = _findings(ctx, record, entries, outlet, rules, checked_period)
        ctx.save(REPORTS, record)
        ctx.put_json(store.SLOTS.key(entity, outlet_id, source, checked_period.text), report_id)
        ctx.emit(EVENT_REPORT_SUBMITTED, {
            "report": report_id, "entity": entity, "region": region, "outlet": outlet_id, "mn": mn,
            "period": checked_period.text, "source": source, "station": station or None,
            "sha256": checked_print["sha256"], "size": checked_print["size"], "violations": len(findings),
            "tx_id": ctx.tx_id})
        recorded = []
        for finding in findings:
            violation = violations.record(ctx, ids, stamp, entity=entity, region=region, year=finding["year"],
                                          kind=finding["kind"], source=SOURCE, severity=finding["severity"],
                                          evidence=finding["evidence"])
            for key in finding["marks"]:
                ctx.put_json(key, violation["id"])
            recorded.append(violation["id"])
        if source == reports.ENTERPRISE:
            _add_loads(ctx, record, entries, outlet, checked_period.year, findings, recorded)
        collection = monitoring_collection(registry.region_msp(ctx, region))
        ctx.put_private_json(collection, store.DETAILS.key(report_id), details)
        return {"report": record, "violations": recorded}

    @transaction
    def verify(self, ctx: TxContext, sha256: Any, size: Any = None) -> dict[str, Any]:
        """The reports whose raw file has this SHA-256 (and size): who reported it, when, in which transaction."""
        consortium_reader(ctx)
        reports.check_sha256(sha256)
        if size is not None:
            reports.check_size(size)
        matches, more = [], False
        for _, report_id in ctx.range(*store.REPORTS_BY_SHA256.span(sha256)):
            record = ctx.load(REPORTS, report_id)
            if size is not None and record["fingerprint"]["size"] != size:
                continue
            if len(matches) == MAX_MATCHES:
                more = True
                break
            matches.append({"report": record["id"], "entity": record["entity"], "region": record["region"],
                            "outlet": record["outlet"], "mn": record["mn"], "period": record["period"],
                            "source": record["source"], "station": record["station"],
                            "size": record["fingerprint"]["size"], "submitted": record["submitted"]})
        return {"sha256": sha256, "size": size, "matches": matches, "more": more}

    @transaction
    def list(self, ctx: TxContext, entity: Any = None, region: Any = None, period: Any = None, outlet: Any = None,
             source: Any = None, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """A page of the reports the caller may see, by enterprise or region, optionally one period (a year,
        month or day: a month also lists its days), outlet or source."""
        who_reads = reader(ctx, "Report:List")
        pagination.require_limit(limit)
        prefix = "" if period is None else periods.parse_filter(period)
        if outlet is not None:
            require_outlet(outlet)
        if source is not None:
            require_choice("source", source, reports.SOURCES)
        if who_reads.is_enterprise:
            if entity not in (None, who_reads.entity):
                raise AccessDenied(f"enterprise {who_reads.entity} may read its own reports only, not those of "
                                   f"{entity}")
            entity = who_reads.entity
        elif who_reads.region:
            if region not in (None, who_reads.region):
                raise AccessDenied(f"{who(ctx.caller)} reads the reports of region {who_reads.region} only, not "
                                   f"of region {region}")
            region = who_reads.region
        if entity is not None:
            require_credit_code(entity)
        wanted = {"entity": entity, "region": region, "outlet": outlet, "source": source}

        def keep(record: dict[str, Any]) -> dict[str, Any] | None:
            visible = who_reads.sees(regions=(record["region"],), parties=(record["entity"],))
            matches = all(value is None or record[name] == value for name, value in wanted.items())
            return record if visible and matches and record["period"].startswith(prefix) else None

        if entity is not None:
            start = store.REPORTS_BY_ENTITY.prefix(entity) + prefix
        elif region is not None:
            start = store.REPORTS_BY_REGION.prefix(region) + prefix
        else:
            return ctx.page(REPORTS.namespace.span(), limit, bookmark, lambda key, record: keep(record)).as_dict()
        return ctx.indexed(REPORTS, (start, start + MAX_RUNE), limit, bookmark, keep).as_dict()

    @transaction
    def show(self, ctx: TxContext, report_id: Any) -> dict[str, Any]:
        """One report's public record."""
        return _visible_report(ctx, reader(ctx, "Report:Show"), report_id)

    @transaction
    def details(self, ctx: TxContext, report_id: Any) -> dict[str, Any]:
        """A report's detailed values, read from the region's private collection on this peer."""
        record = _visible_report(ctx, reader(ctx, "Report:Details"), report_id)
        collection = monitoring_collection(registry.region_msp(ctx, record["region"]))
        key = store.DETAILS.key(record["id"])
        try:
            private = ctx.get_private_json(collection, key)
        except ContractError:
            raise
        except Exception as err:  # the peer's refusal: this organization is not a member of the collection
            raise NotFound(f"the details of report {record['id']} are not held by this peer: collection "
                           f"{collection} is stored only on peers of its member organizations ({err})") from None
        if private is None:
            raise NotFound(f"the details of report {record['id']} are not stored on this peer (collection "
                           f"{collection}); ask a peer of the region's organization or the coordinator")
        digest = reports.details_hash(canonical.dumps(private))
        return {"report": record["id"], "collection": collection, "details_hash": record["details_hash"],
                "matches_public_hash": digest == record["details_hash"], "details": private}


# -- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reporter:
    """Who submits a report: an enterprise for its own outlets, or a station for outlets of its region."""

    source: str
    entity: str = ""
    region: str = ""
    station: str = ""

    def check_may_report(self, device: dict[str, Any]) -> None:
        mn, outlet, entity, region = device["mn"], device["outlet"], device["entity"], device["region"]
        if self.source == reports.ENTERPRISE and entity != self.entity:
            raise AccessDenied(f"device {mn} measures outlet {outlet} of enterprise {entity}; enterprise "
                               f"{self.entity} reports for its own outlets only")
        if self.source == reports.STATION and region != self.region:
            raise AccessDenied(f"station {self.station} of region {self.region} reports for outlets of region "
                               f"{self.region} only; device {mn} measures outlet {outlet} in region {region}")


def _reporter(ctx: TxContext, function: str) -> Reporter:
    caller = ctx.caller
    if caller.role == ENTERPRISE:
        holder = enterprises.acting_enterprise(ctx, function)
        return Reporter(reports.ENTERPRISE, entity=holder["entity"], region=holder["region"])
    if caller.role == MONITOR:
        station = acting_monitor(ctx, function)
        return Reporter(reports.STATION, region=station.region, station=station.station)
    has = f"role '{caller.role}'" if caller.role else "no role"
    raise AccessDenied(f"role 'enterprise' (the outlet's owner) or 'monitor' (a station of the outlet's region) "
                       f"is required for {function}; {who(caller)} has {has}")


def _device(ctx: TxContext, mn: str) -> dict[str, Any]:
    device = ctx.find(DEVICES, mn)
    if device is None:
        raise NotFound(f"device {mn} is not registered; the regulator (or the enterprise) binds it to an outlet "
                       f"with Monitor:RegisterDevice")
    return device


def _visible_report(ctx: TxContext, who_reads: Reader, report_id: Any) -> dict[str, Any]:
    require_id("report_id", report_id, "R")
    record = ctx.load(REPORTS, report_id)
    if not who_reads.sees(regions=(record["region"],), parties=(record["entity"],)):
        raise outside(f"report {report_id}", ctx.caller)
    return record


def _check_slot_free(ctx: TxContext, entity: str, outlet: str, source: str, period: periods.Period) -> None:
    """One report per outlet, source and period; a month and a day inside it would count twice."""
    taken = ctx.get_json(store.SLOTS.key(entity, outlet, source, period.text))
    if taken is not None:
        raise Conflict(f"report {taken} already covers outlet {outlet} of enterprise {entity} for period "
                       f"{period.text} (source {source}); a report is never replaced")
    if period.kind == periods.DAY:
        month = ctx.get_json(store.SLOTS.key(entity, outlet, source, period.month))
        if month is not None:
            raise Conflict(f"report {month} already covers outlet {outlet} of enterprise {entity} for the whole "
                           f"month {period.month} (source {source}), which holds day {period.text}")
    else:
        for _, day_report in store.reports_of_outlet(ctx, entity, outlet, source, period.text + "-"):
            raise Conflict(f"report {day_report} already covers a day of month {period.text} for outlet {outlet} "
                           f"of enterprise {entity} (source {source}); report the month's remaining days one "
                           f"by one, so nothing counts twice")


def _closed(ctx: TxContext, region: str, period: periods.Period) -> bool:
    """Whether the regulator closed this period (or the month holding this day) before the report came."""
    if ctx.get(store.CLOSED.key(region, period.text)) is not None:
        return True
    return period.kind == periods.DAY and ctx.get(store.CLOSED.key(region, period.month)) is not None


def _findings(ctx: TxContext, record: dict[str, Any], entries: list[dict[str, Any]], outlet: dict[str, Any],
              rules: MonitoringRules, period: periods.Period) -> list[dict[str, Any]]:
    """The violations this report reveals, in order: hourly exceedances, annual quantity, discrepancy."""
    entity, outlet_id, report_id = record["entity"], record["outlet"], record["id"]
    findings = []
    for found in reports.exceedances(entries, outlet, rules):
        mark = store.EXCEEDANCES.key(entity, outlet_id, found.factor, found.hour)
        if ctx.get(mark) is not None:
            continue  # the same hour reported again (by the station or the enterprise): one violation
        findings.append({
            "kind": "concentration_exceedance", "severity": found.severity, "year": int(found.hour[:4]),
            "evidence": {"report": report_id, "outlet": outlet_id, "mn": record["mn"], "source": record["source"],
                         "factor": found.factor, "pollutant": found.pollutant, "hour": found.hour,
                         "value_ug": found.value_ug, "limit_ug": found.limit_ug},
            "marks": [mark]})
    if record["source"] == reports.ENTERPRISE:
        for entry in sorted(entries, key=lambda item: item["factor"]):
            limit = licences.limit(outlet, entry["factor"])
            if limit is None or limit["annual_kg"] is None:
                continue
            row = _annual_row(ctx, entity, period.year, entry, outlet_id)
            after = row["load_g"] + entry["load_g"]
            if row["violation"] is None and reports.crosses(row["load_g"], after, limit["annual_kg"]):
                findings.append({
                    "kind": "quantity_exceedance", "severity": "serious", "year": period.year,
                    "evidence": {"report": report_id, "outlet": outlet_id, "factor": entry["factor"],
                                 "pollutant": entry["pollutant"], "year": period.year, "total_g": after,
                                 "permitted_g": limit["annual_kg"] * 1000, "annual_kg": limit["annual_kg"],
                                 "reports": row["reports"] + 1},
                    "marks": [], "crossed": entry["factor"]})
    other_source = reports.STATION if record["source"] == reports.ENTERPRISE else reports.ENTERPRISE
    counterpart_id = ctx.get_json(store.SLOTS.key(entity, outlet_id, other_source, period.text))
    if counterpart_id is not None:
        counterpart = ctx.load(REPORTS, counterpart_id)
        ours, theirs = (record, counterpart) if record["source"] == reports.ENTERPRISE else (counterpart, record)
        differing = reports.differences(ours["totals"], theirs["totals"], rules.station_tolerance_permille)
        if differing:
            findings.append({
                "kind": "report_discrepancy", "severity": "general", "year": period.year,
                "evidence": {"outlet": outlet_id, "period": period.text, "enterprise_report": ours["id"],
                             "station_report": theirs["id"], "station": theirs["station"],
                             "tolerance_permille": rules.station_tolerance_permille, "factors": differing},
                "marks": []})
    return findings


def _annual_row(ctx: TxContext, entity: str, year: int, entry: dict[str, Any], outlet_id: str) -> dict[str, Any]:
    row = ctx.get_json(store.ANNUAL_LOADS.key(entity, year, entry["factor"], outlet_id))
    return row or {"entity": entity, "year": year, "factor": entry["factor"], "pollutant": entry["pollutant"],
                   "outlet": outlet_id, "load_g": 0, "reports": 0, "violation": None}


def _add_loads(ctx: TxContext, record: dict[str, Any], entries: list[dict[str, Any]], outlet: dict[str, Any],
               year: int, findings: list[dict[str, Any]], recorded: list[str]) -> None:
    """Add an enterprise report's loads to its running annual totals (every factor the report carries)."""
    crossed = {finding["crossed"]: violation_id for finding, violation_id in zip(findings, recorded)
               if "crossed" in finding}
    for entry in entries:
        row = _annual_row(ctx, record["entity"], year, entry, record["outlet"])
        limit = licences.limit(outlet, entry["factor"])
        ctx.put_json(store.ANNUAL_LOADS.key(record["entity"], year, entry["factor"], record["outlet"]), {
            **row, "load_g": row["load_g"] + entry["load_g"], "reports": row["reports"] + 1,
            "annual_kg": None if limit is None else limit["annual_kg"], "last": record["id"],
            "violation": row["violation"] or crossed.get(entry["factor"])})
