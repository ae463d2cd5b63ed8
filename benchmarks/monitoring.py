"""HJ 212 monitoring data through ``ecoledger monitor listen`` into the ledger: frames per second and latency.

Setup (once per run, with fresh names so a kept network can be reused):
a BJ regulator registers enterprises of ``--outlets-per-enterprise`` air
outlets each, records their licences and binds one HJ 212 device per outlet;
a BJ monitoring station (role ``monitor``) is the identity the listener acts
as, so one listener reports every device of the region.

Each level (``--levels``, default 1, 10, 100 simulated devices) starts its own
``ecoledger monitor listen`` process and the devices connect to it at once.
Each device sends one day of hourly frames (CN 2061, Flag 5) and the day's
daily frame (CN 2031), waiting for each frame's 9014 reply as a data logger
does; the daily frame completes the day and the listener submits that
device-day as one report, in one transaction (the ledger never sees a
transaction per frame). Every level uses its own day, so no report slot is
taken twice.

Figures per level:

* frames/s accepted: frames from the first one sent to the last 9014 reply
  (framing, CRC, parsing and replies; no ledger);
* frames/s end to end: frames from the first one sent to the last report
  committed;
* latency from the frame that completes a day to its report committed, and
  from a day's first frame to it (p50, p95, max), from the listener's own
  timestamps (same machine, same clock);
* transactions: one per device-day.

Example::

    python -m benchmarks.monitoring --levels 1,10,100 --json monitoring.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Gateways, add_network_options, default_home, environment, finish, int_list, latency_stats, log, positive_float,
    positive_int, running_network, stop_on_signals, submit_retrying, table, wait_for_endorsers,
)
from client.gateway import GatewayError
from client.monitoring.hj212 import data_frame
from common.credit_code import ALPHABET, complete
from network.bootstrap import Network
from network.onboarding import register

DEFAULT_BASE_PORT = 29100
ROOT = Path(__file__).resolve().parents[1]
REGION, DIVISION = "BJ", "110000"
LIMIT_UG = 35_000
HOURS = 24
REPLY_TIMEOUT = 60.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.monitoring",
        description="Frames per second through 'ecoledger monitor listen' into the ledger, and the latency from "
                    "a frame's arrival to its report being committed, at several numbers of simulated devices.")
    add_network_options(parser, DEFAULT_BASE_PORT)
    parser.add_argument("--levels", type=int_list, default=[1, 10, 100],
                        help="simulated devices (data loggers) per level (default 1,10,100)")
    parser.add_argument("--outlets-per-enterprise", type=positive_int, default=10,
                        help="air outlets (one device each) per benchmark enterprise (default 10)")
    parser.add_argument("--listen-concurrency", type=positive_int, default=8,
                        help="reports the listener submits at the same time (its --concurrency; default 8)")
    parser.add_argument("--report-timeout", type=positive_float, default=900.0,
                        help="seconds a level may take from its first frame to its last report (default 900)")
    parser.add_argument("--home", type=Path, default=None,
                        help="home folder of the benchmark network (default: <tmp>/ecoledger-bench-monitoring-<port>)")
    parser.add_argument("--keep", action="store_true",
                        help="leave the network running at the end; a later run with the same home/port reuses it")
    return parser.parse_args(argv)


# -- the cast ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Device:
    mn: str
    entity: str
    outlet: str


@dataclass
class Cast:
    tag: str
    regulator: str
    station: str
    enterprises: list[str] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)


def cast_for(devices: int, per_enterprise: int) -> Cast:
    tag = "".join(secrets.choice(ALPHABET) for _ in range(3))
    cast = Cast(tag, "bench-mon-regulator", f"bench-mon-station-{tag.lower()}")
    for number in range(math.ceil(devices / per_enterprise)):
        entity = complete(f"91{DIVISION}MN{tag}{number:04d}")
        cast.enterprises.append(entity)
        for outlet in range(per_enterprise):
            if len(cast.devices) < devices:
                cast.devices.append(Device(f"BENCH{tag}{number:04d}{outlet:03d}", entity, f"DA{outlet + 1:03d}"))
    return cast


def enroll(network: Network, cast: Cast) -> None:
    register(network, REGION, cast.regulator, "regulator")
    register(network, REGION, cast.station, "monitor", {"station": f"benchmark station {cast.tag}"})


def licence(cast: Cast, entity: str) -> dict[str, Any]:
    today = date.today()
    outlets = sorted({d.outlet for d in cast.devices if d.entity == entity})
    return {"number": f"{entity}001P", "valid_from": (today - timedelta(days=400)).isoformat(),
            "valid_to": f"{today.year + 5}-12-31",
            "outlets": [{"id": outlet, "medium": "air", "kind": "main",
                         "limits": [{"factor": "a21026", "pollutant": "SO2", "limit_ug": LIMIT_UG,
                                     "annual_kg": 10**9}]} for outlet in outlets]}


async def set_up_ledger(gateways: Gateways, cast: Cast) -> None:
    """Register the enterprises, record their licences, bind every device (16 at a time)."""
    contract = gateways.contract(cast.regulator)
    limit = asyncio.Semaphore(16)

    async def write(function: str, args: dict[str, Any], tolerated: str = "") -> None:
        async with limit:
            try:
                await submit_retrying(contract, function, args)
            except GatewayError as err:
                if not tolerated or tolerated not in str(err):
                    raise

    await asyncio.gather(*(write("Enterprise:Register", {"entity": e, "name": f"benchmark {e}", "region": REGION},
                                 "already registered") for e in cast.enterprises))
    await asyncio.gather(*(write("Licence:Set", {"entity": e, "licence": licence(cast, e)})
                           for e in cast.enterprises))
    log(f"  {len(cast.enterprises)} enterprises registered with licences")
    await asyncio.gather(*(write("Monitor:RegisterDevice", {"entity": d.entity, "outlet": d.outlet, "mn": d.mn})
                           for d in cast.devices))
    log(f"  {len(cast.devices)} devices bound to outlets")


# -- one level --------------------------------------------------------------------------------


class Listener:
    """``ecoledger monitor listen`` as its own process, acting as the station; output read as it comes."""

    def __init__(self, home: Path, consortium: str, station: str, data_dir: Path, concurrency: int) -> None:
        env = {**os.environ, "ECOLEDGER_HOME": str(home), "ECOLEDGER_CONSORTIUM": consortium,
               "ECOLEDGER_IDENTITY": "", "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "client.cli.main", "--json", "--as", station, "monitor", "listen", "--port", "0",
             "--data-dir", str(data_dir), "--idle", "3600", "--concurrency", str(concurrency)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.failures: list[str] = []
        self.log: list[str] = []
        self.port = 0
        self._listening = threading.Event()
        self._readers = [threading.Thread(target=self._stdout, daemon=True),
                         threading.Thread(target=self._stderr, daemon=True)]
        for reader in self._readers:
            reader.start()

    def _stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self.lines.put(json.loads(line))
            except json.JSONDecodeError:
                self.log.append(line.rstrip())

    def _stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            line = line.rstrip()
            self.log.append(line)
            found = re.search(r"listening on [0-9.]+:([0-9]+)", line)
            if found:
                self.port = int(found.group(1))
                self._listening.set()
            if ": not reported: " in line:
                self.failures.append(line)

    def wait_listening(self, timeout: float = 120.0) -> int:
        if not self._listening.wait(timeout):
            raise RuntimeError("monitor listen did not start:\n" + "\n".join(self.log[-20:]))
        return self.port

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=300)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return None
        for reader in self._readers:
            reader.join(10)  # the last lines (the "stopped" summary) are read before they are looked at
        return code


def day_frames(mn: str, day: date) -> list[bytes]:
    start = datetime(day.year, day.month, day.day)
    frames = [data_frame("2061", mn, start + timedelta(hours=h),
                         {"a21026": {"Avg": "30.5" if h != 10 else "36.25", "Flag": "N"},
                          "a00000": {"Avg": "12.5", "Flag": "N"}}, qn=datetime.now(), answer=True)
              for h in range(HOURS)]
    frames.append(data_frame("2031", mn, start, {"a21026": {"Avg": "30.7", "Flag": "N"}}, qn=datetime.now(),
                             answer=True))
    return frames


async def data_logger(port: int, frames: list[bytes]) -> tuple[float, float]:
    """Send each frame and wait for its 9014 reply; returns the wall-clock times of the first send and last reply."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    first = time.time()
    try:
        for frame in frames:
            writer.write(frame)
            await writer.drain()
            await asyncio.wait_for(reader.readuntil(b"\r\n"), REPLY_TIMEOUT)
        return first, time.time()
    finally:
        writer.close()


