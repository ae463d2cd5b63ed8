"""``ecoledger proposal|concern|consultation|project ...``: negotiated cooperation among equal members.

* ``proposal`` — an organization's admin (or delegate) tables a parameter change, a standard, a
  membership decision or a resolution; each organization votes once (changeable until the deadline);
  anyone closes it after the deadline, or earlier once it is adopted whatever the others vote. An
  adopted parameter change applies in the closing transaction. There is no other way to change a rule.
* ``concern`` — regulators, enterprises and monitoring stations raise concerns about an area (a region
  or a basin); the threshold-th open concern opens a consultation by itself.
* ``consultation`` — the organizations of the area conclude it with a resolution, possibly tabling a
  proposal in the same transaction.
* ``project`` — restoration projects started by a consultation or an adopted proposal; the responsible
  party reports milestones, a regulator of another region verifies them.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from client.cli.errors import CommandError
from client.cli.listing import fetch_rows, more_rows, paging_options
from client.cli.options import EcoledgerGroup, pass_app
from client.cli.output import emit_json, record, show, table
from client.cli.permit_commands import submit, written

if TYPE_CHECKING:
    from client.cli.context import AppContext


def _inputs(action: Callable[[], Any]) -> Any:
    """Run an input conversion; its refusal is one ``error:`` line and nothing is sent."""
    from client.governance.inputs import GovernanceError

    try:
        return action()
    except GovernanceError as err:
        raise CommandError(str(err)) from None


def _by(stamp: Any) -> str:
    if not isinstance(stamp, dict):
        return "-"
    by = stamp.get("by") or {}
    return f"{stamp.get('at', '')} by {by.get('name')}@{by.get('msp_id')}"


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# -- ecoledger proposal ------------------------------------------------------------------------


@click.group("proposal", cls=EcoledgerGroup)
def proposal_group() -> None:
    """Proposals voted one organization one vote; adopted ones change the ledger's rules."""


