"""``ecoledger ledger ...`` and ``ecoledger registry ...``: what the ledger says, per organization."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import click

from client.cli.options import EcoledgerGroup, pass_app
from client.cli.output import emit_json, record, show

if TYPE_CHECKING:
    from client.cli.context import AppContext


@click.group("ledger", cls=EcoledgerGroup)
def ledger_group() -> None:
    """Chain height and current block hash as each organization's peer sees them."""


@ledger_group.command("info")
@click.option("--channel", help="One channel (default: every channel).")
@pass_app
def info(app: AppContext, channel: str | None) -> None:
    """Height and current block hash per channel and organization (each asked as its org's admin)."""
    consortium = app.network.consortium
    channels = [c for c in consortium.channels if channel in (None, c.name)]
    if not channels:
        raise click.BadParameter(f"unknown channel {channel!r}", param_hint="--channel")
    rows: list[dict[str, Any]] = []
    for ch in channels:
        for org in ch.orgs:
            gateway = app.session.gateway(f"admin-{org.code.lower()}")
            chain = gateway.get_network(ch.name).query_chain_info()
            rows.append({"channel": ch.name, "org": org.code, "peer": org.peers[0].name, "height": chain.height,
                         "current_block_hash": base64.b64encode(chain.current_block_hash).decode()})
    show(rows, app.as_json, rows=[(r["channel"], r["org"], r["peer"], r["height"], r["current_block_hash"])
                                  for r in rows], headers=("channel", "org", "peer", "height", "current block hash"))


@click.group("registry", cls=EcoledgerGroup)
def registry_group() -> None:
    """The consortium's member registry and rule parameters on the ledger (changed by adopted proposals)."""


@registry_group.command("members")
@click.option("--channel", help="As recorded on this channel (default: the all-members channel), e.g. bj-tj.")
@pass_app
def members(app: AppContext, channel: str | None) -> None:
    """Member organizations as recorded on the all-members channel (or on --channel)."""
    result = app.contract(channel).evaluate("Registry:Members")
    show(result, app.as_json, rows=[(m["code"], m["msp_id"], m["kind"], m["name"]) for m in result],
         headers=("code", "msp", "kind", "name"))


@registry_group.command("parameters")
@click.option("--catalogue", "with_catalogue", is_flag=True,
              help="With --json: the whole catalogue (type, default, description, domain) instead of name → value.")
@pass_app
def parameters(app: AppContext, with_catalogue: bool) -> None:
    """The parameter catalogue: every rule parameter a domain declares, its type and its current value.

    A parameter the consortium never set shows its default ("set" is no). With --json: an object of
    name → current value (add --catalogue for every column)."""
    if app.as_json and not with_catalogue:
        emit_json(app.contract().evaluate("Registry:Parameters"))
        return
    rows = app.contract().evaluate("Registry:Catalogue")
    show(rows, app.as_json,
         rows=[(r["name"], json.dumps(r["value"], ensure_ascii=False), "yes" if r["set"] else "no", r["type"],
                r["domain"], r["description"]) for r in rows],
         headers=("parameter", "value", "set", "type", "domain", "description"))


@registry_group.command("whoami")
@pass_app
def whoami(app: AppContext) -> None:
    """The calling identity as the chaincode sees it (MSP and certificate attributes)."""
    result = app.contract().evaluate("Registry:WhoAmI")
    if app.as_json:
        emit_json(result)
    else:
        record(result, False)
