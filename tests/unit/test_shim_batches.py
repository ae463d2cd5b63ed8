"""What a Fabric 3 peer offers in READY, used by the shim.

Write batches: a transaction's writes reach the peer in WRITE_BATCH_STATE messages (in order, at most the
peer's maximum each) after its contract code succeeded, before COMPLETED. Multiple-key reads: the keys a
contract reads ahead (``ctx.prefetch``) reach the peer in GET_STATE_MULTIPLE requests."""

from __future__ import annotations

from typing import Any, Iterator

import grpc
import pytest
from fabric_protos.peer import chaincode_shim_pb2

from chaincode.runtime.errors import Conflict
from chaincode.runtime.router import Contract, Router, transaction
from chaincode.runtime.server import ChaincodeServer
from common import canonical, events
from test_shim import CHAINCODE_ID, WAIT, FakeLedger, FakePeer, result_of, transaction_message

Message = chaincode_shim_pb2.ChaincodeMessage


class Writer(Contract):
    name = "Writer"

    @transaction
    def many(self, ctx, count: int) -> int:
        for n in range(count):
            ctx.stub.put_state(f"k{n}", str(n).encode())
        ctx.emit("Wrote", {"count": count})
        return count

    @transaction
    def rewrite(self, ctx) -> None:
        stub = ctx.stub
        stub.put_state("a", b"1")
        stub.put_state("b", b"2")
        stub.put_state("a", b"3")  # replaces the first write of a and goes after b, like a second PUT_STATE
        stub.put_private_data("prices", "a", b"private")  # another collection: another key

    @transaction
    def mixed(self, ctx) -> None:
        stub = ctx.stub
        stub.put_private_data("prices", "trade:T-1", b'{"price":120}')
        stub.delete_private_data("prices", "trade:T-0")
        stub.put_state("deal:D-1", b'{"terms":1}')
        stub.set_state_validation_parameter("deal:D-1", b"policy")
        stub.delete_state("deal:D-0")

    @transaction
    def read_after_write(self, ctx) -> Any:
        ctx.stub.put_state("lot:1", b'{"tons":5}')
        return canonical.loads(ctx.stub.get_state("lot:1"))

    @transaction
    def refuse_after_writing(self, ctx) -> None:
        ctx.stub.put_state("lot:1", b"frozen")
        ctx.stub.put_private_data("prices", "lot:1", b"9")
        raise Conflict("lot 1 is under audit")

    @transaction
    def fail_after_writing(self, ctx) -> None:
        ctx.stub.put_state("lot:1", b"half-done")
        raise RuntimeError("a bug after the first write")

    @transaction
    def read_only(self, ctx) -> Any:
        return ctx.get_json("lot:1")

    @transaction
    def read_ahead(self, ctx, keys: list) -> Any:
        ctx.put_json("mine", {"own": True})
        ctx.prefetch(*keys, "mine")
        return {key: ctx.get_json(key) for key in [*keys, "mine"]} | {"again": ctx.get_json(keys[0])}

    @transaction
    def many_at_once(self, ctx, keys: list) -> Any:
        return [None if v is None else v.decode() for v in ctx.stub.get_multiple_states(keys)]


def serve(max_loop_requests: int | None = None) -> ChaincodeServer:
    server = ChaincodeServer("127.0.0.1:0", CHAINCODE_ID, Router([Writer()]), request_timeout=WAIT,
                             max_loop_requests=max_loop_requests)
    server.start()
    return server


@pytest.fixture
def connect() -> Iterator:
    """connect(write_batch=..., max_size=..., max_loop_requests=...) -> a registered FakePeer."""
    servers: list[ChaincodeServer] = []
    opened: list[tuple[grpc.Channel, FakePeer]] = []

    def open_peer(write_batch: bool = True, max_size: int = 0, max_loop_requests: int | None = None,
                  get_multiple: bool = True, max_keys: int = 0) -> FakePeer:
        server = serve(max_loop_requests)
        servers.append(server)
        channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
        fake = FakePeer(channel)
        fake.handshake(write_batch=write_batch, max_size=max_size, get_multiple=get_multiple, max_keys=max_keys)
        opened.append((channel, fake))
        return fake

    yield open_peer
    for channel, fake in opened:
        fake.close()
        channel.close()
    for server in servers:
        server.stop(grace=0.5)


def test_the_writes_of_a_transaction_arrive_in_one_batch_in_order_before_completed(connect):
    peer = connect()
    ledger = FakeLedger()
    completed = ledger.run(peer, transaction_message("Writer:Many", {"count": 5}))
    assert ledger.requests == [Message.WRITE_BATCH_STATE]
    assert ledger.batches == [[("put", "", f"k{n}", str(n).encode()) for n in range(5)]]
    assert result_of(completed).status == 200
    assert events.unpack(completed.chaincode_event.event_name, completed.chaincode_event.payload) == [
        ("Wrote", {"count": 5})]


