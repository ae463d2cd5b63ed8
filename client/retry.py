"""One retry policy for every client: submitting again after a lost race, and waiting for a condition.

**Which failed submits are sent again.** Some failures say nothing about the
request itself, and a fresh proposal is simulated against the ledger as it is
now, where the chaincode checks every rule again (a second buyer of a
sold-out offer is then refused by name):

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

**One policy, every loop.** :class:`RetryPolicy` says how often and how long:
at most ``attempts`` tries and/or ``timeout`` seconds, pauses growing from
``first_delay`` by ``factor`` up to ``max_delay``, and the separate budget for
discovery gaps. The same policy drives :func:`submit_with_retry` (the CLI and
the market client), :func:`submit_with_retry_async` (the benchmarks' asyncio
gateways) and :func:`wait_for` / :func:`wait_for_async`, which poll until a
condition holds (a peer reaching a block, a read that succeeds once the block
arrived, gateways that know every organization); :meth:`RetryPolicy.polling`
makes the fixed-interval, deadline-bound policy those need.

The engine is the small :class:`Attempts` bookkeeper below rather than a
library such as ``tenacity``: what decides a retry is the kind of failure
(a race on one budget, a discovery gap on another, anything else final), and
the same decision must drive a blocking loop and an asyncio one. With
``tenacity`` both budgets would still be custom stop/wait callables inspecting
the exception, so it would add a dependency without removing that code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping, Sequence, TypeVar

if TYPE_CHECKING:
    from client.gateway import EndorseError, SubmitResult

PAYLOAD_MISMATCH = "ProposalResponsePayloads do not match"
COLLECTING_FAILED = "failed to collect enough transaction endorsements"
NO_ENDORSERS_KNOWN = "failed to find any endorsing peers"
CHAINCODE_ANSWER = "chaincode response"

RetryCallback = Callable[[Exception, int], None]
T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How often and how long to try again.

    Lost races (and, for :func:`wait_for`, every unmet check): at most
    ``attempts`` tries (``None``: no count limit) and no pause that would end
    after ``timeout`` seconds from the first try (``None``: no time limit),
    waiting ``first_delay`` seconds, then ``factor`` times longer each time,
    never more than ``max_delay``. Named organizations the gateway does not
    know: up to ``discovery_attempts`` more tries, ``discovery_delay`` seconds
    apart.
    """

    attempts: int | None = 5
    first_delay: float = 0.2
    factor: float = 2.0
    max_delay: float | None = None
    timeout: float | None = None
    discovery_attempts: int = 30
    discovery_delay: float = 1.0

    def __post_init__(self) -> None:
        if self.attempts is not None and self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {self.attempts}")
        if self.attempts is None and self.timeout is None:
            raise ValueError("a policy without an attempts limit needs a timeout")
        if self.discovery_attempts < 0:
            raise ValueError(f"discovery_attempts must not be negative, got {self.discovery_attempts}")
        if self.first_delay < 0 or self.factor < 1 or self.discovery_delay < 0:
            raise ValueError("delays must not be negative and factor must be at least 1")

    @classmethod
    def polling(cls, interval: float, timeout: float) -> RetryPolicy:
        """Check every ``interval`` seconds until ``timeout`` seconds have passed."""
        return cls(attempts=None, first_delay=interval, factor=1.0, timeout=timeout)

    def delay(self, failed_attempts: int) -> float:
        pause = self.first_delay * self.factor ** (failed_attempts - 1)
        return pause if self.max_delay is None else min(pause, self.max_delay)


class Attempts:
    """The bookkeeping of one retried call: the pause before the next try, or ``None`` to give up."""

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.races = 0
        self.gaps = 0
        self._clock = clock
        self._started = clock()

    @property
    def failures(self) -> int:
        return self.races + self.gaps

    def pause_after_gap(self) -> float | None:
        """After a discovery gap (a named organization the gateway does not know yet)."""
        self.gaps += 1
        if self.gaps > self.policy.discovery_attempts:
            return None
        return self._within_timeout(self.policy.discovery_delay)

    def pause_after_failure(self) -> float | None:
        """After a lost race or an unmet condition."""
        self.races += 1
        if self.policy.attempts is not None and self.races >= self.policy.attempts:
            return None
        return self._within_timeout(self.policy.delay(self.races))

    def _within_timeout(self, pause: float) -> float | None:
        timeout = self.policy.timeout
        if timeout is not None and self._clock() - self._started + pause > timeout:
            return None
        return pause


def _asyncio_sleep() -> Callable[[float], Awaitable[None]]:
    import asyncio  # only the asyncio callers pay for importing it

    return asyncio.sleep


# -- which failures -------------------------------------------------------------------------------


def peers_disagreed(error: EndorseError, endorsing_organizations: Sequence[str] = ()) -> bool:
    """True when some endorsing peers endorsed (or computed another result) while others refused.

    With endorsing organizations chosen by the client, every peer is asked at
    once: a refusal is genuine only when each of them refused with the same
    message. Otherwise the gateway's own peer endorsed first, so a failure
    while collecting the other endorsements means another peer saw a
    different ledger. When every failing peer failed without an answer from
    the chaincode (connection refused, timed out), organizations are down:
    that is no race, and a new proposal would fail the same way.
    """
    messages = [detail.message for detail in error.details]
    if any(PAYLOAD_MISMATCH in message for message in messages):
        return True
    if COLLECTING_FAILED not in error.message:
        return False
    if messages and not any(CHAINCODE_ANSWER in message for message in messages):
        return False  # no peer answered at all: organizations are down, not behind
    if not endorsing_organizations:
        return True
    return len(messages) < len(endorsing_organizations) or len(set(messages)) > 1


