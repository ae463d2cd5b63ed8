"""``ecoledger org ...`` and ``ecoledger channel ...``: one organization operating on its own host.

Every organization's admin runs these on its own host (its own ``ECOLEDGER_HOME``);
only public definitions, genesis blocks and update files move between hosts::

    ecoledger --consortium hosts.yaml org init --org BJ        # BJ's CA, identities and nodes
    ecoledger org export --org BJ > bj.org.json                # public only, for the other members
    ecoledger org import tj.org.json hb.org.json co.org.json
    ecoledger channel create --out shared/                     # one member; others: channel join
    ecoledger channel join shared/*.block
    ecoledger org deploy                                       # install, approve, commit when a majority did
    ecoledger channel propose ecoledger --batch-timeout 1s -o batch.update.json
    ecoledger channel sign batch.update.json                   # on each admin's host in turn
    ecoledger channel submit batch.update.json                 # anyone, once the policies are met
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from client.cli.options import EcoledgerGroup, pass_app
from client.cli.output import emit_json, record
from client.cli.progress import steps

if TYPE_CHECKING:
    from client.cli.context import AppContext


@click.group("org", cls=EcoledgerGroup)
def org_group() -> None:
    """Run one organization on its own host: init, export/import definitions, deploy."""


@org_group.command("init")
@click.option("--org", "code", required=True, help="The organization this host runs (e.g. BJ).")
@click.option("--consortium", "consortium_file", help="Consortium name or YAML file (with each org's host).")
@pass_app
def init(app: AppContext, code: str, consortium_file: str | None) -> None:
    """Start this organization's CA, issue its identities, start its ordering node, peers and chaincode server.

    Its private keys stay in this host's home folder. Idempotent.
    """
    from network.bootstrap import Network, resolve

    consortium = resolve(consortium_file or app.consortium_file)
    net = Network(consortium, local=[code])
    with steps(f"org init {net.local_orgs[0].code} ({consortium.name})") as progress:
        report = net.init_orgs(progress)
    org = net.local_orgs[0]
    record({"org": org.code, "host": org.host, "home": str(net.layout.root),
            "package_id": report.package_ids.get(org.code, ""),
            "phases_s": {name: round(seconds, 2) for name, seconds in report.phases.items()}}, app.as_json)


@org_group.command("export")
@click.option("--org", "code", help="The organization (default: the one this host runs).")
@pass_app
def export(app: AppContext, code: str | None) -> None:
    """Print the organization's public definition (certificates, NodeOUs, endpoints) as JSON."""
    from network.governance import signing_org
    from network.members import export_document

    net = app.network
    org = signing_org(net, code)
    click.echo(json.dumps(export_document(net.layout, net.consortium, org), indent=2, ensure_ascii=False))


@org_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--new", "new_member", is_flag=True,
              help="The definitions may be of organizations this home's consortium does not list yet: a region "
                   "the consortium admitted. They are appended to this home's consortium file.")
@pass_app
def import_(app: AppContext, files: tuple[Path, ...], new_member: bool) -> None:
    """Import other members' definitions (made by 'ecoledger org export')."""
    from network.bootstrap import Network, saved_consortium_file
    from network.config import load
    from network.errors import NetworkError
    from network.members import add_member, import_document

    net = app.network
    imported = []
    for path in files:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            raise NetworkError(f"{path}: not JSON (expected the output of 'ecoledger org export')") from None
        code = str(document.get("code")) if isinstance(document, dict) else ""
        if code and code not in {o.code for o in net.consortium.organizations}:
            if not new_member:
                raise NetworkError(f"{path}: {code} is not a member of consortium {net.consortium.name}; once the "
                                   f"consortium admitted it, import its definition with --new")
            saved = saved_consortium_file(net.layout.root)
            before = saved.read_text(encoding="utf-8")
            add_member(saved, document)
            try:
                net = Network(load(str(saved)))
                imported.append(import_document(net.layout, net.consortium, document, net.local_orgs).code + " (new)")
            except Exception:
                saved.write_text(before, encoding="utf-8")
                raise
            continue
        imported.append(import_document(net.layout, net.consortium, document, net.local_orgs).code)
    record({"imported": ", ".join(imported)}, app.as_json)


