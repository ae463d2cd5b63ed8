"""The chaincode server's transport: gRPC's ``protos.Chaincode/Connect`` over HTTP/2 on the event loop.

The peer dials the chaincode server and opens one ``Connect`` stream per
chaincode; everything after that is length-prefixed protobuf messages in
HTTP/2 DATA frames, both ways, for as long as the peer keeps the stream. This
module serves exactly that on an asyncio (uvloop) server, with TLS from
Python's :mod:`ssl` and the HTTP/2 framing, flow control, settings and pings
from the ``h2`` library (python-hyper), so one thread does all the work of a
message: read, decrypt, unframe, handle, frame, encrypt, write.

Why not ``grpc.aio``: its C core polls on a thread of its own and hands every
message to the event loop, one read and one write operation per message. In a
profile of the chaincode server under a fake peer, that machinery took about
85 % of the event loop's samples, and on the benchmark network the server spent
up to 2.2 times the Go chaincode's CPU per transaction; with this transport it
spends 1.3 to 1.75 times (the README's chaincode runtime table has the figures of
each transport). What gRPC does on this one method that we must do too:

* the request must be ``POST /protos.Chaincode/Connect`` with
  ``content-type: application/grpc``; anything else is answered with a
  gRPC status (``UNIMPLEMENTED``) in trailers, as a gRPC server does;
* messages are ``flag(1) length(4) body``; a call that asks for a
  ``grpc-encoding`` is refused (``UNIMPLEMENTED``), since we offer none, and a
  compressed or undecodable message ends its stream with ``INTERNAL``;
* messages larger than :data:`MAX_MESSAGE_BYTES` end the stream with
  ``RESOURCE_EXHAUSTED``, and so does a stream beyond the server's limit;
* the stream ends with trailers ``grpc-status: 0`` when the chaincode side
  ends it; a peer's RST_STREAM or a lost connection ends the session;
* the server pings an idle connection every :data:`KEEPALIVE_SECONDS` and
  closes it if no answer comes within :data:`KEEPALIVE_TIMEOUT_SECONDS`;
  the peer's pings are answered by ``h2``;
* mutual TLS (the peer's client certificate checked against the given CA)
  and ALPN ``h2``, which gRPC clients require.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import struct
from typing import Any, Callable, Protocol

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 100 * 1024 * 1024
WINDOW_BYTES = 4 * 1024 * 1024  # what the peer may send ahead of our reading, per stream and per connection
KEEPALIVE_SECONDS = 60.0
KEEPALIVE_TIMEOUT_SECONDS = 20.0
CONNECT_PATH = "/protos.Chaincode/Connect"

# gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html)
OK = 0
UNIMPLEMENTED = 12
RESOURCE_EXHAUSTED = 8
INTERNAL = 13
UNAVAILABLE = 14

_PREFIX = struct.Struct(">BI")


class StreamFailed(Exception):
    """The stream or its connection has ended; nothing more can be sent on it."""


class Receiver(Protocol):
    """What a stream hands the peer's messages to (the chaincode session)."""

    def received(self, message: Any) -> None: ...

    def stream_ended(self, reason: str) -> None: ...


