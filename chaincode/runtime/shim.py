"""Our chaincode shim: the chaincode side of the peer's ``protos.Chaincode/Connect`` stream.

With chaincode as a service the peer dials us and opens one bidirectional
stream per chaincode. On that stream (see :class:`ChaincodeSession`):

1. we send ``REGISTER`` (payload: ``ChaincodeID{name=<package id>}``);
2. the peer answers ``REGISTERED`` and then ``READY``, whose payload
   (``ChaincodeAdditionalParams``, Fabric 2.5+) may offer write batches and
   multiple-key reads (see :mod:`chaincode.runtime.shim_stub`);
3. the peer sends ``TRANSACTION`` (or ``INIT``) messages, many of them in
   flight at once. While running, a transaction sends requests (``GET_STATE``,
   ``PUT_STATE``, ...) carrying its channel id and tx id, and waits until the
   peer answers ``RESPONSE`` or ``ERROR`` for that same (channel id, tx id); the
   peer allows one pending request per transaction;
4. the transaction ends with ``COMPLETED`` (payload: a ``protos.Response``,
   plus the chaincode event if the contract set one), after its writes in
   ``WRITE_BATCH_STATE`` requests when the peer offered batches and the
   contract code succeeded;
5. ``KEEPALIVE`` from the peer is echoed back unchanged, as the Go shim does.

A message that makes no sense in the current state is answered with ``ERROR``
and ends the stream (again like the Go shim); the peer reconnects on its next
invocation. When the stream ends, every transaction still waiting for the peer
gets :class:`StreamClosed`.

How the work is spread over threads
-----------------------------------

The stream is served on one event loop thread by our HTTP/2 transport
(:mod:`chaincode.runtime.http2`): when bytes arrive, the transport unframes
each message and hands it to the session (:meth:`ChaincodeSession.received`),
and what the session sends in answer is framed at once and written when that
read is done, so a message from the peer and our answer take one pass of the
loop and no task switch. Nothing there ever blocks.

Contract code is synchronous and shared with the in-memory ledger of the unit
tests: ``ctx.get`` → ``stub.get_state`` → a request to the peer → its answer.
It runs in one of two ways:

* **On the loop, in a greenlet of its own** (most transactions). The contract
  code starts on the loop thread inside a ``greenlet``; when it makes a
  request, the stub's link queues the request for the peer and switches back
  to the loop, which serves other messages. When the peer's answer comes, the
  session switches into that greenlet again, and the contract code goes on
  from where it stopped, with the answer as the request's return value. Each
  request is sent once, the code runs once, and no thread is involved.
* **On a worker thread** (:class:`Workers`), for a function whose run took more
  than :data:`LOOP_BUDGET_SECONDS` of the loop thread's CPU time (CPU-heavy contract code would
  otherwise hold up every other transaction of every stream): its next call
  starts on a worker, which asks the peer directly (the request is handed to the
  loop with ``call_soon_threadsafe``) and sleeps on a bare lock that the loop
  releases when the answer comes. A function
  that needed a worker goes back to the loop once a run of it is light again.

Measured with one stream, no TLS and a fake peer answering from memory (CPU
per transaction of the server process and context switches per transaction;
the Go shim doing the same work in the same set-up: 0.26 and 0.45 ms):

=======================  ==================  ====================  ==================
design                   Members, 1 / 8 tx   SetParameter, 1 / 8   switches, Members
=======================  ==================  ====================  ==================
sync ``grpc.server``     0.61-0.80 / 0.58 ms 1.50 / 1.25 ms        29 / 27
aio, every tx on workers 0.60 / 0.42-0.48 ms 1.07-1.23 / 0.80 ms   17 / 17-21
aio, replayed on loop    0.39-0.41 / 0.35 ms 0.96-1.03 / 0.65-0.73 9 / 10-13
=======================  ==================  ====================  ==================

The replayed design ran the contract code again from the start on each answer
(for SetParameter, the registry write of the time, 3 extra partial runs: 0.21
ms of its 0.34 ms of contract code); the greenlet design, which replaced it,
runs it once; the HTTP/2 transport that replaced ``grpc.aio`` under it is measured
in :mod:`chaincode.runtime.http2` and the README. ``greenlet`` is
the well-kept C extension behind gevent and SQLAlchemy's asyncio support; one
thread per stream would instead serialize the transactions of a stream, which
the peer sends concurrently.
"""

