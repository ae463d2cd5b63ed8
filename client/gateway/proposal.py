"""A transaction proposal: built, signed, then evaluated or endorsed.

The proposal bytes and their digest are exposed so the signature can be made
elsewhere (``set_signature``) before the proposal is sent.
"""

from __future__ import annotations

import os
from typing import Mapping, Sequence

from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2
from google.protobuf import timestamp_pb2

from ._client import Session
from .identity import sha256
from .transaction import Transaction

NONCE_SIZE = 24


def transaction_id(nonce: bytes, creator: bytes) -> str:
    """Fabric's tx id: hex SHA-256 of the nonce followed by the creator."""
    return sha256(nonce + creator).hex()


def build_proposed_transaction(
    *,
    creator: bytes,
    channel_name: str,
    chaincode_name: str,
    function: str,
    args: Sequence[bytes] = (),
    transient: Mapping[str, bytes] | None = None,
    endorsing_organizations: Sequence[str] = (),
    nonce: bytes | None = None,
) -> gateway_pb2.ProposedTransaction:
    """An unsigned ``ProposedTransaction`` invoking ``function(*args)``."""
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    tx_id = transaction_id(nonce, creator)
    timestamp = timestamp_pb2.Timestamp()
    timestamp.GetCurrentTime()
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.ENDORSER_TRANSACTION,
        channel_id=channel_name,
        tx_id=tx_id,
        timestamp=timestamp,
        epoch=0,
        extension=proposal_pb2.ChaincodeHeaderExtension(
            chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode_name)
        ).SerializeToString(),
    )
    header = common_pb2.Header(
        channel_header=channel_header.SerializeToString(),
        signature_header=common_pb2.SignatureHeader(
            creator=creator, nonce=nonce
        ).SerializeToString(),
    )
    invocation = chaincode_pb2.ChaincodeInvocationSpec(
        chaincode_spec=chaincode_pb2.ChaincodeSpec(
            chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode_name),
            input=chaincode_pb2.ChaincodeInput(
                args=[function.encode("utf-8"), *args]
            ),
        )
    )
    payload = proposal_pb2.ChaincodeProposalPayload(
        input=invocation.SerializeToString(), TransientMap=dict(transient or {})
    )
    proposal = proposal_pb2.Proposal(
        header=header.SerializeToString(), payload=payload.SerializeToString()
    )
    return gateway_pb2.ProposedTransaction(
        transaction_id=tx_id,
        proposal=proposal_pb2.SignedProposal(proposal_bytes=proposal.SerializeToString()),
        endorsing_organizations=list(endorsing_organizations),
    )


def channel_of_proposal(proposal_bytes: bytes) -> str:
    """The channel named in a serialized ``Proposal``'s channel header."""
    proposal = proposal_pb2.Proposal.FromString(proposal_bytes)
    header = common_pb2.Header.FromString(proposal.header)
    return common_pb2.ChannelHeader.FromString(header.channel_header).channel_id


class Proposal:
    """One proposed invocation; evaluate it (query) or endorse it (update)."""

    def __init__(
        self,
        session: Session,
        channel_name: str,
        proposed: gateway_pb2.ProposedTransaction,
    ) -> None:
        self._session = session
        self.channel_name = channel_name
        self._proposed = proposed

    @property
    def tx_id(self) -> str:
        return self._proposed.transaction_id

    def to_bytes(self) -> bytes:
        """Serialized ``ProposedTransaction``, to hand to an offline signer."""
        return self._proposed.SerializeToString()

    def digest(self) -> bytes:
        """SHA-256 of the proposal bytes: what the creator signs."""
        return sha256(self._proposed.proposal.proposal_bytes)

    @property
    def signed_proposal(self) -> proposal_pb2.SignedProposal:
        """The proposal as sent to the gateway (signed once sent or set)."""
        return self._proposed.proposal

    def set_signature(self, signature: bytes) -> None:
        """Use a signature made elsewhere over ``digest()``."""
        self._proposed.proposal.signature = signature

    def _sign(self) -> None:
        if not self._proposed.proposal.signature:
            self.set_signature(self._session.sign(self.digest(), "proposal"))

    async def evaluate(self) -> bytes:
        """Run the proposal on one peer without ordering; returns the raw result."""
        self._sign()
        response = await self._session.client.evaluate(
            gateway_pb2.EvaluateRequest(
                transaction_id=self.tx_id,
                channel_id=self.channel_name,
                proposed_transaction=self._proposed.proposal,
                target_organizations=list(self._proposed.endorsing_organizations),
            )
        )
        return response.result.payload

    async def endorse(self) -> Transaction:
        """Collect endorsements; returns the prepared transaction to submit."""
        self._sign()
        response = await self._session.client.endorse(
            gateway_pb2.EndorseRequest(
                transaction_id=self.tx_id,
                channel_id=self.channel_name,
                proposed_transaction=self._proposed.proposal,
                endorsing_organizations=list(self._proposed.endorsing_organizations),
            )
        )
        return Transaction(
            self._session,
            gateway_pb2.PreparedTransaction(
                transaction_id=self.tx_id, envelope=response.prepared_transaction
            ),
        )