async def run_level(network: Network, cast: Cast, devices: int, day: date, args: argparse.Namespace,
                    home: Path) -> dict[str, Any]:
    data_dir = home / "bench-raw" / f"{cast.tag}-{devices}"
    listener = Listener(home, network.consortium.name, cast.station, data_dir, args.listen_concurrency)
    row: dict[str, Any] = {"devices": devices, "day": day.isoformat()}
    try:
        port = await asyncio.to_thread(listener.wait_listening)
        chosen = cast.devices[:devices]
        frames = {d.mn: day_frames(d.mn, day) for d in chosen}
        total = sum(len(f) for f in frames.values())
        log(f"level {devices}: {total} frames from {devices} device(s) for {day}")
        sent = await asyncio.gather(*(data_logger(port, frames[d.mn]) for d in chosen), return_exceptions=True)
        ok = [s for s in sent if isinstance(s, tuple)]
        row["logger_errors"] = [f"{type(s).__name__}: {s}" for s in sent if not isinstance(s, tuple)][:5]
        first_sent = min(s[0] for s in ok) if ok else time.time()
        last_reply = max(s[1] for s in ok) if ok else time.time()
        reports: list[dict[str, Any]] = []
        deadline = time.monotonic() + args.report_timeout
        while len(reports) + len(listener.failures) < len(ok) and time.monotonic() < deadline:
            try:
                reports.append(await asyncio.to_thread(listener.lines.get, True, 1.0))
            except queue.Empty:
                continue
        last_commit = max((r["committed_at"] for r in reports), default=time.time())
        row.update({
            "frames": total, "frames_sent_ok": sum(len(frames[d.mn]) for d, s in zip(chosen, sent)
                                                   if isinstance(s, tuple)),
            "reports": len(reports), "failed": len(listener.failures), "transactions": len(reports),
            "accept_s": round(last_reply - first_sent, 3),
            "accepted_frames_per_s": round(total / (last_reply - first_sent), 1) if last_reply > first_sent else None,
            "end_to_end_s": round(last_commit - first_sent, 3),
            "end_to_end_frames_per_s": (round(total / (last_commit - first_sent), 2)
                                        if reports and last_commit > first_sent else None),
            "latency_day_complete": latency_stats([r["committed_at"] - r["last_frame_at"] for r in reports]),
            "latency_first_frame": latency_stats([r["committed_at"] - r["first_frame_at"] for r in reports]),
            "violations": sum(len(r.get("violations", [])) for r in reports),
            "failures": listener.failures[:5],
        })
    finally:
        code = await asyncio.to_thread(listener.stop)
        row["listener_exit"] = code
        stopped = []
        while not listener.lines.empty():
            stopped.append(listener.lines.get())
        summary = next((line["stopped"] for line in stopped if "stopped" in line), None)
        if summary is not None:
            row["listener"] = summary
    return row


