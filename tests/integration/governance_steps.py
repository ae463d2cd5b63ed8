"""Changing a rule on the real network the only way there is: an adopted proposal.

:func:`adopt` drives the CLI of a :class:`~tests.integration.permits_world.World` (Beijing tables,
Beijing, Tianjin and Hebei vote yes, the coordinator closes it early: three of four organizations
decide a simple majority and a two-thirds vote alike). :func:`adopt_by_session` does the same through a
client session, for tests that hold no world; it waits, after each write, until every organization's
peer has the block, so the next endorsement reads the votes already cast.
"""

from __future__ import annotations

import json
from typing import Any

from client.retry import RetryPolicy, wait_for
from client.session import Session
from network.bootstrap import Network

VOTERS = ("admin-bj", "admin-tj", "admin-hb")
SYNC_TIMEOUT = 30.0


def adopt(world: Any, changes: dict[str, Any], title: str = "rule change") -> dict[str, Any]:
    sets = [f"--set={name}={json.dumps(value)}" for name, value in changes.items()]
    tabled = world.write("admin-bj", "proposal", "table", "--kind", "parameter", "--title", title, *sets,
                         "--deadline", "1d")
    for voter in VOTERS:
        world.write(voter, "proposal", "vote", tabled["id"], "yes")
    closed = world.write("admin-co", "proposal", "close", tabled["id"])
    assert closed["status"] == "adopted", closed
    return closed


def _sync(session: Session, network: Network) -> None:
    channel = network.consortium.channel

    def heights() -> dict[str, int]:
        return {org.code: session.gateway(f"admin-{org.code.lower()}").get_network(channel).query_chain_info().height
                for org in network.consortium.organizations}

    target = max(heights().values())
    wait_for(heights, RetryPolicy.polling(0.05, SYNC_TIMEOUT), until=lambda found: min(found.values()) >= target,
             describe=lambda found: f"peers did not reach block height {target}: {found}")


def adopt_by_session(session: Session, network: Network, changes: dict[str, Any],
                     title: str = "rule change") -> Any:
    """The committed ``Proposal:Close`` of an adopted parameter change (a ``SubmitResult``)."""
    tabled = session.contract("admin-bj").submit("Proposal:Table", {"kind": "parameter", "title": title,
                                                                    "voting_seconds": 86400, "changes": changes})
    _sync(session, network)
    for voter in VOTERS:
        session.contract(voter).submit("Proposal:Vote", {"proposal_id": tabled.result["id"], "choice": "yes"})
        _sync(session, network)
    closed = session.contract("admin-co").submit("Proposal:Close", {"proposal_id": tabled.result["id"]})
    _sync(session, network)
    assert closed.result["status"] == "adopted", closed.result
    return closed