def proposal_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The content of a proposal (shared by 'proposal table' and 'consultation conclude --table-proposal')."""
    options = [
        click.option("--title", help="What the proposal is called."),
        click.option("--rationale", help="Why."),
        click.option("--deadline", default="7d", show_default=True,
                     help="Voting period from now: 7d, 36h, 90m (within voting_min/max_seconds)."),
        click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                     help="A catalogue parameter and its new value as JSON (repeatable); parameter and standard."),
        click.option("--document", type=click.Path(dir_okay=False, exists=True),
                     help="A document whose SHA-256 the proposal carries (required for a standard)."),
        click.option("--admit", metavar="REGION", help="Membership: admit this region."),
        click.option("--remove", metavar="REGION", help="Membership: remove this region."),
        click.option("--msp-id", help="Membership: the MSP id of the admitted region (default REGIONMSP)."),
        click.option("--name", help="Membership: the admitted region's name."),
        click.option("--config-update", type=click.Path(dir_okay=False, exists=True),
                     help="Membership: the channel configuration update (its SHA-256 is voted on)."),
        click.option("--config-sequence", type=click.IntRange(0), metavar="N",
                     help="Membership: the channel config sequence the update was computed from."),
        click.option("--text", help="Resolution: its text."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _spec(kind: str, title: str | None, **values: Any) -> dict[str, Any]:
    from client.governance.inputs import proposal_spec

    if not title:
        raise CommandError("a proposal needs --title")
    return _inputs(lambda: proposal_spec(kind=kind, title=title, update_digest=update_digest, **values))


def update_digest(path: str) -> str:
    """The hash of a channel update file written by ``ecoledger channel propose``: the digest its signers
    check (``channel sign --proposal``), unchanged by the signatures added to the file."""
    from network.configupdate import UpdateFile
    from network.errors import NetworkError

    try:
        return UpdateFile.load(Path(path)).digest
    except NetworkError as err:
        raise CommandError(f"--config-update: {err}") from err


@proposal_group.command("table")
@click.option("--kind", required=True, type=click.Choice(["parameter", "standard", "membership", "resolution"]))
@proposal_options
@pass_app
def proposal_table(app: AppContext, kind: str, title: str | None, **values: Any) -> None:
    """Table a proposal for your organization (its admin or a delegate).

    \b
    ecoledger proposal table --kind parameter --set credit_market_barred='["red","yellow"]' \\
        --title "Bar yellow enterprises" --rationale "joint punishment" --deadline 7d
    ecoledger proposal table --kind membership --admit SD --name Shandong --title "Admit Shandong" --deadline 14d
    """
    spec = _spec(kind, title, **values)
    outcome = submit(app, "Proposal:Table", spec)
    found = outcome.result
    written(app, outcome, {"proposal": found["id"], "kind": kind, "rule": found["rule"],
                           "electorate": ", ".join(found["electorate"]), "deadline": found["deadline"]})


def _proposal_rows(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    rows = []
    for p in items:
        tally = p.get("tally") or {}
        counted = f"{tally.get('yes', 0)}/{tally.get('no', 0)}/{tally.get('abstain', 0)}" if tally else "-"
        rows.append((p["id"], p["kind"], p["status"], p["rule"], p["deadline"], counted, p["title"]))
    return rows


@proposal_group.command("list")
@click.option("--status", type=click.Choice(["open", "adopted", "rejected", "failed"]), help="Only this status.")
@paging_options
@pass_app
def proposal_list(app: AppContext, status: str | None, limit: int, after: str | None, all_pages: bool) -> None:
    """Proposals, oldest id first (any identity of a member organization)."""
    args = {"status": status} if status else {}
    found = fetch_rows(app, "Proposal:List", args, limit=limit, after=after, all_pages=all_pages)
    show(found.items, app.as_json, rows=_proposal_rows(found.items),
         headers=("proposal", "kind", "status", "rule", "deadline", "yes/no/abst.", "title"), empty="(no proposals)")
    more_rows(found, app.as_json)


@proposal_group.command("show")
@click.argument("proposal_id")
@pass_app
def proposal_show(app: AppContext, proposal_id: str) -> None:
    """A proposal, its content, every organization's vote and the tally."""
    found = app.contract().evaluate("Proposal:Show", {"proposal_id": proposal_id})
    if app.as_json:
        emit_json(found)
        return
    summary = {"proposal": found["id"], "kind": found["kind"], "title": found["title"], "status": found["status"],
               "rule": found["rule"], "quorum": f"{found['quorum']} of {len(found['electorate'])} (yes + abstain)",
               "deadline": found["deadline"], "tabled": _by(found["tabled"])}
    if found.get("rationale"):
        summary["rationale"] = found["rationale"]
    for key in ("changes", "membership", "text", "document", "consultation"):
        if found.get(key):
            summary[key] = found[key]
    tally = found.get("tally") or found.get("running")
    if tally:
        summary["tally" if found.get("tally") else "so far"] = (
            f"{tally['yes']} yes, {tally['no']} no, {tally['abstain']} abstain, {tally['not_voted']} not voted")
    if found.get("result"):
        summary["result"] = found["result"].get("reason", "")
        if found["result"].get("applied"):
            summary["applied"] = ", ".join(found["result"]["applied"])
    if found.get("closed"):
        summary["closed"] = _by(found["closed"])
    record(summary, False)
    click.echo("")
    votes = found.get("votes") or {}
    click.echo(table([(msp, votes[msp]["choice"] if msp in votes else "-", _by(votes.get(msp)))
                      for msp in found["electorate"]], ("organization", "vote", "when")))


@proposal_group.command("vote")
@click.argument("proposal_id")
@click.argument("choice", type=click.Choice(["yes", "no", "abstain"]))
@pass_app
def proposal_vote(app: AppContext, proposal_id: str, choice: str) -> None:
    """Vote for your organization; a later vote replaces it until the deadline."""
    outcome = submit(app, "Proposal:Vote", {"proposal_id": proposal_id, "choice": choice})
    found = outcome.result
    tally = found["tally"]
    written(app, outcome, {"proposal": proposal_id, "organization": found["msp_id"], "vote": choice,
                           "changed": "yes" if found["changed"] else "no (the same vote was already counted)",
                           "so far": f"{tally['yes']} yes, {tally['no']} no, {tally['abstain']} abstain"})


