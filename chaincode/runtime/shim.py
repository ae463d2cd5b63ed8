"""Our chaincode shim: the chaincode side of the peer's ``protos.Chaincode/Connect`` stream.

With chaincode as a service the peer dials us and opens one bidirectional
stream per chaincode. On that stream (see :class:`ChaincodeSession`):

1. we send ``REGISTER`` (payload: ``ChaincodeID{name=<package id>}``);
2. the peer answers ``REGISTERED`` and then ``READY``;
3. the peer sends ``TRANSACTION`` (or ``INIT``) messages, each run on a worker
   thread, so many transactions are in flight on one stream. While running, a
   transaction sends requests (``GET_STATE``, ``PUT_STATE``, ...) carrying its
   channel id and tx id, and blocks until the peer answers ``RESPONSE`` or
   ``ERROR`` for that same (channel id, tx id); the peer allows one pending
   request per transaction, which a single worker thread respects naturally;
4. the transaction ends with ``COMPLETED`` (payload: a ``protos.Response``,
   plus the chaincode event if the contract set one);
5. ``KEEPALIVE`` from the peer is echoed back unchanged, as the Go shim does.

A message that makes no sense in the current state is answered with ``ERROR``
and ends the stream (again like the Go shim); the peer reconnects on its next
invocation. When the stream ends, every transaction still waiting for the peer
gets :class:`StreamClosed`.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Executor
from typing import Iterable, Iterator

import grpc
from fabric_protos.peer import chaincode_pb2, chaincode_shim_pb2, chaincode_shim_pb2_grpc, proposal_response_pb2

from chaincode.runtime.router import STATUS_FAILED, Router
from chaincode.runtime.shim_stub import ShimStub

log = logging.getLogger(__name__)

Message = chaincode_shim_pb2.ChaincodeMessage

DEFAULT_REQUEST_TIMEOUT = 300.0  # seconds; the peer's own execute timeout (30 s by default) ends sooner
REGISTER_WARNING_SECONDS = 30.0

_END = object()  # outbox sentinel: stop the outgoing stream


class ShimError(Exception):
    """The conversation with the peer failed."""


class PeerError(ShimError):
    """The peer answered a request with ERROR; the message is the peer's own text."""

    def __init__(self, request: str, message: str) -> None:
        super().__init__(f"peer refused {request}: {message}")
        self.request = request
        self.peer_message = message


class StreamClosed(ShimError):
    """The stream ended while a transaction was waiting for the peer."""


def _name(kind: int) -> str:
    return Message.Type.Name(kind) if kind in Message.Type.values() else str(kind)


def _short(tx_id: str) -> str:
    return tx_id[:8]


class _PendingRequest:
    def __init__(self, kind: int) -> None:
        self.kind = kind
        self.reply: chaincode_shim_pb2.ChaincodeMessage | None = None
        self.error: ShimError | None = None
        self.done = threading.Event()


