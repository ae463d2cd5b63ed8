"""``ecoledger network ...``: bring the consortium up, inspect it, stop it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from client.cli.options import EcoledgerGroup, pass_app
from client.cli.output import emit_json, record, show, table
from client.cli.progress import steps

if TYPE_CHECKING:
    from client.cli.context import AppContext


@click.group("network", cls=EcoledgerGroup)
def network_group() -> None:
    """Operate the consortium's Fabric network on this machine."""


@network_group.command("install")
@pass_app
def install(app: AppContext) -> None:
    """Build the pinned Fabric and Fabric CA binaries (skipped when already installed)."""
    from network import binaries

    with steps("network install") as progress:
        versions = binaries.install(progress)
    show(versions, app.as_json, rows=sorted(versions.items()), headers=("command", "version"))


@network_group.command("up")
@click.option("--consortium", "consortium_file", help="Consortium name (jingjinji, yangtze) or YAML file.")
@click.option("--consensus", type=click.Choice(["bft", "raft"]), help="Ordering consensus (default: bft).")
@click.option("--base-port", type=int, help="First port of the port plan (default from the consortium file).")
@pass_app
def up(app: AppContext, consortium_file: str | None, consensus: str | None, base_port: int | None) -> None:
    """Start (or restart) every CA, ordering node, peer and chaincode server and deploy the chaincode.

    Idempotent: a running network is only reported; a stopped one restarts on
    its existing ledgers; a half-built one continues where it stopped.
    """
    from network.bootstrap import Network, resolve

    consortium = resolve(consortium_file or app.consortium_file, base_port=base_port, consensus=consensus)
    net = Network(consortium)
    with steps(f"network up ({consortium.name})") as progress:
        report = app.up(net, progress=progress)
    summary = {
        "consortium": consortium.name,
        "already_running": report.already_running,
        "consensus": consortium.consensus,
        "organizations": [{"code": o.code, "msp_id": o.msp_id, "name": o.name, "kind": o.kind,
                           "ca": f"127.0.0.1:{o.ca_port}", "orderer": o.orderer_address,
                           "peers": [p.address for p in o.peers],
                           "chaincode_server": f"127.0.0.1:{o.chaincode_server_port}"}
                          for o in consortium.organizations],
        "channels": {ch.name: [o.code for o in ch.orgs] for ch in consortium.channels},
        "chaincode": {"name": consortium.chaincode_name, "version": consortium.chaincode_version,
                      "package_ids": report.package_ids},
        "phase_seconds": {k: round(v, 2) for k, v in report.phases.items()},
        "home": str(net.layout.root),
    }
    if app.as_json:
        emit_json(summary)
        return
    state = "already running" if report.already_running else "up"
    click.echo(f"consortium {consortium.name} is {state} ({consortium.consensus.upper()} ordering)")
    click.echo(table([(o["code"], o["msp_id"], o["kind"], o["ca"], o["orderer"], ", ".join(o["peers"]),
                       o["chaincode_server"]) for o in summary["organizations"]],
                     ("org", "msp", "kind", "ca", "orderer", "peers", "chaincode server")))
    click.echo("channels: " + "; ".join(f"{k} ({', '.join(v)})" for k, v in summary["channels"].items()))
    for code, package_id in sorted(report.package_ids.items()):
        click.echo(f"chaincode package {code}: {package_id}")
    if report.phases:
        click.echo("took " + ", ".join(f"{k} {v:.1f}s" for k, v in report.phases.items()))


@network_group.command("status")
@pass_app
def status(app: AppContext) -> None:
    """Health of every node and each peer's block height per channel."""
    result = app.network.status()
    if app.as_json:
        emit_json(result)
        return
    click.echo(table([(n["name"], n["kind"], n["pid"] or "-", n["health"]) for n in result["nodes"]],
                     ("node", "kind", "pid", "health")))
    click.echo("")
    rows = [(channel, peer, height if height is not None else "unavailable")
            for channel, peers in result["heights"].items() for peer, height in peers.items()]
    click.echo(table(rows, ("channel", "peer", "height")))


@network_group.command("metrics")
@pass_app
def metrics(app: AppContext) -> None:
    """The ten figures that matter, from every peer's and orderer's Prometheus endpoint."""
    from network import metrics as node_metrics

    summary = node_metrics.summarize(node_metrics.collect(app.network.consortium))
    if app.as_json:
        emit_json(summary)
        return
    click.echo(table(node_metrics.lines(summary), ("figure", "value")))
    if summary["unreachable"]:
        click.echo(f"unreachable: {', '.join(summary['unreachable'])}", err=True)


@network_group.command("down")
@click.option("--purge", is_flag=True, help="Also delete all ledgers, certificates and wallets of this network.")
@pass_app
def down(app: AppContext, purge: bool) -> None:
    """Stop this network's processes (only the ones it recorded)."""
    with steps("network down") as progress:
        stopped = app.network.down(purge=purge, progress=progress)
    record({"stopped": len(stopped), "purged": purge}, app.as_json)


@network_group.command("logs")
@click.argument("node")
@click.option("-n", "--lines", default=50, show_default=True, help="How many of the last lines to print.")
@pass_app
def logs(app: AppContext, node: str, lines: int) -> None:
    """Print the end of a node's log (e.g. peer0.bj, orderer.hb, ca.co, chaincode.tj)."""
    path: Path = app.network.log_path(node)
    text = path.read_text(errors="replace").splitlines() if path.exists() else []
    click.echo("\n".join(text[-lines:]))


@network_group.command("stop-node")
@click.argument("node")
@pass_app
def stop_node(app: AppContext, node: str) -> None:
    """Stop one node (fault injection: the network keeps working while a BFT quorum remains)."""
    name = app.network.log_path(node).stem
    record({"node": name, "stopped": app.network.stop_node(name)}, app.as_json)


@network_group.command("start-node")
@click.argument("node")
@pass_app
def start_node(app: AppContext, node: str) -> None:
    """Start one stopped node again and wait until it is healthy."""
    name = app.network.log_path(node).stem
    app.network.start_node(name)
    record({"node": name, "started": True}, app.as_json)
