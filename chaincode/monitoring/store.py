"""Keys, records and indexes of the monitoring domain.

Licences:

* ``licence`` (id ``<entity>.v<version>``) → one version of an enterprise's licence; every version is kept
* ``licence~entity`` (entity, rank, id): versions newest first (rank = ``VERSION_CEILING - version``)
* ``licence~current`` (entity) → ``{entity, region, version, licence, valid_from, valid_to, main_outlets}``,
  indexed by ``licence~region`` (region, entity): the enterprises of a region that hold a licence

Devices and reports:

* ``device`` (mn) → ``{mn, entity, outlet, region, medium, kind, registered}``; ``device~entity``
  (entity, outlet, mn)
* ``report`` (id) → the public report record, indexed by ``report~entity`` (entity, period, id),
  ``report~region`` (region, period, id), ``report~sha256`` (sha256, id) and ``report~outlet``
  (entity, outlet, source, period, id)
* ``report~slot`` (entity, outlet, source, period) → report id: one report per outlet, source and period
* private ``details`` (report id) in ``monitoring_<region MSP>``: the report's detailed values

Running facts:

* ``load~annual`` (entity, year, factor, outlet) → ``{..., load_g, reports, violation}``: an enterprise's
  reported load of a year, and the quantity exceedance it caused
* ``exceedance`` (entity, outlet, factor, hour) → violation id: one violation per hour
* ``period~closed`` (region, period) → the closing of a reporting period
* ``compliance`` (entity, year, pollutant) → the year-end verification

Sharing raw data:

* ``sharing~key`` (msp_id) → an organization's current data-sharing public key
* ``grant`` (id) → a grant of a report's raw file to an organization, indexed by ``grant~report``
  (report, id), ``grant~recipient`` (recipient, id), ``grant~entity`` (entity, id), ``grant~region``
  (region, id) and ``grant~ciphertext`` (sha256, id)
"""

from __future__ import annotations

from typing import Any, Iterator

from chaincode.runtime import keys
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import NotFound

OWNER = "monitoring"
VERSION_CEILING = 10**9

LICENCES = keys.RecordKind(
    keys.namespace("licence", "id", owner=OWNER, description="licence version id → one version of a licence"),
    what="licence version",
    indexes=(keys.Index(keys.namespace("licence~entity", "entity", "rank", "id", owner=OWNER,
                                       description="licence versions of an enterprise, newest first"),
                        lambda record: [(record["entity"], VERSION_CEILING - record["version"])]),),
)
LICENCES_BY_ENTITY = LICENCES.indexes[0].namespace

CURRENT = keys.RecordKind(
    keys.namespace("licence~current", "entity", owner=OWNER, description="an enterprise's current licence version"),
    what="current licence",
    id_field="entity",
    indexes=(keys.Index(keys.namespace("licence~region", "region", "entity", owner=OWNER,
                                       description="enterprises of a region that hold a licence"),
                        lambda record: [(record["region"],)]),),
)
LICENSED_BY_REGION = CURRENT.indexes[0].namespace

DEVICES = keys.RecordKind(
    keys.namespace("device", "mn", owner=OWNER, description="HJ 212 device (MN) → the outlet it measures"),
    what="device",
    id_field="mn",
    indexes=(keys.Index(keys.namespace("device~entity", "entity", "outlet", "mn", owner=OWNER),
                        lambda record: [(record["entity"], record["outlet"])]),),
)
DEVICES_BY_ENTITY = DEVICES.indexes[0].namespace

REPORTS = keys.RecordKind(
    keys.namespace("report", "id", owner=OWNER, description="report id → public report record"),
    what="report",
    indexes=(
        keys.Index(keys.namespace("report~entity", "entity", "period", "id", owner=OWNER),
                   lambda record: [(record["entity"], record["period"])]),
        keys.Index(keys.namespace("report~region", "region", "period", "id", owner=OWNER),
                   lambda record: [(record["region"], record["period"])]),
        keys.Index(keys.namespace("report~sha256", "sha256", "id", owner=OWNER),
                   lambda record: [(record["fingerprint"]["sha256"],)]),
        keys.Index(keys.namespace("report~outlet", "entity", "outlet", "source", "period", "id", owner=OWNER),
                   lambda record: [(record["entity"], record["outlet"], record["source"], record["period"])]),
    ),
)
REPORTS_BY_ENTITY, REPORTS_BY_REGION, REPORTS_BY_SHA256, REPORTS_BY_OUTLET = (
    index.namespace for index in REPORTS.indexes)
