"""Discharge licences (排污许可证): the document a regulator records, checked field by field.

A licence names its validity and its outlets; per outlet and HJ 212 factor the
concentration limit in micrograms per m³ (air) or per litre (water) and, for
main outlets, the permitted annual quantity in kilograms::

    {number, valid_from, valid_to,
     outlets: [{id, medium: air|water, kind: main|general,
                limits: [{factor, pollutant, limit_ug, annual_kg}]}]}

Outlet ids follow the permit's codes: ``DA001`` for air, ``DW001`` for water
(an id starting ``DA`` must be an air outlet, ``DW`` a water one). Factors are
those of the ``factor_pollutants`` parameter; ``a…`` factors belong to air
outlets, ``w…`` factors to water outlets, and each names the pollutant the
parameter maps it to.
"""

from __future__ import annotations

import re
from typing import Any

from chaincode.monitoring.parameters import FACTOR, MonitoringRules
from chaincode.monitoring.periods import Period, parse_date
from chaincode.runtime.checks import require_choice, require_text
from chaincode.runtime.errors import InvalidInput
from common import units

AIR, WATER = "air", "water"
MEDIA = (AIR, WATER)
MAIN, GENERAL = "main", "general"
OUTLET_KINDS = (MAIN, GENERAL)
MAX_OUTLETS = 200
MAX_LIMITS = 50
MAX_LIMIT_UG = 10**12
OUTLET_ID = re.compile(r"[A-Z0-9]{1,16}")
LICENCE_FIELDS = {"number", "valid_from", "valid_to", "outlets"}
OUTLET_FIELDS = {"id", "medium", "kind", "limits"}
LIMIT_FIELDS = {"factor", "pollutant", "limit_ug", "annual_kg"}


def check_licence(licence: Any, rules: MonitoringRules) -> dict[str, Any]:
    """The licence as it will be stored, or :class:`InvalidInput` naming the field that is wrong."""
    _fields("licence", licence, LICENCE_FIELDS)
    number = require_text("licence.number", licence["number"], 64)
    first = parse_date(licence["valid_from"], "licence.valid_from")
    last = parse_date(licence["valid_to"], "licence.valid_to")
    if last < first:
        raise InvalidInput(f"licence.valid_to {licence['valid_to']} is before licence.valid_from "
                           f"{licence['valid_from']}")
    if not units.is_year(first.year) or not units.is_year(last.year):
        raise InvalidInput(f"licence validity must lie between {units.MIN_YEAR} and {units.MAX_YEAR}")
    outlets = licence["outlets"]
    if not isinstance(outlets, list) or not 1 <= len(outlets) <= MAX_OUTLETS:
        raise InvalidInput(f"licence.outlets must be a list of 1 to {MAX_OUTLETS} outlets")
    checked = [_check_outlet(f"licence.outlets[{index}]", outlet, rules) for index, outlet in enumerate(outlets)]
    ids = [outlet["id"] for outlet in checked]
    repeated = sorted({outlet_id for outlet_id in ids if ids.count(outlet_id) > 1})
    if repeated:
        raise InvalidInput(f"licence.outlets lists outlet {repeated[0]} more than once")
    return {"number": number, "valid_from": licence["valid_from"], "valid_to": licence["valid_to"],
            "outlets": checked}


def _check_outlet(where: str, outlet: Any, rules: MonitoringRules) -> dict[str, Any]:
    _fields(where, outlet, OUTLET_FIELDS)
    outlet_id = outlet["id"]
    if not isinstance(outlet_id, str) or not OUTLET_ID.fullmatch(outlet_id):
        raise InvalidInput(f"{where}.id must be 1 to 16 capital letters and digits, like DA001 or DW001, "
                           f"got {outlet_id!r}")
    medium = require_choice(f"{where}.medium", outlet["medium"], MEDIA)
    kind = require_choice(f"{where}.kind", outlet["kind"], OUTLET_KINDS)
    expected = {"DA": AIR, "DW": WATER}.get(outlet_id[:2])
    if expected is not None and medium != expected:
        raise InvalidInput(f"outlet {outlet_id} is {with_article(expected)} outlet by its code ({outlet_id[:2]}), "
                           f"but {where}.medium is {medium}")
    limits = outlet["limits"]
    if not isinstance(limits, list) or not 1 <= len(limits) <= MAX_LIMITS:
        raise InvalidInput(f"{where}.limits must be a list of 1 to {MAX_LIMITS} limits")
    checked = [_check_limit(f"{where}.limits[{index}]", outlet_id, medium, kind, limit, rules)
               for index, limit in enumerate(limits)]
    factors = [limit["factor"] for limit in checked]
    repeated = sorted({factor for factor in factors if factors.count(factor) > 1})
    if repeated:
        raise InvalidInput(f"outlet {outlet_id} limits factor {repeated[0]} more than once")
    return {"id": outlet_id, "medium": medium, "kind": kind, "limits": checked}


