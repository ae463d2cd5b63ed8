"""Keys of the credit domain (standings themselves are the fact :mod:`chaincode.facts.credit`).

* ``credit~repair`` (id) → a credit repair ``{id, entity, region, facts, evidence, note, status:
  pending | approved | refused, applied, decision, level_before, level_after}``, indexed by
  ``credit~repair~entity`` (entity, id) and ``credit~repair~region`` (region, status, id)
* ``credit~repair~fact`` (violation id) → the pending repair that names it: a violation is in one
  pending repair at a time
"""

from __future__ import annotations

from chaincode.runtime import keys

OWNER = "credit"
PENDING, APPROVED, REFUSED = "pending", "approved", "refused"
REPAIR_STATUSES = (PENDING, APPROVED, REFUSED)

REPAIRS = keys.RecordKind(
    keys.namespace("credit~repair", "id", owner=OWNER, description="repair id → credit repair"),
    what="credit repair",
    indexes=(
        keys.Index(keys.namespace("credit~repair~entity", "entity", "id", owner=OWNER,
                                  description="credit repairs of an enterprise"),
                   lambda record: [(record["entity"],)]),
        keys.Index(keys.namespace("credit~repair~region", "region", "status", "id", owner=OWNER,
                                  description="credit repairs of a region by status"),
                   lambda record: [(record["region"], record["status"])]),
    ),
)
BY_ENTITY, BY_REGION = (index.namespace for index in REPAIRS.indexes)
PENDING_FACTS = keys.namespace("credit~repair~fact", "violation", owner=OWNER,
                               description="violation id → the pending credit repair that names it")
