"""``ecoledger market ...``: offers, purchases, cross-region approvals and private prices.

Prices are in yuan per unit on the command line (``1200/t``, ``1.2/kg``) and
whole fen per kg on the ledger. They never appear in public records: they
travel in the transient map and are kept in private data collections, so
``market price`` works only for those entitled to see a price, on a peer of
their own organization.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from client import units
from client.cli.listing import fetch_rows, more_rows, paging_options
from client.cli.options import EcoledgerGroup, pass_app
from client.cli.output import emit_json, record, show
from client.cli.permit_commands import (
    PRICE, QUANTITY, YEAR, filters, kg, market_call, market_client, submit, written,
)

if TYPE_CHECKING:
    from client.cli.context import AppContext


def approvals(trade: dict[str, Any]) -> str:
    """``BJ ok, HB waiting`` for a cross-region trade, ``-`` within one region."""
    required = trade["approvals_required"]
    if not required:
        return "-"
    return ", ".join(f"{region} {'ok' if region in trade['approvals'] else 'waiting'}" for region in required)


def _trade_summary(trade: dict[str, Any]) -> dict[str, Any]:
    summary = {"trade": trade["id"], "offer": trade["offer"],
               "seller": f"{trade['seller']} ({trade['seller_region']})",
               "buyer": f"{trade['buyer']} ({trade['buyer_region']})",
               "allowances": f"{kg(trade['quantity'])} {trade['pollutant']} of vintage {trade['vintage']}",
               "status": trade["status"], "approvals": approvals(trade)}
    if trade["rejection"]:
        summary["rejected"] = f"by {trade['rejection']['region']}: {trade['rejection']['reason']}"
    return summary


@click.group("market", cls=EcoledgerGroup)
def market_group() -> None:
    """Allowance market: offers escrow what they sell; cross-region trades need both regulators."""


@market_group.command("offer")
@click.option("--pollutant", required=True, help="Pollutant of the allowances offered.")
@click.option("--vintage", required=True, type=YEAR, help="Vintage of the allowances offered.")
@click.option("--quantity", required=True, type=QUANTITY, help="How much, e.g. 500t.")
@click.option("--price", required=True, type=PRICE, help="Asking price in yuan, e.g. 1200/t or 1.2/kg.")
@pass_app
def offer(app: AppContext, pollutant: str, vintage: int, quantity: int, price: int) -> None:
    """List allowances you hold for sale at a private asking price (enterprises)."""
    outcome = market_call(lambda: market_client(app).list_offer(pollutant, vintage, quantity, price))
    listed = outcome.result
    written(app, outcome, {"offer": listed["id"], "seller": listed["seller"],
                           "allowances": f"{kg(listed['quantity'])} {pollutant} of vintage {vintage}",
                           "price": f"{units.format_price(price)} (private)", "escrowed lots": ", ".join(listed["lots"])})


@market_group.command("offers")
@click.option("--pollutant", help="Only this pollutant.")
@click.option("--vintage", type=YEAR, help="Only this vintage.")
@click.option("--seller", metavar="ENTITY", help="Only this seller.")
@click.option("--region", help="Only sellers of this region.")
@click.option("--status", type=click.Choice(["open", "closed", "cancelled"]), help="Only offers in this state.")
@paging_options
@pass_app
def offers(app: AppContext, pollutant: str | None, vintage: int | None, seller: str | None, region: str | None,
           status: str | None, limit: int, after: str | None, all_pages: bool) -> None:
    """Offers on the market (public; asking prices are not: see 'market price')."""
    page = fetch_rows(app, "Market:Offers", filters(pollutant=pollutant, vintage=vintage, seller=seller,
                                                    region=region, status=status),
                      limit=limit, after=after, all_pages=all_pages)
    found = page.items
    show(found, app.as_json, rows=[(o["id"], o["seller"], o["seller_region"], o["pollutant"], o["vintage"],
                                    kg(o["quantity"]), kg(o["remaining"]), kg(o["pending"]), kg(o["sold"]),
                                    o["status"], o.get("seller_credit") or "-") for o in found],
         headers=("offer", "seller", "region", "pollutant", "vintage", "quantity", "available", "pending", "sold",
                  "status", "seller credit"), empty="(no offers)")
    more_rows(page, app.as_json)


@market_group.command("buy")
@click.argument("offer_id")
@click.option("--quantity", type=QUANTITY, help="How much (default: all that is still available).")
@pass_app
def buy(app: AppContext, offer_id: str, quantity: int | None) -> None:
    """Buy from an offer at its asking price (enterprises).

    Within one region the trade settles at once; across regions it waits for
    the regulators of both regions ('market approve').
    """
    outcome = market_call(lambda: market_client(app).buy(offer_id, quantity))
    written(app, outcome, _trade_summary(outcome.result))


@market_group.command("cancel")
@click.argument("offer_id")
@pass_app
def cancel(app: AppContext, offer_id: str) -> None:
    """Withdraw your open offer; what is still escrowed returns to your holdings (sellers)."""
    outcome = submit(app, "Market:CancelOffer", {"offer_id": offer_id})
    cancelled = outcome.result
    written(app, outcome, {"offer": cancelled["id"], "status": cancelled["status"],
                           "released": kg(cancelled["closed"]["released"]),
                           "awaiting approval": kg(cancelled["pending"])})


@market_group.command("approve")
@click.argument("trade_id")
@pass_app
def approve(app: AppContext, trade_id: str) -> None:
    """Approve a pending cross-region trade touching your region; the last approval settles it (regulators; the
    coordinator too, for a trade with a yellow-rated party, see 'credit')."""
    outcome = submit(app, "Market:Approve", {"trade_id": trade_id})
    written(app, outcome, _trade_summary(outcome.result))


@market_group.command("reject")
@click.argument("trade_id")
@click.option("--reason", required=True, help="Why, kept on the ledger.")
@pass_app
def reject(app: AppContext, trade_id: str, reason: str) -> None:
    """Reject a pending cross-region trade touching your region; the quantity returns to the offer (regulators)."""
    outcome = submit(app, "Market:Reject", {"trade_id": trade_id, "reason": reason})
    written(app, outcome, _trade_summary(outcome.result))


@market_group.command("trades")
@click.option("--entity", metavar="ENTITY", help="Only trades of this enterprise (as seller or buyer).")
@click.option("--region", help="Only trades touching this region.")
@click.option("--status", type=click.Choice(["pending", "settled", "rejected"]), help="Only trades in this state.")
@paging_options
@pass_app
def trades(app: AppContext, entity: str | None, region: str | None, status: str | None, limit: int,
           after: str | None, all_pages: bool) -> None:
    """Trades you may see: your own (enterprise), your region's (regulator), all (coordinator)."""
    page = fetch_rows(app, "Market:Trades", filters(entity=entity, region=region, status=status),
                      limit=limit, after=after, all_pages=all_pages)
    found = page.items
    show(found, app.as_json, rows=[(t["id"], t["offer"], t["seller"], t["buyer"],
                                    f"{t['seller_region']}->{t['buyer_region']}", t["pollutant"], t["vintage"],
                                    kg(t["quantity"]), t["status"], approvals(t)) for t in found],
         headers=("trade", "offer", "seller", "buyer", "regions", "pollutant", "vintage", "quantity", "status",
                  "approvals"), empty="(no trades)")
    more_rows(page, app.as_json)


