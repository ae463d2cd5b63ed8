"""The :class:`~chaincode.runtime.stub.Stub` of one transaction running on a real peer.

A :class:`ShimStub` knows the facts of its transaction (:class:`TxFacts`, decoded
from the ``SignedProposal`` the peer sent with it) and turns every ledger call
into one request message on the chaincode stream. It does not touch gRPC
itself: it hands each request to a :class:`PeerLink` (provided by the stream
session), which returns the peer's answer or raises if the peer answered
``ERROR``.

Write batches
-------------

A peer of Fabric 2.5 or later says in its ``READY`` message
(``ChaincodeAdditionalParams``) whether it accepts a transaction's writes in
one go. When it does, the stub keeps every write (``PUT_STATE`` and
``DEL_STATE`` of world state or private data, ``PUT_STATE_METADATA``) as a
``WriteRecord`` instead of sending it, and :meth:`ShimStub.send_writes` sends
them all, in the order they were made, in ``WRITE_BATCH_STATE`` messages of at
most the peer's ``max_size_write_batch`` records, before the transaction
completes: one round trip to the peer instead of one per write. Like the Go
shim's write batch (which a Go chaincode turns on with ``StartWriteBatch``), a
later write of the same key (same collection; data and metadata apart)
replaces the earlier one, and takes its place after the others. Nothing is lost by waiting:
in Fabric a transaction never reads its own writes (reads see the state before
the transaction), so what a later read or query returns is the same. A
transaction that fails or is refused sends no batch at all. A peer that does
not offer batches gets each write as its own request, as before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterator, Protocol

from fabric_protos.common import common_pb2
from fabric_protos.ledger.queryresult import kv_query_result_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import chaincode_event_pb2, chaincode_shim_pb2, proposal_pb2, transaction_pb2

from chaincode.runtime.stub import KeyModification

log = logging.getLogger(__name__)

Message = chaincode_shim_pb2.ChaincodeMessage

# The Go shim replaces an empty range start with this key: the peer treats "" as "no key".
EMPTY_START_KEY = "\x01"
VALIDATION_PARAMETER = transaction_pb2.MetaDataKeys.Name(transaction_pb2.VALIDATION_PARAMETER)
DEFAULT_WRITE_BATCH = 100  # records per WRITE_BATCH_STATE when the peer offers batches but names no maximum
DEFAULT_GET_MULTIPLE = 100  # keys per GET_STATE_MULTIPLE when the peer offers it but names no maximum
WriteRecord = chaincode_shim_pb2.WriteRecord


class PeerLink(Protocol):
    def request(self, channel_id: str, tx_id: str, kind: int, payload: bytes) -> bytes:
        """Send one request for a transaction; return the peer's RESPONSE payload or raise."""
        ...


class ProposalError(ValueError):
    """The proposal that came with a transaction cannot be decoded."""


@dataclass(frozen=True)
class TxFacts:
    """What a transaction's ``SignedProposal`` says about it, decoded once per transaction."""

    timestamp: float = 0.0
    creator_msp: str = ""
    creator_cert: bytes = b""
    transient: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def parse(cls, signed: proposal_pb2.SignedProposal | None) -> "TxFacts":
        """Decode the proposal; raises :class:`ProposalError` if it cannot be decoded."""
        if signed is None or not signed.proposal_bytes:
            return NO_FACTS
        try:
            proposal = proposal_pb2.Proposal.FromString(signed.proposal_bytes)
            if not proposal.header:
                raise ProposalError("the transaction proposal has no header")
            header = common_pb2.Header.FromString(proposal.header)
            channel_header = common_pb2.ChannelHeader.FromString(header.channel_header)
            signature_header = common_pb2.SignatureHeader.FromString(header.signature_header)
            creator = identities_pb2.SerializedIdentity.FromString(signature_header.creator)
            payload = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload)
        except ProposalError:
            raise
        except Exception as err:  # protobuf's DecodeError derives from Exception only
            raise ProposalError(f"cannot decode the transaction proposal: {err}") from None
        stamp = channel_header.timestamp
        return cls(timestamp=stamp.seconds + stamp.nanos / 1_000_000_000, creator_msp=creator.mspid,
                   creator_cert=bytes(creator.id_bytes),
                   transient={name: bytes(value) for name, value in payload.TransientMap.items()})


NO_FACTS = TxFacts()


