"""A ``common.Block`` as plain records: the block, its transactions, their chaincode events.

Pure functions of the block bytes (no network, no database), so every field
the index stores is tested here. The block header hash is Fabric's: SHA-256
of the DER encoding of ``SEQUENCE {number INTEGER, previous_hash OCTET
STRING, data_hash OCTET STRING}``; the data hash is SHA-256 of the
concatenated envelopes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from fabric_protos.common import common_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import chaincode_event_pb2, chaincode_pb2, proposal_pb2, proposal_response_pb2
from fabric_protos.peer import transaction_pb2

TRANSACTIONS_FILTER = common_pb2.BlockMetadataIndex.TRANSACTIONS_FILTER


class BlockDecodeError(ValueError):
    """A block that cannot be what the peer should have sent (broken link, bad data hash, ...)."""


@dataclass(frozen=True)
class EventRecord:
    index: int
    name: str
    payload: str  # canonical JSON of the event's payload


@dataclass(frozen=True)
class TxRecord:
    position: int
    tx_id: str
    type: str
    timestamp: str  # ISO 8601 UTC, from the channel header
    creator_msp: str
    creator_name: str
    chaincode: str
    function: str
    validation_code: int
    validation: str
    endorsers: tuple[str, ...]  # MSP ids, in the endorsement's order
    events: tuple[EventRecord, ...] = ()

    @property
    def valid(self) -> bool:
        return self.validation_code == transaction_pb2.TxValidationCode.VALID


@dataclass(frozen=True)
class BlockRecord:
    channel: str
    number: int
    header_hash: str  # hex
    previous_hash: str
    data_hash: str
    timestamp: str  # of its first transaction ("" for an empty block)
    transactions: tuple[TxRecord, ...] = field(default=())


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _der(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(body)) + body


def _der_integer(n: int) -> bytes:
    body = n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big")  # room for the sign bit
    return _der(0x02, body)


def header_hash(header: common_pb2.BlockHeader) -> bytes:
    """Fabric's block hash: what the next block's ``previous_hash`` must be."""
    encoded = _der(0x30, _der_integer(header.number) + _der(0x04, header.previous_hash)
                   + _der(0x04, header.data_hash))
    return hashlib.sha256(encoded).digest()


def data_hash(data: common_pb2.BlockData) -> bytes:
    return hashlib.sha256(b"".join(data.data)).digest()


def _iso(stamp: Any) -> str:
    if not stamp.seconds and not stamp.nanos:
        return ""
    moment = datetime.fromtimestamp(stamp.seconds, tz=timezone.utc).replace(microsecond=stamp.nanos // 1000)
    return moment.isoformat().replace("+00:00", "Z")


def _creator(serialized: bytes) -> tuple[str, str]:
    """(MSP id, certificate common name) of a serialized identity."""
    if not serialized:
        return "", ""
    identity = identities_pb2.SerializedIdentity.FromString(serialized)
    return identity.mspid, common_name(identity.id_bytes)


def common_name(pem: bytes) -> str:
    if not pem:
        return ""
    try:
        from cryptography import x509
        from cryptography.x509.oid import NameOID

        cert = x509.load_pem_x509_certificate(pem)
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else ""
    except ValueError:
        return ""


def _event_records(event_bytes: bytes) -> tuple[EventRecord, ...]:
    if not event_bytes:
        return ()
    event = chaincode_event_pb2.ChaincodeEvent.FromString(event_bytes)
    if not event.event_name and not event.payload:
        return ()
    from common import events as envelope

    pairs = envelope.unpack(event.event_name, event.payload)
    return tuple(EventRecord(index, name, json.dumps(payload, ensure_ascii=False, sort_keys=True,
                                                     separators=(",", ":")))
                 for index, (name, payload) in enumerate(pairs))


def _endorser_action(payload_data: bytes) -> tuple[str, str, tuple[str, ...], tuple[EventRecord, ...]]:
    """(chaincode, function, endorser MSP ids, events) of an endorser transaction's first action."""
    tx = transaction_pb2.Transaction.FromString(payload_data)
    if not tx.actions:
        return "", "", (), ()
    action = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
    proposal = proposal_pb2.ChaincodeProposalPayload.FromString(action.chaincode_proposal_payload)
    spec = chaincode_pb2.ChaincodeInvocationSpec.FromString(proposal.input)
    args = spec.chaincode_spec.input.args
    function = args[0].decode("utf-8", "replace") if args else ""
    chaincode = spec.chaincode_spec.chaincode_id.name
    endorsers = tuple(_creator(e.endorser)[0] for e in action.action.endorsements)
    response = proposal_response_pb2.ProposalResponsePayload.FromString(action.action.proposal_response_payload)
    cc_action = proposal_pb2.ChaincodeAction.FromString(response.extension)
    return chaincode or cc_action.chaincode_id.name, function, endorsers, _event_records(cc_action.events)


def decode_block(block: common_pb2.Block, channel: str = "") -> BlockRecord:
    """Every transaction of ``block`` with its validation code; ``channel`` checks the block's own."""
    header = block.header
    if data_hash(block.data) != header.data_hash:
        raise BlockDecodeError(f"block {header.number}: data hash does not match its transactions")
    flags = block.metadata.metadata[TRANSACTIONS_FILTER] if len(block.metadata.metadata) > TRANSACTIONS_FILTER else b""
    records = []
    block_channel = channel
    for position, raw in enumerate(block.data.data):
        envelope = common_pb2.Envelope.FromString(raw)
        payload = common_pb2.Payload.FromString(envelope.payload)
        ch = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
        if channel and ch.channel_id and ch.channel_id != channel:
            raise BlockDecodeError(f"block {header.number} of channel {ch.channel_id!r} on a {channel!r} stream")
        block_channel = block_channel or ch.channel_id
        sig = common_pb2.SignatureHeader.FromString(payload.header.signature_header)
        creator_msp, creator_name = _creator(sig.creator)
        chaincode = function = ""
        endorsers: tuple[str, ...] = ()
        events: tuple[EventRecord, ...] = ()
        if ch.type == common_pb2.HeaderType.ENDORSER_TRANSACTION:
            chaincode, function, endorsers, events = _endorser_action(payload.data)
        code = flags[position] if position < len(flags) else transaction_pb2.TxValidationCode.VALID
        records.append(TxRecord(
            position=position, tx_id=ch.tx_id, type=common_pb2.HeaderType.Name(ch.type),
            timestamp=_iso(ch.timestamp), creator_msp=creator_msp, creator_name=creator_name,
            chaincode=chaincode, function=function, validation_code=code,
            validation=transaction_pb2.TxValidationCode.Name(code)
            if code in transaction_pb2.TxValidationCode.values() else str(code),
            endorsers=endorsers, events=events if code == transaction_pb2.TxValidationCode.VALID else (),
        ))
    return BlockRecord(
        channel=block_channel, number=header.number, header_hash=header_hash(header).hex(),
        previous_hash=header.previous_hash.hex(), data_hash=header.data_hash.hex(),
        timestamp=records[0].timestamp if records else "", transactions=tuple(records),
    )


def check_link(previous_header_hash: str | None, block: BlockRecord) -> None:
    """Refuse a block whose ``previous_hash`` is not the hash of the block indexed before it."""
    if previous_header_hash is None:
        return
    if block.previous_hash != previous_header_hash:
        raise BlockDecodeError(
            f"channel {block.channel} block {block.number}: previous hash {block.previous_hash[:16]}… "
            f"does not match the last indexed block's hash {previous_header_hash[:16]}…; "
            "the index and the peer disagree: stop and re-index"
        )
