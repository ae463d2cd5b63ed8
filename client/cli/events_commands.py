"""``ecoledger events watch``: chaincode events as they are committed, one line each.

A transaction's events arrive in one envelope (Fabric carries one chaincode
event per transaction, see :mod:`common.events`); each event in it gets its
own line, numbered within its transaction when there are several.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from client.cli.options import EcoledgerGroup, pass_app
from client.cli.permit_commands import short_tx

if TYPE_CHECKING:
    from client.cli.context import AppContext
    from client.gateway import ChaincodeEvent

MAX_FIELD = 40


def events_json(event: ChaincodeEvent) -> list[dict[str, Any]]:
    """One object per event the transaction raised: ``{block, tx_id, index, count, event, payload}``."""
    from common import events as envelope

    inner = envelope.unpack(event.event_name, event.payload)
    return [{"block": event.block_number, "tx_id": event.tx_id, "index": index, "count": len(inner),
             "event": name, "payload": payload} for index, (name, payload) in enumerate(inner)]


def event_line(item: dict[str, Any]) -> str:
    """``block 12  tx 1a2b3c4d5e6f  TradeSettled  trade=T-... quantity=1000``: scalar payload fields only."""
    payload = item["payload"]
    if isinstance(payload, dict):
        fields = " ".join(f"{key}={_short(value)}" for key, value in sorted(payload.items())
                          if key != "tx_id" and not isinstance(value, (dict, list)))
    else:
        fields = _short(payload)
    position = f" {item['index'] + 1}/{item['count']}" if item["count"] > 1 else ""
    return f"block {item['block']}  tx {short_tx(item['tx_id'])}{position}  {item['event']}  {fields}".rstrip()


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= MAX_FIELD else text[:MAX_FIELD - 1] + "…"


@click.group("events", cls=EcoledgerGroup)
def events_group() -> None:
    """Chaincode events (issuance, offers, trades, approvals, freezes, ...)."""


@events_group.command("watch")
@click.option("--channel", help="Channel to watch (default: the all-members channel).")
@click.option("--from-block", type=click.IntRange(min=0), help="Replay from this block (default: new events only).")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many events.")
@pass_app
def watch(app: AppContext, channel: str | None, from_block: int | None, limit: int | None) -> None:
    """Print events as they are committed (with --json: one JSON object per line). Ctrl-C stops.

    A transaction that raised several events (a purchase that settles and closes its offer) prints
    each of them; --limit counts events, not transactions."""
    consortium = app.network.consortium
    network = app.session.gateway(app.identity).get_network(channel or consortium.channel)
    stream = network.chaincode_events(consortium.chaincode_name, start_block=from_block)
    seen = 0
    try:
        for event in stream:
            for item in events_json(event):
                if app.as_json:
                    click.echo(json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
                else:
                    click.echo(event_line(item))
                seen += 1
                if limit is not None and seen >= limit:
                    return
    except KeyboardInterrupt:
        pass
    finally:
        stream.close()
