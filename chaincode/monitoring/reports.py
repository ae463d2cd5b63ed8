"""Reports: fingerprints, detailed values, and the violations a report reveals. Pure functions.

The detailed values of a report travel in the transient field ``details`` as
canonical JSON (sorted keys, compact separators, UTF-8)::

    {pollutants: [{factor, pollutant, load_g, max_hourly_ug, hours_valid, hours_total,
                   hourly: [{hour: YYYYMMDDhh, mean_ug, valid}]}]}

Loads are whole grams, concentrations whole micrograms per m³ (air) or per
litre (water). The ledger keeps the SHA-256 of those bytes publicly and the
values themselves in the region's private collection.

Rules (排污许可管理条例 and HJ 212):

* every valid hourly mean above the outlet's limit for the factor is a
  concentration exceedance (one violation per outlet, factor and hour, whoever
  reports it); at or above ``serious_exceedance_permille`` of the limit it is
  serious, otherwise general;
* an enterprise's loads add up per outlet, factor and year; the report that
  takes the total above the permitted annual quantity raises one quantity
  exceedance for that year (emissions during exceedances count too);
* a station's and the enterprise's loads of the same outlet and period that
  differ by more than ``station_tolerance_permille`` of the larger one are a
  discrepancy.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from chaincode.monitoring import licences
from chaincode.monitoring.parameters import FACTOR, MonitoringRules
from chaincode.monitoring.periods import Period, parse_hour
from chaincode.runtime.errors import InvalidInput
from common import canonical

DETAILS_FIELD = "details"
MAX_DETAILS_BYTES = 2_000_000
MAX_FILE_SIZE = 10**13
MAX_LOAD_G = 10**15
MAX_CONCENTRATION_UG = 10**13
MAX_POLLUTANTS = 50
SHA256 = re.compile(r"[0-9a-f]{64}")
POLLUTANT_FIELDS = {"factor", "pollutant", "load_g", "max_hourly_ug", "hours_valid", "hours_total", "hourly"}
HOUR_FIELDS = {"hour", "mean_ug", "valid"}
ENTERPRISE, STATION = "enterprise", "station"
SOURCES = (ENTERPRISE, STATION)


def check_sha256(value: Any, field: str = "sha256") -> str:
    if not isinstance(value, str) or not SHA256.fullmatch(value):
        raise InvalidInput(f"{field} must be 64 lowercase hexadecimal digits (a SHA-256), got {str(value)[:80]!r}")
    return value


def check_size(value: Any, field: str = "size") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FILE_SIZE:
        raise InvalidInput(f"{field} must be a whole number of bytes from 0 to {MAX_FILE_SIZE}, got {value!r}")
    return value


def check_fingerprint(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != {"sha256", "size"}:
        raise InvalidInput("fingerprint must be an object with exactly sha256 (64 lowercase hex digits) and "
                           "size (bytes) of the raw data file")
    return {"sha256": check_sha256(value["sha256"], "fingerprint.sha256"),
            "size": check_size(value["size"], "fingerprint.size")}


def details_from_transient(transient: dict[str, bytes], function: str) -> tuple[bytes, Any]:
    """The raw bytes of the transient field ``details`` and their JSON value (canonical form required)."""
    raw = transient.get(DETAILS_FIELD)
    if raw is None:
        raise InvalidInput(f"{function} needs the transient field {DETAILS_FIELD}: the report's detailed values "
                           f"as canonical JSON (they go to the region's private collection, never to the "
                           f"public ledger)")
    if len(raw) > MAX_DETAILS_BYTES:
        raise InvalidInput(f"transient {DETAILS_FIELD} is {len(raw)} bytes; at most {MAX_DETAILS_BYTES} are accepted")
    try:
        value = canonical.loads(raw)
    except ValueError as err:
        raise InvalidInput(f"transient {DETAILS_FIELD} is not valid JSON ({err})") from None
    if canonical.dumps(value) != raw:
        raise InvalidInput(f"transient {DETAILS_FIELD} must be canonical JSON (sorted keys, no spaces, UTF-8), so "
                           f"its SHA-256 is the same wherever it is computed")
    return raw, value


def details_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def check_details(details: Any, period: Period, medium: str, rules: MonitoringRules) -> list[dict[str, Any]]:
    """The checked pollutant entries of a report's details for ``period`` from an outlet of ``medium``."""
    if not isinstance(details, dict) or set(details) != {"pollutants"}:
        raise InvalidInput("details must be an object with exactly pollutants: [{factor, pollutant, load_g, "
                           "max_hourly_ug, hours_valid, hours_total, hourly}]")
    entries = details["pollutants"]
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_POLLUTANTS:
        raise InvalidInput(f"details.pollutants must be a list of 1 to {MAX_POLLUTANTS} entries")
    checked = [_check_entry(f"details.pollutants[{index}]", entry, period, medium, rules)
               for index, entry in enumerate(entries)]
    factors = [entry["factor"] for entry in checked]
    repeated = sorted({factor for factor in factors if factors.count(factor) > 1})
    if repeated:
        raise InvalidInput(f"details.pollutants lists factor {repeated[0]} more than once")
    return checked


