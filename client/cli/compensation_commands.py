"""``ecoledger compensation ...``: ecological compensation between regions (the 新安江 model).

* ``propose`` / ``sign`` — a bilateral agreement on the pair channel of the two regions, in force once
  the other region's regulator signs; its records need both regions' peers to change.
* ``submit`` — a region's monitor submits its period means at the section (``--values
  "CODMn=3.1,NH3-N=0.42,TN=1.1,TP=0.05"``, optionally ``--evidence`` the raw data file).
* ``resolve`` / ``arbitrate`` — a disputed period gets agreed values from both regulators, or the
  coordinator's ruling when the agreement names it arbiter.
* ``settle`` / ``confirm`` — P = K0 × Σ Ki × (Ci / Ci0) decides who pays whom; the payer confirms
  payment, the payee receipt.
* ``statement`` / ``list`` / ``show`` — every period of an agreement, a region's year, the agreements.
* ``regional`` — the per-region variant on the all-members channel.

Commands naming an agreement or settlement find its channel among the pair channels of the acting
identity's organization unless ``--channel`` names it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from client.cli.errors import CommandError
from client.cli.listing import Rows, more_rows, paging_options
from client.cli.options import EcoledgerGroup, pass_app
from client.cli.output import emit_json, record, show, table
from client.cli.permit_commands import short_tx, written

if TYPE_CHECKING:
    from client.cli.context import AppContext
    from client.compensation.service import CompensationClient

CHANNEL_HELP = "The pair channel of the agreement (default: found among your organization's pair channels)."


def compensation_client(app: AppContext) -> CompensationClient:
    from client.cli.permit_commands import _discovery_note
    from client.compensation.service import CompensationClient, pair_channels

    msp_id = app.session.entry(app.identity).identity.msp_id
    return CompensationClient(app.contract, pair_channels(app.network.consortium.channels, msp_id),
                              on_retry=_discovery_note())


def refused_locally(action: Any) -> Any:
    from client.compensation.service import CompensationError

    try:
        return action()
    except CompensationError as err:
        raise CommandError(str(err)) from None


def _values(text: str) -> dict[str, str]:
    from client.compensation.service import parse_values

    return refused_locally(lambda: parse_values(text))


def _evidence(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    from client.compensation.service import fingerprint

    return {"evidence": fingerprint(path)}


def _who(stamp: Any) -> str:
    if not isinstance(stamp, dict):
        return "-"
    by = stamp.get("by") or {}
    return f"{stamp.get('at', '')} by {by.get('name')}@{by.get('msp_id')}"


def _yuan(amount: Any) -> str:
    return "-" if amount is None else f"¥{int(amount):,}"


def _settlement_status(settlement: dict[str, Any]) -> str:
    return settlement["status"] + (" (OVERDUE)" if settlement.get("overdue") else "")


@click.group("compensation", cls=EcoledgerGroup)
def compensation_group() -> None:
    """Ecological compensation between upstream and downstream regions, settled by contract."""


@compensation_group.command("propose")
@click.option("--channel", help="The pair channel of the two regions (default: the consortium's, e.g. bj-hb).")
@click.option("--upstream", required=True, help="Region code of the upstream region (it protects the river).")
@click.option("--downstream", required=True, help="Region code of the downstream region.")
@click.option("--section", required=True, help="The cross-border monitoring section.")
@click.option("--file", "path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="YAML: pollutants (baselines, weights), k0, period, tolerance, amounts, arbiter.")
@pass_app
def propose(app: AppContext, channel: str | None, upstream: str, downstream: str, section: str, path: str) -> None:
    """Table an agreement as the regulator of one of the two regions; the other region signs it."""
    from client.compensation.service import load_terms, pair_channel

    terms = refused_locally(lambda: load_terms(path))
    channel = channel or refused_locally(lambda: pair_channel(app.network.consortium.channels, upstream, downstream))
    outcome = compensation_client(app).submit(channel, "Compensation:Propose", {
        "upstream": upstream, "downstream": downstream, "section": section, "terms": terms})
    result = outcome.result
    written(app, outcome, {"agreement": result["id"], "channel": channel, "status": result["status"],
                           "endorsement": result["endorsement"]})


@compensation_group.command("sign")
@click.argument("agreement")
@click.option("--channel", help=CHANNEL_HELP)
@pass_app
def sign(app: AppContext, agreement: str, channel: str | None) -> None:
    """Sign AGREEMENT as the other region's regulator: it comes into force."""
    client = compensation_client(app)
    channel = refused_locally(lambda: client.locate("agreement", agreement, channel))
    outcome = client.submit(channel, "Compensation:Sign", {"agreement": agreement})
    written(app, outcome, {"agreement": agreement, "status": outcome.result["status"]})


