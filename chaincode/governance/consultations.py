"""Contracts ``Concern`` and ``Consultation``: concerns about an area pile up, a consultation opens by itself.

* ``Concern:Raise`` — a regulator (for its region), an enterprise or a monitoring station raises a
  concern about an *area*: a member region's code, or a basin named in the parameters ``air_basin`` or
  ``river_basin`` (the regions mapped to it). Text, an optional evidence fingerprint and links to
  violations (read through :mod:`chaincode.facts.violations`; a linked violation must lie in the area)
  and manifests (through :mod:`chaincode.waste.api`; a linked manifest must start or end in the area).
  When the area's open concerns reach the parameter ``concern_threshold``, a consultation opens in the
  same transaction with those concerns as its agenda, and the event ``ConsultationOpened`` names the
  member organizations of the area to notify. While an area's consultation is open, a new concern
  about it joins its agenda.
* ``Consultation:Conclude`` — an admin or delegate of an organization of the area (or of the
  coordinator) ends it with a resolution, optionally tabling a proposal in the same transaction; every
  concern on the agenda is resolved.
"""

from __future__ import annotations

import re
from typing import Any

from chaincode.enterprise import api as enterprises
from chaincode.facts import violations
from chaincode.governance import contract as proposals
from chaincode.governance import store
from chaincode.governance.members import acting_organization, consortium_reader, optional_sha256
from chaincode.governance.store import CONCERNS, CONSULTATIONS, OPEN_CONSULTATION
from chaincode.monitoring import api as monitoring
from chaincode.registry import api as registry
from chaincode.runtime import pagination
from chaincode.runtime.access import who
from chaincode.runtime.checks import require_choice, require_id, require_text
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, InvalidInput, NotFound
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, new_id, stamp_for
from chaincode.waste import api as waste
from common.names import ENTERPRISE, MONITOR, REGION_KIND, REGULATOR

EVENT_RAISED = "ConcernRaised"
MANIFEST_NUMBER = re.compile(r"[0-9]{14}")
EVENT_OPENED = "ConsultationOpened"
EVENT_CONCLUDED = "ConsultationConcluded"

OPEN, UNDER_CONSULTATION, RESOLVED = "open", "under_consultation", "resolved"
CONCERN_STATUSES = (OPEN, UNDER_CONSULTATION, RESOLVED)
CONCLUDED = "concluded"
CONSULTATION_STATUSES = (OPEN, CONCLUDED)
MAX_TEXT = 4000
MAX_LINKS = 20
MAX_AREA = 64
BASIN_PARAMETERS = ("air_basin", "river_basin")


def area_regions(ctx: TxContext, area: Any) -> list[str]:
    """The member regions an area stands for: a region itself, or every region mapped to a basin of that name."""
    require_text("area", area, MAX_AREA)
    regions = {m["code"] for m in registry.members(ctx) if m["kind"] == REGION_KIND}
    if area in regions:
        return [area]
    found: set[str] = set()
    basins: set[str] = set()
    for name in BASIN_PARAMETERS:
        mapping = registry.parameter(ctx, name)
        basins |= set(mapping.values())
        found |= {region for region, basin in mapping.items() if basin == area and region in regions}
    if not found:
        known = sorted(regions | basins)
        raise NotFound(f"area {area!r} is neither a member region nor a basin of the parameters air_basin or "
                       f"river_basin (known areas: {', '.join(known) or 'none'})")
    return sorted(found)


def _raiser(ctx: TxContext, function: str) -> dict[str, Any]:
    caller = ctx.caller
    if caller.role == REGULATOR:
        return {"role": REGULATOR, "region": registry.acting_regulator(ctx, function)}
    if caller.role == ENTERPRISE:
        holder = enterprises.acting_enterprise(ctx, function)
        return {"role": ENTERPRISE, "region": holder["region"], "entity": holder["entity"]}
    if caller.role == MONITOR:
        station = monitoring.acting_monitor(ctx, function)
        return {"role": MONITOR, "region": station.region, "station": station.station}
    has = f"role '{caller.role}'" if caller.role else "no role"
    raise AccessDenied(f"role 'regulator', 'enterprise' or 'monitor' is required for {function}; "
                       f"{who(caller)} has {has}")


