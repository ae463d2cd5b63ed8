"""``ecoledger events watch``: chaincode events as they are committed, one line each."""

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


def event_json(event: ChaincodeEvent) -> dict[str, Any]:
    try:
        payload = event.decoded()
    except ValueError:
        payload = event.payload.decode("utf-8", errors="replace")
    return {"block": event.block_number, "tx_id": event.tx_id, "event": event.event_name, "payload": payload}


def event_line(event: ChaincodeEvent) -> str:
    """``block 12  tx 1a2b3c4d5e6f  TradeSettled  trade=T-... quantity=1000``: scalar payload fields only."""
    payload = event_json(event)["payload"]
    if isinstance(payload, dict):
        fields = " ".join(f"{key}={_short(value)}" for key, value in sorted(payload.items())
                          if key != "tx_id" and not isinstance(value, (dict, list)))
    else:
        fields = _short(payload)
    return f"block {event.block_number}  tx {short_tx(event.tx_id)}  {event.event_name}  {fields}".rstrip()


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
    """Print events as they are committed (with --json: one JSON object per line). Ctrl-C stops."""
    consortium = app.network.consortium
    network = app.session.gateway(app.identity).get_network(channel or consortium.channel)
    stream = network.chaincode_events(consortium.chaincode_name, start_block=from_block)
    seen = 0
    try:
        for event in stream:
            if app.as_json:
                click.echo(json.dumps(event_json(event), ensure_ascii=False, sort_keys=True, separators=(",", ":")))
            else:
                click.echo(event_line(event))
            seen += 1
            if limit is not None and seen >= limit:
                break
    except KeyboardInterrupt:
        pass
    finally:
        stream.close()
