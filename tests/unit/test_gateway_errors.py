import asyncio
import json

import grpc
import pytest
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc

from client.gateway import (
    CommitError,
    CommitStatusError,
    EndorseError,
    ErrorDetail,
    EvaluateError,
    Gateway,
    GatewayError,
    SubmitError,
    signer_from_pem,
)
from client.gateway._status import DETAILS_KEY, encode_status
from client.gateway.errors import EndorsementPolicy, peer_failure_reason, translate_rpc_error
from client.gateway.testing import (
    FakeChannel,
    FakeGatewayService,
    Failure,
    generate_identity,
)

IDENTITY, KEY_PEM = generate_identity("Org1MSP", "alice")
PEER = ("peer0.bj.example.com:7051", "BJMSP")


def setup(service):
    channel = FakeChannel(service)
    gateway = Gateway(channel, IDENTITY, signer_from_pem(KEY_PEM))
    return gateway.get_network("mychannel").get_contract("ecoledger"), channel


def refusing(function, message, status=400):
    service = FakeGatewayService(lambda inv: b"{}", peer=PEER)
    service.refuse(function, message, status)
    return service


def rpc_error(code, message, trailing=()):
    return grpc.aio.AioRpcError(
        code, grpc.aio.Metadata(), grpc.aio.Metadata(*trailing), details=message
    )


def test_raises_endorse_error_with_peer_details_when_endorsement_fails():
    contract, channel = setup(refusing("FreezeLot", "lot L-7 is frozen"))
    with pytest.raises(EndorseError) as caught:
        asyncio.run(contract.submit("FreezeLot", {"lot": "L-7"}))

    error = caught.value
    assert error.code == grpc.StatusCode.ABORTED
    assert error.details == [
        ErrorDetail(address=PEER[0], msp_id=PEER[1], message="chaincode response 400, lot L-7 is frozen")
    ]
    assert error.tx_id == channel.requests("Endorse")[0].transaction_id
    assert [c.method for c in channel.calls] == ["Endorse"]


def test_chaincode_message_is_the_chaincodes_own_words():
    contract, _ = setup(refusing("FreezeLot", "lot L-7 is frozen"))
    with pytest.raises(EndorseError) as caught:
        asyncio.run(contract.submit("FreezeLot"))
    assert caught.value.chaincode_message == "lot L-7 is frozen"
    assert caught.value.chaincode_status == 400


def test_str_of_a_chaincode_refusal_reads_as_one_line():
    contract, _ = setup(refusing("FreezeLot", "lot L-7 is frozen"))
    with pytest.raises(EndorseError) as caught:
        asyncio.run(contract.submit("FreezeLot"))
    text = str(caught.value)
    assert text == f"endorse failed: lot L-7 is frozen (chaincode status 400, tx {caught.value.tx_id})"


def test_evaluate_refusal_raises_evaluate_error_with_the_chaincode_message():
    contract, _ = setup(refusing("GetLot", "lot L-404 does not exist", status=404))
    with pytest.raises(EvaluateError) as caught:
        asyncio.run(contract.evaluate("GetLot", {"id": "L-404"}))
    assert caught.value.code == grpc.StatusCode.UNKNOWN
    assert caught.value.chaincode_message == "lot L-404 does not exist"
    assert caught.value.chaincode_status == 404
    assert isinstance(caught.value, GatewayError)


def test_chaincode_message_keeps_commas_and_newlines_of_the_message():
    error = GatewayError(
        "failed", details=[ErrorDetail("p", "m", "chaincode response 400, quota 5, used 7\nsee rule 3")]
    )
    assert error.chaincode_message == "quota 5, used 7\nsee rule 3"


def test_chaincode_message_falls_back_to_the_status_message_without_details():
    error = GatewayError("evaluate call to endorser returned error: chaincode response 403, not a regulator")
    assert error.chaincode_message == "not a regulator"
    assert error.chaincode_status == 403


def test_internal_chaincode_failure_has_no_chaincode_message_but_lists_peer_details():
    contract, _ = setup(refusing("GetLot", "unexpected nil pointer", status=500))
    with pytest.raises(EvaluateError) as caught:
        asyncio.run(contract.evaluate("GetLot"))
    error = caught.value
    assert error.chaincode_message is None
    assert str(error).splitlines() == [
        f"evaluate failed: ABORTED: failed to evaluate transaction, see attached details for more info (tx {error.tx_id})",
        f"  - {PEER[0]} ({PEER[1]}): unexpected nil pointer",
    ]


