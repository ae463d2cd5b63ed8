"""``ecoledger facility ...`` and ``ecoledger manifest ...``: hazardous-waste transfer manifests (危险废物转移联单).

Every write is signed by the acting identity (``--as``): generators create, regulators approve, consent,
refuse and resolve, transporters sign pick-up and hand-offs, facilities sign receipt, reject and dispose.
Quantities take units (``12t``, ``750kg``); the ledger keeps whole kilograms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from client.cli.errors import CommandError
from client.cli.listing import fetch_rows, more_rows, paging_options
from client.cli.options import EcoledgerGroup, pass_app
from client.cli.output import emit_json, record, show, table
from client.cli.permit_commands import QUANTITY, filters, kg, written

if TYPE_CHECKING:
    from client.cli.context import AppContext
    from client.waste.service import WasteClient

STATUSES = ("pending", "scheduled", "in_transit", "received", "disposed", "rejected", "returned", "refused")
ALERT_KINDS = ("in_transit", "no_receipt", "unconfirmed", "discrepancy", "approval_expiring")
FIELDS = ("quantity", "containers", "hazards", "received_quantity", "received_code")


def client(app: AppContext) -> WasteClient:
    from client.waste.service import WasteClient

    return WasteClient(app.contract())


def call(action: Any) -> Any:
    """Run a client action; what the client refuses before sending becomes one ``error:`` line."""
    from client.waste.service import WasteError

    try:
        return action()
    except WasteError as err:
        raise CommandError(str(err)) from None


def manifest_written(app: AppContext, outcome: Any, **extra: Any) -> None:
    result = outcome.result
    manifest = result.get("manifest", result) if isinstance(result, dict) else {}
    summary = {"manifest": manifest.get("id"), "status": manifest.get("status"), **extra}
    written(app, outcome, {k: v for k, v in summary.items() if v is not None})


# -- facility ------------------------------------------------------------------------------------


@click.group("facility", cls=EcoledgerGroup)
def facility_group() -> None:
    """Licensed receivers of hazardous waste (危险废物经营许可): codes, annual capacity, validity."""


@facility_group.command("licence")
@click.option("--entity", required=True, metavar="CODE", help="The facility's unified social credit code.")
@click.option("--codes", required=True, help='Waste codes it may accept, comma-separated ("HW08 900-249-08,...").')
@click.option("--capacity", required=True, type=QUANTITY, help="Annual capacity, e.g. 500t.")
@click.option("--until", required=True, metavar="YYYY-MM-DD", help="Last day the licence is valid.")
@pass_app
def licence(app: AppContext, entity: str, codes: str, capacity: int, until: str) -> None:
    """Record or renew a facility's licence (the regulator of the facility's region).

    \b
    Example:
      ecoledger facility licence --entity 91130000MA01HBF01X --codes "HW08 900-249-08,HW49 900-041-49" \\
          --capacity 500t --until 2027-12-31
    """
    from client.waste.service import split_list

    outcome = call(lambda: client(app).licence(entity, split_list(codes), capacity, until))
    result = outcome.result
    written(app, outcome, {"facility": entity, "region": result["region"], "codes": ", ".join(result["codes"]),
                           "capacity": kg(result["capacity_kg"]), "valid until": result["valid_until"],
                           "version": result["version"]})


@facility_group.command("show")
@click.argument("entity")
@pass_app
def show_facility(app: AppContext, entity: str) -> None:
    """A facility's licence and this year's intake against its capacity (any member)."""
    found = client(app).facility(entity)
    if app.as_json:
        emit_json(found)
        return
    intake = found["intake"]
    record({"facility": found["entity"], "region": found["region"], "codes": ", ".join(found["codes"]),
            "capacity": kg(found["capacity_kg"]), "valid until": found["valid_until"], "version": found["version"],
            f"intake {intake['year']}": f"{kg(intake['committed'])} on manifests, {kg(intake['received'])} received, "
                                        f"{kg(intake['disposed'])} disposed"}, False)


@facility_group.command("list")
@click.option("--region", help="Only facilities of this region.")
@paging_options
@pass_app
def list_facilities(app: AppContext, region: str | None, limit: int, after: str | None, all_pages: bool) -> None:
    """Licensed facilities, by credit code."""
    found = fetch_rows(app, "Facility:List", filters(region=region), limit=limit, after=after, all_pages=all_pages)
    show(found.items, app.as_json, rows=[(r["entity"], r["region"], ", ".join(r["codes"]), kg(r["capacity_kg"]),
                                          r["valid_until"]) for r in found.items],
         headers=("facility", "region", "codes", "capacity", "valid until"), empty="(no facilities)")
    more_rows(found, app.as_json)


# -- manifest: create and approve -----------------------------------------------------------------


@click.group("manifest", cls=EcoledgerGroup)
def manifest_group() -> None:
    """Hazardous-waste transfer manifests: create, approve, sign custody, receive, resolve, dispose, trace."""


@manifest_group.command("create")
@click.option("--code", required=True, help='Waste code of the 名录, e.g. "HW08 900-249-08".')
@click.option("--quantity", required=True, type=QUANTITY, help="Quantity, e.g. 12t.")
@click.option("--form", required=True, type=click.Choice(["bulk", "containers"]), help="Bulk weight or containers.")
@click.option("--containers", type=click.IntRange(1), help="Number of containers (form containers).")
@click.option("--facility", required=True, metavar="CODE", help="The designated facility's credit code.")
@click.option("--transporter", "transporters", required=True, multiple=True, metavar="CODE",
              help="A transporter's credit code; repeat in the order they carry the waste.")
@click.option("--hazard", "hazards", multiple=True, type=click.Choice(["T", "C", "I", "R", "In"]),
              default=("T",), show_default=True, help="Hazard property (repeat for several).")
@pass_app
def create(app: AppContext, code: str, quantity: int, form: str, containers: int | None, facility: str,
           transporters: tuple[str, ...], hazards: tuple[str, ...]) -> None:
    """Create a manifest as its generator (an enterprise); prints its 14-digit number.

    \b
    Example:
      ecoledger manifest create --code "HW08 900-249-08" --quantity 12t --form bulk \\
          --facility 91130000MA01HBF01X --transporter 91110000MA01BJT01X --transporter 91110000MA01BJT02X
    """
    outcome = client(app).create(code=code, quantity=quantity, form=form, facility=facility,
                                 transporters=transporters, hazards=hazards, containers=containers)
    result = outcome.result
    manifest_written(app, outcome, route=f"{result['origin']} → {result['destination']}",
                     quantity=kg(result["quantity"]), approval=result["approval"])


@manifest_group.command("approve")
@click.argument("manifest_id", metavar="ID")
@click.option("--total", type=QUANTITY, help="Cover repeated shipments up to this total (cross-region).")
@click.option("--months", type=click.IntRange(1, 12), help="How long the approval covers shipments (at most 12).")
@pass_app
def approve(app: AppContext, manifest_id: str, total: int | None, months: int | None) -> None:
    """Approve a manifest: the origin regulator (or, when a credit level asks for it, the coordinator)."""
    outcome = client(app).approve(manifest_id, total, months)
    manifest_written(app, outcome, approval=outcome.result.get("approval"))


@manifest_group.command("consent")
@click.argument("manifest_id", metavar="ID")
@pass_app
def consent(app: AppContext, manifest_id: str) -> None:
    """Consent to a cross-region manifest (the destination regulator), after the origin's approval."""
    manifest_written(app, client(app).consent(manifest_id))


