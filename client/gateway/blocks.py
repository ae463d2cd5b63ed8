"""Full blocks of a channel from the peer's Deliver service, as a closable async iterator.

The Gateway service carries chaincode events only; an index needs whole blocks
(every transaction, valid or not, its creator, endorsers and validation code).
The peer that serves the Gateway also serves ``protos.Deliver`` on the same
address, so the same gRPC channel and the same identity are used: a signed
``DELIVER_SEEK_INFO`` envelope asks for blocks ``start`` .. ``stop`` (or for
ever), and the peer answers each with a ``common.Block``.

The peer checks the caller against the channel's Readers policy, so an
identity gets the blocks of the channels its organization is on, and nothing
of private data collections (the block carries only their hashes).
"""

from __future__ import annotations

import os
import time
from typing import AsyncIterator

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.orderer import ab_pb2
from fabric_protos.peer import events_pb2_grpc
from google.protobuf import timestamp_pb2

from ._client import Session
from .errors import GatewayError, translate_rpc_error
from .identity import sha256

NEWEST = 2**63 - 1  # "no stop": the peer waits for each next block


class BlockEventsError(GatewayError):
    """The peer refused or ended a block stream (not allowed on the channel, bad position, ...)."""


def build_seek_payload(*, creator: bytes, channel_name: str, start_block: int,
                       stop_block: int | None = None, now: float | None = None,
                       nonce: bytes | None = None) -> bytes:
    """The serialized ``common.Payload`` of a seek request: blocks ``start_block``..``stop_block``."""
    stamp = timestamp_pb2.Timestamp()
    stamp.FromNanoseconds(int((time.time() if now is None else now) * 1e9))
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.HeaderType.DELIVER_SEEK_INFO, channel_id=channel_name, timestamp=stamp,
    )
    signature_header = common_pb2.SignatureHeader(creator=creator, nonce=nonce or os.urandom(24))
    stop = NEWEST if stop_block is None else stop_block
    seek = ab_pb2.SeekInfo(
        start=ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=start_block)),
        stop=ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=stop)),
        behavior=ab_pb2.SeekInfo.BLOCK_UNTIL_READY,
    )
    payload = common_pb2.Payload(
        header=common_pb2.Header(channel_header=channel_header.SerializeToString(),
                                 signature_header=signature_header.SerializeToString()),
        data=seek.SerializeToString(),
    )
    return payload.SerializeToString()


class BlockEvents:
    """Async iterator of ``common_pb2.Block`` from ``start_block``; ``close()`` cancels the stream.

    With ``stop_block`` the stream ends after that block; without it, it waits
    for each new block until closed.
    """

    def __init__(self, session: Session, channel: grpc.aio.Channel, channel_name: str,
                 start_block: int, stop_block: int | None = None) -> None:
        if stop_block is not None and stop_block < start_block:
            raise ValueError(f"stop block {stop_block} is before start block {start_block}")
        self._session = session
        self._stub = events_pb2_grpc.DeliverStub(channel)
        self.channel_name = channel_name
        self.stop_block = stop_block
        self._payload = build_seek_payload(creator=session.creator, channel_name=channel_name,
                                           start_block=start_block, stop_block=stop_block)
        self._signature = b""
        self._call: grpc.aio.StreamStreamCall | None = None
        self._closed = False

    def digest(self) -> bytes:
        return sha256(self._payload)

    def set_signature(self, signature: bytes) -> None:
        self._signature = signature

    def envelope(self) -> common_pb2.Envelope:
        if not self._signature:
            self._signature = self._session.sign(self.digest(), "block request")
        return common_pb2.Envelope(payload=self._payload, signature=self._signature)

    def __aiter__(self) -> BlockEvents:
        return self

    async def __anext__(self) -> common_pb2.Block:
        if self._closed:
            raise StopAsyncIteration
        if self._call is None:
            self._call = self._stub.Deliver(iter([self.envelope()]))
        try:
            response = await self._call.read()
        except grpc.RpcError as exc:
            raise translate_rpc_error(exc, BlockEventsError) from exc
        if response is grpc.aio.EOF:
            self._closed = True
            raise StopAsyncIteration
        kind = response.WhichOneof("Type")
        if kind == "block":
            return response.block  # after the stop block the peer sends a SUCCESS status
        if kind == "status":
            self._closed = True
            if response.status == common_pb2.Status.SUCCESS:
                raise StopAsyncIteration
            raise BlockEventsError(
                f"peer ended the block stream of channel {self.channel_name}: "
                f"{common_pb2.Status.Name(response.status)}"
                + (" (is this identity's organization a member of the channel?)"
                   if response.status == common_pb2.Status.FORBIDDEN else "")
            )
        raise BlockEventsError(f"unexpected deliver response {kind!r} on channel {self.channel_name}")

    async def close(self) -> None:
        self._closed = True
        if self._call is not None:
            self._call.cancel()

    async def __aenter__(self) -> BlockEvents:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