@org_group.command("deploy")
@pass_app
def deploy(app: AppContext) -> None:
    """Install and approve the chaincode for this host's organization; commit on channels where a majority
    approved (a definition that lacks the private collections of a region admitted since moves to the next
    sequence); write the member registry of each channel this host writes once the chaincode is committed
    there (the all-members channel from the coordinator's host, a pair channel from its first region's)."""
    net = app.network
    with steps("org deploy") as progress:
        net.deploy(progress)
    record({"orgs": ", ".join(o.code for o in net.local_orgs), "deployed": True}, app.as_json)


@click.group("channel", cls=EcoledgerGroup)
def channel_group() -> None:
    """Create and join channels, and change them with several admins' signatures."""


@channel_group.command("create")
@click.argument("names", nargs=-1, metavar="[CHANNEL]...")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also copy the genesis blocks here (to hand to the other members).")
@pass_app
def create(app: AppContext, names: tuple[str, ...], out_dir: Path | None) -> None:
    """Make the genesis blocks of the channels (default: all; or the CHANNELs named, e.g. the pair channels of
    a newly admitted region) from the members' definitions, once, by one member."""
    net = app.network
    with steps("channel create") as progress:
        blocks = net.create_channels(progress, list(names) or None)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for block in blocks:
            shutil.copyfile(block, out_dir / block.name)
    record({"blocks": ", ".join(str(out_dir / b.name if out_dir else b) for b in blocks)}, app.as_json)


@channel_group.command("join")
@click.argument("blocks", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--peers-only", is_flag=True,
              help="Join only the peers (an admitted organization whose ordering node is not a consenter).")
@pass_app
def join(app: AppContext, blocks: tuple[Path, ...], peers_only: bool) -> None:
    """Join this host's ordering node and peers to the channels of these genesis blocks."""
    net = app.network
    with steps("channel join") as progress:
        names = net.join_channels(list(blocks), progress, peers_only=peers_only)
    net.write_profiles(lambda m: None)
    record({"joined": ", ".join(names)}, app.as_json)