class ShimStub:
    """One transaction's view of the ledger, backed by request/response messages to the peer.

    ``facts`` (already decoded) spares decoding ``signed_proposal`` again when one
    transaction's contract code runs more than once (see :mod:`chaincode.runtime.shim`).
    ``write_batch`` > 0 keeps the writes for :meth:`send_writes`, which sends at most
    that many per ``WRITE_BATCH_STATE``; 0 sends each write when it is made.
    ``get_multiple`` > 0 reads up to that many keys per ``GET_STATE_MULTIPLE``; 0 reads them one by one.
    """

    def __init__(self, link: PeerLink, channel_id: str, tx_id: str,
                 signed_proposal: proposal_pb2.SignedProposal | None, *, facts: TxFacts | None = None,
                 write_batch: int = 0, get_multiple: int = 0) -> None:
        self._link = link
        self.channel_id = channel_id
        self.tx_id = tx_id
        if facts is None:
            facts = TxFacts.parse(signed_proposal)
        self.timestamp = facts.timestamp
        self.creator_msp = facts.creator_msp
        self.creator_cert = facts.creator_cert
        self.transient: dict[str, bytes] = dict(facts.transient) if facts.transient else {}
        self.event: chaincode_event_pb2.ChaincodeEvent | None = None
        self._open_queries: set[str] = set()
        self._finished = False
        self._batch_size = write_batch
        self._get_multiple = get_multiple
        # (collection, key, is metadata) -> its latest write; see _keep
        self._batch: dict[tuple[str, str, bool], chaincode_shim_pb2.WriteRecord] | None = \
            {} if write_batch > 0 else None

    # -- world state -------------------------------------------------------
    def get_state(self, key: str) -> bytes | None:
        return self._get(Message.GET_STATE, "", key)

    def get_multiple_states(self, keys: list[str]) -> list[bytes | None]:
        """The values of ``keys`` (None for a missing key), in as few requests as the peer allows."""
        size = self._get_multiple
        if size <= 0 or len(keys) < 2:
            return [self.get_state(key) for key in keys]
        values: list[bytes | None] = []
        for start in range(0, len(keys), size):
            chunk = keys[start:start + size]
            raw = self._call(Message.GET_STATE_MULTIPLE, chaincode_shim_pb2.GetStateMultiple(keys=chunk))
            found = chaincode_shim_pb2.GetStateMultipleResult.FromString(raw).values
            if len(found) != len(chunk):
                raise ValueError(f"the peer answered {len(found)} values for {len(chunk)} keys")
            values += [bytes(value) or None for value in found]  # empty: the key does not exist
        return values

    def put_state(self, key: str, value: bytes) -> None:
        _require_key(key)
        if self._batch is not None:
            self._keep("", key, False, WriteRecord(key=key, value=value, type=WriteRecord.PUT_STATE))
        else:
            self._call(Message.PUT_STATE, chaincode_shim_pb2.PutState(key=key, value=value))

    def delete_state(self, key: str) -> None:
        _require_key(key)
        if self._batch is not None:
            self._keep("", key, False, WriteRecord(key=key, type=WriteRecord.DEL_STATE))
        else:
            self._call(Message.DEL_STATE, chaincode_shim_pb2.DelState(key=key))

    def get_state_by_range(self, start: str, end: str) -> Iterator[tuple[str, bytes]]:
        request = chaincode_shim_pb2.GetStateByRange(startKey=start or EMPTY_START_KEY, endKey=end)
        for raw in self._query(Message.GET_STATE_BY_RANGE, request):
            kv = kv_query_result_pb2.KV.FromString(raw)
            yield kv.key, bytes(kv.value)

    def get_history_for_key(self, key: str) -> Iterator[KeyModification]:
        for raw in self._query(Message.GET_HISTORY_FOR_KEY, chaincode_shim_pb2.GetHistoryForKey(key=key)):
            mod = kv_query_result_pb2.KeyModification.FromString(raw)
            stamp = mod.timestamp.seconds + mod.timestamp.nanos / 1_000_000_000
            yield KeyModification(mod.tx_id, stamp, bytes(mod.value), mod.is_delete)

    # -- private data --------------------------------------------------------
    def get_private_data(self, collection: str, key: str) -> bytes | None:
        _require_collection(collection)
        return self._get(Message.GET_STATE, collection, key)

    def get_private_data_hash(self, collection: str, key: str) -> bytes | None:
        _require_collection(collection)
        return self._get(Message.GET_PRIVATE_DATA_HASH, collection, key)

    def put_private_data(self, collection: str, key: str, value: bytes) -> None:
        _require_collection(collection)
        _require_key(key)
        if self._batch is not None:
            self._keep(collection, key, False, WriteRecord(key=key, value=value, collection=collection,
                                                           type=WriteRecord.PUT_STATE))
        else:
            self._call(Message.PUT_STATE, chaincode_shim_pb2.PutState(key=key, value=value, collection=collection))

    def delete_private_data(self, collection: str, key: str) -> None:
        _require_collection(collection)
        _require_key(key)
        if self._batch is not None:
            self._keep(collection, key, False, WriteRecord(key=key, collection=collection, type=WriteRecord.DEL_STATE))
        else:
            self._call(Message.DEL_STATE, chaincode_shim_pb2.DelState(key=key, collection=collection))

    # -- key-level endorsement ---------------------------------------------
    def set_state_validation_parameter(self, key: str, policy: bytes, collection: str = "") -> None:
        """Attach a serialized ``common.ApplicationPolicy`` to a key (state-based endorsement)."""
        _require_key(key)
        metadata = chaincode_shim_pb2.StateMetadata(metakey=VALIDATION_PARAMETER, value=policy)
        if self._batch is not None:
            self._keep(collection, key, True, WriteRecord(key=key, collection=collection, metadata=metadata,
                                                          type=WriteRecord.PUT_STATE_METADATA))
        else:
            self._call(Message.PUT_STATE_METADATA,
                       chaincode_shim_pb2.PutStateMetadata(key=key, collection=collection, metadata=metadata))

    def get_state_validation_parameter(self, key: str, collection: str = "") -> bytes | None:
        raw = self._call(Message.GET_STATE_METADATA,
                         chaincode_shim_pb2.GetStateMetadata(key=key, collection=collection))
        entries = chaincode_shim_pb2.StateMetadataResult.FromString(raw).entries
        found = {entry.metakey: bytes(entry.value) for entry in entries}
        return found.get(VALIDATION_PARAMETER) or None

    # -- events ------------------------------------------------------------
    def set_event(self, name: str, payload: bytes) -> None:
        """Like the Go shim: only name and payload; the peer fills in chaincode id and tx id."""
        if not name:
            raise ValueError("event name must not be empty")
        self.event = chaincode_event_pb2.ChaincodeEvent(event_name=name, payload=payload)

    # -- completion --------------------------------------------------------
    def finish(self) -> None:
        """Close result iterators the contract left open; no requests are sent after this."""
        for query_id in sorted(self._open_queries):
            self._close_query(query_id)
        self._finished = True

    def send_writes(self) -> None:
        """Send the kept writes in ``WRITE_BATCH_STATE`` messages, in order; a no-op without write batches.

        Called once, after the contract code succeeded; raises :class:`~chaincode.runtime.shim.PeerError`
        if the peer refuses a batch.
        """
        batch = self._batch
        if not batch:
            return
        records = list(batch.values())
        batch.clear()
        size = self._batch_size
        for start in range(0, len(records), size):
            self._call(Message.WRITE_BATCH_STATE, chaincode_shim_pb2.WriteBatchState(rec=records[start:start + size]))

    @property
    def kept_writes(self) -> int:
        """Writes waiting for :meth:`send_writes`."""
        return len(self._batch) if self._batch else 0

    # -- plumbing ----------------------------------------------------------
    def _keep(self, collection: str, key: str, metadata: bool, record: chaincode_shim_pb2.WriteRecord) -> None:
        """Keep a write for the batch; it replaces (and moves after the others) an earlier one of the same key."""
        slot = (collection, key, metadata)
        batch = self._batch
        batch.pop(slot, None)  # type: ignore[union-attr]
        batch[slot] = record  # type: ignore[index]

    def _call(self, kind: int, request) -> bytes:
        return self._link.request(self.channel_id, self.tx_id, kind, request.SerializeToString())

    def _get(self, kind: int, collection: str, key: str) -> bytes | None:
        value = self._call(kind, chaincode_shim_pb2.GetState(key=key, collection=collection))
        return value or None  # the peer answers a missing key with an empty payload

    def _query(self, kind: int, request) -> Iterator[bytes]:
        """Results of a range or history query, fetching further pages with QUERY_STATE_NEXT."""
        response = chaincode_shim_pb2.QueryResponse.FromString(self._call(kind, request))
        query_id = response.id
        if response.has_more:
            self._open_queries.add(query_id)
        try:
            while True:
                for result in response.results:
                    yield bytes(result.resultBytes)
                if not response.has_more:
                    self._open_queries.discard(query_id)
                    return
                raw = self._call(Message.QUERY_STATE_NEXT, chaincode_shim_pb2.QueryStateNext(id=query_id))
                response = chaincode_shim_pb2.QueryResponse.FromString(raw)
        finally:
            if query_id in self._open_queries and not self._finished:
                self._close_query(query_id)

    def _close_query(self, query_id: str) -> None:
        """Best effort: the peer also drops a transaction's iterators when it completes."""
        self._open_queries.discard(query_id)
        try:
            self._call(Message.QUERY_STATE_CLOSE, chaincode_shim_pb2.QueryStateClose(id=query_id))
        except Exception as err:  # may run while a generator is finalized, where raising is lost
            log.debug("[%s] closing query %s failed: %r", self.tx_id[:8], query_id, err)


def _require_key(key: str) -> None:
    if not key:
        raise ValueError("key must not be empty")


def _require_collection(collection: str) -> None:
    if not collection:
        raise ValueError("collection must not be empty")