class GrpcStream:
    """One ``Connect`` call. The connection hands each message the peer sends to :attr:`receiver` as soon as
    its bytes are read; :meth:`send` frames ours at once. Event loop thread only."""

    def __init__(self, connection: "_Connection", stream_id: int, parse: Callable[[bytes], Any]) -> None:
        self._connection = connection
        self.stream_id = stream_id
        self._parse = parse
        self._buffer = bytearray()
        self._unsent = b""  # framed bytes waiting for the peer's flow-control window
        self._trailers: tuple[int, str] | None = None  # to send once _unsent is out
        self.receiver: Receiver | None = None
        self.ended = False  # no more messages will come from the peer
        self.closed = False  # our side is over: trailers queued, or the stream was reset or lost

    def peer(self) -> str:
        return self._connection.peer_name

    @property
    def done(self) -> bool:
        """Our side is over and everything we had to say is framed (or can never be)."""
        return self.closed and (not self._unsent or self._connection.lost)

    # -- incoming (called by the connection) ---------------------------------------------
    def _received(self, data: bytes) -> tuple[int, str] | None:
        """Unframe the messages in ``data`` and hand each over; the gRPC status and text that must end the
        stream, or None."""
        buffer = self._buffer
        buffer += data
        offset = 0
        size = len(buffer)
        try:
            while size - offset >= 5:
                compressed, length = _PREFIX.unpack_from(buffer, offset)
                if compressed:
                    return INTERNAL, "compressed message without a grpc-encoding"
                if length > MAX_MESSAGE_BYTES:
                    return RESOURCE_EXHAUSTED, f"message of {length} bytes exceeds the limit of {MAX_MESSAGE_BYTES}"
                if size - offset < 5 + length:
                    break
                try:
                    message = self._parse(bytes(buffer[offset + 5:offset + 5 + length]))
                except Exception as err:  # protobuf's DecodeError
                    return INTERNAL, f"undecodable message: {err}"
                offset += 5 + length
                if self.receiver is not None and not self.ended:
                    self.receiver.received(message)
        finally:
            if offset:
                del buffer[:offset]
        return None

    def _end(self, reason: str) -> None:
        """No more messages from the peer; tell the receiver once."""
        if not self.ended:
            self.ended = True
            if self.receiver is not None:
                self.receiver.stream_ended(reason)

    def _abandon(self, reason: str) -> None:
        """The stream is gone (reset, lost, refused by ``h2``): nothing more goes either way."""
        self._unsent, self.closed = b"", True
        self._end(reason)

    def _window_opened(self) -> None:
        if self._unsent and not self._connection.lost:
            try:
                self._unsent = self._connection.send(self.stream_id, self._unsent)
            except StreamFailed as err:  # the peer gave up on this stream: it alone ends
                self._abandon(str(err))
                self._connection._forget(self)
                return
            if not self._unsent and self._trailers is not None:
                self._connection.finish(self.stream_id, *self._trailers)

    # -- the receiver's side --------------------------------------------------------------
    def send(self, message: Any) -> None:
        """Frame one message for the peer now, or queue it behind earlier ones the peer's window holds back."""
        if self.closed:
            raise StreamFailed("the stream has ended")
        body = message.SerializeToString()
        data = _PREFIX.pack(0, len(body)) + body
        if self._unsent:
            self._unsent += data
        else:
            self._unsent = self._connection.send(self.stream_id, data)

    def finish(self, status: int = OK, message: str = "") -> None:
        """End our side with gRPC trailers, after the messages still waiting for the window (idempotent)."""
        if self.closed:
            return
        self.closed = True
        if self._unsent:
            self._trailers = (status, message)
        else:
            self._connection.finish(self.stream_id, status, message)


