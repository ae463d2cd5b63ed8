import asyncio
import hashlib
import json
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2

from client.gateway import Gateway, GatewayError, signer_from_pem
from client.gateway.testing import FakeChannel, FakeGatewayService, generate_identity, parse_invocation

IDENTITY, KEY_PEM = generate_identity("Org1MSP", "alice")


def make_gateway(service=None, *, offline=False):
    channel = FakeChannel(service or FakeGatewayService())
    signer = None if offline else signer_from_pem(KEY_PEM)
    return Gateway(channel, IDENTITY, signer), channel


def contract(gateway, contract_name=None):
    return gateway.get_network("mychannel").get_contract("ecoledger", contract_name)


def layers(proposal):
    """Decode a Proposal's headers and invocation spec from its sent bytes."""
    proposed = gateway_pb2.ProposedTransaction.FromString(proposal.to_bytes())
    raw = proposal_pb2.Proposal.FromString(proposed.proposal.proposal_bytes)
    header = common_pb2.Header.FromString(raw.header)
    channel_header = common_pb2.ChannelHeader.FromString(header.channel_header)
    signature_header = common_pb2.SignatureHeader.FromString(header.signature_header)
    payload = proposal_pb2.ChaincodeProposalPayload.FromString(raw.payload)
    spec = chaincode_pb2.ChaincodeInvocationSpec.FromString(payload.input).chaincode_spec
    return proposed, channel_header, signature_header, payload, spec


def test_tx_id_is_sha256_of_nonce_and_creator():
    gateway, _ = make_gateway()
    proposal = contract(gateway).new_proposal("GetLot", {"id": "L-7"})
    proposed, channel_header, signature_header, _, _ = layers(proposal)

    expected = hashlib.sha256(signature_header.nonce + IDENTITY.serialized()).hexdigest()
    assert proposal.tx_id == expected
    assert channel_header.tx_id == expected
    assert proposed.transaction_id == expected


def test_signature_header_carries_the_serialized_creator_and_a_24_byte_nonce():
    gateway, _ = make_gateway()
    _, _, signature_header, _, _ = layers(contract(gateway).new_proposal("GetLot"))
    assert signature_header.creator == IDENTITY.serialized()
    assert len(signature_header.nonce) == 24


def test_channel_header_is_an_endorser_transaction_naming_channel_and_chaincode():
    gateway, _ = make_gateway()
    _, channel_header, _, _, spec = layers(contract(gateway).new_proposal("GetLot"))

    assert channel_header.type == common_pb2.ENDORSER_TRANSACTION
    assert channel_header.channel_id == "mychannel"
    assert channel_header.epoch == 0
    assert abs(channel_header.timestamp.seconds - time.time()) < 60
    extension = proposal_pb2.ChaincodeHeaderExtension.FromString(channel_header.extension)
    assert extension.chaincode_id.name == "ecoledger"
    assert spec.chaincode_id.name == "ecoledger"


def test_args_are_the_function_name_then_one_canonical_json_document():
    gateway, _ = make_gateway()
    proposal = contract(gateway).new_proposal("RegisterLot", {"qty": 5, "id": "L-7", "tags": ["a"]})
    _, _, _, _, spec = layers(proposal)
    assert list(spec.input.args) == [b"RegisterLot", b'{"id":"L-7","qty":5,"tags":["a"]}']


def test_no_argument_is_sent_when_args_is_none():
    gateway, _ = make_gateway()
    _, _, _, _, spec = layers(contract(gateway).new_proposal("ListLots"))
    assert list(spec.input.args) == [b"ListLots"]


def test_named_contract_qualifies_the_function_name():
    gateway, _ = make_gateway()
    _, _, _, _, spec = layers(contract(gateway, "MarketContract").new_proposal("Bid"))
    assert spec.input.args[0] == b"MarketContract:Bid"


def test_transient_data_is_in_the_proposal_payload_but_not_in_the_args():
    gateway, _ = make_gateway()
    proposal = contract(gateway).new_proposal(
        "PlaceBid", {"lot": "L-7"}, transient={"bid": {"price": 12}, "raw": b"\x00\x01"}
    )
    _, _, _, payload, spec = layers(proposal)

    assert dict(payload.TransientMap) == {"bid": b'{"price":12}', "raw": b"\x00\x01"}
    assert all(b"price" not in arg for arg in spec.input.args)
    assert list(spec.input.args) == [b"PlaceBid", b'{"lot":"L-7"}']


