"""The compensation rules that live on the ledger as parameters (see the runtime's catalogue).

* ``compensation_default_k0`` ("0.85"): the stability coefficient K0 of an agreement that names none
* ``compensation_default_weights``: pollutant → weight Ki for agreements that give none (the 新安江
  programme's permanganate index, ammonia nitrogen, total nitrogen, total phosphorus at 0.25 each)
* ``compensation_due_days`` (30): days after settlement within which the payer pays and the payee confirms,
  for agreements that name no ``due_days`` of their own (an agreement keeps the value it was signed with)
* ``compensation_regional_standards``: pollutant → region (or ``*`` for every region) → standard
  concentration in mg/L, for the per-region variant (defaults: GB 3838-2002 class III)
* ``compensation_regional_coefficient_yuan`` (10,000,000): yuan per unit of relative distance from the
  standard ((C − S) / S = 1 means twice the standard)
* ``compensation_regional_cap_yuan`` (5,000,000): the most one region is rewarded or penalised per period
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Mapping

from chaincode.compensation.rules import DECIMAL, POLLUTANT
from chaincode.runtime import parameters

DOMAIN = "compensation"

DEFAULT_WEIGHTS = {"CODMn": "0.25", "NH3-N": "0.25", "TN": "0.25", "TP": "0.25"}
DEFAULT_STANDARDS = {"CODMn": {"*": "6"}, "COD": {"*": "20"}, "NH3-N": {"*": "1"}, "TN": {"*": "1"},
                     "TP": {"*": "0.2"}}


def _decimal_text(value: Any, positive: bool = True) -> bool:
    return isinstance(value, str) and bool(DECIMAL.fullmatch(value)) and (not positive or Decimal(value) > 0)


def _k0(value: Any) -> str | None:
    if not _decimal_text(value) or Decimal(value) > 1:
        return f"must be a decimal string in (0, 1] like \"0.85\", got {value!r}"
    return None


def _weights(value: Any) -> str | None:
    if not isinstance(value, dict) or not value:
        return f"must be a non-empty object of pollutant code → decimal string, got {value!r}"[:160]
    for code, weight in value.items():
        if not POLLUTANT.fullmatch(code) or not _decimal_text(weight):
            return f"weight of {code!r} must be a positive decimal string, got {weight!r}"
    return None


def _standards(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"must be an object of pollutant → {{region or *: decimal string}}, got {value!r}"[:160]
    for code, per_region in value.items():
        if not POLLUTANT.fullmatch(code) or not isinstance(per_region, dict) or not per_region:
            return f"the standards of {code!r} must be a non-empty object of region (or *) → decimal string"
        for region, standard in per_region.items():
            if not _decimal_text(standard):
                return f"the standard of {code} for {region} must be a positive decimal string, got {standard!r}"
    return None


DECLARED = [
    parameters.declare("compensation_default_k0", type="a decimal string in (0, 1]", domain=DOMAIN,
                       default="0.85", validate=_k0,
                       description="stability coefficient K0 of a compensation agreement that names none"),
    parameters.declare("compensation_default_weights", type="an object of pollutant code → decimal string",
                       domain=DOMAIN, default=DEFAULT_WEIGHTS, validate=_weights,
                       description="weights Ki of the compensation index for agreements that give none"),
    parameters.declare("compensation_due_days", type="a whole number of days from 0 to 3650", domain=DOMAIN,
                       default=30, validate=parameters.integer(0, 3650),
                       description="days after a compensation settlement within which payment must be "
                                   "confirmed by both sides before it is overdue (default of an agreement's due_days)"),
    parameters.declare("compensation_regional_standards",
                       type="an object of pollutant → {region code or *: decimal string (mg/L)}", domain=DOMAIN,
                       default=DEFAULT_STANDARDS, validate=_standards,
                       description="per-region variant: the standard each region's discharge is measured "
                                   "against"),
    parameters.declare("compensation_regional_coefficient_yuan", type="a whole number of yuan from 0 to 10^12",
                       domain=DOMAIN, default=10_000_000, validate=parameters.integer(0, 10**12),
                       description="per-region variant: yuan per unit of relative distance from the standard"),
    parameters.declare("compensation_regional_cap_yuan", type="a whole number of yuan from 0 to 10^12",
                       domain=DOMAIN, default=5_000_000, validate=parameters.integer(0, 10**12),
                       description="per-region variant: the largest reward or penalty of one region in a period"),
]

DEFAULTS: dict[str, Any] = {parameter.name: parameter.default for parameter in DECLARED}


@dataclass(frozen=True)
class CompensationRules:
    default_k0: str
    default_weights: Mapping[str, str]
    due_days: int
    regional_standards: Mapping[str, Mapping[str, str]]
    regional_coefficient_yuan: int
    regional_cap_yuan: int


def load_rules(get: Callable[[str], Any]) -> CompensationRules:
    """Rules from a parameter reader ``get(name)`` (the ledger value or the default)."""

    def value(name: str) -> Any:
        found = get(name)
        return DEFAULTS[name] if found is None else found

    return CompensationRules(
        default_k0=str(value("compensation_default_k0")),
        default_weights=dict(value("compensation_default_weights")),
        due_days=int(value("compensation_due_days")),
        regional_standards={k: dict(v) for k, v in value("compensation_regional_standards").items()},
        regional_coefficient_yuan=int(value("compensation_regional_coefficient_yuan")),
        regional_cap_yuan=int(value("compensation_regional_cap_yuan")),
    )
