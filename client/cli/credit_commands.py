"""``ecoledger credit ...``: green-credit levels (绿色信用) derived from ledger facts, repairs, the board.

* ``credit show CODE`` / ``credit explain CODE`` — the level, since when, and every fact behind it;
* ``credit list [--region R] [--level L]`` — enterprises with their level;
* ``credit repair apply --evidence FILE --facts ID,ID`` (enterprise), ``credit repair approve|refuse
  REPAIR_ID --reason TEXT`` (regulator of its region), ``credit repair list|show``;
* ``credit board [--year Y]`` — per region: levels, violations per 100 enterprises, compliance, trend.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from client.cli.errors import CommandError
from client.cli.listing import fetch_rows, more_rows, paging_options
from client.cli.options import EcoledgerGroup, pass_app
from client.cli.output import emit_json, record, show, table
from client.cli.permit_commands import YEAR, filters, submit, written

if TYPE_CHECKING:
    from client.cli.context import AppContext

LEVELS = ("green", "blue", "yellow", "red")


@click.group("credit", cls=EcoledgerGroup)
def credit_group() -> None:
    """Green credit: every enterprise's level (green 诚信, blue 良好, yellow 警示, red 不良) from ledger facts."""


@credit_group.command("show")
@click.argument("entity", metavar="CODE")
@pass_app
def credit_show(app: AppContext, entity: str) -> None:
    """An enterprise's level, since when and its points (any consortium reader)."""
    from client.credit.service import summary

    found = app.contract().evaluate("Credit:Show", {"entity": entity})
    record(found if app.as_json else summary(found), app.as_json)


@credit_group.command("explain")
@click.argument("entity", metavar="CODE")
@pass_app
def credit_explain(app: AppContext, entity: str) -> None:
    """Every fact of the scoring window: its points, its state and when it stops counting."""
    from client.credit.service import EXPLAIN_HEADERS, explain_rows, summary

    found = app.contract().evaluate("Credit:Explain", {"entity": entity})
    if app.as_json:
        emit_json(found)
        return
    record(summary(found), False)
    click.echo("")
    rows = explain_rows(found)
    click.echo(table(rows, EXPLAIN_HEADERS) if rows else "(no facts in the scoring window)")


@credit_group.command("list")
@click.option("--region", help="Only enterprises of this region.")
@click.option("--level", type=click.Choice(LEVELS), help="Only enterprises at this level.")
@paging_options
@pass_app
def credit_list(app: AppContext, region: str | None, level: str | None, limit: int, after: str | None,
                all_pages: bool) -> None:
    """Enterprises with their current level (levels are public to every consortium reader)."""
    from client.credit.service import level_label, since_text

    found = fetch_rows(app, "Credit:List", filters(region=region, level=level), limit=limit, after=after,
                       all_pages=all_pages)
    show(found.items, app.as_json,
         rows=[(r["entity"], r["name"], r["region"], level_label(r["level"]), r["points"], since_text(r))
               for r in found.items],
         headers=("entity", "name", "region", "level", "points", "since"), empty="(no enterprises)")
    more_rows(found, app.as_json)


@credit_group.command("board")
@click.option("--year", type=YEAR, help="Violations of this year (default: the ledger's current year).")
@pass_app
def credit_board(app: AppContext, year: int | None) -> None:
    """Per region: levels, violations per 100 enterprises, compliance rate and the monthly trend."""
    from client.credit.service import BOARD_HEADERS, board_rows, trend_rows

    found = app.contract().evaluate("Credit:Board", filters(year=year))
    if app.as_json:
        emit_json(found)
        return
    click.echo(f"year {found['year']} (as of {found['at']})")
    click.echo(table(board_rows(found), BOARD_HEADERS))
    click.echo("")
    click.echo(table(trend_rows(found), ("month", *(r["region"] for r in found["regions"]))))


# -- ecoledger credit repair -------------------------------------------------------------------


@credit_group.group("repair", cls=EcoledgerGroup)
def repair_group() -> None:
    """Credit repair: the enterprise applies with evidence, the regulator of its region decides."""