def test_raw_args_are_sent_as_given():
    gateway, _ = make_gateway()
    proposal = contract(gateway).new_proposal("GetChainInfo", raw_args=[b"mychannel", b"\xff"])
    _, _, _, _, spec = layers(proposal)
    assert list(spec.input.args) == [b"GetChainInfo", b"mychannel", b"\xff"]


def test_json_args_and_raw_args_together_are_refused():
    gateway, _ = make_gateway()
    with pytest.raises(ValueError):
        contract(gateway).new_proposal("F", {"a": 1}, raw_args=[b"x"])


def test_floats_that_are_not_finite_are_refused_in_args():
    gateway, _ = make_gateway()
    with pytest.raises(ValueError):
        contract(gateway).new_proposal("F", {"a": float("nan")})


def test_every_proposal_gets_a_fresh_nonce_and_tx_id():
    gateway, _ = make_gateway()
    ids = {contract(gateway).new_proposal("F").tx_id for _ in range(50)}
    assert len(ids) == 50


def test_digest_is_sha256_of_the_proposal_bytes():
    gateway, _ = make_gateway()
    proposal = contract(gateway).new_proposal("F")
    proposed = gateway_pb2.ProposedTransaction.FromString(proposal.to_bytes())
    assert proposal.digest() == hashlib.sha256(proposed.proposal.proposal_bytes).digest()


def test_endorse_sends_a_proposal_signed_by_the_creator_key():
    gateway, channel = make_gateway()
    proposal = contract(gateway).new_proposal("RegisterLot", {"id": "L-7"})
    asyncio.run(proposal.endorse())

    (request,) = channel.requests("Endorse")
    assert request.transaction_id == proposal.tx_id
    assert request.channel_id == "mychannel"
    public_key = x509.load_pem_x509_certificate(IDENTITY.cert_pem).public_key()
    public_key.verify(
        request.proposed_transaction.signature,
        request.proposed_transaction.proposal_bytes,
        ec.ECDSA(hashes.SHA256()),
    )
    assert parse_invocation(request.proposed_transaction).function == "RegisterLot"


def test_endorsing_organizations_are_sent_with_the_endorse_request():
    gateway, channel = make_gateway()
    proposal = contract(gateway).new_proposal("F", endorsing_organizations=["Org1MSP", "Org2MSP"])
    asyncio.run(proposal.endorse())
    assert list(channel.requests("Endorse")[0].endorsing_organizations) == ["Org1MSP", "Org2MSP"]


def test_endorsing_organizations_become_evaluate_target_organizations():
    gateway, channel = make_gateway()
    proposal = contract(gateway).new_proposal("F", endorsing_organizations=["Org2MSP"])
    asyncio.run(proposal.evaluate())
    assert list(channel.requests("Evaluate")[0].target_organizations) == ["Org2MSP"]


def test_unsigned_proposal_without_a_signer_fails_before_any_call():
    gateway, channel = make_gateway(offline=True)
    proposal = contract(gateway).new_proposal("F")
    with pytest.raises(GatewayError, match="no signer"):
        asyncio.run(proposal.endorse())
    assert channel.calls == []


def test_offline_signature_is_sent_unchanged():
    gateway, channel = make_gateway(offline=True)
    proposal = contract(gateway).new_proposal("F")
    signature = signer_from_pem(KEY_PEM)(proposal.digest())

    rebuilt = gateway.new_signed_proposal(proposal.to_bytes(), signature)
    asyncio.run(rebuilt.evaluate())

    (request,) = channel.requests("Evaluate")
    assert rebuilt.channel_name == "mychannel"
    assert request.proposed_transaction.signature == signature
    assert request.transaction_id == proposal.tx_id


def test_evaluate_returns_the_raw_result_payload():
    service = FakeGatewayService(lambda inv: json.dumps({"f": inv.function}).encode())
    gateway, _ = make_gateway(service)
    result = asyncio.run(contract(gateway).new_proposal("F").evaluate())
    assert result == b'{"f": "F"}'