async def measure(network: Network, cast: Cast, args: argparse.Namespace, home: Path,
                  result: dict[str, Any]) -> None:
    gateways = Gateways(network)
    try:
        started = time.monotonic()
        log("waiting until the gateways know every organization's peer")
        await wait_for_endorsers(gateways, [cast.regulator, cast.station])
        result["setup_s"]["discovery"] = time.monotonic() - started
        started = time.monotonic()
        await set_up_ledger(gateways, cast)
        result["setup_s"]["enterprises, licences, devices"] = time.monotonic() - started
    finally:
        await gateways.close()
    result["levels"] = []
    for index, devices in enumerate(args.levels):
        day = date.today() - timedelta(days=3 + index)
        result["levels"].append(await run_level(network, cast, devices, day, args, home))


# -- report -----------------------------------------------------------------------------------


def report(result: dict[str, Any]) -> str:
    parts = []
    config = result["config"]
    setup = result.get("setup_s", {})
    if setup:
        parts.append(table(["setup step", "seconds"], [[k, round(v, 1)] for k, v in setup.items()],
                           title=f"monitoring: {config['consortium']} ({config.get('consensus', 'bft')}), "
                                 f"{result['environment']['cpus']} CPUs"))
    rows = []
    for row in result.get("levels", []):
        day, first = row.get("latency_day_complete", {}), row.get("latency_first_frame", {})
        rows.append([row["devices"], row.get("frames"), row.get("reports"), row.get("failed"),
                     row.get("accepted_frames_per_s"), row.get("end_to_end_frames_per_s"),
                     row.get("end_to_end_s"), day.get("p50_ms"), day.get("p95_ms"), day.get("max_ms"),
                     first.get("p50_ms"), round(row["frames"] / row["transactions"], 1)
                     if row.get("transactions") else None])
    if rows:
        parts.append(table(["devices", "frames", "reports", "failed", "accepted frames/s", "end-to-end frames/s",
                            "seconds", "day→commit p50 ms", "p95 ms", "max ms", "first frame→commit p50 ms",
                            "frames/tx"], rows,
                           title="a day of hourly frames + the daily frame per device, each answered (9014); "
                                 "one report transaction per device-day"))
    for row in result.get("levels", []):
        for problem in row.get("logger_errors", []) + row.get("failures", []):
            parts.append(f"level {row['devices']}: {problem}")
    if "error" in result:
        parts.append(f"FAILED: {result['error']}")
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    home = args.home or default_home("monitoring", args.base_port)
    cast = cast_for(max(args.levels), args.outlets_per_enterprise)
    result: dict[str, Any] = {"benchmark": "monitoring", "environment": environment(), "setup_s": {}}
    started = time.monotonic()
    try:
        with running_network(home, args.base_port, args.consortium, args.consensus, args.keep) as (network, up):
            result["config"] = {
                "consortium": network.consortium.name, "consensus": network.consortium.consensus,
                "base_port": network.consortium.base_port, "home": str(home), "levels": args.levels,
                "outlets_per_enterprise": args.outlets_per_enterprise,
                "listen_concurrency": args.listen_concurrency, "network_reused": up.already_running}
            result["setup_s"]["network up"] = float(sum(up.phases.values()))
            begun = time.monotonic()
            enroll(network, cast)
            result["setup_s"]["enroll identities (CA)"] = time.monotonic() - begun
            asyncio.run(measure(network, cast, args, home, result))
    except Exception as err:
        result["error"] = f"{type(err).__name__}: {err}"
        log(f"FAILED: {result['error']}")
    finally:
        exit_code = finish(result, args, started, report)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
