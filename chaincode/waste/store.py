"""Keys, records and indexes of the waste domain.

Facilities:

* ``facility`` (entity) → a receiving facility's licence ``{entity, region, codes, capacity_kg, valid_until,
  version, set}``, indexed by ``facility~region`` (region, entity)

Manifests:

* ``manifest`` (number) → the current version of a manifest (the 14-digit number is its id), indexed by
  ``manifest~status`` (status, since, id), ``manifest~region`` (region, created, id; origin and destination),
  ``manifest~party`` (entity, created, id; generator, shipper, transporters, receiver) and
  ``manifest~discrepancy`` (opened, id; open discrepancies only)
* ``manifest~version`` (number, version) → every earlier version, kept when a correction changes it
* ``manifest~serial`` (year, province, city) → the last serial used for manifest numbers

Approvals and running totals:

* ``approval`` (id) → a cross-region approval (one shipment, or repeated shipments up to a total and a date),
  indexed by ``approval~scope`` (generator, code, facility, id) and ``approval~expiry`` (until, id; active ones)
* ``waste~balance`` (region, generator, code, year) → the generator's mass balance of a code and year
* ``waste~intake`` (region, facility, year) → a facility's intake of a year against its capacity
"""

from __future__ import annotations

from typing import Any

from chaincode.runtime import keys

OWNER = "waste"
VERSION_LIMIT = 10**6

FACILITIES = keys.RecordKind(
    keys.namespace("facility", "entity", owner=OWNER, description="credit code → a facility's licence"),
    what="facility licence",
    id_field="entity",
    indexes=(keys.Index(keys.namespace("facility~region", "region", "entity", owner=OWNER),
                        lambda record: [(record["region"],)]),),
)
FACILITIES_BY_REGION = FACILITIES.indexes[0].namespace


def _parties(record: dict[str, Any]) -> list[tuple[Any, ...]]:
    entities = {record["generator"], record["shipper"], record["receiver"]["entity"], *record["transporters"]}
    return [(entity, record["created_s"]) for entity in sorted(entities)]


def _regions(record: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(region, record["created_s"]) for region in sorted({record["origin"], record["destination"]})]


def _open_discrepancy(record: dict[str, Any]) -> list[tuple[Any, ...]]:
    found = record["discrepancy"]
    return [(found["opened_s"],)] if found and found["status"] == "open" else []


MANIFESTS = keys.RecordKind(
    keys.namespace("manifest", "id", owner=OWNER, description="manifest number → current version"),
    what="manifest",
    indexes=(
        keys.Index(keys.namespace("manifest~status", "status", "since", "id", owner=OWNER),
                   lambda record: [(record["status"], record["since_s"])]),
        keys.Index(keys.namespace("manifest~region", "region", "created", "id", owner=OWNER), _regions),
        keys.Index(keys.namespace("manifest~party", "entity", "created", "id", owner=OWNER), _parties),
        keys.Index(keys.namespace("manifest~discrepancy", "opened", "id", owner=OWNER), _open_discrepancy),
    ),
)
BY_STATUS, BY_REGION, BY_PARTY, OPEN_DISCREPANCIES = (index.namespace for index in MANIFESTS.indexes)
VERSIONS = keys.namespace("manifest~version", "id", "version", owner=OWNER,
                          description="earlier versions of a manifest, kept by corrections")
SERIALS = keys.namespace("manifest~serial", "year", "province", "city", owner=OWNER,
                         description="the last serial of manifest numbers of a city and year")

APPROVALS = keys.RecordKind(
    keys.namespace("approval", "id", owner=OWNER, description="approval id → a cross-region transfer approval"),
    what="approval",
    indexes=(
        keys.Index(keys.namespace("approval~scope", "generator", "code", "facility", "id", owner=OWNER),
                   lambda record: [(record["generator"], record["code"], record["facility"])]),
        keys.Index(keys.namespace("approval~expiry", "until", "id", owner=OWNER),
                   lambda record: [(record["until_s"],)] if record["status"] == "active" else []),
    ),
)
APPROVALS_BY_SCOPE, APPROVALS_BY_EXPIRY = (index.namespace for index in APPROVALS.indexes)

BALANCES = keys.namespace("waste~balance", "region", "generator", "code", "year", owner=OWNER,
                          description="a generator's mass balance of a waste code and year")
INTAKES = keys.namespace("waste~intake", "region", "facility", "year", owner=OWNER,
                         description="a facility's intake of a year")
