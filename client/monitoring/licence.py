"""Discharge licences (排污许可证) as people write them, converted exactly to the ledger's integers.

A licence file is YAML::

    number: 91110000600037341L001P      # the licence number
    valid_from: 2026-01-01
    valid_to: 2030-12-31
    outlets:
      - id: DA001                       # the outlet's number on the licence
        medium: air                     # air | water
        kind: main                      # main | general (主要/一般排放口)
        limits:
          - pollutant: SO2              # or factor: a21026 (both may be given; they must agree; a factor
                                        # the client does not know needs its pollutant too)
            limit: 35 mg/m3             # mg/m3 for air, mg/L for water; a bare number is in that unit
            annual: 120t                # permitted annual quantity, kg or t (bare: kg); required at main
                                        # outlets, optional at general ones

On the ledger a concentration limit is whole µg/m³ or µg/L (``limit_ug``)
and an annual quantity whole kg (``annual_kg``, ``null`` when the licence
sets none). Numbers are read as decimals, never floats, and converted
exactly: a value that is not a whole µg (or kg) is refused, naming the field,
rather than rounded.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Mapping

from client.monitoring.hj212 import FACTORS, POLLUTANT_FACTOR
from common.units import UnitError, parse_quantity

MEDIA = ("air", "water")
KINDS = ("main", "general")
UNITS = {  # unit as written → (medium, µg per unit)
    "mg/m3": ("air", 1000), "mg/m³": ("air", 1000), "mg/nm3": ("air", 1000), "mg/nm³": ("air", 1000),
    "ug/m3": ("air", 1), "µg/m3": ("air", 1), "μg/m3": ("air", 1), "µg/m³": ("air", 1), "μg/m³": ("air", 1),
    "ug/m³": ("air", 1),
    "mg/l": ("water", 1000), "ug/l": ("water", 1), "µg/l": ("water", 1), "μg/l": ("water", 1),
}
_CONCENTRATION = re.compile(r"(?P<number>[0-9][0-9,_]*(?:\.[0-9]+)?)\s*(?P<unit>\S+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LEDGER_FACTOR = re.compile(r"[aw][0-9]{5}")
_OUTLET_ID = re.compile(r"[A-Z0-9]{1,16}")
OUTLET_PREFIX_MEDIUM = {"DA": "air", "DW": "water"}  # 废气/废水排放口 numbering


class LicenceError(ValueError):
    """A licence file that cannot be sent as written; the message names the field."""


def _fail(where: str, problem: str) -> LicenceError:
    return LicenceError(f"{where}: {problem}")


def _text(value: Any, where: str) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        raise _fail(where, f"must be text, got {value!r}")
    text = str(value).strip()
    if not text:
        raise _fail(where, "must not be empty")
    return text


def _date(value: Any, where: str) -> str:
    text = value.isoformat() if isinstance(value, date) else _text(value, where)
    if not _DATE.fullmatch(text):
        raise _fail(where, f"{text!r} is not a date YYYY-MM-DD")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise _fail(where, f"{text} is not a real date") from None
    return text


def concentration_ug(value: Any, medium: str, where: str) -> int:
    """``"35 mg/m3"``, ``35`` or ``"0.5 mg/L"`` → whole µg per m³ or per L, exactly."""
    if isinstance(value, float):
        raise _fail(where, f"{value!r} is a binary float; write the number as text")
    if isinstance(value, bool) or value is None:
        raise _fail(where, f"must be a concentration like 35 mg/m3, got {value!r}")
    text = format(value, "f") if isinstance(value, Decimal) else str(value).strip()
    match = _CONCENTRATION.fullmatch(text)
    if match is None:
        raise _fail(where, f"{text!r} is not a concentration like 35 mg/m3 or 0.5 mg/L")
    unit = (match["unit"] or ("mg/m3" if medium == "air" else "mg/l")).lower()
    if unit not in UNITS:
        raise _fail(where, f"unknown unit {match['unit']!r}; use mg/m3 (air) or mg/L (water)")
    unit_medium, factor = UNITS[unit]
    if unit_medium != medium:
        raise _fail(where, f"{match['unit']} is a unit for {unit_medium}, but the outlet discharges to {medium}")
    try:
        number = Decimal(match["number"].replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise _fail(where, f"{text!r} is not a number") from None
    micro = number * factor
    if micro != micro.to_integral_value():
        raise _fail(where, f"{text} is {micro.normalize():f} µg; the ledger holds whole µg, so give at most "
                           f"{3 if factor == 1000 else 0} decimals")
    if micro <= 0:
        raise _fail(where, "a limit must be above zero")
    return int(micro)


def annual_kg(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, float):
        raise _fail(where, f"{value!r} is a binary float; write the quantity as text, like 120t")
    text = format(value, "f") if isinstance(value, Decimal) else value
    try:
        return parse_quantity(text)
    except UnitError as err:
        raise _fail(where, str(err)) from None


def _factor(limit: Mapping[str, Any], medium: str, where: str) -> tuple[str, str]:
    code = limit.get("factor")
    name = limit.get("pollutant")
    if code is None and name is None:
        raise _fail(where, "give the pollutant (SO2, NOx, PM, COD, NH3-N, TP, TN) or its factor code")
    if code is not None:
        code = _text(code, f"{where}.factor")
        factor = FACTORS.get(code)
        if factor is None and _LEDGER_FACTOR.fullmatch(code) and name is not None:
            # a factor the client's catalogue does not name: the ledger's factor_pollutants decides
            factor_medium = "air" if code.startswith("a") else "water"
            if factor_medium != medium:
                raise _fail(where, f"{code} is a {factor_medium} factor, the outlet discharges to {medium}")
            return code, _text(name, f"{where}.pollutant")
        if factor is None or factor.role != "pollutant":
            known = ", ".join(f"{c} {f.pollutant}" for c, f in FACTORS.items() if f.role == "pollutant")
            raise _fail(f"{where}.factor", f"{code!r} is not a pollutant factor (known: {known}; another "
                                           f"'a'/'w' factor needs its pollutant too)")
        if name is not None and _text(name, f"{where}.pollutant") != factor.pollutant:
            raise _fail(where, f"factor {code} is {factor.pollutant}, not {name}")
    else:
        name = _text(name, f"{where}.pollutant")
        if name not in POLLUTANT_FACTOR:
            raise _fail(f"{where}.pollutant", f"unknown pollutant {name!r} (known: {', '.join(POLLUTANT_FACTOR)})")
        code = POLLUTANT_FACTOR[name]
    factor = FACTORS[code]
    if factor.medium != medium:
        raise _fail(where, f"{factor.pollutant} ({code}) is a {factor.medium} pollutant, the outlet discharges to "
                           f"{medium}")
    return code, factor.pollutant


def licence_from(document: Any, where: str = "licence") -> dict[str, Any]:
    """The ``Licence:Set`` licence object from a decoded licence document."""
    if not isinstance(document, Mapping):
        raise _fail(where, "must be a mapping with number, valid_from, valid_to and outlets")
    unknown = sorted(set(document) - {"number", "valid_from", "valid_to", "outlets", "entity"})
    if unknown:
        raise _fail(where, f"unknown field(s) {', '.join(map(str, unknown))}")
    number = _text(document.get("number"), f"{where}: number")
    valid_from = _date(document.get("valid_from"), f"{where}: valid_from")
    valid_to = _date(document.get("valid_to"), f"{where}: valid_to")
    if valid_to < valid_from:
        raise _fail(f"{where}: valid_to", f"{valid_to} is before valid_from {valid_from}")
    outlets_in = document.get("outlets")
    if not isinstance(outlets_in, list) or not outlets_in:
        raise _fail(f"{where}: outlets", "must list at least one outlet")
    outlets = []
    seen_outlets: set[str] = set()
    for index, outlet in enumerate(outlets_in):
        at = f"{where}: outlets[{index}]"
        if not isinstance(outlet, Mapping):
            raise _fail(at, "must be a mapping with id, medium, kind and limits")
        outlet_id = _text(outlet.get("id"), f"{at}.id")
        if not _OUTLET_ID.fullmatch(outlet_id):
            raise _fail(f"{at}.id", f"{outlet_id!r} must be 1 to 16 capital letters and digits, like DA001 or DW001")
        if outlet_id in seen_outlets:
            raise _fail(f"{at}.id", f"outlet {outlet_id} is listed twice")
        seen_outlets.add(outlet_id)
        medium = _text(outlet.get("medium"), f"{at}.medium").lower()
        if medium not in MEDIA:
            raise _fail(f"{at}.medium", f"{medium!r} must be air or water")
        by_code = OUTLET_PREFIX_MEDIUM.get(outlet_id[:2])
        if by_code is not None and by_code != medium:
            raise _fail(f"{at}.medium", f"outlet {outlet_id} discharges to {by_code} by its code "
                                        f"({outlet_id[:2]}), not to {medium}")
        kind = _text(outlet.get("kind"), f"{at}.kind").lower()
        if kind not in KINDS:
            raise _fail(f"{at}.kind", f"{kind!r} must be main or general")
        limits_in = outlet.get("limits")
        if not isinstance(limits_in, list) or not limits_in:
            raise _fail(f"{at}.limits", "must list at least one pollutant limit")
        limits = []
        seen_factors: set[str] = set()
        for number_, limit in enumerate(limits_in):
            lat = f"{at}.limits[{number_}]"
            if not isinstance(limit, Mapping):
                raise _fail(lat, "must be a mapping with pollutant, limit and (main outlets) annual")
            code, pollutant = _factor(limit, medium, lat)
            if code in seen_factors:
                raise _fail(lat, f"{pollutant} ({code}) is limited twice at outlet {outlet_id}")
            seen_factors.add(code)
            if "limit" not in limit:
                raise _fail(f"{lat}.limit", "the concentration limit is missing")
            annual = annual_kg(limit.get("annual"), f"{lat}.annual")
            if annual is None and kind == "main":
                raise _fail(f"{lat}.annual", f"a main outlet's licence fixes the permitted annual quantity of "
                                             f"{pollutant}: give it, like 120t")
            limits.append({"factor": code, "pollutant": pollutant,
                           "limit_ug": concentration_ug(limit["limit"], medium, f"{lat}.limit"),
                           "annual_kg": annual})
        outlets.append({"id": outlet_id, "medium": medium, "kind": kind, "limits": limits})
    return {"number": number, "valid_from": valid_from, "valid_to": valid_to, "outlets": outlets}


def load_licence(path: str | Path) -> dict[str, Any]:
    """Read a licence YAML file (numbers as decimals, dates as text) and convert it."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("tag:yaml.org,2002:float", _decimal)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
    try:
        with open(path, encoding="utf-8") as handle:
            document = yaml.load(handle, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    except OSError as err:
        raise LicenceError(f"{path}: {err.strerror or err}") from None
    except yaml.YAMLError as err:
        raise LicenceError(f"{path}: not valid YAML: {str(err).splitlines()[0]}") from None
    return licence_from(document, str(path))


def _decimal(loader: Any, node: Any) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise LicenceError(f"line {node.start_mark.line + 1}: {text!r} is not a finite number")
    return value


def format_ug(micrograms: int, medium: str) -> str:
    """``35000`` → ``"35 mg/m³"`` (exactly, with as many decimals as needed)."""
    milligrams = (Decimal(micrograms) / 1000).normalize()
    return f"{milligrams:f} {'mg/m³' if medium == 'air' else 'mg/L'}"
