"""``ecoledger permit ...``: issue, list, trace, freeze and surrender emission allowances.

Also home of what the permit, market and enterprise commands share: option
types that turn ``1000t`` and ``1200/t`` into ledger units (a bad value is one
``error:`` line and nothing is sent), the acting identity's market client, and
the output of a committed write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable

import click

from client import units
from client.cli.errors import CommandError
from client.cli.listing import fetch_answer, fetch_rows, more_rows, paging_options
from client.cli.options import EcoledgerGroup, pass_app
from client.cli.output import emit_json, record, show, table
from client.cli.progress import bar
from client.retry import endorsers_unknown

if TYPE_CHECKING:
    from client.cli.context import AppContext
    from client.gateway import SubmitResult
    from client.market import MarketClient

TX_DIGITS = 12


# -- shared by the permit, market and enterprise commands ------------------------------------


class LedgerUnit(click.ParamType):
    """An option value converted by ``parse``; a refusal names the option and ends the command."""

    def __init__(self, name: str, parse: Callable[[str], int]) -> None:
        self.name = name
        self._parse = parse

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return self._parse(value)
        except units.UnitError as err:
            raise CommandError(f"{_option(param)}: {err}") from None


def _option(param: click.Parameter | None) -> str:
    if param is None:
        return "value"
    return param.opts[0] if param.opts and param.opts[0].startswith("-") else param.human_readable_name


QUANTITY = LedgerUnit("quantity", units.parse_quantity)
PRICE = LedgerUnit("price", units.parse_price)
YEAR = LedgerUnit("year", units.parse_year)


def market_client(app: AppContext) -> MarketClient:
    """The acting identity's market client on the all-members channel."""
    from client.market import MarketClient

    entry = app.session.entry(app.identity)
    return MarketClient(app.contract(), app.network.consortium, entry.identity.msp_id,
                        on_retry=_discovery_note())


def _discovery_note() -> Callable[[Exception, int], None]:
    """Tell the user once why a write is taking longer: the gateway is still looking for an endorser."""
    told: list[bool] = []

    def note(error: Exception, attempt: int) -> None:
        if endorsers_unknown(error) and not told:
            told.append(True)
            click.echo(f"note: {getattr(error, 'message', error)}; waiting for the gateway to discover it",
                       err=True)

    return note


def submit(app: AppContext, function: str, args: dict[str, Any]) -> SubmitResult:
    """A write as the acting identity, submitted again after a lost race."""
    return market_client(app).submit(function, args)


def market_call(action: Callable[[], SubmitResult]) -> SubmitResult:
    """Run a market client action; its own refusals become one ``error:`` line."""
    from client.market import MarketError

    try:
        return action()
    except MarketError as err:
        raise CommandError(str(err)) from None


def short_tx(tx_id: str | None) -> str:
    return (tx_id or "")[:TX_DIGITS]


def written(app: AppContext, outcome: SubmitResult, summary: dict[str, Any]) -> None:
    """A committed write: the full result with ``tx_id`` and ``block`` (``--json``), else ``summary``."""
    if app.as_json:
        result = outcome.result if isinstance(outcome.result, dict) else {"result": outcome.result}
        emit_json({**result, "tx_id": outcome.tx_id, "block": outcome.block_number})
        return
    record({**summary, "tx": f"{short_tx(outcome.tx_id)}  (block {outcome.block_number})"}, False)


def filters(**values: Any) -> dict[str, Any]:
    """Query arguments without the options left unset."""
    return {key: value for key, value in values.items() if value is not None}


def kg(quantity: int) -> str:
    return units.format_quantity(quantity)


def frozen_note(frozen: dict[str, Any] | None) -> str:
    return f"frozen ({frozen['reason']})" if frozen else ""


def entries_table(entries: Iterable[dict[str, Any]], with_lot: bool = False) -> str:
    rows = [([e["lot"]] if with_lot else []) + [e["at"], e["action"], e["owner"], kg(e["quantity"]), e["status"],
                                                 f"{e['by']['name']}@{e['by']['msp_id']}", short_tx(e["tx_id"])]
            for e in entries]
    headers = (["lot"] if with_lot else []) + ["at", "action", "owner", "quantity", "status", "by", "tx"]
    return table(rows, headers)


