import asyncio
import json

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.common import ledger_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import transaction_pb2

from client.gateway import (
    ChainInfo,
    CommitError,
    Gateway,
    GatewayError,
    SubmitResult,
    Timeouts,
    connect,
    signer_from_pem,
)
from client.gateway.testing import FakeChannel, FakeGatewayService, generate_identity

IDENTITY, KEY_PEM = generate_identity("Org1MSP", "alice")
PUBLIC_KEY = x509.load_pem_x509_certificate(IDENTITY.cert_pem).public_key()


def verify(signature: bytes, message: bytes) -> None:
    PUBLIC_KEY.verify(signature, message, ec.ECDSA(hashes.SHA256()))


def echo(invocation):
    """Chaincode stand-in: returns the function name and decoded argument."""
    arg = json.loads(invocation.args[0]) if invocation.args else None
    return json.dumps({"function": invocation.function, "arg": arg}).encode()


def setup(service=None, *, offline=False, **options):
    service = service or FakeGatewayService(echo)
    channel = FakeChannel(service)
    gateway = Gateway(channel, IDENTITY, None if offline else signer_from_pem(KEY_PEM), **options)
    return gateway.get_network("mychannel").get_contract("ecoledger"), channel, service


def test_evaluate_decodes_json_payload():
    contract, _, _ = setup()
    result = asyncio.run(contract.evaluate("GetLot", {"id": "L-7"}))
    assert result == {"function": "GetLot", "arg": {"id": "L-7"}}


def test_evaluate_returns_none_for_an_empty_payload():
    contract, _, _ = setup(FakeGatewayService(lambda inv: b""))
    assert asyncio.run(contract.evaluate("Ping")) is None


def test_evaluate_raises_gateway_error_when_the_result_is_not_json():
    contract, _, _ = setup(FakeGatewayService(lambda inv: b"not json"))
    with pytest.raises(GatewayError, match="result of Ping is not JSON"):
        asyncio.run(contract.evaluate("Ping"))


def test_evaluate_sends_one_request_and_never_endorses():
    contract, channel, _ = setup()
    asyncio.run(contract.evaluate("GetLot"))
    assert [call.method for call in channel.calls] == ["Evaluate"]
    assert channel.calls[0].request.channel_id == "mychannel"


def test_calls_carry_the_configured_deadlines():
    timeouts = Timeouts(evaluate=1.5, endorse=2.5, submit=3.5, commit_status=4.5)
    contract, channel, _ = setup(timeouts=timeouts)
    asyncio.run(contract.evaluate("GetLot"))
    asyncio.run(contract.submit("RegisterLot"))
    assert [(c.method, c.timeout) for c in channel.calls] == [
        ("Evaluate", 1.5),
        ("Endorse", 2.5),
        ("Submit", 3.5),
        ("CommitStatus", 4.5),
    ]


def test_submit_returns_result_tx_id_and_block_number():
    contract, channel, service = setup(FakeGatewayService(echo, block_number=42))
    outcome = asyncio.run(contract.submit("RegisterLot", {"id": "L-7", "qty": 3}))

    assert isinstance(outcome, SubmitResult)
    assert outcome.result == {"function": "RegisterLot", "arg": {"id": "L-7", "qty": 3}}
    assert outcome.block_number == 42
    assert outcome.tx_id == service.invocations[0].tx_id
    assert [c.method for c in channel.calls] == ["Endorse", "Submit", "CommitStatus"]


def test_submit_signs_the_prepared_envelope_payload():
    contract, channel, _ = setup()
    outcome = asyncio.run(contract.submit("RegisterLot"))

    (submit,) = channel.requests("Submit")
    endorsed = channel.requests("Endorse")[0]
    assert submit.transaction_id == outcome.tx_id
    assert submit.channel_id == "mychannel"
    assert submit.prepared_transaction.payload  # the envelope returned by Endorse
    verify(submit.prepared_transaction.signature, submit.prepared_transaction.payload)
    verify(endorsed.proposed_transaction.signature, endorsed.proposed_transaction.proposal_bytes)


def test_commit_status_request_is_signed_and_names_transaction_channel_and_creator():
    contract, channel, _ = setup()
    outcome = asyncio.run(contract.submit("RegisterLot"))

    (signed,) = channel.requests("CommitStatus")
    request = gateway_pb2.CommitStatusRequest.FromString(signed.request)
    assert request.transaction_id == outcome.tx_id
    assert request.channel_id == "mychannel"
    assert request.identity == IDENTITY.serialized()
    verify(signed.signature, signed.request)


def test_submit_raises_commit_error_with_validation_code_for_mvcc_conflict():
    service = FakeGatewayService(echo, validation_code=transaction_pb2.MVCC_READ_CONFLICT, block_number=9)
    contract, _, _ = setup(service)
    with pytest.raises(CommitError) as caught:
        asyncio.run(contract.submit("Transfer", {"lot": "L-7"}))

    error = caught.value
    assert error.validation_code_name == "MVCC_READ_CONFLICT"
    assert error.is_mvcc_conflict
    assert error.tx_id == service.invocations[0].tx_id
    assert error.block_number == 9
    assert "MVCC_READ_CONFLICT" in str(error) and error.tx_id in str(error)