@proposal_group.command("close")
@click.argument("proposal_id")
@pass_app
def proposal_close(app: AppContext, proposal_id: str) -> None:
    """Tally a proposal after its deadline (or once adopted whatever the others vote) and apply it."""
    outcome = submit(app, "Proposal:Close", {"proposal_id": proposal_id})
    found = outcome.result
    summary = {"proposal": proposal_id, "status": found["status"], "reason": found["result"]["reason"]}
    if found["result"].get("applied"):
        summary["applied"] = ", ".join(found["result"]["applied"])
    written(app, outcome, summary)


# -- ecoledger concern -------------------------------------------------------------------------


@click.group("concern", cls=EcoledgerGroup)
def concern_group() -> None:
    """Concerns about an area (a region or a basin); enough of them open a consultation by themselves."""


@concern_group.command("raise")
@click.option("--area", required=True, help="A member region (BJ) or a basin of air_basin/river_basin (haihe).")
@click.option("--text", required=True, help="What the concern is.")
@click.option("--evidence", type=click.Path(dir_okay=False, exists=True), help="A file whose SHA-256 is recorded.")
@click.option("--link", "links", multiple=True, metavar="ID",
              help="A violation (V-...) or a manifest number of the area (repeatable).")
@pass_app
def concern_raise(app: AppContext, area: str, text: str, evidence: str | None, links: tuple[str, ...]) -> None:
    """Raise a concern (regulators, enterprises, monitoring stations)."""
    from client.governance.inputs import sha256_of

    args: dict[str, Any] = {"area": area, "text": text}
    if evidence:
        args["evidence"] = _inputs(lambda: sha256_of(evidence))
    if links:
        args["links"] = list(links)
    outcome = submit(app, "Concern:Raise", args)
    found = outcome.result
    summary = {"concern": found["concern"]["id"], "area": area, "regions": ", ".join(found["concern"]["regions"]),
               "status": found["concern"]["status"]}
    opened = found.get("consultation")
    if opened:
        summary["consultation opened"] = f"{opened['id']} (notifies {', '.join(opened['notify'])})"
    written(app, outcome, summary)


@concern_group.command("list")
@click.option("--area", help="Only concerns about this area.")
@click.option("--status", type=click.Choice(["open", "under_consultation", "resolved"]), help="Only this status.")
@paging_options
@pass_app
def concern_list(app: AppContext, area: str | None, status: str | None, limit: int, after: str | None,
                 all_pages: bool) -> None:
    """Concerns, by area and status."""
    args = {key: value for key, value in (("area", area), ("status", status)) if value}
    found = fetch_rows(app, "Concern:List", args, limit=limit, after=after, all_pages=all_pages)
    rows = [(c["id"], c["area"], c["status"], c["consultation"] or "-", c["raised_by"]["role"],
             c["raised"]["at"], c["text"]) for c in found.items]
    show(found.items, app.as_json, rows=rows,
         headers=("concern", "area", "status", "consultation", "raised by", "at", "text"), empty="(no concerns)")
    more_rows(found, app.as_json)


@concern_group.command("show")
@click.argument("concern_id")
@pass_app
def concern_show(app: AppContext, concern_id: str) -> None:
    """One concern."""
    found = app.contract().evaluate("Concern:Show", {"concern_id": concern_id})
    record(found if app.as_json else {**found, "raised": _by(found["raised"])}, app.as_json)


# -- ecoledger consultation --------------------------------------------------------------------


@click.group("consultation", cls=EcoledgerGroup)
def consultation_group() -> None:
    """Consultations opened by concerns; concluded with a resolution."""


@consultation_group.command("list")
@click.option("--status", type=click.Choice(["open", "concluded"]), help="Only this status.")
@click.option("--area", help="Only consultations about this area.")
@paging_options
@pass_app
def consultation_list(app: AppContext, status: str | None, area: str | None, limit: int, after: str | None,
                      all_pages: bool) -> None:
    """Consultations, by status or area."""
    args = {key: value for key, value in (("status", status), ("area", area)) if value}
    found = fetch_rows(app, "Consultation:List", args, limit=limit, after=after, all_pages=all_pages)
    rows = [(c["id"], c["area"], c["status"], len(c["agenda"]), ", ".join(c["notify"]), c["opened"]["at"])
            for c in found.items]
    show(found.items, app.as_json, rows=rows, headers=("consultation", "area", "status", "concerns", "members",
                                                       "opened"), empty="(no consultations)")
    more_rows(found, app.as_json)


