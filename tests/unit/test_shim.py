"""The shim over real gRPC: the test plays the peer on a Connect stream to an in-process server."""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import queue
import threading
import time
from typing import Any, Iterator

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization as pem
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fabric_protos.common import common_pb2
from fabric_protos.ledger.queryresult import kv_query_result_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import (chaincode_pb2, chaincode_shim_pb2, chaincode_shim_pb2_grpc, proposal_pb2,
                                proposal_response_pb2)
from google.protobuf.timestamp_pb2 import Timestamp

from common import canonical as serialization
from common import events
from chaincode.runtime import shim
from chaincode.registry.contract import RegistryContract
from chaincode.runtime.context import RANGE_END
from chaincode.runtime.errors import Conflict
from chaincode.runtime.memory import make_identity
from chaincode.runtime.router import Contract, Router, transaction
from chaincode.runtime.server import ChaincodeServer, TLSConfig
from chaincode.runtime.shim import StreamClosed
from chaincode.runtime.shim_stub import VALIDATION_PARAMETER, ShimStub

Message = chaincode_shim_pb2.ChaincodeMessage

CHAINCODE_ID = "ecoledger_1.0:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
CHANNEL = "ecoledger"
ALICE = make_identity("BJMSP", "alice", role="enterprise", region="BJ", entity="E-0042")
WAIT = 5.0

FAILURES: list[BaseException] = []
LEFT_OPEN: list[Iterator] = []


class Probe(Contract):
    """Small transactions that each exercise one kind of peer request."""

    name = "Probe"

    @transaction
    def read(self, ctx, key: str) -> Any:
        return ctx.get_json(key)

    @transaction
    def guarded_read(self, ctx, key: str) -> Any:
        try:
            return ctx.get_json(key)
        except Exception as err:
            FAILURES.append(err)
            raise

    @transaction
    def scan(self, ctx, prefix: str) -> list:
        return [[key, value] for key, value in ctx.scan(prefix)]

    @transaction
    def first(self, ctx, prefix: str) -> str:
        results = ctx.stub.get_state_by_range(prefix, prefix + "\uffff")
        key, _ = next(results)
        results.close()
        return key

    @transaction
    def first_left_open(self, ctx, prefix: str) -> str:
        results = ctx.stub.get_state_by_range(prefix, prefix + "\uffff")
        LEFT_OPEN.append(results)  # still referenced when the transaction ends
        key, _ = next(results)
        return key

    @transaction
    def write(self, ctx, key: str, value: Any) -> dict:
        ctx.put_json(key, value)
        ctx.delete("obsolete")
        ctx.emit("Written", {"key": key})
        return {"written": key}

    @transaction
    def refuse(self, ctx) -> None:
        ctx.put_json("lot:1", {"frozen": True})
        ctx.emit("Frozen", {})
        raise Conflict("lot 1 is under audit")

    @transaction
    def facts(self, ctx) -> dict:
        return {
            "tx_id": ctx.tx_id, "channel_id": ctx.channel_id, "timestamp": ctx.timestamp,
            "creator_msp": ctx.stub.creator_msp,
            "transient": {name: value.decode() for name, value in ctx.transient.items()},
        }

    @transaction
    def history(self, ctx, key: str) -> list:
        return [[m.tx_id, m.timestamp, m.value.decode(), m.is_delete] for m in ctx.history(key)]

    @transaction
    def private(self, ctx, collection: str, key: str) -> dict:
        ctx.put_private_json(collection, key, {"price": 120})
        stored = ctx.get_private_json(collection, key)
        digest = ctx.private_hash(collection, key)
        return {"stored": stored, "hash": digest.hex() if digest else None}

    @transaction
    def endorse_by(self, ctx, key: str) -> str:
        ctx.stub.set_state_validation_parameter(key, b"policy-bytes")
        return ctx.stub.get_state_validation_parameter(key).decode()


# -- building what the peer sends -------------------------------------------------

