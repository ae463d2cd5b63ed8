"""Pure rules of consortium votes: which majority a proposal needs, the tally, quorum, early adoption, deadlines.

One organization, one vote: ``yes``, ``no`` or ``abstain``. The electorate is
the member list when the proposal was tabled.

* **Quorum** (as in OpenZeppelin's Governor): ``yes + abstain`` must reach
  ``quorum_permille`` of the electorate, rounded up. A no vote does not help a
  proposal reach its quorum, so voting no is never worse for its opponents
  than staying away.
* **Majority** (``majority``): more yes than no. **Two thirds**
  (``two_thirds``): at least two thirds of the yes and no votes, i.e. at least
  twice as many yes as no. Abstentions count toward neither side. A tie is not
  a majority.
* **Two thirds are needed** for membership and for changing the voting rules
  themselves (any parameter in :data:`~chaincode.governance.parameters.VOTING_RULES`).
* **Early adoption**: before the deadline a proposal may close as adopted when
  it would still be adopted if every member who has not voted voted no.
  Rejection always waits for the deadline: until then a vote may change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

YES, NO, ABSTAIN = "yes", "no", "abstain"
CHOICES = (YES, NO, ABSTAIN)
MAJORITY, TWO_THIRDS = "majority", "two_thirds"
RULES = (MAJORITY, TWO_THIRDS)
PARAMETER, STANDARD, MEMBERSHIP, RESOLUTION = "parameter", "standard", "membership", "resolution"
KINDS = (PARAMETER, STANDARD, MEMBERSHIP, RESOLUTION)
ADOPTED, REJECTED = "adopted", "rejected"


def required_rule(kind: str, changed: Iterable[str], voting_rules: Iterable[str]) -> str:
    """Two thirds for membership and for a change of the voting rules; a simple majority otherwise."""
    if kind == MEMBERSHIP or set(changed) & set(voting_rules):
        return TWO_THIRDS
    return MAJORITY


def quorum_needed(electorate: int, quorum_permille: int) -> int:
    """Votes (yes + abstain) needed: ``quorum_permille`` of the electorate, rounded up, at least one."""
    return max(1, (electorate * quorum_permille + 999) // 1000)


def carried(rule: str, yes: int, no: int) -> bool:
    """Whether ``yes`` against ``no`` is the majority ``rule`` asks for (a tie never is)."""
    if rule == TWO_THIRDS:
        return yes > 0 and yes >= 2 * no
    return yes > no


@dataclass(frozen=True)
class Tally:
    rule: str
    electorate: int
    quorum: int
    yes: int = 0
    no: int = 0
    abstain: int = 0

    @property
    def voted(self) -> int:
        return self.yes + self.no + self.abstain

    @property
    def not_voted(self) -> int:
        return self.electorate - self.voted

    @property
    def quorum_reached(self) -> bool:
        return self.yes + self.abstain >= self.quorum

    @property
    def outcome(self) -> str:
        """At the deadline: adopted when the quorum is reached and the rule's majority carried."""
        return ADOPTED if self.quorum_reached and carried(self.rule, self.yes, self.no) else REJECTED

    @property
    def decided(self) -> bool:
        """Adopted whatever the members who have not voted do (they could only vote no against it)."""
        return self.quorum_reached and carried(self.rule, self.yes, self.no + self.not_voted)

    def reason(self) -> str:
        if not self.quorum_reached:
            return (f"no quorum: {self.yes + self.abstain} yes or abstain of the {self.quorum} needed "
                    f"({self.electorate} members)")
        need = "more yes than no" if self.rule == MAJORITY else "at least twice as many yes as no (two thirds)"
        verdict = "carried" if carried(self.rule, self.yes, self.no) else "not carried"
        return f"{self.yes} yes, {self.no} no, {self.abstain} abstain: {need}, {verdict}"

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "electorate": self.electorate, "quorum": self.quorum, "yes": self.yes,
                "no": self.no, "abstain": self.abstain, "not_voted": self.not_voted,
                "quorum_reached": self.quorum_reached}


def tally(rule: str, electorate: Iterable[str], quorum_permille: int, votes: Mapping[str, str]) -> Tally:
    """Count ``votes`` (organization → choice) of the members of ``electorate`` only."""
    members = set(electorate)
    counted = [choice for voter, choice in votes.items() if voter in members]
    return Tally(rule=rule, electorate=len(members), quorum=quorum_needed(len(members), quorum_permille),
                 yes=counted.count(YES), no=counted.count(NO), abstain=counted.count(ABSTAIN))


def deadline_problem(seconds: Any, minimum: int, maximum: int) -> str | None:
    """Why a voting period of ``seconds`` is not allowed, or ``None``."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        return f"the voting period must be a whole number of seconds, got {seconds!r}"
    if not minimum <= seconds <= maximum:
        return (f"the voting period must lie between {minimum} and {maximum} seconds (parameters "
                f"voting_min_seconds and voting_max_seconds), got {seconds}")
    return None