@consultation_group.command("show")
@click.argument("consultation_id")
@pass_app
def consultation_show(app: AppContext, consultation_id: str) -> None:
    """A consultation and its agenda."""
    found = app.contract().evaluate("Consultation:Show", {"consultation_id": consultation_id})
    if app.as_json:
        emit_json(found)
        return
    summary = {"consultation": found["id"], "area": found["area"], "regions": ", ".join(found["regions"]),
               "status": found["status"], "opened": _by(found["opened"]),
               "threshold": found["threshold"]}
    conclusion = found.get("conclusion")
    if conclusion:
        summary.update({"resolution": conclusion["resolution"], "concluded": _by(conclusion),
                        "proposal": conclusion.get("proposal") or "-"})
    record(summary, False)
    click.echo("")
    click.echo(table([(c["id"], c["status"], c["raised_by"]["role"], c["text"]) for c in found["concerns"]],
                     ("concern", "status", "raised by", "text")))


@consultation_group.command("conclude")
@click.argument("consultation_id")
@click.option("--resolution", required=True, help="The resolution's text.")
@click.option("--resolution-document", type=click.Path(dir_okay=False, exists=True),
              help="A document of the resolution (its SHA-256 is recorded).")
@click.option("--table-proposal", "kind", type=click.Choice(["parameter", "standard", "membership", "resolution"]),
              help="Table a proposal of this kind in the same transaction (with --title, --set, ...).")
@proposal_options
@pass_app
def consultation_conclude(app: AppContext, consultation_id: str, resolution: str, resolution_document: str | None,
                          kind: str | None, title: str | None, **values: Any) -> None:
    """Conclude a consultation (admins or delegates of the area's organizations, or of the coordinator)."""
    from client.governance.inputs import sha256_of

    args: dict[str, Any] = {"consultation_id": consultation_id, "resolution": resolution}
    if resolution_document:
        args["document"] = _inputs(lambda: sha256_of(resolution_document))
    if kind:
        args["proposal"] = _spec(kind, title, **values)
    outcome = submit(app, "Consultation:Conclude", args)
    found = outcome.result
    written(app, outcome, {"consultation": consultation_id, "status": found["consultation"]["status"],
                           "resolved concerns": len(found["consultation"]["conclusion"]["resolved"]),
                           "proposal": (found.get("proposal") or {}).get("id", "-")})


# -- ecoledger project -------------------------------------------------------------------------


@click.group("project", cls=EcoledgerGroup)
def project_group() -> None:
    """Restoration projects: started by a consultation or adopted proposal, verified across regions."""


def _fen(text: str) -> int:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise CommandError(f"--budget is an amount of yuan with at most two decimals, got {text!r}") from None
    fen = value * 100
    if fen != fen.to_integral_value() or fen < 0:
        raise CommandError(f"--budget is an amount of yuan with at most two decimals, got {text!r}")
    return int(fen)


@project_group.command("start")
@click.option("--from", "source", required=True, metavar="ID", help="The consultation (CS-...) or adopted "
                                                                     "proposal (P-...) that starts it.")
@click.option("--title", required=True)
@click.option("--responsible", required=True, help="A member region (HB) or an enterprise's credit code.")
@click.option("--budget", required=True, help="Budget in yuan (e.g. 2500000 or 1234.56).")
@click.option("--milestone", "milestones", multiple=True, required=True, metavar="DUE:NAME",
              help="A milestone, e.g. 2026-06-30:'dredge 2 km' (repeatable, in order).")