def _links(ctx: TxContext, value: Any, regions: list[str], area: str) -> list[str]:
    """Violation ids (V-...) and 14-digit manifest numbers, each of which must concern the area."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_LINKS:
        raise InvalidInput(f"links must be a list of at most {MAX_LINKS} violation ids or manifest numbers")
    for link in value:
        if isinstance(link, str) and MANIFEST_NUMBER.fullmatch(link):
            manifest = waste.manifest(ctx, link)
            if manifest is None:
                raise NotFound(f"manifest {link} does not exist")
            touched = sorted({manifest["origin"], manifest["destination"]})
            if not set(touched) & set(regions):
                raise InvalidInput(f"manifest {link} goes between {' and '.join(touched)}, outside area {area} "
                                   f"({', '.join(regions)})")
            continue
        if not isinstance(link, str) or not link.startswith("V-"):
            raise InvalidInput(f"link {link!r} is neither a violation id (V-...) nor a manifest number "
                               f"(14 digits)")
        require_id("link", link, "V")
        found = violations.find(ctx, link)
        if found is None:
            raise NotFound(f"violation {link} does not exist")
        if found["region"] not in regions:
            raise InvalidInput(f"violation {link} is in region {found['region']}, outside area {area} "
                               f"({', '.join(regions)})")
    if len(set(value)) != len(value):
        raise InvalidInput("links must not repeat")
    return list(value)


def load_consultation(ctx: TxContext, consultation_id: Any) -> dict[str, Any]:
    require_id("consultation_id", consultation_id, "CS")
    return ctx.load(CONSULTATIONS, consultation_id)


class ConcernContract(Contract):
    name = "Concern"

    @transaction  # the router names it Concern:Raise ("raise" is a Python keyword)
    def raise_(self, ctx: TxContext, area: Any, text: Any, evidence: Any = None, links: Any = None
               ) -> dict[str, Any]:
        """Raise a concern about an area; the threshold-th open concern opens a consultation on it."""
        function = "Concern:Raise"
        raiser = _raiser(ctx, function)
        regions = area_regions(ctx, area)
        require_text("text", text, MAX_TEXT)
        fingerprint = optional_sha256("evidence", evidence)
        linked = _links(ctx, links, regions, area)
        stamp = stamp_for(ctx)
        ids = IdSequence(ctx.tx_id)
        open_id = ctx.get_json(OPEN_CONSULTATION.key(area))
        concern = {"id": new_id(ctx, ids, "CN", CONCERNS), "area": area, "regions": regions, "text": text,
                   "evidence": fingerprint, "links": linked, "raised_by": raiser,
                   "status": OPEN if open_id is None else UNDER_CONSULTATION, "consultation": open_id,
                   "raised": stamp.record(), "resolution": None}
        ctx.save(CONCERNS, concern)
        ctx.emit(EVENT_RAISED, {"concern": concern["id"], "area": area, "regions": regions, "links": linked,
                                "consultation": open_id, "tx_id": ctx.tx_id})
        consultation = None
        if open_id is None:
            threshold = proposals.rules_of(ctx).concern_threshold
            agenda = store.open_concern_ids(ctx, area, threshold)
            if len(agenda) >= threshold:
                consultation = _open(ctx, ids, stamp, area, regions, agenda, threshold)
                concern = ctx.load(CONCERNS, concern["id"])
        return {"concern": concern, "consultation": consultation}

    @transaction
    def list(self, ctx: TxContext, area: Any = None, status: Any = None, limit: Any = None,
             bookmark: Any = None) -> dict[str, Any]:
        """A page of concerns: of one area (and status) or of one status through an index, or all by id."""
        consortium_reader(ctx)
        pagination.require_limit(limit)
        if status is not None:
            require_choice("status", status, CONCERN_STATUSES)
        if area is None:
            if status is None:
                return ctx.page(CONCERNS.namespace.span(), limit, bookmark).as_dict()
            return ctx.indexed(CONCERNS, store.CONCERNS_BY_STATUS.span(status), limit, bookmark).as_dict()
        require_text("area", area, MAX_AREA)
        span = store.CONCERNS_BY_AREA.span(area, *([status] if status is not None else []))
        return ctx.indexed(CONCERNS, span, limit, bookmark).as_dict()

    @transaction
    def show(self, ctx: TxContext, concern_id: Any) -> dict[str, Any]:
        consortium_reader(ctx)
        require_id("concern_id", concern_id, "CN")
        return ctx.load(CONCERNS, concern_id)


def _open(ctx: TxContext, ids: IdSequence, stamp: Any, area: str, regions: list[str], agenda: list[str],
          threshold: int) -> dict[str, Any]:
    notify = sorted(registry.region_msp(ctx, region) for region in regions)
    consultation = {"id": new_id(ctx, ids, "CS", CONSULTATIONS), "area": area, "regions": regions,
                    "notify": notify, "agenda": agenda, "threshold": threshold, "status": OPEN,
                    "opened": stamp.record(), "conclusion": None}
    ctx.save(CONSULTATIONS, consultation)
    ctx.put_json(OPEN_CONSULTATION.key(area), consultation["id"])
    for concern_id in agenda:
        concern = ctx.load(CONCERNS, concern_id)
        ctx.save(CONCERNS, {**concern, "status": UNDER_CONSULTATION, "consultation": consultation["id"]})
    ctx.emit(EVENT_OPENED, {"consultation": consultation["id"], "area": area, "regions": regions,
                            "notify": notify, "agenda": agenda, "threshold": threshold, "tx_id": ctx.tx_id})
    return consultation


class ConsultationContract(Contract):
    name = "Consultation"

    @transaction
    def conclude(self, ctx: TxContext, consultation_id: Any, resolution: Any, document: Any = None,
                 proposal: Any = None) -> dict[str, Any]:
        """End an open consultation with a resolution (and optionally a proposal); its concerns are resolved."""
        function = "Consultation:Conclude"
        member = acting_organization(ctx, function)
        consultation = load_consultation(ctx, consultation_id)
        if member["kind"] == REGION_KIND and member["code"] not in consultation["regions"]:
            raise AccessDenied(f"consultation {consultation_id} is about area {consultation['area']} "
                               f"({', '.join(consultation['regions'])}); {member['msp_id']} is not an organization "
                               f"of the area (nor the coordinator)")
        if consultation["status"] != OPEN:
            raise Conflict(f"consultation {consultation_id} is already concluded (transaction "
                           f"{consultation['conclusion']['tx_id']})")
        require_text("resolution", resolution, MAX_TEXT)
        fingerprint = optional_sha256("document", document)
        stamp = stamp_for(ctx)
        ids = IdSequence(ctx.tx_id)
        tabled = None
        if proposal is not None:
            tabled = proposals.table(ctx, ids, stamp, proposal, consultation=consultation["id"])
        resolved = []
        for concern in list(store.agenda(ctx, consultation["id"])):
            ctx.save(CONCERNS, {**concern, "status": RESOLVED,
                                "resolution": stamp.record(consultation=consultation["id"])})
            resolved.append(concern["id"])
        concluded = {**consultation, "status": CONCLUDED,
                     "conclusion": stamp.record(resolution=resolution, document=fingerprint,
                                                proposal=None if tabled is None else tabled["id"],
                                                resolved=resolved)}
        ctx.save(CONSULTATIONS, concluded)
        ctx.delete(OPEN_CONSULTATION.key(consultation["area"]))
        ctx.emit(EVENT_CONCLUDED, {"consultation": consultation["id"], "area": consultation["area"],
                                   "resolved": resolved, "proposal": None if tabled is None else tabled["id"],
                                   "tx_id": ctx.tx_id})
        return {"consultation": concluded, "proposal": tabled}

    @transaction
    def show(self, ctx: TxContext, consultation_id: Any) -> dict[str, Any]:
        """A consultation with its whole agenda (the concerns that opened it and those that joined)."""
        consortium_reader(ctx)
        consultation = load_consultation(ctx, consultation_id)
        return {**consultation, "concerns": list(store.agenda(ctx, consultation["id"]))}

    @transaction
    def list(self, ctx: TxContext, status: Any = None, area: Any = None, limit: Any = None,
             bookmark: Any = None) -> dict[str, Any]:
        """A page of consultations: of one status, of one area, or all by id."""
        consortium_reader(ctx)
        pagination.require_limit(limit)
        if status is not None:
            require_choice("status", status, CONSULTATION_STATUSES)
        if area is not None:
            require_text("area", area, MAX_AREA)
            keep = (lambda record: record) if status is None else (
                lambda record: record if record["status"] == status else None)
            return ctx.indexed(CONSULTATIONS, store.CONSULTATIONS_BY_AREA.span(area), limit, bookmark,
                               keep).as_dict()
        if status is not None:
            return ctx.indexed(CONSULTATIONS, store.CONSULTATIONS_BY_STATUS.span(status), limit,
                               bookmark).as_dict()
        return ctx.page(CONSULTATIONS.namespace.span(), limit, bookmark).as_dict()