def test_the_batch_message_names_the_transaction_and_carries_write_records(connect):
    peer = connect()
    transaction = transaction_message("Writer:Many", {"count": 2})
    peer.send(transaction)
    request = peer.recv()
    assert request.type == Message.WRITE_BATCH_STATE
    assert (request.txid, request.channel_id) == (transaction.txid, transaction.channel_id)
    records = chaincode_shim_pb2.WriteBatchState.FromString(request.payload).rec
    assert [(r.type, r.key, r.value, r.collection) for r in records] == [
        (chaincode_shim_pb2.WriteRecord.PUT_STATE, "k0", b"0", ""),
        (chaincode_shim_pb2.WriteRecord.PUT_STATE, "k1", b"1", "")]
    peer.send(Message(type=Message.RESPONSE, txid=request.txid, channel_id=request.channel_id))
    assert result_of(peer.recv()).status == 200


def test_batches_are_cut_at_the_peers_maximum_size(connect):
    peer = connect(max_size=3)
    ledger = FakeLedger()
    completed = ledger.run(peer, transaction_message("Writer:Many", {"count": 7}))
    assert result_of(completed).status == 200
    assert [len(batch) for batch in ledger.batches] == [3, 3, 1]
    assert [write[2] for batch in ledger.batches for write in batch] == [f"k{n}" for n in range(7)]
    assert ledger.requests == [Message.WRITE_BATCH_STATE] * 3


def test_a_batch_of_exactly_the_maximum_size_is_one_message(connect):
    peer = connect(max_size=4)
    ledger = FakeLedger()
    ledger.run(peer, transaction_message("Writer:Many", {"count": 4}))
    assert [len(batch) for batch in ledger.batches] == [4]


def test_without_a_maximum_from_the_peer_a_batch_holds_100_writes(connect):
    peer = connect(max_size=0)
    ledger = FakeLedger()
    ledger.run(peer, transaction_message("Writer:Many", {"count": 101}))
    assert [len(batch) for batch in ledger.batches] == [100, 1]


def test_a_later_write_of_a_key_replaces_the_earlier_one_and_comes_after_the_others(connect):
    peer = connect()
    ledger = FakeLedger()
    ledger.run(peer, transaction_message("Writer:Rewrite"))
    assert ledger.batches == [[("put", "", "b", b"2"), ("put", "", "a", b"3"), ("put", "prices", "a", b"private")]]


def test_private_data_deletes_and_metadata_travel_in_the_same_batch(connect):
    peer = connect()
    ledger = FakeLedger()
    completed = ledger.run(peer, transaction_message("Writer:Mixed"))
    assert result_of(completed).status == 200
    assert ledger.batches == [[
        ("put", "prices", "trade:T-1", b'{"price":120}'),
        ("delete", "prices", "trade:T-0"),
        ("put", "", "deal:D-1", b'{"terms":1}'),
        ("metadata", "deal:D-1", "VALIDATION_PARAMETER", b"policy"),
        ("delete", "", "deal:D-0"),
    ]]
    assert ledger.requests == [Message.WRITE_BATCH_STATE]


def test_a_read_after_a_write_asks_the_peer_which_answers_the_state_before_the_transaction(connect):
    peer = connect()
    ledger = FakeLedger({"lot:1": b'{"tons":2}'})
    completed = ledger.run(peer, transaction_message("Writer:ReadAfterWrite"))
    assert canonical.loads(result_of(completed).payload) == {"tons": 2}
    assert ledger.requests == [Message.GET_STATE, Message.WRITE_BATCH_STATE]
    assert ledger.batches == [[("put", "", "lot:1", b'{"tons":5}')]]


def test_a_refused_transaction_sends_no_batch(connect):
    peer = connect()
    ledger = FakeLedger()
    completed = ledger.run(peer, transaction_message("Writer:RefuseAfterWriting"))
    response = result_of(completed)
    assert (response.status, response.message) == (400, "lot 1 is under audit")
    assert ledger.requests == []
    assert ledger.writes == []


def test_a_transaction_that_fails_sends_no_batch(connect):
    peer = connect()
    ledger = FakeLedger()
    completed = ledger.run(peer, transaction_message("Writer:FailAfterWriting"))
    response = result_of(completed)
    assert response.status == 500
    assert "a bug after the first write" in response.message
    assert ledger.requests == []
    assert ledger.writes == []


def test_a_transaction_without_writes_sends_no_batch(connect):
    peer = connect()
    ledger = FakeLedger({"lot:1": b'{"tons":2}'})
    completed = ledger.run(peer, transaction_message("Writer:ReadOnly"))
    assert result_of(completed).status == 200
    assert ledger.requests == [Message.GET_STATE]


