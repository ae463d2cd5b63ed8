"""Block and transaction search: a block number (in one or every channel) or a transaction id, decoded."""

from __future__ import annotations

import json
from typing import Any

from client.console.views import query
from client.console.views.common import TX_ID, BadRequest, ConsoleContext, NotFound, channel_param, h, section, table
from client.console.views.registry import View
from client.index.store import transactions

MAX_Q = 64
MAX_BLOCK = 2**63 - 1


def data(ctx: ConsoleContext, params: Any) -> dict[str, Any]:
    q = (params.get("q") or "").strip()
    channel = channel_param(ctx, params)
    result: dict[str, Any] = {"q": q, "channel": channel, "blocks": [], "transactions": []}
    if not q:
        return result
    if len(q) > MAX_Q:
        raise BadRequest("the search is too long: give a block number or a transaction id")
    if TX_ID.match(q.lower()):
        conditions = [transactions.c.tx_id == q.lower()]
        if channel:
            conditions.append(transactions.c.channel == channel)
        result["transactions"] = query.tx_rows(ctx, *conditions)
    elif q.isdigit() and int(q) <= MAX_BLOCK:
        number = int(q)
        for c in [channel] if channel else ctx.channels:
            row = query.block_row(ctx, c, number)
            if row is not None:
                row["transactions"] = query.tx_rows(ctx, transactions.c.channel == c, transactions.c.block == number)
                result["blocks"].append(row)
    else:
        raise BadRequest("search by block number or by a transaction id (64 hexadecimal characters)")
    if not result["blocks"] and not result["transactions"]:
        raise NotFound(f"nothing in organization {ctx.org}'s index matches {q}")
    return result


def _tx_table(txs: list[dict[str, Any]]) -> str:
    return table(["channel", "block", "#", "tx id", "function", "creator", "endorsers", "validation", "events"],
                 [[t["channel"], t["block"], t["position"], t["tx_id"], t["function"] or t["type"],
                   f'{t["creator_msp"]} {t["creator_name"]}'.strip(), ", ".join(t["endorsers"]), t["validation"],
                   "<br>".join(f'<b>{h(e["name"])}</b> <code>{h(json.dumps(e["payload"], ensure_ascii=False))}</code>'
                               for e in t["events"])]
                  for t in txs], raw=(8,))


def html(d: dict[str, Any]) -> str:
    form = (f'<form method="get" action="/search"><input name="q" value="{h(d["q"])}" '
            'placeholder="block number or transaction id" size="70" maxlength="64"> '
            '<button type="submit">Search</button></form>')
    parts = [form]
    for b in d["blocks"]:
        parts.append(section(f'Block {b["number"]} of {b["channel"]}',
                             f'<p>hash <code>{h(b["header_hash"])}</code><br>previous <code>'
                             f'{h(b["previous_hash"])}</code><br>time {h(b["timestamp"])}</p>'
                             + _tx_table(b["transactions"])))
    if d["transactions"]:
        parts.append(section("Transactions", _tx_table(d["transactions"])))
    return "".join(parts)


VIEW = View(slug="search", title="Blocks & transactions", data=data, html=html)
