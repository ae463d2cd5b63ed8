"""Monitoring on the ledger: devices, licences, reports with private details, fingerprint checks.

**Who endorses a report.** ``Report:Submit`` carries the report's detailed
values in the transient field ``details`` (canonical JSON) and writes them to
the private collection ``monitoring_<region MSP>`` of the device's region
(members: that region's organization and the coordinator). As for market
prices (:mod:`client.market`), the gateway does not choose endorsers for such
a proposal by itself, so the client names them with
:func:`report_endorsers`: the region's organization, the coordinator(s),
then others in consortium order up to a majority of the channel.

**Reports.** :meth:`MonitoringClient.submit_day` turns one device-day
:class:`~client.monitoring.reports.Batch` into a report: the device's outlet
medium (``Monitor:Device``, asked once per device) and the ledger's monitored
factors (parameter ``factor_pollutants``, read once) pick the pollutants, the
details are computed by :func:`~client.monitoring.reports.day_report`, and
the public arguments are ``{mn, period, fingerprint}``. The answer is
``{report, violations}``: violations for exceedances are raised by the
chaincode in the same transaction.

**Verification.** :meth:`MonitoringClient.verify_file` hashes a file and asks
``Report:Verify`` which reports, if any, were made from exactly those bytes.

**Sharing.** The reads :mod:`client.monitoring.sharing` needs to share and
open raw files: a report, the organizations' data-sharing keys, the grants.

:class:`RawArchive` keeps the raw bytes of each report made from a stream
(``monitor listen``) in a file of its own, so the owner holds exactly what
the fingerprint on the ledger stands for.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from client.market import MarketError, Members, price_endorsers
from client.monitoring import reports
from client.monitoring.reports import Batch, DayReport
from client.paging import MAX_LIMIT, iterate_pages
from client.retry import RetryCallback, RetryPolicy, submit_with_retry
from common import canonical

DETAILS_FIELD = "details"
COLLECTION_PREFIX = "monitoring_"


class MonitoringError(Exception):
    """A monitoring request the client refuses before sending anything."""


def region_msp(members: Members, region: str) -> str:
    """The MSP id of the organization of ``region`` (its code, e.g. ``BJ``, or its MSP id)."""
    for org in members.organizations:
        if region in (getattr(org, "code", None), org.msp_id):
            return org.msp_id
    known = ", ".join(str(getattr(org, "code", org.msp_id)) for org in members.organizations)
    raise MonitoringError(f"region {region!r} is not an organization of consortium {members.name} (known: {known})")


def collection_of(msp_id: str) -> str:
    return f"{COLLECTION_PREFIX}{msp_id}"


def report_endorsers(members: Members, region: str) -> list[str]:
    """Organizations to endorse a report of a device of ``region``: the region's organization, the
    coordinator(s), topped up in consortium order to a majority of the channel."""
    try:
        return price_endorsers(members, [region_msp(members, region)])
    except MarketError as err:
        raise MonitoringError(str(err)) from None


def report_id(result: Any) -> str:
    """The id in a ``Report:Submit`` answer, whose ``report`` is the record or its id."""
    report = result.get("report") if isinstance(result, Mapping) else None
    if isinstance(report, Mapping):
        return str(report.get("id", ""))
    return "" if report is None else str(report)


@dataclass(frozen=True)
class Submitted:
    """A committed report."""

    report: str
    mn: str
    period: str
    entity: str
    outlet: str
    violations: list[str]
    tx_id: str
    block: int
    fingerprint: dict[str, Any]
    pollutants: list[str]
    notes: list[str] = field(default_factory=list)
    file: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"report": self.report, "mn": self.mn, "period": self.period, "entity": self.entity,
                "outlet": self.outlet, "violations": self.violations, "tx_id": self.tx_id, "block": self.block,
                "fingerprint": self.fingerprint, "pollutants": self.pollutants, "notes": self.notes,
                "file": self.file}


@dataclass
class MonitoringClient:
    """Monitoring calls as one identity through ``contract``; ``members`` names the organizations."""

    contract: Any  # SyncContract, or anything with evaluate/submit
    members: Members
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    on_retry: RetryCallback | None = None
    _devices: dict[str, dict[str, Any]] = field(default_factory=dict, init=False, repr=False)
    _factors: dict[str, str] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def submit(self, function: str, args: Mapping[str, Any], *, transient: Mapping[str, bytes] | None = None,
               endorsing_organizations: Sequence[str] = ()) -> Any:
        """Any write, submitted again after a lost race."""
        return submit_with_retry(self.contract, function, args, transient=transient,
                                 endorsing_organizations=endorsing_organizations, policy=self.policy,
                                 on_retry=self.on_retry)

    # -- devices and licences ---------------------------------------------------------------------

    def device(self, mn: str) -> dict[str, Any]:
        """``Monitor:Device``: the registered device ``mn`` with its entity, outlet, region and medium."""
        with self._lock:
            known = self._devices.get(mn)
        if known is not None:
            return known
        found = self.contract.evaluate("Monitor:Device", {"mn": mn})
        with self._lock:
            self._devices[mn] = found
        return found

    def register_device(self, entity: str, outlet: str, mn: str) -> Any:
        return self.submit("Monitor:RegisterDevice", {"entity": entity, "outlet": outlet, "mn": mn})

    def set_licence(self, entity: str, licence: Mapping[str, Any]) -> Any:
        return self.submit("Licence:Set", {"entity": entity, "licence": dict(licence)})

    # -- reports ---------------------------------------------------------------------------------

    def factor_pollutants(self) -> dict[str, str]:
        """The factors reports carry, with their pollutants: the ledger parameter ``factor_pollutants`` (read
        once), or the client's catalogue when the ledger does not answer with one."""
        with self._lock:
            known = self._factors
        if known is not None:
            return known
        found: Any = None
        try:
            found = self.contract.evaluate("Registry:Parameters").get("factor_pollutants")
        except Exception:  # noqa: BLE001 - an older ledger, or no such parameter: the catalogue applies
            found = None
        factors = ({str(code): str(name) for code, name in found.items()} if isinstance(found, Mapping) and found
                   else reports.catalogue_pollutants())
        with self._lock:
            self._factors = factors
        return factors

    def prepare(self, batch: Batch, *, minute_interval: int = reports.DEFAULT_MINUTE_INTERVAL) -> DayReport:
        """The report of a batch, for the medium of the device's outlet and the ledger's monitored factors."""
        device = self.device(batch.mn)
        return reports.day_report(batch, medium=device.get("medium"), pollutants=self.factor_pollutants(),
                                  minute_interval=minute_interval)

    def submit_report(self, report: DayReport, fingerprint: Mapping[str, Any]) -> Any:
        """``Report:Submit`` with the details in the transient map and the region's organizations endorsing."""
        if not report.details.get("pollutants"):
            raise MonitoringError(f"MN {report.mn} {report.period}: no monitored pollutant to report"
                                  + (f" ({'; '.join(report.notes)})" if report.notes else ""))
        device = self.device(report.mn)
        return self.submit("Report:Submit",
                           {"mn": report.mn, "period": report.period,
                            "fingerprint": {"sha256": fingerprint["sha256"], "size": fingerprint["size"]}},
                           transient={DETAILS_FIELD: canonical.dumps(report.details)},
                           endorsing_organizations=report_endorsers(self.members, device["region"]))

    def submit_day(self, batch: Batch, fingerprint: Mapping[str, Any], *, file: str | None = None,
                   minute_interval: int = reports.DEFAULT_MINUTE_INTERVAL) -> Submitted:
        """Prepare and submit the report of one device-day; returns what was committed."""
        report = self.prepare(batch, minute_interval=minute_interval)
        outcome = self.submit_report(report, fingerprint)
        device = self.device(batch.mn)
        result = outcome.result if isinstance(outcome.result, Mapping) else {}
        return Submitted(report=report_id(result), mn=batch.mn, period=batch.period,
                         entity=str(device.get("entity", "")), outlet=str(device.get("outlet", "")),
                         violations=[str(v) for v in result.get("violations", []) or []], tx_id=outcome.tx_id,
                         block=outcome.block_number, fingerprint=dict(fingerprint), pollutants=report.pollutants,
                         notes=report.notes, file=file)

    # -- verification ----------------------------------------------------------------------------

    def verify(self, fingerprint: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The reports made from data with this fingerprint (``[]``: none)."""
        answer = self.contract.evaluate("Report:Verify", {"sha256": fingerprint["sha256"],
                                                          "size": fingerprint["size"]})
        matches = answer.get("matches", []) if isinstance(answer, Mapping) else answer
        return list(matches or [])

    def verify_file(self, path: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        fingerprint = reports.file_fingerprint(path)
        return fingerprint, self.verify(fingerprint)

    # -- sharing raw data (see client.monitoring.sharing) ---------------------------------------------

    def report(self, report_id: str) -> dict[str, Any]:
        """``Report:Show``: one report with its public fingerprint."""
        return self.contract.evaluate("Report:Show", {"report_id": report_id})

    def sharing_keys(self) -> list[dict[str, Any]]:
        """``Sharing:Keys``: every organization's registered data-sharing public key."""
        return list(self.contract.evaluate("Sharing:Keys") or [])

    def sharing_key(self, msp_id: str) -> dict[str, Any] | None:
        """The data-sharing key registered by organization ``msp_id``, or ``None``."""
        return next((key for key in self.sharing_keys() if key.get("msp_id") == msp_id), None)

    def grants(self, **filters: Any) -> list[dict[str, Any]]:
        """Every grant the caller may see (``Sharing:List``, all pages) with these filters."""
        args = {key: value for key, value in filters.items() if value is not None}
        return [grant for page in iterate_pages(self.contract, "Sharing:List", args, MAX_LIMIT)
                for grant in page.items]


def block_of(qscc: Any, channel: str, tx_id: str) -> int | None:
    """The number of the block holding transaction ``tx_id`` (``qscc GetBlockByTxID`` on ``channel``), or
    ``None`` when the peer cannot tell."""
    from google.protobuf.message import DecodeError

    from client.gateway import GatewayError
    from fabric_protos.common import common_pb2

    try:
        raw = qscc.evaluate_raw("GetBlockByTxID", [channel.encode("utf-8"), tx_id.encode("ascii")])
        block = common_pb2.Block.FromString(raw)
    except (GatewayError, DecodeError, UnicodeEncodeError):
        return None
    return block.header.number if block.HasField("header") else None


class RawArchive:
    """Writes each batch's raw frames to ``<folder>/<MN>_<YYYY-MM-DD>.hj212`` (``-2``, ``-3``… when taken)."""

    SUFFIX = ".hj212"

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._lock = threading.Lock()

    def keep(self, batch: Batch) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in batch.mn)
        with self._lock:
            number = 1
            while True:
                name = f"{safe}_{batch.period}{'' if number == 1 else f'-{number}'}{self.SUFFIX}"
                path = self.folder / name
                try:
                    with open(path, "xb") as handle:
                        handle.write(bytes(batch.raw))
                    return path
                except FileExistsError:
                    number += 1


def stream_submitter(client: MonitoringClient, archive: RawArchive, *,
                     minute_interval: int = reports.DEFAULT_MINUTE_INTERVAL) -> Callable[[Batch], Submitted]:
    """What ``monitor listen`` does with a finished batch: keep its raw frames in a file, report that file."""

    def submit(batch: Batch) -> Submitted:
        path = archive.keep(batch)
        return client.submit_day(batch, reports.fingerprint(bytes(batch.raw)), file=str(path),
                                 minute_interval=minute_interval)

    return submit
