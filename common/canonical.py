"""Deterministic JSON: every endorsing peer must produce byte-identical writes."""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> bytes:
    """Sorted keys, compact separators, UTF-8 kept readable."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def loads(data: bytes | str) -> Any:
    return json.loads(data)
