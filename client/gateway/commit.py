"""Waiting for a submitted transaction to be committed, via a signed request."""

from __future__ import annotations

from dataclasses import dataclass

from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import transaction_pb2

from ._client import Session
from .identity import sha256


@dataclass(frozen=True)
class CommitStatus:
    """How the peer validated the transaction, and in which block."""

    tx_id: str
    code: int
    block_number: int

    @property
    def code_name(self) -> str:
        """``TxValidationCode`` name, e.g. ``VALID`` or ``MVCC_READ_CONFLICT``."""
        try:
            return transaction_pb2.TxValidationCode.Name(self.code)
        except ValueError:
            return f"UNKNOWN({self.code})"

    @property
    def successful(self) -> bool:
        return self.code == transaction_pb2.VALID


class Commit:
    """A submitted transaction whose validation outcome can be awaited."""

    def __init__(
        self,
        session: Session,
        tx_id: str,
        signed_request: gateway_pb2.SignedCommitStatusRequest,
    ) -> None:
        self._session = session
        self.tx_id = tx_id
        self._signed = signed_request

    @classmethod
    def for_transaction(cls, session: Session, channel_name: str, tx_id: str) -> Commit:
        """An unsigned commit-status request for ``tx_id`` by this session's creator."""
        request = gateway_pb2.CommitStatusRequest(
            transaction_id=tx_id, channel_id=channel_name, identity=session.creator
        )
        return cls(
            session,
            tx_id,
            gateway_pb2.SignedCommitStatusRequest(request=request.SerializeToString()),
        )

    def to_bytes(self) -> bytes:
        """Serialized ``SignedCommitStatusRequest``, for an offline signer."""
        return self._signed.SerializeToString()

    def digest(self) -> bytes:
        """SHA-256 of the request bytes: what the creator signs."""
        return sha256(self._signed.request)

    @property
    def signed_request(self) -> gateway_pb2.SignedCommitStatusRequest:
        return self._signed

    def set_signature(self, signature: bytes) -> None:
        """Use a signature made elsewhere over ``digest()``."""
        self._signed.signature = signature

    def sign(self) -> None:
        """Sign with the session signer unless a signature is already set."""
        if not self._signed.signature:
            self.set_signature(self._session.sign(self.digest(), "commit status request"))

    async def status(self) -> CommitStatus:
        """Wait until the transaction is committed and report its validation code."""
        self.sign()
        response = await self._session.client.commit_status(self._signed, self.tx_id)
        return CommitStatus(
            tx_id=self.tx_id, code=response.result, block_number=response.block_number
        )
