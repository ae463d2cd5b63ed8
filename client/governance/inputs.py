"""What people type, turned into what the governance transactions take.

* durations: ``7d``, ``36h``, ``90m``, ``45s`` or plain seconds → whole seconds;
* parameter assignments ``NAME=VALUE``: the value is JSON (``true``, ``5``, ``["red","yellow"]``), and a
  bare word that is not JSON is a string;
* files → their SHA-256 fingerprint (a document, or evidence);
* milestones ``DUE:NAME`` (``2026-06-30:dredge 2 km``);
* :func:`proposal_spec` puts the options of ``proposal table`` together and refuses mixtures that no
  kind takes, before anything is sent.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Callable, Sequence

KINDS = ("parameter", "standard", "membership", "resolution")
_DURATION = re.compile(r"(\d+)\s*([dhms]?)")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1, "": 1}


class GovernanceError(Exception):
    """A governance request the client refuses before sending anything."""


def duration_seconds(text: str) -> int:
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise GovernanceError(f"a voting period is a positive number with d, h, m or s (7d, 36h, 90m), got {text!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def assignment(text: str) -> tuple[str, Any]:
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise GovernanceError(f"--set takes NAME=VALUE (the value as JSON), got {text!r}")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return name.strip(), value


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as err:
        raise GovernanceError(f"cannot read {path}: {err.strerror or err}") from None
    return digest.hexdigest()


def milestone(text: str) -> dict[str, str]:
    due, sep, name = text.partition(":")
    try:
        datetime.date.fromisoformat(due.strip())
    except ValueError:
        due = ""
    if not sep or not due or not name.strip():
        raise GovernanceError(f"a milestone is DUE:NAME with DUE a date YYYY-MM-DD, got {text!r}")
    return {"due": due.strip(), "name": name.strip()}


def proposal_spec(*, kind: str, title: str, deadline: str, rationale: str | None = None,
                  sets: Sequence[str] = (), document: str | None = None, admit: str | None = None,
                  remove: str | None = None, msp_id: str | None = None, name: str | None = None,
                  text: str | None = None, config_update: str | None = None,
                  config_sequence: int | None = None,
                  update_digest: Callable[[str], str] | None = None) -> dict[str, Any]:
    """The arguments of ``Proposal:Table`` (``document`` and ``config_update`` are file paths; their
    fingerprints are sent: ``update_digest`` gives a channel update's, the one its signers check)."""
    if kind not in KINDS:
        raise GovernanceError(f"--kind must be one of {', '.join(KINDS)}, got {kind!r}")
    spec: dict[str, Any] = {"kind": kind, "title": title, "voting_seconds": duration_seconds(deadline)}
    if rationale:
        spec["rationale"] = rationale
    if document:
        spec["document"] = sha256_of(document)
    if kind in ("parameter", "standard"):
        if not sets:
            raise GovernanceError(f"a {kind} proposal needs at least one --set NAME=VALUE")
        changes: dict[str, Any] = {}
        for item in sets:
            key, value = assignment(item)
            if key in changes:
                raise GovernanceError(f"--set {key} is given twice")
            changes[key] = value
        spec["changes"] = changes
    elif sets:
        raise GovernanceError(f"--set belongs to parameter and standard proposals, not to a {kind} proposal")
    if kind == "membership":
        if bool(admit) == bool(remove):
            raise GovernanceError("a membership proposal takes exactly one of --admit REGION or --remove REGION")
        membership: dict[str, Any] = {"action": "admit" if admit else "remove", "region": admit or remove}
        if msp_id:
            membership["msp_id"] = msp_id
        if name:
            membership["name"] = name
        if (config_update is None) != (config_sequence is None):
            raise GovernanceError("--config-update FILE and --config-sequence N go together")
        if config_update is not None:
            membership["config_sha256"] = (update_digest or sha256_of)(config_update)
            membership["config_sequence"] = config_sequence
        spec["membership"] = membership
    elif admit or remove or msp_id or name or config_update or config_sequence is not None:
        raise GovernanceError(f"--admit, --remove, --msp-id, --name and --config-update belong to membership "
                              f"proposals, not to a {kind} proposal")
    if kind == "resolution":
        if not text:
            raise GovernanceError("a resolution proposal needs --text")
        spec["text"] = text
    elif text:
        raise GovernanceError(f"--text belongs to resolution proposals, not to a {kind} proposal")
    return spec