def _check_limit(where: str, outlet_id: str, medium: str, kind: str, limit: Any,
                 rules: MonitoringRules) -> dict[str, Any]:
    _fields(where, limit, LIMIT_FIELDS)
    factor = limit["factor"]
    if not isinstance(factor, str) or not FACTOR.fullmatch(factor):
        raise InvalidInput(f"{where}.factor must be an HJ 212 factor code like a21026 or w01018, got {factor!r}")
    pollutant = rules.pollutant_of(factor)
    if pollutant is None:
        raise InvalidInput(f"{where}.factor {factor} is not a monitored factor (parameter factor_pollutants: "
                           f"{', '.join(sorted(rules.factor_pollutants))})")
    if (factor[0] == "a") != (medium == AIR):
        raise InvalidInput(f"{where}.factor {factor} is {with_article(AIR if factor[0] == 'a' else WATER)} factor; "
                           f"outlet {outlet_id} is {with_article(medium)} outlet")
    if limit["pollutant"] != pollutant:
        raise InvalidInput(f"{where}.pollutant must be {pollutant} for factor {factor} (parameter "
                           f"factor_pollutants), got {limit['pollutant']!r}")
    limit_ug = limit["limit_ug"]
    if isinstance(limit_ug, bool) or not isinstance(limit_ug, int) or not 0 < limit_ug <= MAX_LIMIT_UG:
        raise InvalidInput(f"{where}.limit_ug must be a whole number of micrograms per "
                           f"{'m³' if medium == AIR else 'litre'} from 1 to {MAX_LIMIT_UG}, got {limit_ug!r}")
    annual = limit["annual_kg"]
    if annual is None:
        if kind == MAIN:
            raise InvalidInput(f"{where}.annual_kg is required: outlet {outlet_id} is a main outlet, whose "
                               f"permitted annual quantity the licence fixes")
    else:
        problem = units.quantity_problem(annual)
        if problem is not None:
            raise InvalidInput(f"{where}.annual_kg {problem}")
    return {"factor": factor, "pollutant": pollutant, "limit_ug": limit_ug, "annual_kg": annual}


def with_article(medium: str) -> str:
    """``an air`` or ``a water``."""
    return f"an {medium}" if medium == AIR else f"a {medium}"


def _fields(where: str, value: Any, expected: set[str]) -> None:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where} must be an object with {', '.join(sorted(expected))}")
    missing = sorted(expected - set(value))
    unknown = sorted(set(value) - expected)
    if missing or unknown:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + \
                ([f"unknown {', '.join(unknown)}"] if unknown else [])
        raise InvalidInput(f"{where} must have exactly {', '.join(sorted(expected))} ({'; '.join(parts)})")


# -- reading a stored licence ------------------------------------------------------------------


def outlet(licence: dict[str, Any], outlet_id: str) -> dict[str, Any] | None:
    for candidate in licence["outlets"]:
        if candidate["id"] == outlet_id:
            return candidate
    return None


def limit(outlet_record: dict[str, Any], factor: str) -> dict[str, Any] | None:
    for candidate in outlet_record["limits"]:
        if candidate["factor"] == factor:
            return candidate
    return None


def covers(licence: dict[str, Any], period: Period) -> bool:
    """Whether the licence is valid for the whole period."""
    return period.within(parse_date(licence["valid_from"], "valid_from"), parse_date(licence["valid_to"], "valid_to"))


def main_outlets(licence: dict[str, Any]) -> list[str]:
    return [candidate["id"] for candidate in licence["outlets"] if candidate["kind"] == MAIN]
