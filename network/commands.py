"""Running Fabric command-line tools with a clear error when they fail."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Callable

from network.errors import ToolError


def run(command: list[str | Path], *, env: dict[str, str] | None = None, cwd: Path | None = None,
        what: str = "", timeout: float = 180.0) -> str:
    """Run a tool; return stdout+stderr; raise ToolError naming ``what`` with the tool's output."""
    args = [str(c) for c in command]
    full_env = dict(os.environ)
    full_env.update(env or {})
    try:
        result = subprocess.run(args, env=full_env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ToolError(f"{what or Path(args[0]).name} timed out after {timeout:.0f}s") from None
    output = (result.stdout or "") + (result.stderr or "")
    if result.returncode != 0:
        raise ToolError(f"{what or Path(args[0]).name} failed (exit {result.returncode}):\n{output.strip()[-3000:]}")
    return output


def run_with_retry(command: list[str | Path], *, attempts: int = 10, delay: float = 1.0, **kwargs) -> str:
    """For steps that fail until a leader is elected or a block is delivered."""
    for attempt in range(1, attempts + 1):
        try:
            return run(command, **kwargs)
        except ToolError:
            if attempt == attempts:
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")


def run_on_orderers(command: "Callable[[str, Path], list[str | Path]]", orderers: "list[tuple[str, Path]]", *,
                    attempts: int = 15, delay: float = 2.0, **kwargs) -> str:
    """Run a tool that sends a transaction through an ordering node (``command(address, tls_ca)``), trying
    the next node after each failure: a BFT ordering service takes a transaction at any of its nodes, so an
    admin step must not wait on one node that is behind, cut off or stuck in a view change."""
    for attempt in range(1, attempts + 1):
        address, ca = orderers[(attempt - 1) % len(orderers)]
        try:
            return run(command(address, ca), **kwargs)
        except ToolError:
            if attempt == attempts:
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")


def first_json(output: str, after: str = "") -> dict:
    """The first JSON object in a tool's output (tools mix JSON with log lines)."""
    start = output.index("{", output.index(after) if after else 0)
    value, _ = json.JSONDecoder().raw_decode(output[start:])
    return value