def _repair_summary(found: dict[str, Any]) -> dict[str, Any]:
    from client.credit.service import level_label

    lines: dict[str, Any] = {"repair": found.get("id"), "entity": found.get("entity"), "region": found.get("region"),
                             "facts": ", ".join(found.get("facts") or []), "status": found.get("status")}
    evidence = found.get("evidence") or {}
    if evidence:
        lines["evidence"] = f"{evidence.get('name') or '-'} sha256 {evidence.get('sha256')}"
    applied = found.get("applied") or {}
    if applied:
        lines["applied"] = f"{applied.get('at')} by {applied.get('by', {}).get('name')}"
    decision = found.get("decision")
    if decision:
        lines["decision"] = f"{decision.get('outcome')}: {decision.get('reason')} ({decision.get('at')})"
    lines["level before"] = level_label(found.get("level_before"))
    if found.get("level_after"):
        lines["level after"] = level_label(found.get("level_after"))
    return lines


def _repair_written(app: AppContext, outcome: Any) -> None:
    written(app, outcome, _repair_summary(outcome.result if isinstance(outcome.result, dict) else {}))


@repair_group.command("apply")
@click.option("--evidence", "path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The document that shows the problem is fixed; only its fingerprint goes on the ledger.")
@click.option("--facts", required=True, metavar="ID,ID", help="The violations it repairs, separated by commas.")
@click.option("--note", help="A short statement kept with the application.")
@pass_app
def repair_apply(app: AppContext, path: Path, facts: str, note: str | None) -> None:
    """Apply to have fixed violations of your enterprise no longer counted (enterprises)."""
    from client.credit.service import CreditError, evidence_fingerprint, parse_facts

    try:
        ids = parse_facts(facts)
        evidence = evidence_fingerprint(path)
    except CreditError as err:
        raise CommandError(str(err)) from None
    _repair_written(app, submit(app, "Credit:RepairApply", filters(facts=ids, evidence=evidence, note=note)))


@repair_group.command("approve")
@click.argument("repair_id")
@click.option("--reason", required=True, help="Why, kept on the ledger.")
@pass_app
def repair_approve(app: AppContext, repair_id: str, reason: str) -> None:
    """Approve a pending repair of your region: its facts stop counting (regulators)."""
    _repair_written(app, submit(app, "Credit:RepairApprove", {"repair_id": repair_id, "reason": reason}))


@repair_group.command("refuse")
@click.argument("repair_id")
@click.option("--reason", required=True, help="Why, kept on the ledger.")
@pass_app
def repair_refuse(app: AppContext, repair_id: str, reason: str) -> None:
    """Refuse a pending repair of your region (regulators)."""
    _repair_written(app, submit(app, "Credit:RepairRefuse", {"repair_id": repair_id, "reason": reason}))


@repair_group.command("list")
@click.option("--status", type=click.Choice(["pending", "approved", "refused"]), help="Only repairs in this state.")
@click.option("--entity", metavar="CODE", help="Only repairs of this enterprise.")
@click.option("--region", help="Only repairs of this region (coordinator).")
@paging_options
@pass_app
def repair_list(app: AppContext, status: str | None, entity: str | None, region: str | None, limit: int,
                after: str | None, all_pages: bool) -> None:
    """Repairs you may see: your own (enterprise), your region's (regulator), all (coordinator)."""
    found = fetch_rows(app, "Credit:Repairs", filters(status=status, entity=entity, region=region), limit=limit,
                       after=after, all_pages=all_pages)
    show(found.items, app.as_json,
         rows=[(r["id"], r["entity"], r["region"], ", ".join(r["facts"]), r["status"], r["applied"]["at"])
               for r in found.items],
         headers=("repair", "entity", "region", "facts", "status", "applied"), empty="(no repairs)")
    more_rows(found, app.as_json)


@repair_group.command("show")
@click.argument("repair_id")
@pass_app
def repair_show(app: AppContext, repair_id: str) -> None:
    """One repair with its evidence fingerprint and decision."""
    found = app.contract().evaluate("Credit:Repair", {"repair_id": repair_id})
    record(found if app.as_json else _repair_summary(found), app.as_json)