@compensation_group.command("submit")
@click.argument("agreement")
@click.option("--period", required=True, help="The period: 2026-05 (monthly agreements) or 2026 (yearly).")
@click.option("--values", "values_text", required=True, help='Period means, e.g. "CODMn=3.1,NH3-N=0.42,TN=1.1,TP=0.05".')
@click.option("--evidence", type=click.Path(exists=True, dir_okay=False),
              help="The raw data file; its SHA-256 and size go on the ledger.")
@click.option("--channel", help=CHANNEL_HELP)
@pass_app
def submit_means(app: AppContext, agreement: str, period: str, values_text: str, evidence: str | None,
                 channel: str | None) -> None:
    """Submit your region's period means at the section (monitors)."""
    values = _values(values_text)
    client = compensation_client(app)
    channel = refused_locally(lambda: client.locate("agreement", agreement, channel))
    outcome = client.submit(channel, "Compensation:Submit", {"agreement": agreement, "period": period,
                                                              "values": values, **_evidence(evidence)})
    state = outcome.result
    written(app, outcome, {"agreement": agreement, "period": period, "status": state["status"],
                           "official": state.get("official") or "-", "differences": state.get("differences") or "-"})


@compensation_group.command("resolve")
@click.argument("agreement")
@click.option("--period", required=True)
@click.option("--values", "values_text", required=True, help="The values your region agrees to.")
@click.option("--channel", help=CHANNEL_HELP)
@pass_app
def resolve(app: AppContext, agreement: str, period: str, values_text: str, channel: str | None) -> None:
    """Sign agreed values for a disputed period (regulators); equal values from both sides settle the dispute."""
    values = _values(values_text)
    client = compensation_client(app)
    channel = refused_locally(lambda: client.locate("agreement", agreement, channel))
    outcome = client.submit(channel, "Compensation:Resolve", {"agreement": agreement, "period": period,
                                                               "values": values})
    written(app, outcome, {"agreement": agreement, "period": period, "status": outcome.result["status"],
                           "official": outcome.result.get("official") or "-"})


@compensation_group.command("arbitrate")
@click.argument("agreement")
@click.option("--period", required=True)
@click.option("--values", "values_text", required=True, help="The values the coordinator rules.")
@click.option("--reason", default="", help="Why.")
@click.option("--channel", help=CHANNEL_HELP)
@pass_app
def arbitrate(app: AppContext, agreement: str, period: str, values_text: str, reason: str,
              channel: str | None) -> None:
    """Rule on a disputed period as the coordinator, when the agreement names it arbiter."""
    values = _values(values_text)
    client = compensation_client(app)
    channel = refused_locally(lambda: client.locate("agreement", agreement, channel))
    outcome = client.submit(channel, "Compensation:Arbitrate", {"agreement": agreement, "period": period,
                                                                 "values": values, "reason": reason})
    written(app, outcome, {"agreement": agreement, "period": period, "status": outcome.result["status"],
                           "official": outcome.result.get("official")})


@compensation_group.command("settle")
@click.argument("agreement")
@click.option("--period", required=True)
@click.option("--channel", help=CHANNEL_HELP)
@pass_app
def settle(app: AppContext, agreement: str, period: str, channel: str | None) -> None:
    """Compute P for a period and record who pays whom (regulators of either region)."""
    client = compensation_client(app)
    channel = refused_locally(lambda: client.locate("agreement", agreement, channel))
    outcome = client.submit(channel, "Compensation:Settle", {"agreement": agreement, "period": period})
    s = outcome.result
    written(app, outcome, {"settlement": s["id"], "P": s["index"]["p"], "payer": s["payer"], "payee": s["payee"],
                           "amount": _yuan(s["amount_yuan"]), "due": s["due"]})


@compensation_group.command("confirm")
@click.argument("settlement")
@click.option("--paid", "step", flag_value="paid", help="As the payer's regulator: the amount was paid.")
@click.option("--received", "step", flag_value="received", help="As the payee's regulator: it was received.")
@click.option("--channel", help=CHANNEL_HELP)
@pass_app
def confirm(app: AppContext, settlement: str, step: str | None, channel: str | None) -> None:
    """Confirm payment (--paid) or receipt (--received) of SETTLEMENT."""
    if step is None:
        raise CommandError("say what to confirm: --paid (payer) or --received (payee)")
    client = compensation_client(app)
    channel = refused_locally(lambda: client.locate("settlement", settlement, channel))
    outcome = client.submit(channel, "Compensation:Confirm", {"settlement": settlement, "step": step})
    written(app, outcome, {"settlement": settlement, "status": _settlement_status(outcome.result)})


