"""A compensation world: the permit world's members on the pair channel ``bj-hb``, with monitors and arbiter.

``cworld`` is an in-memory ledger of channel ``bj-hb`` seeded with the
consortium's members and parameters (as ``Registry:Bootstrap`` writes them on
every channel). The ledger clock stands at 2026-01-01, so 2025 periods have
ended. ``refused`` checks the message and that state, key-level policies,
history and events are all unchanged.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from chaincode.runtime.memory import MemoryLedger, TestIdentity, make_identity
from chaincode.runtime.router import STATUS_OK, STATUS_REFUSED
from common import canonical
from test_permit_world import REGULATOR, seeded_ledger

MONITOR = {region: make_identity(f"{region}MSP", f"{region.lower()}-section-monitor", role="monitor",
                                 region=region, station=f"{region} cross-border station")
           for region in ("BJ", "TJ", "HB")}
CO_ADMIN = make_identity("COMSP", "co-admin", ou="admin")
CO_AUDITOR = make_identity("COMSP", "co-auditor", role="auditor")
BJ_ENTERPRISE = make_identity("BJMSP", "bj-steel", role="enterprise", region="BJ", entity="91110000MA01BJ001X")

BASELINES = {"CODMn": "4", "NH3-N": "0.5", "TN": "1.2", "TP": "0.1"}
LOW = {"CODMn": "3.1", "NH3-N": "0.42", "TN": "1.1", "TP": "0.05"}       # P ≈ 0.644: BJ pays HB
HIGH = {"CODMn": "8", "NH3-N": "1", "TN": "2.4", "TP": "0.2"}            # P = 1.7: HB pays BJ


def agreement_terms(arbiter: str = "none", **extra: Any) -> dict[str, Any]:
    return {"pollutants": [{"code": c, "baseline": b} for c, b in BASELINES.items()], "k0": "0.85",
            "period": "month", "tolerance": "0.1", "arbiter": arbiter,
            "amounts": {"downstream_pays": 100_000_000, "upstream_pays": 60_000_000}, **extra}


@dataclass
class CompensationWorld:
    ledger: MemoryLedger

    def call(self, who: TestIdentity, function: str, **args: Any) -> Any:
        response = self.ledger.submit(who, function, **args)
        assert response.status == STATUS_OK, f"{function} refused: {response.message}"
        return canonical.loads(response.payload)

    def query(self, who: TestIdentity, function: str, **args: Any) -> Any:
        return self.ledger.result(self.ledger.evaluate(who, function, **args))

    def snapshot(self) -> Any:
        return copy.deepcopy((self.ledger.state, self.ledger.metadata, self.ledger.history, self.ledger.events))

    def refused(self, who: TestIdentity, function: str, expected: str, **args: Any) -> str:
        before = self.snapshot()
        response = self.ledger.submit(who, function, **args)
        assert response.status == STATUS_REFUSED, f"{function} was not refused: {response}"
        assert expected in response.message, response.message
        assert self.snapshot() == before
        return response.message

    def query_refused(self, who: TestIdentity, function: str, expected: str, **args: Any) -> str:
        response = self.ledger.evaluate(who, function, **args)
        assert response.status == STATUS_REFUSED, f"{function} was not refused: {response}"
        assert expected in response.message, response.message
        return response.message

    # -- steps -----------------------------------------------------------------------------------
    def propose(self, arbiter: str = "none", who: TestIdentity | None = None) -> str:
        return self.call(who or REGULATOR["HB"], "Compensation:Propose", upstream="HB", downstream="BJ",
                         section="Chaohe River at Gubeikou", terms=agreement_terms(arbiter))["id"]

    def in_force(self, arbiter: str = "none") -> str:
        agreement = self.propose(arbiter)
        self.call(REGULATOR["BJ"], "Compensation:Sign", agreement=agreement)
        return agreement

    def both_submit(self, agreement: str, period: str, hb: dict[str, str], bj: dict[str, str]) -> Any:
        self.call(MONITOR["HB"], "Compensation:Submit", agreement=agreement, period=period, values=hb)
        return self.call(MONITOR["BJ"], "Compensation:Submit", agreement=agreement, period=period, values=bj)


@pytest.fixture
def cworld() -> CompensationWorld:
    ledger = seeded_ledger()
    ledger.channel_id = "bj-hb"
    return CompensationWorld(ledger)
