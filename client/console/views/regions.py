"""Flows between regions: allowance trades, hazardous-waste transfers and compensation payments.

Trades are on the consortium channel (their regions are public; prices are
not in events). Waste transfers are those this organization may see (its
region as origin or destination; all for the coordinator), as on the
manifests view. Payments are compensation settlements of the pair channels
this organization is on. Totals are sums of integers from events.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from client.console import svg
from client.console.views import manifests, query
from client.console.views.common import ConsoleContext, channel_param, param, region_scope, section, table
from client.console.views.registry import View

TRADE_EVENTS = ("TradePending", "TradeApproved", "TradeSettled", "TradeRejected")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def data(ctx: ConsoleContext, params: Any) -> dict[str, Any]:
    from client.console.views import compensation

    channel = channel_param(ctx, params)
    region = param(params, "region")
    trades: dict[str, dict[str, Any]] = {}
    for e in query.events_named(ctx, TRADE_EVENTS, channel):
        p = e["payload"]
        trades[str(p.get("trade"))] = {"from": p.get("seller_region"), "to": p.get("buyer_region"),
                                       "pollutant": p.get("pollutant"), "quantity": _int(p.get("quantity")),
                                       "event": e["event"]}
    flows: dict[tuple[str, str, str, str], dict[str, Any]] = defaultdict(lambda: {"count": 0, "amount": 0})
    for t in trades.values():
        if t["event"] in ("TradeSettled", "TradeApproved"):
            f = flows[("trade", str(t["from"]), str(t["to"]), f"{t['pollutant']} kg")]
            f["count"] += 1
            f["amount"] += t["quantity"]
    for m in manifests.manifests_of(ctx, channel).values():
        if m["status"] in ("refused",):
            continue
        f = flows[("waste", str(m["origin"]), str(m["destination"]), f"{m['code']} kg")]
        f["count"] += 1
        f["amount"] += _int(m["quantity"])
    for s in compensation.ledger(ctx, channel)["settlements"].values():
        f = flows[("payment", str(s["payer"]), str(s["payee"]), "yuan")]
        f["count"] += 1
        f["amount"] = str(_money(f["amount"]) + _money(s["amount_yuan"]))
    rows = [{"kind": k, "from": a, "to": b, "unit": u, "count": v["count"], "amount": str(v["amount"])}
            for (k, a, b, u), v in sorted(flows.items())
            if not region or region in (a, b)]
    return {"channel": channel, "region": region, "scope": region_scope(ctx), "flows": rows}


def html(d: dict[str, Any]) -> str:
    parts = []
    for kind, title in (("trade", "Allowance trades (settled or approved)"), ("waste", "Waste transfers"),
                        ("payment", "Compensation payments")):
        rows = [r for r in d["flows"] if r["kind"] == kind]
        nodes = sorted({r["from"] for r in rows} | {r["to"] for r in rows})
        diagram = (svg.flow_diagram(nodes, [(r["from"], r["to"], f"{r['amount']} {r['unit']}") for r in rows
                                            if r["from"] != r["to"]], title=f"{title}: from region to region")
                   if rows else "")
        parts.append(section(title, diagram + table(["from", "to", "count", "amount", "unit"],
                                                    [[r["from"], r["to"], r["count"], r["amount"], r["unit"]]
                                                     for r in rows])))
    return "".join(parts)


VIEW = View(slug="regions", title="Regions", data=data, html=html)
