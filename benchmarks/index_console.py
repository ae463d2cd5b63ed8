"""Index throughput, catch-up from zero, and console page latency on a ledger of N transactions.

The ledger is made here: Fabric-shaped blocks (signed envelopes, endorsements,
the chaincode's event envelopes, validation flags, chained header hashes) as
the peer's Deliver service sends them, built by ``tests/unit/index_blocks.py``.
Indexing is measured from decode to commit (block, transactions, events and
checkpoint in one database transaction per block), without the gRPC transfer;
console latency is measured in process (no HTTP socket) per view, p50/p95.

Example::

    python -m benchmarks.index_console --transactions 100000 --per-block 10 --db sqlite:////tmp/bench.sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--per-block", type=int, default=10)
    parser.add_argument("--db", help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--requests", type=int, default=50, help="requests per view for latency")
    args = parser.parse_args()

    from index_blocks import make_chain  # noqa: E402  (the test suite's block builder)
    from starlette.testclient import TestClient

    from client.console.app import create_app
    from client.console.views import VIEWS
    from client.console.views.common import ConsoleContext
    from client.index import store
    from client.index.follow import index_channel

    blocks = -(-args.transactions // args.per_block)
    started = time.perf_counter()
    chain = make_chain("ecoledger", [args.per_block] * blocks)
    print(f"built {blocks} blocks / {blocks * args.per_block} transactions in {time.perf_counter() - started:.1f}s")

    class Replay:
        def block_events(self, channel, start, stop=None):
            items = iter(chain[start: None if stop is None else stop + 1])

            class Stream:
                def __aiter__(self):
                    return self

                async def __anext__(self):
                    try:
                        return next(items)
                    except StopIteration:
                        raise StopAsyncIteration

                async def close(self):
                    pass
            return Stream()

    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='ecoledger-bench-')}/index.sqlite"
    engine = store.open_engine(url)
    started = time.perf_counter()
    written = asyncio.run(index_channel(Replay(), engine, "ecoledger", stop_at=len(chain)))
    elapsed = time.perf_counter() - started
    txs = store.counts(engine)["transactions"]
    print(f"catch-up from zero: {written} blocks, {txs} transactions in {elapsed:.1f}s "
          f"= {written / elapsed:.0f} blocks/s, {txs / elapsed:.0f} transactions/s  ({url})")

    ctx = ConsoleContext(engine=engine, identity="bench", org="BJ", msp_id="BJMSP", channels=["ecoledger"])
    client = TestClient(create_app(ctx))
    tx_id = chain[blocks // 2].data.data and f"{blocks // 2:04d}{0:060d}"
    paths = {v.slug: f"/{v.slug}" for v in VIEWS}
    paths["search"] = f"/search?q={tx_id}"
    paths["search (block)"] = f"/search?q={blocks // 2}"
    for name, path in paths.items():
        times = []
        for _ in range(args.requests):
            t = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200, (path, response.status_code)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"{name:16s} p50 {statistics.median(times) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms")
    engine.dispose()


if __name__ == "__main__":
    main()
