"""Channel membership: ordering nodes join through the channel participation API, peers with the peer CLI."""

from __future__ import annotations

from pathlib import Path

from network import binaries
from network.commands import first_json, run, run_with_retry
from network.config import Channel, Organization, Peer
from network.layout import Layout
from network.nodes import peer_cli_env


def _osnadmin(layout: Layout, org: Organization, args: list[str], what: str) -> str:
    tls = layout.orderer_dir(org) / "tls"
    return run([binaries.binary("osnadmin"), "channel", *args, "-o", org.address(org.orderer_admin_port),
                "--ca-file", tls / "ca.crt", "--client-cert", tls / "server.crt", "--client-key", tls / "server.key"],
               what=what)


def orderer_channels(layout: Layout, org: Organization) -> list[str]:
    out = _osnadmin(layout, org, ["list"], f"listing channels of {org.orderer_name}")
    return [c["name"] for c in (first_json(out).get("channels") or [])] if "{" in out else []


def join_orderer(layout: Layout, org: Organization, channel: Channel, block: "Path | None" = None) -> bool:
    """True if the node joined now, False if it already had the channel. ``block``: the genesis block, or
    for a node that became a consenter by a later update, the config block that made it one (the node then
    pulls the blocks before it from the other consenters)."""
    if channel.name in orderer_channels(layout, org):
        return False
    block = block or layout.channel_dir / f"{channel.name}.block"
    _osnadmin(layout, org, ["join", "--channelID", channel.name, "--config-block", str(block)],
              f"joining {org.orderer_name} to {channel.name}")
    return True


def peer_channels(layout: Layout, peer: Peer) -> list[str]:
    out = run([binaries.binary("peer"), "channel", "list"], env=peer_cli_env(layout, peer),
              what=f"listing channels of {peer.name}")
    lines = out.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Channels peers has joined")), len(lines))
    return [line.strip() for line in lines[start + 1:] if line.strip()]


def join_peer(layout: Layout, peer: Peer, channel: Channel) -> bool:
    if channel.name in peer_channels(layout, peer):
        return False
    block = layout.channel_dir / f"{channel.name}.block"
    run_with_retry([binaries.binary("peer"), "channel", "join", "-b", str(block)],
                   env=peer_cli_env(layout, peer), what=f"joining {peer.name} to {channel.name}")
    return True


def chain_info(layout: Layout, peer: Peer, channel: str) -> dict[str, object]:
    """``{"height": int, "currentBlockHash": base64}`` as the peer sees the channel."""
    out = run([binaries.binary("peer"), "channel", "getinfo", "-c", channel], env=peer_cli_env(layout, peer),
              what=f"reading chain info of {channel} from {peer.name}")
    return first_json(out, after="Blockchain info")
