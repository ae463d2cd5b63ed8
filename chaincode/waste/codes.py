"""Waste codes, manifest numbers, hazard properties and disposal methods: pure checks.

* A waste code of the 国家危险废物名录 (2021) is written ``HWnn ddd-ddd-nn``: the category ``HW01``..``HW50``
  and an eight-digit code (industry, sequence, category) whose last two digits repeat the category, e.g.
  ``HW08 900-249-08``. A code must also be in the ledger's list (parameter ``waste_codes``).
* A manifest number (联单编号) has 14 digits: year (4) + origin province code (2) + city code (2) + a
  six-digit serial, e.g. ``20261101000001``.
* Hazard properties of the 名录: T toxicity, C corrosivity, I ignitability, R reactivity, In infectivity.
* Disposal and utilisation methods follow the Basel Convention annex IV codes (R1..R13, D1..D15), as the
  e-Manifest and the Chinese 经营许可 use them.
"""

from __future__ import annotations

import re
from typing import Any

from chaincode.runtime.errors import InvalidInput

CODE = re.compile(r"HW(?P<category>\d{2}) (?P<industry>\d{3})-(?P<sequence>\d{3})-(?P<tail>\d{2})")
MIN_CATEGORY, MAX_CATEGORY = 1, 50
NUMBER = re.compile(r"(?P<year>\d{4})(?P<province>\d{2})(?P<city>\d{2})(?P<serial>\d{6})")
MAX_SERIAL = 999_999
HAZARDS = ("T", "C", "I", "R", "In")
METHODS = tuple(f"R{n}" for n in range(1, 14)) + tuple(f"D{n}" for n in range(1, 16))


def code_problem(code: Any) -> str | None:
    """Why ``code`` is not written like a waste code of the 名录, or ``None``."""
    if not isinstance(code, str):
        return f"must be a text like 'HW08 900-249-08', got {code!r}"
    match = CODE.fullmatch(code)
    if match is None:
        return f"must look like 'HW08 900-249-08' (HWnn, a space, ddd-ddd-nn), got {code!r}"
    category = int(match["category"])
    if not MIN_CATEGORY <= category <= MAX_CATEGORY:
        return f"category HW{match['category']} is not one of HW01 to HW50"
    if match["tail"] != match["category"]:
        return (f"the last two digits of {code[5:]} ({match['tail']}) must repeat its category "
                f"HW{match['category']}")
    return None


def require_code(field: str, code: Any, known: list[str] | tuple[str, ...]) -> str:
    """A well-formed waste code that is in the ledger's list ``known``."""
    problem = code_problem(code)
    if problem is not None:
        raise InvalidInput(f"{field} {problem}")
    if code not in known:
        raise InvalidInput(f"{field} {code} is not in the ledger's list of waste codes (parameter waste_codes)")
    return code


def category(code: str) -> str:
    return code[:4]


def number_problem(number: Any, provinces: list[str] | tuple[str, ...] = ()) -> str | None:
    """Why ``number`` is not a 14-digit manifest number, or ``None``; ``provinces`` limits the province code."""
    if not isinstance(number, str):
        return f"must be 14 digits, got {number!r}"
    match = NUMBER.fullmatch(number)
    if match is None:
        return f"must be 14 digits (year, province, city, serial), got {number!r}"
    year = int(match["year"])
    if not 1990 <= year <= 2200:
        return f"year {year} of manifest number {number} is out of range"
    if provinces and match["province"] not in provinces:
        return f"province code {match['province']} of manifest number {number} is not a consortium province"
    if int(match["serial"]) == 0:
        return f"the serial of manifest number {number} must not be 000000"
    return None


def require_number(field: str, number: Any) -> str:
    problem = number_problem(number)
    if problem is not None:
        raise InvalidInput(f"{field} {problem}")
    return number


def manifest_number(year: int, province: str, city: str, serial: int) -> str:
    """The 14-digit number of the ``serial``-th manifest of a city in ``year``."""
    if not 1 <= serial <= MAX_SERIAL:
        raise InvalidInput(f"the serial numbers of city {province}{city} for {year} are used up")
    number = f"{year:04d}{province}{city}{serial:06d}"
    problem = number_problem(number)
    if problem is not None:
        raise InvalidInput(problem)
    return number


def city_of(entity: str, province: str) -> str:
    """The city code of a credit code's administrative division (characters 3-8) when it lies in ``province``;
    ``00`` otherwise (the province itself)."""
    division = entity[2:8]
    return division[2:4] if division[:2] == province and division[2:4].isdigit() else "00"


def require_hazards(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise InvalidInput(f"hazards must be a non-empty list of {', '.join(HAZARDS)}, got {value!r}")
    for item in value:
        if item not in HAZARDS:
            raise InvalidInput(f"hazard {item!r} is not one of {', '.join(HAZARDS)} (T toxicity, C corrosivity, "
                               f"I ignitability, R reactivity, In infectivity)")
    if len(set(value)) != len(value):
        raise InvalidInput("hazards must not repeat")
    return [h for h in HAZARDS if h in value]


def require_method(value: Any) -> str:
    if value not in METHODS:
        raise InvalidInput(f"method must be a disposal (D1..D15) or utilisation (R1..R13) code, got {value!r}")
    return value
