"""Versioned JSON files the admins hand each other (update files, decisions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, TypeVar

from network.errors import NetworkError

T = TypeVar("T")


def load_versioned(path: Path, version: int, kind: str, made_by: str, build: Callable[[dict[str, Any]], T]) -> T:
    """``build`` applied to the JSON object in ``path``; a missing file, another version or a malformed
    document is a :class:`NetworkError` naming the file and the command that makes such files."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != version:
            raise ValueError("version")
        return build(data)
    except FileNotFoundError:
        raise NetworkError(f"{kind} file {path} not found") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise NetworkError(f"{path} is not a {kind} file (made by '{made_by}')") from None
