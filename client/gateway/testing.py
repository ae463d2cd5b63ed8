"""An in-memory gateway for tests of code that uses this client.

``FakeChannel`` stands in for a ``grpc.aio.Channel`` and serves gateway calls
from a ``GatewayServicer`` (the same class a real ``grpc.aio`` server would
run). Requests and responses pass through the real protobuf serializers and
errors arrive as ``grpc.aio.AioRpcError`` with the gateway's status-details
trailer, so the client code under test runs unchanged.
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, Sequence

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.peer import chaincode_pb2, proposal_pb2, proposal_response_pb2, transaction_pb2

from ._status import DETAILS_KEY, encode_status
from .identity import Identity

_SERVICE = gateway_pb2.DESCRIPTOR.services_by_name["Gateway"]


def error_trailer(
    code: grpc.StatusCode, message: str, details: Sequence[gateway_pb2.ErrorDetail] = ()
) -> tuple[tuple[str, bytes], ...]:
    """Trailing metadata carrying ``details`` the way the Fabric gateway sends them."""
    return ((DETAILS_KEY, encode_status(code.value[0], message, details)),)


def _rpc_error(code: grpc.StatusCode, message: str, trailing: Sequence[tuple[str, Any]] = ()) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(
        code,
        initial_metadata=grpc.aio.Metadata(),
        trailing_metadata=grpc.aio.Metadata(*trailing),
        details=message,
    )


class FakeContext:
    """The part of ``grpc.aio.ServicerContext`` a gateway servicer needs."""

    def __init__(self) -> None:
        self.code: grpc.StatusCode | None = None
        self.details = ""

    async def abort(
        self, code: grpc.StatusCode, details: str = "", trailing_metadata: Sequence[tuple[str, Any]] = ()
    ) -> None:
        raise _rpc_error(code, details, trailing_metadata)

    def set_code(self, code: grpc.StatusCode) -> None:
        self.code = code

    def set_details(self, details: str) -> None:
        self.details = details

    def invocation_metadata(self) -> tuple[()]:
        return ()


@dataclass(frozen=True)
class FakeCall:
    """One request the channel received, parsed back from its bytes."""

    method: str
    request: Any
    timeout: float | None


def _request_type(path: str) -> tuple[str, Any]:
    name = path.rsplit("/", 1)[-1]
    descriptor = _SERVICE.methods_by_name[name].input_type
    return name, getattr(gateway_pb2, descriptor.name)


async def _failing(error: Exception) -> AsyncIterator[Any]:
    raise error
    yield  # pragma: no cover - makes this an async generator


class _StreamCall:
    def __init__(self, responses: AsyncIterator[Any], deserialize: Callable[[bytes], Any]) -> None:
        self._responses = responses
        self._deserialize = deserialize
        self.cancelled = False

    def cancel(self) -> bool:
        already = self.cancelled
        self.cancelled = True
        return not already

    async def _iterate(self) -> AsyncIterator[Any]:
        try:
            async for response in self._responses:
                if self.cancelled:
                    break
                yield self._deserialize(response.SerializeToString())
        finally:
            await self._responses.aclose()  # type: ignore[attr-defined]

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()


class FakeChannel:
    """A ``grpc.aio.Channel`` look-alike that serves calls from ``servicer``."""

    def __init__(self, servicer: Any) -> None:
        self.servicer = servicer
        self.calls: list[FakeCall] = []
        self.streams: list[_StreamCall] = []
        self.closed = False

    def requests(self, method: str) -> list[Any]:
        """The parsed requests sent to ``method`` (e.g. ``"Endorse"``), in order."""
        return [call.request for call in self.calls if call.method == method]

    def _handler(self, name: str) -> Callable[..., Any]:
        return getattr(self.servicer, name)

    def unary_unary(
        self,
        method: str,
        request_serializer: Callable[[Any], bytes] | None = None,
        response_deserializer: Callable[[bytes], Any] | None = None,
        **_: Any,
    ) -> Callable[..., Any]:
        name, request_type = _request_type(method)

        async def call(request: Any, *, timeout: float | None = None, **__: Any) -> Any:
            parsed = request_type.FromString(request_serializer(request))  # type: ignore[misc]
            self.calls.append(FakeCall(name, parsed, timeout))
            try:
                result = self._handler(name)(parsed, FakeContext())
                if inspect.isawaitable(result):
                    result = await result
            except grpc.aio.AioRpcError:
                raise
            except NotImplementedError:
                raise _rpc_error(grpc.StatusCode.UNIMPLEMENTED, "Method not implemented!") from None
            except Exception as exc:
                raise _rpc_error(grpc.StatusCode.UNKNOWN, f"Unexpected {exc!r}") from exc
            return response_deserializer(result.SerializeToString())  # type: ignore[misc]

        return call

    def unary_stream(
        self,
        method: str,
        request_serializer: Callable[[Any], bytes] | None = None,
        response_deserializer: Callable[[bytes], Any] | None = None,
        **_: Any,
    ) -> Callable[..., Any]:
        name, request_type = _request_type(method)

        def call(request: Any, *, timeout: float | None = None, **__: Any) -> _StreamCall:
            parsed = request_type.FromString(request_serializer(request))  # type: ignore[misc]
            self.calls.append(FakeCall(name, parsed, timeout))
            try:
                responses = self._handler(name)(parsed, FakeContext())
            except NotImplementedError:
                responses = _failing(_rpc_error(grpc.StatusCode.UNIMPLEMENTED, "Method not implemented!"))
            stream = _StreamCall(responses, response_deserializer)  # type: ignore[arg-type]
            self.streams.append(stream)
            return stream

        return call

    async def close(self, grace: float | None = None) -> None:
        self.closed = True


def generate_identity(msp_id: str = "Org1MSP", common_name: str = "user1") -> tuple[Identity, bytes]:
    """A throwaway identity: a self-signed P-256 certificate (valid for a day either side of now) and its PEM key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return Identity(msp_id=msp_id, cert_pem=cert.public_bytes(serialization.Encoding.PEM)), key_pem