# -- ecoledger permit --------------------------------------------------------------------------


@click.group("permit", cls=EcoledgerGroup)
def permit_group() -> None:
    """Emission allowances: issued by regulators, held, traded and surrendered by enterprises.

    Quantities take kg or t (a bare number is kg): 1000t, 2.5t, 750kg, 750.
    """


@permit_group.command("issue")
@click.option("--to", "entity", required=True, metavar="ENTITY", help="Credit code of an enterprise of your region.")
@click.option("--pollutant", required=True, help="SO2, NOx, COD, NH3-N, VOCs, PM (ledger parameter pollutants).")
@click.option("--vintage", required=True, type=YEAR, help="Vintage year of the allowances.")
@click.option("--quantity", required=True, type=QUANTITY, help="How much, e.g. 1000t or 500kg.")
@pass_app
def issue(app: AppContext, entity: str, pollutant: str, vintage: int, quantity: int) -> None:
    """Issue a new lot to an enterprise of your region (regulators)."""
    outcome = submit(app, "Permit:Issue", {"entity": entity, "pollutant": pollutant, "vintage": vintage,
                                           "quantity": quantity})
    lot = outcome.result
    written(app, outcome, {"lot": lot["id"], "owner": lot["owner"], "region": lot["issuing_region"],
                           "pollutant": lot["pollutant"], "vintage": lot["vintage"], "quantity": kg(lot["quantity"])})


BATCH_LIMIT = 500  # lots per Permit:IssueBatch, as the chaincode accepts


@permit_group.command("issue-batch")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--batch", type=click.IntRange(1, BATCH_LIMIT), default=250, show_default=True,
              help="Lots per transaction.")
@pass_app
def issue_batch(app: AppContext, file: Any, batch: int) -> None:
    """Issue many lots from a CSV FILE (regulators): columns entity,pollutant,vintage,quantity.

    Quantities take units (1000t, 500kg). Every row is checked before anything is sent; each
    transaction issues up to --batch lots, all or none, and a bar shows progress on a terminal.
    Use - to read standard input."""
    import csv

    rows = []
    for number, row in enumerate(csv.DictReader(file), start=2):
        missing = [name for name in ("entity", "pollutant", "vintage", "quantity") if not (row.get(name) or "").strip()]
        if missing:
            raise CommandError(f"line {number}: missing {', '.join(missing)} (columns: entity,pollutant,vintage,"
                               f"quantity)")
        try:
            rows.append({"entity": row["entity"].strip(), "pollutant": row["pollutant"].strip(),
                         "vintage": units.parse_year(row["vintage"]), "quantity": units.parse_quantity(row["quantity"])})
        except units.UnitError as err:
            raise CommandError(f"line {number}: {err}") from None
    if not rows:
        raise CommandError("the file has no lots (a header line entity,pollutant,vintage,quantity, then one lot a line)")
    issued: list[str] = []
    chunks = [rows[start:start + batch] for start in range(0, len(rows), batch)]
    with bar("issuing lots", total=len(chunks)) as advance:
        for chunk in chunks:
            outcome = submit(app, "Permit:IssueBatch", {"lots": chunk})
            issued.extend(outcome.result["lots"])
            advance()
    summary = {"lots": len(issued), "transactions": len(chunks), "kilograms": sum(r["quantity"] for r in rows)}
    if app.as_json:
        emit_json({**summary, "ids": issued})
    else:
        record({**summary, "kilograms": kg(summary["kilograms"])}, False)


