"""The governance rules that live on the ledger as parameters (changed, like every parameter, by proposals).

============================  ==========================================================  ==========
parameter                     meaning                                                     default
============================  ==========================================================  ==========
``quorum_permille``           yes + abstain votes needed, per mille of the electorate     500
``voting_min_seconds``        shortest voting period a proposal may set                   3,600
``voting_max_seconds``        longest voting period a proposal may set                    7,776,000
``concern_threshold``         open concerns in one area that open a consultation          3
============================  ==========================================================  ==========

The first three are *the voting rules themselves*: a proposal that changes any
of them needs two thirds, like a membership proposal. A constraint keeps
``voting_min_seconds`` at most ``voting_max_seconds``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from chaincode.runtime import parameters

DOMAIN = "governance"
YEAR_SECONDS = 366 * 24 * 3600

DECLARED = [
    parameters.declare("quorum_permille", type="a whole number of per mille from 1 to 1000", domain=DOMAIN,
                       default=500, validate=parameters.integer(1, 1000),
                       description="yes and abstain votes a proposal needs, per mille of its electorate "
                                   "(no votes do not count toward the quorum)"),
    parameters.declare("voting_min_seconds", type="a whole number of seconds from 1 to one year", domain=DOMAIN,
                       default=3600, validate=parameters.integer(1, YEAR_SECONDS),
                       description="the shortest voting period a proposal may set"),
    parameters.declare("voting_max_seconds", type="a whole number of seconds from 1 to one year", domain=DOMAIN,
                       default=90 * 24 * 3600, validate=parameters.integer(1, YEAR_SECONDS),
                       description="the longest voting period a proposal may set"),
    parameters.declare("concern_threshold", type="a whole number from 1 to 1000", domain=DOMAIN, default=3,
                       validate=parameters.integer(1, 1000),
                       description="open concerns about one area that open a consultation on it"),
]
DEFAULTS: dict[str, Any] = {parameter.name: parameter.default for parameter in DECLARED}
VOTING_RULES = ("quorum_permille", "voting_min_seconds", "voting_max_seconds")


def _period_order(value_of: Callable[[str], Any]) -> str | None:
    low, high = value_of("voting_min_seconds"), value_of("voting_max_seconds")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        return f"the minimum {low} would exceed the maximum {high}"
    return None


parameters.constrain(("voting_min_seconds", "voting_max_seconds"), _period_order, domain=DOMAIN,
                     description="a voting period's minimum is at most its maximum")


@dataclass(frozen=True)
class GovernanceRules:
    quorum_permille: int
    voting_min_seconds: int
    voting_max_seconds: int
    concern_threshold: int


def load_rules(get: Callable[[str], Any]) -> GovernanceRules:
    """Rules from a parameter reader ``get(name)`` (the ledger value or the default)."""

    def value(name: str) -> int:
        found = get(name)
        return int(DEFAULTS[name] if found is None else found)

    return GovernanceRules(quorum_permille=value("quorum_permille"),
                           voting_min_seconds=value("voting_min_seconds"),
                           voting_max_seconds=value("voting_max_seconds"),
                           concern_threshold=value("concern_threshold"))