@dataclass(frozen=True)
class Invocation:
    """A chaincode call as a peer would read it from a signed proposal."""

    tx_id: str
    channel_name: str
    chaincode_name: str
    function: str
    args: list[bytes]
    transient: dict[str, bytes]
    creator: bytes


def parse_invocation(signed: proposal_pb2.SignedProposal) -> Invocation:
    """Decode the proposal layers the way an endorsing peer does."""
    proposal = proposal_pb2.Proposal.FromString(signed.proposal_bytes)
    header = common_pb2.Header.FromString(proposal.header)
    channel_header = common_pb2.ChannelHeader.FromString(header.channel_header)
    signature_header = common_pb2.SignatureHeader.FromString(header.signature_header)
    payload = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload)
    spec = chaincode_pb2.ChaincodeInvocationSpec.FromString(payload.input).chaincode_spec
    function, *args = list(spec.input.args)
    return Invocation(
        tx_id=channel_header.tx_id,
        channel_name=channel_header.channel_id,
        chaincode_name=spec.chaincode_id.name,
        function=function.decode("utf-8"),
        args=args,
        transient=dict(payload.TransientMap),
        creator=signature_header.creator,
    )


def prepared_envelope(invocation: Invocation, result: bytes) -> common_pb2.Envelope:
    """An unsigned envelope like the gateway returns from Endorse."""
    response_payload = proposal_response_pb2.ProposalResponsePayload(
        extension=proposal_pb2.ChaincodeAction(
            response=proposal_response_pb2.Response(status=200, payload=result)
        ).SerializeToString()
    )
    action_payload = transaction_pb2.ChaincodeActionPayload(
        action=transaction_pb2.ChaincodeEndorsedAction(
            proposal_response_payload=response_payload.SerializeToString()
        )
    )
    transaction = transaction_pb2.Transaction(
        actions=[transaction_pb2.TransactionAction(payload=action_payload.SerializeToString())]
    )
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.ENDORSER_TRANSACTION,
        channel_id=invocation.channel_name,
        tx_id=invocation.tx_id,
    )
    payload = common_pb2.Payload(
        header=common_pb2.Header(
            channel_header=channel_header.SerializeToString(),
            signature_header=common_pb2.SignatureHeader(creator=invocation.creator).SerializeToString(),
        ),
        data=transaction.SerializeToString(),
    )
    return common_pb2.Envelope(payload=payload.SerializeToString())


