"""The peer-facing interface of one transaction.

Both the real shim session (``chaincode.runtime.shim``) and the in-memory ledger
(``chaincode.runtime.memory``) implement :class:`Stub`. Keys are plain strings; values
are bytes. Reads never see this transaction's own writes (that is Fabric's
semantics); :class:`~chaincode.runtime.context.TxContext` adds read-your-writes on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol


@dataclass(frozen=True)
class KeyModification:
    """One committed change of a key, as returned by the history database."""

    tx_id: str
    timestamp: float
    value: bytes
    is_delete: bool


class Stub(Protocol):
    tx_id: str
    channel_id: str
    timestamp: float  # seconds since the epoch, from the proposal header
    creator_msp: str
    creator_cert: bytes  # PEM
    transient: dict[str, bytes]

    def get_state(self, key: str) -> bytes | None: ...

    # Several keys in one request where the peer offers it (GET_STATE_MULTIPLE); None for a missing key.
    def get_multiple_states(self, keys: list[str]) -> list[bytes | None]: ...

    def put_state(self, key: str, value: bytes) -> None: ...

    def delete_state(self, key: str) -> None: ...

    def get_state_by_range(self, start: str, end: str) -> Iterator[tuple[str, bytes]]: ...

    def get_history_for_key(self, key: str) -> Iterator[KeyModification]: ...

    def get_private_data(self, collection: str, key: str) -> bytes | None: ...

    def get_private_data_hash(self, collection: str, key: str) -> bytes | None: ...

    def put_private_data(self, collection: str, key: str, value: bytes) -> None: ...

    def set_event(self, name: str, payload: bytes) -> None: ...

    # Key-level endorsement: a serialized SignaturePolicyEnvelope (see chaincode.runtime.endorsement).
    def set_state_validation_parameter(self, key: str, policy: bytes, collection: str = "") -> None: ...

    def get_state_validation_parameter(self, key: str, collection: str = "") -> bytes | None: ...
