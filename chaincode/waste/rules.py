"""Pure rules of the manifest domain: approvals by region and credit level, discrepancies, mass balance, dates.

Nothing here reads the ledger; the contract hands in records, levels and parameters.
"""

from __future__ import annotations

import calendar
import datetime
from typing import Any

from chaincode.runtime.errors import Conflict, InvalidInput
from chaincode.waste.parameters import WasteRules

DAY_SECONDS = 86_400
CHINA = datetime.timezone(datetime.timedelta(hours=8))
LEVEL_NAMES = {"green": "诚信", "blue": "良好", "yellow": "警示", "red": "不良"}

# Manifest statuses (EPA e-Manifest and 危险废物转移联单 states).
PENDING, SCHEDULED, IN_TRANSIT, RECEIVED = "pending", "scheduled", "in_transit", "received"
DISPOSED, REJECTED, RETURNED, REFUSED = "disposed", "rejected", "returned", "refused"
STATUSES = (PENDING, SCHEDULED, IN_TRANSIT, RECEIVED, DISPOSED, REJECTED, RETURNED, REFUSED)
CLOSED = (DISPOSED, REJECTED, RETURNED, REFUSED)
BULK, CONTAINERS = "bulk", "containers"
FORMS = (BULK, CONTAINERS)
ORIGIN, DESTINATION, COORDINATOR = "origin", "destination", "coordinator"


# -- dates -------------------------------------------------------------------------------------


def ledger_date(timestamp: float) -> datetime.date:
    """The calendar date of a transaction timestamp in China Standard Time."""
    return datetime.datetime.fromtimestamp(timestamp, CHINA).date()


def parse_date(value: Any, field: str) -> datetime.date:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a date like 2027-12-31, got {value!r}")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field} must be a date like 2027-12-31, got {value!r}") from None


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_of_day_seconds(day: datetime.date) -> int:
    """The first second after ``day`` ends in China Standard Time."""
    after = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), CHINA)
    return int(after.timestamp())


