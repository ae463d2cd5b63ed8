"""The figures that matter from every node's Prometheus endpoint (``/metrics`` on the operations port).

``network up`` starts peers and orderers with the Prometheus provider on;
:func:`collect` scrapes each node once and :func:`summarize` reduces the
samples to ten figures: heights and lag, transactions by validation code,
endorsement duration and failures, block processing time, broadcast status,
BFT leader and view changes, participation status, dropped cluster messages.
"""

from __future__ import annotations

import re
import urllib.request
from collections import defaultdict
from typing import Any, Iterable

from network.config import Consortium

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
PARTICIPATION = {0: "inactive", 1: "active", 2: "onboarding", 3: "failed"}

Sample = tuple[str, dict[str, str], float]


def parse(text: str) -> list[Sample]:
    """Samples of the Prometheus text format (comments and malformed lines skipped)."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        try:
            value = float(m.group(3))
        except ValueError:
            continue
        out.append((m.group(1), dict(_LABEL.findall(m.group(2) or "")), value))
    return out


def endpoints(consortium: Consortium) -> list[tuple[str, str, int]]:
    """(node name, kind, operations port) of every peer and orderer."""
    nodes = []
    for org in consortium.organizations:
        nodes += [(p.name, "peer", p.operations_port) for p in org.peers]
        nodes.append((org.orderer_name, "orderer", org.orderer_operations_port))
    return nodes


def collect(consortium: Consortium, timeout: float = 3.0) -> dict[str, tuple[str, list[Sample] | None]]:
    """node -> (kind, samples or None when the node does not answer)."""
    scraped: dict[str, tuple[str, list[Sample] | None]] = {}
    for name, kind, port in endpoints(consortium):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout) as response:
                scraped[name] = (kind, parse(response.read().decode("utf-8", "replace")))
        except OSError:
            scraped[name] = (kind, None)
    return scraped


def _named(samples: Iterable[Sample], name: str) -> list[Sample]:
    return [s for s in samples if s[0] == name]


def _histogram_mean(samples: list[Sample], name: str, **match: str) -> dict[str, Any]:
    total = sum(v for n, l, v in samples if n == f"{name}_sum" and all(l.get(k) == x for k, x in match.items()))
    count = sum(v for n, l, v in samples if n == f"{name}_count" and all(l.get(k) == x for k, x in match.items()))
    return {"count": int(count), "mean_seconds": round(total / count, 6) if count else None}


def summarize(scraped: dict[str, tuple[str, list[Sample] | None]]) -> dict[str, Any]:
    heights: dict[str, dict[str, int]] = defaultdict(dict)
    by_code: dict[str, int] = defaultdict(int)
    failures: dict[str, int] = defaultdict(int)
    broadcast: dict[str, int] = defaultdict(int)
    leaders: dict[str, dict[str, int]] = defaultdict(dict)
    views: dict[str, dict[str, int]] = defaultdict(dict)
    participation: dict[str, dict[str, str]] = defaultdict(dict)
    dropped: dict[str, int] = defaultdict(int)
    endorsement: list[Sample] = []
    blocks: list[Sample] = []
    unreachable = []
    for node, (kind, samples) in sorted(scraped.items()):
        if samples is None:
            unreachable.append(node)
            continue
        for name, labels, value in samples:
            channel = labels.get("channel", "")
            if name == "ledger_blockchain_height" and kind == "peer":
                heights[channel][node] = int(value)
            elif name == "ledger_transaction_count" and kind == "peer":
                by_code[labels.get("validation_code", "?")] += int(value)
            elif name in ("endorser_endorsement_failures", "endorser_proposal_simulation_failures",
                          "endorser_proposal_validation_failures", "endorser_proposal_acl_failures"):
                failures[name.removeprefix("endorser_")] += int(value)
            elif name == "broadcast_processed_count":
                broadcast[labels.get("status", "?")] += int(value)
            elif name.startswith("consensus_smartbft") and name.endswith("leader_id"):
                leaders[channel][node] = int(value)
            elif name.startswith("consensus_smartbft") and ("viewchange_current_view" in name
                                                            or name.endswith("view_number")):
                views[channel][node] = max(views[channel].get(node, 0), int(value))
            elif name == "participation_status":
                participation[channel][node] = PARTICIPATION.get(int(value), str(int(value)))
            elif name == "cluster_comm_msg_dropped_count":
                dropped[channel] += int(value)
        if kind == "peer":
            endorsement += [s for s in samples if s[0].startswith("endorser_proposal_duration")]
            blocks += [s for s in samples if s[0].startswith("ledger_block_processing_time")]
    return {
        "heights": {c: {"peers": dict(sorted(p.items())), "max": max(p.values()),
                        "lag": {n: max(p.values()) - h for n, h in sorted(p.items()) if h < max(p.values())}}
                    for c, p in sorted(heights.items())},
        "transactions_by_validation_code": dict(sorted(by_code.items())),
        "endorsement_duration": _histogram_mean(endorsement, "endorser_proposal_duration"),
        "endorsement_failures": dict(sorted(failures.items())),
        "block_processing_time": _histogram_mean(blocks, "ledger_block_processing_time"),
        "broadcast_status": dict(sorted(broadcast.items())),
        "bft_leader": {c: sorted(set(v.values())) for c, v in sorted(leaders.items())},
        "bft_view_changes": {c: max(v.values()) for c, v in sorted(views.items())},
        "participation_status": {c: dict(sorted(v.items())) for c, v in sorted(participation.items())},
        "dropped_cluster_messages": dict(sorted(dropped.items())),
        "unreachable": unreachable,
    }


def lines(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The ten figures as (figure, value) rows for a table."""
    def kv(d: dict[str, Any]) -> str:
        return ", ".join(f"{k}={v}" for k, v in d.items()) or "-"

    h = summary["heights"]
    return [
        ("heights", kv({c: v["max"] for c, v in h.items()})),
        ("lag", kv({f"{c}/{n}": lag for c, v in h.items() for n, lag in v["lag"].items()}) if any(
            v["lag"] for v in h.values()) else "none"),
        ("transactions by validation code", kv(summary["transactions_by_validation_code"])),
        ("endorsement duration", kv(summary["endorsement_duration"])),
        ("endorsement failures", kv(summary["endorsement_failures"])),
        ("block processing time", kv(summary["block_processing_time"])),
        ("broadcast status", kv(summary["broadcast_status"])),
        ("BFT leader / view changes", kv({c: f"{summary['bft_leader'][c]}" for c in summary["bft_leader"]})
         + " / " + kv(summary["bft_view_changes"])),
        ("participation status", kv({c: ",".join(sorted(set(v.values())))
                                     for c, v in summary["participation_status"].items()})),
        ("dropped cluster messages", kv(summary["dropped_cluster_messages"])),
    ]
