import asyncio

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.peer import chaincode_event_pb2

from client.gateway import (
    ChaincodeEvent,
    ChaincodeEventsError,
    Checkpoint,
    Gateway,
    signer_from_pem,
)
from client.gateway.testing import FakeChannel, FakeGatewayService, Failure, generate_identity

IDENTITY, KEY_PEM = generate_identity("Org1MSP", "alice")


def response(block, *events):
    return gateway_pb2.ChaincodeEventsResponse(
        block_number=block,
        events=[
            chaincode_event_pb2.ChaincodeEvent(
                chaincode_id="ecoledger", tx_id=tx, event_name=name, payload=payload
            )
            for tx, name, payload in events
        ],
    )


STREAM = [
    response(4, ("t1", "LotRegistered", b'{"id":"L-1"}'), ("t2", "LotFrozen", b"")),
    response(6, ("t3", "BidPlaced", b'{"price":3}')),
]


def network(service):
    channel = FakeChannel(service)
    return Gateway(channel, IDENTITY, signer_from_pem(KEY_PEM)).get_network("mychannel"), channel


def sent_request(channel):
    (signed,) = channel.requests("ChaincodeEvents")
    return signed, gateway_pb2.ChaincodeEventsRequest.FromString(signed.request)


async def collect(events, limit=None):
    found = []
    async for event in events:
        found.append(event)
        if limit is not None and len(found) == limit:
            break
    return found


def test_events_request_is_signed_and_starts_at_the_next_commit_by_default():
    net, channel = network(FakeGatewayService(events=STREAM))
    asyncio.run(collect(net.chaincode_events("ecoledger")))

    signed, request = sent_request(channel)
    assert request.channel_id == "mychannel"
    assert request.chaincode_id == "ecoledger"
    assert request.identity == IDENTITY.serialized()
    assert request.start_position.WhichOneof("Type") == "next_commit"
    assert request.after_transaction_id == ""
    public_key = x509.load_pem_x509_certificate(IDENTITY.cert_pem).public_key()
    public_key.verify(signed.signature, signed.request, ec.ECDSA(hashes.SHA256()))


def test_start_block_asks_for_that_block():
    net, channel = network(FakeGatewayService(events=STREAM))
    asyncio.run(collect(net.chaincode_events("ecoledger", start_block=4)))
    _, request = sent_request(channel)
    assert request.start_position.WhichOneof("Type") == "specified"
    assert request.start_position.specified.number == 4


def test_checkpoint_resumes_at_its_block_after_its_transaction():
    net, channel = network(FakeGatewayService(events=STREAM))
    asyncio.run(collect(net.chaincode_events("ecoledger", checkpoint=Checkpoint(4, "t1"))))
    _, request = sent_request(channel)
    assert request.start_position.specified.number == 4
    assert request.after_transaction_id == "t1"


def test_events_are_yielded_in_order_with_their_block_numbers():
    net, _ = network(FakeGatewayService(events=STREAM))
    events = asyncio.run(collect(net.chaincode_events("ecoledger")))
    assert events == [
        ChaincodeEvent(4, "t1", "LotRegistered", b'{"id":"L-1"}'),
        ChaincodeEvent(4, "t2", "LotFrozen", b""),
        ChaincodeEvent(6, "t3", "BidPlaced", b'{"price":3}'),
    ]
    block, tx_id, name, payload = events[2]
    assert (block, tx_id, name) == (6, "t3", "BidPlaced")
    assert events[0].decoded() == {"id": "L-1"} and events[1].decoded() is None


def test_checkpoint_follows_the_last_delivered_event():
    net, _ = network(FakeGatewayService(events=STREAM))

    async def read_two():
        events = net.chaincode_events("ecoledger")
        assert events.checkpoint is None
        await collect(events, limit=2)
        checkpoint = events.checkpoint
        await events.close()
        return checkpoint

    assert asyncio.run(read_two()) == Checkpoint(4, "t2")


def test_closing_the_stream_cancels_the_call_and_ends_iteration():
    net, channel = network(FakeGatewayService(events=STREAM[:1], hold_events_open=True))

    async def scenario():
        events = net.chaincode_events("ecoledger")
        first = await events.__anext__()
        await events.close()
        with pytest.raises(StopAsyncIteration):
            await events.__anext__()
        return first

    assert asyncio.run(scenario()).tx_id == "t1"
    assert channel.streams[0].cancelled


def test_context_manager_closes_the_stream():
    net, channel = network(FakeGatewayService(events=STREAM, hold_events_open=True))

    async def scenario():
        async with net.chaincode_events("ecoledger") as events:
            return await collect(events, limit=3)

    assert len(asyncio.run(scenario())) == 3
    assert channel.streams[0].cancelled


def test_stream_failure_raises_chaincode_events_error():
    service = FakeGatewayService()
    service.failures["ChaincodeEvents"] = Failure(grpc.StatusCode.PERMISSION_DENIED, "access denied")
    net, _ = network(service)
    with pytest.raises(ChaincodeEventsError) as caught:
        asyncio.run(collect(net.chaincode_events("ecoledger")))
    assert caught.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert str(caught.value) == "chaincode events failed: PERMISSION_DENIED: access denied"


def test_nothing_is_sent_until_the_stream_is_read():
    net, channel = network(FakeGatewayService(events=STREAM))
    net.chaincode_events("ecoledger")
    assert channel.calls == []


def test_events_stream_and_close_over_a_real_grpc_server():
    service = FakeGatewayService(events=STREAM, hold_events_open=True)

    async def scenario():
        server = grpc.aio.server()
        gateway_pb2_grpc.add_GatewayServicer_to_server(service, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        try:
            net = Gateway(channel, IDENTITY, signer_from_pem(KEY_PEM)).get_network("mychannel")
            events = net.chaincode_events("ecoledger", start_block=4)
            found = await asyncio.wait_for(collect(events, limit=3), timeout=10)
            await asyncio.wait_for(events.close(), timeout=10)
            return found
        finally:
            await channel.close()
            await server.stop(0.5)

    found = asyncio.run(scenario())
    assert [e.tx_id for e in found] == ["t1", "t2", "t3"]