@dataclass
class Failure:
    """A gRPC failure to answer with, shaped like the Fabric gateway's."""

    code: grpc.StatusCode
    message: str
    details: list[gateway_pb2.ErrorDetail] = field(default_factory=list)


class FakeGatewayService(gateway_pb2_grpc.GatewayServicer):
    """A scripted gateway: answers from ``respond``, refuses and fails on request.

    ``respond(invocation)`` returns the chaincode result bytes (default empty).
    ``refuse(function, message, status)`` makes the chaincode refuse a function
    the way peers report it; ``failures[method]`` fails a whole gRPC method.
    """

    def __init__(
        self,
        respond: Callable[[Invocation], bytes] | None = None,
        *,
        validation_code: int = transaction_pb2.VALID,
        block_number: int = 7,
        events: Sequence[gateway_pb2.ChaincodeEventsResponse] = (),
        hold_events_open: bool = False,
        peer: tuple[str, str] = ("peer0.org1.example.com:7051", "Org1MSP"),
    ) -> None:
        self.respond = respond or (lambda invocation: b"")
        self.validation_code = validation_code
        self.block_number = block_number
        self.events = list(events)
        self.hold_events_open = hold_events_open
        self.peer = peer
        self.failures: dict[str, Failure] = {}
        self.refusals: dict[str, tuple[int, str]] = {}
        self.invocations: list[Invocation] = []

    def refuse(self, function: str, message: str, status: int = 400) -> None:
        self.refusals[function] = (status, message)

    def _detail(self, message: str) -> gateway_pb2.ErrorDetail:
        return gateway_pb2.ErrorDetail(address=self.peer[0], msp_id=self.peer[1], message=message)

    async def _fail_if_asked(self, method: str, context: Any) -> None:
        failure = self.failures.get(method)
        if failure is not None:
            await context.abort(
                failure.code,
                failure.message,
                error_trailer(failure.code, failure.message, failure.details),
            )

    async def _run_chaincode(self, method: str, signed: proposal_pb2.SignedProposal, context: Any) -> tuple[Invocation, bytes]:
        await self._fail_if_asked(method, context)
        invocation = parse_invocation(signed)
        self.invocations.append(invocation)
        refusal = self.refusals.get(invocation.function)
        if refusal is not None:
            status, text = refusal
            # The gateway treats a 500 without payload as a peer error, else as a chaincode response.
            detail = text if status == 500 else f"chaincode response {status}, {text}"
            if method == "Endorse":
                code, message = grpc.StatusCode.ABORTED, "failed to endorse transaction, see attached details for more info"
            elif status == 500:
                code, message = grpc.StatusCode.ABORTED, "failed to evaluate transaction, see attached details for more info"
            else:
                code, message = grpc.StatusCode.UNKNOWN, f"evaluate call to endorser returned error: {detail}"
            await context.abort(code, message, error_trailer(code, message, [self._detail(detail)]))
        return invocation, self.respond(invocation)

    async def Evaluate(self, request: Any, context: Any) -> gateway_pb2.EvaluateResponse:
        _, result = await self._run_chaincode("Evaluate", request.proposed_transaction, context)
        return gateway_pb2.EvaluateResponse(
            result=proposal_response_pb2.Response(status=200, payload=result)
        )

    async def Endorse(self, request: Any, context: Any) -> gateway_pb2.EndorseResponse:
        invocation, result = await self._run_chaincode("Endorse", request.proposed_transaction, context)
        return gateway_pb2.EndorseResponse(prepared_transaction=prepared_envelope(invocation, result))

    async def Submit(self, request: Any, context: Any) -> gateway_pb2.SubmitResponse:
        await self._fail_if_asked("Submit", context)
        return gateway_pb2.SubmitResponse()

    async def CommitStatus(self, request: Any, context: Any) -> gateway_pb2.CommitStatusResponse:
        await self._fail_if_asked("CommitStatus", context)
        return gateway_pb2.CommitStatusResponse(
            result=self.validation_code, block_number=self.block_number
        )

    async def ChaincodeEvents(self, request: Any, context: Any) -> AsyncIterator[gateway_pb2.ChaincodeEventsResponse]:
        await self._fail_if_asked("ChaincodeEvents", context)
        for response in self.events:
            yield response
        if self.hold_events_open:
            await asyncio.Event().wait()
