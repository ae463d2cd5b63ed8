"""What other domains (and the later multi-host work) may use of governance: adopted decisions.

A membership proposal only records the consortium's decision; the Fabric
channel change belongs to whoever changes the channel configuration, which must
refuse to add an organization that :func:`admitted` does not confirm.
"""

from __future__ import annotations

from typing import Any

from chaincode.governance import store
from chaincode.runtime.context import TxContext

__all__ = ["admitted", "membership_decision", "proposal", "adopted"]


def membership_decision(ctx: TxContext, region: str) -> dict[str, Any] | None:
    """The last adopted decision about ``region``: ``{region, decision: admit|remove, msp_id, name,
    config_sha256, config_sequence, proposal, tx_id, at, by}``, or ``None``. ``config_sha256`` is the
    SHA-256 of the channel configuration update the consortium voted for (``None`` when the proposal
    carried none) and ``config_sequence`` the config sequence it was computed from."""
    return ctx.find(store.MEMBERSHIP, region)


def admitted(ctx: TxContext, region: str) -> bool:
    """Whether an adopted proposal admitted ``region`` (and no later one removed it)."""
    decision = membership_decision(ctx, region)
    return decision is not None and decision["decision"] == "admit"


def proposal(ctx: TxContext, proposal_id: str) -> dict[str, Any] | None:
    return ctx.find(store.PROPOSALS, proposal_id)


def adopted(ctx: TxContext, proposal_id: str) -> bool:
    found = proposal(ctx, proposal_id)
    return found is not None and found["status"] == "adopted"