from __future__ import annotations

import _thread
import asyncio
import logging
import queue
import threading
import time
from typing import Any, Callable

from greenlet import getcurrent, greenlet
from fabric_protos.peer import chaincode_pb2, chaincode_shim_pb2, proposal_response_pb2

from chaincode.runtime import http2
from chaincode.runtime.router import STATUS_FAILED, STATUS_REFUSED, Response, Router
from chaincode.runtime.shim_stub import DEFAULT_GET_MULTIPLE, DEFAULT_WRITE_BATCH, ShimStub, TxFacts

log = logging.getLogger(__name__)

Message = chaincode_shim_pb2.ChaincodeMessage

DEFAULT_REQUEST_TIMEOUT = 300.0  # seconds; the peer's own execute timeout (30 s by default) ends sooner
REGISTER_WARNING_SECONDS = 30.0
MAX_LOOP_REQUESTS = 6  # kept for servers that set 0: every transaction on a worker thread
LOOP_BUDGET_SECONDS = 0.002  # a function whose contract code took this long on the loop starts on a worker next

_WAITING = object()  # what a transaction's greenlet hands the loop when it waits for the peer
_TYPE_NAMES = {number: name for name, number in Message.Type.items()}


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
    return _TYPE_NAMES.get(kind, str(kind))


def _short(tx_id: str) -> str:
    return tx_id[:8]


class Workers:
    """A fixed pool of threads running transactions, fed through one queue.

    Lighter than :class:`concurrent.futures.ThreadPoolExecutor` (no future per
    task): the loop puts ``(function, argument)`` and an idle worker takes it.
    """

    def __init__(self, size: int, name: str = "chaincode-tx") -> None:
        if size < 1:
            raise ValueError("at least one worker is needed")
        self.size = size
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True) for n in range(size)]
        for thread in self._threads:
            thread.start()

    def submit(self, function: Callable[[Any], None], argument: Any) -> None:
        if self._closed:
            raise RuntimeError("the workers are shut down")
        self._tasks.put((function, argument))

    def _work(self) -> None:
        tasks = self._tasks
        while True:
            task = tasks.get()
            if task is None:
                return
            function, argument = task
            try:
                function(argument)
            except BaseException:  # a task must never kill its worker
                log.exception("a chaincode worker task failed")

    def shutdown(self, timeout: float | None = None) -> None:
        """Finish the queued tasks, then stop every thread. Idempotent."""
        if not self._closed:
            self._closed = True
            for _ in self._threads:
                self._tasks.put(None)
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout)


class _PendingRequest:
    """A worker thread waiting for the peer's answer: it sleeps on ``lock`` until the loop settles it."""

    __slots__ = ("kind", "reply", "error", "lock")

    def __init__(self, kind: int) -> None:
        self.kind = kind
        self.reply: chaincode_shim_pb2.ChaincodeMessage | None = None
        self.error: ShimError | None = None
        self.lock = _thread.allocate_lock()
        self.lock.acquire()

    def settle(self) -> None:
        self.lock.release()


class _Transaction:
    """One running transaction: its message, what it waits for, and its greenlet while it runs on the loop."""

    __slots__ = ("message", "key", "facts", "function", "args", "request", "deadline", "loop_seconds", "runner")

    def __init__(self, message: chaincode_shim_pb2.ChaincodeMessage, facts: TxFacts, function: str,
                 args: list[bytes]) -> None:
        self.message = message
        self.key = (message.channel_id, message.txid)
        self.facts = facts
        self.function = function
        self.args = args
        self.request: tuple[int, bytes] | None = None  # sent, not answered yet
        self.deadline = 0.0
        self.loop_seconds = 0.0
        self.runner: greenlet | None = None  # the greenlet running its contract code on the loop


def _payload_of(kind: int, outcome: Any) -> bytes:
    """The peer's answer to a request: RESPONSE's payload, or the error to raise."""
    if isinstance(outcome, ShimError):
        raise outcome
    if outcome.type == Message.RESPONSE:
        return outcome.payload
    if outcome.type == Message.ERROR:
        raise PeerError(_name(kind), outcome.payload.decode("utf-8", errors="replace"))
    raise ShimError(f"unexpected {_name(outcome.type)} in answer to {_name(kind)}")


