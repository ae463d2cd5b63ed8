"""Decoding blocks as the index stores them: transactions, creators, endorsers, validation codes, events, links."""

from __future__ import annotations

import hashlib
import json

import pytest
from fabric_protos.common import common_pb2
from fabric_protos.peer import transaction_pb2

from client.index.decode import BlockDecodeError, check_link, decode_block, header_hash
from client.gateway.blocks import build_seek_payload
from fabric_protos.orderer import ab_pb2

from index_blocks import Tx, make_block, make_chain

MVCC = transaction_pb2.TxValidationCode.MVCC_READ_CONFLICT


def test_an_endorser_transaction_is_decoded_field_by_field():
    genesis = make_chain("ecoledger", [])[0]
    tx = Tx(tx_id="ab" * 32, function="Market:Buy", args=(b'{"offer":"O-1"}',), creator=("HBMSP", "hb-paper"),
            endorsers=("HBMSP", "BJMSP", "COMSP"),
            events=[("TradePending", {"trade": "T-1"}), ("OfferClosed", {"offer": "O-1"})])
    record = decode_block(make_block("ecoledger", 1, genesis, [tx]), "ecoledger")
    [decoded] = record.transactions
    assert (record.channel, record.number, decoded.tx_id) == ("ecoledger", 1, "ab" * 32)
    assert (decoded.type, decoded.chaincode, decoded.function) == ("ENDORSER_TRANSACTION", "ecoledger", "Market:Buy")
    assert (decoded.creator_msp, decoded.creator_name) == ("HBMSP", "hb-paper")
    assert decoded.endorsers == ("HBMSP", "BJMSP", "COMSP")
    assert (decoded.validation_code, decoded.validation, decoded.valid) == (0, "VALID", True)
    assert [(e.index, e.name, json.loads(e.payload)) for e in decoded.events] == [
        (0, "TradePending", {"trade": "T-1"}), (1, "OfferClosed", {"offer": "O-1"})]
    assert decoded.timestamp == "2026-05-28T20:26:40Z"
    assert record.timestamp == decoded.timestamp


def test_invalid_transactions_keep_their_code_and_carry_no_events():
    genesis = make_chain("ecoledger", [])[0]
    txs = [Tx(tx_id="01" * 32, events=[("AllowanceIssued", {"lot": "L"})]),
           Tx(tx_id="02" * 32, code=MVCC, events=[("AllowanceIssued", {"lot": "M"})])]
    ok, conflict = decode_block(make_block("ecoledger", 1, genesis, txs)).transactions
    assert (ok.validation, len(ok.events)) == ("VALID", 1)
    assert (conflict.validation_code, conflict.validation, conflict.valid) == (MVCC, "MVCC_READ_CONFLICT", False)
    assert conflict.events == ()


def test_a_config_block_is_a_config_transaction_without_function():
    genesis = make_chain("bj-tj", [])[0]
    record = decode_block(genesis, "bj-tj")
    [config] = record.transactions
    assert (record.number, record.previous_hash, config.type, config.function, config.endorsers) == (
        0, "", "CONFIG", "", ())


def test_block_hashes_chain_and_a_broken_link_is_refused():
    chain = make_chain("ecoledger", [2, 1, 3])
    records = [decode_block(b, "ecoledger") for b in chain]
    for before, after in zip(records, records[1:]):
        check_link(before.header_hash, after)  # no error
        assert after.previous_hash == before.header_hash
    with pytest.raises(BlockDecodeError, match="block 3: previous hash .* does not match the last indexed block"):
        check_link(records[1].header_hash, records[3])


def test_header_hash_is_sha256_of_the_der_sequence():
    header = common_pb2.BlockHeader(number=128, previous_hash=b"\x01" * 32, data_hash=b"\x02" * 32)
    der = bytes([0x30, 4 + 34 + 34, 0x02, 0x02, 0x00, 0x80, 0x04, 32]) + b"\x01" * 32 + bytes([0x04, 32]) + b"\x02" * 32
    assert header_hash(header) == hashlib.sha256(der).digest()
    zero = common_pb2.BlockHeader(number=0, data_hash=b"\x03" * 32)
    assert header_hash(zero) == hashlib.sha256(bytes([0x30, 3 + 2 + 34, 0x02, 1, 0, 0x04, 0, 0x04, 32])
                                               + b"\x03" * 32).digest()


def test_tampered_data_or_foreign_channel_is_refused():
    chain = make_chain("ecoledger", [1])
    tampered = common_pb2.Block()
    tampered.CopyFrom(chain[1])
    tampered.data.data[0] = tampered.data.data[0] + b"\x00"
    with pytest.raises(BlockDecodeError, match="data hash"):
        decode_block(tampered, "ecoledger")
    with pytest.raises(BlockDecodeError, match="channel 'ecoledger' on a 'bj-tj' stream"):
        decode_block(chain[1], "bj-tj")


def test_seek_request_asks_for_the_given_blocks_as_the_creator():
    raw = build_seek_payload(creator=b"me", channel_name="bj-hb", start_block=5, stop_block=9, now=1.5, nonce=b"x")
    payload = common_pb2.Payload.FromString(raw)
    ch = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
    sig = common_pb2.SignatureHeader.FromString(payload.header.signature_header)
    seek = ab_pb2.SeekInfo.FromString(payload.data)
    assert (ch.type, ch.channel_id, ch.timestamp.seconds, ch.timestamp.nanos) == (
        common_pb2.HeaderType.DELIVER_SEEK_INFO, "bj-hb", 1, 500_000_000)
    assert (sig.creator, sig.nonce) == (b"me", b"x")
    assert (seek.start.specified.number, seek.stop.specified.number) == (5, 9)
    assert seek.behavior == ab_pb2.SeekInfo.BLOCK_UNTIL_READY