@compensation_group.command("show")
@click.argument("agreement")
@click.option("--channel", help=CHANNEL_HELP)
@pass_app
def show_agreement(app: AppContext, agreement: str, channel: str | None) -> None:
    """An agreement's terms and the endorsement policy its key carries on the ledger."""
    client = compensation_client(app)
    channel = refused_locally(lambda: client.locate("agreement", agreement, channel))
    result = client.evaluate(channel, "Compensation:Show", {"agreement": agreement})
    if app.as_json:
        emit_json(result)
        return
    terms = result["terms"]
    record({"agreement": result["id"], "channel": result["channel"], "section": result["section"],
            "upstream": result["upstream"]["region"], "downstream": result["downstream"]["region"],
            "status": result["status"], "K0": terms["k0"], "period": terms["period"],
            "tolerance": terms["tolerance"], "arbiter": terms["arbiter"],
            "downstream pays (P <= 1)": _yuan(terms["amounts"]["downstream_pays"]),
            "upstream pays (P > 1)": _yuan(terms["amounts"]["upstream_pays"]),
            "ledger policy": result.get("ledger_policy") or "-"}, False)
    click.echo(table([(p["code"], p["baseline"], p["weight"]) for p in terms["pollutants"]],
                     ("pollutant", "baseline Ci0", "weight Ki")))


@compensation_group.command("statement")
@click.argument("agreement", required=False)
@click.option("--region", help="Instead of an agreement: what REGION paid and received in --year.")
@click.option("--year", type=int, help="The year of a region's statement.")
@click.option("--channel", help=CHANNEL_HELP)
@paging_options
@pass_app
def statement(app: AppContext, agreement: str | None, region: str | None, year: int | None, channel: str | None,
              limit: int, after: str | None, all_pages: bool) -> None:
    """Every period of AGREEMENT (values, P, who paid whom, status), or a region's year with --region/--year."""
    client = compensation_client(app)
    if agreement is None:
        if not region or year is None:
            raise CommandError("name an AGREEMENT, or --region and --year for a region's statement")
        _region_statement(app, client, region, year, channel)
        return
    channel = refused_locally(lambda: client.locate("agreement", agreement, channel))
    first = client.evaluate(channel, "Compensation:Statement", {"agreement": agreement, "limit": limit,
                                                                 **({"bookmark": after} if after else {})})
    items, bookmark = list(first["items"]), first["bookmark"] if first["more"] else ""
    while all_pages and bookmark:
        page = client.evaluate(channel, "Compensation:Statement", {"agreement": agreement, "limit": limit,
                                                                    "bookmark": bookmark})
        items += page["items"]
        bookmark = page["bookmark"] if page["more"] else ""
    if app.as_json:
        emit_json({"agreement": first["agreement"], "periods": items})
    else:
        a = first["agreement"]
        click.echo(f"{a['id']}  {a['upstream']['region']} (upstream) → {a['downstream']['region']} (downstream)  "
                   f"section {a['section']}  [{a['status']}]")
        rows = []
        for p in items:
            s = p.get("settlement") if isinstance(p.get("settlement"), dict) else None
            official = ", ".join(f"{k}={v}" for k, v in (p.get("official") or {}).items()) or "-"
            rows.append((p["period"], p["status"], official, (p.get("index") or {}).get("p", "-"),
                         f"{s['payer']} → {s['payee']}" if s else "-", _yuan(s["amount_yuan"]) if s else "-",
                         _settlement_status(s) if s else "-", s["id"] if s else "-"))
        click.echo(table(rows, ("period", "status", "official values", "P", "who pays", "amount", "payment",
                                "settlement")) if rows else "(no periods yet)")
    more_rows(Rows(items, bookmark), app.as_json)


