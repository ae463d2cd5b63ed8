"""The index database: one transaction per block with its checkpoint; resuming; refusing broken chains."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from client.index import store
from client.index.decode import BlockDecodeError, decode_block
from client.index.follow import index_channel
from index_blocks import make_chain


class FakeStream:
    """What ``Gateway.block_events`` returns, over a prepared chain; ``crash_after`` raises mid-stream."""

    def __init__(self, chain: list[Any], start: int, stop: int | None, crash_after: int | None) -> None:
        self.blocks = chain[start: None if stop is None else stop + 1]
        self.crash_after = crash_after
        self.closed = False

    def __aiter__(self) -> "FakeStream":
        return self

    async def __anext__(self) -> Any:
        if self.crash_after is not None and self.crash_after <= 0:
            raise ConnectionError("peer went away")
        if not self.blocks:
            raise StopAsyncIteration
        if self.crash_after is not None:
            self.crash_after -= 1
        return self.blocks.pop(0)

    async def close(self) -> None:
        self.closed = True


class FakeGateway:
    def __init__(self, chains: dict[str, list[Any]], crash_after: int | None = None) -> None:
        self.chains = chains
        self.crash_after = crash_after
        self.requests: list[tuple[str, int, int | None]] = []

    def block_events(self, channel: str, start: int, stop: int | None = None) -> FakeStream:
        self.requests.append((channel, start, stop))
        return FakeStream(self.chains[channel], start, stop, self.crash_after)


@pytest.fixture
def engine(tmp_path):
    e = store.open_engine(f"sqlite:///{tmp_path / 'index' / 'test.sqlite'}")
    yield e
    e.dispose()


def run(gateway: FakeGateway, engine: Any, channel: str, stop_at: int | None) -> int:
    return asyncio.run(index_channel(gateway, engine, channel, stop_at=stop_at))


def test_blocks_transactions_events_and_checkpoint_are_written(engine):
    chain = make_chain("ecoledger", [2, 0, 3])
    assert run(FakeGateway({"ecoledger": chain}), engine, "ecoledger", 4) == 4
    assert store.checkpoint(engine, "ecoledger") == (4, decode_block(chain[3]).header_hash)
    assert store.counts(engine) == {"checkpoints": 1, "blocks": 4, "transactions": 1 + 2 + 3, "events": 5}
    with engine.connect() as conn:
        functions = conn.execute(select(store.transactions.c.function).where(store.transactions.c.block == 1)).all()
    assert [f for (f,) in functions] == ["Permit:Issue", "Permit:Issue"]


def test_a_crash_mid_stream_resumes_at_the_next_block_with_the_same_result(engine, tmp_path):
    chain = make_chain("ecoledger", [1, 2, 3, 1, 2])
    with pytest.raises(ConnectionError):
        run(FakeGateway({"ecoledger": chain}, crash_after=3), engine, "ecoledger", None)
    assert store.checkpoint(engine, "ecoledger")[0] == 3
    resumed = FakeGateway({"ecoledger": chain})
    assert run(resumed, engine, "ecoledger", len(chain)) == 3
    assert resumed.requests == [("ecoledger", 3, 5)]
    fresh = store.open_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    run(FakeGateway({"ecoledger": chain}), fresh, "ecoledger", len(chain))
    assert store.dump(engine) == store.dump(fresh)
    assert run(FakeGateway({"ecoledger": chain}), engine, "ecoledger", len(chain)) == 0  # nothing doubled


def test_a_failed_block_write_leaves_neither_rows_nor_a_moved_checkpoint(engine):
    chain = make_chain("ecoledger", [1, 2])
    run(FakeGateway({"ecoledger": chain}), engine, "ecoledger", 2)
    before = store.dump(engine)
    record = decode_block(chain[2])
    with engine.begin() as conn:  # a row of block 2 already there: the block's insert fails half-way
        conn.execute(store.events.insert().values(channel="ecoledger", block=2, position=1, idx=0, tx_id="x",
                                                   name="Stray", payload="{}"))
    with pytest.raises(Exception):
        store.write_block(engine, record)
    after = store.dump(engine)
    after["events"] = [e for e in after["events"] if e[5] != "Stray"]
    assert after == before
    assert store.checkpoint(engine, "ecoledger")[0] == 2


def test_a_block_that_does_not_link_to_the_index_is_refused_and_nothing_written(engine):
    chain = make_chain("ecoledger", [1, 1])
    other = make_chain("ecoledger", [1, 1, 1])
    run(FakeGateway({"ecoledger": chain}), engine, "ecoledger", 2)
    before = store.dump(engine)
    other[2].header.previous_hash = b"\x09" * 32  # a block 2 from a different history
    with pytest.raises(BlockDecodeError, match="does not match the last indexed block"):
        run(FakeGateway({"ecoledger": other}), engine, "ecoledger", 3)
    assert store.dump(engine) == before


def test_a_gap_in_the_stream_is_refused(engine):
    chain = make_chain("ecoledger", [1, 1, 1])
    gateway = FakeGateway({"ecoledger": chain[:2] + chain[3:]})
    with pytest.raises(BlockDecodeError, match="expected block 2, the peer sent 3"):
        run(gateway, engine, "ecoledger", 4)
    assert store.checkpoint(engine, "ecoledger")[0] == 2


def test_a_checkpoint_moved_by_another_writer_is_a_conflict(engine):
    chain = make_chain("ecoledger", [1, 1])
    run(FakeGateway({"ecoledger": chain}), engine, "ecoledger", 2)
    with engine.begin() as conn:
        conn.execute(store.checkpoints.update().values(height=5))
    with pytest.raises(store.CheckpointConflict, match="no longer at block 2"):
        store.write_block(engine, decode_block(chain[2]))
    assert store.counts(engine)["blocks"] == 2


def test_channels_are_checkpointed_apart(engine):
    chains = {"ecoledger": make_chain("ecoledger", [1, 1]), "bj-tj": make_chain("bj-tj", [2])}
    gw = FakeGateway(chains)
    run(gw, engine, "ecoledger", 3)
    run(gw, engine, "bj-tj", 2)
    assert store.all_checkpoints(engine) == {"ecoledger": 3, "bj-tj": 2}


def test_a_lost_connection_is_resumed_from_the_checkpoint(engine):
    from client.index.follow import resilient_channel

    chain = make_chain("ecoledger", [1, 2, 1, 1])
    gateway = FakeGateway({"ecoledger": chain}, crash_after=2)
    original = gateway.block_events

    def once_then_clean(channel, start, stop=None):
        stream = original(channel, start, stop)
        gateway.crash_after = None  # only the first stream breaks
        return stream

    gateway.block_events = once_then_clean
    lines: list[str] = []
    written = asyncio.run(resilient_channel(gateway, engine, "ecoledger", stop_at=len(chain), progress=lines.append,
                                            first_delay=0))
    assert written == len(chain)
    assert [(start, stop) for _, start, stop in gateway.requests] == [(0, 4), (2, 4)]
    assert any("block stream interrupted (peer went away); resuming at the checkpoint" in m for m in lines)


def test_a_refusal_is_not_retried(engine):
    from client.gateway import BlockEventsError
    from client.index.follow import resilient_channel

    class Refusing(FakeGateway):
        def block_events(self, channel, start, stop=None):
            self.requests.append((channel, start, stop))
            raise BlockEventsError("peer ended the block stream of channel bj-hb: FORBIDDEN")

    gateway = Refusing({})
    with pytest.raises(BlockEventsError, match="FORBIDDEN"):
        asyncio.run(resilient_channel(gateway, engine, "bj-hb", stop_at=None, first_delay=0))
    assert len(gateway.requests) == 1
