"""Reads of contract ``Manifest``: show, history, trace, list, alerts, balance and approvals, each within the
reader's data permission (:mod:`chaincode.waste.parties`) and through an index."""

from __future__ import annotations

from typing import Any

from chaincode.enterprise import api as enterprises
from chaincode.runtime import pagination
from chaincode.runtime.access import outside
from chaincode.runtime.checks import require_choice, require_credit_code, require_id, require_text
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, InvalidInput, NotFound
from chaincode.runtime.router import Contract, transaction
from chaincode.waste import parties, rules, store
from chaincode.waste.rules import IN_TRANSIT, RECEIVED
from chaincode.waste.store import APPROVALS, FACILITIES, MANIFESTS
from chaincode.waste.manifests import ALERT_KINDS, MAX_TRACE, now_s, rules_of, visible


class ManifestQueries(Contract):
    name = "Manifest"
    @transaction
    def show(self, ctx: TxContext, manifest_id: Any) -> dict[str, Any]:
        return visible(ctx, "Manifest:Show", manifest_id)[1]

    @transaction
    def history(self, ctx: TxContext, manifest_id: Any, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """Every earlier version of a manifest (oldest first), one page at a time, and the current one."""
        _, manifest = visible(ctx, "Manifest:History", manifest_id)
        page = ctx.page(store.VERSIONS.span(manifest_id), limit, bookmark).as_dict()
        return {**page, "current": manifest}

    @transaction
    def trace(self, ctx: TxContext, manifest_id: Any) -> dict[str, Any]:
        """The chain of custody: the manifest's signatures, the manifest it came from and those it led to."""
        reader, manifest = visible(ctx, "Manifest:Trace", manifest_id)
        root = manifest
        for _ in range(MAX_TRACE):
            if root["original"] is None:
                break
            root = ctx.load(MANIFESTS, root["original"])
        budget = [MAX_TRACE]

        def node(record: dict[str, Any]) -> dict[str, Any]:
            budget[0] -= 1
            shown = reader.sees_manifest(record)
            children = []
            for rejection in record["rejections"]:
                if budget[0] > 0:
                    children.append(node(ctx.load(MANIFESTS, rejection["manifest"])))
            summary = {"id": record["id"], "visible": shown, "links": children}
            if shown:
                summary.update({
                    "status": record["status"], "code": record["code"], "quantity": record["quantity"],
                    "generator": record["generator"], "shipper": record["shipper"], "receiver": record["receiver"],
                    "origin": record["origin"], "destination": record["destination"],
                    "approvals": {side: (entry["at"] if entry else None) for side, entry in record["approvals"].items()},
                    "custody": [{"step": e["step"], "party": e["party"], "quantity": e.get("quantity"),
                                 "at": e["at"], "tx_id": e["tx_id"]} for e in record["custody"]],
                    "discrepancy": record["discrepancy"], "rejected": record["rejected"],
                    "disposal": record["disposal"]})
            return summary

        return {"manifest": manifest_id, "root": node(root)}

    @transaction
    def list(self, ctx: TxContext, status: Any = None, region: Any = None, entity: Any = None, limit: Any = None,
             bookmark: Any = None) -> dict[str, Any]:
        """A page of the manifests the caller may see: a party its own, a regulator its region's (as origin or
        destination), the coordinator any; optionally one status, region or party, newest index order."""
        reader = parties.reader(ctx, "Manifest:List")
        pagination.require_limit(limit)
        if status is not None:
            require_choice("status", status, rules.STATUSES)
        if region is not None:
            require_text("region", region, 16)
        if entity is not None:
            require_credit_code(entity)
        if reader.is_party:
            if entity not in (None, reader.entity):
                raise AccessDenied(f"{reader.kind} {reader.entity} lists its own manifests only, not those of {entity}")
            span = store.BY_PARTY.span(reader.entity)
        elif entity is not None:
            span = store.BY_PARTY.span(entity)
        elif reader.is_regulator:
            if region not in (None, reader.region):
                raise AccessDenied(f"the regulator of region {reader.region} lists manifests of region "
                                   f"{reader.region} only, not of region {region}")
            span = store.BY_REGION.span(reader.region)
        elif region is not None:
            span = store.BY_REGION.span(region)
        elif status is not None:
            span = store.BY_STATUS.span(status)
        else:
            return ctx.page(MANIFESTS.namespace.span(), limit, bookmark).as_dict()

        def keep(record: dict[str, Any]) -> dict[str, Any] | None:
            if not reader.sees_manifest(record):
                return None
            if status is not None and record["status"] != status:
                return None
            if region is not None and region not in (record["origin"], record["destination"]):
                return None
            return record

        return ctx.indexed(MANIFESTS, span, limit, bookmark, keep).as_dict()

    @transaction
    def alerts(self, ctx: TxContext, kind: Any = None, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """Gaps that show by themselves, from ledger timestamps and parameters, oldest first. Without ``kind``
        the first page of each kind (``{alerts: {kind: page}}``); with it, one page of that kind."""
        reader = parties.reader(ctx, "Manifest:Alerts")
        pagination.require_limit(limit)
        if kind is None:
            if bookmark:
                raise InvalidInput("bookmark pages through one kind of alert; give kind as well")
            return {"alerts": {name: self._alerts(ctx, reader, name, limit, None) for name in ALERT_KINDS}}
        require_choice("kind", kind, ALERT_KINDS)
        return self._alerts(ctx, reader, kind, limit, bookmark)

    @staticmethod
    def _alerts(ctx: TxContext, reader: parties.Reader, kind: str, limit: Any, bookmark: Any) -> dict[str, Any]:
        rules_now = rules_of(ctx)
        moment = now_s(ctx)

        def before(days: int) -> int:
            return moment - days * rules.DAY_SECONDS

        def manifest_alert(what: str, since_key: str, detail: Any = None) -> Any:
            def convert(key: str, manifest_id: str) -> dict[str, Any] | None:
                record = ctx.load(MANIFESTS, manifest_id)
                if not reader.sees_manifest(record):
                    return None
                since = record["discrepancy"]["opened_s"] if since_key == "opened" else record["since_s"]
                alert = {"kind": kind, "manifest": manifest_id, "status": record["status"], "what": what,
                         "days": rules.days_between(since, moment), "origin": record["origin"],
                         "destination": record["destination"], "generator": record["generator"],
                         "receiver": record["receiver"]["entity"]}
                if detail is not None:
                    alert.update(detail(record, alert["days"]))
                return alert
            return convert

        if kind == "in_transit":
            start = store.BY_STATUS.prefix(IN_TRANSIT)
            span = (start, store.BY_STATUS.prefix(IN_TRANSIT, before(rules_now.transit_max_days)))
            convert = manifest_alert(f"in transit longer than {rules_now.transit_max_days} days "
                                     f"(parameter waste_transit_max_days)", "since")
        elif kind == "no_receipt":
            start = store.BY_STATUS.prefix(IN_TRANSIT)
            span = (start, store.BY_STATUS.prefix(IN_TRANSIT, before(rules_now.contact_days)))
            convert = manifest_alert(
                "no signed receipt since pick-up", "since",
                lambda record, days: {"level": "exception" if days >= rules_now.exception_days else "contact",
                                      "contact_days": rules_now.contact_days,
                                      "exception_days": rules_now.exception_days})
        elif kind == "unconfirmed":
            start = store.BY_STATUS.prefix(RECEIVED)
            span = (start, store.BY_STATUS.prefix(RECEIVED, before(rules_now.confirm_days)))
            convert = manifest_alert(f"received but not closed by a disposal record within "
                                     f"{rules_now.confirm_days} days (parameter waste_confirm_days)", "since")
        elif kind == "discrepancy":
            start = store.OPEN_DISCREPANCIES.prefix()
            span = (start, store.OPEN_DISCREPANCIES.prefix(before(rules_now.discrepancy_days)))
            convert = manifest_alert(f"discrepancy open longer than {rules_now.discrepancy_days} days "
                                     f"(parameter waste_discrepancy_days)", "opened")
        else:
            start = store.APPROVALS_BY_EXPIRY.prefix(moment)
            span = (start, store.APPROVALS_BY_EXPIRY.prefix(moment + rules_now.approval_warning_days *
                                                             rules.DAY_SECONDS))

            def convert(key: str, approval_id: str) -> dict[str, Any] | None:
                approval = ctx.load(APPROVALS, approval_id)
                if not (reader.sees_regions(approval["origin"], approval["destination"])
                        or reader.entity in (approval["generator"], approval["facility"]) and reader.is_party):
                    return None
                return {"kind": kind, "approval": approval_id, "valid_until": approval["valid_until"],
                        "days_left": rules.days_between(moment, approval["until_s"]),
                        "left_kg": approval["total_kg"] - approval["used_kg"], "generator": approval["generator"],
                        "facility": approval["facility"], "origin": approval["origin"],
                        "destination": approval["destination"],
                        "what": f"approval expires within {rules_now.approval_warning_days} days "
                                f"(parameter waste_approval_warning_days)"}
        return ctx.page(span, limit, bookmark, convert).as_dict()

    @transaction
    def balance(self, ctx: TxContext, of: Any = "generators", entity: Any = None, region: Any = None,
                limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """Mass balance rows: per generator, waste code and year (created, shipped, in transit, received,
        rejected, disposed, and whether they add up), or per facility and year (intake against capacity)."""
        reader = parties.reader(ctx, "Manifest:Balance")
        pagination.require_limit(limit)
        require_choice("of", of, ("generators", "facilities"))
        if reader.is_party:
            if entity not in (None, reader.entity):
                raise AccessDenied(f"{reader.kind} {reader.entity} reads its own balance only, not that of {entity}")
            entity = reader.entity
        if reader.is_regulator:
            if region not in (None, reader.region):
                raise AccessDenied(f"the regulator of region {reader.region} reads balances of region "
                                   f"{reader.region} only, not of region {region}")
            region = reader.region
        namespace = store.BALANCES if of == "generators" else store.INTAKES
        if entity is not None:
            require_credit_code(entity)
            if of == "generators":
                try:
                    home = enterprises.enterprise(ctx, entity)["region"]
                except NotFound:
                    home = None
            else:
                licence = ctx.find(FACILITIES, entity)
                home = licence["region"] if licence else None
            if home is None:  # not a generator (or not a facility): no rows of this kind
                return pagination.Page().as_dict()
            if region not in (None, home):
                raise AccessDenied(f"{entity} belongs to region {home}; it is outside region {region}")
            span = namespace.span(home, entity)
        elif region is not None:
            require_text("region", region, 16)
            span = namespace.span(region)
        else:
            span = namespace.span()

        def convert(key: str, row: dict[str, Any]) -> dict[str, Any]:
            if of == "generators":
                return rules.balance_view(row)
            licence = ctx.find(FACILITIES, row["facility"])
            return rules.intake_view(row, licence["capacity_kg"] if licence else None)

        return ctx.page(span, limit, bookmark, convert).as_dict()

    @transaction
    def show_approval(self, ctx: TxContext, approval_id: Any) -> dict[str, Any]:
        """A cross-region approval: its scope, total, quantity used, validity and the manifests it covers."""
        reader = parties.reader(ctx, "Manifest:ShowApproval")
        require_id("approval_id", approval_id, "A")
        approval = ctx.load(APPROVALS, approval_id)
        if not (reader.sees_regions(approval["origin"], approval["destination"])
                or reader.is_party and reader.entity in (approval["generator"], approval["facility"])):
            raise outside(f"approval {approval_id}", ctx.caller)
        return approval
