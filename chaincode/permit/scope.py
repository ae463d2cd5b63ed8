"""Where an allowance may go: trade scope across regions.

Within one region any trade settles at once. Across regions:

* air-pollutant allowances move only inside one air basin, water-pollutant
  allowances only inside one river basin (a region missing from the basin map
  forms a basin of its own);
* a region listed in ``import_barred_regions`` may not import;
* the regulators of both regions must approve before the trade settles.
"""

from __future__ import annotations

from chaincode.runtime.errors import Conflict, InvalidInput
from chaincode.permit.parameters import PermitRules

AIR = "air"
WATER = "water"


def require_pollutant(pollutant: object, rules: PermitRules) -> str:
    if not isinstance(pollutant, str) or pollutant not in rules.pollutants:
        raise InvalidInput(f"pollutant {pollutant!r} is not one of {', '.join(rules.pollutants)} "
                           f"(parameter pollutants)")
    return pollutant


def medium(pollutant: str, rules: PermitRules) -> str | None:
    """``air``, ``water``, or ``None`` when the pollutant is in neither list."""
    if pollutant in rules.air_pollutants:
        return AIR
    if pollutant in rules.water_pollutants:
        return WATER
    return None


def is_cross_region(seller_region: str, buyer_region: str) -> bool:
    return seller_region != buyer_region


def approving_regions(seller_region: str, buyer_region: str) -> tuple[str, ...]:
    """Regions whose regulators must approve: none inside one region, both across regions."""
    if not is_cross_region(seller_region, buyer_region):
        return ()
    return tuple(sorted({seller_region, buyer_region}))


def check_trade_scope(pollutant: str, seller_region: str, buyer_region: str, rules: PermitRules) -> None:
    """Refuse a cross-region trade the basin or import rules forbid."""
    if not is_cross_region(seller_region, buyer_region):
        return
    if buyer_region in rules.import_barred_regions:
        raise Conflict(f"region {buyer_region} is barred from importing allowances "
                       f"(parameter import_barred_regions)")
    kind = medium(pollutant, rules)
    if kind is None:
        raise Conflict(f"{pollutant} allowances cannot cross regions: {pollutant} is in neither "
                       f"air_pollutants nor water_pollutants, so no basin applies")
    basins, parameter, word = ((rules.air_basin, "air_basin", "air basin") if kind == AIR
                               else (rules.river_basin, "river_basin", "river basin"))
    seller_basin = basins.get(seller_region)
    buyer_basin = basins.get(buyer_region)
    if seller_basin is None or buyer_basin is None or seller_basin != buyer_basin:
        raise Conflict(f"{pollutant} allowances trade only within one {word}: region {seller_region} is in "
                       f"{_basin(seller_basin)} and region {buyer_region} in {_basin(buyer_basin)} "
                       f"(parameter {parameter})")


def _basin(name: str | None) -> str:
    return f"basin {name!r}" if name is not None else "no basin"