def _check_entry(where: str, entry: Any, period: Period, medium: str, rules: MonitoringRules) -> dict[str, Any]:
    if not isinstance(entry, dict) or set(entry) != POLLUTANT_FIELDS:
        raise InvalidInput(f"{where} must have exactly {', '.join(sorted(POLLUTANT_FIELDS))}")
    factor = entry["factor"]
    if not isinstance(factor, str) or not FACTOR.fullmatch(factor):
        raise InvalidInput(f"{where}.factor must be an HJ 212 factor code like a21026, got {factor!r}")
    pollutant = rules.pollutant_of(factor)
    if pollutant is None:
        raise InvalidInput(f"{where}.factor {factor} is not a monitored factor (parameter factor_pollutants: "
                           f"{', '.join(sorted(rules.factor_pollutants))})")
    if (factor[0] == "a") != (medium == licences.AIR):
        kind = licences.AIR if factor[0] == "a" else licences.WATER
        raise InvalidInput(f"{where}.factor {factor} is {licences.with_article(kind)} factor, but the device "
                           f"measures {licences.with_article(medium)} outlet")
    if entry["pollutant"] != pollutant:
        raise InvalidInput(f"{where}.pollutant must be {pollutant} for factor {factor} (parameter "
                           f"factor_pollutants), got {entry['pollutant']!r}")
    _whole(f"{where}.load_g", entry["load_g"], MAX_LOAD_G, "grams")
    if entry["max_hourly_ug"] is not None:
        _whole(f"{where}.max_hourly_ug", entry["max_hourly_ug"], MAX_CONCENTRATION_UG, "micrograms")
    total = _whole(f"{where}.hours_total", entry["hours_total"], period.hours, "hours")
    valid = _whole(f"{where}.hours_valid", entry["hours_valid"], total, "hours")
    hourly = entry["hourly"]
    if not isinstance(hourly, list) or len(hourly) > period.hours:
        raise InvalidInput(f"{where}.hourly must be a list of at most {period.hours} hourly means "
                           f"(the hours of period {period.text})")
    seen: set[str] = set()
    for index, mean in enumerate(hourly):
        spot = f"{where}.hourly[{index}]"
        if not isinstance(mean, dict) or set(mean) != HOUR_FIELDS:
            raise InvalidInput(f"{spot} must have exactly hour, mean_ug and valid")
        hour = mean["hour"]
        parse_hour(hour)
        if not period.holds_hour(hour):
            raise InvalidInput(f"{spot}.hour {hour} is outside period {period.text}")
        if hour in seen:
            raise InvalidInput(f"{where}.hourly lists hour {hour} more than once")
        seen.add(hour)
        _whole(f"{spot}.mean_ug", mean["mean_ug"], MAX_CONCENTRATION_UG, "micrograms")
        if not isinstance(mean["valid"], bool):
            raise InvalidInput(f"{spot}.valid must be true or false, got {mean['valid']!r}")
    counted = sum(1 for mean in hourly if mean["valid"])
    if counted != valid:
        raise InvalidInput(f"{where}.hours_valid is {valid}, but {counted} of its hourly means are valid")
    return entry


def _whole(field: str, value: Any, maximum: int, unit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise InvalidInput(f"{field} must be a whole number of {unit} from 0 to {maximum}, got {value!r}")
    return value


def totals(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The public summary of a report: per factor its pollutant, load and completeness, by factor."""
    return [{"factor": entry["factor"], "pollutant": entry["pollutant"], "load_g": entry["load_g"],
             "hours_valid": entry["hours_valid"], "hours_total": entry["hours_total"]}
            for entry in sorted(entries, key=lambda entry: entry["factor"])]


# -- what a report reveals ---------------------------------------------------------------------


@dataclass(frozen=True)
class Exceedance:
    factor: str
    pollutant: str
    hour: str
    value_ug: int
    limit_ug: int
    severity: str


def exceedances(entries: list[dict[str, Any]], outlet: dict[str, Any],
                rules: MonitoringRules) -> list[Exceedance]:
    """Every valid hourly mean above the outlet's limit for its factor, by factor and hour."""
    found = []
    for entry in sorted(entries, key=lambda item: item["factor"]):
        limit = licences.limit(outlet, entry["factor"])
        if limit is None:
            continue
        for mean in sorted(entry["hourly"], key=lambda item: item["hour"]):
            if mean["valid"] and mean["mean_ug"] > limit["limit_ug"]:
                serious = mean["mean_ug"] * 1000 >= limit["limit_ug"] * rules.serious_exceedance_permille
                found.append(Exceedance(entry["factor"], entry["pollutant"], mean["hour"], mean["mean_ug"],
                                        limit["limit_ug"], "serious" if serious else "general"))
    return found


def crosses(before_g: int, after_g: int, annual_kg: int | None) -> bool:
    """Whether adding a report's load takes the running annual total above the permitted quantity."""
    return annual_kg is not None and before_g <= annual_kg * 1000 < after_g


def differences(enterprise: list[dict[str, Any]], station: list[dict[str, Any]],
                tolerance_permille: int) -> list[dict[str, Any]]:
    """Factors both reports carry whose loads differ by more than the tolerance of the larger load."""
    theirs = {row["factor"]: row for row in station}
    found = []
    for row in enterprise:
        other = theirs.get(row["factor"])
        if other is None:
            continue
        own, measured = row["load_g"], other["load_g"]
        difference = abs(own - measured)
        if difference * 1000 > tolerance_permille * max(own, measured):
            found.append({"factor": row["factor"], "pollutant": row["pollutant"], "enterprise_load_g": own,
                          "station_load_g": measured, "difference_g": difference})
    return found