def proposal_for(chaincode_input: chaincode_pb2.ChaincodeInput, who=ALICE, channel: str = CHANNEL,
                 transient: dict[str, bytes] | None = None,
                 stamp: tuple[int, int] = (1_767_225_600, 250_000_000)) -> tuple[str, proposal_pb2.SignedProposal]:
    """A SignedProposal as a client would build it; the tx id is SHA-256(nonce ‖ creator) like Fabric's."""
    creator = identities_pb2.SerializedIdentity(mspid=who.msp_id, id_bytes=who.cert_pem).SerializeToString()
    nonce = os.urandom(24)
    tx_id = hashlib.sha256(nonce + creator).hexdigest()
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.ENDORSER_TRANSACTION, channel_id=channel, tx_id=tx_id,
        timestamp=Timestamp(seconds=stamp[0], nanos=stamp[1]))
    header = common_pb2.Header(channel_header=channel_header.SerializeToString(),
                               signature_header=common_pb2.SignatureHeader(creator=creator, nonce=nonce)
                               .SerializeToString())
    spec = chaincode_pb2.ChaincodeInvocationSpec(chaincode_spec=chaincode_pb2.ChaincodeSpec(
        type=chaincode_pb2.ChaincodeSpec.GOLANG, chaincode_id=chaincode_pb2.ChaincodeID(name="ecoledger"),
        input=chaincode_input))
    payload = proposal_pb2.ChaincodeProposalPayload(input=spec.SerializeToString(), TransientMap=transient or {})
    proposal = proposal_pb2.Proposal(header=header.SerializeToString(), payload=payload.SerializeToString())
    return tx_id, proposal_pb2.SignedProposal(proposal_bytes=proposal.SerializeToString(),
                                              signature=b"the chaincode does not check signatures")


def transaction_message(function: str, args: dict | None = None, *, kind: int = Message.TRANSACTION,
                        **proposal_options) -> Message:
    arguments = [function.encode()] + ([serialization.dumps(args)] if args is not None else [])
    chaincode_input = chaincode_pb2.ChaincodeInput(args=arguments)
    tx_id, signed = proposal_for(chaincode_input, **proposal_options)
    channel = proposal_options.get("channel", CHANNEL)
    return Message(type=kind, payload=chaincode_input.SerializeToString(), txid=tx_id, channel_id=channel,
                   proposal=signed)


def response_to(request: Message, payload: bytes = b"") -> Message:
    return Message(type=Message.RESPONSE, payload=payload, txid=request.txid, channel_id=request.channel_id)


def result_of(completed: Message) -> proposal_response_pb2.Response:
    assert completed.type == Message.COMPLETED, completed
    return proposal_response_pb2.Response.FromString(completed.payload)


# -- the fake peer --------------------------------------------------------------------

_END = object()


class FakePeer:
    """The peer's side of one Connect stream, driven step by step by a test."""

    def __init__(self, channel: grpc.Channel) -> None:
        self._outgoing: queue.Queue = queue.Queue()
        self._incoming: queue.Queue = queue.Queue()
        self.call = chaincode_shim_pb2_grpc.ChaincodeStub(channel).Connect(self._requests())
        threading.Thread(target=self._read, daemon=True).start()

    def _requests(self) -> Iterator[Message]:
        while (message := self._outgoing.get()) is not _END:
            yield message

    def _read(self) -> None:
        try:
            for message in self.call:
                self._incoming.put(message)
            self._incoming.put(_END)
        except grpc.RpcError as err:
            self._incoming.put(err)

    def send(self, message: Message) -> None:
        self._outgoing.put(message)

    def recv(self, timeout: float = WAIT) -> Message:
        item = self._incoming.get(timeout=timeout)
        if not isinstance(item, Message):
            raise AssertionError(f"the chaincode's stream ended: {item}")
        return item

    def expect_end(self, timeout: float = WAIT) -> Any:
        item = self._incoming.get(timeout=timeout)
        assert not isinstance(item, Message), f"expected the stream to end, got {item}"
        return item

    def handshake(self, write_batch: bool = True, max_size: int = 0, get_multiple: bool = True,
                  max_keys: int = 0) -> None:
        """Register the chaincode; READY offers write batches (of at most ``max_size``) and multiple-key reads
        (of at most ``max_keys``), as Fabric 3 does."""
        register = self.recv()
        assert register.type == Message.REGISTER
        assert chaincode_pb2.ChaincodeID.FromString(register.payload).name == CHAINCODE_ID
        self.send(Message(type=Message.REGISTERED))
        offer = chaincode_pb2.ChaincodeAdditionalParams(use_write_batch=write_batch, max_size_write_batch=max_size,
                                                        use_get_multiple_keys=get_multiple,
                                                        max_size_get_multiple_keys=max_keys)
        self.send(Message(type=Message.READY, payload=offer.SerializeToString()))

    def close(self) -> None:
        """Half-close: the peer stops sending."""
        self._outgoing.put(_END)


