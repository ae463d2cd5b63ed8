"""A governance world on top of the permit world: organization admins and delegates, proposals, concerns.

``gworld`` (a fixture) is the four-enterprise world of ``conftest.py`` (members BJ, TJ, HB and the
coordinator CO; river basin ``haihe`` and air basin ``jingjinji-air`` over the three regions) with one
admin per organization and a delegate of Tianjin. :meth:`GovernanceWorld.adopt` tables a proposal,
has Beijing, Tianjin and Hebei vote yes and closes it early.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from chaincode.runtime.memory import make_identity
from test_permit_world import PermitWorld

ADMIN = {code: make_identity(f"{code}MSP", f"admin-{code.lower()}", ou="admin") for code in ("BJ", "TJ", "HB", "CO")}
DELEGATE_TJ = make_identity("TJMSP", "tj-delegate", role="delegate", region="TJ")
OUTSIDER_ADMIN = make_identity("SHMSP", "admin-sh", ou="admin")
HOUR = 3600
DAY = 24 * HOUR
SHA = "ab" * 32


@dataclass
class GovernanceWorld:
    world: PermitWorld

    def __getattr__(self, name: str) -> Any:  # ok, refused, query, ledger ... of the permit world
        return getattr(self.world, name)

    def table(self, who: Any = None, **spec: Any) -> dict[str, Any]:
        args = {"kind": "parameter", "title": "a rule change", "voting_seconds": DAY, **spec}
        return self.world.ok(who or ADMIN["BJ"], "Proposal:Table", **args)

    def vote(self, code: str, proposal: dict[str, Any] | str, choice: str) -> dict[str, Any]:
        proposal_id = proposal if isinstance(proposal, str) else proposal["id"]
        return self.world.ok(ADMIN[code], "Proposal:Vote", proposal_id=proposal_id, choice=choice)

    def close(self, proposal: dict[str, Any] | str, who: Any = None) -> dict[str, Any]:
        proposal_id = proposal if isinstance(proposal, str) else proposal["id"]
        return self.world.ok(who or ADMIN["CO"], "Proposal:Close", proposal_id=proposal_id)

    def adopt(self, **spec: Any) -> dict[str, Any]:
        proposal = self.table(**spec)
        for code in ("BJ", "TJ", "HB"):
            self.vote(code, proposal, "yes")
        return self.close(proposal)

    def after_deadline(self, proposal: dict[str, Any]) -> None:
        """Move the ledger clock past a proposal's deadline."""
        self.world.ledger.clock = max(self.world.ledger.clock, float(proposal["deadline_ts"]))

    def parameter(self, name: str) -> Any:
        return self.world.query(ADMIN["TJ"], "Registry:Parameters")[name]

    def show(self, proposal: dict[str, Any] | str) -> dict[str, Any]:
        proposal_id = proposal if isinstance(proposal, str) else proposal["id"]
        return self.world.query(ADMIN["HB"], "Proposal:Show", proposal_id=proposal_id)


@pytest.fixture
def gworld(world: PermitWorld) -> GovernanceWorld:
    return GovernanceWorld(world)
