"""Contract ``Compliance``: year-end verification of emissions against surrendered allowances.

After an emission year ends, the regulator of an enterprise's region verifies
its emissions of a pollutant: by default the sum of the enterprise's own
reports for that year (grams, rounded up to whole kilograms, as allowances
are whole kilograms), or a quantity the regulator determined otherwise. The
enterprise must have surrendered allowances (``Permit:Surrender`` for that
emission year) equal to the verified emissions plus any shortfall still owed
from the year before. A shortfall is an ``allowance_shortfall`` violation with
a penalty of ``shortfall_penalty_fen_per_tonne`` per tonne (rounded up to
whole fen), and the missing allowances stay owed into the next year.

Surrendered quantities belong to the permit domain and are read through its
api (``chaincode.permit.api.surrendered_quantity``); tests may hand in another
reader ``surrendered(ctx, entity, pollutant, year) -> kg``.

Record ``compliance`` (entity, year, pollutant)::

    {entity, region, year, pollutant, reported_g, verified_kg, basis: reports|regulator, owed_kg,
     required_kg, surrendered_kg, shortfall_kg, penalty_fen_per_tonne, penalty_fen, violation, verified}
"""

from __future__ import annotations

from typing import Any, Callable

from chaincode.enterprise import api as enterprises
from chaincode.facts import violations
from chaincode.monitoring import periods, store
from chaincode.monitoring.contract import rules_of, visible_enterprise
from chaincode.monitoring.readers import reader
from chaincode.permit import api as permits
from chaincode.registry import api as registry
from chaincode.runtime.checks import require_credit_code, require_year
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import Conflict, InvalidInput
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, stamp_for
from common import units

EVENT_VERIFIED = "ComplianceVerified"
SOURCE = "monitoring"
REPORTS, REGULATOR = "reports", "regulator"

SurrenderedReader = Callable[[TxContext, str, str, int], int]


def kilograms_of(grams: int) -> int:
    """Whole kilograms that cover ``grams`` (rounded up)."""
    return -(-grams // 1000)


def penalty_fen(shortfall_kg: int, fen_per_tonne: int) -> int:
    """The penalty for ``shortfall_kg`` at ``fen_per_tonne``, rounded up to whole fen."""
    return -(-(shortfall_kg * fen_per_tonne) // 1000)


def shortfall(verified_kg: int, owed_kg: int, surrendered_kg: int) -> int:
    return max(0, verified_kg + owed_kg - surrendered_kg)


class ComplianceContract(Contract):
    name = "Compliance"

    def __init__(self, surrendered: SurrenderedReader = permits.surrendered_quantity) -> None:
        self._surrendered = surrendered

    @transaction
    def verify(self, ctx: TxContext, entity: Any, year: Any, pollutant: Any, quantity: Any = None) -> dict[str, Any]:
        """The regulator of the enterprise's region verifies a year's emissions of a pollutant (once)."""
        region = registry.acting_regulator(ctx, "Compliance:Verify")
        require_credit_code(entity)
        require_year("year", year)
        permits.scope.require_pollutant(pollutant, permits.rules_of(ctx))
        if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int)
                                     or not 0 <= quantity <= units.MAX_QUANTITY):
            raise InvalidInput(f"quantity must be a whole number of kilograms from 0 to {units.MAX_QUANTITY}, "
                               f"got {quantity!r}")
        enterprises.regional_enterprise(ctx, entity, region)
        today = periods.ledger_date(ctx.timestamp)
        if year >= today.year:
            raise Conflict(f"emission year {year} has not ended (ledger date {today.isoformat()}); its emissions "
                           f"are verified from {year + 1}-01-01 on")
        key = store.COMPLIANCE.key(entity, year, pollutant)
        earlier = ctx.get_json(key)
        if earlier is not None:
            raise Conflict(f"the {year} emissions of {pollutant} of enterprise {entity} were verified already "
                           f"(transaction {earlier['verified']['tx_id']}: {earlier['verified_kg']} kg)")
        reported_g = store.reported_grams(ctx, entity, year, pollutant)
        verified_kg = kilograms_of(reported_g) if quantity is None else quantity
        previous = ctx.get_json(store.COMPLIANCE.key(entity, year - 1, pollutant))
        owed_kg = previous["shortfall_kg"] if previous is not None else 0
        surrendered_kg = self._surrendered(ctx, entity, pollutant, year)
        missing = shortfall(verified_kg, owed_kg, surrendered_kg)
        rate = rules_of(ctx).shortfall_penalty_fen_per_tonne
        stamp = stamp_for(ctx)
        record = {
            "entity": entity, "region": region, "year": year, "pollutant": pollutant, "reported_g": reported_g,
            "verified_kg": verified_kg, "basis": REPORTS if quantity is None else REGULATOR, "owed_kg": owed_kg,
            "required_kg": verified_kg + owed_kg, "surrendered_kg": surrendered_kg, "shortfall_kg": missing,
            "penalty_fen_per_tonne": rate, "penalty_fen": penalty_fen(missing, rate), "violation": None,
            "verified": stamp.record(),
        }
        ctx.emit(EVENT_VERIFIED, {"entity": entity, "region": region, "year": year, "pollutant": pollutant,
                                  "verified_kg": verified_kg, "required_kg": record["required_kg"],
                                  "surrendered_kg": surrendered_kg, "shortfall_kg": missing,
                                  "penalty_fen": record["penalty_fen"], "tx_id": ctx.tx_id})
        if missing:
            violation = violations.record(
                ctx, IdSequence(ctx.tx_id), stamp, entity=entity, region=region, year=year,
                kind="allowance_shortfall", source=SOURCE, severity=violations.SERIOUS,
                evidence={"year": year, "pollutant": pollutant, "verified_kg": verified_kg, "owed_kg": owed_kg,
                          "required_kg": record["required_kg"], "surrendered_kg": surrendered_kg,
                          "shortfall_kg": missing, "penalty_fen_per_tonne": rate,
                          "penalty_fen": record["penalty_fen"]})
            record["violation"] = violation["id"]
        ctx.put_json(key, record)
        return record

    @transaction
    def show(self, ctx: TxContext, entity: Any, year: Any) -> dict[str, Any]:
        """An enterprise's year: per pollutant the reported emissions (per outlet and factor) and the
        verification, if any."""
        visible_enterprise(ctx, reader(ctx, "Compliance:Show"), entity)
        require_year("year", year)
        rows: dict[str, dict[str, Any]] = {}

        def row(pollutant: str) -> dict[str, Any]:
            return rows.setdefault(pollutant, {"pollutant": pollutant, "reported_g": 0, "reported_kg": 0,
                                               "outlets": [], "verification": None})

        for load in store.annual_loads(ctx, entity, year):
            target = row(load["pollutant"])
            target["reported_g"] += load["load_g"]
            target["outlets"].append({"outlet": load["outlet"], "factor": load["factor"], "load_g": load["load_g"],
                                      "reports": load["reports"], "violation": load["violation"]})
        for _, verification in ctx.range(*store.COMPLIANCE.span(entity, year)):
            row(verification["pollutant"])["verification"] = verification
        for target in rows.values():
            target["reported_kg"] = kilograms_of(target["reported_g"])
            target["outlets"].sort(key=lambda item: (item["outlet"], item["factor"]))
        return {"entity": entity, "year": year, "pollutants": [rows[name] for name in sorted(rows)]}