@permit_group.command("list")
@click.option("--owner", metavar="ENTITY", help="Only lots of this enterprise.")
@click.option("--region", help="Only lots held in this region.")
@click.option("--pollutant", help="Only this pollutant.")
@click.option("--vintage", type=YEAR, help="Only this vintage.")
@click.option("--status", type=click.Choice(["held", "escrowed", "pending", "retired"]), help="Only this status.")
@paging_options
@pass_app
def list_lots(app: AppContext, owner: str | None, region: str | None, pollutant: str | None, vintage: int | None,
              status: str | None, limit: int, after: str | None, all_pages: bool) -> None:
    """Lots you may see: your own (enterprise), your region's (regulator), all (coordinator)."""
    found = fetch_rows(app, "Permit:Lots", filters(owner=owner, region=region, pollutant=pollutant, vintage=vintage,
                                                   status=status), limit=limit, after=after, all_pages=all_pages)
    lots = found.items
    show(lots, app.as_json, rows=[(lot["id"], lot["owner"], lot["owner_region"], lot["issuing_region"],
                                   lot["pollutant"], lot["vintage"], kg(lot["quantity"]), lot["status"],
                                   frozen_note(lot["frozen"]) or lot["trade"] or lot["offer"] or "")
                                  for lot in lots],
         headers=("lot", "owner", "region", "issued by", "pollutant", "vintage", "quantity", "status", "note"),
         empty="(no lots)")
    more_rows(found, app.as_json)


@permit_group.command("show")
@click.argument("lot_id")
@pass_app
def show_lot(app: AppContext, lot_id: str) -> None:
    """One lot with its provenance."""
    lot = app.contract().evaluate("Permit:Show", {"lot_id": lot_id})
    if app.as_json:
        emit_json(lot)
        return
    record({"lot": lot["id"], "owner": f"{lot['owner']} ({lot['owner_region']})", "issued by": lot["issuing_region"],
            "pollutant": lot["pollutant"], "vintage": lot["vintage"], "quantity": kg(lot["quantity"]),
            "status": lot["status"] + (f", {frozen_note(lot['frozen'])}" if lot["frozen"] else ""),
            "offer": lot["offer"] or "-", "trade": lot["trade"] or "-", "parent": lot["parent"] or "-",
            "root": lot["root"]}, False)
    click.echo("")
    click.echo(entries_table(lot["provenance"]))


@permit_group.command("history")
@click.argument("lot_id")
@paging_options
@pass_app
def history(app: AppContext, lot_id: str, limit: int, after: str | None, all_pages: bool) -> None:
    """Provenance of a lot back to its issuance (newest entry first), through every split and owner.

    With --json: the ledger's answer, its items being the entries of the pages shown.
    """
    trail, rows = fetch_answer(app, "Permit:History", {"lot_id": lot_id}, limit=limit, after=after,
                               all_pages=all_pages)
    if app.as_json:
        emit_json({**trail, "items": rows.items, "bookmark": rows.bookmark, "more": bool(rows.bookmark)})
    else:
        click.echo(f"lot {trail['lot']}: issued as {trail['root']}, split depth {trail.get('depth', 0)}")
        click.echo("")
        click.echo(entries_table(rows.items, with_lot=True) if rows.items else "(no entries)")
    more_rows(rows, app.as_json)


@permit_group.command("holdings")
@click.option("--owner", metavar="ENTITY", help="Only this enterprise.")
@pass_app
def holdings(app: AppContext, owner: str | None) -> None:
    """Per enterprise, pollutant and vintage: held, frozen, escrowed, pending and retired."""
    rows = app.contract().evaluate("Permit:Holdings", filters(owner=owner))
    show(rows, app.as_json, rows=[(r["owner"], r["region"], r["pollutant"], r["vintage"], kg(r["held"]),
                                   kg(r["frozen"]), kg(r["escrowed"]), kg(r["pending"]), kg(r["retired"]))
                                  for r in rows],
         headers=("owner", "region", "pollutant", "vintage", "held", "frozen", "escrowed", "pending", "retired"),
         empty="(no holdings)")


@permit_group.command("surrender")
@click.option("--pollutant", required=True, help="Pollutant of the emissions.")
@click.option("--year", required=True, type=YEAR, help="Emission year the allowances are surrendered for.")
@click.option("--quantity", required=True, type=QUANTITY, help="How much, e.g. 800t.")
@click.option("--vintage", type=YEAR,
              help="Only lots of this vintage (≤ YEAR). Default: every vintage ≤ YEAR, oldest first.")
