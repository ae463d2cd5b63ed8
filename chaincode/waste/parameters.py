"""The waste rules that live on the ledger as parameters (declared in the runtime's catalogue).

* ``waste_codes``: the 名录 codes a manifest may carry
* ``waste_province_codes``: region → two-digit province code of manifest numbers (BJ 11, TJ 12, HB 13, ...)
* ``waste_bulk_tolerance_permille`` (100 = 10 %): how far a bulk receipt may differ from the quantity picked
  up before it is a discrepancy; containers: any count difference is one
* ``waste_transit_max_days``, ``waste_confirm_days``, ``waste_contact_days``, ``waste_exception_days``,
  ``waste_discrepancy_days``, ``waste_approval_warning_days``: the periods behind ``manifest alerts``
* ``waste_approval_max_months`` (12): the longest a cross-region approval may cover repeated shipments
* ``same_region_approval_levels``, ``extra_approval_levels``: green-credit levels whose manifests need their
  region regulator's approval (same region) or additionally the coordinator's (cross region)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from chaincode.runtime import parameters
from chaincode.waste import codes

DOMAIN = "waste"
LEVELS = ("green", "blue", "yellow", "red")
_PROVINCE = re.compile(r"[1-9][0-9]")

DEFAULT_CODES = [
    "HW01 841-001-01", "HW08 900-199-08", "HW08 900-214-08", "HW08 900-249-08", "HW17 336-064-17",
    "HW18 772-002-18", "HW31 900-052-31", "HW49 900-039-49", "HW49 900-041-49", "HW50 772-007-50",
]
DEFAULT_PROVINCES = {"BJ": "11", "TJ": "12", "HB": "13", "SH": "31", "JS": "32", "ZJ": "33", "AH": "34"}


def _codes(value: Any) -> str | None:
    problem = parameters.string_list()(value)
    if problem is not None:
        return problem
    for item in value:
        wrong = codes.code_problem(item)
        if wrong is not None:
            return f"waste code {item!r} {wrong}"
    return None if value else "the list must not be empty"


def _provinces(value: Any) -> str | None:
    problem = parameters.string_map("region code", "province code")(value)
    if problem is not None:
        return problem
    for region, code in value.items():
        if not _PROVINCE.fullmatch(code):
            return f"the province code of region {region!r} must be two digits like 11, got {code!r}"
    return None


def _levels(value: Any) -> str | None:
    return parameters.string_list(lambda item: item in LEVELS, "green-credit level (green, blue, yellow, red)")(value)


def _days(name: str, default: int, description: str) -> parameters.Parameter:
    return parameters.declare(name, type="a whole number of days from 1 to 3650", domain=DOMAIN, default=default,
                              validate=parameters.integer(1, 3650), description=description)


DECLARED = [
    parameters.declare("waste_codes", type="a list of waste codes like 'HW08 900-249-08'", domain=DOMAIN,
                       default=DEFAULT_CODES, validate=_codes,
                       description="the 国家危险废物名录 codes a manifest may carry"),
    parameters.declare("waste_province_codes", type="an object mapping region codes to two-digit province codes",
                       domain=DOMAIN, default=DEFAULT_PROVINCES, validate=_provinces,
                       description="the province code a region's manifest numbers carry (digits 5-6)"),
    parameters.declare("waste_bulk_tolerance_permille", type="a whole number of per mille from 0 to 1000",
                       domain=DOMAIN, default=100, validate=parameters.integer(0, 1000),
                       description="how far a bulk receipt may differ from the quantity picked up before it is "
                                   "a discrepancy (containers: any count difference is one)"),
    _days("waste_transit_max_days", 5, "a manifest in transit longer than this is an alert"),
    _days("waste_confirm_days", 30, "a received manifest not closed by a disposal record within this is an alert"),
    _days("waste_contact_days", 35, "no signed receipt this long after pick-up: the generator contacts the "
                                    "facility (alert level 'contact')"),
    _days("waste_exception_days", 45, "no signed receipt this long after pick-up: exception report (alert level "
                                      "'exception')"),
    _days("waste_discrepancy_days", 15, "a discrepancy open longer than this is an alert"),
    _days("waste_approval_warning_days", 30, "a standing approval expiring within this is an alert"),
    parameters.declare("waste_approval_max_months", type="a whole number of months from 1 to 12", domain=DOMAIN,
                       default=12, validate=parameters.integer(1, 12),
                       description="the longest a cross-region approval may cover repeated shipments"),
    parameters.declare("same_region_approval_levels", type="a list of green-credit levels", domain=DOMAIN,
                       default=["blue", "yellow", "red"], validate=_levels,
                       description="a same-region manifest of a generator at one of these levels needs its "
                                   "region regulator's approval before pick-up (green and unrated skip it)"),
    parameters.declare("extra_approval_levels", type="a list of green-credit levels", domain=DOMAIN,
                       default=["yellow", "red"], validate=_levels,
                       description="a cross-region manifest of a generator at one of these levels also needs "
                                   "the coordinator's approval before pick-up"),
]

DEFAULTS: dict[str, Any] = {parameter.name: parameter.default for parameter in DECLARED}


@dataclass(frozen=True)
class WasteRules:
    codes: tuple[str, ...]
    provinces: Mapping[str, str]
    bulk_tolerance_permille: int
    transit_max_days: int
    confirm_days: int
    contact_days: int
    exception_days: int
    discrepancy_days: int
    approval_warning_days: int
    approval_max_months: int
    same_region_approval_levels: tuple[str, ...]
    extra_approval_levels: tuple[str, ...]


def load_rules(get: Callable[[str], Any]) -> WasteRules:
    """Rules from a parameter reader ``get(name)`` (the ledger value, or ``None`` for the default)."""

    def value(name: str) -> Any:
        found = get(name)
        return DEFAULTS[name] if found is None else found

    return WasteRules(
        codes=tuple(value("waste_codes")),
        provinces=dict(value("waste_province_codes")),
        bulk_tolerance_permille=int(value("waste_bulk_tolerance_permille")),
        transit_max_days=int(value("waste_transit_max_days")),
        confirm_days=int(value("waste_confirm_days")),
        contact_days=int(value("waste_contact_days")),
        exception_days=int(value("waste_exception_days")),
        discrepancy_days=int(value("waste_discrepancy_days")),
        approval_warning_days=int(value("waste_approval_warning_days")),
        approval_max_months=int(value("waste_approval_max_months")),
        same_region_approval_levels=tuple(value("same_region_approval_levels")),
        extra_approval_levels=tuple(value("extra_approval_levels")),
    )