def test_phantom_read_conflict_is_also_retryable():
    service = FakeGatewayService(echo, validation_code=transaction_pb2.PHANTOM_READ_CONFLICT)
    contract, _, _ = setup(service)
    with pytest.raises(CommitError) as caught:
        asyncio.run(contract.submit("Transfer"))
    assert caught.value.is_mvcc_conflict


def test_endorsement_policy_failure_is_not_an_mvcc_conflict():
    service = FakeGatewayService(echo, validation_code=transaction_pb2.ENDORSEMENT_POLICY_FAILURE)
    contract, _, _ = setup(service)
    with pytest.raises(CommitError) as caught:
        asyncio.run(contract.submit("Transfer"))
    assert caught.value.validation_code_name == "ENDORSEMENT_POLICY_FAILURE"
    assert not caught.value.is_mvcc_conflict


def test_non_json_result_stops_submit_before_ordering():
    contract, channel, _ = setup(FakeGatewayService(lambda inv: b"\xff"))
    with pytest.raises(GatewayError, match="not JSON"):
        asyncio.run(contract.submit("RegisterLot"))
    assert [c.method for c in channel.calls] == ["Endorse"]


def test_step_by_step_flow_exposes_result_and_commit_status():
    contract, channel, _ = setup(FakeGatewayService(echo, block_number=5))

    async def flow():
        proposal = contract.new_proposal("RegisterLot", {"id": "L-9"})
        transaction = await proposal.endorse()
        assert json.loads(transaction.result)["arg"] == {"id": "L-9"}
        assert transaction.tx_id == proposal.tx_id
        assert transaction.channel_name == "mychannel"
        commit = await transaction.submit()
        assert commit.tx_id == proposal.tx_id
        return await commit.status()

    status = asyncio.run(flow())
    assert status.successful and status.code_name == "VALID" and status.block_number == 5


def test_concurrent_submissions_share_one_channel_with_distinct_tx_ids():
    contract, channel, _ = setup()

    async def many():
        return await asyncio.gather(*(contract.submit("Register", {"n": n}) for n in range(25)))

    outcomes = asyncio.run(many())
    assert len({o.tx_id for o in outcomes}) == 25
    assert sorted(o.result["arg"]["n"] for o in outcomes) == list(range(25))
    assert len(channel.requests("CommitStatus")) == 25


def test_gateway_never_closes_the_callers_channel():
    contract, channel, _ = setup()
    asyncio.run(contract.submit("RegisterLot"))
    assert channel.closed is False


def test_offline_signing_completes_a_submission_from_bytes():
    service = FakeGatewayService(echo, block_number=3)
    channel = FakeChannel(service)
    gateway = Gateway(channel, IDENTITY, None)
    contract = gateway.get_network("mychannel").get_contract("ecoledger")
    offline_sign = signer_from_pem(KEY_PEM)

    async def flow():
        unsigned = contract.new_proposal("RegisterLot", {"id": "L-1"})
        proposal = gateway.new_signed_proposal(unsigned.to_bytes(), offline_sign(unsigned.digest()))
        prepared = await proposal.endorse()
        transaction = gateway.new_signed_transaction(prepared.to_bytes(), offline_sign(prepared.digest()))
        unsigned_commit = await transaction.submit()
        commit = gateway.new_signed_commit(unsigned_commit.to_bytes(), offline_sign(unsigned_commit.digest()))
        return await commit.status()

    status = asyncio.run(flow())
    assert status.successful and status.block_number == 3
    submit = channel.requests("Submit")[0]
    verify(submit.prepared_transaction.signature, submit.prepared_transaction.payload)
    commit_request = channel.requests("CommitStatus")[0]
    verify(commit_request.signature, commit_request.request)


def test_query_chain_info_evaluates_qscc_get_chain_info_for_the_channel():
    info = ledger_pb2.BlockchainInfo(height=12, currentBlockHash=b"\x01" * 32, previousBlockHash=b"\x02" * 32)
    service = FakeGatewayService(lambda inv: info.SerializeToString())
    channel = FakeChannel(service)
    network = Gateway(channel, IDENTITY, signer_from_pem(KEY_PEM)).get_network("mychannel")

    result = asyncio.run(network.query_chain_info())

    assert result == ChainInfo(height=12, current_block_hash=b"\x01" * 32, previous_block_hash=b"\x02" * 32)
    (invocation,) = service.invocations
    assert (invocation.chaincode_name, invocation.function, invocation.args) == (
        "qscc",
        "GetChainInfo",
        [b"mychannel"],
    )
    assert channel.requests("Evaluate")[0].channel_id == "mychannel"


def test_connect_returns_a_secure_aio_channel_without_dialing():
    async def open_and_close():
        channel = connect("127.0.0.1:1", IDENTITY.cert_pem, "peer0.org1.example.com")
        assert isinstance(channel, grpc.aio.Channel)
        await channel.close()

    asyncio.run(open_and_close())
