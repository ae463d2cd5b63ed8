"""The shim under concurrency, over real gRPC: many transactions interleaved on one stream, contract
code replayed on the event loop or handed to workers, peers that go away mid-stream."""

from __future__ import annotations

import random
import threading
import time
from typing import Any, Iterator

import grpc
import pytest
from fabric_protos.peer import chaincode_shim_pb2

from common import canonical as serialization
from chaincode.registry.contract import RegistryContract
from chaincode.runtime import shim
from chaincode.runtime.memory import make_identity
from chaincode.runtime.router import Contract, Router, transaction
from chaincode.runtime.server import ChaincodeServer
from chaincode.runtime.shim import StreamClosed, Workers
from test_shim import (CHAINCODE_ID, FAILURES, WAIT, FakeLedger, FakePeer, Probe, assert_reads, response_to,
                       result_of, transaction_message, wait_until)

Message = chaincode_shim_pb2.ChaincodeMessage
LOOP, WORKERS = "loop", "workers"
RUNS: list[str] = []  # what each run of Steps:Counted saw, to count the runs
_moods = iter(range(1_000_000))


class Steps(Contract):
    """Transactions that ask the peer a chosen number of times."""

    name = "Steps"

    @transaction
    def total(self, ctx, keys: list) -> int:
        return sum(ctx.get_json(key) or 0 for key in keys)

    @transaction
    def counted(self, ctx, key: str) -> Any:
        RUNS.append(key)
        return ctx.get_json(key)

    @transaction
    def spin(self, ctx, key: str, seconds: float) -> Any:
        value = ctx.get_json(key)
        until = time.thread_time() + seconds
        while time.thread_time() < until:  # CPU-heavy contract code (test only)
            pass
        return value

    @transaction
    def moody(self, ctx) -> Any:
        return ctx.get_json(f"mood:{next(_moods)}")  # a different key each run: not deterministic

    @transaction
    def careful(self, ctx, keys: list) -> list:
        seen = []
        for key in keys:
            try:
                seen.append(ctx.get_json(key))
            except Exception as err:  # the suspension of a replayed run must not end up here
                seen.append(f"caught {type(err).__name__}")
        return seen


def router() -> Router:
    return Router([Steps(), Probe(), RegistryContract()])


def start_server(mode: str, **options: Any) -> ChaincodeServer:
    if mode == WORKERS:
        options.setdefault("max_loop_requests", 0)
    options.setdefault("request_timeout", WAIT)
    server = ChaincodeServer("127.0.0.1:0", CHAINCODE_ID, router(), **options)
    server.start()
    return server


@pytest.fixture(params=[LOOP, WORKERS])
def mode(request) -> str:
    return request.param


@pytest.fixture
def server(mode) -> Iterator[ChaincodeServer]:
    chaincode_server = start_server(mode, max_transactions=64)
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


@pytest.fixture(autouse=True)
def clean():
    RUNS.clear()
    yield
    RUNS.clear()


def run_interleaved(peer: FakePeer, ledger: FakeLedger, transactions: list[Message],
                    rng: random.Random) -> dict[str, Message]:
    """Send every transaction at once, then answer whatever requests are waiting in random order."""
    for message in transactions:
        peer.send(message)
    done: dict[str, Message] = {}
    waiting: list[Message] = []
    while len(done) < len(transactions):
        waiting.append(peer.recv())
        while True:  # take everything already sent before answering, so answers interleave
            try:
                waiting.append(peer.recv(timeout=0.02))
            except Exception:
                break
        rng.shuffle(waiting)
        for message in waiting:
            if message.type in (Message.COMPLETED, Message.ERROR):
                assert message.txid not in done
                done[message.txid] = message
            else:
                peer.send(response_to(message, ledger.answer(message)))
        waiting.clear()
    return done


# -- interleaving -------------------------------------------------------------------------------


