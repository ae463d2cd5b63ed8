"""Chaincode events as a closable async iterator that can resume from a checkpoint."""

from __future__ import annotations

import json
from typing import Any, AsyncIterator, NamedTuple

from fabric_protos.gateway import gateway_pb2
from fabric_protos.orderer import ab_pb2

from ._client import Session
from .identity import sha256


class ChaincodeEvent(NamedTuple):
    """One event emitted by a committed (valid) transaction."""

    block_number: int
    tx_id: str
    event_name: str
    payload: bytes

    def decoded(self) -> Any:
        """The payload parsed as JSON (``None`` when empty)."""
        return json.loads(self.payload) if self.payload else None


class Checkpoint(NamedTuple):
    """Where a stream stopped: resume at this block, after this transaction."""

    block_number: int
    tx_id: str


def build_events_request(
    *,
    creator: bytes,
    channel_name: str,
    chaincode_name: str,
    start_block: int | None = None,
    after_tx_id: str = "",
) -> gateway_pb2.ChaincodeEventsRequest:
    """Request events from ``start_block``, or from the next commit when ``None``."""
    if start_block is None:
        position = ab_pb2.SeekPosition(next_commit=ab_pb2.SeekNextCommit())
    else:
        position = ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=start_block))
    return gateway_pb2.ChaincodeEventsRequest(
        channel_id=channel_name,
        chaincode_id=chaincode_name,
        identity=creator,
        start_position=position,
        after_transaction_id=after_tx_id,
    )


class ChaincodeEvents:
    """Async iterator of ``ChaincodeEvent``; ``close()`` cancels the stream."""

    def __init__(self, session: Session, request: gateway_pb2.ChaincodeEventsRequest) -> None:
        self._session = session
        self._signed = gateway_pb2.SignedChaincodeEventsRequest(
            request=request.SerializeToString()
        )
        self._events: AsyncIterator[ChaincodeEvent] | None = None
        self._closed = False
        self.checkpoint: Checkpoint | None = None
        """The last event delivered, to resume from after a restart."""

    def to_bytes(self) -> bytes:
        """Serialized ``SignedChaincodeEventsRequest``, for an offline signer."""
        return self._signed.SerializeToString()

    def digest(self) -> bytes:
        return sha256(self._signed.request)

    def set_signature(self, signature: bytes) -> None:
        self._signed.signature = signature

    async def _stream(self) -> AsyncIterator[ChaincodeEvent]:
        responses = self._session.client.chaincode_events(self._signed)
        try:
            async for response in responses:
                for event in response.events:
                    yield ChaincodeEvent(
                        block_number=response.block_number,
                        tx_id=event.tx_id,
                        event_name=event.event_name,
                        payload=event.payload,
                    )
        finally:
            await responses.aclose()  # type: ignore[attr-defined]

    def __aiter__(self) -> ChaincodeEvents:
        return self

    async def __anext__(self) -> ChaincodeEvent:
        if self._closed:
            raise StopAsyncIteration
        if self._events is None:
            if not self._signed.signature:
                self.set_signature(self._session.sign(self.digest(), "events request"))
            self._events = self._stream()
        event = await self._events.__anext__()
        self.checkpoint = Checkpoint(event.block_number, event.tx_id)
        return event

    async def close(self) -> None:
        """Stop receiving events and cancel the underlying call."""
        self._closed = True
        if self._events is not None:
            await self._events.aclose()  # type: ignore[attr-defined]

    async def __aenter__(self) -> ChaincodeEvents:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
