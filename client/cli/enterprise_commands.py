"""``ecoledger enterprise ...``: the register of emitting enterprises, kept by each region's regulator."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from client.cli.listing import fetch_rows, more_rows, paging_options
from client.cli.options import EcoledgerGroup, pass_app
from client.cli.output import emit_json, record, show, table
from client.cli.permit_commands import filters, frozen_note, short_tx, submit, written

if TYPE_CHECKING:
    from client.cli.context import AppContext


@click.group("enterprise", cls=EcoledgerGroup)
def enterprise_group() -> None:
    """Enterprises (排污单位) by unified social credit code; registered before they hold allowances."""


@enterprise_group.command("register")
@click.option("--entity", required=True, metavar="CODE", help="Unified social credit code (18 characters).")
@click.option("--name", required=True, help="Registered name of the enterprise.")
@pass_app
def register(app: AppContext, entity: str, name: str) -> None:
    """Register an enterprise in your own region (regulators).

    The enterprise's users are then issued by its organization's CA with
    'ecoledger identity register --role enterprise --attr entity=CODE'.
    """
    entry = app.session.entry(app.identity)
    region = str(entry.attrs.get("region") or entry.org)
    outcome = submit(app, "Enterprise:Register", {"entity": entity, "name": name, "region": region})
    written(app, outcome, {"entity": entity, "name": name, "region": outcome.result["region"],
                           "organization": outcome.result["msp_id"]})


@enterprise_group.command("list")
@click.option("--region", help="Only enterprises of this region.")
@paging_options
@pass_app
def list_enterprises(app: AppContext, region: str | None, limit: int, after: str | None, all_pages: bool) -> None:
    """Enterprises you may see: yourself (enterprise), your region (regulator), all (coordinator)."""
    found = fetch_rows(app, "Enterprise:List", filters(region=region), limit=limit, after=after, all_pages=all_pages)
    rows = found.items
    show(rows, app.as_json, rows=[(r["entity"], r["name"], r["region"], frozen_note(r["frozen"]) or "active",
                                   r["registered"]["at"]) for r in rows],
         headers=("entity", "name", "region", "status", "registered"), empty="(no enterprises)")
    more_rows(found, app.as_json)


@enterprise_group.command("show")
@click.argument("entity")
@pass_app
def show_enterprise(app: AppContext, entity: str) -> None:
    """One enterprise with its register log (registration, freezes)."""
    found = app.contract().evaluate("Enterprise:Show", {"entity": entity})
    if app.as_json:
        emit_json(found)
        return
    record({"entity": found["entity"], "name": found["name"], "region": found["region"],
            "organization": found["msp_id"], "status": frozen_note(found["frozen"]) or "active"}, False)
    click.echo("")
    click.echo(table([(e["at"], e["action"], e.get("reason", ""), f"{e['by']['name']}@{e['by']['msp_id']}",
                       short_tx(e["tx_id"])) for e in found["log"]], ("at", "action", "reason", "by", "tx")))
