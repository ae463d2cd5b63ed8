"""TxContext: read-your-writes, merged scans, buffered writes, every event in one envelope."""

from __future__ import annotations

from typing import Iterator

import pytest

from common import events as envelope
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import NotFound
from chaincode.runtime.memory import make_identity
from chaincode.runtime.stub import KeyModification

ALICE = make_identity("BJMSP", "alice", role="enterprise", region="BJ", entity="E-1")


class RecordingStub:
    """A stub over a fixed committed state that records every call reaching the peer."""

    def __init__(self, state: dict[str, bytes]) -> None:
        self.state = state
        self.calls: list[tuple] = []
        self.tx_id = "tx1"
        self.channel_id = "ecoledger"
        self.timestamp = 1_767_225_600.25
        self.creator_msp = ALICE.msp_id
        self.creator_cert = ALICE.cert_pem
        self.transient = {"price": b"120"}

    def get_state(self, key: str) -> bytes | None:
        self.calls.append(("get", key))
        return self.state.get(key)

    def put_state(self, key: str, value: bytes) -> None:
        self.calls.append(("put", key, value))

    def delete_state(self, key: str) -> None:
        self.calls.append(("delete", key))

    def get_state_by_range(self, start: str, end: str) -> Iterator[tuple[str, bytes]]:
        self.calls.append(("range", start, end))
        for key in sorted(self.state):
            if start <= key < end:
                yield key, self.state[key]

    def get_history_for_key(self, key: str) -> Iterator[KeyModification]:
        yield KeyModification("tx0", 1.0, self.state.get(key, b""), False)

    def set_event(self, name: str, payload: bytes) -> None:
        self.calls.append(("event", name, payload))


@pytest.fixture
def stub() -> RecordingStub:
    return RecordingStub({"lot:1": b'{"tons":1}', "lot:2": b'{"tons":2}', "lot:3": b'{"tons":3}',
                          "lots": b'"not in the lot: prefix"'})


def test_reads_see_the_transactions_own_writes_and_deletes(stub):
    ctx = TxContext(stub)
    ctx.put_json("lot:9", {"tons": 9})
    ctx.delete("lot:1")
    assert ctx.get_json("lot:9") == {"tons": 9}
    assert ctx.get_json("lot:1") is None
    assert ctx.get_json("lot:2") == {"tons": 2}
    assert [c for c in stub.calls if c[0] != "get"] == []  # nothing reached the peer yet


def test_require_json_names_the_missing_thing(stub):
    with pytest.raises(NotFound, match="^lot L-404 does not exist$"):
        TxContext(stub).require_json("lot:L-404", "lot L-404")


def test_scan_merges_own_writes_and_deletes_in_key_order(stub):
    ctx = TxContext(stub)
    ctx.put_json("lot:0", {"tons": 0})
    ctx.put_json("lot:2", {"tons": 22})
    ctx.delete("lot:3")
    ctx.put_json("other:1", 1)
    assert list(ctx.scan("lot:")) == [("lot:0", {"tons": 0}), ("lot:1", {"tons": 1}), ("lot:2", {"tons": 22})]
    assert ("range", "lot:", "lot:\U0010ffff") in stub.calls


def test_flush_hands_only_final_values_to_the_peer_and_every_event_in_one_envelope(stub):
    ctx = TxContext(stub)
    ctx.put_json("lot:5", {"tons": 5})
    ctx.put_json("lot:5", {"tons": 6})
    ctx.delete("lot:1")
    ctx.emit("First", {"n": 1})
    ctx.emit("Second", {"n": 2})
    ctx.flush()
    sent = [c for c in stub.calls if c[0] != "get"]
    assert sent == [("put", "lot:5", b'{"tons":6}'), ("delete", "lot:1"),
                    ("event", "First,Second",
                     b'{"events":[{"name":"First","payload":{"n":1}},{"name":"Second","payload":{"n":2}}]}')]
    assert envelope.unpack(*sent[-1][1:]) == [("First", {"n": 1}), ("Second", {"n": 2})]


def test_a_transaction_without_events_sends_none(stub):
    ctx = TxContext(stub)
    ctx.put_json("lot:5", {"tons": 5})
    ctx.flush()
    assert not [c for c in stub.calls if c[0] == "event"]


def test_a_refused_transaction_sends_neither_writes_nor_events(stub):
    ctx = TxContext(stub)
    ctx.put_json("lot:5", {"tons": 5})
    ctx.emit("First", {"n": 1})
    assert [c for c in stub.calls if c[0] in ("put", "event")] == []  # nothing before flush


def test_transaction_facts_and_caller_come_from_the_stub(stub):
    ctx = TxContext(stub)
    assert (ctx.tx_id, ctx.channel_id, ctx.timestamp) == ("tx1", "ecoledger", 1_767_225_600.25)
    assert ctx.transient == {"price": b"120"}
    assert (ctx.caller.msp_id, ctx.caller.name, ctx.caller.region, ctx.caller.entity) == ("BJMSP", "alice", "BJ", "E-1")
    assert ctx.history("lot:1") == [KeyModification("tx0", 1.0, b'{"tons":1}', False)]
