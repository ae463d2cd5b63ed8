"""Keys of the enterprise domain: the register and its index by region."""

from __future__ import annotations

from typing import Any

from chaincode.runtime import keys
from chaincode.runtime.context import TxContext

OWNER = "enterprise"

ENTERPRISES = keys.RecordKind(
    keys.namespace("enterprise", "entity", owner=OWNER,
                   description="credit code → {entity, name, region, msp_id, frozen, registered, log}"),
    what="enterprise",
    id_field="entity",
    indexes=(keys.Index(keys.namespace("enterprise~region", "region", "entity", owner=OWNER,
                                       description="enterprises by region"),
                        lambda record: [(record["region"],)]),),
)
BY_REGION = ENTERPRISES.indexes[0].namespace


def find(ctx: TxContext, entity: str) -> dict[str, Any] | None:
    return ctx.find(ENTERPRISES, entity)


def save(ctx: TxContext, record: dict[str, Any]) -> None:
    ctx.save(ENTERPRISES, record)
