"""Contract ``Project``: restoration projects started by a consultation or an adopted proposal (治理项目反馈).

* ``Project:Start`` — an admin or delegate of a member organization starts a project from a consultation
  or an adopted proposal: title, the responsible party (a member region, acting through its regulators,
  or a registered enterprise), a budget in fen and milestones ``{name, due}``.
* ``Project:Report`` — the responsible party reports a milestone reached (text, optional evidence
  fingerprint); a rejected milestone may be reported again.
* ``Project:Verify`` — a regulator of *another* region than the responsible party's verifies or rejects a
  reported milestone; when every milestone is verified the project is ``completed``.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from chaincode.enterprise import api as enterprises
from chaincode.governance import contract as proposals
from chaincode.governance import store
from chaincode.governance.consultations import load_consultation
from chaincode.governance.members import acting_organization, consortium_reader, optional_sha256
from chaincode.governance.store import PROJECTS
from chaincode.registry import api as registry
from chaincode.runtime import pagination
from chaincode.runtime.access import who
from chaincode.runtime.checks import require_choice, require_credit_code, require_id, require_text
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, InvalidInput
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, new_id, stamp_for
from common.names import ENTERPRISE, REGION_KIND, REGULATOR

EVENT_STARTED = "ProjectStarted"
EVENT_REPORTED = "ProjectMilestoneReported"
EVENT_VERIFIED = "ProjectMilestoneVerified"

ACTIVE, COMPLETED = "active", "completed"
STATUSES = (ACTIVE, COMPLETED)
PLANNED, REPORTED, VERIFIED, REJECTED = "planned", "reported", "verified", "rejected"
MAX_MILESTONES = 50
MAX_BUDGET_FEN = 10**15
MAX_TEXT = 4000
_REGION = re.compile(r"[A-Z][A-Z0-9]{1,15}")


def _source(ctx: TxContext, source: Any) -> dict[str, Any]:
    if isinstance(source, str) and source.startswith("CS-"):
        consultation = load_consultation(ctx, source)
        return {"kind": "consultation", "id": consultation["id"], "area": consultation["area"]}
    if isinstance(source, str) and source.startswith("P-"):
        proposal = proposals.load_proposal(ctx, source)
        if proposal["status"] != proposals.ADOPTED:
            raise Conflict(f"proposal {source} is {proposal['status']}; only an adopted proposal starts a project")
        return {"kind": "proposal", "id": proposal["id"]}
    raise InvalidInput(f"source must be a consultation (CS-...) or a proposal (P-...), got {source!r}"[:200])


def _responsible(ctx: TxContext, value: Any) -> dict[str, str]:
    if isinstance(value, str) and _REGION.fullmatch(value):
        member = {m["code"]: m for m in registry.members(ctx)}.get(value)
        if member is None or member["kind"] != REGION_KIND:
            raise InvalidInput(f"responsible region {value} is not a member region")
        return {"kind": "region", "id": value, "region": value}
    require_credit_code(value, "responsible enterprise")
    record = enterprises.enterprise(ctx, value)
    return {"kind": ENTERPRISE, "id": value, "region": record["region"]}


def _milestones(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_MILESTONES:
        raise InvalidInput(f"milestones must be a list of 1 to {MAX_MILESTONES} objects {{name, due}}")
    checked = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"name", "due"}:
            raise InvalidInput(f"milestones[{index}] must be an object with exactly name and due")
        require_text(f"milestones[{index}].name", item["name"], 200)
        try:
            due = datetime.date.fromisoformat(item["due"]).isoformat() if isinstance(item["due"], str) else None
        except ValueError:
            due = None
        if due is None or due != item["due"]:
            raise InvalidInput(f"milestones[{index}].due must be a date YYYY-MM-DD, got {item['due']!r}")
        checked.append({"index": index, "name": item["name"], "due": due, "status": PLANNED, "report": None,
                        "verification": None})
    return checked


def load_project(ctx: TxContext, project_id: Any) -> dict[str, Any]:
    require_id("project_id", project_id, "PJ")
    return ctx.load(PROJECTS, project_id)


def _milestone(project: dict[str, Any], index: Any) -> dict[str, Any]:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(project["milestones"]):
        raise InvalidInput(f"milestone must be a number from 0 to {len(project['milestones']) - 1} "
                           f"(project {project['id']} has {len(project['milestones'])}), got {index!r}")
    return project["milestones"][index]


class ProjectContract(Contract):
    name = "Project"

    @transaction
    def start(self, ctx: TxContext, source: Any, title: Any, responsible: Any, budget_fen: Any,
              milestones: Any) -> dict[str, Any]:
        """Start a restoration project from a consultation or an adopted proposal."""
        acting_organization(ctx, "Project:Start")
        origin = _source(ctx, source)
        require_text("title", title, 200)
        party = _responsible(ctx, responsible)
        if isinstance(budget_fen, bool) or not isinstance(budget_fen, int) or not 0 <= budget_fen <= MAX_BUDGET_FEN:
            raise InvalidInput(f"budget_fen must be a whole number of fen from 0 to {MAX_BUDGET_FEN}, got "
                               f"{budget_fen!r}")
        steps = _milestones(milestones)
        stamp = stamp_for(ctx)
        project = {"id": new_id(ctx, IdSequence(ctx.tx_id), "PJ", PROJECTS), "source": origin["id"],
                   "origin": origin, "title": title, "responsible": party, "budget_fen": budget_fen,
                   "milestones": steps, "status": ACTIVE, "started": stamp.record(), "completed": None}
        ctx.save(PROJECTS, project)
        ctx.emit(EVENT_STARTED, {"project": project["id"], "source": origin["id"], "responsible": party,
                                 "budget_fen": budget_fen, "milestones": len(steps), "tx_id": ctx.tx_id})
        return project

    @transaction
    def report(self, ctx: TxContext, project_id: Any, milestone: Any, text: Any, evidence: Any = None
               ) -> dict[str, Any]:
        """The responsible party reports a milestone reached."""
        function = "Project:Report"
        project = load_project(ctx, project_id)
        party = project["responsible"]
        caller = ctx.caller
        if party["kind"] == ENTERPRISE:
            if caller.role != ENTERPRISE or enterprises.acting_enterprise(ctx, function)["entity"] != party["id"]:
                raise AccessDenied(f"project {project['id']} is the responsibility of enterprise {party['id']}; "
                                   f"{who(caller)} may not report its progress")
        elif caller.role != REGULATOR or registry.acting_regulator(ctx, function) != party["region"]:
            raise AccessDenied(f"project {project['id']} is the responsibility of region {party['region']}; only "
                               f"its regulators report progress, not {who(caller)}")
        step = _milestone(project, milestone)
        if step["status"] not in (PLANNED, REJECTED):
            raise Conflict(f"milestone {milestone} of project {project['id']} is already {step['status']}")
        require_text("text", text, MAX_TEXT)
        fingerprint = optional_sha256("evidence", evidence)
        stamp = stamp_for(ctx)
        steps = [dict(s) for s in project["milestones"]]
        steps[milestone] = {**step, "status": REPORTED, "report": stamp.record(text=text, evidence=fingerprint)}
        changed = {**project, "milestones": steps}
        ctx.save(PROJECTS, changed)
        ctx.emit(EVENT_REPORTED, {"project": project["id"], "milestone": milestone, "name": step["name"],
                                  "tx_id": ctx.tx_id})
        return changed

    @transaction
    def verify(self, ctx: TxContext, project_id: Any, milestone: Any, accept: Any = True, note: Any = None
               ) -> dict[str, Any]:
        """A regulator of another region verifies (or rejects, with a note) a reported milestone."""
        function = "Project:Verify"
        region = registry.acting_regulator(ctx, function)
        project = load_project(ctx, project_id)
        if region == project["responsible"]["region"]:
            raise AccessDenied(f"project {project['id']} is carried out in region {region}; a regulator of another "
                               f"region verifies its progress")
        if not isinstance(accept, bool):
            raise InvalidInput(f"accept must be true or false, got {accept!r}")
        if not accept:
            require_text("note", note, MAX_TEXT)
        elif note is not None:
            require_text("note", note, MAX_TEXT)
        step = _milestone(project, milestone)
        if step["status"] != REPORTED:
            raise Conflict(f"milestone {milestone} of project {project['id']} is {step['status']}; only a reported "
                           f"milestone is verified")
        stamp = stamp_for(ctx)
        steps = [dict(s) for s in project["milestones"]]
        steps[milestone] = {**step, "status": VERIFIED if accept else REJECTED,
                            "verification": stamp.record(accepted=accept, note=note)}
        done = all(s["status"] == VERIFIED for s in steps)
        changed = {**project, "milestones": steps, "status": COMPLETED if done else ACTIVE,
                   "completed": stamp.record() if done else None}
        ctx.save(PROJECTS, changed)
        ctx.emit(EVENT_VERIFIED, {"project": project["id"], "milestone": milestone, "accepted": accept,
                                  "completed": done, "tx_id": ctx.tx_id})
        return changed

    @transaction
    def show(self, ctx: TxContext, project_id: Any) -> dict[str, Any]:
        consortium_reader(ctx)
        return load_project(ctx, project_id)

    @transaction
    def list(self, ctx: TxContext, status: Any = None, source: Any = None, limit: Any = None,
             bookmark: Any = None) -> dict[str, Any]:
        """A page of projects: of one status, started by one consultation or proposal, or all by id."""
        consortium_reader(ctx)
        pagination.require_limit(limit)
        if source is not None:
            require_text("source", source, 64)
            return ctx.indexed(PROJECTS, store.PROJECTS_BY_SOURCE.span(source), limit, bookmark).as_dict()
        if status is not None:
            require_choice("status", status, STATUSES)
            return ctx.indexed(PROJECTS, store.PROJECTS_BY_STATUS.span(status), limit, bookmark).as_dict()
        return ctx.page(PROJECTS.namespace.span(), limit, bookmark).as_dict()
