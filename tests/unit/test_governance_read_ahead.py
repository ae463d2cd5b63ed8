"""Proposal:Vote reads the member record, the proposal and the organization's vote in one request to the peer
(``ctx.prefetch``; GET_STATE_MULTIPLE on a Fabric 3 peer), and behaves exactly as without it."""

from __future__ import annotations

import pytest

from chaincode.governance.store import PROPOSALS, VOTES
from chaincode.registry.store import MEMBERS as MEMBER_KEYS
from chaincode.runtime.memory import _MemoryStub
from governance_world import ADMIN, OUTSIDER_ADMIN, gworld  # noqa: F401 (fixture)


@pytest.fixture
def multiple_reads(monkeypatch) -> list[list[str]]:
    seen: list[list[str]] = []
    original = _MemoryStub.get_multiple_states

    def recording(self, keys):
        seen.append(list(keys))
        return original(self, keys)

    monkeypatch.setattr(_MemoryStub, "get_multiple_states", recording)
    return seen


def test_a_vote_reads_its_three_records_in_one_request(gworld, multiple_reads):
    proposal = gworld.table(kind="resolution", text="plant more trees")
    first = gworld.vote("TJ", proposal, "yes")
    second = gworld.vote("TJ", proposal, "no")
    keys = [MEMBER_KEYS.key("TJMSP"), PROPOSALS.key(proposal["id"]), VOTES.key(proposal["id"], "TJMSP")]
    assert multiple_reads == [keys, keys]
    assert (first["changed"], first["previous"]) == (True, None)
    assert (second["changed"], second["previous"], second["tally"]["no"]) == (True, "yes", 1)


def test_a_bad_proposal_id_is_refused_as_before_without_reading_ahead(gworld, multiple_reads):
    gworld.refused(ADMIN["TJ"], "Proposal:Vote", "proposal_id must be an id like P-", proposal_id="X-1",
                   choice="yes")
    gworld.refused(ADMIN["TJ"], "Proposal:Vote", "proposal_id must be an id like P-", proposal_id=7,
                   choice="yes")
    assert multiple_reads == []


def test_refusals_after_reading_ahead_keep_their_order_and_messages(gworld, multiple_reads):
    proposal = gworld.table(kind="resolution", text="plant more trees")
    gworld.refused(OUTSIDER_ADMIN, "Proposal:Vote", "organization SHMSP is not a registered consortium member",
                   proposal_id=proposal["id"], choice="yes")
    gworld.refused(ADMIN["TJ"], "Proposal:Vote", "choice must be one of yes, no, abstain",
                   proposal_id="P-0000000000000000", choice="maybe")
    gworld.refused(ADMIN["TJ"], "Proposal:Vote", "proposal P-0000000000000000 does not exist",
                   proposal_id="P-0000000000000000", choice="yes")
    assert len(multiple_reads) == 3
