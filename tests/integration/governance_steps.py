"""Changing a rule on the real network the only way there is: an adopted proposal.

:func:`adopt` drives the CLI of a :class:`~tests.integration.permits_world.World` (Beijing tables,
Beijing, Tianjin and Hebei vote yes, the coordinator closes it early: three of four organizations
decide a simple majority and a two-thirds vote alike). The world waits after each write until every
organization's peer has the block, so the closing endorsement reads every vote cast.
"""

from __future__ import annotations

import json
from typing import Any


VOTERS = ("admin-bj", "admin-tj", "admin-hb")


def adopt(world: Any, changes: dict[str, Any], title: str = "rule change") -> dict[str, Any]:
    sets = [f"--set={name}={json.dumps(value)}" for name, value in changes.items()]
    tabled = world.write("admin-bj", "proposal", "table", "--kind", "parameter", "--title", title, *sets,
                         "--deadline", "1d")
    for voter in VOTERS:
        world.write(voter, "proposal", "vote", tabled["id"], "yes")
    closed = world.write("admin-co", "proposal", "close", tabled["id"])
    assert closed["status"] == "adopted", closed
    return closed