@market_group.command("show")
@click.argument("object_id", metavar="ID")
@pass_app
def show_one(app: AppContext, object_id: str) -> None:
    """One offer (O-...) or trade (T-...)."""
    if object_id.startswith("T-"):
        found = app.contract().evaluate("Market:Trade", {"trade_id": object_id})
        summary = _trade_summary(found)
    else:
        found = app.contract().evaluate("Market:Offer", {"offer_id": object_id})
        summary = {"offer": found["id"], "seller": f"{found['seller']} ({found['seller_region']})",
                   "allowances": f"{kg(found['quantity'])} {found['pollutant']} of vintage {found['vintage']}",
                   "available": kg(found["remaining"]), "pending": kg(found["pending"]), "sold": kg(found["sold"]),
                   "status": found["status"], "trades": ", ".join(found["trades"]) or "-"}
    if app.as_json:
        emit_json(found)
    else:
        record(summary, False)


@market_group.command("price")
@click.argument("object_id", metavar="ID")
@pass_app
def price(app: AppContext, object_id: str) -> None:
    """The private price of an offer (O-...) or a trade (T-...), if you may see it.

    A trade's price: its two enterprises, their regions' regulators and the
    coordinator. An open offer's asking price: every market participant.
    """
    found = app.contract().evaluate("Market:Price", {"id": object_id})
    if app.as_json:
        emit_json(found)
        return
    record({"id": found["id"], "kind": found["kind"],
            "price": f"{units.format_price(found['price'])} ({found['price']} fen/kg)",
            "quantity": kg(found["quantity"]), "amount": units.format_amount(found["amount"]),
            "collection": found["collection"],
            "matches public hash": "yes" if found["matches_public_hash"] else "NO"}, False)
