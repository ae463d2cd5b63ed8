"""Fabric-shaped blocks built in memory, as a peer's Deliver service sends them."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fabric_protos.common import common_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import chaincode_event_pb2, chaincode_pb2, proposal_pb2, proposal_response_pb2
from fabric_protos.peer import transaction_pb2

from client.index.decode import data_hash, header_hash
from common import events as envelope


@lru_cache(maxsize=None)
def cert_pem(cn: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def identity(msp: str, cn: str) -> bytes:
    return identities_pb2.SerializedIdentity(mspid=msp, id_bytes=cert_pem(cn)).SerializeToString()


@dataclass
class Tx:
    tx_id: str
    function: str = "Permit:Issue"
    args: tuple[bytes, ...] = ()
    creator: tuple[str, str] = ("BJMSP", "bj-regulator")
    endorsers: tuple[str, ...] = ("BJMSP", "TJMSP")
    events: list[tuple[str, object]] = field(default_factory=list)
    code: int = transaction_pb2.TxValidationCode.VALID
    seconds: int = 1_780_000_000
    config: bool = False


def envelope_bytes(channel: str, tx: Tx) -> bytes:
    ch = common_pb2.ChannelHeader(type=common_pb2.HeaderType.CONFIG if tx.config else
                                  common_pb2.HeaderType.ENDORSER_TRANSACTION, channel_id=channel, tx_id=tx.tx_id)
    ch.timestamp.seconds = tx.seconds
    sig = common_pb2.SignatureHeader(creator=identity(*tx.creator), nonce=b"n")
    header = common_pb2.Header(channel_header=ch.SerializeToString(), signature_header=sig.SerializeToString())
    if tx.config:
        return common_pb2.Envelope(payload=common_pb2.Payload(header=header, data=b"").SerializeToString()).SerializeToString()
    spec = chaincode_pb2.ChaincodeInvocationSpec(chaincode_spec=chaincode_pb2.ChaincodeSpec(
        chaincode_id=chaincode_pb2.ChaincodeID(name="ecoledger"),
        input=chaincode_pb2.ChaincodeInput(args=[tx.function.encode(), *tx.args])))
    proposal_payload = proposal_pb2.ChaincodeProposalPayload(input=spec.SerializeToString())
    event = b""
    if tx.events:
        name, payload = envelope.pack(tx.events)
        event = chaincode_event_pb2.ChaincodeEvent(chaincode_id="ecoledger", tx_id=tx.tx_id, event_name=name,
                                                   payload=payload).SerializeToString()
    action = proposal_pb2.ChaincodeAction(events=event, chaincode_id=chaincode_pb2.ChaincodeID(name="ecoledger"))
    response = proposal_response_pb2.ProposalResponsePayload(extension=action.SerializeToString())
    endorsed = transaction_pb2.ChaincodeEndorsedAction(
        proposal_response_payload=response.SerializeToString(),
        endorsements=[proposal_response_pb2.Endorsement(endorser=identity(m, f"peer0.{m.lower()}"), signature=b"s")
                      for m in tx.endorsers])
    cap = transaction_pb2.ChaincodeActionPayload(chaincode_proposal_payload=proposal_payload.SerializeToString(),
                                                 action=endorsed)
    transaction = transaction_pb2.Transaction(actions=[transaction_pb2.TransactionAction(payload=cap.SerializeToString())])
    payload = common_pb2.Payload(header=header, data=transaction.SerializeToString())
    return common_pb2.Envelope(payload=payload.SerializeToString(), signature=b"sig").SerializeToString()


def make_block(channel: str, number: int, previous: common_pb2.Block | None, txs: list[Tx]) -> common_pb2.Block:
    block = common_pb2.Block()
    block.data.data.extend(envelope_bytes(channel, tx) for tx in txs)
    block.header.number = number
    block.header.previous_hash = header_hash(previous.header) if previous is not None else b""
    block.header.data_hash = data_hash(block.data)
    block.metadata.metadata.extend([b"", b"", bytes(tx.code for tx in txs), b"", b""])
    return block


def make_chain(channel: str, sizes: list[int]) -> list[common_pb2.Block]:
    """Block 0 (a config transaction), then blocks of ``sizes`` issuance transactions each."""
    chain = [make_block(channel, 0, None, [Tx(tx_id="", config=True, seconds=1_780_000_000)])]
    for n, size in enumerate(sizes, start=1):
        txs = [Tx(tx_id=f"{n:04d}{i:060d}", seconds=1_780_000_000 + 60 * n + i,
                  events=[("AllowanceIssued", {"lot": f"L{n}-{i}", "entity": "91110000MA0000001X", "region": "BJ",
                                               "pollutant": "NOx", "vintage": 2026, "quantity": 1000 * (i + 1)})])
               for i in range(size)]
        chain.append(make_block(channel, n, chain[-1], txs))
    return chain


def dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