class FakeLedger:
    """Answers the chaincode's requests like a peer's simulator would, and records writes."""

    def __init__(self, state: dict[str, bytes] | None = None, page_size: int = 2) -> None:
        self.state = dict(state or {})
        self.private: dict[tuple[str, str], bytes] = {}
        self.history: dict[str, list[kv_query_result_pb2.KeyModification]] = {}
        self.metadata: dict[str, bytes] = {}
        self.writes: list[tuple] = []
        self.batches: list[list[tuple]] = []  # the writes of each WRITE_BATCH_STATE
        self.refuse_batches = ""  # answer WRITE_BATCH_STATE with ERROR and this text
        self.multiple_reads: list[list[str]] = []  # the keys of each GET_STATE_MULTIPLE
        self.requests: list[int] = []
        self.closed_queries: list[str] = []
        self.page_size = page_size
        self._queries: dict[str, list[bytes]] = {}

    def run(self, peer: FakePeer, transaction: Message) -> Message:
        """Send a transaction and answer its requests until COMPLETED or ERROR comes back."""
        peer.send(transaction)
        while True:
            message = peer.recv()
            if message.type in (Message.COMPLETED, Message.ERROR):
                assert (message.txid, message.channel_id) == (transaction.txid, transaction.channel_id)
                return message
            assert (message.txid, message.channel_id) == (transaction.txid, transaction.channel_id)
            self.requests.append(message.type)
            if message.type == Message.WRITE_BATCH_STATE and self.refuse_batches:
                peer.send(Message(type=Message.ERROR, payload=self.refuse_batches.encode(), txid=message.txid,
                                  channel_id=message.channel_id))
                continue
            peer.send(response_to(message, self.answer(message)))

    def answer(self, message: Message) -> bytes:
        shim = chaincode_shim_pb2
        if message.type == Message.GET_STATE:
            request = shim.GetState.FromString(message.payload)
            if request.collection:
                return self.private.get((request.collection, request.key), b"")
            return self.state.get(request.key, b"")
        if message.type == Message.GET_STATE_MULTIPLE:
            request = shim.GetStateMultiple.FromString(message.payload)
            assert not request.collection
            self.multiple_reads.append(list(request.keys))
            return shim.GetStateMultipleResult(values=[self.state.get(k, b"") for k in request.keys]).SerializeToString()
        if message.type == Message.GET_PRIVATE_DATA_HASH:
            request = shim.GetState.FromString(message.payload)
            value = self.private.get((request.collection, request.key))
            return hashlib.sha256(value).digest() if value is not None else b""
        if message.type == Message.PUT_STATE:
            request = shim.PutState.FromString(message.payload)
            if request.collection:
                self.private[(request.collection, request.key)] = request.value  # simplification
            self.writes.append(("put", request.collection, request.key, request.value))
            return b""
        if message.type == Message.DEL_STATE:
            request = shim.DelState.FromString(message.payload)
            self.writes.append(("delete", request.collection, request.key))
            return b""
        if message.type == Message.PUT_STATE_METADATA:
            request = shim.PutStateMetadata.FromString(message.payload)
            self.metadata[request.key] = request.metadata.value
            self.writes.append(("metadata", request.key, request.metadata.metakey, request.metadata.value))
            return b""
        if message.type == Message.WRITE_BATCH_STATE:
            batch = []
            for record in shim.WriteBatchState.FromString(message.payload).rec:
                if record.type == shim.WriteRecord.PUT_STATE:
                    if record.collection:
                        self.private[(record.collection, record.key)] = record.value
                    batch.append(("put", record.collection, record.key, record.value))
                elif record.type == shim.WriteRecord.DEL_STATE:
                    batch.append(("delete", record.collection, record.key))
                elif record.type == shim.WriteRecord.PUT_STATE_METADATA:
                    self.metadata[record.key] = record.metadata.value
                    batch.append(("metadata", record.key, record.metadata.metakey, record.metadata.value))
                else:
                    raise AssertionError(f"unexpected write record {record}")
            self.batches.append(batch)
            self.writes += batch
            return b""
        if message.type == Message.GET_STATE_METADATA:
            request = shim.GetStateMetadata.FromString(message.payload)
            entries = [shim.StateMetadata(metakey=VALIDATION_PARAMETER, value=self.metadata[request.key])]
            return shim.StateMetadataResult(entries=entries).SerializeToString()
        if message.type == Message.GET_STATE_BY_RANGE:
            request = shim.GetStateByRange.FromString(message.payload)
            results = [kv_query_result_pb2.KV(namespace="ecoledger", key=k, value=v).SerializeToString()
                       for k, v in sorted(self.state.items()) if request.startKey <= k < request.endKey]
            return self._page(f"range-{len(self._queries)}", results)
        if message.type == Message.GET_HISTORY_FOR_KEY:
            request = shim.GetHistoryForKey.FromString(message.payload)
            results = [m.SerializeToString() for m in self.history.get(request.key, [])]
            return self._page(f"history-{len(self._queries)}", results)
        if message.type == Message.QUERY_STATE_NEXT:
            return self._page(shim.QueryStateNext.FromString(message.payload).id, None)
        if message.type == Message.QUERY_STATE_CLOSE:
            query_id = shim.QueryStateClose.FromString(message.payload).id
            self.closed_queries.append(query_id)
            self._queries.pop(query_id, None)
            return shim.QueryResponse(has_more=False, id=query_id).SerializeToString()
        raise AssertionError(f"unexpected request {Message.Type.Name(message.type)}")

    def _page(self, query_id: str, results: list[bytes] | None) -> bytes:
        if results is not None:
            self._queries[query_id] = results
        remaining = self._queries[query_id]
        page, self._queries[query_id] = remaining[:self.page_size], remaining[self.page_size:]
        has_more = bool(self._queries[query_id])
        if not has_more:
            del self._queries[query_id]
        return chaincode_shim_pb2.QueryResponse(
            results=[chaincode_shim_pb2.QueryResultBytes(resultBytes=r) for r in page],
            has_more=has_more, id=query_id).SerializeToString()


