"""What the benchmark scripts share: home folders, networks, gateways, load loops, statistics, output.

Progress goes to stderr with the seconds since start; figures go to stdout as
plain tables and, with ``--json FILE``, to a JSON document. Nothing here
judges a figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator, Mapping, Sequence

import grpc

from client.cli.output import render_table
from client.cli.progress import bar
from client.gateway import Gateway, GatewayError, Timeouts, Wallet, connect
from client.profile import ProfileDirectory
from client.retry import RetryPolicy, submit_with_retry_async, wait_for_async
from client.session import Session, endorsement_probe
from network import binaries
from network.bootstrap import Network, UpReport, resolve

_STARTED = time.monotonic()

# Benchmarks push the client hard on a small machine: generous deadlines, so a
# slow answer is measured as slow rather than counted as a failure.
BENCH_TIMEOUTS = Timeouts(evaluate=60.0, endorse=120.0, submit=60.0, commit_status=180.0)


def log(message: str) -> None:
    print(f"[{time.monotonic() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def stop_on_signals() -> None:
    """SIGTERM and SIGHUP end the script through its ``finally`` blocks, like Ctrl-C."""
    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


# -- arguments --------------------------------------------------------------------------------


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def base_port(text: str) -> int:
    value = int(text)
    if not 1024 <= value <= 60000:
        raise argparse.ArgumentTypeError(f"base port must be between 1024 and 60000, got {value}")
    return value


def add_network_options(parser: argparse.ArgumentParser, default_port: int) -> None:
    parser.add_argument("--base-port", type=base_port, default=default_port,
                        help=f"first port of the benchmark network's port plan (default {default_port}; "
                             f"the network uses about 80 ports from there)")
    parser.add_argument("--consortium", default="jingjinji",
                        help="bundled consortium name or consortium YAML file (default jingjinji)")
    parser.add_argument("--consensus", choices=("bft", "raft"), default=None,
                        help="ordering consensus (default: the consortium file's, bft for jingjinji)")
    parser.add_argument("--json", metavar="FILE", type=Path, default=None,
                        help="also write the results as JSON to FILE")


# -- home folders and networks ----------------------------------------------------------------


def use_home(path: Path) -> Path:
    """Make ``path`` the ``ECOLEDGER_HOME`` of this process (network data, wallets, logs)."""
    path.mkdir(parents=True, exist_ok=True)
    os.environ["ECOLEDGER_HOME"] = str(path)
    return path


def default_home(kind: str, port: int) -> Path:
    """A stable folder per benchmark and port plan, so ``--keep`` and a later run meet again."""
    return Path(tempfile.gettempdir()) / f"ecoledger-bench-{kind}-{port}"


def open_network(consortium: str, port: int, consensus: str | None) -> Network:
    """The network of the current home; an existing one keeps the layout it was created with."""
    network = Network(resolve(consortium, base_port=port, consensus=consensus))
    if network.consortium.base_port != port:
        log(f"note: the network in {network.layout.root} was created with base port "
            f"{network.consortium.base_port}; using that")
    return network


def up_network(network: Network, progress: Callable[[str], None]) -> UpReport:
    """``network.up``, waiting for service discovery through a client session over the network's profiles."""
    with Session(network.layout.profiles_dir, Wallet(network.layout.wallet_dir)) as session:
        return network.up(progress=progress, discovery_probe=endorsement_probe(session))


def save_logs(network: Network, kind: str) -> Path | None:
    """Copy the node logs somewhere that survives the purge, to look into a failed run."""
    logs = network.processes.run_dir / "logs"
    if not logs.is_dir():
        return None
    target = Path(tempfile.mkdtemp(prefix=f"ecoledger-bench-{kind}-logs-"))
    shutil.copytree(logs, target, dirs_exist_ok=True)
    log(f"node logs of the failed run copied to {target}")
    return target


def remove_home(home: Path) -> None:
    """Remove the benchmark home once its network is purged (only if nothing else is left in it)."""
    for leftover in ("wallet",):
        shutil.rmtree(home / leftover, ignore_errors=True)
    try:
        home.rmdir()
    except OSError:
        pass


