"""Green credit for clients: fact lists, evidence fingerprints, and the rows people read.

The chaincode computes every level; the client only checks what it sends
(violation ids, the evidence file) and lays out the answers of
``Credit:Show``, ``Credit:Explain``, ``Credit:List`` and ``Credit:Board``.
The evidence document itself never leaves the machine: only its fingerprint
(SHA-256, size, file name) goes on the ledger, so a regulator who receives the
document can check it is the one the application named.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Mapping

LEVEL_NAMES = {"green": "诚信", "blue": "良好", "yellow": "警示", "red": "不良"}
VIOLATION_ID = re.compile(r"V-[0-9A-F]{16}")
MAX_FACTS = 20
CHUNK = 1 << 20


class CreditError(Exception):
    """A credit request the client refuses before sending anything."""


def level_label(level: str | None) -> str:
    """``red (不良)``; ``-`` when there is no level."""
    if not level:
        return "-"
    return f"{level} ({LEVEL_NAMES[level]})" if level in LEVEL_NAMES else level


def parse_facts(text: str) -> list[str]:
    """``V-…,V-…`` → the violation ids, in order, checked for form and repetition."""
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise CreditError("--facts needs at least one violation id (V-...), separated by commas")
    bad = [part for part in ids if not VIOLATION_ID.fullmatch(part)]
    if bad:
        raise CreditError(f"--facts: {bad[0]!r} is not a violation id like V-0123456789ABCDEF")
    if len(set(ids)) != len(ids):
        raise CreditError("--facts names a violation twice")
    if len(ids) > MAX_FACTS:
        raise CreditError(f"--facts names {len(ids)} violations; a repair names at most {MAX_FACTS}")
    return ids


def evidence_fingerprint(path: str | Path) -> dict[str, Any]:
    """``{sha256, size, name}`` of the evidence document (read in pieces; the file stays here)."""
    file = Path(path)
    digest, size = hashlib.sha256(), 0
    try:
        with open(file, "rb") as handle:
            while piece := handle.read(CHUNK):
                digest.update(piece)
                size += len(piece)
    except OSError as err:
        raise CreditError(f"cannot read evidence file {file}: {err.strerror or err}") from None
    if size == 0:
        raise CreditError(f"evidence file {file} is empty")
    return {"sha256": digest.hexdigest(), "size": size, "name": file.name[:200]}


def since_text(standing: Mapping[str, Any]) -> str:
    since = standing.get("since") or {}
    return str(since.get("date") or "-")


def summary(standing: Mapping[str, Any]) -> dict[str, Any]:
    """The ``key: value`` lines of ``credit show``."""
    thresholds = standing.get("thresholds") or {}
    lines = {
        "entity": standing.get("entity"),
        "name": standing.get("name"),
        "region": standing.get("region"),
        "level": level_label(standing.get("level")),
        "since": since_text(standing),
        "points": standing.get("points"),
        "one-vote veto": ", ".join(standing.get("veto") or []) or "none",
        "next change": standing.get("valid_until") or "-",
    }
    if thresholds:
        lines["rule"] = (f"0 green, 1-{thresholds['blue_max']} blue, up to {thresholds['red_from'] - 1} yellow, "
                         f"{thresholds['red_from']}+ or a one-vote veto red; facts count "
                         f"{standing.get('window_days')} days")
    return lines


def explain_rows(explained: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """One row per fact: id, kind, severity, source, recorded, points, state, counts until."""
    rows = []
    for fact in explained.get("facts") or []:
        state = fact["state"] + (f" ({fact['repair']})" if fact.get("repair") else "")
        rows.append((fact["violation"], fact["kind"] + (" [veto]" if fact.get("veto") else ""), fact["severity"],
                     fact["source"], fact["recorded"][:10], fact["points"], state, fact["counts_until"][:10]))
    return rows


EXPLAIN_HEADERS = ("violation", "kind", "severity", "source", "recorded", "points", "state", "counts until")


def board_rows(board: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    rows = []
    for region in board.get("regions") or []:
        levels = region["levels"]
        rows.append((region["region"], region["enterprises"], levels["green"], levels["blue"], levels["yellow"],
                     levels["red"], region["violations"], region["violations_per_100"] or "-",
                     f"{region['compliance_rate_percent']} %" if region["compliance_rate_percent"] else "-"))
    return rows


BOARD_HEADERS = ("region", "enterprises", "green", "blue", "yellow", "red", "violations", "per 100", "compliant")


def trend_rows(board: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Months down, regions across: violations recorded per month."""
    regions = board.get("regions") or []
    months = sorted({row["month"] for region in regions for row in region["trend"]})
    counts = {(region["region"], row["month"]): row["violations"] for region in regions for row in region["trend"]}
    return [(month, *(counts.get((region["region"], month), 0) for region in regions)) for month in months]
