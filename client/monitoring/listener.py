"""The TCP server a data logger (数采仪) connects to, as HJ 212 devices do.

Each connection is read as a byte stream and cut into frames
(:class:`~client.monitoring.hj212.FrameSplitter`); every frame is checked
with :func:`~client.monitoring.hj212.parse_frame`. A good frame whose Flag
asks for an answer (A=1) is answered with a ``9014`` data reply; a bad one is
logged with the reason and not answered (the device sends it again, as the
standard expects). Garbage between frames is skipped and logged; a client
that disconnects in the middle of a frame loses only that frame.

Data messages go into batches per device and day
(:class:`~client.monitoring.reports.Collector`). A batch is handed to
``submit`` (a blocking callable, run in a worker thread, at most
``concurrency`` at a time) when its day is complete (a message of a later
day, or the day's 2031 daily message, arrived), when nothing arrived for it
for ``idle`` seconds, and, for every batch still open, when the server stops.
A failed submission is logged and counted; the server carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from client.monitoring import hj212
from client.monitoring.hj212 import DATA_COMMANDS, FrameError
from client.monitoring.reports import Batch, Collector, excerpt

DEFAULT_IDLE = 7200.0  # seconds: two missed hourly messages
DEFAULT_CONCURRENCY = 4
DEFAULT_MAX_CONNECTIONS = 256
READ_SIZE = 65536

Log = Callable[[str], None]


@dataclass
class ListenerStats:
    connections: int = 0
    frames: int = 0
    refused: int = 0
    skipped_bytes: int = 0
    replies: int = 0
    messages: int = 0
    batches: int = 0
    submitted: int = 0
    failed: int = 0
    reasons: dict[str, int] = field(default_factory=dict)  # why batches were submitted

    def to_json(self) -> dict[str, Any]:
        return {"connections": self.connections, "frames": self.frames, "refused": self.refused,
                "skipped_bytes": self.skipped_bytes, "replies": self.replies, "messages": self.messages,
                "batches": self.batches, "submitted": self.submitted, "failed": self.failed,
                "reasons": dict(self.reasons)}


class Listener:
    """Serve data loggers until stopped; see the module docstring.

    ``on_submitted(batch, result)`` and ``on_failed(batch, error)`` are called
    in the event loop's thread after each submission.
    """

    def __init__(self, submit: Callable[[Batch], Any], *, idle: float = DEFAULT_IDLE,
                 concurrency: int = DEFAULT_CONCURRENCY, max_connections: int = DEFAULT_MAX_CONNECTIONS,
                 strict_crlf: bool = True, log: Log = lambda message: None,
                 on_submitted: Callable[[Batch, Any], None] | None = None,
                 on_failed: Callable[[Batch, BaseException], None] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        if idle <= 0:
            raise ValueError("idle must be positive")
        self.submit = submit
        self.idle = idle
        self.concurrency = max(1, concurrency)
        self.max_connections = max_connections
        self.strict_crlf = strict_crlf
        self.log = log
        self.on_submitted = on_submitted
        self.on_failed = on_failed
        self.clock = clock
        self.stats = ListenerStats()
        self.collector = Collector(close_days=True)
        self.address: tuple[str, int] | None = None
        self._server: asyncio.AbstractServer | None = None
        self._connections: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}
        self._submissions: set[asyncio.Task[Any]] = set()
        self._slots: asyncio.Semaphore | None = None
        self._watcher: asyncio.Task[Any] | None = None

    # -- life cycle ------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen on ``host:port`` (port 0: any free port); returns the address bound."""
        self._slots = asyncio.Semaphore(self.concurrency)
        self._server = await asyncio.start_server(self._serve, host, port)
        bound = self._server.sockets[0].getsockname()
        self.address = (bound[0], bound[1])
        self._watcher = asyncio.create_task(self._watch_idle())
        return self.address

    async def stop(self) -> ListenerStats:
        """Stop accepting, close every connection, submit every open batch and wait for all submissions."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._connections.values()):
            writer.close()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=5.0)
        for task in list(self._connections):
            task.cancel()
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        for batch in self.collector.take_all():
            self._schedule(batch, "shutdown")
        await self.drain()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5.0)
        return self.stats

    async def drain(self) -> None:
        """Wait until every submission scheduled so far has finished."""
        while self._submissions:
            await asyncio.gather(*list(self._submissions), return_exceptions=True)

    async def serve(self, host: str, port: int, stop: asyncio.Event,
                    ready: Callable[[str, int], None] | None = None) -> ListenerStats:
        """:meth:`start`, wait for ``stop``, then :meth:`stop`."""
        address = await self.start(host, port)
        if ready is not None:
            ready(*address)
        try:
            await stop.wait()
        finally:
            stats = await self.stop()
        return stats

    # -- connections -----------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        peer = _peer(writer)
        if len(self._connections) >= self.max_connections:
            self.log(f"{peer}: refused: already {self.max_connections} connections")
            writer.close()
            return
        self._connections[task] = writer
        self.stats.connections += 1
        self.log(f"{peer}: connected")
        splitter = hj212.FrameSplitter(strict_crlf=self.strict_crlf)
        reassembler = hj212.Reassembler()
        counts = {"frames": 0, "refused": 0, "skipped": 0}
        ending = "closed by the client"
        try:
            while True:
                data = await reader.read(READ_SIZE)
                if not data:
                    break
                for chunk in splitter.feed(data):
                    await self._chunk(chunk, peer, writer, reassembler, counts)
        except (ConnectionError, OSError) as err:
            ending = f"connection lost ({type(err).__name__})"
        except asyncio.CancelledError:
            ending = "closed by the server"
        finally:
            tail = splitter.close()
            if tail is not None:
                counts["skipped"] += len(tail.data)
                self.stats.skipped_bytes += len(tail.data)
                self.log(f"{peer}: {len(tail.data)} bytes of an incomplete frame discarded ({tail.note})")
            for description in reassembler.discard():
                self.log(f"{peer}: incomplete split message discarded: {description}")
            self._connections.pop(task, None)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 2.0)
            self.log(f"{peer}: {ending}: {counts['frames']} frame(s), {counts['refused']} refused, "
                     f"{counts['skipped']} byte(s) skipped")

    async def _chunk(self, chunk: hj212.Chunk, peer: str, writer: asyncio.StreamWriter,
                     reassembler: hj212.Reassembler, counts: dict[str, int]) -> None:
        if chunk.kind == "garbage":
            counts["skipped"] += len(chunk.data)
            self.stats.skipped_bytes += len(chunk.data)
            self.log(f"{peer}: skipped {len(chunk.data)} byte(s) at {chunk.offset}: {chunk.note}")
            return
        counts["frames"] += 1
        self.stats.frames += 1
        try:
            frame = hj212.parse_frame(chunk.data, strict_crlf=self.strict_crlf)
        except FrameError as err:
            counts["refused"] += 1
            self.stats.refused += 1
            self.log(f"{peer}: refused frame at byte {chunk.offset}: {err} [{excerpt(chunk.data)}]")
            return
        if frame.answer_required:
            try:
                writer.write(hj212.reply_9014(frame))
                await writer.drain()
                self.stats.replies += 1
            except (ConnectionError, OSError):
                pass  # the client is gone; what it sent still counts
        try:
            message = reassembler.add(frame)
        except FrameError as err:
            counts["refused"] += 1
            self.stats.refused += 1
            self.log(f"{peer}: refused message MN={frame.mn} QN={frame.qn}: {err}")
            return
        if message is None:
            return
        if message.cn not in DATA_COMMANDS:
            self.log(f"{peer}: MN={message.mn} CN={message.cn} ({hj212.COMMANDS.get(message.cn, 'command')}) "
                     f"not data: ignored")
            return
        self.stats.messages += 1
        for batch in self.collector.add(message, self.clock()):
            self._schedule(batch, "day complete")

    # -- batches ---------------------------------------------------------------------------------

    async def _watch_idle(self) -> None:
        period = min(self.idle / 2, 1.0)
        while True:
            await asyncio.sleep(period)
            for batch in self.collector.idle(self.clock() - self.idle):
                self._schedule(batch, "idle")

    def _schedule(self, batch: Batch, reason: str) -> None:
        self.stats.batches += 1
        self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1
        task = asyncio.create_task(self._submit(batch, reason))
        self._submissions.add(task)
        task.add_done_callback(self._submissions.discard)

    async def _submit(self, batch: Batch, reason: str) -> None:
        assert self._slots is not None
        async with self._slots:
            self.log(f"MN={batch.mn} {batch.period}: {len(batch.messages)} message(s), submitting ({reason})")
            try:
                result = await asyncio.to_thread(self.submit, batch)
            except Exception as err:  # a refused report must not stop the server
                self.stats.failed += 1
                self.log(f"MN={batch.mn} {batch.period}: not reported: {_describe(err)}")
                if self.on_failed is not None:
                    self.on_failed(batch, err)
                return
            self.stats.submitted += 1
            if self.on_submitted is not None:
                self.on_submitted(batch, result)


def _peer(writer: asyncio.StreamWriter) -> str:
    name = writer.get_extra_info("peername")
    if isinstance(name, tuple) and len(name) >= 2:
        return f"{name[0]}:{name[1]}"
    return str(name or "client")


def _describe(err: BaseException) -> str:
    return getattr(err, "chaincode_message", None) or str(err) or type(err).__name__


def stop_on_signals(stop: asyncio.Event,
                    signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Callable[[], None]:
    """Set ``stop`` on SIGINT/SIGTERM (from the running loop, main thread); returns a function that undoes it."""
    loop = asyncio.get_running_loop()
    installed = []
    for number in signals:
        try:
            loop.add_signal_handler(number, stop.set)
            installed.append(number)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or a platform without signal handlers

    def undo() -> None:
        for number in installed:
            loop.remove_signal_handler(number)

    return undo