def _region_statement(app: AppContext, client: CompensationClient, region: str, year: int,
                      channel: str | None) -> None:
    channels = [channel] if channel else client.candidates
    answers = [client.evaluate(c, "Compensation:RegionStatement", {"region": region, "year": year})
               for c in channels]
    paid = sum(a["paid_yuan"] for a in answers)
    received = sum(a["received_yuan"] for a in answers)
    total = {"region": region, "year": year, "paid_yuan": paid, "received_yuan": received,
             "net_yuan": received - paid, "settlements": [s for a in answers for s in a["settlements"]],
             "channels": channels}
    if app.as_json:
        emit_json(total)
        return
    record({"region": region, "year": year, "paid": _yuan(paid), "received": _yuan(received),
            "net": f"{'+' if received >= paid else '-'}{_yuan(abs(received - paid))}"}, False)
    show(None, False, rows=[(s["period"], s["agreement"], s["payer"], s["payee"], _yuan(s["amount_yuan"]),
                             _settlement_status(s)) for s in total["settlements"]],
         headers=("period", "agreement", "payer", "payee", "amount", "status"), empty="(no settlements)")


@compensation_group.command("list")
@click.option("--channel", help="One channel (default: every pair channel of your organization).")
@paging_options
@pass_app
def list_agreements(app: AppContext, channel: str | None, limit: int, after: str | None, all_pages: bool) -> None:
    """The agreements you may read."""
    from client.paging import fetch_page, iterate_pages

    client = compensation_client(app)
    channels = [channel] if channel else client.candidates
    items: list[Any] = []
    bookmark = ""
    for name in channels:
        contract = client.contract(name)
        if all_pages or not channel:
            for page in iterate_pages(contract, "Compensation:List", {}, limit, after or ""):
                items += page.items
        else:
            page = fetch_page(contract, "Compensation:List", {}, limit, after or "")
            items += page.items
            bookmark = page.bookmark
    show(items, app.as_json, rows=[(a["id"], a["channel"], a["upstream"]["region"], a["downstream"]["region"],
                                    a["section"], a["status"], a["terms"]["arbiter"]) for a in items],
         headers=("agreement", "channel", "upstream", "downstream", "section", "status", "arbiter"),
         empty="(no agreements)")
    more_rows(Rows(items, bookmark), app.as_json)


@compensation_group.command("regional")
@click.option("--period", required=True, help="2026 or 2026-05.")
@click.option("--pollutant", required=True, help="The pollutant, e.g. COD.")
@click.option("--value", help="Submit your region's discharge (mean concentration, mg/L) for the period.")
@click.option("--evidence", type=click.Path(exists=True, dir_okay=False), help="The raw data file behind --value.")
@click.option("--settle", "do_settle", is_flag=True, help="As the coordinator: settle rewards and penalties.")
@pass_app
def regional(app: AppContext, period: str, pollutant: str, value: str | None, evidence: str | None,
             do_settle: bool) -> None:
    """The per-region variant: submit (--value), settle (--settle) or show a period's rewards and penalties."""
    from client.retry import submit_with_retry

    if value is not None and do_settle:
        raise CommandError("--value and --settle are two steps by two parties; give one")
    contract = app.contract()
    if value is not None:
        outcome = submit_with_retry(contract, "Compensation:RegionalSubmit", {
            "period": period, "pollutant": pollutant, "value": value, **_evidence(evidence)})
        written(app, outcome, {"region": outcome.result["region"], "period": period, "pollutant": pollutant,
                               "value": outcome.result["value"], "standard": outcome.result["standard"]})
        return
    if do_settle:
        outcome = submit_with_retry(contract, "Compensation:RegionalSettle", {"period": period, "pollutant": pollutant})
        result = outcome.result
        if app.as_json:
            emit_json({**result, "tx_id": outcome.tx_id, "block": outcome.block_number})
            return
        _regional_table(result)
        click.echo(f"tx  {short_tx(outcome.tx_id)}  (block {outcome.block_number})")
        return
    answer = contract.evaluate("Compensation:Regional", {"period": period, "pollutant": pollutant})
    if app.as_json:
        emit_json(answer)
    elif answer["result"]:
        _regional_table(answer["result"])
    else:
        show(None, False, rows=[(s["region"], s["value"], s["standard"], _who(s["submitted"]))
                                for s in answer["submissions"]],
             headers=("region", "value", "standard", "submitted"), empty="(no submissions)")


def _regional_table(result: dict[str, Any]) -> None:
    click.echo(table([(r["region"], r["value"], r["standard"], r["distance"], r["kind"], _yuan(r["computed_yuan"]),
                       _yuan(r["amount_yuan"])) for r in result["regions"]],
                     ("region", "value", "standard", "distance", "kind", "computed", "settled")))
    pool = result["pool"]
    click.echo(f"pool  in {_yuan(pool['in_yuan'])}  out {_yuan(pool['out_yuan'])}  balance {_yuan(pool['balance_yuan'])}")
