"""Overview: node health, heights per channel (index and peer), transactions per minute, latest blocks."""

from __future__ import annotations

from typing import Any

from client.console import svg
from client.console.views import query
from client.console.views.common import ConsoleContext, h, link, section, table
from client.console.views.registry import View


def data(ctx: ConsoleContext, params: Any) -> dict[str, Any]:
    indexed = query.heights(ctx)
    peer = ctx.peer_heights()
    return {
        "organization": ctx.org,
        "identity": ctx.identity,
        "channels": [{"channel": c, "indexed": indexed[c], "peer": peer.get(c),
                      "lag": None if peer.get(c) is None else max(0, peer[c] - indexed[c])}
                     for c in ctx.channels],
        "health": ctx.health(),
        "tx_per_minute": [{"minute": m, "count": n} for m, n in query.tx_per_minute(ctx)],
        "validation": query.validation_counts(ctx),
        "latest_blocks": query.latest_blocks(ctx),
    }


def html(d: dict[str, Any]) -> str:
    chart = svg.bar_chart([x["minute"][11:] for x in d["tx_per_minute"]], [x["count"] for x in d["tx_per_minute"]],
                          title="transactions per minute")
    return "".join([
        section("Heights", table(["channel", "indexed", "peer", "lag"],
                                 [[c["channel"], c["indexed"], "—" if c["peer"] is None else c["peer"],
                                   "—" if c["lag"] is None else c["lag"]] for c in d["channels"]])),
        section("Nodes", table(["node", "status"], [[n["node"], n["status"]] for n in d["health"]],
                               empty="no operations endpoints known")),
        section("Transactions per minute", chart),
        section("Validation", table(["code", "transactions"], sorted(d["validation"].items()))),
        section("Latest blocks", table(
            ["channel", "block", "transactions", "time", "hash"],
            [[b["channel"], link("/search", b["number"], q=b["number"], channel=b["channel"]), b["tx_count"],
              b["timestamp"], h(b["header_hash"][:16]) + "…"] for b in d["latest_blocks"]], raw=(1, 4))),
    ])


VIEW = View(slug="overview", title="Overview", data=data, html=html)