@contextmanager
def running_network(home: Path, port: int, consortium: str, consensus: str | None,
                    keep: bool) -> Iterator[tuple[Network, UpReport]]:
    """A network up in ``home``, reused if already running; purged afterwards unless ``keep``."""
    use_home(home)
    network = open_network(consortium, port, consensus)
    try:
        log(f"network {network.consortium.name} in {network.layout.root} (base port "
            f"{network.consortium.base_port})")
        report = up_network(network, progress=lambda message: log(message))
        if report.already_running:
            log("network already running: reused")
        yield network, report
    except Exception:
        save_logs(network, "failed")
        raise
    finally:
        if keep:
            log(f"--keep: network left running; home {home}, base port {network.consortium.base_port} "
                f"(run again with the same --home/--base-port to reuse it, without --keep to purge it)")
        else:
            log("stopping and purging the benchmark network")
            network.down(purge=True, progress=lambda message: log(message))
            remove_home(home)


# -- gateways ---------------------------------------------------------------------------------


@dataclass
class Gateways:
    """Async gateways of wallet identities, each over its own ``grpc.aio`` channel to its org's peer.

    Peers are found as any client finds them: the connection profiles and the
    wallet under the network's home. Create and use it inside one event loop;
    ``close`` closes every channel.
    """

    network: Network
    timeouts: Timeouts = BENCH_TIMEOUTS
    _open: dict[str, tuple[grpc.aio.Channel, Gateway]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._profiles = ProfileDirectory(self.network.layout.profiles_dir)
        self._wallet = Wallet(self.network.layout.wallet_dir)

    def gateway(self, identity: str) -> Gateway:
        if identity not in self._open:
            entry = self._wallet.get(identity)
            peer = self._profiles(entry.org).peer(0)
            channel = connect(peer.address, peer.tls_root_cert, peer.ssl_target_name)
            self._open[identity] = (channel, Gateway(channel, entry.identity, entry.signer, timeouts=self.timeouts))
        return self._open[identity][1]

    def contract(self, identity: str, channel_name: str | None = None) -> Any:
        consortium = self.network.consortium
        return (self.gateway(identity).get_network(channel_name or consortium.channel)
                .get_contract(consortium.chaincode_name))

    def msp_id(self, identity: str) -> str:
        return self.gateway(identity).identity.msp_id

    async def close(self) -> None:
        for channel, _ in self._open.values():
            await channel.close()
        self._open.clear()


# Lost races under load: up to 8 submissions, 0.1 s doubling to at most 2 s between them.
BENCH_RETRY = RetryPolicy(attempts=8, first_delay=0.1, factor=2.0, max_delay=2.0)


async def submit_retrying(contract: Any, function: str, args: Mapping[str, Any] | None = None, *,
                          transient: Mapping[str, Any] | None = None,
                          endorsing_organizations: Sequence[str] = (),
                          policy: RetryPolicy = BENCH_RETRY) -> tuple[Any, int]:
    """``contract.submit`` again after a lost race (as :mod:`client.retry` decides); returns (result, retries)."""
    retries: list[int] = []
    result = await submit_with_retry_async(contract, function, args, transient=transient,
                                           endorsing_organizations=endorsing_organizations, policy=policy,
                                           on_retry=lambda error, attempt: retries.append(attempt))
    return result, len(retries)


async def evaluate_until(contract: Any, function: str, args: Mapping[str, Any] | None = None, *,
                         timeout: float = 15.0, poll: float = 0.05) -> tuple[Any, int]:
    """Evaluate, asking again while the peer refuses (e.g. it has not committed the block yet)."""
    return await wait_for_async(lambda: contract.evaluate(function, args), RetryPolicy.polling(poll, timeout),
                                retry_on=(GatewayError,))


async def wait_for_block(gateways: Gateways, identity: str, block_number: int, *, timeout: float = 60.0,
                         poll: float = 0.02) -> int:
    """Until the peer of ``identity``'s organization has committed block ``block_number``; returns the polls."""
    channel = gateways.gateway(identity).get_network(gateways.network.consortium.channel)
    _, polls = await wait_for_async(
        channel.query_chain_info, RetryPolicy.polling(poll, timeout), until=lambda chain: chain.height > block_number,
        describe=lambda chain: f"the peer of {identity} did not reach block {block_number} within {timeout:.0f}s")
    return polls


async def wait_for_endorsers(gateways: Gateways, identities: Sequence[str], timeout: float = 180.0) -> None:
    """Until each identity's gateway knows a peer of every organization (clients that name endorsers need it)."""
    orgs = [o.msp_id for o in gateways.network.consortium.organizations]
    pending = {(identity, msp) for identity in identities for msp in orgs}

    async def ask_pending() -> set[tuple[str, str]]:
        for identity, msp in sorted(pending):
            try:
                await gateways.contract(identity).evaluate("Registry:Members", endorsing_organizations=[msp])
                pending.discard((identity, msp))
            except GatewayError:
                pass
        return pending

    await wait_for_async(ask_pending, RetryPolicy.polling(1.0, timeout), until=lambda left: not left,
                         describe=lambda left: f"gateways still do not know peers of: {sorted(left or ())}")


# -- load -------------------------------------------------------------------------------------


def error_summary(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text[:160]}"


@dataclass
class LoadResult:
    """What one concurrency level produced: completed operations, their latencies and the failures."""

    concurrency: int
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failed: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    extra: Counter[str] = field(default_factory=Counter)
    steps: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    @property
    def completed(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.completed / self.elapsed if self.elapsed > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "concurrency": self.concurrency,
            "completed": self.completed,
            "failed": self.failed,
            "elapsed_s": round(self.elapsed, 3),
            "throughput_per_s": round(self.throughput, 2),
            **latency_stats(self.latencies),
            "errors": dict(self.errors),
            **({"counters": dict(self.extra)} if self.extra else {}),
            **({"steps": {name: {"count": len(values), **latency_stats(values)}
                          for name, values in self.steps.items()}} if self.steps else {}),
        }


Operation = Callable[[int, int, LoadResult], Awaitable[Any]]


async def run_load(operation: Operation, concurrency: int, *, count: int | None = None,
                   duration: float | None = None, max_failures: int = 25) -> LoadResult:
    """``concurrency`` workers call ``operation(worker, sequence, result)`` until ``count`` operations
    were started or ``duration`` seconds passed (in-flight ones finish); stops early after
    ``max_failures`` failures."""
    if count is None and duration is None:
        raise ValueError("give count or duration")
    result = LoadResult(concurrency)
    started = 0
    stop = False
    begin = time.perf_counter()
    deadline = begin + duration if duration is not None else None

    async def worker(index: int) -> None:
        nonlocal started, stop
        while not stop:
            if count is not None and started >= count:
                return
            if deadline is not None and time.perf_counter() >= deadline:
                return
            sequence = started
            started += 1
            t0 = time.perf_counter()
            try:
                await operation(index, sequence, result)
            except Exception as err:  # every failure is counted and shown, none ends the run
                result.failed += 1
                result.errors[error_summary(err)] += 1
                if result.failed >= max_failures:
                    stop = True
                continue
            finally:
                advance()
            result.latencies.append(time.perf_counter() - t0)

    with bar(f"concurrency {concurrency}", total=count) as advance:  # a live bar on a terminal only
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    result.elapsed = time.perf_counter() - begin
    return result


# -- statistics and output --------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile with linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_stats(seconds: Sequence[float]) -> dict[str, float | None]:
    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000.0, 1)

    return {
        "p50_ms": ms(percentile(seconds, 50)),
        "p95_ms": ms(percentile(seconds, 95)),
        "mean_ms": ms(sum(seconds) / len(seconds)) if seconds else None,
        "max_ms": ms(max(seconds)) if seconds else None,
    }


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _looks_numeric(text: str) -> bool:
    cleaned = text.removesuffix(" FAILED").replace(",", "").strip()
    if cleaned in ("", "-"):
        return True
    try:
        float(cleaned)
    except ValueError:
        return False
    return True


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> str:
    """A plain text table (laid out by rich, as the CLI's): numbers right-aligned, text left-aligned."""
    cells = [[fmt(c) if not isinstance(c, str) else c for c in row] for row in rows]
    numeric = [i for i in range(len(headers)) if rows and all(_looks_numeric(row[i]) for row in cells)]
    text = render_table(cells, headers, terminal=False, right=numeric)
    return f"{title}\n\n{text}" if title else text


def environment() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": [round(x, 2) for x in load] if load else None,
        "fabric": binaries.FABRIC_VERSION,
        "fabric_ca": binaries.FABRIC_CA_VERSION,
    }


def write_json(path: Path | None, document: Mapping[str, Any]) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"results written to {path}")


def finish(result: dict[str, Any], args: argparse.Namespace, started: float,
           report: Callable[[dict[str, Any]], str]) -> int:
    """Close a run: total time, a config even when start-up failed, the table, the JSON file, the exit code."""
    result["total_s"] = round(time.monotonic() - started, 1)
    result.setdefault("config", {"consortium": args.consortium, "consensus": args.consensus or "bft"})
    print(report(result))
    write_json(args.json, result)
    return 1 if "error" in result else 0