@channel_group.command("propose")
@click.argument("channel")
@click.option("--batch-timeout", help="New ordering batch timeout, e.g. 1s or 250ms.")
@click.option("--admit", "admit", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Admit the organization of this exported definition (org export) as an application member.")
@click.option("--consenter", is_flag=True,
              help="With --admit: its ordering node also becomes a BFT consenter of the channel (in the same "
                   "update: one consenter change).")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the update file.")
@click.option("--org", "code", help="The proposing organization (default: the one this host runs).")
@pass_app
def propose(app: AppContext, channel: str, batch_timeout: str | None, admit: Path | None, consenter: bool,
            output: Path, code: str | None) -> None:
    """Write an unsigned update file for CHANNEL (the admins then sign it in turn)."""
    import re

    from network import configupdate
    from network.errors import NetworkError
    from network.governance import propose as make

    if (batch_timeout is None) == (admit is None):
        raise NetworkError("say what the update changes: --batch-timeout DURATION or --admit DEFINITION.json")
    if consenter and admit is None:
        raise NetworkError("--consenter goes with --admit DEFINITION.json (the organization whose ordering node "
                           "joins the consenters)")
    if admit is not None:
        try:
            definition = json.loads(admit.read_text(encoding="utf-8"))
            definition["msp_id"], definition["code"], definition["msp"]
        except (ValueError, KeyError, TypeError):
            raise NetworkError(f"{admit}: not an organization definition (made by 'ecoledger org export')") from None
        edit = configupdate.admit_organization(definition, consenter=consenter)
    else:
        if not re.fullmatch(r"\d+(ms|s|m)", str(batch_timeout)):
            raise NetworkError(f"--batch-timeout {batch_timeout!r}: give a duration such as 500ms, 2s or 1m")
        edit = configupdate.set_batch_timeout(str(batch_timeout))
    update = make(app.network, channel, edit, output, code)
    record({"update": str(output), "channel": channel, "change": update.description, "digest": update.digest},
           app.as_json)


@channel_group.command("sign")
@click.argument("update", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "code", help="The signing organization (default: the one this host runs).")
@click.option("--proposal", "proposal_id", metavar="P-...",
              help="The adopted membership proposal on the ledger whose config_sha256 is this update's hash "
                   "(to admit an organization).")
@click.option("--decision", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Or: the member admins' adopted decision file holding this update.")
@pass_app
def sign(app: AppContext, update: Path, code: str | None, proposal_id: str | None, decision: Path | None) -> None:
    """Add this host's admin's signature to the update file UPDATE.

    An update that admits an organization is signed only when the consortium decided it: an adopted
    membership proposal (read from the ledger as this identity) or an adopted decision file."""
    from network.governance import sign as add

    adopted = membership_check(lambda: app.contract(), proposal_id) if proposal_id else None
    signed = add(app.network, update, code, decision, adopted)
    record({"update": str(update), "signed_as": ", ".join(signed) or "(already signed)"}, app.as_json)


@channel_group.command("signatures")
@click.argument("update", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def signatures(app: AppContext, update: Path) -> None:
    """Who signed UPDATE, what it changes and whether each policy it needs is met."""
    from network.governance import status

    state = {k: v for k, v in status(app.network, update).items() if not k.startswith("_")}
    if app.as_json:
        emit_json(state)
        return
    click.echo(f"{state['channel']}: {state['description']} (digest {state['digest'][:16]}; channel config sequence "
               f"{state['config_sequence']}{'' if state['current'] else ', changed since this update was proposed'})")
    click.echo(f"signed by: {', '.join(state['signed_by']) or 'nobody'}")
    for policy in state["policies"]:
        click.echo(("met     " if policy["satisfied"] else "not met ") + policy["explanation"])


@channel_group.command("submit")
@click.argument("update", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def submit(app: AppContext, update: Path) -> None:
    """Submit UPDATE to the ordering service once its signatures satisfy every policy it needs."""
    from network.governance import submit as send

    state = send(app.network, update)
    record({"channel": state["channel"], "change": state["description"], "submitted": True,
            "signed_by": ", ".join(state["signed_by"])}, app.as_json)


@channel_group.command("decide")
@click.argument("updates", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--subject", required=True, help="What the members decide, e.g. 'admit SD'.")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def decide(app: AppContext, updates: tuple[Path, ...], subject: str, output: Path) -> None:
    """Write a decision authorising the update files UPDATES, for the member admins to sign."""
    from network.governance import decide as make

    decision = make(app.network, subject, list(updates), output)
    record({"decision": str(output), "subject": subject, "updates": ", ".join(decision.updates)}, app.as_json)


@channel_group.command("sign-decision")
@click.argument("decision", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "code", help="The signing organization (default: the one this host runs).")
@pass_app
def sign_decision(app: AppContext, decision: Path, code: str | None) -> None:
    """Sign DECISION as this host's admin; it is adopted once a majority of members signed."""
    from network.governance import sign_decision as add

    state = add(app.network, decision, code)
    record({"subject": state["subject"], "adopted": state["adopted"], "signed_by": ", ".join(state["signed_by"]),
            "not_signed_by": ", ".join(state["not_signed_by"])}, app.as_json)


def membership_check(contract: Callable[[], Any], proposal_id: str) -> Callable[[str, list[str]], None]:
    """The check that proposal ``proposal_id`` on the ledger is an adopted membership proposal admitting
    the organizations an update adds and holding that update's hash."""
    def check(digest: str, added: list[str]) -> None:
        from network.errors import NetworkError

        proposal = contract().evaluate("Proposal:Show", {"proposal_id": proposal_id})
        membership = proposal.get("membership") or {}
        if proposal.get("kind") != "membership" or proposal.get("status") != "adopted":
            raise NetworkError(f"proposal {proposal_id} is a {proposal.get('kind')} proposal, "
                               f"{proposal.get('status')}; only an adopted membership proposal authorises "
                               f"admitting an organization")
        if membership.get("action") != "admit" or membership.get("msp_id") not in added:
            raise NetworkError(f"proposal {proposal_id} decides to {membership.get('action')} "
                               f"{membership.get('msp_id')}; this update admits {', '.join(added)}")
        if membership.get("config_sha256") != digest:
            raise NetworkError(f"proposal {proposal_id} holds channel update {membership.get('config_sha256')}, "
                               f"not this update ({digest})")
    return check
