"""What every record remembers about the transaction that wrote it.

A :class:`Stamp` carries the transaction id, the proposal timestamp and who
signed it. Identifiers of new objects derive from the transaction id, never
from a clock or a random source, so every endorsing peer computes the same ones.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from typing import Any

from chaincode.runtime.errors import Conflict

ID_DIGITS = 16


def iso_time(timestamp: float) -> str:
    """UTC ISO-8601 with milliseconds, e.g. ``2026-01-01T00:00:01.000Z``."""
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Stamp:
    tx_id: str
    at: str
    msp_id: str
    name: str
    role: str

    @property
    def by(self) -> dict[str, str]:
        return {"msp_id": self.msp_id, "name": self.name, "role": self.role}

    def record(self, **details: Any) -> dict[str, Any]:
        """``{tx_id, at, by}`` plus details: the shape of every audit entry."""
        return {"tx_id": self.tx_id, "at": self.at, "by": self.by, **details}


@dataclass
class IdSequence:
    """Identifiers for the objects one transaction creates: ``L-`` + 16 hex digits, and so on."""

    tx_id: str
    _next: int = field(default=0)

    def next(self, prefix: str) -> str:
        digest = hashlib.sha256(f"{self.tx_id}/{self._next}".encode()).hexdigest()
        self._next += 1
        return f"{prefix}-{digest[:ID_DIGITS].upper()}"


def stamp_of(tx_id: str, timestamp: float, caller: Any) -> Stamp:
    """The stamp for a transaction signed by ``caller`` (a :class:`~chaincode.runtime.identity.Caller`)."""
    return Stamp(tx_id=tx_id, at=iso_time(timestamp), msp_id=caller.msp_id, name=caller.name, role=caller.role)


def stamp_for(ctx: Any) -> Stamp:
    """The stamp of the transaction ``ctx`` (a :class:`~chaincode.runtime.context.TxContext`) runs."""
    return stamp_of(ctx.tx_id, ctx.timestamp, ctx.caller)


def new_id(ctx: Any, ids: IdSequence, prefix: str, kind: Any) -> str:
    """The next id of this transaction for a record of ``kind`` (a ``RecordKind``); never reuses a key."""
    object_id = ids.next(prefix)
    if ctx.get(kind.key(object_id)) is not None:
        raise Conflict(f"id {object_id} derived from transaction {ctx.tx_id} already exists")
    return object_id