class _Connection(asyncio.Protocol):
    """One HTTP/2 connection from a peer; its streams are gRPC calls."""

    def __init__(self, server: "Http2Server") -> None:
        self._server = server
        self.loop = server.loop
        self.peer_name = "unknown"
        self._transport: asyncio.Transport | None = None
        self._h2 = h2.connection.H2Connection(config=h2.config.H2Configuration(
            client_side=False, header_encoding="utf-8"))
        self.streams: dict[int, GrpcStream] = {}
        self._receiving = False  # in data_received, which writes what it framed when it is done
        self._flush_scheduled = False
        self.lost = False
        self._ping: asyncio.TimerHandle | None = None
        self._ping_deadline: asyncio.TimerHandle | None = None
        self._active = False  # frames came since the last keepalive check

    # -- asyncio.Protocol -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        address = transport.get_extra_info("peername")
        if isinstance(address, tuple) and len(address) >= 2:
            self.peer_name = f"{address[0]}:{address[1]}"
        self._server.connections.add(self)
        h2c = self._h2
        h2c.local_settings = h2.settings.Settings(client=False, initial_values={
            h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: WINDOW_BYTES,
            h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: 64 * 1024,
        })
        h2c.initiate_connection()
        h2c.increment_flow_control_window(WINDOW_BYTES - 65_535)
        self._flush()
        self._ping = self.loop.call_later(KEEPALIVE_SECONDS, self._keepalive)

    def data_received(self, data: bytes) -> None:
        self._active = True
        self._receiving = True
        try:
            events = self._h2.receive_data(data)
            for event in events:
                self._event(event)
        except h2.exceptions.ProtocolError as err:
            log.warning("HTTP/2 error from %s: %s; closing the connection", self.peer_name, err)
            self._flush()
            self._lose(f"HTTP/2 protocol error: {err}")
        except Exception as err:  # a bug: end this connection with a message instead of uvloop's
            log.exception("serving the connection from %s failed; closing it", self.peer_name)
            self._lose(f"serving the connection failed: {err}")
        finally:
            self._receiving = False
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self._lose("the connection to the peer was lost" + (f": {exc}" if exc else ""))
        self._server.connections.discard(self)

    # -- events -------------------------------------------------------------------------------
    def _event(self, event: h2.events.Event) -> None:
        kind = type(event)
        if kind is h2.events.DataReceived:
            self._data(event)  # type: ignore[arg-type]
        elif kind is h2.events.WindowUpdated:
            if event.stream_id:  # type: ignore[attr-defined]
                stream = self.streams.get(event.stream_id)  # type: ignore[attr-defined]
                if stream is not None:
                    stream._window_opened()
            else:
                for stream in list(self.streams.values()):
                    stream._window_opened()
        elif kind is h2.events.RequestReceived:
            self._request(event)  # type: ignore[arg-type]
        elif kind is h2.events.StreamEnded:
            stream = self.streams.get(event.stream_id)  # type: ignore[attr-defined]
            if stream is not None:
                stream._end("the peer closed the stream")
                self._forget(stream)
        elif kind is h2.events.StreamReset:
            stream = self.streams.pop(event.stream_id, None)  # type: ignore[attr-defined]
            if stream is not None:
                code = event.error_code  # type: ignore[attr-defined]
                stream._abandon(f"the peer reset the stream (HTTP/2 error {code})")
        elif kind is h2.events.ConnectionTerminated:
            code = event.error_code  # type: ignore[attr-defined]
            self._lose(f"the peer closed the connection (GOAWAY, HTTP/2 error {code})")
        elif kind is h2.events.PingAckReceived:
            if self._ping_deadline is not None:
                self._ping_deadline.cancel()
                self._ping_deadline = None

    def _request(self, event: h2.events.RequestReceived) -> None:
        headers = dict(event.headers or ())
        stream_id = event.stream_id
        path = headers.get(":path")
        if headers.get(":method") != "POST" or path != CONNECT_PATH:
            self._refuse(stream_id, UNIMPLEMENTED, f"unknown method {path}")
        elif not headers.get("content-type", "").startswith("application/grpc"):
            self._refuse(stream_id, UNIMPLEMENTED, "content-type must be application/grpc")
        elif headers.get("grpc-encoding", "identity") != "identity":
            self._refuse(stream_id, UNIMPLEMENTED, f"unsupported grpc-encoding {headers['grpc-encoding']}")
        elif self._server.open_streams() >= self._server.max_streams:
            self._refuse(stream_id, RESOURCE_EXHAUSTED,
                         f"the chaincode server takes at most {self._server.max_streams} streams at once")
        elif self._server.stopping:
            self._refuse(stream_id, UNAVAILABLE, "the chaincode server is stopping")
        else:
            self._h2.send_headers(stream_id, [(":status", "200"), ("content-type", "application/grpc")])
            stream = GrpcStream(self, stream_id, self._server.parse)
            self.streams[stream_id] = stream
            try:
                self._server.handler(stream)
            except Exception as err:  # a bug in the handler: end the call with INTERNAL, like gRPC
                log.exception("opening the chaincode stream failed")
                stream.finish(INTERNAL, str(err))
                self._forget(stream)

    def _data(self, event: h2.events.DataReceived) -> None:
        stream_id = event.stream_id
        if event.flow_controlled_length:
            self._h2.acknowledge_received_data(event.flow_controlled_length, stream_id)
        stream = self.streams.get(stream_id)
        if stream is None or stream.ended:
            return
        problem = stream._received(event.data)
        if problem is not None:
            status, text = problem
            log.warning("stream %d from %s: %s; ending it", stream_id, self.peer_name, text)
            stream.finish(status, text)
            stream._end(text)
            self._forget(stream)

    def _forget(self, stream: GrpcStream) -> None:
        """Drop a stream once both sides are over."""
        if stream.ended and stream.done:
            self.streams.pop(stream.stream_id, None)

    def _refuse(self, stream_id: int, status: int, message: str) -> None:
        try:
            self._h2.send_headers(stream_id, [(":status", "200"), ("content-type", "application/grpc"),
                                              ("grpc-status", str(status)), ("grpc-message", _escape(message))],
                                  end_stream=True)
        except h2.exceptions.StreamClosedError:
            pass  # the peer gave up on it already

    # -- sending ----------------------------------------------------------------------------------
    def send(self, stream_id: int, data: bytes) -> bytes:
        """Frame as much of ``data`` as the flow-control windows allow; returns the rest."""
        if self.lost:
            raise StreamFailed("the connection is closed")
        h2c = self._h2
        try:
            room = min(h2c.local_flow_control_window(stream_id), h2c.max_outbound_frame_size)
            while data and room > 0:
                h2c.send_data(stream_id, data[:room] if len(data) > room else data)
                data = data[room:]
                room = min(h2c.local_flow_control_window(stream_id), h2c.max_outbound_frame_size)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError) as err:
            raise StreamFailed(f"cannot send on stream {stream_id}: {err}") from None
        self._schedule_flush()
        return data

    def finish(self, stream_id: int, status: int, message: str) -> None:
        if self.lost:
            return
        trailers = [("grpc-status", str(status))]
        if message:
            trailers.append(("grpc-message", _escape(message)))
        try:
            self._h2.send_headers(stream_id, trailers, end_stream=True)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            pass  # the peer reset it already
        stream = self.streams.get(stream_id)
        if stream is not None:
            self._forget(stream)
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._receiving and not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        data = self._h2.data_to_send()
        if data and self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    # -- keepalive and closing -----------------------------------------------------------------------
    def _keepalive(self) -> None:
        if self.lost:
            return
        if not self._active:
            self._h2.ping(b"ecoledgr")
            self._flush()
            self._ping_deadline = self.loop.call_later(KEEPALIVE_TIMEOUT_SECONDS, self._ping_timeout)
        self._active = False
        self._ping = self.loop.call_later(KEEPALIVE_SECONDS, self._keepalive)

    def _ping_timeout(self) -> None:
        log.warning("the peer at %s did not answer a keepalive ping within %g s; closing the connection",
                    self.peer_name, KEEPALIVE_TIMEOUT_SECONDS)
        self._lose("the peer did not answer a keepalive ping")

    def _lose(self, reason: str) -> None:
        """The connection is over: end every stream and close the socket (idempotent)."""
        if self.lost:
            return
        self.lost = True
        for timer in (self._ping, self._ping_deadline):
            if timer is not None:
                timer.cancel()
        streams, self.streams = list(self.streams.values()), {}
        for stream in streams:
            stream._abandon(reason)
        if self._transport is not None:
            self._transport.close()

    def close(self) -> None:
        """Say GOAWAY (no error) after what is framed, then close."""
        if not self.lost:
            self._h2.close_connection()
            self._flush()
        self._lose("the chaincode server closed the connection")

    def unsent(self) -> bool:
        return any(not stream.done for stream in self.streams.values())


