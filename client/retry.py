"""Submitting again when a transaction lost a race or met a gap in discovery, and only then.

Some failures say nothing about the request itself, and a fresh proposal is
simulated against the ledger as it is now, where the chaincode checks every
rule again (a second buyer of a sold-out offer is then refused by name):

* :class:`~client.gateway.CommitError` with ``MVCC_READ_CONFLICT`` or
  ``PHANTOM_READ_CONFLICT``: another transaction changed what this one read
  and was ordered first. The invalid transaction changed nothing.
* :class:`~client.gateway.EndorseError` where the endorsing peers disagreed:
  one of them had not yet committed the latest block, so it computed a
  different result ("ProposalResponsePayloads do not match") or refused
  while the others endorsed. Nothing was sent to the orderers.
* :class:`~client.gateway.EndorseError` "failed to find any endorsing peers
  for org(s) ...": the gateway's peer does not know (or, through gossip, no
  longer knows) a peer of an organization the client named. Nothing was sent
  either; membership changes within seconds, so these are waited out with
  their own, more patient budget.

Everything else is raised at once: a refusal every endorsing peer agrees on,
a submit failure, and above all :class:`~client.gateway.CommitStatusError`,
whose transaction may still commit (submitting it again could apply it twice).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from client.gateway import CommitError, EndorseError, SubmitResult, SyncContract

PAYLOAD_MISMATCH = "ProposalResponsePayloads do not match"
COLLECTING_FAILED = "failed to collect enough transaction endorsements"
NO_ENDORSERS_KNOWN = "failed to find any endorsing peers"

RetryCallback = Callable[[Exception, int], None]


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How often and how long to try again.

    Lost races: at most ``attempts`` submissions, waiting ``first_delay``
    seconds, then ``factor`` times longer each time. Named organizations the
    gateway does not know: up to ``discovery_attempts`` more submissions,
    ``discovery_delay`` seconds apart.
    """

    attempts: int = 5
    first_delay: float = 0.2
    factor: float = 2.0
    discovery_attempts: int = 30
    discovery_delay: float = 1.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {self.attempts}")
        if self.discovery_attempts < 0:
            raise ValueError(f"discovery_attempts must not be negative, got {self.discovery_attempts}")

    def delay(self, failed_attempts: int) -> float:
        return self.first_delay * self.factor ** (failed_attempts - 1)


def peers_disagreed(error: EndorseError, endorsing_organizations: Sequence[str] = ()) -> bool:
    """True when some endorsing peers endorsed (or computed another result) while others refused.

    With endorsing organizations chosen by the client, every peer is asked at
    once: a refusal is genuine only when each of them refused with the same
    message. Otherwise the gateway's own peer endorsed first, so a failure
    while collecting the other endorsements means another peer saw a
    different ledger.
    """
    messages = [detail.message for detail in error.details]
    if any(PAYLOAD_MISMATCH in message for message in messages):
        return True
    if COLLECTING_FAILED not in error.message:
        return False
    if not endorsing_organizations:
        return True
    return len(messages) < len(endorsing_organizations) or len(set(messages)) > 1


def endorsers_unknown(error: Exception) -> bool:
    """True when the gateway knows no peer of an organization the client named."""
    return isinstance(error, EndorseError) and NO_ENDORSERS_KNOWN in error.message


def is_retryable(error: Exception, endorsing_organizations: Sequence[str] = ()) -> bool:
    """Whether a new proposal of the same call may succeed where this one failed."""
    if isinstance(error, CommitError):
        return error.is_mvcc_conflict
    if isinstance(error, EndorseError):
        return endorsers_unknown(error) or peers_disagreed(error, endorsing_organizations)
    return False


def submit_with_retry(
    contract: SyncContract,
    function: str,
    args: Mapping[str, Any] | None = None,
    *,
    transient: Mapping[str, Any] | None = None,
    endorsing_organizations: Sequence[str] = (),
    policy: RetryPolicy = RetryPolicy(),
    on_retry: RetryCallback | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SubmitResult:
    """``contract.submit`` again after a lost race or a discovery gap (see the module docstring).

    ``on_retry(error, attempt)`` is told about each failure that is retried;
    ``attempt`` counts every submission so far.
    """
    races = gaps = 0
    while True:
        try:
            return contract.submit(function, args, transient=transient,
                                   endorsing_organizations=endorsing_organizations)
        except (CommitError, EndorseError) as err:
            if endorsers_unknown(err):
                gaps += 1
                if gaps > policy.discovery_attempts:
                    raise
                pause = policy.discovery_delay
            else:
                races += 1
                if races >= policy.attempts or not is_retryable(err, endorsing_organizations):
                    raise
                pause = policy.delay(races)
            if on_retry is not None:
                on_retry(err, races + gaps)
            sleep(pause)