def assert_reads(peer: FakePeer, value: bytes, key: str = "k") -> None:
    """A ``Probe:Read`` of ``key`` on ``peer``'s stream completes with ``value``."""
    completed = FakeLedger({key: value}).run(peer, transaction_message("Probe:Read", {"key": key}))
    assert result_of(completed).payload == value


# -- fixtures ----------------------------------------------------------------------------

@pytest.fixture
def server() -> Iterator[ChaincodeServer]:
    chaincode_server = ChaincodeServer("127.0.0.1:0", CHAINCODE_ID, Router([Probe(), RegistryContract()]),
                                       request_timeout=WAIT)
    chaincode_server.start()
    yield chaincode_server
    chaincode_server.stop(grace=0.5)


@pytest.fixture
def channel(server) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as grpc_channel:
        yield grpc_channel


@pytest.fixture
def peer(channel) -> Iterator[FakePeer]:
    fake = FakePeer(channel)
    fake.handshake()
    yield fake
    fake.close()


@pytest.fixture
def unbatched_peer(channel) -> Iterator[FakePeer]:
    """A peer that does not offer write batches (before Fabric 2.5, or turned off in core.yaml)."""
    fake = FakePeer(channel)
    fake.handshake(write_batch=False)
    yield fake
    fake.close()


@pytest.fixture(autouse=True)
def no_failures():
    FAILURES.clear()
    yield
    FAILURES.clear()
    LEFT_OPEN.clear()