@manifest_group.command("refuse")
@click.argument("manifest_id", metavar="ID")
@click.option("--reason", required=True, help="Why the transfer is refused.")
@pass_app
def refuse(app: AppContext, manifest_id: str, reason: str) -> None:
    """Refuse a manifest (origin or destination regulator); it ends there."""
    manifest_written(app, client(app).refuse(manifest_id, reason), reason=reason)


# -- manifest: custody ----------------------------------------------------------------------------


@manifest_group.command("pickup")
@click.argument("manifest_id", metavar="ID")
@click.option("--quantity", required=True, type=QUANTITY, help="Quantity taken, e.g. 12t.")
@pass_app
def pickup(app: AppContext, manifest_id: str, quantity: int) -> None:
    """Sign pick-up (transporter 1), once every approval the manifest needs is in."""
    manifest_written(app, client(app).pickup(manifest_id, quantity), quantity=kg(quantity))


@manifest_group.command("handoff")
@click.argument("manifest_id", metavar="ID")
@click.option("--to", "to", required=True, metavar="CODE", help="The transporter taking over: yourself.")
@pass_app
def handoff(app: AppContext, manifest_id: str, to: str) -> None:
    """Sign the hand-off to the next transporter (signed by that transporter, in order)."""
    manifest_written(app, client(app).handoff(manifest_id, to), to=to)


