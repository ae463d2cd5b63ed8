"""Everything a contract function may use during one transaction.

:class:`TxContext` wraps a :class:`~chaincode.runtime.stub.Stub` and adds what contract
code needs but Fabric does not give: reads that see the transaction's own
earlier writes, JSON values, the parsed caller, and one event per transaction.
Writes are buffered and handed to the peer only when the function succeeds, so
a refusal halfway through never leaves part of a transaction behind.

Every event a transaction raises is kept, in order, and handed to the peer in
one envelope (:mod:`common.events`), since Fabric carries one chaincode event
per transaction.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Iterator

from common import canonical as serialization
from common import events as envelope
from chaincode.runtime.errors import NotFound
from chaincode.runtime.identity import Caller, caller_from_certificate
from chaincode.runtime.keys import MAX_RUNE, RecordKind
from chaincode.runtime.pagination import Page, read_page
from chaincode.runtime.stub import KeyModification, Stub

RANGE_END = MAX_RUNE


class TxContext:
    def __init__(self, stub: Stub) -> None:
        self.stub = stub
        self._writes: dict[str, bytes | None] = {}
        self._fetched: dict[str, bytes | None] = {}  # read ahead by prefetch
        self._events: list[tuple[str, Any]] = []
        self._policies: dict[str, bytes] = {}

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
        if key in self._fetched:
            return self._fetched[key]
        return self.stub.get_state(key)

    def prefetch(self, *keys: str) -> None:
        """Read keys the transaction is about to read, in one request to the peer where it offers that.

        Later reads of these keys return the values read here without asking the peer again: in Fabric a
        transaction sees the state before it, whenever it reads (its own writes still come first).
        """
        wanted = [key for key in dict.fromkeys(keys) if key not in self._writes and key not in self._fetched]
        if wanted:
            self._fetched.update(zip(wanted, self.stub.get_multiple_states(wanted)))

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
        yield from self.range(prefix, prefix + RANGE_END)

    def range(self, start: str, end: str) -> Iterator[tuple[str, Any]]:
        """JSON values with ``start <= key < end`` in key order, own writes included.

        Read lazily from the peer (a page stops the peer's iterator early) unless this transaction
        wrote inside the range, when the two are merged.
        """
        own = {k: v for k, v in self._writes.items() if start <= k < end}
        if not own:
            for key, raw in self.stub.get_state_by_range(start, end):
                yield key, serialization.loads(raw)
            return
        merged: dict[str, bytes | None] = dict(self.stub.get_state_by_range(start, end))
        merged.update(own)
        for key in sorted(merged):
            raw = merged[key]
            if raw is not None:
                yield key, serialization.loads(raw)

    def page(self, span: tuple[str, str], limit: Any, bookmark: Any,
             convert: Any = lambda key, value: value) -> Page:
        """One page of the range ``span`` (see :func:`chaincode.runtime.pagination.read_page`)."""
        return read_page(self.range, span[0], span[1], limit, bookmark, convert)

    # -- records with indexes (see chaincode.runtime.keys.RecordKind) --------
    def load(self, kind: RecordKind, record_id: str) -> Any:
        """A record that must exist; the error names it ("lot L-1 does not exist")."""
        return self.require_json(kind.key(record_id), f"{kind.what} {record_id}")

    def find(self, kind: RecordKind, record_id: str) -> Any | None:
        return self.get_json(kind.key(record_id))

    def save(self, kind: RecordKind, record: dict[str, Any]) -> None:
        """Write a record and bring its index entries in step with it."""
        key = kind.key(record[kind.id_field])
        previous = self.get_json(key)
        old = kind.index_keys(previous) if previous is not None else set()
        new = kind.index_keys(record)
        for stale in sorted(old - new):
            self.delete(stale)
        for added in sorted(new - old):
            self.put_json(added, record[kind.id_field])
        self.put_json(key, record)

    def indexed(self, kind: RecordKind, span: tuple[str, str], limit: Any, bookmark: Any,
                keep: Any = lambda record: record) -> Page:
        """A page of records read through an index range: ``keep(record)`` maps or (``None``) skips."""
        return self.page(span, limit, bookmark, lambda key, record_id: keep(self.load(kind, record_id)))

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

    # -- key-level endorsement (buffered like writes) ------------------------
    def endorse_key(self, key: str, policy: bytes) -> None:
        """From the commit of this transaction on, changes of ``key`` need ``policy``'s endorsements.

        ``policy`` is a serialized SignaturePolicyEnvelope (:mod:`chaincode.runtime.endorsement`); it is
        sent as the key's ``VALIDATION_PARAMETER`` metadata after the transaction's writes.
        """
        if not key:
            raise ValueError("key must not be empty")
        self._policies[key] = policy

    def key_policy(self, key: str) -> bytes | None:
        """The key-level endorsement policy of ``key`` (this transaction's own first), or ``None``."""
        if key in self._policies:
            return self._policies[key]
        return self.stub.get_state_validation_parameter(key)

    # -- events ------------------------------------------------------------
    def emit(self, name: str, payload: Any) -> None:
        """Raise an event; every event of the transaction reaches clients, in order, in one envelope."""
        self._events.append((name, payload))

    @property
    def events(self) -> list[tuple[str, Any]]:
        return list(self._events)

    # -- completion --------------------------------------------------------
    def flush(self) -> None:
        """Hand buffered writes and the event to the peer; called once, on success."""
        for key, value in self._writes.items():
            if value is None:
                self.stub.delete_state(key)
            else:
                self.stub.put_state(key, value)
        for key, policy in self._policies.items():
            self.stub.set_state_validation_parameter(key, policy)
        if self._events:
            self.stub.set_event(*envelope.pack(self._events))
