"""Hazardous-waste manifests: a status board with alerts, and a manifest's chain of custody as a diagram.

The board comes from the index's events; a region's organization sees the
manifests leaving or entering its region (as the chaincode lets its
regulator read them), the coordinator sees all. Alerts depend on the clock
(days in transit, days without a signed receipt), so they are read live
through ``Manifest:Alerts``, which answers only what the console's identity
may read; the index adds what needs no clock (discrepancies found on
receipt and not yet resolved, refusals, rejections).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from client.console import svg
from client.console.views import query
from client.console.views.common import (ConsoleContext, NotFound, channel_param, h, link, live, live_or_refusal,
                                         param, region_scope, section, table)
from client.console.views.registry import View

STATUS_OF = {"ManifestRefused": "refused", "ManifestPickedUp": "in_transit", "ManifestHandedOff": "in_transit",
             "ManifestReceived": "received", "ManifestDisposed": "disposed"}
UNKNOWN = "unknown"  # a manifest made by a rejection: pending or scheduled, which no event says until its next step
EVENTS = ("ManifestCreated", "ManifestApproved", "ManifestConsented", "ManifestRefused", "ManifestPickedUp",
          "ManifestHandedOff", "ManifestReceived", "ManifestDisposed", "ManifestRejected", "DiscrepancyResolved",
          "CorrectionRequested", "CorrectionAnswered")
STEP = {"ManifestCreated": "created", "ManifestApproved": "approved", "ManifestConsented": "consented",
        "ManifestRefused": "refused", "ManifestPickedUp": "picked up", "ManifestHandedOff": "handed off",
        "ManifestReceived": "received", "ManifestDisposed": "disposed", "ManifestRejected": "rejected",
        "DiscrepancyResolved": "discrepancy resolved", "CorrectionRequested": "correction requested",
        "CorrectionAnswered": "correction answered"}


def manifests_of(ctx: ConsoleContext, channel: str | None = None) -> dict[str, dict[str, Any]]:
    """Every manifest this organization may see, with its status and steps, from the index (oldest first)."""
    scope = region_scope(ctx)
    found: dict[str, dict[str, Any]] = {}
    for e in query.events_named(ctx, EVENTS, channel):
        p, name = e["payload"], e["event"]
        number = str(p.get("manifest", ""))
        if name == "ManifestCreated":
            if scope is not None and scope not in (p.get("origin"), p.get("destination")):
                continue
            found[number] = {"manifest": number, "generator": p.get("generator"), "origin": p.get("origin"),
                             "destination": p.get("destination"), "code": p.get("code"),
                             "quantity": p.get("quantity"), "status": p.get("status"), "created": e["timestamp"],
                             "transporters": [], "receiver": None, "discrepancy": None, "violation": None,
                             "correction": None, "links": [], "original": None, "steps": []}
        m = found.get(number)
        if m is None:
            continue
        m["steps"].append({"step": STEP[name], "at": e["timestamp"], "tx_id": e["tx_id"], "block": e["block"],
                           "channel": e["channel"],
                           "party": (p.get("transporter") or p.get("to") or p.get("receiver") or p.get("by")
                                     or p.get("generator"))})
        if "status" in p and name != "ManifestCreated":
            m["status"] = p["status"]
        if name in STATUS_OF:
            m["status"] = STATUS_OF[name]
        if name == "ManifestPickedUp":
            m["transporters"].append(p.get("transporter"))
        elif name == "ManifestHandedOff":
            m["transporters"].append(p.get("to"))
        elif name == "ManifestReceived":
            m.update(receiver=p.get("receiver"), discrepancy=p.get("discrepancy"), violation=p.get("violation"))
        elif name == "DiscrepancyResolved":
            m["discrepancy"] = None
        elif name == "ManifestRejected":
            m["links"].append(p.get("linked"))
            if p.get("full"):
                m["status"] = "rejected"
            back = p.get("to") == "generator"
            seen_by = (m["destination"], m["origin"] if back else None)
            if p.get("linked") and (scope is None or scope in seen_by):  # the rejected part leaves on a new
                # manifest, which has no ManifestCreated event of its own
                found[str(p["linked"])] = {
                    **{k: m[k] for k in ("generator", "code")}, "manifest": str(p["linked"]),
                    "origin": seen_by[0], "destination": seen_by[1],
                    "quantity": p.get("quantity"), "status": None, "created": e["timestamp"], "transporters": [],
                    "receiver": None, "discrepancy": None, "violation": None, "correction": None, "links": [],
                    "original": number, "steps": [{"step": f"created by the rejection of {number}",
                                                   "at": e["timestamp"], "tx_id": e["tx_id"], "block": e["block"],
                                                   "channel": e["channel"], "party": p.get("to")}]}
        elif name == "CorrectionRequested":
            m["correction"] = p.get("field")
        elif name == "CorrectionAnswered":
            m["correction"] = None
    return found


def attention(m: dict[str, Any]) -> str | None:
    """Why a manifest needs a look, from the index alone (no clock); None if it does not."""
    if m["discrepancy"]:
        kinds = m["discrepancy"] if isinstance(m["discrepancy"], list) else [m["discrepancy"]]
        return "discrepancy on receipt: " + ", ".join(map(str, kinds))
    if m["status"] in ("refused", "rejected"):
        return m["status"]
    if m["correction"]:
        return f"correction of {m['correction']} open"
    return None


def data(ctx: ConsoleContext, params: Any) -> dict[str, Any]:
    channel = channel_param(ctx, params)
    status = param(params, "status")
    entity = param(params, "entity")
    number = param(params, "manifest")
    every = manifests_of(ctx, channel)
    board = Counter(m["status"] or UNKNOWN for m in every.values())
    rows = [m for m in every.values()
            if (not status or (m["status"] or UNKNOWN) == status)
            and (not entity or entity in (m["generator"], m["receiver"], *m["transporters"]))]
    alerts, live_error = live_or_refusal(ctx, "Manifest:Alerts", {})
    result: dict[str, Any] = {
        "channel": channel, "status": status, "entity": entity, "scope": region_scope(ctx),
        "board": [{"status": s, "count": n} for s, n in sorted(board.items())],
        "manifests": [{k: v for k, v in m.items() if k != "steps"} for m in rows],
        "attention": [{"manifest": m["manifest"], "status": m["status"], "why": attention(m)}
                      for m in every.values() if attention(m)],
        "alerts": (alerts or {}).get("alerts") if isinstance(alerts, dict) else alerts,
        "live_error": live_error, "custody": None, "trace": None,
    }
    if number:
        if number not in every:
            raise NotFound(f"no manifest {number} that organization {ctx.org} may see in the index")
        result["custody"] = every[number]
        result["trace"], trace_error = live(ctx, "Manifest:Trace", {"manifest_id": number})
        result["live_error"] = live_error or trace_error
    return result


def custody_diagram(m: dict[str, Any]) -> str:
    """Generator → transporters in order → receiver, each arrow labelled with the step that handed over."""
    nodes = [("generator", str(m["generator"]))]
    edges = []
    for i, t in enumerate(m["transporters"]):
        nodes.append((f"{i + 1}. carrier", str(t)))
        edges.append("picked up" if i == 0 else "handed off")
    if m["receiver"]:
        nodes.append(("receiver", str(m["receiver"])))
        edges.append("received")
    return svg.chain_diagram(nodes, edges, title=f"chain of custody of manifest {m['manifest']}: "
                             + " → ".join(f"{role} {name}" for role, name in nodes))


def _alert_rows(alerts: Any) -> list[list[Any]]:
    rows: list[list[Any]] = []
    if isinstance(alerts, dict):
        for kind, page in sorted(alerts.items()):
            for a in (page.get("items", []) if isinstance(page, dict) else page or []):
                rows.append([kind, a.get("manifest") or a.get("approval"), a.get("status") or a.get("valid_until"),
                             a.get("days", a.get("days_left")), a.get("level") or "", a.get("what")])
    return rows


def html(d: dict[str, Any]) -> str:
    parts = [
        section("Status board", svg.bar_chart([b["status"] for b in d["board"]], [b["count"] for b in d["board"]],
                                              title="manifests by status")
                + table(["status", "manifests"], [[b["status"], b["count"]] for b in d["board"]])),
        section("Alerts (live)", table(["kind", "manifest / approval", "status / until", "days", "level", "what"],
                                       _alert_rows(d["alerts"]), empty=d["live_error"] or "(no alerts)")),
        section("Needs attention (index)", table(["manifest", "status", "why"],
                                                 [[m["manifest"], m["status"], m["why"]] for m in d["attention"]])),
    ]
    m = d["custody"]
    if m:
        body = custody_diagram(m) + table(
            ["step", "party", "at", "block", "transaction"],
            [[s["step"], s["party"], s["at"], s["block"], link("/search", s["tx_id"][:16], q=s["tx_id"])]
             for s in m["steps"]], raw=(4,))
        linked = [x for x in m["links"] if x]
        trace = d["trace"]
        if trace and isinstance(trace.get("root"), dict):
            def ids(node: dict[str, Any]) -> list[str]:
                return [node["id"]] + [i for child in node.get("links", []) for i in ids(child)]
            linked = sorted(set(linked) | set(ids(trace["root"])) - {m["manifest"]})
        if linked:
            body += "<p>Linked manifests: " + ", ".join(link("/manifests", x, manifest=x) for x in linked) + "</p>"
        parts.insert(0, section(f"Chain of custody of manifest {m['manifest']}", body))
    parts.append(section("Manifests", table(
        ["manifest", "generator", "origin", "destination", "code", "quantity kg", "status", "receiver"],
        [[link("/manifests", m["manifest"], manifest=m["manifest"]), m["generator"], m["origin"], m["destination"],
          m["code"], m["quantity"], m["status"], m["receiver"]] for m in d["manifests"]], raw=(0,))))
    if d["live_error"] and d["alerts"] is not None:
        parts.append(f'<p class="error">{h(d["live_error"])}</p>')
    return "".join(parts)


VIEW = View(slug="manifests", title="Manifests", data=data, html=html)
