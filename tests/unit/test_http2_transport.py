"""The chaincode server's own HTTP/2 transport, as gRPC clients see it: methods, limits, flow control, pings."""
from __future__ import annotations

import socket
import time
from typing import Iterator

import grpc
import h2.config
import h2.connection
import h2.events
import pytest
from fabric_protos.peer import chaincode_shim_pb2

from chaincode.runtime import http2
from chaincode.runtime.router import Router
from chaincode.runtime.server import ChaincodeServer
from test_shim import (CHAINCODE_ID, WAIT, FakePeer, Probe, assert_reads, response_to, result_of,
                       transaction_message, wait_until)

Message = chaincode_shim_pb2.ChaincodeMessage
BIG = [("grpc.max_receive_message_length", 64 * 1024 * 1024), ("grpc.max_send_message_length", 64 * 1024 * 1024)]


def start(**options) -> ChaincodeServer:
    server = ChaincodeServer("127.0.0.1:0", CHAINCODE_ID, Router([Probe()]), request_timeout=WAIT, **options)
    server.start()
    return server


@pytest.fixture
def server() -> Iterator[ChaincodeServer]:
    chaincode_server = start()
    yield chaincode_server
    chaincode_server.stop(grace=0.5)


def test_an_unknown_method_is_answered_unimplemented(server):
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        call = channel.unary_unary("/protos.Chaincode/Nothing", request_serializer=None, response_deserializer=None)
        with pytest.raises(grpc.RpcError) as raised:
            call(b"", timeout=WAIT)
    assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "/protos.Chaincode/Nothing" in raised.value.details()
    assert not server.sessions


def test_a_compressed_stream_is_refused_before_any_session_starts(server):
    with grpc.insecure_channel(f"127.0.0.1:{server.port}", compression=grpc.Compression.Gzip) as channel:
        fake = FakePeer(channel)
        ended = fake.expect_end()
        fake.close()
    assert isinstance(ended, grpc.RpcError)
    assert ended.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "grpc-encoding gzip" in ended.details()
    assert not server.sessions


def test_messages_larger_than_the_flow_control_windows_pass_both_ways(server):
    value = b'"' + b"x" * (6 * 1024 * 1024) + b'"'  # more than our 4 MB window and the client's 64 KB one
    with grpc.insecure_channel(f"127.0.0.1:{server.port}", options=BIG) as channel:
        fake = FakePeer(channel)
        fake.handshake()
        assert_reads(fake, value)
        assert_reads(fake, b'"small"')
        fake.close()


def test_a_message_over_the_limit_ends_the_stream_with_resource_exhausted(server, monkeypatch):
    monkeypatch.setattr(http2, "MAX_MESSAGE_BYTES", 1000)
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        fake = FakePeer(channel)
        fake.handshake()
        fake.send(transaction_message("Probe:Read", {"key": "k" * 2000}))
        ended = fake.expect_end()
        fake.close()
    assert ended.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "exceeds the limit of 1000" in ended.details()
    wait_until(lambda: not server.sessions)


def test_streams_beyond_the_limit_are_refused_and_the_open_one_goes_on():
    server = start(max_streams=1)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            first = FakePeer(channel)
            first.handshake()
            wait_until(lambda: len(server.sessions) == 1)
            second = FakePeer(channel)
            ended = second.expect_end()
            assert ended.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert_reads(first, b"1")
            first.close()
            second.close()
    finally:
        server.stop(grace=0.5)


def test_an_idle_connection_that_does_not_answer_pings_is_closed(server, monkeypatch):
    monkeypatch.setattr(http2, "KEEPALIVE_SECONDS", 0.2)
    monkeypatch.setattr(http2, "KEEPALIVE_TIMEOUT_SECONDS", 0.3)
    server.stop(grace=0)  # the timers are read when a connection opens: start again with the short ones
    quick = start()
    try:
        client = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
        client.initiate_connection()
        with socket.create_connection(("127.0.0.1", quick.port), timeout=WAIT) as sock:
            sock.sendall(client.data_to_send())
            pinged, closed_after = False, None
            started = time.monotonic()
            while True:
                data = sock.recv(65536)
                if not data:
                    closed_after = time.monotonic() - started
                    break
                events = client.receive_data(data)
                pinged = pinged or any(isinstance(e, h2.events.PingReceived) for e in events)
                # the ping's acknowledgement h2 queued is never sent
        assert pinged
        assert closed_after is not None
    finally:
        quick.stop(grace=0)


def test_a_connection_that_answers_pings_stays_open(monkeypatch):
    monkeypatch.setattr(http2, "KEEPALIVE_SECONDS", 0.1)
    monkeypatch.setattr(http2, "KEEPALIVE_TIMEOUT_SECONDS", 0.2)
    server = start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            fake = FakePeer(channel)
            fake.handshake()
            time.sleep(1.0)  # several idle keepalive periods
            assert_reads(fake, b"2")
            assert len(server.sessions) == 1
            fake.close()
    finally:
        server.stop(grace=0.5)


def test_grpc_messages_are_escaped_as_grpc_expects():
    assert http2._escape("plain text") == "plain text"
    assert http2._escape("100% 区域") == "100%25 %E5%8C%BA%E5%9F%9F"


def test_an_undecodable_message_ends_the_stream_with_internal_and_the_server_goes_on(server):
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        connect = channel.stream_stream(http2.CONNECT_PATH, request_serializer=None, response_deserializer=None)
        call = connect(iter([b"\xff\xff\xff\xff"]), timeout=WAIT)
        with pytest.raises(grpc.RpcError) as raised:
            for _ in call:
                pass
        assert raised.value.code() == grpc.StatusCode.INTERNAL
        assert "undecodable message" in raised.value.details()
        wait_until(lambda: not server.sessions)
        fake = FakePeer(channel)  # the same connection takes a good stream next
        fake.handshake()
        assert_reads(fake, b"3")
        fake.close()


def test_a_peer_closing_its_side_still_gets_a_large_answer_held_back_by_flow_control_then_the_end(
        server, monkeypatch):
    held_back = []  # whether the answer was still waiting for the peer's window when the stream was finished
    finish = http2.GrpcStream.finish

    def watched_finish(stream, *args):
        held_back.append(bool(stream._unsent))
        finish(stream, *args)

    monkeypatch.setattr(http2.GrpcStream, "finish", watched_finish)
    value = b'"' + b"y" * (3 * 1024 * 1024) + b'"'
    small_window = BIG + [("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 65_535)]
    with grpc.insecure_channel(f"127.0.0.1:{server.port}", options=small_window) as channel:
        fake = FakePeer(channel)
        fake.handshake()
        transaction = transaction_message("Probe:Read", {"key": "k"})
        fake.send(transaction)
        request = fake.recv()
        assert request.type == Message.GET_STATE
        fake.send(response_to(request, value))
        fake.close()  # the peer ends its side right after answering
        completed = fake.recv()
        assert completed.txid == transaction.txid
        assert result_of(completed).payload == value
        ended = fake.expect_end()  # then the call ends, with the trailers sent after the data
        assert not isinstance(ended, grpc.RpcError), ended
        assert fake.call.code() == grpc.StatusCode.OK
    wait_until(lambda: not server.sessions)
    assert held_back == [True]


def test_a_stream_opened_while_the_server_stops_is_refused_unavailable(server):
    server._loop.call_soon_threadsafe(setattr, server._server, "stopping", True)
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        fake = FakePeer(channel)
        ended = fake.expect_end()
        fake.close()
    assert ended.code() == grpc.StatusCode.UNAVAILABLE
    assert "stopping" in ended.details()
    assert not server.sessions