@pass_app
def project_start(app: AppContext, source: str, title: str, responsible: str, budget: str,
                  milestones: tuple[str, ...]) -> None:
    """Start a restoration project (an organization's admin or delegate)."""
    from client.governance.inputs import milestone

    steps = [_inputs(lambda text=text: milestone(text)) for text in milestones]
    outcome = submit(app, "Project:Start", {"source": source, "title": title, "responsible": responsible,
                                            "budget_fen": _fen(budget), "milestones": steps})
    written(app, outcome, {"project": outcome.result["id"], "from": source, "responsible": responsible,
                           "milestones": len(steps)})


@project_group.command("report")
@click.argument("project_id")
@click.option("--milestone", required=True, type=int, help="The milestone's number (0 is the first).")
@click.option("--text", required=True, help="What was done.")
@click.option("--evidence", type=click.Path(dir_okay=False, exists=True), help="A file whose SHA-256 is recorded.")
@pass_app
def project_report(app: AppContext, project_id: str, milestone: int, text: str, evidence: str | None) -> None:
    """Report a milestone reached (the responsible region's regulators, or the responsible enterprise)."""
    from client.governance.inputs import sha256_of

    args: dict[str, Any] = {"project_id": project_id, "milestone": milestone, "text": text}
    if evidence:
        args["evidence"] = _inputs(lambda: sha256_of(evidence))
    outcome = submit(app, "Project:Report", args)
    written(app, outcome, {"project": project_id, "milestone": milestone,
                           "status": outcome.result["milestones"][milestone]["status"]})


@project_group.command("verify")
@click.argument("project_id")
@click.option("--milestone", required=True, type=int, help="The milestone's number (0 is the first).")
@click.option("--reject", is_flag=True, help="Reject the report (give --note).")
@click.option("--note", help="What was seen.")
@pass_app
def project_verify(app: AppContext, project_id: str, milestone: int, reject: bool, note: str | None) -> None:
    """Verify (or --reject) a reported milestone (a regulator of another region than the responsible party's)."""
    args: dict[str, Any] = {"project_id": project_id, "milestone": milestone, "accept": not reject}
    if note:
        args["note"] = note
    outcome = submit(app, "Project:Verify", args)
    written(app, outcome, {"project": project_id, "milestone": milestone,
                           "status": outcome.result["milestones"][milestone]["status"],
                           "project status": outcome.result["status"]})


@project_group.command("show")
@click.argument("project_id")
@pass_app
def project_show(app: AppContext, project_id: str) -> None:
    """A project and its milestones."""
    found = app.contract().evaluate("Project:Show", {"project_id": project_id})
    if app.as_json:
        emit_json(found)
        return
    fen = found["budget_fen"]
    record({"project": found["id"], "title": found["title"], "from": found["source"], "status": found["status"],
            "responsible": f"{found['responsible']['kind']} {found['responsible']['id']}",
            "budget": f"¥{fen // 100:,}.{fen % 100:02d}", "started": _by(found["started"])}, False)
    click.echo("")
    click.echo(table([(m["index"], m["due"], m["status"], m["name"], _by(m["report"]), _by(m["verification"]))
                      for m in found["milestones"]], ("#", "due", "status", "milestone", "reported", "verified")))


@project_group.command("list")
@click.option("--status", type=click.Choice(["active", "completed"]), help="Only this status.")
@click.option("--from", "source", metavar="ID", help="Only projects started by this consultation or proposal.")
@paging_options
@pass_app
def project_list(app: AppContext, status: str | None, source: str | None, limit: int, after: str | None,
                 all_pages: bool) -> None:
    """Projects, by status or by what started them."""
    args = {key: value for key, value in (("status", status), ("source", source)) if value}
    found = fetch_rows(app, "Project:List", args, limit=limit, after=after, all_pages=all_pages)
    rows = [(p["id"], p["status"], p["source"], p["responsible"]["id"],
             sum(1 for m in p["milestones"] if m["status"] == "verified"), len(p["milestones"]), p["title"])
            for p in found.items]
    show(found.items, app.as_json, rows=rows, headers=("project", "status", "from", "responsible", "verified",
                                                       "milestones", "title"), empty="(no projects)")
    more_rows(found, app.as_json)


GROUPS = [proposal_group, concern_group, consultation_group, project_group]