def test_a_batch_the_peer_refuses_completes_the_transaction_with_500_and_no_event(connect):
    peer = connect()
    ledger = FakeLedger()
    ledger.refuse_batches = "collection prices is not defined for chaincode ecoledger"
    completed = ledger.run(peer, transaction_message("Writer:Many", {"count": 2}))
    response = result_of(completed)
    assert response.status == 500
    assert response.message == ("internal error in Writer:Many: peer refused WRITE_BATCH_STATE: "
                                "collection prices is not defined for chaincode ecoledger")
    assert response.payload == b""
    assert not completed.HasField("chaincode_event")
    assert ledger.requests == [Message.WRITE_BATCH_STATE]


def test_a_peer_that_does_not_offer_batches_gets_each_write_as_its_own_request(connect):
    peer = connect(write_batch=False)
    ledger = FakeLedger()
    completed = ledger.run(peer, transaction_message("Writer:Mixed"))
    assert result_of(completed).status == 200
    assert ledger.requests == [Message.PUT_STATE, Message.DEL_STATE, Message.PUT_STATE, Message.PUT_STATE_METADATA,
                               Message.DEL_STATE]
    assert ledger.writes == [
        ("put", "prices", "trade:T-1", b'{"price":120}'),
        ("delete", "prices", "trade:T-0"),
        ("put", "", "deal:D-1", b'{"terms":1}'),
        ("metadata", "deal:D-1", "VALIDATION_PARAMETER", b"policy"),
        ("delete", "", "deal:D-0"),
    ]
    assert ledger.batches == []


def test_a_transaction_on_a_worker_thread_sends_its_batch_too(connect):
    peer = connect(max_loop_requests=0)  # every transaction on a worker
    ledger = FakeLedger()
    completed = ledger.run(peer, transaction_message("Writer:Many", {"count": 3}))
    assert result_of(completed).status == 200
    assert ledger.batches == [[("put", "", f"k{n}", str(n).encode()) for n in range(3)]]


def test_init_sends_its_batch_before_completed(connect):
    peer = connect()
    ledger = FakeLedger()
    completed = ledger.run(peer, transaction_message("Writer:Many", {"count": 2}, kind=Message.INIT))
    assert completed.type == Message.COMPLETED
    assert ledger.requests == [Message.WRITE_BATCH_STATE]


# -- multiple-key reads ----------------------------------------------------------------------------

def test_keys_read_ahead_go_in_one_request_and_later_reads_do_not_ask_again(connect):
    peer = connect()
    ledger = FakeLedger({"a": b'{"n":1}', "c": b'{"n":3}'})
    completed = ledger.run(peer, transaction_message("Writer:ReadAhead", {"keys": ["a", "b", "c"]}))
    assert canonical.loads(result_of(completed).payload) == {
        "a": {"n": 1}, "b": None, "c": {"n": 3}, "mine": {"own": True}, "again": {"n": 1}}
    assert ledger.multiple_reads == [["a", "b", "c"]]  # not "mine": the transaction's own write comes first
    assert ledger.requests == [Message.GET_STATE_MULTIPLE, Message.WRITE_BATCH_STATE]


def test_multiple_key_reads_are_cut_at_the_peers_maximum(connect):
    peer = connect(max_keys=2)
    ledger = FakeLedger({"k1": b"1", "k4": b"4"})
    completed = ledger.run(peer, transaction_message("Writer:ManyAtOnce", {"keys": ["k0", "k1", "k2", "k3", "k4"]}))
    assert canonical.loads(result_of(completed).payload) == [None, "1", None, None, "4"]
    assert ledger.multiple_reads == [["k0", "k1"], ["k2", "k3"], ["k4"]]


def test_a_peer_that_does_not_offer_multiple_key_reads_gets_one_get_state_per_key(connect):
    peer = connect(get_multiple=False)
    ledger = FakeLedger({"a": b'{"n":1}'})
    completed = ledger.run(peer, transaction_message("Writer:ReadAhead", {"keys": ["a", "b"]}))
    assert canonical.loads(result_of(completed).payload)["a"] == {"n": 1}
    assert ledger.requests == [Message.GET_STATE, Message.GET_STATE, Message.WRITE_BATCH_STATE]
    assert ledger.multiple_reads == []


def test_a_single_key_is_read_with_get_state(connect):
    peer = connect()
    ledger = FakeLedger({"a": b"1"})
    completed = ledger.run(peer, transaction_message("Writer:ManyAtOnce", {"keys": ["a"]}))
    assert canonical.loads(result_of(completed).payload) == ["1"]
    assert ledger.requests == [Message.GET_STATE]


def test_an_answer_with_the_wrong_number_of_values_fails_the_transaction(connect):
    peer = connect()
    transaction = transaction_message("Writer:ManyAtOnce", {"keys": ["a", "b"]})
    peer.send(transaction)
    request = peer.recv()
    assert request.type == Message.GET_STATE_MULTIPLE
    short = chaincode_shim_pb2.GetStateMultipleResult(values=[b"1"]).SerializeToString()
    peer.send(Message(type=Message.RESPONSE, payload=short, txid=request.txid, channel_id=request.channel_id))
    response = result_of(peer.recv())
    assert response.status == 500
    assert "the peer answered 1 values for 2 keys" in response.message
