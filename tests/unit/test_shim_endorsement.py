"""Key-level endorsement through the shim: the SignaturePolicyEnvelope a contract attaches reaches the peer
as PUT_STATE_METADATA with metadata key VALIDATION_PARAMETER (a write record of the transaction's
WRITE_BATCH_STATE, the fake peer offering batches like Fabric 3), after the transaction's writes, and only on
success."""

from __future__ import annotations

from typing import Any, Iterator

import grpc
import pytest
from fabric_protos.common import policies_pb2
from fabric_protos.msp import msp_principal_pb2
from fabric_protos.peer import chaincode_shim_pb2

from chaincode.runtime import endorsement
from chaincode.runtime.errors import Conflict
from chaincode.runtime.router import Contract, Router, transaction
from chaincode.runtime.server import ChaincodeServer
from common import canonical
from test_shim import CHAINCODE_ID, WAIT, FakeLedger, FakePeer, result_of, transaction_message

Message = chaincode_shim_pb2.ChaincodeMessage


class Guarded(Contract):
    name = "Guarded"

    @transaction
    def create(self, ctx, key: str, orgs: list) -> Any:
        ctx.put_json(key, {"terms": 1})
        ctx.endorse_key(key, endorsement.all_of_peers(orgs))
        return endorsement.describe(ctx.key_policy(key))

    @transaction
    def create_then_refuse(self, ctx, key: str) -> Any:
        ctx.put_json(key, {"terms": 1})
        ctx.endorse_key(key, endorsement.all_of_peers(["BJMSP"]))
        raise Conflict("refused after attaching a policy")


@pytest.fixture
def peer() -> Iterator[FakePeer]:
    server = ChaincodeServer("127.0.0.1:0", CHAINCODE_ID, Router([Guarded()]), request_timeout=WAIT)
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            fake = FakePeer(channel)
            fake.handshake()
            yield fake
            fake.close()
    finally:
        server.stop(grace=0.5)


def test_the_policy_requires_a_peer_of_every_organization_sorted_like_the_go_shim():
    envelope = policies_pb2.SignaturePolicyEnvelope.FromString(endorsement.all_of_peers(["HBMSP", "BJMSP"]))
    roles = [msp_principal_pb2.MSPRole.FromString(p.principal) for p in envelope.identities]
    assert [(r.msp_identifier, r.role) for r in roles] == [("BJMSP", msp_principal_pb2.MSPRole.PEER),
                                                          ("HBMSP", msp_principal_pb2.MSPRole.PEER)]
    assert all(p.principal_classification == msp_principal_pb2.MSPPrincipal.ROLE for p in envelope.identities)
    assert envelope.rule.n_out_of.n == 2
    assert [rule.signed_by for rule in envelope.rule.n_out_of.rules] == [0, 1]
    assert endorsement.all_of_peers(["HBMSP", "BJMSP"]) == endorsement.all_of_peers(["BJMSP", "HBMSP"])


def test_an_empty_organization_list_is_refused():
    with pytest.raises(ValueError, match="at least one MSP id"):
        endorsement.all_of_peers([])


def test_the_policy_is_sent_as_state_metadata_after_the_write(peer):
    ledger = FakeLedger()
    completed = ledger.run(peer, transaction_message("Guarded:Create", {"key": "agreement", "orgs": ["HBMSP",
                                                                                                      "BJMSP"]}))
    assert result_of(completed).status == 200
    policy = endorsement.all_of_peers(["BJMSP", "HBMSP"])
    assert ledger.writes == [("put", "", "agreement", b'{"terms":1}'),
                             ("metadata", "agreement", "VALIDATION_PARAMETER", policy)]
    assert canonical.loads(result_of(completed).payload) == "AND('BJMSP.peer', 'HBMSP.peer')"
    assert Message.GET_STATE_METADATA not in ledger.requests  # the transaction's own policy is read back locally
    assert ledger.requests == [Message.WRITE_BATCH_STATE]


def test_a_refused_transaction_sends_neither_writes_nor_metadata(peer):
    ledger = FakeLedger()
    completed = ledger.run(peer, transaction_message("Guarded:CreateThenRefuse", {"key": "agreement"}))
    assert result_of(completed).status == 400
    assert ledger.writes == []
    assert ledger.requests == []  # neither PUT_STATE_METADATA nor a WRITE_BATCH_STATE
