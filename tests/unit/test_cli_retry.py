"""Which failed submits are sent again (lost races) and which are raised at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncio

import grpc
import pytest
from fabric_protos.peer import transaction_pb2

from client.gateway import CommitError, CommitStatusError, EndorseError, ErrorDetail, SubmitError, SubmitResult
from client.retry import (
    RetryPolicy, WaitTimeout, is_retryable, peers_disagreed, submit_with_retry, submit_with_retry_async, wait_for,
    wait_for_async,
)

COLLECT = "failed to collect enough transaction endorsements, see attached details for more info"
FIRST = "failed to endorse transaction, see attached details for more info"
REFUSAL = "chaincode response 400, offer O-1 has 0 kg available, 10 kg requested"
ORGS = ["BJMSP", "HBMSP", "COMSP"]


def detail(message: str, msp_id: str = "BJMSP") -> ErrorDetail:
    return ErrorDetail(address=f"peer0.{msp_id}:7051", msp_id=msp_id, message=message)


def endorse_error(message: str, *messages: str) -> EndorseError:
    return EndorseError(message, code=grpc.StatusCode.ABORTED, details=[detail(m) for m in messages])


def mvcc() -> CommitError:
    return CommitError("tx1", transaction_pb2.MVCC_READ_CONFLICT, 9)


@dataclass
class ScriptedContract:
    """Fails with each of ``failures`` in turn, then commits."""

    failures: list[Exception]
    calls: list[dict[str, Any]] = field(default_factory=list)

    def submit(self, function, args=None, *, transient=None, endorsing_organizations=()):
        self.calls.append({"function": function, "args": args, "transient": transient,
                           "endorsing_organizations": list(endorsing_organizations)})
        if self.failures:
            raise self.failures.pop(0)
        return SubmitResult(result={"ok": True}, tx_id=f"tx{len(self.calls)}", block_number=len(self.calls))


class TestWhatIsRetryable:
    def test_read_conflicts_are_retryable_other_invalid_transactions_are_not(self):
        assert is_retryable(mvcc())
        assert is_retryable(CommitError("tx", transaction_pb2.PHANTOM_READ_CONFLICT))
        assert not is_retryable(CommitError("tx", transaction_pb2.ENDORSEMENT_POLICY_FAILURE))

    def test_a_refusal_every_named_endorser_agrees_on_is_final(self):
        agreed = endorse_error(COLLECT, REFUSAL, REFUSAL, REFUSAL)
        assert not peers_disagreed(agreed, ORGS)
        assert not is_retryable(agreed, ORGS)

    def test_a_refusal_by_only_some_named_endorsers_means_they_saw_different_ledgers(self):
        assert peers_disagreed(endorse_error(COLLECT, "chaincode response 400, offer O-1 does not exist"), ORGS)
        assert peers_disagreed(endorse_error(COLLECT, REFUSAL, REFUSAL, "chaincode response 400, other"), ORGS)

    def test_different_results_from_the_endorsers_are_retryable(self):
        assert is_retryable(endorse_error(COLLECT, "ProposalResponsePayloads do not match"), ORGS)

    def test_with_gateway_chosen_endorsers_only_a_refusal_of_the_first_endorser_is_final(self):
        assert not is_retryable(endorse_error(FIRST, REFUSAL))
        assert is_retryable(endorse_error(COLLECT, REFUSAL))

    def test_a_named_organization_the_gateway_does_not_know_yet_is_retryable(self):
        unknown = EndorseError("failed to find any endorsing peers for org(s): COMSP",
                               code=grpc.StatusCode.UNAVAILABLE)
        assert is_retryable(unknown, ORGS)

    def test_peers_that_could_not_be_reached_are_no_race(self):
        down = endorse_error(COLLECT, "rpc error: code = Unavailable desc = connection error: desc = "
                                      "\"transport: Error while dialing: dial tcp 127.0.0.1:17030: connect: "
                                      "connection refused\"")
        assert not peers_disagreed(down) and not is_retryable(down)
        assert is_retryable(endorse_error(COLLECT))  # no details at all: as before, another peer saw another ledger

    def test_an_unknown_commit_outcome_or_a_submit_failure_is_never_retried(self):
        assert not is_retryable(CommitStatusError("deadline exceeded", code=grpc.StatusCode.DEADLINE_EXCEEDED))
        assert not is_retryable(SubmitError("orderers refused", code=grpc.StatusCode.UNAVAILABLE))
        assert not is_retryable(ValueError("not a gateway error"))


class TestSubmitWithRetry:
    def test_a_lost_race_is_submitted_again_with_the_same_call_after_a_growing_pause(self):
        contract = ScriptedContract([mvcc(), endorse_error(COLLECT, "ProposalResponsePayloads do not match")])
        pauses: list[float] = []
        seen: list[tuple[str, int]] = []
        outcome = submit_with_retry(contract, "Market:Buy", {"offer_id": "O-1", "quantity": 10},
                                    transient={"price": b"120"}, endorsing_organizations=ORGS,
                                    policy=RetryPolicy(first_delay=0.5, factor=3.0), sleep=pauses.append,
                                    on_retry=lambda err, attempt: seen.append((type(err).__name__, attempt)))
        assert outcome.tx_id == "tx3"
        assert pauses == [0.5, 1.5]
        assert seen == [("CommitError", 1), ("EndorseError", 2)]
        assert all(call == contract.calls[0] for call in contract.calls)
        assert contract.calls[0]["endorsing_organizations"] == ORGS

    def test_the_refusal_that_follows_a_lost_race_is_raised_with_the_chaincodes_message(self):
        contract = ScriptedContract([mvcc(), endorse_error(COLLECT, REFUSAL, REFUSAL, REFUSAL)])
        with pytest.raises(EndorseError) as refused:
            submit_with_retry(contract, "Market:Buy", {}, endorsing_organizations=ORGS, sleep=lambda s: None)
        assert refused.value.chaincode_message == "offer O-1 has 0 kg available, 10 kg requested"
        assert len(contract.calls) == 2

    def test_a_final_failure_is_raised_at_once(self):
        contract = ScriptedContract([CommitStatusError("lost track", code=grpc.StatusCode.UNAVAILABLE)])
        with pytest.raises(CommitStatusError):
            submit_with_retry(contract, "Market:Buy", {}, sleep=lambda s: pytest.fail("must not wait"))
        assert len(contract.calls) == 1

    def test_it_gives_up_after_the_last_attempt_and_raises_the_last_conflict(self):
        contract = ScriptedContract([mvcc() for _ in range(3)])
        with pytest.raises(CommitError) as conflict:
            submit_with_retry(contract, "Market:Buy", {}, policy=RetryPolicy(attempts=3), sleep=lambda s: None)
        assert conflict.value.is_mvcc_conflict
        assert len(contract.calls) == 3

    def test_a_policy_needs_at_least_one_attempt(self):
        with pytest.raises(ValueError, match="attempts must be at least 1"):
            RetryPolicy(attempts=0)
        with pytest.raises(ValueError, match="discovery_attempts must not be negative"):
            RetryPolicy(discovery_attempts=-1)

    def test_a_gap_in_discovery_is_waited_out_on_its_own_budget(self):
        unknown = [EndorseError("failed to find any endorsing peers for org(s): COMSP",
                                code=grpc.StatusCode.UNAVAILABLE) for _ in range(4)]
        contract = ScriptedContract([*unknown, mvcc()])
        pauses: list[float] = []
        outcome = submit_with_retry(contract, "Market:Buy", {}, endorsing_organizations=ORGS, sleep=pauses.append,
                                    policy=RetryPolicy(attempts=2, discovery_attempts=4, discovery_delay=1.5))
        assert outcome.tx_id == "tx6"
        assert pauses == [1.5, 1.5, 1.5, 1.5, 0.2]

    def test_a_gap_in_discovery_that_does_not_close_is_raised(self):
        unknown = [EndorseError("failed to find any endorsing peers for org(s): COMSP",
                                code=grpc.StatusCode.UNAVAILABLE) for _ in range(3)]
        contract = ScriptedContract(unknown)
        with pytest.raises(EndorseError) as raised:
            submit_with_retry(contract, "Market:Buy", {}, policy=RetryPolicy(discovery_attempts=2),
                              sleep=lambda s: None)
        assert raised.value.message.startswith("failed to find any endorsing peers")
        assert len(contract.calls) == 3


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


class TestPolicy:
    def test_pauses_grow_by_the_factor_up_to_the_cap(self):
        policy = RetryPolicy(first_delay=0.1, factor=2.0, max_delay=0.5)
        assert [policy.delay(n) for n in range(1, 6)] == [0.1, 0.2, 0.4, 0.5, 0.5]

    def test_a_policy_without_a_count_needs_a_timeout(self):
        with pytest.raises(ValueError, match="needs a timeout"):
            RetryPolicy(attempts=None)
        assert RetryPolicy.polling(0.5, 10.0) == RetryPolicy(attempts=None, first_delay=0.5, factor=1.0, timeout=10.0)

    def test_a_timeout_also_ends_lost_race_retries(self):
        clock = FakeClock()
        contract = ScriptedContract([mvcc() for _ in range(10)])
        with pytest.raises(CommitError):
            submit_with_retry(contract, "Market:Buy", {}, sleep=clock.sleep, clock=clock,
                              policy=RetryPolicy(attempts=10, first_delay=1.0, factor=1.0, timeout=3.5))
        assert clock.pauses == [1.0, 1.0, 1.0]  # a fourth pause would end after 3.5 s


class TestWaitFor:
    def test_it_checks_until_the_condition_holds_and_counts_the_extra_checks(self):
        heights = iter([3, 4, 6, 9])
        clock = FakeClock()
        value, again = wait_for(lambda: next(heights), RetryPolicy.polling(0.05, 10.0), until=lambda h: h > 5,
                                sleep=clock.sleep, clock=clock)
        assert (value, again, clock.pauses) == (6, 2, [0.05, 0.05])

    def test_retryable_errors_count_as_an_unmet_check_and_the_last_one_is_raised_at_the_end(self):
        clock = FakeClock()
        calls: list[int] = []

        def failing() -> None:
            calls.append(1)
            raise SubmitError("not yet", code=grpc.StatusCode.UNAVAILABLE)

        with pytest.raises(SubmitError, match="not yet"):
            wait_for(failing, RetryPolicy.polling(1.0, 2.5), retry_on=(SubmitError,), sleep=clock.sleep, clock=clock)
        assert len(calls) == 3 and clock.pauses == [1.0, 1.0]

    def test_other_errors_are_raised_at_once(self):
        with pytest.raises(ZeroDivisionError):
            wait_for(lambda: 1 / 0, RetryPolicy.polling(1.0, 10.0), retry_on=(SubmitError,),
                     sleep=lambda s: pytest.fail("must not wait"))

    def test_a_condition_that_never_holds_ends_with_the_description(self):
        clock = FakeClock()
        with pytest.raises(WaitTimeout, match="still at 3"):
            wait_for(lambda: 3, RetryPolicy.polling(1.0, 2.0), until=lambda h: h > 5,
                     describe=lambda h: f"still at {h}", sleep=clock.sleep, clock=clock)
        assert isinstance(WaitTimeout("x"), TimeoutError)

    def test_the_asyncio_form_behaves_the_same(self):
        clock = FakeClock()
        heights = iter([1, 2, 7])

        async def height() -> int:
            return next(heights)

        async def pause(seconds: float) -> None:
            clock.sleep(seconds)

        value, again = asyncio.run(wait_for_async(height, RetryPolicy.polling(0.1, 5.0), until=lambda h: h >= 7,
                                                  sleep=pause, clock=clock))
        assert (value, again, clock.pauses) == (7, 2, [0.1, 0.1])


class TestSubmitWithRetryAsync:
    def test_a_lost_race_is_submitted_again_and_told(self):
        class AsyncContract(ScriptedContract):
            async def submit(self, *args, **kwargs):
                return ScriptedContract.submit(self, *args, **kwargs)

        contract = AsyncContract([mvcc(), mvcc()])
        pauses: list[float] = []
        seen: list[int] = []

        async def pause(seconds: float) -> None:
            pauses.append(seconds)

        outcome = asyncio.run(submit_with_retry_async(contract, "Market:Buy", {"offer_id": "O-1"}, sleep=pause,
                                                      on_retry=lambda err, attempt: seen.append(attempt)))
        assert outcome.tx_id == "tx3" and pauses == [0.2, 0.4] and seen == [1, 2]

    def test_a_final_failure_is_raised_at_once(self):
        class AsyncContract(ScriptedContract):
            async def submit(self, *args, **kwargs):
                return ScriptedContract.submit(self, *args, **kwargs)

        contract = AsyncContract([endorse_error(COLLECT, REFUSAL, REFUSAL, REFUSAL)])

        async def pause(seconds: float) -> None:
            pytest.fail("must not wait")

        with pytest.raises(EndorseError):
            asyncio.run(submit_with_retry_async(contract, "Market:Buy", {}, endorsing_organizations=ORGS,
                                                sleep=pause))
