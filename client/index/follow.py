"""``index run`` and ``index status``: blocks from the organization's peer into the index.

One asyncio task per channel reads whole blocks from the peer's Deliver
service (as the chosen identity, so only channels its organization is on),
decodes each, checks that its ``previous_hash`` is the hash of the block
indexed before it, and writes it with the checkpoint in one database
transaction. Restarted after any crash, it continues at the checkpoint.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from sqlalchemy.engine import Engine

from client.index import store
from client.index.decode import BlockDecodeError, check_link, decode_block


@dataclass(frozen=True)
class ChannelStatus:
    channel: str
    indexed: int  # blocks in the index (= next block to index)
    peer: int  # the peer's height
    hash_matches: bool | None  # when caught up: the last indexed hash is the peer's current hash

    @property
    def lag(self) -> int:
        return max(0, self.peer - self.indexed)

    def as_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "indexed": self.indexed, "peer": self.peer, "lag": self.lag,
                "hash_matches": self.hash_matches}


def channels_of(profile: Any) -> list[str]:
    """The channels the profile's organization is a member of, default channel first."""
    mine = [name for name, members in profile.channels.items() if profile.msp_id in members]
    return sorted(mine, key=lambda name: (name != profile.channel, name))


async def index_channel(gateway: Any, engine: Engine, channel: str, *, stop_at: int | None = None,
                        throttle: float = 0.0, progress: Callable[[str], None] = lambda _: None) -> int:
    """Index ``channel`` from its checkpoint up to block ``stop_at - 1`` (or for ever); returns blocks written."""
    height, last_hash = store.checkpoint(engine, channel)
    if stop_at is not None and height >= stop_at:
        return 0
    written = 0
    stream = gateway.block_events(channel, height, None if stop_at is None else stop_at - 1)
    try:
        async for block in stream:
            record = decode_block(block, channel)
            if record.number != height:
                raise BlockDecodeError(f"channel {channel}: expected block {height}, the peer sent {record.number}")
            check_link(last_hash, record)
            store.write_block(engine, record)
            height, last_hash = record.number + 1, record.header_hash
            written += 1
            progress(f"{channel} block {record.number}: {len(record.transactions)} transaction(s)")
            if throttle:
                await asyncio.sleep(throttle)
    finally:
        await stream.close()
    return written


TRANSIENT_CODES = ("UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED", "RESOURCE_EXHAUSTED", "ABORTED")
ONCE_RETRIES = 3
MAX_DELAY = 30.0


def transient(err: Exception) -> bool:
    """A lost connection or a peer not ready yet (worth resuming from the checkpoint), not a refusal."""
    from client.gateway import GatewayError

    if not isinstance(err, GatewayError):
        return isinstance(err, (ConnectionError, TimeoutError))
    code = getattr(err, "code", None)
    return getattr(code, "name", None) in TRANSIENT_CODES or "SERVICE_UNAVAILABLE" in str(err)


async def resilient_channel(gateway: Any, engine: Engine, channel: str, *, stop_at: int | None = None,
                            throttle: float = 0.0, progress: Callable[[str], None] = lambda _: None,
                            first_delay: float = 1.0) -> int:
    """``index_channel``, resumed from the checkpoint after a transient failure (for ever when following,
    ``ONCE_RETRIES`` times otherwise). Decoding errors and refusals are raised at once."""
    start, failures, delay = store.checkpoint(engine, channel)[0], 0, first_delay
    while True:
        try:
            await index_channel(gateway, engine, channel, stop_at=stop_at, throttle=throttle, progress=progress)
            if stop_at is not None:
                return store.checkpoint(engine, channel)[0] - start
            failures, delay = 0, first_delay  # the peer ended a follow stream: open a new one
        except Exception as err:
            if not transient(err) or (stop_at is not None and failures >= ONCE_RETRIES):
                raise
            failures += 1
            progress(f"{channel}: block stream interrupted ({err}); resuming at the checkpoint in {delay:g}s")
            await asyncio.sleep(delay)
            delay = min(MAX_DELAY, max(delay, 0.001) * 2)


async def _open(profile: Any, entry: Any) -> tuple[Any, Any]:
    from client.gateway import Gateway, connect

    peer = profile.peer(0)
    channel = connect(peer.address, peer.tls_root_cert, peer.ssl_target_name)
    return channel, Gateway(channel, entry.identity, entry.signer)


async def run_index(profile: Any, entry: Any, engine: Engine, *, follow: bool, throttle: float = 0.0,
                    channels: Sequence[str] | None = None,
                    progress: Callable[[str], None] = lambda _: None) -> dict[str, int]:
    """Index every channel of the organization; without ``follow`` stop at the peer's current height."""
    names = list(channels or channels_of(profile))
    grpc_channel, gateway = await _open(profile, entry)
    try:
        stops: dict[str, int | None] = {}
        for name in names:
            stops[name] = None if follow else (await gateway.get_network(name).query_chain_info()).height
        results = await asyncio.gather(*(resilient_channel(gateway, engine, name, stop_at=stops[name],
                                                       throttle=throttle, progress=progress)
                                         for name in names))
        return dict(zip(names, results))
    finally:
        await grpc_channel.close()


async def index_status(profile: Any, entry: Any, engine: Engine,
                       channels: Sequence[str] | None = None) -> list[ChannelStatus]:
    names = list(channels or channels_of(profile))
    grpc_channel, gateway = await _open(profile, entry)
    try:
        out = []
        for name in names:
            info = await gateway.get_network(name).query_chain_info()
            indexed, last_hash = store.checkpoint(engine, name)
            matches = (last_hash == info.current_block_hash.hex()) if indexed == info.height else None
            out.append(ChannelStatus(name, indexed, info.height, matches))
        return out
    finally:
        await grpc_channel.close()