def wait_until(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


# -- registration and reads --------------------------------------------------------------------

def test_a_read_sends_get_state_for_the_transaction_and_completes_with_the_value(peer):
    transaction = transaction_message("Probe:Read", {"key": "lot:L-1"})
    peer.send(transaction)

    request = peer.recv()
    assert request.type == Message.GET_STATE
    assert (request.txid, request.channel_id) == (transaction.txid, CHANNEL)
    assert chaincode_shim_pb2.GetState.FromString(request.payload) == chaincode_shim_pb2.GetState(key="lot:L-1")
    peer.send(response_to(request, b'{"tons":12}'))

    completed = peer.recv()
    assert (completed.txid, completed.channel_id) == (transaction.txid, CHANNEL)
    response = result_of(completed)
    assert (response.status, response.payload, response.message) == (200, b'{"tons":12}', "")
    assert not completed.HasField("chaincode_event")


def test_an_empty_response_to_get_state_means_the_key_does_not_exist(peer):
    completed = FakeLedger().run(peer, transaction_message("Probe:Read", {"key": "lot:missing"}))
    assert result_of(completed).payload == b"null"


def test_the_stub_reads_tx_facts_caller_and_transient_data_from_the_signed_proposal(peer):
    transaction = transaction_message("Probe:Facts", transient={"price": b"120"},
                                      stamp=(1_767_225_600, 250_000_000))
    response = result_of(FakeLedger().run(peer, transaction))
    assert serialization.loads(response.payload) == {
        "tx_id": transaction.txid, "channel_id": CHANNEL, "timestamp": 1_767_225_600.25,
        "creator_msp": "BJMSP", "transient": {"price": "120"},
    }


def test_who_am_i_sees_the_certificate_attributes_of_the_proposal_creator(peer):
    response = result_of(FakeLedger().run(peer, transaction_message("Registry:WhoAmI")))
    assert serialization.loads(response.payload) == {
        "msp_id": "BJMSP", "name": "alice", "role": "enterprise", "region": "BJ", "entity": "E-0042",
        "admin": False,
    }


# -- writes and events ----------------------------------------------------------------------------

def test_writes_reach_the_peer_and_completed_carries_the_event(peer):
    ledger = FakeLedger()
    completed = ledger.run(peer, transaction_message("Probe:Write", {"key": "lot:L-2", "value": {"tons": 3}}))

    assert ledger.writes == [("put", "", "lot:L-2", b'{"tons":3}'), ("delete", "", "obsolete")]
    assert result_of(completed).status == 200
    assert completed.chaincode_event.event_name == "Written"
    assert events.unpack(completed.chaincode_event.event_name, completed.chaincode_event.payload) == [
        ("Written", {"key": "lot:L-2"})]
    # like the Go shim, the peer fills in these two
    assert (completed.chaincode_event.chaincode_id, completed.chaincode_event.tx_id) == ("", "")


def test_a_refusal_completes_with_400_without_writes_or_event(peer):
    ledger = FakeLedger()
    completed = ledger.run(peer, transaction_message("Probe:Refuse"))
    response = result_of(completed)
    assert (response.status, response.message, response.payload) == (400, "lot 1 is under audit", b"")
    assert ledger.writes == []
    assert not completed.HasField("chaincode_event")


def test_an_unknown_function_completes_with_400(peer):
    response = result_of(FakeLedger().run(peer, transaction_message("Probe:Nope")))
    assert response.status == 400
    assert response.message.startswith("unknown function 'Probe:Nope'")


def test_init_runs_like_a_transaction(peer):
    completed = FakeLedger().run(peer, transaction_message("Registry:WhoAmI", kind=Message.INIT))
    assert result_of(completed).status == 200


# -- queries --------------------------------------------------------------------------------------------

def test_a_range_scan_pages_through_query_state_next(peer):
    state = {f"lot:{n}": serialization.dumps({"tons": n}) for n in range(5)}
    state["other:1"] = b"1"
    ledger = FakeLedger(state, page_size=2)

    response = result_of(ledger.run(peer, transaction_message("Probe:Scan", {"prefix": "lot:"})))

    assert serialization.loads(response.payload) == [[f"lot:{n}", {"tons": n}] for n in range(5)]
    assert ledger.requests == [Message.GET_STATE_BY_RANGE, Message.QUERY_STATE_NEXT, Message.QUERY_STATE_NEXT]
    assert ledger.closed_queries == []  # the peer drops an exhausted iterator itself


def test_the_range_request_carries_start_and_end_keys(peer):
    transaction = transaction_message("Probe:Scan", {"prefix": "lot:"})
    peer.send(transaction)
    request = peer.recv()
    assert request.type == Message.GET_STATE_BY_RANGE
    sent = chaincode_shim_pb2.GetStateByRange.FromString(request.payload)
    assert (sent.startKey, sent.endKey, sent.collection) == ("lot:", "lot:" + RANGE_END, "")
    peer.send(response_to(request, chaincode_shim_pb2.QueryResponse(id="q1").SerializeToString()))
    assert serialization.loads(result_of(peer.recv()).payload) == []


def test_stopping_a_scan_early_closes_the_peers_iterator(peer):
    ledger = FakeLedger({f"lot:{n}": b"1" for n in range(5)}, page_size=2)
    response = result_of(ledger.run(peer, transaction_message("Probe:First", {"prefix": "lot:"})))
    assert serialization.loads(response.payload) == "lot:0"
    assert ledger.closed_queries == ["range-0"]


def test_an_iterator_left_open_is_closed_before_completion(peer):
    ledger = FakeLedger({f"lot:{n}": b"1" for n in range(5)}, page_size=2)
    response = result_of(ledger.run(peer, transaction_message("Probe:FirstLeftOpen", {"prefix": "lot:"})))
    assert response.status == 200
    assert ledger.closed_queries == ["range-0"]
    assert ledger.requests[-1] == Message.QUERY_STATE_CLOSE
    LEFT_OPEN.clear()  # finalizing the generator after completion sends nothing more
    peer.send(Message(type=Message.KEEPALIVE))
    assert peer.recv().type == Message.KEEPALIVE


def test_history_returns_key_modifications(peer):
    ledger = FakeLedger(page_size=1)
    ledger.history["lot:1"] = [
        kv_query_result_pb2.KeyModification(tx_id="t1", value=b"a", timestamp=Timestamp(seconds=10, nanos=500_000_000)),
        kv_query_result_pb2.KeyModification(tx_id="t2", timestamp=Timestamp(seconds=20), is_delete=True),
    ]
    response = result_of(ledger.run(peer, transaction_message("Probe:History", {"key": "lot:1"})))
    assert serialization.loads(response.payload) == [["t1", 10.5, "a", False], ["t2", 20.0, "", True]]
    assert ledger.requests == [Message.GET_HISTORY_FOR_KEY, Message.QUERY_STATE_NEXT]


def test_private_data_goes_to_the_named_collection_in_the_batch_and_reads_see_the_state_before(peer):
    ledger = FakeLedger()
    ledger.private[("price_BJMSP_TJMSP", "trade:T-1")] = b'{"price":100}'
    response = result_of(ledger.run(peer, transaction_message(
        "Probe:Private", {"collection": "price_BJMSP_TJMSP", "key": "trade:T-1"})))
    assert ledger.batches == [[("put", "price_BJMSP_TJMSP", "trade:T-1", b'{"price":120}')]]
    # as on a real peer, a transaction does not read its own writes
    assert serialization.loads(response.payload) == {
        "stored": {"price": 100}, "hash": hashlib.sha256(b'{"price":100}').hexdigest()}
    assert ledger.requests == [Message.GET_STATE, Message.GET_PRIVATE_DATA_HASH, Message.WRITE_BATCH_STATE]


def test_without_batches_private_data_is_written_when_the_contract_writes_it(unbatched_peer):
    ledger = FakeLedger()
    response = result_of(ledger.run(unbatched_peer, transaction_message(
        "Probe:Private", {"collection": "price_BJMSP_TJMSP", "key": "trade:T-1"})))
    assert ledger.writes == [("put", "price_BJMSP_TJMSP", "trade:T-1", b'{"price":120}')]
    assert serialization.loads(response.payload) == {
        "stored": {"price": 120}, "hash": hashlib.sha256(b'{"price":120}').hexdigest()}  # the fake's simplification
    assert ledger.requests == [Message.PUT_STATE, Message.GET_STATE, Message.GET_PRIVATE_DATA_HASH]
    assert ledger.batches == []


def test_a_key_level_endorsement_policy_is_sent_as_state_metadata(unbatched_peer):
    ledger = FakeLedger()
    response = result_of(ledger.run(unbatched_peer, transaction_message("Probe:EndorseBy", {"key": "lot:1"})))
    assert ledger.writes == [("metadata", "lot:1", "VALIDATION_PARAMETER", b"policy-bytes")]
    assert serialization.loads(response.payload) == "policy-bytes"


def test_a_key_level_endorsement_policy_goes_in_the_batch(peer):
    ledger = FakeLedger()
    ledger.metadata["lot:1"] = b"policy-before"
    response = result_of(ledger.run(peer, transaction_message("Probe:EndorseBy", {"key": "lot:1"})))
    assert ledger.batches == [[("metadata", "lot:1", "VALIDATION_PARAMETER", b"policy-bytes")]]
    assert serialization.loads(response.payload) == "policy-before"
    assert ledger.requests == [Message.GET_STATE_METADATA, Message.WRITE_BATCH_STATE]


# -- failures and concurrency -------------------------------------------------------------------------

def test_a_peer_error_to_get_state_completes_the_transaction_with_500_and_the_peers_message(peer):
    transaction = transaction_message("Probe:Read", {"key": "lot:L-1"})
    peer.send(transaction)
    request = peer.recv()
    assert request.type == Message.GET_STATE
    peer.send(Message(type=Message.ERROR, payload=b"GET_STATE failed: transaction ID: x: no ledger context",
                      txid=request.txid, channel_id=request.channel_id))

    response = result_of(peer.recv())
    assert response.status == 500
    assert "peer refused GET_STATE: GET_STATE failed: transaction ID: x: no ledger context" in response.message
    assert response.message.startswith("internal error in Probe:Read")


def test_two_transactions_run_concurrently_on_one_stream_and_get_their_own_answers(peer):
    first = transaction_message("Probe:Read", {"key": "lot:A"})
    second = transaction_message("Probe:Read", {"key": "lot:B"})
    peer.send(first)
    peer.send(second)

    requests = {peer.recv().txid: None for _ in range(2)}  # both wait for the peer at the same time
    assert set(requests) == {first.txid, second.txid}

    peer.send(response_to(second, b'"bee"'))
    peer.send(response_to(first, b'"ay"'))
    completed = {message.txid: result_of(message).payload for message in (peer.recv(), peer.recv())}
    assert completed == {first.txid: b'"ay"', second.txid: b'"bee"'}


def test_the_same_tx_id_on_two_channels_is_two_transactions(peer):
    first = transaction_message("Probe:Read", {"key": "k"}, channel="alpha")
    second = Message()
    second.CopyFrom(first)
    second.channel_id = "beta"
    peer.send(first)
    peer.send(second)
    requests = [peer.recv(), peer.recv()]
    assert {r.channel_id for r in requests} == {"alpha", "beta"}
    peer.send(Message(type=Message.RESPONSE, payload=b'"b"', txid=first.txid, channel_id="beta"))
    peer.send(Message(type=Message.RESPONSE, payload=b'"a"', txid=first.txid, channel_id="alpha"))
    completed = {m.channel_id: result_of(m).payload for m in (peer.recv(), peer.recv())}
    assert completed == {"alpha": b'"a"', "beta": b'"b"'}


def test_a_duplicate_of_a_running_transaction_is_answered_with_error(peer):
    transaction = transaction_message("Probe:Read", {"key": "k"})
    peer.send(transaction)
    request = peer.recv()
    peer.send(transaction)
    duplicate = peer.recv()
    assert duplicate.type == Message.ERROR
    assert duplicate.txid == transaction.txid
    assert b"already running" in duplicate.payload
    peer.send(response_to(request, b"1"))
    assert result_of(peer.recv()).payload == b"1"


def test_a_response_nobody_waits_for_is_ignored(peer):
    peer.send(Message(type=Message.RESPONSE, payload=b"stray", txid="nobody", channel_id=CHANNEL))
    assert result_of(FakeLedger({"k": b"2"}).run(peer, transaction_message("Probe:Read", {"key": "k"}))).payload == b"2"


def test_an_undecodable_proposal_is_answered_with_error(peer):
    transaction = transaction_message("Probe:Read", {"key": "k"})
    transaction.proposal.proposal_bytes = b"\xff\xff not a proposal"
    peer.send(transaction)
    reply = peer.recv()
    assert (reply.type, reply.txid) == (Message.ERROR, transaction.txid)
    assert b"cannot decode the transaction proposal" in reply.payload


def test_keepalive_is_echoed(peer):
    peer.send(Message(type=Message.KEEPALIVE))
    assert peer.recv().type == Message.KEEPALIVE


def test_a_transaction_before_ready_is_refused_and_ends_the_stream(channel):
    fake = FakePeer(channel)
    assert fake.recv().type == Message.REGISTER
    fake.send(Message(type=Message.REGISTERED))
    transaction = transaction_message("Probe:Read", {"key": "k"})
    fake.send(transaction)
    reply = fake.recv()
    assert (reply.type, reply.txid) == (Message.ERROR, transaction.txid)
    assert reply.payload == b"chaincode cannot handle message TRANSACTION while in state established"
    fake.expect_end()
    fake.close()


def test_a_transaction_waiting_for_the_peer_is_released_when_the_stream_ends(channel):
    fake = FakePeer(channel)
    fake.handshake()
    fake.send(transaction_message("Probe:GuardedRead", {"key": "k"}))
    assert fake.recv().type == Message.GET_STATE
    fake.close()

    wait_until(lambda: FAILURES)
    assert isinstance(FAILURES[0], StreamClosed)
    assert "waiting for the peer's answer to GET_STATE" in str(FAILURES[0])
    fake.expect_end()


def test_a_peer_that_never_answers_register_gets_a_warning_naming_the_chaincode_id(channel, monkeypatch, caplog):
    monkeypatch.setattr(shim, "REGISTER_WARNING_SECONDS", 0.1)
    with caplog.at_level(logging.WARNING, logger="chaincode.runtime.shim"):
        fake = FakePeer(channel)
        assert fake.recv().type == Message.REGISTER
        wait_until(lambda: any("has not answered REGISTER" in r.getMessage() for r in caplog.records))
        fake.close()
    assert CHAINCODE_ID in caplog.text


def test_a_new_stream_works_after_one_ended(channel):
    first = FakePeer(channel)
    first.handshake()
    first.close()
    first.expect_end()
    second = FakePeer(channel)
    second.handshake()
    assert result_of(FakeLedger({"k": b"3"}).run(second, transaction_message("Probe:Read", {"key": "k"}))).payload == b"3"
    second.close()


# -- the stub without gRPC ---------------------------------------------------------------------------

class RecordingLink:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, int, bytes]] = []

    def request(self, channel_id: str, tx_id: str, kind: int, payload: bytes) -> bytes:
        self.sent.append((channel_id, tx_id, kind, payload))
        return b""