def days_between(start_s: int, now_s: int) -> int:
    return max(0, (now_s - start_s) // DAY_SECONDS)


# -- approvals ---------------------------------------------------------------------------------


def level_text(level: str | None) -> str:
    return "unrated" if level is None else f"{level} ({LEVEL_NAMES.get(level, level)})"


def required_approvals(origin: str, destination: str, level: str | None, rules: WasteRules) -> dict[str, bool]:
    """Which approvals a manifest needs before pick-up.

    Cross-region: the origin regulator approves and the destination regulator consents; a generator at one of
    ``extra_approval_levels`` also needs the coordinator. Same region: the region regulator approves when the
    generator is at one of ``same_region_approval_levels`` (green and unrated take the fast path)."""
    cross = origin != destination
    return {
        ORIGIN: cross or (level is not None and level in rules.same_region_approval_levels),
        DESTINATION: cross,
        COORDINATOR: cross and level is not None and level in rules.extra_approval_levels,
    }


def missing_approval(manifest: dict[str, Any], level: str | None, rules: WasteRules) -> str | None:
    """Why the manifest may not be picked up yet (naming the rule and, where it is the reason, the level)."""
    needs = required_approvals(manifest["origin"], manifest["destination"], level, rules)
    given = manifest["approvals"]
    number, generator = manifest["id"], manifest["generator"]
    if manifest["origin"] != manifest["destination"]:
        if given[ORIGIN] is None:
            return (f"manifest {number} crosses from region {manifest['origin']} to region {manifest['destination']}: "
                    f"the regulator of {manifest['origin']} has not approved it; pick-up waits for the origin "
                    f"regulator's approval and the destination regulator's consent")
        if given[DESTINATION] is None:
            return (f"manifest {number} crosses from region {manifest['origin']} to region {manifest['destination']}: "
                    f"the regulator of {manifest['destination']} has not consented; pick-up waits for both regions")
        if needs[COORDINATOR] and given[COORDINATOR] is None:
            return (f"enterprise {generator} is {level_text(level)}: its cross-region manifests also need the "
                    f"coordinator's approval before pick-up (parameter extra_approval_levels); manifest {number} "
                    f"has none")
    elif needs[ORIGIN] and given[ORIGIN] is None:
        return (f"enterprise {generator} is {level_text(level)}: its manifests need regulator approval before "
                f"pick-up (parameter same_region_approval_levels); the regulator of {manifest['origin']} has not "
                f"approved manifest {number}")
    return None


# -- discrepancies -----------------------------------------------------------------------------


def discrepancy(manifest: dict[str, Any], quantity: int, code: str, containers: int | None,
                tolerance_permille: int) -> dict[str, Any] | None:
    """What differs at receipt beyond tolerance (40 CFR 264.72), or ``None``.

    Bulk: the received weight differs from the weight picked up by more than ``tolerance_permille`` of it.
    Containers: any difference in the number of containers. Either form: a different waste code."""
    shipped = manifest["shipped"]
    difference = quantity - shipped
    kinds = []
    if manifest["form"] == BULK:
        if abs(difference) * 1000 > tolerance_permille * shipped:
            kinds.append("quantity")
    elif containers != manifest["containers"]:
        kinds.append("containers")
    if code != manifest["code"]:
        kinds.append("code")
    if not kinds:
        return None
    return {"kinds": kinds, "shipped": shipped, "received": quantity, "difference_kg": difference,
            "permille": difference * 1000 // shipped if difference >= 0 else -((-difference * 1000) // shipped),
            "tolerance_permille": tolerance_permille, "declared_code": manifest["code"], "received_code": code,
            "declared_containers": manifest["containers"], "received_containers": containers}


# -- mass balance ------------------------------------------------------------------------------

BALANCE_FIELDS = ("manifests", "created", "shipped", "in_transit", "received", "rejected", "disposed", "explained")
INTAKE_FIELDS = ("manifests", "committed", "received", "disposed")


def balance_share(manifest: dict[str, Any]) -> dict[str, int]:
    """What one first-leg manifest adds to its generator's (code, year) balance row."""
    if manifest["original"] is not None:
        return {}
    status = manifest["status"]
    shipped = manifest["shipped"] or 0
    received = manifest["received"]["quantity"] if manifest["received"] else 0
    found = manifest["discrepancy"]
    settled = manifest["received"] is not None and (found is None or found["status"] == "resolved")
    explained = shipped - received if settled else 0  # within tolerance, or resolved by the regulator
    return {
        "manifests": 1,
        "created": 0 if status == REFUSED else manifest["quantity"],
        "shipped": shipped,
        "in_transit": shipped if status == IN_TRANSIT else 0,
        "received": received,
        "rejected": manifest["rejected"],
        "disposed": accepted(manifest) if status == DISPOSED else 0,
        "explained": explained,
    }


def intake_share(manifest: dict[str, Any]) -> dict[str, int]:
    """What a manifest to a facility adds to the facility's (year) intake row."""
    if manifest["receiver"]["kind"] != "facility":
        return {}
    status = manifest["status"]
    received = accepted(manifest) if manifest["received"] else 0
    return {
        "manifests": 1,
        "committed": 0 if status == REFUSED else manifest["quantity"] - manifest["rejected"],
        "received": received,
        "disposed": received if status == DISPOSED else 0,
    }


def accepted(manifest: dict[str, Any]) -> int:
    """What the facility keeps: the received quantity less what it rejected."""
    return (manifest["received"]["quantity"] if manifest["received"] else 0) - manifest["rejected"]


def balance_view(row: dict[str, Any]) -> dict[str, Any]:
    """A balance row with its check: every kilogram picked up is in transit, received, or explained."""
    difference = row["shipped"] - row["in_transit"] - row["received"]
    adds_up = difference == row["explained"]
    return {**row, "difference": difference, "adds_up": adds_up,
            "flag": None if adds_up else (
                f"{difference - row['explained']} kg picked up are neither in transit nor received "
                f"(open discrepancies)")}


def intake_view(row: dict[str, Any], capacity: int | None) -> dict[str, Any]:
    over = capacity is not None and row["received"] > capacity
    return {**row, "capacity": capacity, "adds_up": not over,
            "flag": f"received {row['received']} kg beyond the licensed {capacity} kg" if over else None}


def apply_delta(row: dict[str, Any], fields: tuple[str, ...], old: dict[str, int], new: dict[str, int]) -> bool:
    """Bring ``row`` from ``old`` to ``new`` shares; returns whether anything changed."""
    changed = False
    for name in fields:
        delta = new.get(name, 0) - old.get(name, 0)
        if delta:
            row[name] = row.get(name, 0) + delta
            changed = True
    return changed


def check_capacity(facility: str, year: int, committed: int, quantity: int, capacity: int) -> None:
    if committed + quantity > capacity:
        raise Conflict(f"facility {facility} is licensed for {capacity} kg in {year}; {committed} kg are already "
                       f"on manifests to it, so {quantity} kg more would exceed its annual capacity")
