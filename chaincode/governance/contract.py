"""Contract ``Proposal``: table, vote (one organization one vote), close; an adopted change applies at once.

* ``Proposal:Table`` — an admin or delegate of a member organization tables a proposal of one kind:
  ``parameter`` (catalogue parameters with new values), ``standard`` (the same, with the standard's
  document fingerprint), ``membership`` (admit or remove a region) or ``resolution`` (text, optionally a
  document fingerprint; no automatic effect). A parameter change is checked by each parameter's own
  validator and the catalogue's constraints at once: a proposal that could never be applied is refused.
  The electorate (every member organization), the quorum and the majority rule are fixed when it is tabled.
* ``Proposal:Vote`` — yes, no or abstain for the caller's organization, changeable until the deadline;
  voting the same again changes nothing.
* ``Proposal:Close`` — anyone in the consortium, after the deadline (or before it once the outcome can no
  longer change, see :mod:`chaincode.governance.rules`): the tally and outcome, and for an adopted
  parameter change the new values, written through the catalogue in the same transaction. Values are
  checked again against the ledger as it is then; when another adopted proposal made them invalid the
  proposal ends ``failed`` with the reason and nothing is applied.

A proposal record::

    {id, kind, title, rationale, document, changes, base, membership, text, rule, electorate,
     quorum_permille, quorum, voting_seconds, deadline, deadline_ts, consultation, status, tabled,
     closed, tally, result}

``status`` is ``open``, then ``adopted``, ``rejected`` or ``failed``.
"""

from __future__ import annotations

import re
from typing import Any

from chaincode.governance import rules, store
from chaincode.governance.members import acting_organization, consortium_reader, optional_sha256, require_sha256
from chaincode.governance.parameters import VOTING_RULES, GovernanceRules, load_rules
from chaincode.governance.store import MEMBERSHIP, PROPOSALS, VOTES
from chaincode.registry import api as registry
from chaincode.runtime import pagination, parameters
from chaincode.runtime.checks import require_choice, require_id, require_text
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, InvalidInput
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, Stamp, iso_time, new_id, stamp_for
from common.names import REGION_KIND

EVENT_TABLED = "ProposalTabled"
EVENT_VOTED = "ProposalVoted"
EVENT_CLOSED = "ProposalClosed"
EVENT_PARAMETER_CHANGED = "ParameterChanged"
EVENT_MEMBERSHIP = "MembershipDecided"

OPEN, ADOPTED, REJECTED, FAILED = "open", "adopted", "rejected", "failed"
STATUSES = (OPEN, ADOPTED, REJECTED, FAILED)
ADMIT, REMOVE = "admit", "remove"
MAX_CHANGES = 20
MAX_TITLE = 200
MAX_RATIONALE = 4000
_REGION = re.compile(r"[A-Z][A-Z0-9]{1,15}")
_MSP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def rules_of(ctx: TxContext) -> GovernanceRules:
    return load_rules(lambda name: registry.parameter(ctx, name))


def now(ctx: TxContext) -> int:
    """The transaction's timestamp in whole seconds (every endorser reads the same)."""
    return int(ctx.timestamp)


# -- tabling (also used by Consultation:Conclude) ------------------------------------------------