@pass_app
def surrender(app: AppContext, pollutant: str, year: int, quantity: int, vintage: int | None) -> None:
    """Retire allowances against your verified emissions of YEAR (enterprises).

    Banking yes, borrowing no: a lot of vintage V counts for emission years ≥ V only.
    """
    outcome = submit(app, "Permit:Surrender", filters(pollutant=pollutant, year=year, quantity=quantity,
                                                      vintage=vintage))
    done = outcome.result
    written(app, outcome, {"surrender": done["id"], "entity": done["entity"], "pollutant": done["pollutant"],
                           "year": done["year"], "quantity": kg(done["quantity"]),
                           "from lots": ", ".join(f"{p['lot']} ({p['vintage']}, {kg(p['quantity'])})"
                                                  for p in done["lots"])})


@permit_group.command("surrenders")
@click.option("--entity", metavar="ENTITY", help="Only surrenders of this enterprise.")
@click.option("--pollutant", help="Only this pollutant.")
@click.option("--year", type=YEAR, help="Only surrenders for this emission year.")
@paging_options
@pass_app
def surrenders(app: AppContext, entity: str | None, pollutant: str | None, year: int | None, limit: int,
               after: str | None, all_pages: bool) -> None:
    """Surrenders you may see: your own (enterprise), your region's (regulator), all (coordinator)."""
    found = fetch_rows(app, "Permit:Surrenders", filters(entity=entity, pollutant=pollutant, year=year),
                       limit=limit, after=after, all_pages=all_pages)
    show(found.items, app.as_json, rows=[
        (s["id"], s["entity"], s["region"], s["pollutant"], s["year"], kg(s["quantity"]),
         ", ".join(part["lot"] for part in s["lots"]), s.get("at", ""), short_tx(s.get("tx_id")))
        for s in found.items],
         headers=("surrender", "entity", "region", "pollutant", "year", "quantity", "lots", "at", "tx"),
         empty="(no surrenders)")
    more_rows(found, app.as_json)


@permit_group.command("freeze")
@click.argument("entity")
@click.option("--reason", required=True, help="Why, kept on the ledger.")
@pass_app
def freeze(app: AppContext, entity: str, reason: str) -> None:
    """Freeze an enterprise of your region: it can no longer list, buy or surrender (regulators)."""
    outcome = submit(app, "Enterprise:Freeze", {"entity": entity, "reason": reason})
    written(app, outcome, {"entity": entity, "frozen": outcome.result["frozen"]["reason"]})


@permit_group.command("unfreeze")
@click.argument("entity")
@click.option("--reason", required=True, help="Why, kept on the ledger.")
@pass_app
def unfreeze(app: AppContext, entity: str, reason: str) -> None:
    """Lift the freeze of an enterprise of your region (regulators)."""
    outcome = submit(app, "Enterprise:Unfreeze", {"entity": entity, "reason": reason})
    written(app, outcome, {"entity": entity, "frozen": "no", "reason": reason})


@permit_group.command("totals")
@click.option("--pollutant", help="Only this pollutant.")
@click.option("--vintage", type=YEAR, help="Only this vintage.")
@click.option("--region", help="Only lots issued by this region (the coordinator; a regulator sees its own).")
@pass_app
def totals(app: AppContext, pollutant: str | None, vintage: int | None, region: str | None) -> None:
    """Conservation check per pollutant and vintage: issued = held + escrowed + retired."""
    rows = app.contract().evaluate("Permit:Totals", filters(pollutant=pollutant, vintage=vintage, region=region))
    show(rows, app.as_json, rows=[(r["pollutant"], r["vintage"], kg(r["issued"]), kg(r["held"]), kg(r["escrowed"]),
                                   kg(r["retired"]), "yes" if r["balanced"] else "NO") for r in rows],
         headers=("pollutant", "vintage", "issued", "held", "escrowed", "retired", "balanced"),
         empty="(nothing issued)")