def _escape(message: str) -> str:
    """grpc-message is percent-encoded UTF-8: printable ASCII except ``%`` stays as it is."""
    return "".join(chr(byte) if 0x20 <= byte <= 0x7E and byte != 0x25 else f"%{byte:02X}"
                   for byte in message.encode("utf-8"))


class Http2Server:
    """Serves gRPC ``Connect`` calls on the running event loop: ``handler(stream)`` takes each new one."""

    def __init__(self, handler: Callable[[GrpcStream], None], parse: Callable[[bytes], Any], *, max_streams: int,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.parse = parse
        self.max_streams = max_streams
        self.ssl_context = ssl_context
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]  # set by start()
        self.stopping = False
        self.connections: set[_Connection] = set()
        self._server: asyncio.AbstractServer | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the port (``0`` picks a free one). Raises OSError if the address is taken."""
        self.loop = asyncio.get_running_loop()
        self._server = await self.loop.create_server(lambda: _Connection(self), host or None, port,
                                                     ssl=self.ssl_context, reuse_address=True)
        return self._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def open_streams(self) -> int:
        return sum(len(connection.streams) for connection in self.connections)

    async def stop(self, grace: float) -> None:
        """Accept nothing new; give what open streams still have to send ``grace`` seconds; then close all.

        The caller ends the streams first (the sessions finish their side).
        """
        self.stopping = True
        if self._server is not None:
            self._server.close()
        deadline = self.loop.time() + grace
        await asyncio.sleep(0)  # let the trailers just framed be written
        while any(c.unsent() for c in self.connections) and self.loop.time() < deadline:
            await asyncio.sleep(0.01)
        for connection in list(self.connections):
            connection.close()
        if self._server is not None:
            await self._server.wait_closed()


def server_ssl_context(cert_file: str, key_file: str, client_ca_file: str | None) -> ssl.SSLContext:
    """TLS 1.2 or later with ALPN ``h2``; with a client CA the client must present a certificate signed by it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["h2"])
    context.load_cert_chain(cert_file, key_file)
    if client_ca_file is not None:
        context.load_verify_locations(cafile=client_ca_file)
        context.verify_mode = ssl.CERT_REQUIRED
    return context