def test_many_transactions_wait_for_the_peer_at_once_and_each_gets_its_own_answer(peer, mode):
    count = 60
    transactions = [transaction_message("Probe:Read", {"key": f"lot:{n}"}) for n in range(count)]
    for message in transactions:
        peer.send(message)
    requests = [peer.recv() for _ in range(count)]  # none answered yet: all are in flight together
    assert {r.txid for r in requests} == {t.txid for t in transactions}
    assert all(r.type == Message.GET_STATE for r in requests)
    rng = random.Random(7)
    rng.shuffle(requests)
    for request in requests:
        key = chaincode_shim_pb2.GetState.FromString(request.payload).key
        peer.send(response_to(request, serialization.dumps({"key": key})))
    completed = {m.txid: serialization.loads(result_of(m).payload) for m in (peer.recv() for _ in range(count))}
    assert completed == {t.txid: {"key": f"lot:{n}"} for n, t in enumerate(transactions)}


@pytest.mark.parametrize("requests_per_transaction", [1, 3, 9])
def test_transactions_of_several_requests_interleaved_in_random_order_all_complete_correctly(
        peer, mode, requests_per_transaction):
    rng = random.Random(requests_per_transaction)
    state = {f"n:{i}": serialization.dumps(i) for i in range(40)}
    transactions, expected = [], {}
    for _ in range(40):
        keys = rng.sample(sorted(state), requests_per_transaction)
        message = transaction_message("Steps:Total", {"keys": keys})
        transactions.append(message)
        expected[message.txid] = sum(serialization.loads(state[k]) for k in keys)
    done = run_interleaved(peer, FakeLedger(state), transactions, rng)
    assert {tx_id: serialization.loads(result_of(m).payload) for tx_id, m in done.items()} == expected


def test_events_and_writes_of_interleaved_transactions_stay_with_their_transaction(peer, mode):
    ledger = FakeLedger()
    transactions = [transaction_message("Probe:Write", {"key": f"lot:{n}", "value": n}) for n in range(20)]
    done = run_interleaved(peer, ledger, transactions, random.Random(3))
    for n, message in enumerate(transactions):
        completed = done[message.txid]
        assert serialization.loads(result_of(completed).payload) == {"written": f"lot:{n}"}
        assert serialization.loads(completed.chaincode_event.payload)["events"][0]["payload"] == {"key": f"lot:{n}"}
    assert sorted(w for w in ledger.writes if w[0] == "put") == sorted(
        ("put", "", f"lot:{n}", serialization.dumps(n)) for n in range(20))