def test_submit_failure_raises_submit_error_with_orderer_details():
    service = FakeGatewayService(lambda inv: b"{}")
    detail = gateway_pb2.ErrorDetail(address="orderer1:7050", msp_id="OrdererMSP", message="SERVICE_UNAVAILABLE")
    service.failures["Submit"] = Failure(grpc.StatusCode.UNAVAILABLE, "no orderers could successfully process transaction", [detail])
    contract, channel = setup(service)

    with pytest.raises(SubmitError) as caught:
        asyncio.run(contract.submit("RegisterLot"))

    assert caught.value.code == grpc.StatusCode.UNAVAILABLE
    assert caught.value.details == [ErrorDetail("orderer1:7050", "OrdererMSP", "SERVICE_UNAVAILABLE")]
    assert caught.value.tx_id == channel.requests("Submit")[0].transaction_id
    assert "CommitStatus" not in [c.method for c in channel.calls]


def test_commit_status_failure_raises_commit_status_error_with_tx_id():
    service = FakeGatewayService(lambda inv: b"{}")
    service.failures["CommitStatus"] = Failure(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded")
    contract, channel = setup(service)
    with pytest.raises(CommitStatusError) as caught:
        asyncio.run(contract.submit("RegisterLot"))
    assert caught.value.tx_id == channel.requests("Submit")[0].transaction_id
    assert caught.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


def test_unreachable_gateway_gives_a_readable_endorse_error():
    service = FakeGatewayService()
    service.failures["Endorse"] = Failure(grpc.StatusCode.UNAVAILABLE, "failed to connect to all addresses")
    contract, _ = setup(service)
    with pytest.raises(EndorseError) as caught:
        asyncio.run(contract.submit("RegisterLot"))
    assert str(caught.value).startswith("endorse failed: UNAVAILABLE: failed to connect to all addresses (tx ")
    assert caught.value.details == []


def test_translation_skips_detail_types_it_does_not_know():
    from client.gateway import _status

    foreign = _status._Status(code=10, message="x")
    foreign.details.add(type_url="type.googleapis.com/google.rpc.DebugInfo", value=b"\x0a\x01a")
    foreign.details.add(
        type_url="type.googleapis.com/gateway.ErrorDetail",
        value=gateway_pb2.ErrorDetail(address="a", msp_id="b", message="c").SerializeToString(),
    )
    error = translate_rpc_error(
        rpc_error(grpc.StatusCode.ABORTED, "x", [(DETAILS_KEY, foreign.SerializeToString())]),
        EndorseError,
        "tx1",
    )
    assert error.details == [ErrorDetail("a", "b", "c")]


def test_translation_survives_a_malformed_details_trailer():
    error = translate_rpc_error(
        rpc_error(grpc.StatusCode.ABORTED, "boom", [(DETAILS_KEY, b"\xff\xff\xff")]), SubmitError, "tx1"
    )
    assert isinstance(error, SubmitError)
    assert error.details == [] and error.message == "boom" and error.tx_id == "tx1"


def test_status_codec_round_trips_error_details():
    from client.gateway._status import decode_error_details

    details = [gateway_pb2.ErrorDetail(address="a:1", msp_id="M", message="m")]
    assert decode_error_details(encode_status(10, "x", details)) == details


def test_commit_error_names_unknown_validation_codes():
    error = CommitError("tx9", 9999)
    assert error.validation_code_name == "UNKNOWN(9999)"
    assert not error.is_mvcc_conflict
    assert str(error) == "commit failed: transaction tx9 was validated as invalid: UNKNOWN(9999)"


def test_error_details_survive_a_real_grpc_server():
    """The status-details trailer decodes the same when it crosses a real HTTP/2 connection."""
    service = refusing("FreezeLot", "lot L-7 is frozen")
    service.respond = lambda inv: json.dumps({"ok": True}).encode()

    async def scenario():
        server = grpc.aio.server()
        gateway_pb2_grpc.add_GatewayServicer_to_server(service, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        try:
            contract = (
                Gateway(channel, IDENTITY, signer_from_pem(KEY_PEM))
                .get_network("mychannel")
                .get_contract("ecoledger")
            )
            ok = await contract.evaluate("GetLot")
            with pytest.raises(EndorseError) as caught:
                await contract.submit("FreezeLot")
            return ok, caught.value
        finally:
            await channel.close()
            await server.stop(0.5)

    ok, error = asyncio.run(scenario())
    assert ok == {"ok": True}
    assert error.code == grpc.StatusCode.ABORTED
    assert error.details == [ErrorDetail(PEER[0], PEER[1], "chaincode response 400, lot L-7 is frozen")]
    assert error.chaincode_message == "lot L-7 is frozen"



# -- organizations that could not endorse --------------------------------------------------------

COLLECT = "failed to collect enough transaction endorsements, see attached details for more info"


def dial_error(port):
    return ('rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: '
            f'dial tcp 127.0.0.1:{port}: connect: connection refused"')


def endorse_failure(message, details=(), code=grpc.StatusCode.ABORTED):
    service = FakeGatewayService(lambda inv: b"{}", peer=PEER)
    service.failures["Endorse"] = Failure(code, message, [gateway_pb2.ErrorDetail(address=a, msp_id=m, message=t)
                                                          for a, m, t in details])
    contract, _ = setup(service)
    with pytest.raises(EndorseError) as caught:
        asyncio.run(contract.submit("Permit:Freeze", {"entity": "x"}))
    return caught.value


def test_two_organizations_down_are_named_with_what_the_majority_policy_needs():
    error = endorse_failure(COLLECT, [("127.0.0.1:17030", "TJMSP", dial_error(17030)),
                                      ("127.0.0.1:17050", "HBMSP", dial_error(17050))])
    assert error.unavailable_organizations() == {"TJMSP": ["127.0.0.1:17030: connection refused"],
                                                 "HBMSP": ["127.0.0.1:17050: connection refused"]}
    assert error.explain(EndorsementPolicy(4)) == (
        "endorsement failed: organizations TJMSP, HBMSP could not endorse (127.0.0.1:17030: connection refused; "
        "127.0.0.1:17050: connection refused); the chaincode's endorsement policy needs a majority of the "
        "channel's 4 organizations (3)")
    assert str(error) == ("endorsement failed: organizations TJMSP, HBMSP could not endorse (127.0.0.1:17030: "
                          "connection refused; 127.0.0.1:17050: connection refused)")
    assert "dial tcp" not in str(error)


def test_organizations_the_gateway_knows_no_peer_of_are_named():
    error = endorse_failure("failed to find any endorsing peers for org(s): TJMSP, HBMSP",
                            code=grpc.StatusCode.UNAVAILABLE)
    assert error.explain(EndorsementPolicy(2)) == (
        "endorsement failed: organizations TJMSP, HBMSP could not endorse (no reachable peer known to the gateway; "
        "no reachable peer known to the gateway); the chaincode's endorsement policy needs a majority of the "
        "channel's 2 organizations (2)")


def test_unavailable_peers_listed_by_address_are_named_by_organization_when_the_caller_knows_them():
    message = ("failed to select a set of endorsers that satisfy the endorsement policy due to unavailability of "
               "peers: [127.0.0.1:17030 127.0.0.1:17050]")
    error = endorse_failure(message, code=grpc.StatusCode.FAILED_PRECONDITION)
    peers = {"127.0.0.1:17030": "TJMSP", "127.0.0.1:17050": "HBMSP"}
    assert error.explain(None, peers) == ("endorsement failed: organizations TJMSP, HBMSP could not endorse "
                                          "(127.0.0.1:17030: unavailable; 127.0.0.1:17050: unavailable)")
    assert error.explain() == ("endorsement failed: no set of reachable peers satisfies the endorsement policy "
                               "(unavailable: 127.0.0.1:17030, 127.0.0.1:17050)")


def test_no_endorsement_layout_at_all_still_says_what_the_policy_needs():
    error = endorse_failure("no combination of peers can be derived which satisfy the endorsement policy: "
                            "no peer combination can satisfy the endorsement policy",
                            code=grpc.StatusCode.FAILED_PRECONDITION)
    assert error.explain(EndorsementPolicy(4)) == (
        "endorsement failed: no set of the peers the gateway knows satisfies the endorsement policy; "
        "the chaincode's endorsement policy needs a majority of the channel's 4 organizations (3)")


def test_refusals_and_disagreements_are_not_unavailability():
    refused = endorse_failure(COLLECT, [("127.0.0.1:17010", "BJMSP", "chaincode response 400, lot L-7 is frozen"),
                                        ("127.0.0.1:17030", "TJMSP", dial_error(17030))])
    assert refused.explain(EndorsementPolicy(4)) is None
    assert str(refused).startswith("endorse failed: lot L-7 is frozen")
    mismatch = endorse_failure(COLLECT, [("127.0.0.1:17010", "BJMSP", "ProposalResponsePayloads do not match")])
    assert mismatch.unavailable_organizations() == {} and mismatch.explain() is None


def test_peer_failure_reasons_are_short():
    assert peer_failure_reason(dial_error(1)) == "connection refused"
    assert peer_failure_reason("rpc error: code = DeadlineExceeded desc = context deadline exceeded") == "timed out"
    assert peer_failure_reason("rpc error: code = Internal desc = something odd\nmore") == "something odd"
    assert len(peer_failure_reason("x" * 500)) == 120


def test_a_majority_policy_counts_more_than_half():
    assert [EndorsementPolicy(n).required for n in (1, 2, 3, 4, 5)] == [1, 2, 2, 3, 3]
    assert str(EndorsementPolicy(4)) == "a majority of the channel's 4 organizations (3)"