SLOTS = keys.namespace("report~slot", "entity", "outlet", "source", "period", owner=OWNER,
                       description="the one report of an outlet, source and period")
DETAILS = keys.namespace("details", "report", owner=OWNER,
                         description="private (monitoring_<MSP>): detailed values of a report")

ANNUAL_LOADS = keys.namespace("load~annual", "entity", "year", "factor", "outlet", owner=OWNER,
                              description="an enterprise's reported load of a year per outlet and factor")
EXCEEDANCES = keys.namespace("exceedance", "entity", "outlet", "factor", "hour", owner=OWNER,
                             description="the violation recorded for an hourly mean above its limit")
CLOSED = keys.namespace("period~closed", "region", "period", owner=OWNER,
                        description="a closed reporting period of a region")
COMPLIANCE = keys.namespace("compliance", "entity", "year", "pollutant", owner=OWNER,
                            description="year-end verification of an enterprise's emissions of a pollutant")


def licence_id(entity: str, version: int) -> str:
    return f"{entity}.v{version}"


def current(ctx: TxContext, entity: str) -> dict[str, Any] | None:
    """The current version of an enterprise's licence, or ``None``."""
    head = ctx.find(CURRENT, entity)
    return None if head is None else ctx.load(LICENCES, head["licence"])


def require_current(ctx: TxContext, entity: str) -> dict[str, Any]:
    licence = current(ctx, entity)
    if licence is None:
        raise NotFound(f"enterprise {entity} has no licence; the regulator of its region records one with "
                       f"Licence:Set")
    return licence


def licensed_in(ctx: TxContext, region: str) -> Iterator[dict[str, Any]]:
    """The current-licence heads of every licensed enterprise of a region, by credit code."""
    for _, entity in ctx.range(*LICENSED_BY_REGION.span(region)):
        yield ctx.load(CURRENT, entity)


def annual_loads(ctx: TxContext, entity: str, year: int) -> Iterator[dict[str, Any]]:
    for _, row in ctx.range(*ANNUAL_LOADS.span(entity, year)):
        yield row


def reported_grams(ctx: TxContext, entity: str, year: int, pollutant: str) -> int:
    """Grams of ``pollutant`` the enterprise's own reports of ``year`` add up to, over every outlet."""
    return sum(row["load_g"] for row in annual_loads(ctx, entity, year) if row["pollutant"] == pollutant)


def reports_of_outlet(ctx: TxContext, entity: str, outlet: str, source: str,
                      period_prefix: str) -> Iterator[tuple[str, str]]:
    """``(period, report id)`` of an outlet's reports from ``source`` whose period starts with ``period_prefix``."""
    start = REPORTS_BY_OUTLET.prefix(entity, outlet, source) + period_prefix
    for key, report_id in ctx.range(start, start + keys.MAX_RUNE):
        yield REPORTS_BY_OUTLET.split(key)[3], report_id


SHARING_KEYS = keys.RecordKind(
    keys.namespace("sharing~key", "msp_id", owner=OWNER,
                   description="an organization's public key for receiving shared raw data"),
    what="data-sharing key",
    id_field="msp_id",
)

GRANTS = keys.RecordKind(
    keys.namespace("grant", "id", owner=OWNER, description="grant id → a shared raw file's grant"),
    what="grant",
    indexes=(
        keys.Index(keys.namespace("grant~report", "report", "id", owner=OWNER), lambda g: [(g["report"],)]),
        keys.Index(keys.namespace("grant~recipient", "recipient", "id", owner=OWNER), lambda g: [(g["recipient"],)]),
        keys.Index(keys.namespace("grant~entity", "entity", "id", owner=OWNER), lambda g: [(g["entity"],)]),
        keys.Index(keys.namespace("grant~region", "region", "id", owner=OWNER), lambda g: [(g["region"],)]),
        keys.Index(keys.namespace("grant~ciphertext", "sha256", "id", owner=OWNER),
                   lambda g: [(g["ciphertext"]["sha256"],)]),
    ),
)
GRANTS_BY_REPORT, GRANTS_BY_RECIPIENT, GRANTS_BY_ENTITY, GRANTS_BY_REGION, GRANTS_BY_CIPHERTEXT = (
    index.namespace for index in GRANTS.indexes)
