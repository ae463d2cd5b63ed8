"""The event envelope: several events of one transaction in Fabric's single chaincode event.

Fabric carries at most one chaincode event per transaction. The chaincode
collects every event a transaction raises (a report and the violation it
caused, say) and sends one envelope:

* event name: the names of the events in order, joined by ``,`` (readable in
  peer logs and by tools that only see names);
* payload: canonical JSON ``{"events": [{"name": ..., "payload": ...}, ...]}``.

:func:`unpack` turns an envelope back into ``(name, payload)`` pairs; an
event that is not an envelope (from another chaincode) comes back as one pair.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from common import canonical

ENVELOPE_KEY = "events"
NAME_SEPARATOR = ","


def pack(events: Sequence[tuple[str, Any]]) -> tuple[str, bytes]:
    """``(event name, payload bytes)`` for the events of one transaction, in the order raised."""
    if not events:
        raise ValueError("an envelope needs at least one event")
    name = NAME_SEPARATOR.join(event_name for event_name, _ in events)
    body = {ENVELOPE_KEY: [{"name": event_name, "payload": payload} for event_name, payload in events]}
    return name, canonical.dumps(body)


def unpack(name: str, payload: bytes | str) -> list[tuple[str, Any]]:
    """The ``(name, payload)`` pairs an envelope carries; other events come back whole."""
    try:
        body = json.loads(payload) if payload else None
    except ValueError:
        return [(name, payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload)]
    if isinstance(body, dict) and set(body) == {ENVELOPE_KEY} and isinstance(body[ENVELOPE_KEY], list):
        items = body[ENVELOPE_KEY]
        if all(isinstance(item, dict) and set(item) == {"name", "payload"} for item in items):
            return [(str(item["name"]), item["payload"]) for item in items]
    return [(name, body)]