def test_an_empty_range_start_is_sent_as_the_go_shims_substitute_key():
    link = RecordingLink()
    assert list(ShimStub(link, CHANNEL, "t1", None).get_state_by_range("", "z")) == []
    sent = chaincode_shim_pb2.GetStateByRange.FromString(link.sent[0][3])
    assert sent.startKey == "\x01"


@pytest.mark.parametrize("call, expected", [
    (lambda stub: stub.put_state("", b"v"), "key must not be empty"),
    (lambda stub: stub.get_private_data("", "k"), "collection must not be empty"),
    (lambda stub: stub.put_private_data("", "k", b"v"), "collection must not be empty"),
    (lambda stub: stub.set_event("", b"{}"), "event name must not be empty"),
])
def test_the_stub_refuses_calls_the_peer_would_reject(call, expected):
    link = RecordingLink()
    with pytest.raises(ValueError, match=expected):
        call(ShimStub(link, CHANNEL, "t1", None))
    assert link.sent == []


# -- TLS --------------------------------------------------------------------------------------------------

def _key_pem(key) -> bytes:
    return key.private_bytes(pem.Encoding.PEM, pem.PrivateFormat.PKCS8, pem.NoEncryption())


def _certificate(subject: str, key, issuer=None, issuer_key=None, *, ca: bool = False, usage=None,
                 hosts: tuple[str, ...] = ()) -> x509.Certificate:
    import ipaddress

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name)
               .issuer_name(issuer.subject if issuer else name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if hosts:
        names = [x509.IPAddress(ipaddress.ip_address(h)) if h[0].isdigit() else x509.DNSName(h) for h in hosts]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("tls")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("test chaincode CA", ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _certificate("chaincode", server_key, ca, ca_key, usage=ExtendedKeyUsageOID.SERVER_AUTH,
                          hosts=("localhost", "127.0.0.1"))
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = _certificate("peer0", client_key, ca, ca_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    files = {}
    for name, data in {"ca.pem": ca.public_bytes(pem.Encoding.PEM), "server.key": _key_pem(server_key),
                       "server.pem": server.public_bytes(pem.Encoding.PEM)}.items():
        (folder / name).write_bytes(data)
        files[name] = str(folder / name)
    files["ca"] = ca.public_bytes(pem.Encoding.PEM)
    files["client_key"] = _key_pem(client_key)
    files["client_cert"] = client.public_bytes(pem.Encoding.PEM)
    return files


@pytest.fixture
def tls_server(tls_files) -> Iterator[ChaincodeServer]:
    tls = TLSConfig(key_file=tls_files["server.key"], cert_file=tls_files["server.pem"],
                    client_ca_file=tls_files["ca.pem"])
    chaincode_server = ChaincodeServer("127.0.0.1:0", CHAINCODE_ID, Router([Probe()]), tls=tls, request_timeout=WAIT)
    chaincode_server.start()
    yield chaincode_server
    chaincode_server.stop(grace=0.5)


def test_with_mutual_tls_a_peer_presenting_a_client_certificate_can_transact(tls_server, tls_files):
    credentials = grpc.ssl_channel_credentials(root_certificates=tls_files["ca"], private_key=tls_files["client_key"],
                                               certificate_chain=tls_files["client_cert"])
    with grpc.secure_channel(f"127.0.0.1:{tls_server.port}", credentials) as grpc_channel:
        fake = FakePeer(grpc_channel)
        fake.handshake()
        completed = FakeLedger({"k": b'"secret"'}).run(fake, transaction_message("Probe:Read", {"key": "k"}))
        assert result_of(completed).payload == b'"secret"'
        fake.close()


def test_with_mutual_tls_a_peer_without_client_certificate_is_rejected(tls_server, tls_files):
    credentials = grpc.ssl_channel_credentials(root_certificates=tls_files["ca"])
    with grpc.secure_channel(f"127.0.0.1:{tls_server.port}", credentials) as grpc_channel:
        fake = FakePeer(grpc_channel)
        ended = fake.expect_end()
        assert isinstance(ended, grpc.RpcError)
        assert ended.code() == grpc.StatusCode.UNAVAILABLE
        fake.close()


def test_a_plain_text_client_cannot_talk_to_a_tls_server(tls_server):
    with grpc.insecure_channel(f"127.0.0.1:{tls_server.port}") as grpc_channel:
        fake = FakePeer(grpc_channel)
        ended = fake.expect_end()
        assert isinstance(ended, grpc.RpcError)
        fake.close()
