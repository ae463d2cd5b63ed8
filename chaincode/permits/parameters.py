"""The permit and market rules that live on the ledger as parameters.

Every number and list here is a default that applies only while the consortium
has not set the parameter (``Registry:Bootstrap`` writes them from the
consortium file; later changes go through the registry).

============================  =====================================  ==============================
parameter                     meaning                                default
============================  =====================================  ==============================
``pollutants``                pollutants allowances exist for        SO2, NOx, COD, NH3-N, VOCs, PM
``air_pollutants``            traded within an air basin             SO2, NOx, VOCs, PM
``water_pollutants``          traded within a river basin            COD, NH3-N
``air_basin``                 region code → air basin name           {} (each region on its own)
``river_basin``               region code → river basin name         {} (each region on its own)
``import_barred_regions``     regions that may not import            []
``credit_market_barred``      green-credit levels refused in market  ["red"]
============================  =====================================  ==============================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

DEFAULTS: dict[str, Any] = {
    "pollutants": ["SO2", "NOx", "COD", "NH3-N", "VOCs", "PM"],
    "air_pollutants": ["SO2", "NOx", "VOCs", "PM"],
    "water_pollutants": ["COD", "NH3-N"],
    "air_basin": {},
    "river_basin": {},
    "import_barred_regions": [],
    "credit_market_barred": ["red"],
}


@dataclass(frozen=True)
class PermitRules:
    pollutants: tuple[str, ...]
    air_pollutants: tuple[str, ...]
    water_pollutants: tuple[str, ...]
    air_basin: Mapping[str, str]
    river_basin: Mapping[str, str]
    import_barred_regions: tuple[str, ...]
    credit_market_barred: tuple[str, ...]


def load_rules(get: Callable[[str, Any], Any]) -> PermitRules:
    """Rules from a parameter reader ``get(name, default)`` such as :func:`chaincode.consortium.parameter`."""

    def strings(name: str) -> tuple[str, ...]:
        value = get(name, DEFAULTS[name])
        return tuple(str(item) for item in value) if isinstance(value, list) else ()

    def mapping(name: str) -> dict[str, str]:
        value = get(name, DEFAULTS[name])
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    return PermitRules(
        pollutants=strings("pollutants"),
        air_pollutants=strings("air_pollutants"),
        water_pollutants=strings("water_pollutants"),
        air_basin=mapping("air_basin"),
        river_basin=mapping("river_basin"),
        import_barred_regions=strings("import_barred_regions"),
        credit_market_barred=strings("credit_market_barred"),
    )
