"""The permit and market rules that live on the ledger as parameters.

Each is declared in the runtime's parameter catalogue; the default applies
only while the consortium has not set the parameter (``Registry:Bootstrap`` writes them from the
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

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from chaincode.runtime import parameters

DOMAIN = "permit"
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
_REGION = re.compile(r"[A-Z][A-Z0-9]{1,15}")


def _codes(kind: str) -> parameters.Validator:
    return parameters.string_list(lambda item: bool(_CODE.fullmatch(item)), kind)


DECLARED = [
    parameters.declare("pollutants", type="a list of pollutant codes", domain=DOMAIN,
                       default=["SO2", "NOx", "COD", "NH3-N", "VOCs", "PM"], validate=_codes("pollutant code"),
                       description="pollutants allowances are issued for"),
    parameters.declare("air_pollutants", type="a list of pollutant codes", domain=DOMAIN,
                       default=["SO2", "NOx", "VOCs", "PM"], validate=_codes("pollutant code"),
                       description="pollutants traded within an air basin"),
    parameters.declare("water_pollutants", type="a list of pollutant codes", domain=DOMAIN,
                       default=["COD", "NH3-N"], validate=_codes("pollutant code"),
                       description="pollutants traded within a river basin"),
    parameters.declare("air_basin", type="an object mapping region codes to air basin names", domain=DOMAIN,
                       default={}, validate=parameters.string_map("region", "air basin"),
                       description="the air basin of each region (a region without one trades on its own)"),
    parameters.declare("river_basin", type="an object mapping region codes to river basin names", domain=DOMAIN,
                       default={}, validate=parameters.string_map("region", "river basin"),
                       description="the river basin of each region (a region without one trades on its own)"),
    parameters.declare("import_barred_regions", type="a list of region codes", domain=DOMAIN, default=[],
                       validate=parameters.string_list(lambda item: bool(_REGION.fullmatch(item)), "region code"),
                       description="regions that missed their quality target and may not import allowances"),
    parameters.declare("credit_market_barred", type="a list of green-credit levels", domain=DOMAIN,
                       default=["red"],
                       validate=parameters.string_list(lambda item: item in ("green", "blue", "yellow", "red"),
                                                       "level (green, blue, yellow or red)"),
                       description="green-credit levels refused in the market (joint punishment)"),
]

DEFAULTS: dict[str, Any] = {parameter.name: parameter.default for parameter in DECLARED}
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
