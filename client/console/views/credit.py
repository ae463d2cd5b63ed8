"""Green credit: levels by region, and an enterprise's timeline and explanation.

A level is derived on every read from the facts of a scoring window that
moves with the clock, so levels and the explanation are read live through
``Credit:Board`` and ``Credit:Explain`` (public to every consortium reader,
laid out as ``ecoledger credit board/explain`` lays them out). The timeline
is the index's events about the enterprise: violations recorded, contested,
resolved, repaired, and its repair applications and decisions.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from client.console import svg
from client.console.views import query
from client.console.views.common import (ConsoleContext, channel_param, h, int_param, live, live_or_refusal, param,
                                         section, table)
from client.console.views.registry import View

TIMELINE = {"ViolationRecorded": "violation recorded", "ViolationContested": "violation contested",
            "ViolationResolved": "violation resolved", "ViolationRepaired": "violation repaired",
            "CreditRepairApplied": "repair applied", "CreditRepairApproved": "repair approved",
            "CreditRepairRefused": "repair refused"}
LEVELS = ("green", "blue", "yellow", "red")


def data(ctx: ConsoleContext, params: Any) -> dict[str, Any]:
    from client.credit.service import EXPLAIN_HEADERS, board_rows, explain_rows, summary, trend_rows

    channel = channel_param(ctx, params)
    entity = param(params, "entity")
    year = int_param(params, "year", 0, low=0, high=9999)
    board, live_error = live_or_refusal(ctx, "Credit:Board", {"year": year} if year else {})
    evs = query.events_named(ctx, list(TIMELINE), channel)
    recorded = Counter(e["payload"].get("region") for e in evs if e["event"] == "ViolationRecorded")
    result: dict[str, Any] = {
        "channel": channel, "entity": entity, "board": board, "live_error": live_error,
        "board_rows": board_rows(board) if board else [],
        "trend_rows": trend_rows(board) if board else [],
        "violations_by_region": [{"region": r, "count": n} for r, n in sorted(recorded.items(), key=str)],
        "truncated": len(evs) >= query.EVENT_LIMIT, "explanation": None, "timeline": [],
    }
    if entity:
        explained, explain_error = live(ctx, "Credit:Explain", {"entity": entity})
        result["live_error"] = live_error or explain_error
        result["explanation"] = explained
        result["summary"] = summary(explained) if explained else None
        result["explain_headers"] = list(EXPLAIN_HEADERS)
        result["explain_rows"] = [list(r) for r in explain_rows(explained)] if explained else []
        result["timeline"] = [
            {"at": e["timestamp"], "what": TIMELINE[e["event"]], "event": e["event"],
             "violation": e["payload"].get("violation"), "repair": e["payload"].get("repair"),
             "kind": e["payload"].get("kind"), "severity": e["payload"].get("severity"),
             "block": e["block"], "tx_id": e["tx_id"]}
            for e in evs if e["payload"].get("entity") == entity]
    return result


def html(d: dict[str, Any]) -> str:
    from client.credit.service import BOARD_HEADERS, LEVEL_NAMES

    form = ('<form method="get" action="/credit"><input name="entity" placeholder="unified social credit code" '
            'size="24" maxlength="64"> <button type="submit">Explain</button></form>')
    parts = [section("An enterprise's credit", form)]
    if d["entity"]:
        body = table(["", ""], list((d.get("summary") or {}).items()),
                     empty=d["live_error"] or f"(no answer for {d['entity']})")
        body += table(d["explain_headers"], d["explain_rows"], empty="(no facts in the scoring window)")
        tl = d["timeline"]
        if tl:
            per_day = sorted(Counter(t["at"][:10] for t in tl).items())
            body += svg.bar_chart([day for day, _ in per_day], [n for _, n in per_day],
                                  title="events about this enterprise per day")
        body += table(["at", "what", "violation", "repair", "kind", "severity", "block"],
                      [[t["at"], t["what"], t["violation"], t["repair"], t["kind"], t["severity"], t["block"]]
                       for t in tl], empty="(no events about this enterprise in the index)")
        parts.insert(0, section(f"Credit of {d['entity']}: explanation and timeline", body))
    board = d["board"]
    if board:
        regions = board.get("regions") or []
        labels = [f"{r['region']} {LEVEL_NAMES[lv]}" for r in regions for lv in LEVELS]  # short enough for a tick
        values = [r["levels"].get(lv, 0) for r in regions for lv in LEVELS]
        months = [row[0] for row in d["trend_rows"]]
        series = {r["region"]: [row[i + 1] for row in d["trend_rows"]] for i, r in enumerate(regions)}
        parts.append(section(f"Levels by region, {board.get('year')} (live, as of {board.get('at')})",
                             svg.bar_chart(labels, values, title="enterprises per level and region")
                             + table(list(BOARD_HEADERS), d["board_rows"])
                             + svg.line_chart(months, series, title="violations per month and region")))
    else:
        parts.append(section("Levels by region", f'<p class="empty">{h(d["live_error"] or "(no answer)")}</p>'))
    parts.append(section("Violations recorded per region (index)", table(
        ["region", "violations"], [[v["region"], v["count"]] for v in d["violations_by_region"]])))
    return "".join(parts)


VIEW = View(slug="credit", title="Credit", data=data, html=html)
