"""Everything a contract function may use during one transaction.

:class:`TxContext` wraps a :class:`~chaincode.runtime.stub.Stub` and adds what contract
code needs but Fabric does not give: reads that see the transaction's own
earlier writes, JSON values, the parsed caller, and one event per transaction.
Writes are buffered and handed to the peer only when the function succeeds, so
a refusal halfway through never leaves part of a transaction behind.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Iterator

from common import canonical as serialization
from chaincode.runtime.errors import NotFound
from chaincode.runtime.identity import Caller, caller_from_certificate
from chaincode.runtime.stub import KeyModification, Stub

RANGE_END = "\uffff"


class TxContext:
    def __init__(self, stub: Stub) -> None:
        self.stub = stub
        self._writes: dict[str, bytes | None] = {}
        self._event: tuple[str, bytes] | None = None

    # -- transaction facts -------------------------------------------------
    @property
    def tx_id(self) -> str:
        return self.stub.tx_id

    @property
    def channel_id(self) -> str:
        return self.stub.channel_id

    @property
    def timestamp(self) -> float:
        return self.stub.timestamp

    @cached_property
    def caller(self) -> Caller:
        return caller_from_certificate(self.stub.creator_msp, self.stub.creator_cert)

    @property
    def transient(self) -> dict[str, bytes]:
        return self.stub.transient

    # -- world state -------------------------------------------------------
    def get(self, key: str) -> bytes | None:
        if key in self._writes:
            return self._writes[key]
        return self.stub.get_state(key)

    def put(self, key: str, value: bytes) -> None:
        self._writes[key] = value

    def delete(self, key: str) -> None:
        self._writes[key] = None

    def get_json(self, key: str) -> Any | None:
        raw = self.get(key)
        return None if raw is None else serialization.loads(raw)

    def require_json(self, key: str, what: str) -> Any:
        """Read a value that must exist; ``what`` names it in the error ("lot L-1")."""
        value = self.get_json(key)
        if value is None:
            raise NotFound(f"{what} does not exist")
        return value

    def put_json(self, key: str, value: Any) -> None:
        self.put(key, serialization.dumps(value))

    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]:
        """All JSON values whose key starts with ``prefix``, in key order, own writes included."""
        merged: dict[str, bytes | None] = dict(self.stub.get_state_by_range(prefix, prefix + RANGE_END))
        merged.update({k: v for k, v in self._writes.items() if k.startswith(prefix)})
        for key in sorted(merged):
            raw = merged[key]
            if raw is not None:
                yield key, serialization.loads(raw)

    def history(self, key: str) -> list[KeyModification]:
        return list(self.stub.get_history_for_key(key))

    # -- private data (not buffered: collections are written directly) ------
    def get_private_json(self, collection: str, key: str) -> Any | None:
        raw = self.stub.get_private_data(collection, key)
        return None if raw is None else serialization.loads(raw)

    def put_private_json(self, collection: str, key: str, value: Any) -> None:
        self.stub.put_private_data(collection, key, serialization.dumps(value))

    def private_hash(self, collection: str, key: str) -> bytes | None:
        return self.stub.get_private_data_hash(collection, key)

    # -- events ------------------------------------------------------------
    def emit(self, name: str, payload: Any) -> None:
        """Fabric keeps one chaincode event per transaction: the last call wins."""
        self._event = (name, serialization.dumps(payload))

    # -- completion --------------------------------------------------------
    def flush(self) -> None:
        """Hand buffered writes and the event to the peer; called once, on success."""
        for key, value in self._writes.items():
            if value is None:
                self.stub.delete_state(key)
            else:
                self.stub.put_state(key, value)
        if self._event is not None:
            self.stub.set_event(*self._event)
