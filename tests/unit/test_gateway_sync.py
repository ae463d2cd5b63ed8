import json
import threading

import pytest
from fabric_protos.common import ledger_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import chaincode_event_pb2, transaction_pb2

from client.gateway import (
    ChaincodeEvent,
    CommitError,
    EndorseError,
    SyncGateway,
    signer_from_pem,
)
from client.gateway.testing import FakeChannel, FakeGatewayService, generate_identity

IDENTITY, KEY_PEM = generate_identity("Org1MSP", "alice")


def respond(invocation):
    if invocation.chaincode_name == "qscc":
        return ledger_pb2.BlockchainInfo(height=8, currentBlockHash=b"\xaa" * 32).SerializeToString()
    return json.dumps({"function": invocation.function}).encode()


def open_gateway(service):
    channels = []

    def factory():
        channels.append(FakeChannel(service))
        return channels[-1]

    return SyncGateway(factory, IDENTITY, signer_from_pem(KEY_PEM)), channels


def test_sync_evaluate_and_submit_block_until_done():
    gateway, _ = open_gateway(FakeGatewayService(respond, block_number=11))
    with gateway:
        contract = gateway.get_network("mychannel").get_contract("ecoledger")
        assert contract.evaluate("GetLot", {"id": "L-7"}) == {"function": "GetLot"}
        outcome = contract.submit("RegisterLot", {"id": "L-7"})
    assert outcome.result == {"function": "RegisterLot"}
    assert outcome.block_number == 11 and len(outcome.tx_id) == 64


def test_sync_query_chain_info_reports_height_and_hash():
    with open_gateway(FakeGatewayService(respond))[0] as gateway:
        info = gateway.get_network("mychannel").query_chain_info()
    assert info.height == 8 and info.current_block_hash.hex() == "aa" * 32


def test_sync_calls_raise_the_same_typed_errors():
    service = FakeGatewayService(respond)
    service.refuse("FreezeLot", "lot L-7 is frozen")
    with open_gateway(service)[0] as gateway:
        contract = gateway.get_network("mychannel").get_contract("ecoledger")
        with pytest.raises(EndorseError) as caught:
            contract.submit("FreezeLot")
    assert caught.value.chaincode_message == "lot L-7 is frozen"


def test_sync_submit_raises_commit_error_for_invalid_transactions():
    service = FakeGatewayService(respond, validation_code=transaction_pb2.MVCC_READ_CONFLICT)
    with open_gateway(service)[0] as gateway:
        with pytest.raises(CommitError) as caught:
            gateway.get_network("mychannel").get_contract("ecoledger").submit("Transfer")
    assert caught.value.is_mvcc_conflict


def test_sync_events_iterate_and_close():
    events = [
        gateway_pb2.ChaincodeEventsResponse(
            block_number=3,
            events=[chaincode_event_pb2.ChaincodeEvent(tx_id="t1", event_name="LotFrozen", payload=b"{}")],
        )
    ]
    service = FakeGatewayService(respond, events=events, hold_events_open=True)
    gateway, channels = open_gateway(service)
    with gateway:
        stream = gateway.get_network("mychannel").chaincode_events("ecoledger", start_block=3)
        first = next(stream)
        stream.close()
        assert list(stream) == []
        assert stream.checkpoint == (3, "t1")
    assert first == ChaincodeEvent(3, "t1", "LotFrozen", b"{}")
    assert channels[0].streams[0].cancelled


def test_closing_the_gateway_closes_open_streams_channel_and_thread():
    service = FakeGatewayService(respond, events=[], hold_events_open=True)
    gateway, channels = open_gateway(service)
    stream = gateway.get_network("mychannel").chaincode_events("ecoledger")
    before = {t.name for t in threading.enumerate()}
    assert "ecoledger-gateway" in before

    gateway.close()

    assert channels[0].closed
    assert list(stream) == []
    assert not gateway._thread.is_alive()
    with pytest.raises(RuntimeError, match="closed"):
        gateway.get_network("mychannel").get_contract("ecoledger").evaluate("GetLot")
    gateway.close()  # closing twice is harmless


def test_channel_is_created_inside_the_private_loop_thread():
    seen = []

    def factory():
        seen.append(threading.current_thread().name)
        return FakeChannel(FakeGatewayService(respond))

    SyncGateway(factory, IDENTITY, signer_from_pem(KEY_PEM)).close()
    assert seen == ["ecoledger-gateway"]


def test_connect_to_a_closed_port_fails_with_a_readable_unavailable_error():
    import socket

    import grpc

    from client.gateway import EvaluateError, Timeouts

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = SyncGateway.connect(
        f"127.0.0.1:{port}",
        IDENTITY.cert_pem,
        IDENTITY,
        signer_from_pem(KEY_PEM),
        server_name_override="peer0.org1.example.com",
        timeouts=Timeouts(evaluate=5.0),
    )
    with gateway:
        with pytest.raises(EvaluateError) as caught:
            gateway.get_network("mychannel").get_contract("ecoledger").evaluate("GetLot")
    assert caught.value.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
    assert str(caught.value).startswith("evaluate failed: ")
