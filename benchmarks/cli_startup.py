"""How long ``ecoledger`` takes to start: wall time of help screens and what importing the CLI loads.

Each command line is run ``--runs`` times as a fresh process (the console
script next to this Python, else ``python -m client.cli.main``); the table
shows the best, the median and the worst wall time, next to a bare
``python -c pass`` for the interpreter's own floor. Then ``python -X
importtime`` tells the cumulative import time of the CLI entry point and,
for each heavy package it might pull in (gRPC, protobuf, cryptography, rich,
PyYAML), the time spent in that package's own modules, or that importing
``client.cli.main`` does not load it at all.

No network is needed. Example::

    python -m benchmarks.cli_startup --runs 9 --json startup.json
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from benchmarks.common import positive_int, table, write_json

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = (("--help",), ("permit", "--help"), ("market", "offers", "--help"), ("network", "up", "--help"))
HEAVY = ("grpc", "google.protobuf", "cryptography", "fabric_protos", "rich", "yaml", "click")
ENTRY = "client.cli.main"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cli_startup",
                                     description="Time 'ecoledger --help' and friends; break down imports.")
    parser.add_argument("--runs", type=positive_int, default=5, help="runs per command line (default 5)")
    parser.add_argument("--json", metavar="FILE", type=Path, default=None,
                        help="also write the results as JSON to FILE")
    return parser.parse_args(argv)


def ecoledger_command() -> list[str]:
    script = Path(sys.executable).parent / "ecoledger"
    return [str(script)] if script.exists() else [sys.executable, "-m", ENTRY]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def wall_times(command: Sequence[str], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        seconds.append(time.perf_counter() - started)
    return seconds


def import_times(module: str) -> dict[str, tuple[int, int]]:
    """``{name: (self, cumulative)}`` import times in microseconds of every module ``import module`` loads."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, check=True)
    times: dict[str, tuple[int, int]] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, total, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if own.isdigit() and total.isdigit():
            times[name] = (int(own), int(total))
    return times


def package_ms(times: dict[str, tuple[int, int]], package: str) -> float | None:
    """Milliseconds spent in the modules of ``package`` themselves, or None when none was imported."""
    own = [t[0] for name, t in times.items() if name == package or name.startswith(package + ".")]
    return round(sum(own) / 1000, 1) if own else None


def measure(runs: int) -> dict[str, Any]:
    base = ecoledger_command()
    lines = [("python -c pass", [sys.executable, "-c", "pass"])]
    lines += [("ecoledger " + " ".join(args), [*base, *args]) for args in COMMANDS]
    timings = []
    for label, command in lines:
        seconds = wall_times(command, runs)
        timings.append({"command": label, "runs": runs, "best_ms": round(min(seconds) * 1000, 1),
                        "median_ms": round(statistics.median(seconds) * 1000, 1),
                        "worst_ms": round(max(seconds) * 1000, 1)})
    imported = import_times(ENTRY)
    return {"benchmark": "cli_startup", "python": sys.version.split()[0], "timings": timings,
            "entry_import_ms": round(imported.get(ENTRY, (0, 0))[1] / 1000, 1),
            "heavy_imports_ms": {name: package_ms(imported, name) for name in HEAVY}}


def report(result: dict[str, Any]) -> str:
    text = table(["command", "runs", "best ms", "median ms", "worst ms"],
                 [[t["command"], t["runs"], t["best_ms"], t["median_ms"], t["worst_ms"]] for t in result["timings"]],
                 title="ecoledger start-up (fresh process per run)")
    rows = [[f"{ENTRY} (cumulative)", result["entry_import_ms"]]]
    rows += [[f"{name} (own modules)", "not imported" if ms is None else ms]
             for name, ms in result["heavy_imports_ms"].items()]
    text += "\n\n" + table([f"python -X importtime -c 'import {ENTRY}'", "ms"], rows)
    return text


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = measure(args.runs)
    print(report(result))
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