class _GreenLink:
    """PeerLink of a run in a greenlet on the loop: a request hands the loop the request and waits for the answer."""

    __slots__ = ("_tx",)

    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    def request(self, channel_id: str, tx_id: str, kind: int, payload: bytes) -> bytes:
        tx = self._tx
        runner = tx.runner
        if runner is None or getcurrent() is not runner:
            # e.g. a query iterator finalized by the garbage collector after its transaction ended:
            # switching from here would hand another transaction's greenlet to the loop
            raise ShimError(f"{_name(kind)} of transaction {_short(tx_id)} made outside its run; not sent")
        tx.request = (kind, payload)
        outcome = runner.parent.switch(_WAITING)  # back on the loop until the peer answers
        return _payload_of(kind, outcome)


class _WorkerLink:
    """PeerLink of a run on a worker thread: each request blocks the thread until the peer answers."""

    __slots__ = ("_session",)

    def __init__(self, session: "ChaincodeSession") -> None:
        self._session = session

    def request(self, channel_id: str, tx_id: str, kind: int, payload: bytes) -> bytes:
        return self._session.request(channel_id, tx_id, kind, payload)


class ChaincodeSession:
    """One ``Connect`` stream: registration, then transactions until the stream ends.

    :meth:`serve`, the message handling and the runs of contract code on the
    loop happen on the event loop thread; :meth:`request` and runs handed to
    :class:`Workers` happen on worker threads.
    """

    def __init__(self, chaincode_id: str, router: Router, workers: Workers, *,
                 request_timeout: float = DEFAULT_REQUEST_TIMEOUT, max_loop_requests: int | None = None,
                 loop_budget: float | None = None, heavy: set[str] | None = None,
                 on_close: Callable[["ChaincodeSession"], None] | None = None) -> None:
        self.chaincode_id = chaincode_id
        self._router = router
        self._workers = workers
        self._request_timeout = request_timeout
        self._max_loop_requests = MAX_LOOP_REQUESTS if max_loop_requests is None else max_loop_requests
        self._loop_budget = LOOP_BUDGET_SECONDS if loop_budget is None else loop_budget
        # Functions whose last run needed a worker: they start on one (shared by the streams of a server).
        self._heavy: set[str] = set() if heavy is None else heavy
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stream: http2.GrpcStream | None = None
        self._on_close = on_close  # told once the session has closed
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], _PendingRequest | _Transaction] = {}
        self._running: set[tuple[str, str]] = set()
        self._state = "created"
        self._closed = False
        self.write_batch = 0  # records per WRITE_BATCH_STATE if the peer offered batches in READY, else 0
        self.get_multiple = 0  # keys per GET_STATE_MULTIPLE if the peer offered it in READY, else 0
        self._register_warning: asyncio.TimerHandle | None = None
        self._sweeper: asyncio.TimerHandle | None = None
        self.completed_on_loop = 0  # transactions whose contract code ran only on the event loop
        self.completed_on_workers = 0  # transactions handed to a worker thread

    # -- stream (event loop thread) ------------------------------------------------
    def start(self, stream: "http2.GrpcStream", loop: asyncio.AbstractEventLoop) -> None:
        """Take over ``stream``: send REGISTER; from here on the stream hands us each message it reads."""
        self._stream = stream
        self._loop = loop
        stream.receiver = self
        register = chaincode_pb2.ChaincodeID(name=self.chaincode_id)
        self._send(Message(type=Message.REGISTER, payload=register.SerializeToString()))
        self._register_warning = loop.call_later(REGISTER_WARNING_SECONDS, self._warn_unregistered)
        self._sweeper = loop.call_later(self._sweep_interval(), self._sweep)

    def received(self, message: chaincode_shim_pb2.ChaincodeMessage) -> None:
        """One message from the peer (called by the stream)."""
        if self._closed:
            return
        try:
            problem = self._handle(message)
        except Exception as err:  # a bug here must end this stream, not the connection
            log.exception("handling %s from the peer failed", _name(message.type))
            problem = f"handling {_name(message.type)} failed: {err}"
        if problem is not None:
            log.error("[%s] %s; ending the stream", _short(message.txid), problem)
            self._send(Message(type=Message.ERROR, payload=problem.encode(), txid=message.txid,
                               channel_id=message.channel_id))
            self.close(problem)

    def stream_ended(self, reason: str) -> None:
        """The stream ended (the peer closed its side, reset it, or the connection went away)."""
        self.close(reason)

    def _send(self, message: Any) -> None:
        """Hand a message to the stream (event loop thread); dropped once the session is closed."""
        if self._closed or self._stream is None:
            return
        try:
            self._stream.send(message)
        except http2.StreamFailed as err:
            self.close(f"sending to the peer failed: {err}")

    def _post(self, message: Any) -> None:
        """Send a message from a worker thread: the loop sends it."""
        try:
            self._loop.call_soon_threadsafe(self._send, message)  # type: ignore[union-attr]
        except RuntimeError:  # the loop is closed: the server has stopped
            pass

    def close(self, reason: str = "stream ended") -> None:
        """End the session: waiting transactions see :class:`StreamClosed`; our side of the stream ends.

        Idempotent; event loop thread.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            waiting = list(self._pending.values())
            self._pending.clear()
        for timer in (self._register_warning, self._sweeper):
            if timer is not None:
                timer.cancel()
        if self._stream is not None:
            self._stream.finish()
        if self._on_close is not None:
            self._on_close(self)
        log.info("chaincode stream closed: %s", reason)
        for waiter in waiting:
            if isinstance(waiter, _Transaction):
                kind = waiter.request[0] if waiter.request else Message.UNDEFINED
                self._answer(waiter, StreamClosed(f"{reason} while waiting for the peer's answer to {_name(kind)}"))
            else:
                waiter.error = StreamClosed(f"{reason} while waiting for the peer's answer to {_name(waiter.kind)}")
                waiter.settle()

    def _warn_unregistered(self) -> None:
        if self._state == "created" and not self._closed:
            log.warning("the peer has not answered REGISTER after %g s; a peer accepts only the package id it "
                        "launched: check that CHAINCODE_ID (%s) equals the installed package id",
                        REGISTER_WARNING_SECONDS, self.chaincode_id)

    def _sweep_interval(self) -> float:
        return max(0.05, min(self._request_timeout, 10.0) / 4)

    def _sweep(self) -> None:
        """Give up on transactions (waiting on the loop) whose request the peer never answered."""
        if self._closed:
            return
        now = time.monotonic()
        with self._lock:
            expired = [w for w in self._pending.values() if isinstance(w, _Transaction) and w.deadline <= now]
            for waiter in expired:
                del self._pending[waiter.key]
        for waiter in expired:
            kind = waiter.request[0] if waiter.request else Message.UNDEFINED
            self._answer(waiter, ShimError(f"no answer from the peer to {_name(kind)} within "
                                           f"{self._request_timeout:g} s"))
        if not self._closed and self._loop is not None:
            self._sweeper = self._loop.call_later(self._sweep_interval(), self._sweep)

    # -- incoming messages (event loop) ---------------------------------------
    def _handle(self, message: chaincode_shim_pb2.ChaincodeMessage) -> str | None:
        """Act on one message from the peer; returns a problem that ends the stream, or None."""
        kind = message.type
        if self._state == "ready":
            if kind == Message.RESPONSE or kind == Message.ERROR:
                self._deliver(message)
                return None
            if kind == Message.TRANSACTION or kind == Message.INIT:
                self._start(message)
                return None
        if log.isEnabledFor(logging.DEBUG):
            log.debug("[%s] received %s in state %s", _short(message.txid), _name(kind), self._state)
        if kind == Message.KEEPALIVE:
            self._send(message)
            return None
        if self._state == "created" and kind == Message.REGISTERED:
            self._state = "established"
            if self._register_warning is not None:
                self._register_warning.cancel()
            return None
        if self._state == "established" and kind == Message.READY:
            self._state = "ready"
            self._ready(message.payload)
            return None
        return f"chaincode cannot handle message {_name(kind)} while in state {self._state}"

    def _ready(self, payload: bytes) -> None:
        """What the peer offers in READY (Fabric 2.5+): write batches and multiple-key reads, and their sizes."""
        params = chaincode_pb2.ChaincodeAdditionalParams()
        try:
            params.ParseFromString(payload)
        except Exception:  # an older peer, or nothing offered: one request per write
            params = chaincode_pb2.ChaincodeAdditionalParams()
        if params.use_write_batch:
            self.write_batch = params.max_size_write_batch or DEFAULT_WRITE_BATCH
        if params.use_get_multiple_keys:
            self.get_multiple = params.max_size_get_multiple_keys or DEFAULT_GET_MULTIPLE
        log.info("chaincode %s registered with the peer and ready (write batches: %s; multiple-key reads: %s)",
                 self.chaincode_id, f"up to {self.write_batch} writes" if self.write_batch else "not offered",
                 f"up to {self.get_multiple} keys" if self.get_multiple else "not offered")

    def _deliver(self, message: chaincode_shim_pb2.ChaincodeMessage) -> None:
        with self._lock:
            waiter = self._pending.pop((message.channel_id, message.txid), None)
        if waiter is None:
            log.warning("[%s] %s from the peer matches no waiting request on channel %r; ignored",
                        _short(message.txid), _name(message.type), message.channel_id)
        elif isinstance(waiter, _Transaction):
            self._answer(waiter, message)
        else:
            waiter.reply = message
            waiter.settle()

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
            facts = TxFacts.parse(message.proposal if message.HasField("proposal") else None)
            arguments = chaincode_pb2.ChaincodeInput.FromString(message.payload).args
        except Exception as err:
            log.exception("[%s] transaction could not run", _short(message.txid))
            self._finish(key, Message(type=Message.ERROR, payload=str(err).encode(), txid=message.txid,
                                      channel_id=message.channel_id))
            return
        function = arguments[0].decode("utf-8", errors="replace") if arguments else ""
        tx = _Transaction(message, facts, function, list(arguments[1:]))
        if self._max_loop_requests > 0 and function not in self._heavy:
            self._run_on_loop(tx)
        else:
            self._hand_to_worker(tx)

    # -- running contract code ------------------------------------------------
    def _answer(self, tx: _Transaction, outcome: Any) -> None:
        """Hand the peer's answer (or the error to raise) to the transaction waiting for it on the loop."""
        assert tx.request is not None
        tx.request = None
        self._run_on_loop(tx, outcome)

    def _run_on_loop(self, tx: _Transaction, outcome: Any = None) -> None:
        """Start or resume the transaction's greenlet until it completes or waits for the peer."""
        while True:
            started = time.thread_time()  # CPU time: a preempted loop thread must not make a function look heavy
            if tx.runner is None:
                tx.runner = greenlet(self._green_run)
                step = tx.runner.switch(tx)
            else:
                step = tx.runner.switch(outcome)
            tx.loop_seconds += time.thread_time() - started
            if step is not _WAITING:
                tx.runner = None
                if tx.loop_seconds > self._loop_budget:
                    self._heavy.add(tx.function)  # its next call starts on a worker
                self.completed_on_loop += 1
                self._finish(tx.key, step)
                return
            kind, payload = tx.request  # type: ignore[misc]
            if self._closed:  # nothing can be sent any more: the contract sees it like a thread would
                tx.request = None
                outcome = StreamClosed(f"the stream is closed; cannot send {_name(kind)}")
                continue
            tx.deadline = time.monotonic() + self._request_timeout
            with self._lock:
                self._pending[tx.key] = tx
            self._send(Message(type=kind, payload=payload, txid=tx.message.txid, channel_id=tx.message.channel_id))
            return

    def _green_run(self, tx: _Transaction) -> chaincode_shim_pb2.ChaincodeMessage:
        """The body of a transaction's greenlet: its reply, COMPLETED or ERROR."""
        try:
            return self._execute(tx, _GreenLink(tx))
        except Exception as err:
            return self._failed(tx, err)

    def _hand_to_worker(self, tx: _Transaction) -> None:
        try:
            self._workers.submit(self._run_on_worker, tx)
        except RuntimeError:  # workers shut down: the server is stopping
            self._finish(tx.key, Message(type=Message.ERROR, payload=b"chaincode server is shutting down",
                                         txid=tx.message.txid, channel_id=tx.message.channel_id))

    def _run_on_worker(self, tx: _Transaction) -> None:
        link = _WorkerLink(self)
        started = time.thread_time()
        try:
            reply = self._execute(tx, link)
        except Exception as err:
            reply = self._failed(tx, err)
        if 0 < self._max_loop_requests and time.thread_time() - started <= self._loop_budget:
            self._heavy.discard(tx.function)  # light this time: the next one starts on the loop again
        with self._lock:
            self._running.discard(tx.key)
            closed = self._closed
            self.completed_on_workers += 1
        if closed:
            if log.isEnabledFor(logging.DEBUG):
                log.debug("[%s] stream closed; dropping %s", _short(tx.message.txid), _name(reply.type))
            return
        self._post(reply)

    def _finish(self, key: tuple[str, str], reply: chaincode_shim_pb2.ChaincodeMessage) -> None:
        """Send a transaction's last message (event loop thread)."""
        with self._lock:
            self._running.discard(key)
        if self._closed:
            if log.isEnabledFor(logging.DEBUG):
                log.debug("[%s] stream closed; dropping %s", _short(reply.txid), _name(reply.type))
            return
        self._send(reply)

    @staticmethod
    def _failed(tx: _Transaction, err: Exception) -> chaincode_shim_pb2.ChaincodeMessage:
        log.error("[%s] transaction could not run", _short(tx.message.txid), exc_info=err)
        return Message(type=Message.ERROR, payload=str(err).encode(), txid=tx.message.txid,
                       channel_id=tx.message.channel_id)

    def _execute(self, tx: _Transaction, link: Any) -> chaincode_shim_pb2.ChaincodeMessage:
        """One run of the transaction's contract code; COMPLETED (or ERROR for a failed INIT)."""
        message = tx.message
        stub = ShimStub(link, message.channel_id, message.txid, None, facts=tx.facts, write_batch=self.write_batch,
                        get_multiple=self.get_multiple)
        response = self._router.invoke(stub, tx.function, tx.args)
        stub.finish()
        if response.status < STATUS_REFUSED and stub.kept_writes:
            try:
                stub.send_writes()
            except Exception as err:  # e.g. the peer refused a write: like any failure of the contract code
                log.error("[%s] the writes of %s could not be sent: %s", _short(message.txid), tx.function, err)
                response = Response(STATUS_FAILED, message=f"internal error in {tx.function}: {err}")
        if log.isEnabledFor(logging.DEBUG):
            log.debug("[%s] %s %s -> %d%s", _short(message.txid), _name(message.type), tx.function,
                      response.status, f" ({response.message})" if response.message else "")
        if message.type == Message.INIT and response.status >= STATUS_FAILED:
            return Message(type=Message.ERROR, payload=response.message.encode(), txid=message.txid,
                           channel_id=message.channel_id)
        result = proposal_response_pb2.Response(status=response.status, message=response.message,
                                                payload=response.payload)
        reply = Message(type=Message.COMPLETED, payload=result.SerializeToString(), txid=message.txid,
                        channel_id=message.channel_id)
        event = stub.event if response.status < 400 else None
        if event is not None:
            reply.chaincode_event.CopyFrom(event)
        return reply

    # -- PeerLink of worker runs (worker threads) --------------------------------------
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
        self._post(Message(type=kind, payload=payload, txid=tx_id, channel_id=channel_id))
        if not pending.lock.acquire(timeout=self._request_timeout):
            with self._lock:
                abandoned = self._pending.get(key) is pending
                if abandoned:
                    del self._pending[key]
            if abandoned:
                raise ShimError(f"no answer from the peer to {_name(kind)} within {self._request_timeout:g} s")
            pending.lock.acquire()  # settled by the loop at this very moment: take its answer
        if pending.error is not None:
            raise pending.error
        return _payload_of(kind, pending.reply)


