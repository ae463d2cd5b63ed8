"""Allowances from the index's events: totals issued, offers, trades, each enterprise's movements, trade flows.

Quantities are kilograms (integers on the ledger). Prices are private data and
never in events, so no console shows them; the index holds only their hashes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from client.console import svg
from client.console.views import query
from client.console.views.common import ConsoleContext, channel_param, h, live, param, section, table
from client.console.views.registry import View

ISSUED, SURRENDERED = "AllowanceIssued", "AllowancesSurrendered"
OFFER_EVENTS = {"OfferListed": "open", "OfferClosed": "closed", "OfferCancelled": "cancelled"}
PROVENANCE_LIMIT = 50
TRADE_EVENTS = ("TradePending", "TradeApproved", "TradeSettled", "TradeRejected")


def _kg(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def data(ctx: ConsoleContext, params: Any) -> dict[str, Any]:
    channel = channel_param(ctx, params)
    entity = param(params, "entity")
    evs = query.events_named(ctx, [ISSUED, SURRENDERED, *OFFER_EVENTS, *TRADE_EVENTS], channel)
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    moves: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    offers: dict[str, dict[str, Any]] = {}
    trades: dict[str, dict[str, Any]] = {}
    for e in evs:
        p, name = e["payload"], e["event"]
        if name == ISSUED:
            totals[(p.get("region", ""), p.get("pollutant", ""), str(p.get("vintage", "")))] += _kg(p.get("quantity"))
            moves[(p.get("entity", ""), p.get("pollutant", ""), str(p.get("vintage", "")))]["issued"] += _kg(
                p.get("quantity"))
        elif name == SURRENDERED:
            moves[(p.get("entity", ""), p.get("pollutant", ""), str(p.get("year", "")))]["surrendered"] += _kg(
                p.get("quantity"))
        elif name in OFFER_EVENTS:
            offer = offers.setdefault(p.get("offer", ""), {"offer": p.get("offer", ""), "channel": e["channel"]})
            offer.update({k: p[k] for k in ("seller", "region", "pollutant", "vintage", "quantity") if k in p})
            offer["status"] = OFFER_EVENTS[name]
        else:
            trade = trades.setdefault(p.get("trade", ""), {"trade": p.get("trade", ""), "channel": e["channel"]})
            trade.update({k: p.get(k) for k in ("offer", "seller", "buyer", "seller_region", "buyer_region",
                                                "pollutant", "vintage", "quantity", "status")})
            trade["last_event"], trade["timestamp"] = name, e["timestamp"]
    for t in trades.values():
        if t["last_event"] == "TradeSettled":
            moves[(t["seller"], t["pollutant"], str(t["vintage"]))]["sold"] += _kg(t["quantity"])
            moves[(t["buyer"], t["pollutant"], str(t["vintage"]))]["bought"] += _kg(t["quantity"])
    holdings = []
    for (who, pollutant, vintage), m in sorted(moves.items()):
        if entity and who != entity:
            continue
        net = m["issued"] + m["bought"] - m["sold"] - m["surrendered"]
        holdings.append({"entity": who, "pollutant": pollutant, "vintage": vintage, **{k: m[k] for k in
                         ("issued", "bought", "sold", "surrendered")}, "net": net})

    def mine(x: dict[str, Any], *keys: str) -> bool:
        return not entity or any(x.get(k) == entity for k in keys)

    holdings_now, live_error = live(ctx, "Permit:Holdings", {"owner": entity} if entity else {})
    lot = param(params, "lot")
    provenance = None
    if lot:
        provenance, lot_error = live(ctx, "Permit:History", {"lot_id": lot, "limit": PROVENANCE_LIMIT})
        live_error = live_error or lot_error
    return {
        "live_holdings": holdings_now, "live_error": live_error, "provenance": provenance,
        "channel": channel, "entity": entity, "truncated": len(evs) >= query.EVENT_LIMIT,
        "totals": [{"region": r, "pollutant": p, "vintage": v, "issued_kg": q} for (r, p, v), q in sorted(totals.items())],
        "holdings": holdings,
        "offers": [o for o in offers.values() if mine(o, "seller")],
        "trades": [t for t in trades.values() if mine(t, "seller", "buyer")],
    }


def html(d: dict[str, Any]) -> str:
    flowing = [t for t in d["trades"] if t["last_event"] != "TradeRejected"]
    nodes = sorted({t["seller"] for t in flowing} | {t["buyer"] for t in flowing})
    diagram = (svg.flow_diagram(nodes, [(t["seller"], t["buyer"], f'{t["pollutant"]} {t["quantity"]} kg {t["status"]}')
                                        for t in flowing], title="trades (not rejected): seller to buyer")
               if flowing else '<p class="empty">(no trades)</p>')
    lot_form = ('<form method="get" action="/allowances"><input name="lot" placeholder="lot id" size="40" '
                'maxlength="64"> <button type="submit">Provenance</button></form>')
    live_parts = [section("Holdings now (live, kg)", table(
        ["owner", "region", "pollutant", "vintage", "held", "frozen", "escrowed", "pending", "retired"],
        [[r.get(k) for k in ("owner", "region", "pollutant", "vintage", "held", "frozen", "escrowed", "pending",
                             "retired")] for r in d["live_holdings"] or []],
        empty=d["live_error"] or "(no holdings)"))]
    trail = d["provenance"]
    if trail:
        entries = list(reversed(trail.get("items", [])))  # oldest first
        nodes = [f'{i + 1}. {e.get("action")} {str(e.get("owner"))[-6:]}' for i, e in enumerate(entries)]
        edges = [(a, b, f'{entries[i + 1].get("quantity")} kg') for i, (a, b) in enumerate(zip(nodes, nodes[1:]))]
        live_parts.append(section(f'Provenance of lot {trail.get("lot")} (issued as {trail.get("root")})',
                                  svg.flow_diagram(nodes, edges, title="provenance, oldest first") + table(
                                      ["at", "action", "owner", "quantity kg", "status"],
                                      [[e.get("at"), e.get("action"), e.get("owner"), e.get("quantity"),
                                        e.get("status")] for e in entries])))
    if d["live_error"] and d["live_holdings"] is not None:
        live_parts.append(f'<p class="error">{h(d["live_error"])}</p>')
    live_parts.append(section("Lot provenance", lot_form))
    note = '<p class="error">Only the oldest events were read: figures are incomplete.</p>' if d["truncated"] else ""
    return note + "".join(live_parts) + "".join([
        section("Issued (kg)", table(["region", "pollutant", "vintage", "issued kg"],
                                     [[t["region"], t["pollutant"], t["vintage"], t["issued_kg"]] for t in d["totals"]])),
        section("Holdings from events (kg)", table(
            ["entity", "pollutant", "vintage", "issued", "bought", "sold", "surrendered", "net"],
            [[x["entity"], x["pollutant"], x["vintage"], x["issued"], x["bought"], x["sold"], x["surrendered"],
              x["net"]] for x in d["holdings"]])),
        section("Offers", table(["offer", "seller", "pollutant", "vintage", "quantity kg", "status"],
                                [[o["offer"], o.get("seller"), o.get("pollutant"), o.get("vintage"), o.get("quantity"),
                                  o["status"]] for o in d["offers"]])),
        section("Trades", table(["trade", "offer", "seller", "buyer", "pollutant", "quantity kg", "status"],
                                [[t["trade"], t["offer"], t["seller"], t["buyer"], t["pollutant"], t["quantity"],
                                  t["status"]] for t in d["trades"]])),
        section("Trade flows", diagram),
    ])


VIEW = View(slug="allowances", title="Allowances", data=data, html=html)
