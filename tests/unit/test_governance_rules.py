"""The pure vote rules: majority, two thirds, quorum, abstentions, ties, early adoption, deadlines."""

from __future__ import annotations

import pytest

from chaincode.governance import rules
from chaincode.governance.parameters import VOTING_RULES, load_rules

FOUR = ["BJMSP", "COMSP", "HBMSP", "TJMSP"]


def count(rule: str, *choices: str, quorum_permille: int = 500) -> rules.Tally:
    return rules.tally(rule, FOUR, quorum_permille, dict(zip(FOUR, choices)))


class TestRequiredRule:
    def test_a_parameter_change_needs_a_simple_majority(self):
        assert rules.required_rule("parameter", ["credit_market_barred"], VOTING_RULES) == rules.MAJORITY

    def test_membership_and_changes_of_the_voting_rules_need_two_thirds(self):
        assert rules.required_rule("membership", [], VOTING_RULES) == rules.TWO_THIRDS
        assert rules.required_rule("parameter", ["pollutants", "quorum_permille"], VOTING_RULES) == rules.TWO_THIRDS
        assert rules.required_rule("standard", ["voting_min_seconds"], VOTING_RULES) == rules.TWO_THIRDS

    def test_a_resolution_needs_a_simple_majority(self):
        assert rules.required_rule("resolution", [], VOTING_RULES) == rules.MAJORITY


class TestQuorum:
    @pytest.mark.parametrize("electorate, permille, needed", [(4, 500, 2), (4, 501, 3), (3, 500, 2), (4, 1000, 4),
                                                             (4, 1, 1), (5, 667, 4), (1, 500, 1)])
    def test_quorum_is_the_share_of_the_electorate_rounded_up(self, electorate, permille, needed):
        assert rules.quorum_needed(electorate, permille) == needed

    def test_no_votes_do_not_count_toward_the_quorum(self):
        tally = count(rules.MAJORITY, "yes", "no", "no", "no", quorum_permille=500)
        assert not tally.quorum_reached and tally.outcome == rules.REJECTED
        assert tally.reason().startswith("no quorum: 1 yes or abstain of the 2 needed (4 members)")

    def test_abstentions_count_toward_the_quorum_but_toward_neither_side(self):
        tally = count(rules.MAJORITY, "yes", "abstain")
        assert tally.quorum_reached and (tally.yes, tally.no, tally.abstain, tally.not_voted) == (1, 0, 1, 2)
        assert tally.outcome == rules.ADOPTED

    def test_without_quorum_even_a_unanimous_yes_fails(self):
        assert count(rules.MAJORITY, "yes", quorum_permille=501).outcome == rules.REJECTED


class TestMajority:
    @pytest.mark.parametrize("choices, outcome", [
        (("yes", "yes", "no"), rules.ADOPTED),
        (("yes", "yes", "no", "no"), rules.REJECTED),  # a tie is not a majority
        (("yes", "no", "abstain", "abstain"), rules.REJECTED),
        (("yes", "abstain", "abstain", "abstain"), rules.ADOPTED),
        (("no", "no", "abstain", "abstain"), rules.REJECTED),
        ((), rules.REJECTED),
    ])
    def test_simple_majority_is_more_yes_than_no(self, choices, outcome):
        assert count(rules.MAJORITY, *choices).outcome == outcome

    @pytest.mark.parametrize("choices, outcome", [
        (("yes", "yes", "no"), rules.ADOPTED),  # exactly two thirds
        (("yes", "yes", "no", "no"), rules.REJECTED),
        (("yes", "yes", "yes", "no"), rules.ADOPTED),
        (("yes", "no", "abstain", "abstain"), rules.REJECTED),
        (("abstain", "abstain", "abstain", "abstain"), rules.REJECTED),
        (("yes", "abstain"), rules.ADOPTED),
    ])
    def test_two_thirds_is_at_least_twice_as_many_yes_as_no(self, choices, outcome):
        assert count(rules.TWO_THIRDS, *choices).outcome == outcome

    def test_votes_of_organizations_outside_the_electorate_are_not_counted(self):
        tally = rules.tally(rules.MAJORITY, FOUR, 500, {"BJMSP": "no", "SDMSP": "yes", "ZJMSP": "yes"})
        assert (tally.yes, tally.no) == (0, 1)


class TestEarlyAdoption:
    @pytest.mark.parametrize("rule, choices, decided", [
        (rules.MAJORITY, ("yes", "yes", "yes"), True),   # 3 > 0 + 1 who has not voted
        (rules.MAJORITY, ("yes", "yes"), False),         # the other two could tie it
        (rules.MAJORITY, ("yes", "yes", "abstain"), True),
        (rules.MAJORITY, ("yes", "yes", "no"), False),   # the last could make it 2-2
        (rules.TWO_THIRDS, ("yes", "yes", "yes"), True),  # 3 >= 2 x 1
        (rules.TWO_THIRDS, ("yes", "yes", "abstain"), True),  # 2 yes against at most 1 no
        (rules.TWO_THIRDS, ("yes", "abstain", "abstain"), False),
        (rules.TWO_THIRDS, ("yes", "yes", "yes", "no"), True),
    ])
    def test_decided_when_every_member_who_has_not_voted_voting_no_changes_nothing(self, rule, choices, decided):
        assert count(rule, *choices).decided is decided

    def test_a_proposal_that_lacks_the_quorum_is_never_decided_early(self):
        assert not count(rules.MAJORITY, "yes", "yes", "yes", quorum_permille=1000).decided


class TestDeadline:
    @pytest.mark.parametrize("seconds, problem", [
        (3600, None), (86400, None),
        (59, "the voting period must lie between 60 and 86400 seconds (parameters voting_min_seconds and "
             "voting_max_seconds), got 59"),
        (86401, "got 86401"), (True, "whole number of seconds"), ("7d", "whole number of seconds"),
        (3600.5, "whole number of seconds"),
    ])
    def test_the_voting_period_lies_within_the_parameters(self, seconds, problem):
        found = rules.deadline_problem(seconds, 60, 86400)
        assert (found is None) if problem is None else (problem in found)


def test_rules_read_the_ledger_value_or_the_default():
    assert load_rules(lambda name: None).quorum_permille == 500
    assert load_rules(lambda name: {"concern_threshold": 5}.get(name)).concern_threshold == 5
