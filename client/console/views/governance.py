"""Governance: proposals with their votes and outcome, parameter changes, concerns and consultations.

Governance runs on the consortium channel that every member is on, so every
organization's index holds all of it; everything here is from the index's
events (a vote shows the organization that cast it and its latest choice).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from client.console import svg
from client.console.views import query
from client.console.views.common import ConsoleContext, NotFound, channel_param, link, param, section, table
from client.console.views.registry import View

EVENTS = ("ProposalTabled", "ProposalVoted", "ProposalClosed", "ParameterChanged", "MembershipDecided",
          "ConcernRaised", "ConsultationOpened", "ConsultationConcluded")


def data(ctx: ConsoleContext, params: Any) -> dict[str, Any]:
    channel = channel_param(ctx, params)
    chosen = param(params, "proposal")
    status = param(params, "status")
    proposals: dict[str, dict[str, Any]] = {}
    votes: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    concerns: dict[str, dict[str, Any]] = {}
    consultations: dict[str, dict[str, Any]] = {}
    evs = query.events_named(ctx, EVENTS, channel)
    for e in evs:
        p, name = e["payload"], e["event"]
        if name == "ProposalTabled":
            proposals[str(p.get("proposal"))] = {
                "proposal": p.get("proposal"), "kind": p.get("kind"), "title": p.get("title"), "rule": p.get("rule"),
                "deadline": p.get("deadline"), "changes": p.get("changes"), "consultation": p.get("consultation"),
                "status": "open", "tabled": e["timestamp"], "channel": e["channel"], "votes": {}, "tally": None}
        elif name == "ProposalVoted":
            votes.append({"proposal": p.get("proposal"), "msp_id": p.get("msp_id"), "choice": p.get("choice"),
                          "previous": p.get("previous"), "at": e["timestamp"], "block": e["block"]})
            if str(p.get("proposal")) in proposals:
                proposals[str(p.get("proposal"))]["votes"][str(p.get("msp_id"))] = p.get("choice")
        elif name == "ProposalClosed":
            if str(p.get("proposal")) in proposals:
                proposals[str(p.get("proposal"))].update(status=p.get("status"), tally=p.get("tally"),
                                                         closed=e["timestamp"], early=p.get("early"))
        elif name == "ParameterChanged":
            changes.append({"name": p.get("name"), "old": p.get("old"), "new": p.get("new"),
                            "proposal": p.get("proposal"), "at": e["timestamp"]})
        elif name == "MembershipDecided":
            changes.append({"name": f"membership {p.get('region')} ({p.get('msp_id')})", "old": None,
                            "new": p.get("decision"), "proposal": p.get("proposal"), "at": e["timestamp"]})
        elif name == "ConcernRaised":
            concerns[str(p.get("concern"))] = {
                "concern": p.get("concern"), "area": p.get("area"), "regions": p.get("regions"),
                "consultation": p.get("consultation"), "at": e["timestamp"],
                "status": "under_consultation" if p.get("consultation") else "open"}
        elif name == "ConsultationOpened":
            consultations[str(p.get("consultation"))] = {
                "consultation": p.get("consultation"), "area": p.get("area"), "regions": p.get("regions"),
                "agenda": p.get("agenda"), "threshold": p.get("threshold"), "status": "open",
                "opened": e["timestamp"], "proposal": None}
            for cid in p.get("agenda") or []:
                if str(cid) in concerns:
                    concerns[str(cid)].update(status="under_consultation", consultation=p.get("consultation"))
        elif name == "ConsultationConcluded" and str(p.get("consultation")) in consultations:
            consultations[str(p.get("consultation"))].update(status="concluded", resolved=p.get("resolved"),
                                                             proposal=p.get("proposal"), concluded=e["timestamp"])
            for cid in p.get("resolved") or []:
                if str(cid) in concerns:
                    concerns[str(cid)]["status"] = "resolved"
    if chosen and chosen not in proposals:
        raise NotFound(f"no proposal {chosen} in the index of organization {ctx.org}")
    shown = [p for p in proposals.values() if (not chosen or p["proposal"] == chosen)
             and (not status or p["status"] == status)]
    return {
        "channel": channel, "proposal": chosen, "status": status, "truncated": len(evs) >= query.EVENT_LIMIT,
        "by_status": [{"status": s, "count": n} for s, n in sorted(Counter(p["status"] for p in proposals.values())
                                                                   .items())],
        "proposals": shown,
        "votes": [v for v in votes if not chosen or v["proposal"] == chosen],
        "changes": [c for c in changes if not chosen or c["proposal"] == chosen],
        "concerns": [] if chosen else list(concerns.values()),
        "consultations": [] if chosen else list(consultations.values()),
    }


def _tally(p: dict[str, Any]) -> str:
    if p["tally"]:
        t = p["tally"]
        return ", ".join(f"{k} {v}" for k, v in sorted(t.items()) if not isinstance(v, (dict, list)))
    counted = Counter(p["votes"].values())
    return ", ".join(f"{k} {n}" for k, n in sorted(counted.items()))


def html(d: dict[str, Any]) -> str:
    parts = [section("Proposals by status", svg.bar_chart([x["status"] for x in d["by_status"]],
                                                           [x["count"] for x in d["by_status"]],
                                                           title="proposals by status")),
             section("Proposals", table(
                 ["proposal", "kind", "title", "rule", "status", "deadline", "votes", "tally"],
                 [[link("/governance", p["proposal"], proposal=p["proposal"]), p["kind"], p["title"], p["rule"],
                   p["status"], p["deadline"], ", ".join(f"{m} {c}" for m, c in sorted(p["votes"].items())),
                   _tally(p)] for p in d["proposals"]], raw=(0,))),
             section("Votes", table(["proposal", "organization", "choice", "previous", "at", "block"],
                                    [[v["proposal"], v["msp_id"], v["choice"], v["previous"], v["at"], v["block"]]
                                     for v in d["votes"]])),
             section("Adopted changes", table(["change", "old", "new", "proposal", "at"],
                                              [[c["name"], c["old"], c["new"], c["proposal"], c["at"]]
                                               for c in d["changes"]]))]
    if not d["proposal"]:
        parts += [section("Consultations", table(
                      ["consultation", "area", "regions", "status", "agenda", "proposal", "opened"],
                      [[c["consultation"], c["area"], ", ".join(map(str, c["regions"] or [])), c["status"],
                        len(c["agenda"] or []), c["proposal"], c["opened"]] for c in d["consultations"]])),
                  section("Concerns", table(["concern", "area", "regions", "status", "consultation", "at"],
                                            [[c["concern"], c["area"], ", ".join(map(str, c["regions"] or [])),
                                              c["status"], c["consultation"], c["at"]] for c in d["concerns"]]))]
    return "".join(parts)


VIEW = View(slug="governance", title="Governance", data=data, html=html)
