"""An endorsed transaction: the envelope the gateway prepared, to sign and submit."""

from __future__ import annotations

from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import proposal_pb2, proposal_response_pb2, transaction_pb2
from google.protobuf.message import DecodeError

from ._client import Session
from .commit import Commit
from .errors import GatewayError
from .identity import sha256


def parse_envelope(envelope: common_pb2.Envelope) -> tuple[str, bytes]:
    """Channel name and chaincode result carried by a prepared envelope."""
    try:
        payload = common_pb2.Payload.FromString(envelope.payload)
        channel_header = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
        transaction = transaction_pb2.Transaction.FromString(payload.data)
        for action in transaction.actions:
            action_payload = transaction_pb2.ChaincodeActionPayload.FromString(action.payload)
            response_payload = proposal_response_pb2.ProposalResponsePayload.FromString(
                action_payload.action.proposal_response_payload
            )
            chaincode_action = proposal_pb2.ChaincodeAction.FromString(response_payload.extension)
            return channel_header.channel_id, chaincode_action.response.payload
    except DecodeError as exc:
        raise GatewayError(f"prepared transaction is malformed: {exc}") from exc
    raise GatewayError("prepared transaction has no chaincode action")


class Transaction:
    """Endorsed and ready to order; ``result`` is the chaincode's return value."""

    def __init__(self, session: Session, prepared: gateway_pb2.PreparedTransaction) -> None:
        self._session = session
        self._prepared = prepared
        self.channel_name, self.result = parse_envelope(prepared.envelope)

    @property
    def tx_id(self) -> str:
        return self._prepared.transaction_id

    def to_bytes(self) -> bytes:
        """Serialized ``PreparedTransaction``, to hand to an offline signer."""
        return self._prepared.SerializeToString()

    def digest(self) -> bytes:
        """SHA-256 of the envelope payload: what the creator signs."""
        return sha256(self._prepared.envelope.payload)

    @property
    def envelope(self) -> common_pb2.Envelope:
        return self._prepared.envelope

    def set_signature(self, signature: bytes) -> None:
        """Use a signature made elsewhere over ``digest()``."""
        self._prepared.envelope.signature = signature

    async def submit(self) -> Commit:
        """Sign the envelope and send it for ordering; returns a commit handle."""
        if not self._prepared.envelope.signature:
            self.set_signature(self._session.sign(self.digest(), "transaction"))
        commit = Commit.for_transaction(self._session, self.channel_name, self.tx_id)
        await self._session.client.submit(
            gateway_pb2.SubmitRequest(
                transaction_id=self.tx_id,
                channel_id=self.channel_name,
                prepared_transaction=self._prepared.envelope,
            )
        )
        return commit