class ChaincodeSession:
    """One ``Connect`` stream: registration, then transactions until the stream ends."""

    def __init__(self, chaincode_id: str, router: Router, executor: Executor, *,
                 request_timeout: float = DEFAULT_REQUEST_TIMEOUT) -> None:
        self.chaincode_id = chaincode_id
        self._router = router
        self._executor = executor
        self._request_timeout = request_timeout
        self._outbox: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], _PendingRequest] = {}
        self._running: set[tuple[str, str]] = set()
        self._state = "created"
        self._closed = False
        self.ended = threading.Event()
        self._register_warning = threading.Timer(REGISTER_WARNING_SECONDS, self._warn_unregistered)
        self._register_warning.daemon = True

    # -- stream ------------------------------------------------------------
    def messages(self, requests: Iterable[Message]) -> Iterator[Message]:
        """The outgoing stream: REGISTER, then whatever the session sends, until it closes."""
        register = chaincode_pb2.ChaincodeID(name=self.chaincode_id)
        yield Message(type=Message.REGISTER, payload=register.SerializeToString())
        self._register_warning.start()
        reader = threading.Thread(target=self._read, args=(requests,), name="chaincode-stream-reader", daemon=True)
        reader.start()
        while True:
            message = self._outbox.get()
            if message is _END:
                return
            yield message

    def close(self, reason: str = "stream ended") -> None:
        """End the session: fail waiting requests and stop the outgoing stream. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            waiting = list(self._pending.values())
            self._pending.clear()
        for pending in waiting:
            pending.error = StreamClosed(f"{reason} while waiting for the peer's answer to {_name(pending.kind)}")
            pending.done.set()
        self._register_warning.cancel()
        self._outbox.put(_END)
        self.ended.set()
        log.info("chaincode stream closed: %s", reason)

    def _warn_unregistered(self) -> None:
        if self._state == "created" and not self._closed:
            log.warning("the peer has not answered REGISTER after %g s; a peer accepts only the package id it "
                        "launched: check that CHAINCODE_ID (%s) equals the installed package id",
                        REGISTER_WARNING_SECONDS, self.chaincode_id)

    def _send(self, message: chaincode_shim_pb2.ChaincodeMessage) -> None:
        if self._closed:
            log.debug("[%s] stream closed; dropping %s", _short(message.txid), _name(message.type))
            return
        self._outbox.put(message)

    def _read(self, requests: Iterable[chaincode_shim_pb2.ChaincodeMessage]) -> None:
        reason = "the peer closed the stream"
        try:
            for message in requests:
                problem = self._handle(message)
                if problem is not None:
                    log.error("[%s] %s; ending the stream", _short(message.txid), problem)
                    self._send(Message(type=Message.ERROR, payload=problem.encode(), txid=message.txid,
                                       channel_id=message.channel_id))
                    reason = problem
                    break
        except grpc.RpcError as err:
            reason = f"the stream failed ({err.code() if hasattr(err, 'code') else err})"
        except Exception as err:
            log.exception("reading the chaincode stream failed")
            reason = f"reading the stream failed: {err}"
        finally:
            self.close(reason)

    # -- incoming messages ---------------------------------------------------
    def _handle(self, message: chaincode_shim_pb2.ChaincodeMessage) -> str | None:
        """Act on one message from the peer; returns a problem that ends the stream, or None."""
        kind = message.type
        log.debug("[%s] received %s in state %s", _short(message.txid), _name(kind), self._state)
        if kind == Message.KEEPALIVE:
            self._send(message)
            return None
        if self._state == "created" and kind == Message.REGISTERED:
            self._state = "established"
            self._register_warning.cancel()
            return None
        if self._state == "established" and kind == Message.READY:
            self._state = "ready"
            self._log_ready(message.payload)
            return None
        if self._state == "ready":
            if kind in (Message.RESPONSE, Message.ERROR):
                self._deliver(message)
                return None
            if kind in (Message.TRANSACTION, Message.INIT):
                self._start(message)
                return None
        return f"chaincode cannot handle message {_name(kind)} while in state {self._state}"

    def _log_ready(self, payload: bytes) -> None:
        params = chaincode_pb2.ChaincodeAdditionalParams()
        try:
            params.ParseFromString(payload)
        except Exception:
            pass
        log.info("chaincode %s registered with the peer and ready (peer offers write batches: %s)",
                 self.chaincode_id, params.use_write_batch)

    def _deliver(self, message: chaincode_shim_pb2.ChaincodeMessage) -> None:
        with self._lock:
            pending = self._pending.pop((message.channel_id, message.txid), None)
        if pending is None:
            log.warning("[%s] %s from the peer matches no waiting request on channel %r; ignored",
                        _short(message.txid), _name(message.type), message.channel_id)
            return
        pending.reply = message
        pending.done.set()

    def _start(self, message: chaincode_shim_pb2.ChaincodeMessage) -> None:
        key = (message.channel_id, message.txid)
        with self._lock:
            duplicate = key in self._running
            if not duplicate:
                self._running.add(key)
        if duplicate:
            self._send(Message(type=Message.ERROR, payload=f"transaction {message.txid} is already running".encode(),
                               txid=message.txid, channel_id=message.channel_id))
            return
        try:
            self._executor.submit(self._run, message)
        except RuntimeError:  # executor shut down: the server is stopping
            with self._lock:
                self._running.discard(key)
            self._send(Message(type=Message.ERROR, payload=b"chaincode server is shutting down",
                               txid=message.txid, channel_id=message.channel_id))

    # -- transactions ---------------------------------------------------------
    def _run(self, message: chaincode_shim_pb2.ChaincodeMessage) -> None:
        try:
            reply = self._execute(message)
        except Exception as err:
            log.exception("[%s] transaction could not run", _short(message.txid))
            reply = Message(type=Message.ERROR, payload=str(err).encode(), txid=message.txid,
                            channel_id=message.channel_id)
        finally:
            with self._lock:
                self._running.discard((message.channel_id, message.txid))
        self._send(reply)

    def _execute(self, message: chaincode_shim_pb2.ChaincodeMessage) -> chaincode_shim_pb2.ChaincodeMessage:
        chaincode_input = chaincode_pb2.ChaincodeInput.FromString(message.payload)
        stub = ShimStub(self, message.channel_id, message.txid,
                        message.proposal if message.HasField("proposal") else None)
        args = list(chaincode_input.args)
        function = args[0].decode("utf-8", errors="replace") if args else ""
        response = self._router.invoke(stub, function, [bytes(a) for a in args[1:]])
        stub.finish()
        log.info("[%s] %s %s -> %d%s", _short(message.txid), _name(message.type), function, response.status,
                 f" ({response.message})" if response.message else "")
        event = stub.event if response.status < 400 else None
        if message.type == Message.INIT and response.status >= STATUS_FAILED:
            return Message(type=Message.ERROR, payload=response.message.encode(), txid=message.txid,
                           channel_id=message.channel_id)
        result = proposal_response_pb2.Response(status=response.status, message=response.message,
                                                payload=response.payload)
        reply = Message(type=Message.COMPLETED, payload=result.SerializeToString(), txid=message.txid,
                        channel_id=message.channel_id)
        if event is not None:
            reply.chaincode_event.CopyFrom(event)
        return reply

    # -- PeerLink ----------------------------------------------------------------
    def request(self, channel_id: str, tx_id: str, kind: int, payload: bytes) -> bytes:
        """Send a transaction's request and wait for the peer's RESPONSE (its payload) or ERROR (raised)."""
        key = (channel_id, tx_id)
        pending = _PendingRequest(kind)
        with self._lock:
            if self._closed:
                raise StreamClosed(f"the stream is closed; cannot send {_name(kind)}")
            if key in self._pending:
                raise ShimError(f"transaction {tx_id} already waits for the peer; requests must not overlap")
            self._pending[key] = pending
        self._outbox.put(Message(type=kind, payload=payload, txid=tx_id, channel_id=channel_id))
        if not pending.done.wait(self._request_timeout):
            with self._lock:
                if self._pending.get(key) is pending:
                    del self._pending[key]
            raise ShimError(f"no answer from the peer to {_name(kind)} within {self._request_timeout:g} s")
        if pending.error is not None:
            raise pending.error
        reply = pending.reply
        assert reply is not None
        if reply.type == Message.RESPONSE:
            return bytes(reply.payload)
        if reply.type == Message.ERROR:
            raise PeerError(_name(kind), reply.payload.decode("utf-8", errors="replace"))
        raise ShimError(f"unexpected {_name(reply.type)} in answer to {_name(kind)}")


class ChaincodeService(chaincode_shim_pb2_grpc.ChaincodeServicer):
    """The gRPC service the peer dials: one :class:`ChaincodeSession` per ``Connect`` stream."""

    def __init__(self, chaincode_id: str, router: Router, executor: Executor, *,
                 request_timeout: float = DEFAULT_REQUEST_TIMEOUT) -> None:
        self._chaincode_id = chaincode_id
        self._router = router
        self._executor = executor
        self._request_timeout = request_timeout
        self._lock = threading.Lock()
        self._sessions: set[ChaincodeSession] = set()

    def Connect(self, request_iterator, context):  # noqa: N802 (gRPC method name)
        session = ChaincodeSession(self._chaincode_id, self._router, self._executor,
                                   request_timeout=self._request_timeout)
        with self._lock:
            self._sessions.add(session)
        peer = context.peer()
        log.info("peer %s connected", peer)

        def ended() -> None:
            session.close("the RPC ended")
            with self._lock:
                self._sessions.discard(session)

        context.add_callback(ended)
        return session.messages(request_iterator)

    def close_all(self, reason: str) -> None:
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.close(reason)
