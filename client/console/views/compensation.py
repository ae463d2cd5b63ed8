"""Cross-boundary compensation: per agreement, the index P of each period (a chart) and its settlements.

Agreements live on the pair channel of their two regions, so an
organization's index holds only the agreements of the pairs it belongs to:
a Tianjin console never shows a Beijing–Hebei agreement. Everything here
comes from the index's events; P is the chaincode's rounded decimal string
(the chart converts it only to draw).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from client.console import svg
from client.console.views import query
from client.console.views.common import ConsoleContext, NotFound, channel_param, h, link, param, section, table
from client.console.views.registry import View

EVENTS = ("CompensationProposed", "CompensationSigned", "CompensationMeansSubmitted", "CompensationPeriodAgreed",
          "CompensationPeriodDisputed", "CompensationDisputeResolved", "CompensationSettled",
          "CompensationConfirmed", "RegionalCompensationSettled")
PERIOD_STATUS = {"CompensationMeansSubmitted": "open", "CompensationPeriodAgreed": "agreed",
                 "CompensationPeriodDisputed": "disputed", "CompensationDisputeResolved": "resolved",
                 "CompensationSettled": "settled"}


def _number(text: Any) -> float:
    try:
        return float(Decimal(str(text)))
    except (InvalidOperation, ValueError):
        return 0.0


def ledger(ctx: ConsoleContext, channel: str | None = None) -> dict[str, Any]:
    """Agreements (with periods), settlements and regional settlements from this organization's channels."""
    agreements: dict[str, dict[str, Any]] = {}
    settlements: dict[str, dict[str, Any]] = {}
    regional: list[dict[str, Any]] = []
    for e in query.events_named(ctx, EVENTS, channel):
        p, name = e["payload"], e["event"]
        if name == "RegionalCompensationSettled":
            regional.append({"period": p.get("period"), "pollutant": p.get("pollutant"), "pool": p.get("pool"),
                             "channel": e["channel"], "at": e["timestamp"]})
            continue
        if name == "CompensationConfirmed":
            s = settlements.get(str(p.get("settlement")))
            if s is not None:
                s["status"] = p.get("step")
                s[str(p.get("step"))] = e["timestamp"]
            continue
        aid = str(p.get("agreement", ""))
        if name == "CompensationProposed":
            agreements[aid] = {"agreement": aid, "channel": e["channel"], "upstream": p.get("upstream"),
                               "downstream": p.get("downstream"), "section": p.get("section"),
                               "proposed_by": p.get("by"), "status": "proposed", "proposed": e["timestamp"],
                               "periods": {}}
            continue
        a = agreements.get(aid)
        if a is None:
            continue
        if name == "CompensationSigned":
            a["status"], a["signed"] = "in_force", e["timestamp"]  # as the chaincode names it
            continue
        period = a["periods"].setdefault(str(p.get("period")), {"period": str(p.get("period")), "status": "open",
                                                                 "submitted_by": [], "p": None, "settlement": None})
        period["status"] = PERIOD_STATUS[name]
        if name == "CompensationMeansSubmitted":
            period["submitted_by"].append(p.get("region"))
        elif name == "CompensationSettled":
            period.update(p=p.get("p"), settlement=p.get("settlement"))
            settlements[str(p.get("settlement"))] = {
                "settlement": p.get("settlement"), "agreement": aid, "period": period["period"], "p": p.get("p"),
                "payer": p.get("payer"), "payee": p.get("payee"), "amount_yuan": p.get("amount_yuan"),
                "status": "awaiting_payment", "settled": e["timestamp"], "channel": e["channel"]}
    return {"agreements": agreements, "settlements": settlements, "regional": regional}


def data(ctx: ConsoleContext, params: Any) -> dict[str, Any]:
    channel = channel_param(ctx, params)
    chosen = param(params, "agreement")
    found = ledger(ctx, channel)
    agreements = found["agreements"]
    if chosen and chosen not in agreements:
        raise NotFound(f"no compensation agreement {chosen} on the channels of organization {ctx.org}")
    shown = [agreements[chosen]] if chosen else list(agreements.values())
    return {
        "channel": channel, "agreement": chosen,
        "agreements": [{**{k: v for k, v in a.items() if k != "periods"},
                        "periods": sorted(a["periods"].values(), key=lambda x: x["period"])} for a in shown],
        "settlements": [s for s in found["settlements"].values() if not chosen or s["agreement"] == chosen],
        "regional": [] if chosen else found["regional"],
    }


def html(d: dict[str, Any]) -> str:
    parts = []
    for a in d["agreements"]:
        settled = [x for x in a["periods"] if x["p"] is not None]
        chart = (svg.line_chart([x["period"] for x in settled], {"P": [_number(x["p"]) for x in settled]},
                                title=f"P per period, agreement {a['agreement']}", limit=1)
                 if settled else '<p class="empty">(no settled period yet)</p>')
        head = (f"<p>{link('/compensation', a['agreement'], agreement=a['agreement'])} on {h(a['channel'])}: "
                f"upstream {h(a['upstream'])} → downstream {h(a['downstream'])}, {h(a['section'])} "
                f"({h(a['status'])})</p>")
        periods = table(["period", "status", "means from", "P", "settlement"],
                        [[x["period"], x["status"], ", ".join(map(str, x["submitted_by"])), x["p"], x["settlement"]]
                         for x in a["periods"]])
        parts.append(section(f"Agreement {a['agreement']}", head + chart + periods))
    if not d["agreements"]:
        parts.append('<p class="empty">(no compensation agreements on this organization\'s channels)</p>')
    parts.append(section("Settlements", table(
        ["settlement", "agreement", "period", "P", "payer", "payee", "amount yuan", "status"],
        [[s["settlement"], s["agreement"], s["period"], s["p"], s["payer"], s["payee"], s["amount_yuan"], s["status"]]
         for s in d["settlements"]])))
    if d["regional"]:
        parts.append(section("Regional settlements", table(
            ["period", "pollutant", "channel", "at"],
            [[r["period"], r["pollutant"], r["channel"], r["at"]] for r in d["regional"]])))
    return "".join(parts)


VIEW = View(slug="compensation", title="Compensation", data=data, html=html)