def table(ctx: TxContext, ids: IdSequence, stamp: Stamp, spec: Any, consultation: str | None = None
          ) -> dict[str, Any]:
    """Check a proposal ``spec`` (the arguments of ``Proposal:Table``) and record it open."""
    if not isinstance(spec, dict):
        raise InvalidInput("a proposal must be an object with kind, title, voting_seconds and its content")
    accepted = {"kind", "title", "rationale", "voting_seconds", "changes", "document", "membership", "text"}
    unknown = sorted(set(spec) - accepted)
    if unknown:
        raise InvalidInput(f"proposal has unknown field(s) {', '.join(unknown)}; accepted: {', '.join(sorted(accepted))}")
    kind = require_choice("kind", spec.get("kind"), rules.KINDS)
    title = require_text("title", spec.get("title"), MAX_TITLE)
    rationale = spec.get("rationale") or ""
    if rationale:
        require_text("rationale", rationale, MAX_RATIONALE)
    governance = rules_of(ctx)
    seconds = spec.get("voting_seconds")
    problem = rules.deadline_problem(seconds, governance.voting_min_seconds, governance.voting_max_seconds)
    if problem is not None:
        raise InvalidInput(problem)
    document = optional_sha256("document", spec.get("document"))
    changes: dict[str, Any] = {}
    membership = None
    text = None
    for field in ("changes", "membership", "text"):
        wanted = {rules.PARAMETER: "changes", rules.STANDARD: "changes", rules.MEMBERSHIP: "membership",
                  rules.RESOLUTION: "text"}[kind]
        if field != wanted and spec.get(field) is not None:
            raise InvalidInput(f"a {kind} proposal takes no {field}")
    if kind in (rules.PARAMETER, rules.STANDARD):
        changes = _changes(ctx, spec.get("changes"))
        if kind == rules.STANDARD and document is None:
            raise InvalidInput("a standard proposal needs the document fingerprint of the standard (document)")
    elif kind == rules.MEMBERSHIP:
        membership = _membership(ctx, spec.get("membership"))
    else:
        text = require_text("text", spec.get("text"), MAX_RATIONALE)
    electorate = sorted(member["msp_id"] for member in registry.members(ctx))
    rule = rules.required_rule(kind, changes, VOTING_RULES)
    deadline_ts = now(ctx) + seconds
    record = {
        "id": new_id(ctx, ids, "P", PROPOSALS),
        "kind": kind,
        "title": title,
        "rationale": rationale,
        "document": document,
        "changes": changes,
        "base": {name: registry.parameter(ctx, name) for name in sorted(changes)},
        "membership": membership,
        "text": text,
        "rule": rule,
        "electorate": electorate,
        "quorum_permille": governance.quorum_permille,
        "quorum": rules.quorum_needed(len(electorate), governance.quorum_permille),
        "voting_seconds": seconds,
        "deadline": iso_time(deadline_ts),
        "deadline_ts": deadline_ts,
        "consultation": consultation,
        "status": OPEN,
        "tabled": stamp.record(),
        "closed": None,
        "tally": None,
        "result": None,
    }
    ctx.save(PROPOSALS, record)
    ctx.emit(EVENT_TABLED, {"proposal": record["id"], "kind": kind, "title": title, "rule": rule,
                            "electorate": electorate, "deadline": record["deadline"],
                            "changes": sorted(changes), "consultation": consultation, "tx_id": ctx.tx_id})
    return record


