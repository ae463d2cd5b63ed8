"""Keys, records and indexes of the governance domain.

* ``proposal`` (id) → a proposal with its fixed content, electorate, status and (once closed) tally;
  indexed by ``proposal~status`` (status, id)
* ``vote`` (proposal, msp_id) → one organization's current vote on a proposal (a key per voter, so
  organizations voting at once never conflict)
* ``membership`` (region) → the last adopted membership decision about a region
* ``concern`` (id) → a concern about an area; indexed by ``concern~area`` (area, status, id),
  ``concern~status`` (status, id) and, once on a consultation's agenda, ``concern~consultation``
  (consultation, id)
* ``consultation`` (id) → a consultation on an area; indexed by ``consultation~status`` (status, id) and
  ``consultation~area`` (area, id); ``consultation~open`` (area) → the id of the area's open consultation
* ``project`` (id) → a restoration project with its milestones; indexed by ``project~status`` (status, id)
  and ``project~source`` (the consultation or proposal that started it, id)
"""

from __future__ import annotations

from typing import Any, Iterator

from chaincode.runtime import keys
from chaincode.runtime.context import TxContext

OWNER = "governance"

PROPOSALS = keys.RecordKind(
    keys.namespace("proposal", "id", owner=OWNER, description="proposal id → proposal"),
    what="proposal",
    indexes=(keys.Index(keys.namespace("proposal~status", "status", "id", owner=OWNER,
                                       description="proposals by status"),
                        lambda record: [(record["status"],)]),),
)
PROPOSALS_BY_STATUS = PROPOSALS.indexes[0].namespace

VOTES = keys.namespace("vote", "proposal", "msp_id", owner=OWNER,
                       description="an organization's current vote on a proposal")

MEMBERSHIP = keys.RecordKind(
    keys.namespace("membership", "region", owner=OWNER,
                   description="region → the last adopted decision to admit or remove it"),
    what="membership decision",
    id_field="region",
)

CONCERNS = keys.RecordKind(
    keys.namespace("concern", "id", owner=OWNER, description="concern id → concern"),
    what="concern",
    indexes=(
        keys.Index(keys.namespace("concern~area", "area", "status", "id", owner=OWNER,
                                  description="concerns of an area by status"),
                   lambda record: [(record["area"], record["status"])]),
        keys.Index(keys.namespace("concern~consultation", "consultation", "id", owner=OWNER,
                                  description="the agenda of a consultation"),
                   lambda record: [(record["consultation"],)] if record["consultation"] else []),
        keys.Index(keys.namespace("concern~status", "status", "id", owner=OWNER,
                                  description="concerns of every area by status"),
                   lambda record: [(record["status"],)]),
    ),
)
CONCERNS_BY_AREA, CONCERNS_BY_CONSULTATION, CONCERNS_BY_STATUS = (index.namespace for index in CONCERNS.indexes)

CONSULTATIONS = keys.RecordKind(
    keys.namespace("consultation", "id", owner=OWNER, description="consultation id → consultation"),
    what="consultation",
    indexes=(
        keys.Index(keys.namespace("consultation~status", "status", "id", owner=OWNER),
                   lambda record: [(record["status"],)]),
        keys.Index(keys.namespace("consultation~area", "area", "id", owner=OWNER),
                   lambda record: [(record["area"],)]),
    ),
)
CONSULTATIONS_BY_STATUS, CONSULTATIONS_BY_AREA = (index.namespace for index in CONSULTATIONS.indexes)
OPEN_CONSULTATION = keys.namespace("consultation~open", "area", owner=OWNER,
                                   description="area → its open consultation")

PROJECTS = keys.RecordKind(
    keys.namespace("project", "id", owner=OWNER, description="project id → restoration project"),
    what="project",
    indexes=(
        keys.Index(keys.namespace("project~status", "status", "id", owner=OWNER),
                   lambda record: [(record["status"],)]),
        keys.Index(keys.namespace("project~source", "source", "id", owner=OWNER),
                   lambda record: [(record["source"],)]),
    ),
)
PROJECTS_BY_STATUS, PROJECTS_BY_SOURCE = (index.namespace for index in PROJECTS.indexes)


def votes(ctx: TxContext, proposal_id: str) -> dict[str, dict[str, Any]]:
    """Every organization's current vote on a proposal: MSP id → vote record (an electorate is a handful)."""
    return {VOTES.split(key)[1]: value for key, value in ctx.range(*VOTES.span(proposal_id))}


def open_concern_ids(ctx: TxContext, area: str, limit: int) -> list[str]:
    """Up to ``limit`` ids of the open concerns of an area, oldest key first."""
    found = []
    for _, concern_id in ctx.range(*CONCERNS_BY_AREA.span(area, "open")):
        found.append(concern_id)
        if len(found) >= limit:
            break
    return found


def agenda(ctx: TxContext, consultation_id: str) -> Iterator[dict[str, Any]]:
    for _, concern_id in ctx.range(*CONCERNS_BY_CONSULTATION.span(consultation_id)):
        yield ctx.load(CONCERNS, concern_id)
