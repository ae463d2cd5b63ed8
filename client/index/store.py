"""The index database, through SQLAlchemy Core: SQLite by default, PostgreSQL (or any SQLAlchemy URL) by URL.

One database transaction per block writes the block, its transactions, their
events and the channel's checkpoint (next block number and the last block's
hash). A crash leaves either all of a block or none of it, and the next run
starts at exactly the checkpoint. The checkpoint is moved only from the
height it was read at, so two indexers on one database cannot both write a
block.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import (Column, Integer, MetaData, String, Table, Text, BigInteger, create_engine, func,
                        select, update, insert)
from sqlalchemy.engine import Engine

from client.index.decode import BlockRecord

metadata = MetaData()

checkpoints = Table(
    "checkpoints", metadata,
    Column("channel", String(250), primary_key=True),
    Column("height", BigInteger, nullable=False),  # the next block to index
    Column("last_hash", String(64), nullable=False),  # header hash of block height-1
)

blocks = Table(
    "blocks", metadata,
    Column("channel", String(250), primary_key=True),
    Column("number", BigInteger, primary_key=True),
    Column("header_hash", String(64), nullable=False),
    Column("previous_hash", String(64), nullable=False),
    Column("data_hash", String(64), nullable=False),
    Column("timestamp", String(40), nullable=False),
    Column("tx_count", Integer, nullable=False),
)

transactions = Table(
    "transactions", metadata,
    Column("channel", String(250), primary_key=True),
    Column("block", BigInteger, primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("tx_id", String(128), nullable=False, index=True),
    Column("type", String(40), nullable=False),
    Column("timestamp", String(40), nullable=False, index=True),
    Column("creator_msp", String(250), nullable=False),
    Column("creator_name", String(250), nullable=False),
    Column("chaincode", String(250), nullable=False),
    Column("function", String(250), nullable=False, index=True),
    Column("validation_code", Integer, nullable=False),
    Column("validation", String(80), nullable=False),
    Column("endorsers", Text, nullable=False),  # JSON list of MSP ids
)

events = Table(
    "events", metadata,
    Column("channel", String(250), primary_key=True),
    Column("block", BigInteger, primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("tx_id", String(128), nullable=False, index=True),
    Column("name", String(250), nullable=False, index=True),
    Column("payload", Text, nullable=False),
)

TABLES = (checkpoints, blocks, transactions, events)


class CheckpointConflict(RuntimeError):
    """Another writer moved the checkpoint (two indexers on one database)."""


def default_url(home: Path, identity: str) -> str:
    return f"sqlite:///{home / 'index' / (identity + '.sqlite')}"


def open_engine(url: str) -> Engine:
    """An engine for ``url`` with the schema created; a SQLite file's folder is created too."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = create_engine(url, future=True)
    metadata.create_all(engine)
    return engine


def checkpoint(engine: Engine, channel: str) -> tuple[int, str | None]:
    """(next block number, last block's hash or None) of ``channel``."""
    with engine.connect() as conn:
        row = conn.execute(select(checkpoints.c.height, checkpoints.c.last_hash)
                           .where(checkpoints.c.channel == channel)).first()
    return (row.height, row.last_hash) if row else (0, None)


def all_checkpoints(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {r.channel: r.height for r in conn.execute(select(checkpoints))}


def write_block(engine: Engine, block: BlockRecord) -> None:
    """The block, its transactions and events and the moved checkpoint, in one transaction."""
    with engine.begin() as conn:
        conn.execute(insert(blocks).values(
            channel=block.channel, number=block.number, header_hash=block.header_hash,
            previous_hash=block.previous_hash, data_hash=block.data_hash, timestamp=block.timestamp,
            tx_count=len(block.transactions)))
        tx_rows = [dict(channel=block.channel, block=block.number, position=tx.position, tx_id=tx.tx_id,
                        type=tx.type, timestamp=tx.timestamp, creator_msp=tx.creator_msp,
                        creator_name=tx.creator_name, chaincode=tx.chaincode, function=tx.function,
                        validation_code=tx.validation_code, validation=tx.validation,
                        endorsers=json.dumps(list(tx.endorsers)))
                   for tx in block.transactions]
        if tx_rows:
            conn.execute(insert(transactions), tx_rows)
        event_rows = [dict(channel=block.channel, block=block.number, position=tx.position, idx=ev.index,
                           tx_id=tx.tx_id, name=ev.name, payload=ev.payload)
                      for tx in block.transactions for ev in tx.events]
        if event_rows:
            conn.execute(insert(events), event_rows)
        if block.number == 0:
            conn.execute(insert(checkpoints).values(channel=block.channel, height=1, last_hash=block.header_hash))
        else:
            moved = conn.execute(update(checkpoints)
                                 .where(checkpoints.c.channel == block.channel,
                                        checkpoints.c.height == block.number)
                                 .values(height=block.number + 1, last_hash=block.header_hash))
            if moved.rowcount != 1:
                raise CheckpointConflict(
                    f"channel {block.channel}: the checkpoint is no longer at block {block.number}; "
                    "is another indexer writing to this database?")


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: two indexes of one ledger dump equal."""
    out = {}
    with engine.connect() as conn:
        for table in TABLES:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    return out


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}


def iter_rows(engine: Engine, statement: Any) -> Iterator[dict[str, Any]]:
    with engine.connect() as conn:
        for row in conn.execute(statement):
            yield dict(row._mapping)
