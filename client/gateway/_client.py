"""The transport boundary: gateway stub calls with deadlines and error mapping.

Nothing outside this module calls the stub, and nothing outside it sees a
``grpc.RpcError``: every failure leaves here as a ``GatewayError`` subtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, AsyncIterator

import grpc
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc

from .errors import (
    ChaincodeEventsError,
    CommitStatusError,
    EndorseError,
    EvaluateError,
    GatewayError,
    SubmitError,
    translate_rpc_error,
)
from .identity import Signer


@dataclass(frozen=True, kw_only=True)
class Timeouts:
    """Deadlines in seconds per gateway call; ``None`` waits forever."""

    evaluate: float | None = 5.0
    endorse: float | None = 15.0
    submit: float | None = 5.0
    commit_status: float | None = 60.0


class GatewayClient:
    """Calls the ``gateway.Gateway`` service and maps its failures."""

    def __init__(self, channel: Any, timeouts: Timeouts) -> None:
        self._stub = gateway_pb2_grpc.GatewayStub(channel)
        self.timeouts = timeouts

    @staticmethod
    async def _unary(
        method: Any,
        request: Any,
        timeout: float | None,
        error_type: type[GatewayError],
        tx_id: str,
    ) -> Any:
        try:
            return await method(request, timeout=timeout)
        except grpc.RpcError as exc:
            raise translate_rpc_error(exc, error_type, tx_id) from exc

    async def evaluate(self, request: gateway_pb2.EvaluateRequest) -> gateway_pb2.EvaluateResponse:
        return await self._unary(
            self._stub.Evaluate, request, self.timeouts.evaluate, EvaluateError, request.transaction_id
        )

    async def endorse(self, request: gateway_pb2.EndorseRequest) -> gateway_pb2.EndorseResponse:
        return await self._unary(
            self._stub.Endorse, request, self.timeouts.endorse, EndorseError, request.transaction_id
        )

    async def submit(self, request: gateway_pb2.SubmitRequest) -> gateway_pb2.SubmitResponse:
        return await self._unary(
            self._stub.Submit, request, self.timeouts.submit, SubmitError, request.transaction_id
        )

    async def commit_status(
        self, request: gateway_pb2.SignedCommitStatusRequest, tx_id: str
    ) -> gateway_pb2.CommitStatusResponse:
        return await self._unary(
            self._stub.CommitStatus, request, self.timeouts.commit_status, CommitStatusError, tx_id
        )

    async def chaincode_events(
        self, request: gateway_pb2.SignedChaincodeEventsRequest
    ) -> AsyncIterator[gateway_pb2.ChaincodeEventsResponse]:
        """Stream responses; closing the generator cancels the call."""
        call = self._stub.ChaincodeEvents(request)
        try:
            async for response in call:
                yield response
        except grpc.RpcError as exc:
            raise translate_rpc_error(exc, ChaincodeEventsError) from exc
        finally:
            call.cancel()


@dataclass(frozen=True)
class Session:
    """What every signed step needs: the transport, who we are, how we sign."""

    client: GatewayClient
    creator: bytes
    signer: Signer | None  # None: every message is signed offline

    def sign(self, digest: bytes, what: str) -> bytes:
        if self.signer is None:
            raise GatewayError(
                f"{what} is not signed and the gateway has no signer; "
                "sign its digest offline and call set_signature()"
            )
        return self.signer(digest)