def endorsers_unknown(error: Exception) -> bool:
    """True when the gateway knows no peer of an organization the client named."""
    from client.gateway import EndorseError

    return isinstance(error, EndorseError) and NO_ENDORSERS_KNOWN in error.message


def is_retryable(error: Exception, endorsing_organizations: Sequence[str] = ()) -> bool:
    """Whether a new proposal of the same call may succeed where this one failed."""
    from client.gateway import CommitError, EndorseError

    if isinstance(error, CommitError):
        return error.is_mvcc_conflict
    if isinstance(error, EndorseError):
        return endorsers_unknown(error) or peers_disagreed(error, endorsing_organizations)
    return False


def _pause_before_resubmit(attempts: Attempts, error: Exception, endorsing: Sequence[str]) -> float | None:
    from client.gateway import CommitError, EndorseError

    if not isinstance(error, (CommitError, EndorseError)):
        return None
    if endorsers_unknown(error):
        return attempts.pause_after_gap()
    if not is_retryable(error, endorsing):
        return None
    return attempts.pause_after_failure()


# -- submitting again ------------------------------------------------------------------------------


def submit_with_retry(
    contract: Any,
    function: str,
    args: Mapping[str, Any] | None = None,
    *,
    transient: Mapping[str, Any] | None = None,
    endorsing_organizations: Sequence[str] = (),
    policy: RetryPolicy = RetryPolicy(),
    on_retry: RetryCallback | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> SubmitResult:
    """``contract.submit`` again after a lost race or a discovery gap (see the module docstring).

    ``on_retry(error, attempt)`` is told about each failure that is retried;
    ``attempt`` counts every submission so far.
    """
    attempts = Attempts(policy, clock)
    while True:
        try:
            return contract.submit(function, args, transient=transient,
                                   endorsing_organizations=endorsing_organizations)
        except Exception as err:
            pause = _pause_before_resubmit(attempts, err, endorsing_organizations)
            if pause is None:
                raise
            if on_retry is not None:
                on_retry(err, attempts.failures)
        sleep(pause)


async def submit_with_retry_async(
    contract: Any,
    function: str,
    args: Mapping[str, Any] | None = None,
    *,
    transient: Mapping[str, Any] | None = None,
    endorsing_organizations: Sequence[str] = (),
    policy: RetryPolicy = RetryPolicy(),
    on_retry: RetryCallback | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SubmitResult:
    """:func:`submit_with_retry` for an asyncio contract (``await contract.submit(...)``)."""
    sleep = sleep or _asyncio_sleep()
    attempts = Attempts(policy, clock)
    while True:
        try:
            return await contract.submit(function, args, transient=transient,
                                         endorsing_organizations=endorsing_organizations)
        except Exception as err:
            pause = _pause_before_resubmit(attempts, err, endorsing_organizations)
            if pause is None:
                raise
            if on_retry is not None:
                on_retry(err, attempts.failures)
        await sleep(pause)


# -- waiting for a condition -----------------------------------------------------------------------


class WaitTimeout(TimeoutError):
    """A condition still did not hold when the policy ran out."""


def _always(value: Any) -> bool:
    return True


def _gave_up(describe: Callable[[Any], str] | None, last: Any) -> WaitTimeout:
    return WaitTimeout(describe(last) if describe is not None else "the condition did not hold in time")


def wait_for(
    check: Callable[[], T],
    policy: RetryPolicy,
    *,
    until: Callable[[T], bool] = _always,
    retry_on: tuple[type[BaseException], ...] = (),
    describe: Callable[[T | None], str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[T, int]:
    """Call ``check()`` until ``until(result)`` holds; returns the result and how many times it was called again.

    A ``retry_on`` exception counts as an unmet check; when the policy runs
    out, the last such exception is raised, or :class:`WaitTimeout` with
    ``describe(last result)``.
    """
    attempts = Attempts(policy, clock)
    while True:
        last: Any = None
        try:
            last = check()
            if until(last):
                return last, attempts.failures
        except retry_on:
            pause = attempts.pause_after_failure()
            if pause is None:
                raise
        else:
            pause = attempts.pause_after_failure()
            if pause is None:
                raise _gave_up(describe, last)
        sleep(pause)


async def wait_for_async(
    check: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    until: Callable[[T], bool] = _always,
    retry_on: tuple[type[BaseException], ...] = (),
    describe: Callable[[T | None], str] | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[T, int]:
    """:func:`wait_for` with an awaitable ``check`` and ``sleep`` (default ``asyncio.sleep``)."""
    sleep = sleep or _asyncio_sleep()
    attempts = Attempts(policy, clock)
    while True:
        last: Any = None
        try:
            last = await check()
            if until(last):
                return last, attempts.failures
        except retry_on:
            pause = attempts.pause_after_failure()
            if pause is None:
                raise
        else:
            pause = attempts.pause_after_failure()
            if pause is None:
                raise _gave_up(describe, last)
        await sleep(pause)
