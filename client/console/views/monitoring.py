"""Monitoring from the index's events: reports per enterprise and outlet, violations over time, fingerprint check.

The measured values are private to the reporting region's organization and
are not in events; what every organization may see is which periods were
reported, the fingerprint of each raw file, and the violations raised.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from client.console import svg
from client.console.views import query
from client.console.views.common import ConsoleContext, channel_param, param, section, table
from client.console.views.registry import View

REPORTED, VIOLATION = "ReportSubmitted", "ViolationRecorded"
VIOLATION_STATES = {"ViolationRecorded": "recorded", "ViolationContested": "contested", "ViolationResolved": "resolved"}


def data(ctx: ConsoleContext, params: Any, fingerprint: str | None = None) -> dict[str, Any]:
    channel = channel_param(ctx, params)
    entity = param(params, "entity")
    outlet = param(params, "outlet")
    evs = query.events_named(ctx, [REPORTED, *VIOLATION_STATES], channel)
    reports, violations = [], {}
    for e in evs:
        p = e["payload"]
        if entity and p.get("entity") != entity:
            continue
        if e["event"] == REPORTED:
            if outlet and p.get("outlet") != outlet:
                continue
            reports.append({k: p.get(k) for k in ("report", "entity", "region", "outlet", "period", "source",
                                                  "sha256", "size", "violations")} | {"block": e["block"]})
        else:
            v = violations.setdefault(p.get("violation", ""), {"violation": p.get("violation", "")})
            v.update({k: p[k] for k in ("entity", "region", "year", "kind", "severity", "source") if k in p})
            v["state"] = VIOLATION_STATES[e["event"]]
            v.setdefault("timestamp", e["timestamp"])
    per_day = Counter((v.get("timestamp") or "")[:10] for v in violations.values())
    result: dict[str, Any] = {
        "channel": channel, "entity": entity, "outlet": outlet, "truncated": len(evs) >= query.EVENT_LIMIT,
        "reports": reports,
        "violations": list(violations.values()),
        "violations_per_day": [{"day": d, "count": n} for d, n in sorted(per_day.items())],
        "reports_per_period": [{"period": k, "count": n}
                               for k, n in sorted(Counter(str(r["period"]) for r in reports).items())],
    }
    if fingerprint is not None:
        result["fingerprint"] = {"sha256": fingerprint,
                                 "matches": [r for r in reports if r.get("sha256") == fingerprint]}
    return result


def html(d: dict[str, Any]) -> str:
    form = ('<form method="post" action="/monitoring" enctype="multipart/form-data">'
            '<label>Fingerprint check of a raw file: <input type="file" name="file"></label> '
            '<button type="submit">Check</button></form>')
    parts = [section("Fingerprint check", form)]
    if d["truncated"]:
        parts.insert(0, '<p class="error">Only the oldest events were read: figures are incomplete.</p>')
    if "fingerprint" in d:
        f = d["fingerprint"]
        verdict = (f"matches {len(f['matches'])} report(s) on the ledger" if f["matches"]
                   else "matches no report on the ledger")
        parts.append(section("Fingerprint result", f'<p class="verdict">sha256 <code>{f["sha256"]}</code> {verdict}</p>'
                             + table(["report", "entity", "outlet", "period"],
                                     [[r["report"], r["entity"], r["outlet"], r["period"]] for r in f["matches"]])))
    parts += [
        section("Reports per period", svg.bar_chart([x["period"] for x in d["reports_per_period"]],
                                                    [x["count"] for x in d["reports_per_period"]],
                                                    title="reports per period")),
        section("Violations per day", svg.bar_chart([x["day"] for x in d["violations_per_day"]],
                                                    [x["count"] for x in d["violations_per_day"]],
                                                    title="violations per day")),
        section("Reports", table(["report", "entity", "outlet", "period", "source", "sha256", "violations"],
                                 [[r["report"], r["entity"], r["outlet"], r["period"], r["source"],
                                   (r["sha256"] or "")[:16], r["violations"]] for r in d["reports"]])),
        section("Violations", table(["violation", "entity", "region", "year", "kind", "severity", "state"],
                                    [[v["violation"], v.get("entity"), v.get("region"), v.get("year"), v.get("kind"),
                                      v.get("severity"), v["state"]] for v in d["violations"]])),
    ]
    return "".join(parts)


VIEW = View(slug="monitoring", title="Monitoring", data=data, html=html)
