"""Reads of the index shared by views; every read is limited to the organization's channels."""

from __future__ import annotations

import json
from typing import Any, Sequence

from sqlalchemy import and_, desc, func, select

from client.console.views.common import ConsoleContext
from client.index.store import blocks, checkpoints, events, transactions


EVENT_LIMIT = 50_000


def events_named(ctx: ConsoleContext, names: Sequence[str], channel: str | None = None,
                 limit: int = EVENT_LIMIT) -> list[dict[str, Any]]:
    """Events (oldest first) with their transaction's timestamp; ``payload`` parsed.

    At most ``limit`` events are read: a view whose list comes back that long says so (``truncated``)."""
    chans = [channel] if channel else ctx.channels
    stmt = (select(events.c.channel, events.c.block, events.c.tx_id, events.c.name, events.c.payload,
                   transactions.c.timestamp)
            .join(transactions, and_(transactions.c.channel == events.c.channel,
                                     transactions.c.block == events.c.block,
                                     transactions.c.position == events.c.position))
            .where(events.c.name.in_(list(names)), events.c.channel.in_(chans))
            .order_by(events.c.block, events.c.position, events.c.idx).limit(limit))
    with ctx.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    out = []
    for r in rows:
        payload = json.loads(r.payload)
        out.append({"channel": r.channel, "block": r.block, "tx_id": r.tx_id, "event": r.name,
                    "timestamp": r.timestamp, "payload": payload if isinstance(payload, dict) else {"value": payload}})
    return out


def heights(ctx: ConsoleContext) -> dict[str, int]:
    with ctx.engine.connect() as conn:
        found = {r.channel: r.height for r in conn.execute(select(checkpoints)
                                                          .where(checkpoints.c.channel.in_(ctx.channels)))}
    return {c: found.get(c, 0) for c in ctx.channels}


def latest_blocks(ctx: ConsoleContext, limit: int = 10) -> list[dict[str, Any]]:
    stmt = (select(blocks).where(blocks.c.channel.in_(ctx.channels))
            .order_by(desc(blocks.c.timestamp), blocks.c.channel, desc(blocks.c.number)).limit(limit))
    with ctx.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def tx_rows(ctx: ConsoleContext, *conditions: Any, limit: int = 100) -> list[dict[str, Any]]:
    stmt = (select(transactions).where(transactions.c.channel.in_(ctx.channels), *conditions)
            .order_by(transactions.c.channel, transactions.c.block, transactions.c.position).limit(limit))
    with ctx.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(stmt)]
        for row in rows:
            row["endorsers"] = json.loads(row["endorsers"])
            row["events"] = [{"name": e.name, "payload": json.loads(e.payload)} for e in conn.execute(
                select(events.c.name, events.c.payload)
                .where(events.c.channel == row["channel"], events.c.block == row["block"],
                       events.c.position == row["position"]).order_by(events.c.idx))]
    return rows


def block_row(ctx: ConsoleContext, channel: str, number: int) -> dict[str, Any] | None:
    with ctx.engine.connect() as conn:
        row = conn.execute(select(blocks).where(blocks.c.channel == channel, blocks.c.number == number)).first()
    return dict(row._mapping) if row else None


def tx_per_minute(ctx: ConsoleContext, minutes: int = 30) -> list[tuple[str, int]]:
    """Transactions per minute over the last ``minutes`` minutes that have any (index time, not wall clock)."""
    minute = func.substr(transactions.c.timestamp, 1, 16)
    stmt = (select(minute.label("minute"), func.count().label("n"))
            .where(transactions.c.channel.in_(ctx.channels), transactions.c.timestamp != "")
            .group_by(minute).order_by(desc(minute)).limit(minutes))
    with ctx.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [(r.minute, r.n) for r in reversed(rows)]


def validation_counts(ctx: ConsoleContext) -> dict[str, int]:
    stmt = (select(transactions.c.validation, func.count().label("n"))
            .where(transactions.c.channel.in_(ctx.channels)).group_by(transactions.c.validation)
            .order_by(transactions.c.validation))
    with ctx.engine.connect() as conn:
        return {r.validation: r.n for r in conn.execute(stmt)}