class ChaincodeService:
    """The chaincode side of every ``Connect`` stream of a server: one :class:`ChaincodeSession` per stream."""

    def __init__(self, chaincode_id: str, router: Router, workers: Workers, *,
                 request_timeout: float = DEFAULT_REQUEST_TIMEOUT, max_loop_requests: int | None = None) -> None:
        self._chaincode_id = chaincode_id
        self._router = router
        self._workers = workers
        self._request_timeout = request_timeout
        self._max_loop_requests = max_loop_requests
        self._heavy: set[str] = set()
        self._sessions: set[ChaincodeSession] = set()

    def open(self, stream: "http2.GrpcStream") -> None:
        """A peer opened a ``Connect`` stream: start its session (event loop thread)."""
        session = ChaincodeSession(self._chaincode_id, self._router, self._workers,
                                   request_timeout=self._request_timeout,
                                   max_loop_requests=self._max_loop_requests, heavy=self._heavy,
                                   on_close=self._sessions.discard)
        self._sessions.add(session)
        log.info("peer %s connected", stream.peer())
        session.start(stream, asyncio.get_running_loop())

    @property
    def sessions(self) -> list[ChaincodeSession]:
        return list(self._sessions)

    def close_all(self, reason: str) -> None:
        """End every open stream (event loop thread)."""
        for session in list(self._sessions):
            session.close(reason)
