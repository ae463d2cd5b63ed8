"""The per-region variant on the all-members channel: discharges against standards, a balanced pool."""

from __future__ import annotations

import pytest

from chaincode.runtime.parameters import PARAMS
from common import canonical
from compensation_world import BJ_ENTERPRISE, CO_ADMIN, CO_AUDITOR, MONITOR, CompensationWorld
from test_permit_world import REGULATOR, seeded_ledger


@pytest.fixture
def world() -> CompensationWorld:
    ledger = seeded_ledger()
    ledger.state[PARAMS.key("compensation_regional_standards")] = canonical.dumps({"COD": {"*": "20", "HB": "25"}})
    ledger.state[PARAMS.key("compensation_regional_coefficient_yuan")] = canonical.dumps(10_000_000)
    ledger.state[PARAMS.key("compensation_regional_cap_yuan")] = canonical.dumps(5_000_000)
    return CompensationWorld(ledger)


def submit_all(world: CompensationWorld, values: dict[str, str], period: str = "2025") -> None:
    for region, value in values.items():
        who = MONITOR[region] if region == "TJ" else REGULATOR[region]
        world.call(who, "Compensation:RegionalSubmit", period=period, pollutant="COD", value=value)


def test_rewards_and_penalties_balance_through_the_coordinator_s_pool(world: CompensationWorld):
    submit_all(world, {"BJ": "16", "TJ": "24", "HB": "30"})
    result = world.call(CO_ADMIN, "Compensation:RegionalSettle", period="2025", pollutant="COD")
    rows = {row["region"]: row for row in result["regions"]}
    # BJ 20 % below 20 → reward 2,000,000; TJ 20 % above 20 → 2,000,000; HB 20 % above its own 25 → 2,000,000
    assert {r: (rows[r]["kind"], rows[r]["standard"], rows[r]["computed_yuan"], rows[r]["amount_yuan"])
            for r in rows} == {"BJ": ("reward", "20", 2_000_000, 2_000_000),
                               "HB": ("penalty", "25", 2_000_000, 1_000_000),
                               "TJ": ("penalty", "20", 2_000_000, 1_000_000)}
    assert result["pool"] == {"in_yuan": 2_000_000, "out_yuan": 2_000_000, "balance_yuan": 0}
    shown = world.query(REGULATOR["TJ"], "Compensation:Regional", period="2025", pollutant="COD")
    assert shown["result"] == result and len(shown["submissions"]) == 3
    assert world.ledger.events[-1][0] == "RegionalCompensationSettled"


def test_settling_needs_every_region_and_the_coordinator(world: CompensationWorld):
    submit_all(world, {"BJ": "16", "HB": "30"})
    world.refused(CO_ADMIN, "Compensation:RegionalSettle", "TJ has not submitted its discharge",
                  period="2025", pollutant="COD")
    submit_all(world, {"TJ": "24"})
    world.refused(REGULATOR["BJ"], "Compensation:RegionalSettle", "is for the coordinator organization",
                  period="2025", pollutant="COD")
    world.refused(CO_AUDITOR, "Compensation:RegionalSettle", "role 'coordinator' is required",
                  period="2025", pollutant="COD")
    world.call(CO_ADMIN, "Compensation:RegionalSettle", period="2025", pollutant="COD")
    world.refused(CO_ADMIN, "Compensation:RegionalSettle", "already settled", period="2025", pollutant="COD")


def test_submission_refusals(world: CompensationWorld):
    args = {"period": "2025", "pollutant": "COD", "value": "16"}
    world.refused(BJ_ENTERPRISE, "Compensation:RegionalSubmit", "role 'regulator' or 'monitor'", **args)
    world.refused(CO_ADMIN, "Compensation:RegionalSubmit", "role 'regulator' or 'monitor'", **args)
    world.refused(REGULATOR["BJ"], "Compensation:RegionalSubmit", "has not ended yet", **{**args, "period": "2026"})
    world.refused(REGULATOR["BJ"], "Compensation:RegionalSubmit", "pollutant SO2 has no regional standard",
                  **{**args, "pollutant": "SO2"})
    world.refused(REGULATOR["BJ"], "Compensation:RegionalSubmit", "decimal written as a string",
                  **{**args, "value": 16.5})
    world.call(REGULATOR["BJ"], "Compensation:RegionalSubmit", **args)
    world.refused(MONITOR["BJ"], "Compensation:RegionalSubmit", "BJ already submitted its COD discharge", **args)


def test_a_submission_after_settlement_is_refused(world: CompensationWorld):
    submit_all(world, {"BJ": "16", "TJ": "24", "HB": "30"}, period="2025-11")
    world.call(CO_ADMIN, "Compensation:RegionalSettle", period="2025-11", pollutant="COD")
    world.refused(MONITOR["HB"], "Compensation:RegionalSubmit", "is already settled",
                  period="2025-11", pollutant="COD", value="1")