def _changes(ctx: TxContext, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise InvalidInput("changes must be a non-empty object mapping catalogue parameter names to new values")
    if len(value) > MAX_CHANGES:
        raise InvalidInput(f"a proposal changes at most {MAX_CHANGES} parameters, got {len(value)}")
    for name, item in value.items():
        _check_no_fraction(f"changes.{name}", item)
    problems = parameters.problems(ctx.get_json, value)
    if problems:
        raise InvalidInput("this change could never be applied: " + "; ".join(problems))
    return dict(sorted(value.items()))


def _check_no_fraction(field: str, value: Any) -> None:
    if value is None:
        raise InvalidInput(f"{field} must not be null")
    if isinstance(value, float):
        raise InvalidInput(f"{field} is a fraction ({value}); parameters hold integers")
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_no_fraction(f"{field}[{index}]", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_no_fraction(f"{field}.{key}", item)


def _membership(ctx: TxContext, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput("membership must be an object {action: admit|remove, region, msp_id, name, config_sha256, "
                           "config_sequence}")
    unknown = sorted(set(value) - {"action", "region", "msp_id", "name", "config_sha256", "config_sequence"})
    if unknown:
        raise InvalidInput(f"membership has unknown field(s) {', '.join(unknown)}")
    action = require_choice("membership.action", value.get("action"), (ADMIT, REMOVE))
    region = value.get("region")
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise InvalidInput(f"membership.region must be a region code of 2-16 uppercase letters or digits, like SD, "
                           f"got {region!r}")
    config = _config_update(value)
    members = {m["code"]: m for m in registry.members(ctx)}
    decided = ctx.find(MEMBERSHIP, region)
    admitted = decided is not None and decided["decision"] == ADMIT
    if action == ADMIT:
        if region in members:
            raise Conflict(f"region {region} is already a member ({members[region]['msp_id']})")
        if admitted:
            raise Conflict(f"region {region} was already admitted by proposal {decided['proposal']}")
        msp_id = value.get("msp_id") or f"{region}MSP"
        if not isinstance(msp_id, str) or not _MSP_ID.fullmatch(msp_id):
            raise InvalidInput(f"membership.msp_id must be an MSP id, got {msp_id!r}")
        name = value.get("name") or region
        require_text("membership.name", name, MAX_TITLE)
        return {"action": ADMIT, "region": region, "msp_id": msp_id, "name": name, **config}
    if value.get("msp_id") is not None or value.get("name") is not None:
        raise InvalidInput("a proposal to remove a region takes only its region code (and the channel update)")
    member = members.get(region)
    if (member is None or member["kind"] != REGION_KIND) and not admitted:
        raise Conflict(f"region {region} is not a member region; only a member region can be removed")
    return {"action": REMOVE, "region": region, "msp_id": member["msp_id"] if member else decided["msp_id"],
            "name": member["name"] if member else decided["name"], **config}


def _config_update(value: dict[str, Any]) -> dict[str, Any]:
    """The channel configuration update the decision stands for: its SHA-256 and the config sequence it was
    computed from (both or neither). The tool that changes the channel signs only an update whose hash an
    adopted proposal holds; a stale update then fails at the orderer on its read set."""
    digest, sequence = value.get("config_sha256"), value.get("config_sequence")
    if digest is None and sequence is None:
        return {"config_sha256": None, "config_sequence": None}
    if digest is None or sequence is None:
        raise InvalidInput("membership.config_sha256 and membership.config_sequence go together: the update's "
                           "SHA-256 and the channel config sequence it was computed from")
    require_sha256("membership.config_sha256", digest)
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise InvalidInput(f"membership.config_sequence must be a whole number from 0, got {sequence!r}")
    return {"config_sha256": digest, "config_sequence": sequence}


def load_proposal(ctx: TxContext, proposal_id: Any) -> dict[str, Any]:
    require_id("proposal_id", proposal_id, "P")
    return ctx.load(PROPOSALS, proposal_id)


def _read_ahead_for_vote(ctx: TxContext, proposal_id: Any) -> None:
    """The three records a vote reads (member, proposal, the organization's vote), in one request to the peer.

    Only a speed-up: the checks that follow read them in their usual order, and refuse a bad id as usual.
    """
    try:
        keys = (registry.caller_member_key(ctx), PROPOSALS.key(require_id("proposal_id", proposal_id, "P")),
                VOTES.key(proposal_id, ctx.caller.msp_id))
    except (InvalidInput, ValueError):  # refused by the checks below, with their own message
        return
    ctx.prefetch(*keys)


def current_tally(ctx: TxContext, proposal: dict[str, Any]) -> rules.Tally:
    choices = {msp: vote["choice"] for msp, vote in store.votes(ctx, proposal["id"]).items()}
    return rules.tally(proposal["rule"], proposal["electorate"], proposal["quorum_permille"], choices)


class ProposalContract(Contract):
    name = "Proposal"

    @transaction
    def table(self, ctx: TxContext, kind: Any, title: Any, voting_seconds: Any, rationale: Any = None,
              changes: Any = None, document: Any = None, membership: Any = None, text: Any = None
              ) -> dict[str, Any]:
        """Table a proposal for the caller's organization (an admin or delegate)."""
        acting_organization(ctx, "Proposal:Table")
        spec = {"kind": kind, "title": title, "voting_seconds": voting_seconds, "rationale": rationale,
                "changes": changes, "document": document, "membership": membership, "text": text}
        return table(ctx, IdSequence(ctx.tx_id), stamp_for(ctx), spec)

    @transaction
    def vote(self, ctx: TxContext, proposal_id: Any, choice: Any) -> dict[str, Any]:
        """The caller's organization votes yes, no or abstain (changeable until the deadline)."""
        _read_ahead_for_vote(ctx, proposal_id)
        member = acting_organization(ctx, "Proposal:Vote")
        require_choice("choice", choice, rules.CHOICES)
        proposal = load_proposal(ctx, proposal_id)
        if proposal["status"] != OPEN:
            raise Conflict(f"proposal {proposal_id} is closed ({proposal['status']}); votes are no longer taken")
        msp_id = member["msp_id"]
        if msp_id not in proposal["electorate"]:
            raise AccessDenied(f"organization {msp_id} was not a member when proposal {proposal_id} was tabled; "
                               f"the electorate is {', '.join(proposal['electorate'])}")
        if now(ctx) >= proposal["deadline_ts"]:
            raise Conflict(f"voting on proposal {proposal_id} ended at {proposal['deadline']}; "
                           f"votes after the deadline are refused")
        key = VOTES.key(proposal["id"], msp_id)
        previous = ctx.get_json(key)
        if previous is not None and previous["choice"] == choice:
            return {"proposal": proposal["id"], "msp_id": msp_id, "choice": choice, "changed": False,
                    "tally": current_tally(ctx, proposal).as_dict()}
        stamp = stamp_for(ctx)
        ctx.put_json(key, {"proposal": proposal["id"], "msp_id": msp_id, "choice": choice,
                           "previous": None if previous is None else previous["choice"],
                           "changes": 0 if previous is None else previous["changes"] + 1, **stamp.record()})
        ctx.emit(EVENT_VOTED, {"proposal": proposal["id"], "msp_id": msp_id, "choice": choice,
                               "previous": None if previous is None else previous["choice"], "tx_id": ctx.tx_id})
        return {"proposal": proposal["id"], "msp_id": msp_id, "choice": choice, "changed": True,
                "previous": None if previous is None else previous["choice"],
                "tally": current_tally(ctx, proposal).as_dict()}

    @transaction
    def close(self, ctx: TxContext, proposal_id: Any) -> dict[str, Any]:
        """Tally a proposal after its deadline (or early once adopted whatever the others vote) and apply it."""
        consortium_reader(ctx)
        proposal = load_proposal(ctx, proposal_id)
        if proposal["status"] != OPEN:
            raise Conflict(f"proposal {proposal_id} is already closed ({proposal['status']} in transaction "
                           f"{proposal['closed']['tx_id']})")
        counted = current_tally(ctx, proposal)
        early = now(ctx) < proposal["deadline_ts"]
        if early and not counted.decided:
            raise Conflict(f"voting on proposal {proposal_id} is open until {proposal['deadline']}; it closes "
                           f"earlier only once adopted whatever the {counted.not_voted} organization(s) that have "
                           f"not voted do ({counted.yes} yes, {counted.no} no, {counted.abstain} abstain; "
                           f"quorum {counted.quorum})")
        status, result = counted.outcome, {"reason": counted.reason(), "early": early}
        if status == ADOPTED:
            status, result = _apply(ctx, proposal, result)
        closed = {**proposal, "status": status, "closed": stamp_for(ctx).record(), "tally": counted.as_dict(),
                  "result": result}
        ctx.save(PROPOSALS, closed)
        ctx.emit(EVENT_CLOSED, {"proposal": proposal["id"], "kind": proposal["kind"], "status": status,
                                "tally": counted.as_dict(), "early": early, "tx_id": ctx.tx_id})
        return closed

    @transaction
    def show(self, ctx: TxContext, proposal_id: Any) -> dict[str, Any]:
        """A proposal with every organization's current vote and, while open, the running tally."""
        consortium_reader(ctx)
        proposal = load_proposal(ctx, proposal_id)
        votes = {msp: {"choice": vote["choice"], "at": vote["at"], "by": vote["by"]}
                 for msp, vote in store.votes(ctx, proposal["id"]).items()}
        running = current_tally(ctx, proposal).as_dict() if proposal["status"] == OPEN else None
        return {**proposal, "votes": votes, "running": running}

    @transaction
    def list(self, ctx: TxContext, status: Any = None, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """A page of proposals (optionally of one status), by id."""
        consortium_reader(ctx)
        pagination.require_limit(limit)
        if status is None:
            return ctx.page(PROPOSALS.namespace.span(), limit, bookmark).as_dict()
        require_choice("status", status, STATUSES)
        return ctx.indexed(PROPOSALS, store.PROPOSALS_BY_STATUS.span(status), limit, bookmark).as_dict()


def _apply(ctx: TxContext, proposal: dict[str, Any], result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The effect of an adopted proposal, in the closing transaction: ``(status, result)``."""
    kind = proposal["kind"]
    if kind in (rules.PARAMETER, rules.STANDARD):
        changes = proposal["changes"]
        moved = sorted(name for name in changes
                       if registry.parameter(ctx, name) != proposal["base"].get(name))
        problems = parameters.problems(ctx.get_json, changes)
        if problems:
            return FAILED, {**result, "reason": "adopted, but the change can no longer be applied: "
                                                + "; ".join(problems), "changed_since_tabling": moved}
        applied = parameters.apply(ctx.get_json, ctx.put_json, changes)
        for name, change in applied.items():
            ctx.emit(EVENT_PARAMETER_CHANGED, {"name": name, "old": change["old"], "new": change["new"],
                                               "proposal": proposal["id"], "tx_id": ctx.tx_id})
        return ADOPTED, {**result, "applied": sorted(applied), "changed_since_tabling": moved}
    if kind == rules.MEMBERSHIP:
        decision = {**proposal["membership"], "decision": proposal["membership"]["action"],
                    "proposal": proposal["id"], **stamp_for(ctx).record()}
        decision.pop("action")
        ctx.save(MEMBERSHIP, decision)
        if decision["decision"] == ADMIT:
            registry.admit_region(ctx, decision["msp_id"], decision["region"], decision["name"])
        else:
            registry.remove_region(ctx, decision["msp_id"])
        ctx.emit(EVENT_MEMBERSHIP, {"region": decision["region"], "decision": decision["decision"],
                                    "msp_id": decision["msp_id"], "proposal": proposal["id"], "tx_id": ctx.tx_id})
        return ADOPTED, {**result, "membership": decision["decision"]}
    return ADOPTED, result
