"""A monitoring world on top of the permit world: licences, devices, stations, reports.

``mworld`` (a fixture) is the four-enterprise world of ``conftest.py`` plus a
licence for Beijing Steel (air outlets DA001 main and DA002 general, water
outlet DW001 main) and Hebei Cement (DA001 main), valid 2025–2027, and one
registered device per outlet. The ledger clock stands at 2026-01-01, so 2025
periods have ended. :func:`details` builds the transient ``details`` of a
report from per-factor hourly means.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pytest

from chaincode.runtime.memory import make_identity
from common import canonical
from test_permit_world import BJ_STEEL, ENTERPRISE, HB_CEMENT, REGULATOR, PermitWorld

FACTORS = {"a21026": "SO2", "a21002": "NOx", "a34013": "PM", "w01018": "COD", "w21003": "NH3-N"}

STATION = {region: make_identity(f"{region}MSP", f"{region.lower()}-station", role="monitor", region=region,
                                 station=f"{region} supervisory station 1")
           for region in ("BJ", "TJ", "HB")}
NAMELESS_STATION = make_identity("BJMSP", "bj-nameless", role="monitor", region="BJ")
WRONG_REGION_STATION = make_identity("BJMSP", "bj-wrong-station", role="monitor", region="TJ", station="x")
CO_MONITOR = make_identity("COMSP", "co-monitor", role="monitor", region="CO", station="co")
TRANSPORTER = make_identity("BJMSP", "bj-truck", role="transporter", region="BJ")

MN_STEEL_AIR = "STEEL0DA001"
MN_STEEL_PM = "STEEL0DA002"
MN_STEEL_WATER = "STEEL0DW001"
MN_CEMENT_AIR = "CEMENT0DA001"
MN_STATION_STEEL = "BJSTATION0001"


def limit(factor: str, limit_ug: int, annual_kg: int | None) -> dict[str, Any]:
    return {"factor": factor, "pollutant": FACTORS[factor], "limit_ug": limit_ug, "annual_kg": annual_kg}


def steel_licence(number: str = "91110000MA01BJ001-001P", valid_from: str = "2025-01-01",
                  valid_to: str = "2027-12-31", so2_annual_kg: int = 10_000) -> dict[str, Any]:
    return {
        "number": number,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "outlets": [
            {"id": "DA001", "medium": "air", "kind": "main",
             "limits": [limit("a21026", 35_000, so2_annual_kg), limit("a21002", 50_000, 20_000)]},
            {"id": "DA002", "medium": "air", "kind": "general", "limits": [limit("a34013", 10_000, None)]},
            {"id": "DW001", "medium": "water", "kind": "main", "limits": [limit("w01018", 50_000, 5_000)]},
        ],
    }


def cement_licence() -> dict[str, Any]:
    return {"number": "91130000MA01HB001-001P", "valid_from": "2025-01-01", "valid_to": "2027-12-31",
            "outlets": [{"id": "DA001", "medium": "air", "kind": "main",
                         "limits": [limit("a21026", 100_000, 50_000)]}]}


def hours(day: str, means: list[int], valid: list[bool] | None = None) -> list[dict[str, Any]]:
    """Hourly means of a day ``YYYY-MM-DD`` from hour 00 on."""
    stem = day.replace("-", "")
    flags = valid if valid is not None else [True] * len(means)
    return [{"hour": f"{stem}{index:02d}", "mean_ug": mean, "valid": flag}
            for index, (mean, flag) in enumerate(zip(means, flags))]


def entry(factor: str, load_g: int, hourly: list[dict[str, Any]], hours_total: int | None = None) -> dict[str, Any]:
    valid = [row["mean_ug"] for row in hourly if row["valid"]]
    return {"factor": factor, "pollutant": FACTORS[factor], "load_g": load_g,
            "max_hourly_ug": max(valid) if valid else None, "hours_valid": len(valid),
            "hours_total": len(hourly) if hours_total is None else hours_total, "hourly": hourly}


def details(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"pollutants": list(entries)}


def clean_day(day: str, so2_g: int = 1_000, so2_ug: int = 20_000) -> dict[str, Any]:
    """A day of 24 valid hours of SO2 below its 35 mg/m³ limit at DA001."""
    return details(entry("a21026", so2_g, hours(day, [so2_ug] * 24)))


class Raw(dict):
    """A transient map given as is (to send missing or malformed ``details``)."""


def transient(value: dict[str, Any]) -> dict[str, bytes]:
    return {"details": canonical.dumps(value)}


def fingerprint(content: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}


@dataclass
class MonitoringWorld:
    world: PermitWorld

    def __getattr__(self, name: str) -> Any:  # ok, refused, query, page, ... of the permit world
        return getattr(self.world, name)

    def submit(self, who: Any, mn: str, period: str, values: dict[str, Any], raw: bytes | None = None) -> Any:
        content = raw if raw is not None else f"raw frames of {mn} for {period}".encode()
        return self.world.ok(who, "Report:Submit", transient=transient(values), mn=mn, period=period,
                             fingerprint=fingerprint(content))

    def submit_refused(self, who: Any, mn: str, period: str, values: dict[str, Any] | Raw, expected: str,
                       raw: bytes = b"raw", **overrides: Any) -> str:
        args = {"mn": mn, "period": period, "fingerprint": fingerprint(raw), **overrides}
        extra = values if isinstance(values, Raw) else transient(values)
        return self.world.refused(who, "Report:Submit", expected, transient=extra, **args)

    def violations(self, who: Any = None, **filters: Any) -> list[dict[str, Any]]:
        from test_permit_world import COORDINATOR

        return self.world.query(who or COORDINATOR, "Violation:List", **filters)


@pytest.fixture
def mworld(world: PermitWorld) -> MonitoringWorld:
    world.ok(REGULATOR["BJ"], "Licence:Set", entity=BJ_STEEL, licence=steel_licence())
    world.ok(REGULATOR["HB"], "Licence:Set", entity=HB_CEMENT, licence=cement_licence())
    for who, entity, outlet, mn in [
        (REGULATOR["BJ"], BJ_STEEL, "DA001", MN_STEEL_AIR),
        (ENTERPRISE[BJ_STEEL], BJ_STEEL, "DA002", MN_STEEL_PM),
        (REGULATOR["BJ"], BJ_STEEL, "DW001", MN_STEEL_WATER),
        (REGULATOR["BJ"], BJ_STEEL, "DA001", MN_STATION_STEEL),
        (REGULATOR["HB"], HB_CEMENT, "DA001", MN_CEMENT_AIR),
    ]:
        world.ok(who, "Monitor:RegisterDevice", entity=entity, outlet=outlet, mn=mn)
    world.ledger.events.clear()
    return MonitoringWorld(world)
