"""The monitoring rules that live on the ledger as parameters.

Each is declared in the runtime's parameter catalogue; the default applies
only while the consortium has not set the parameter.

* ``factor_pollutants``: HJ 212 factor code → pollutant code (a21026 → SO2, w01018 → COD, ...); licences
  limit and reports carry these factors only
* ``station_tolerance_permille`` (100 = 10 %): how far a station's load of an outlet and period may differ
  from the enterprise's before a discrepancy is flagged
* ``serious_exceedance_permille`` (2000 = twice the limit): an hourly mean at or above this share of its
  limit is a serious exceedance, below it a general one
* ``shortfall_penalty_fen_per_tonne`` (1,000,000 fen = ¥10,000): penalty per tonne of allowances not
  surrendered for verified annual emissions
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from chaincode.runtime import parameters

DOMAIN = "monitoring"
FACTOR = re.compile(r"[aw][0-9]{5}")
_POLLUTANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")

DEFAULT_FACTORS = {
    "a21026": "SO2",
    "a21002": "NOx",
    "a34013": "PM",
    "a24088": "VOCs",
    "w01018": "COD",
    "w21003": "NH3-N",
    "w21011": "TP",
    "w21001": "TN",
}


def _factor_map(value: Any) -> str | None:
    if not isinstance(value, dict) or not value:
        return f"got {value!r}"[:120] if not isinstance(value, dict) else "the map must not be empty"
    for factor, pollutant in value.items():
        if not FACTOR.fullmatch(factor):
            return f"factor code {factor!r} must be 'a' (air) or 'w' (water) and five digits, like a21026"
        if not isinstance(pollutant, str) or not _POLLUTANT.fullmatch(pollutant):
            return f"the pollutant of factor {factor} must be a pollutant code, got {pollutant!r}"
    return None


DECLARED = [
    parameters.declare("factor_pollutants", type="an object mapping HJ 212 factor codes to pollutant codes",
                       domain=DOMAIN, default=DEFAULT_FACTORS, validate=_factor_map,
                       description="the factors licences limit and reports carry, and the pollutant each one is"),
    parameters.declare("station_tolerance_permille", type="a whole number of per mille from 0 to 1000",
                       domain=DOMAIN, default=100, validate=parameters.integer(0, 1000),
                       description="how far a station's load of an outlet and period may differ from the "
                                   "enterprise's (relative to the larger) before a discrepancy is flagged"),
    parameters.declare("serious_exceedance_permille", type="a whole number of per mille from 1001 to 100000",
                       domain=DOMAIN, default=2000, validate=parameters.integer(1001, 100_000),
                       description="an hourly mean at or above this share of its limit is a serious exceedance "
                                   "(below it: general)"),
    parameters.declare("shortfall_penalty_fen_per_tonne", type="a whole number of fen from 0 to 10^12",
                       domain=DOMAIN, default=1_000_000, validate=parameters.integer(0, 10**12),
                       description="penalty per tonne of allowances an enterprise failed to surrender for its "
                                   "verified annual emissions"),
]

DEFAULTS: dict[str, Any] = {parameter.name: parameter.default for parameter in DECLARED}


@dataclass(frozen=True)
class MonitoringRules:
    factor_pollutants: Mapping[str, str]
    station_tolerance_permille: int
    serious_exceedance_permille: int
    shortfall_penalty_fen_per_tonne: int

    def pollutant_of(self, factor: str) -> str | None:
        return self.factor_pollutants.get(factor)


def load_rules(get: Callable[[str], Any]) -> MonitoringRules:
    """Rules from a parameter reader ``get(name)`` (the ledger value or the default)."""

    def value(name: str) -> Any:
        found = get(name)
        return DEFAULTS[name] if found is None else found

    return MonitoringRules(
        factor_pollutants={str(k): str(v) for k, v in value("factor_pollutants").items()},
        station_tolerance_permille=int(value("station_tolerance_permille")),
        serious_exceedance_permille=int(value("serious_exceedance_permille")),
        shortfall_penalty_fen_per_tonne=int(value("shortfall_penalty_fen_per_tonne")),
    )