def test_callers_of_interleaved_transactions_are_never_mixed(peer, mode):
    people = [make_identity("BJMSP", f"user{n}", role="enterprise", region="BJ", entity=f"E-{n}") for n in range(6)]
    people.append(make_identity("TJMSP", "user0", role="regulator", region="TJ"))  # same name, other org
    transactions = [transaction_message("Registry:WhoAmI", who=who) for who in people for _ in range(3)]
    done = run_interleaved(peer, FakeLedger(), transactions, random.Random(11))
    for index, message in enumerate(transactions):
        who = people[index // 3]
        seen = serialization.loads(result_of(done[message.txid]).payload)
        assert (seen["msp_id"], seen["name"], seen["role"]) == (
            who.msp_id, "user0" if who.msp_id == "TJMSP" else f"user{index // 3}",
            "regulator" if who.msp_id == "TJMSP" else "enterprise")


# -- replays on the loop and hand-offs to workers ---------------------------------------------------


def test_on_the_loop_a_transaction_runs_once_without_any_worker():
    server = start_server(LOOP)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as grpc_channel:
            fake = FakePeer(grpc_channel)
            fake.handshake()
            completed = FakeLedger({"k": b'"v"'}).run(fake, transaction_message("Steps:Counted", {"key": "k"}))
            assert serialization.loads(result_of(completed).payload) == "v"
            assert RUNS == ["k"]  # waited for GET_STATE in its greenlet and went on from there
            [session] = server.sessions
            assert (session.completed_on_loop, session.completed_on_workers) == (1, 0)
            fake.close()
    finally:
        server.stop(grace=0.5)


def test_a_transaction_asking_the_peer_often_stays_on_the_loop_and_sends_each_request_once():
    server = start_server(LOOP)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as grpc_channel:
            fake = FakePeer(grpc_channel)
            fake.handshake()
            ledger = FakeLedger({f"n:{i}": serialization.dumps(i) for i in range(20)})
            completed = ledger.run(fake, transaction_message("Steps:Total", {"keys": [f"n:{i}" for i in range(20)]}))
            assert serialization.loads(result_of(completed).payload) == 190
            assert ledger.requests == [Message.GET_STATE] * 20
            [session] = server.sessions
            assert (session.completed_on_loop, session.completed_on_workers) == (1, 0)
            fake.close()
    finally:
        server.stop(grace=0.5)


def test_a_function_that_ran_long_on_the_loop_starts_on_a_worker_next_time_until_a_run_is_light():
    server = start_server(LOOP)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as grpc_channel:
            fake = FakePeer(grpc_channel)
            fake.handshake()
            ledger = FakeLedger({"k": b"1"})
            busy = 5 * shim.LOOP_BUDGET_SECONDS
            assert result_of(ledger.run(fake, transaction_message("Steps:Spin", {"key": "k", "seconds": busy})))
            [session] = server.sessions
            assert (session.completed_on_loop, session.completed_on_workers) == (1, 0)  # it ran long ...
            ledger.run(fake, transaction_message("Steps:Spin", {"key": "k", "seconds": 0}))
            assert (session.completed_on_loop, session.completed_on_workers) == (1, 1)  # ... so it started on a worker
            ledger.run(fake, transaction_message("Steps:Spin", {"key": "k", "seconds": 0}))
            assert (session.completed_on_loop, session.completed_on_workers) == (2, 1)  # light again: the loop
            fake.close()
    finally:
        server.stop(grace=0.5)


def test_contract_code_runs_once_so_a_request_that_differs_per_run_is_fine():
    server = start_server(LOOP)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as grpc_channel:
            fake = FakePeer(grpc_channel)
            fake.handshake()
            ledger = FakeLedger()
            response = result_of(ledger.run(fake, transaction_message("Steps:Moody")))
            assert response.status == 200, response.message
            assert ledger.requests == [Message.GET_STATE]
            fake.close()
    finally:
        server.stop(grace=0.5)


def test_a_request_made_outside_its_transaction_run_is_refused_not_switched():
    """E.g. a query iterator finalized by the garbage collector after its transaction ended."""
    transaction = shim._Transaction(transaction_message("Steps:Counted", {"key": "k"}), None, "Steps:Counted", [])
    with pytest.raises(shim.ShimError, match="made outside its run; not sent"):
        shim._GreenLink(transaction).request("ch", transaction.message.txid, Message.QUERY_STATE_CLOSE, b"")
    assert transaction.request is None


def test_except_exception_in_contract_code_sees_peer_errors(peer, mode):
    transaction = transaction_message("Steps:Careful", {"keys": ["a", "b"]})
    peer.send(transaction)
    first = peer.recv()
    peer.send(Message(type=Message.ERROR, payload=b"no such thing", txid=first.txid, channel_id=first.channel_id))
    second = peer.recv()
    assert chaincode_shim_pb2.GetState.FromString(second.payload).key == "b"
    peer.send(response_to(second, b"2"))
    assert serialization.loads(result_of(peer.recv()).payload) == ["caught PeerError", 2]


def test_a_request_the_peer_never_answers_fails_the_transaction_after_the_timeout(mode):
    server = start_server(mode, request_timeout=0.3)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as grpc_channel:
            fake = FakePeer(grpc_channel)
            fake.handshake()
            fake.send(transaction_message("Probe:Read", {"key": "k"}))
            assert fake.recv().type == Message.GET_STATE
            response = result_of(fake.recv(timeout=WAIT))  # no answer sent
            assert response.status == 500
            assert "no answer from the peer to GET_STATE within 0.3 s" in response.message
            fake.close()
    finally:
        server.stop(grace=0.5)


# -- peers that go away --------------------------------------------------------------------------------


def test_a_peer_that_disconnects_mid_stream_releases_its_waiting_transactions_and_may_reconnect(server, channel):
    fake = FakePeer(channel)
    fake.handshake()
    for n in range(5):
        fake.send(transaction_message("Probe:GuardedRead", {"key": f"k{n}"}))
    for _ in range(5):
        assert fake.recv().type == Message.GET_STATE
    fake.call.cancel()  # the peer goes away without closing its side

    wait_until(lambda: len(FAILURES) == 5)
    assert all(isinstance(err, StreamClosed) for err in FAILURES)
    wait_until(lambda: not server.sessions)

    again = FakePeer(channel)  # the peer dials again on its next invocation
    again.handshake()
    assert_reads(again, b"7")
    again.close()


def test_a_peer_whose_channel_closes_mid_stream_leaves_nothing_behind(server):
    grpc_channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    fake = FakePeer(grpc_channel)
    fake.handshake()
    fake.send(transaction_message("Probe:GuardedRead", {"key": "k"}))
    assert fake.recv().type == Message.GET_STATE
    wait_until(lambda: len(server.sessions) == 1)
    grpc_channel.close()
    wait_until(lambda: FAILURES and not server.sessions)
    assert isinstance(FAILURES[0], StreamClosed)


def test_stopping_the_server_ends_open_streams_and_releases_waiting_transactions(mode):
    server = start_server(mode)
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as grpc_channel:
        fake = FakePeer(grpc_channel)
        fake.handshake()
        fake.send(transaction_message("Probe:GuardedRead", {"key": "k"}))
        assert fake.recv().type == Message.GET_STATE
        stopper = threading.Thread(target=server.stop, kwargs={"grace": 1.0})
        stopper.start()
        stopper.join(10)
        assert not stopper.is_alive()
        assert FAILURES and isinstance(FAILURES[0], StreamClosed)
        fake.expect_end()
        fake.close()


def test_two_peers_share_one_server_each_on_its_own_stream(server, channel):
    first, second = FakePeer(channel), FakePeer(channel)
    first.handshake()
    second.handshake()
    a = transaction_message("Probe:Read", {"key": "k"})
    b = transaction_message("Probe:Read", {"key": "k"})
    first.send(a)
    second.send(b)
    request_a, request_b = first.recv(), second.recv()
    assert (request_a.txid, request_b.txid) == (a.txid, b.txid)
    second.send(response_to(request_b, b'"second"'))
    first.send(response_to(request_a, b'"first"'))
    assert result_of(first.recv()).payload == b'"first"'
    assert result_of(second.recv()).payload == b'"second"'
    assert len(server.sessions) == 2
    first.close()
    second.close()


# -- the worker pool ----------------------------------------------------------------------------------


def test_workers_run_tasks_and_refuse_new_ones_once_shut_down():
    workers = Workers(2, name="test-worker")
    done = threading.Event()
    workers.submit(lambda event: event.set(), done)
    assert done.wait(WAIT)
    workers.shutdown(timeout=WAIT)
    with pytest.raises(RuntimeError, match="shut down"):
        workers.submit(print, "never")


def test_a_failing_task_does_not_kill_its_worker(caplog):
    workers = Workers(1, name="test-worker")
    done = threading.Event()
    workers.submit(lambda _: 1 / 0, None)
    workers.submit(lambda event: event.set(), done)
    assert done.wait(WAIT)
    workers.shutdown(timeout=WAIT)
    assert "a chaincode worker task failed" in caplog.text


def test_loop_settings_are_module_constants_a_server_can_override():
    assert shim.MAX_LOOP_REQUESTS > 0  # 0 would send every transaction to a worker
    assert 0 < shim.LOOP_BUDGET_SECONDS < 0.1