@manifest_group.command("receive")
@click.argument("manifest_id", metavar="ID")
@click.option("--quantity", required=True, type=QUANTITY, help="Quantity received, e.g. 10.56t.")
@click.option("--code", help="Waste code received (default: the manifest's).")
@click.option("--containers", type=click.IntRange(1), help="Containers received (form containers).")
@pass_app
def receive(app: AppContext, manifest_id: str, quantity: int, code: str | None, containers: int | None) -> None:
    """Sign receipt (the designated facility; the generator for waste sent back to it)."""
    outcome = client(app).receive(manifest_id, quantity, code, containers)
    found = outcome.result["discrepancy"]
    manifest_written(app, outcome, received=kg(quantity),
                     discrepancy=(f"{', '.join(found['kinds'])} (violation {found['violation']})" if found else "none"))


@manifest_group.command("reject")
@click.argument("manifest_id", metavar="ID")
@click.option("--quantity", required=True, type=QUANTITY, help="Quantity rejected.")
@click.option("--to", "to", required=True, metavar="generator|CODE",
              help="'generator' to send it back, or an alternate facility's credit code.")
@click.option("--reason", required=True, help="Why it is rejected.")
@click.option("--transporter", "transporters", multiple=True, metavar="CODE",
              help="Transporters of the new manifest (default: the last transporter).")
@click.option("--containers", type=click.IntRange(1), help="Containers rejected (form containers).")
@pass_app
def reject(app: AppContext, manifest_id: str, quantity: int, to: str, reason: str, transporters: tuple[str, ...],
           containers: int | None) -> None:
    """Reject all or part of a received manifest (the facility); the rejected part leaves on a new, linked one."""
    outcome = client(app).reject(manifest_id, quantity, to, reason, transporters, containers)
    linked = outcome.result["linked"]
    manifest_written(app, outcome, rejected=kg(quantity),
                     linked=f"{linked['id']} ({linked['status']}, {linked['origin']} → {linked['destination']})")


@manifest_group.command("resolve")
@click.argument("manifest_id", metavar="ID")
@click.option("--reason", required=True, help="What was found.")
@click.option("--responsible", metavar="CODE", help="The party responsible (default: the generator).")
@click.option("--outcome", type=click.Choice(["upheld", "dismissed"]), help="Of the violation (default upheld).")
@pass_app
def resolve(app: AppContext, manifest_id: str, reason: str, responsible: str | None, outcome: str | None) -> None:
    """Resolve an open discrepancy (the destination regulator), naming the responsible party."""
    done = client(app).resolve(manifest_id, reason, responsible, outcome)
    found = done.result["discrepancy"]
    manifest_written(app, done, responsible=found["responsible"], violation=found["violation"])


@manifest_group.command("correct")
@click.argument("manifest_id", metavar="ID")
@click.option("--field", "field_name", required=True, type=click.Choice(FIELDS), help="What to correct.")
@click.option("--value", required=True, help="The corrected value (quantities take units; hazards: T,C).")
@click.option("--reason", required=True, help="Why.")
@pass_app
def correct(app: AppContext, manifest_id: str, field_name: str, value: str, reason: str) -> None:
    """Request a correction (a regulator or a party); the manifest is locked until the asked party answers."""
    from client.units import parse_quantity
    from client.waste.service import correction_value

    def parse(text: str) -> int:
        try:
            return parse_quantity(text)
        except ValueError as err:
            raise CommandError(f"--value: {err}") from None

    checked = call(lambda: correction_value(field_name, value, parse))
    outcome = client(app).correct(manifest_id, field_name, checked, reason)
    manifest_written(app, outcome, locked=f"until {outcome.result['correction']['asked']} answers")


@manifest_group.command("answer")
@click.argument("manifest_id", metavar="ID")
@click.option("--accept/--decline", required=True, help="Accept the correction (a new version) or decline it.")
@click.option("--reason", help="Why (required when declining).")
@pass_app
def answer(app: AppContext, manifest_id: str, accept: bool, reason: str | None) -> None:
    """Answer the open correction (the asked party); an accepted one keeps the earlier version."""
    outcome = client(app).answer(manifest_id, accept, reason)
    manifest_written(app, outcome, version=outcome.result["version"])


@manifest_group.command("dispose")
@click.argument("manifest_id", metavar="ID")
@click.option("--method", required=True, metavar="R1..R13|D1..D15", help="Utilisation (R) or disposal (D) code.")
@pass_app
def dispose(app: AppContext, manifest_id: str, method: str) -> None:
    """Record the disposal or utilisation method and close the manifest (the facility)."""
    manifest_written(app, client(app).dispose(manifest_id, method), method=method)


# -- manifest: reads ------------------------------------------------------------------------------


def summary(found: dict[str, Any]) -> dict[str, Any]:
    receiver = found["receiver"]
    return {
        "manifest": found["id"], "status": found["status"], "version": found["version"],
        "code": found["code"], "hazards": ",".join(found["hazards"]),
        "quantity": kg(found["quantity"]) + (f" in {found['containers']} containers" if found["containers"] else ""),
        "route": f"{found['origin']} → {found['destination']}", "generator": found["generator"],
        "shipper": found["shipper"], "receiver": f"{receiver['kind']} {receiver['entity']}",
        "transporters": ", ".join(found["transporters"]), "credit level": found["level"] or "unrated",
        "approvals": ", ".join(f"{side} {entry['at']}" for side, entry in found["approvals"].items() if entry)
        or "none", "shipped": kg(found["shipped"]),
        "received": kg(found["received"]["quantity"]) if found["received"] else "",
        "rejected": kg(found["rejected"]), "discrepancy": found["discrepancy"]["status"] if found["discrepancy"]
        else "none", "correction": (f"{found['correction']['field']} → {found['correction']['value']} (asks "
                                    f"{found['correction']['asked']})") if found["correction"] else "none",
        "original": found["original"] or "", "linked": ", ".join(r["manifest"] for r in found["rejections"]),
    }


@manifest_group.command("show")
@click.argument("manifest_id", metavar="ID")
@pass_app
def show_manifest(app: AppContext, manifest_id: str) -> None:
    """One manifest as it stands now."""
    found = client(app).show(manifest_id)
    if app.as_json:
        emit_json(found)
        return
    record(summary(found), False)


@manifest_group.command("history")
@click.argument("manifest_id", metavar="ID")
@paging_options
@pass_app
def history(app: AppContext, manifest_id: str, limit: int, after: str | None, all_pages: bool) -> None:
    """Every version of a manifest: those corrections replaced (oldest first), then the current one."""
    from client.cli.listing import fetch_answer

    answer_, rows = fetch_answer(app, "Manifest:History", {"manifest_id": manifest_id}, limit=limit, after=after,
                                 all_pages=all_pages)
    versions = [*(rows.items if rows else []), answer_["current"]]
    if app.as_json:
        emit_json(versions)
    else:
        click.echo(table([(v["version"], v["status"], kg(v["quantity"]), ",".join(v["hazards"]),
                           kg(v["received"]["quantity"]) if v["received"] else "",
                           v["received"]["code"] if v["received"] else "",
                           (v["corrections"][-1]["field"] + " corrected") if v["corrections"] else "created")
                          for v in versions],
                         ("version", "status", "quantity", "hazards", "received", "received code", "change")))
    if rows is not None:
        more_rows(rows, app.as_json)


@manifest_group.command("trace")
@click.argument("manifest_id", metavar="ID")
@pass_app
def trace(app: AppContext, manifest_id: str) -> None:
    """The chain of custody as a tree: every signature, and the manifests a rejection led to."""
    from client.waste.render import trace_lines

    found = client(app).trace(manifest_id)
    if app.as_json:
        emit_json(found)
        return
    for line in trace_lines(found):
        click.echo(line)


@manifest_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only manifests in this status.")
@click.option("--region", help="Only manifests from or to this region.")
@click.option("--entity", metavar="CODE", help="Only manifests of this party.")
@paging_options
@pass_app
def list_manifests(app: AppContext, status: str | None, region: str | None, entity: str | None, limit: int,
                   after: str | None, all_pages: bool) -> None:
    """Manifests you may see: your own (parties), your region's (regulators), all (coordinator)."""
    found = fetch_rows(app, "Manifest:List", filters(status=status, region=region, entity=entity), limit=limit,
                       after=after, all_pages=all_pages)
    show(found.items, app.as_json,
         rows=[(r["id"], r["status"], r["code"], kg(r["quantity"]), f"{r['origin']} → {r['destination']}",
                r["generator"], r["receiver"]["entity"], r["created"]["at"]) for r in found.items],
         headers=("manifest", "status", "code", "quantity", "route", "generator", "receiver", "created"),
         empty="(no manifests)")
    more_rows(found, app.as_json)


@manifest_group.command("alerts")
@click.option("--kind", type=click.Choice(ALERT_KINDS), help="Only this kind (pages with --after).")
@paging_options
@pass_app
def alerts(app: AppContext, kind: str | None, limit: int, after: str | None, all_pages: bool) -> None:
    """Gaps that show by themselves: too long in transit, no receipt, unconfirmed, open discrepancies, expiring
    approvals (computed from ledger time and parameters)."""
    from client.waste.render import alert_rows

    if kind is not None:
        found = fetch_rows(app, "Manifest:Alerts", {"kind": kind}, limit=limit, after=after, all_pages=all_pages)
        pages = {kind: {"items": found.items}}
    else:
        if after or all_pages:
            raise CommandError("--after and --all page through one kind of alert; give --kind")
        pages = client(app).alerts()
        found = None
    items = {name: page["items"] for name, page in pages.items()}
    show(items, app.as_json, rows=alert_rows(pages),
         headers=("alert", "subject", "age", "level", "route", "what"), empty="(no alerts)")
    if found is not None:
        more_rows(found, app.as_json)


@manifest_group.command("balance")
@click.option("--entity", metavar="CODE", help="One generator (or facility).")
@click.option("--region", help="One region (coordinator).")
@click.option("--all", "all_pages", is_flag=True, help="Every row, not the first page of each kind.")
@pass_app
def balance(app: AppContext, entity: str | None, region: str | None, all_pages: bool) -> None:
    """Mass balance: per generator, code and year (created, shipped, in transit, received, rejected, disposed;
    flagged when they do not add up) and per facility (intake against licensed capacity)."""
    from client.waste.render import balance_rows, intake_rows

    args = filters(entity=entity, region=region)
    generators = fetch_rows(app, "Manifest:Balance", {**args, "of": "generators"}, limit=500, after=None,
                            all_pages=all_pages)
    facilities = fetch_rows(app, "Manifest:Balance", {**args, "of": "facilities"}, limit=500, after=None,
                            all_pages=all_pages)
    if app.as_json:
        emit_json({"generators": generators.items, "facilities": facilities.items})
        return
    show(None, False, rows=balance_rows(generators.items),
         headers=("generator", "code", "year", "created", "shipped", "in transit", "received", "rejected", "disposed",
                  "difference", "adds up"), empty="(no generator balances)")
    click.echo("")
    show(None, False, rows=intake_rows(facilities.items),
         headers=("facility", "year", "on manifests", "received", "disposed", "capacity", "within capacity"),
         empty="(no facility intake)")
    for rows in (generators, facilities):
        if rows.bookmark:
            click.echo("more rows: ecoledger manifest balance --all")
            break


@manifest_group.command("approval")
@click.argument("approval_id", metavar="APPROVAL")
@pass_app
def show_approval(app: AppContext, approval_id: str) -> None:
    """A cross-region approval: scope, total, used, validity and the manifests it covers."""
    found = client(app).evaluate("Manifest:ShowApproval", {"approval_id": approval_id})
    if app.as_json:
        emit_json(found)
        return
    record({"approval": found["id"], "status": found["status"], "generator": found["generator"],
            "code": found["code"], "facility": found["facility"], "route": f"{found['origin']} → {found['destination']}",
            "total": kg(found["total_kg"]), "used": kg(found["used_kg"]), "valid until": found["valid_until"],
            "manifests": ", ".join(found["manifests"])}, False)


GROUPS = [facility_group, manifest_group]
