"""Proposals on the in-memory ledger: tabling, one organization one vote, closing, applying, re-validation."""

from __future__ import annotations

import pytest

from chaincode.governance import api
from chaincode.registry.store import MEMBERS as MEMBER_KEYS
from chaincode.runtime.context import TxContext
from chaincode.runtime.memory import make_identity
from common import canonical
from governance_world import ADMIN, DAY, DELEGATE_TJ, HOUR, OUTSIDER_ADMIN, SHA, gworld  # noqa: F401 (fixture)
from test_permit_world import BJ_STEEL, COORDINATOR, ENTERPRISE, REGULATOR

BARRED = {"credit_market_barred": ["red", "yellow"]}


class TestTable:
    def test_a_member_admin_tables_a_parameter_change_with_electorate_quorum_rule_and_deadline(self, gworld):
        clock = gworld.ledger.clock
        proposal = gworld.table(changes=BARRED, title="Bar yellow enterprises too", rationale="joint punishment",
                                voting_seconds=7 * DAY)
        assert {k: proposal[k] for k in ("kind", "title", "rationale", "changes", "base", "rule", "electorate",
                                         "quorum_permille", "quorum", "status", "voting_seconds")} == {
            "kind": "parameter", "title": "Bar yellow enterprises too", "rationale": "joint punishment",
            "changes": BARRED, "base": {"credit_market_barred": ["red"]}, "rule": "majority",
            "electorate": ["BJMSP", "COMSP", "HBMSP", "TJMSP"], "quorum_permille": 500, "quorum": 2,
            "status": "open", "voting_seconds": 7 * DAY}
        assert proposal["id"].startswith("P-") and proposal["deadline_ts"] == int(clock + 1) + 7 * DAY
        assert proposal["tabled"]["by"]["msp_id"] == "BJMSP"
        [(name, payload)] = gworld.ledger.events
        assert name == "ProposalTabled" and payload == {
            "proposal": proposal["id"], "kind": "parameter", "title": "Bar yellow enterprises too", "rule": "majority",
            "electorate": ["BJMSP", "COMSP", "HBMSP", "TJMSP"], "deadline": proposal["deadline"],
            "changes": ["credit_market_barred"], "consultation": None, "tx_id": payload["tx_id"]}

    def test_a_delegate_tables_for_its_organization(self, gworld):
        proposal = gworld.table(DELEGATE_TJ, kind="resolution", text="Share flood data within a day")
        assert proposal["tabled"]["by"] == {"msp_id": "TJMSP", "name": "tj-delegate", "role": "delegate"}
        assert proposal["rule"] == "majority"

    def test_changing_the_voting_rules_and_membership_need_two_thirds(self, gworld):
        assert gworld.table(changes={"quorum_permille": 750})["rule"] == "two_thirds"
        assert gworld.table(kind="membership", membership={"action": "admit", "region": "SD"})["rule"] == "two_thirds"

    def test_a_standard_carries_its_document_fingerprint(self, gworld):
        proposal = gworld.table(kind="standard", changes={"river_basin": {"BJ": "haihe", "TJ": "haihe"}},
                                document=SHA)
        assert proposal["document"] == SHA and proposal["kind"] == "standard"

    @pytest.mark.parametrize("who, expected", [
        (REGULATOR["BJ"], "Proposal:Table needs an admin of a member organization or an identity with role "
                          "'delegate'; bj-regulator@BJMSP has role 'regulator' and is not an admin"),
        (ENTERPRISE[BJ_STEEL], "has role 'enterprise' and is not an admin"),
        (COORDINATOR, "co-auditor@COMSP has role 'auditor'"),
        (OUTSIDER_ADMIN, "organization SHMSP is not a registered consortium member"),
        (make_identity("BJMSP", "bj-fake-delegate", role="delegates"), "has role 'delegates'"),
    ])
    def test_only_admins_and_delegates_of_members_table(self, gworld, who, expected):
        gworld.refused(who, "Proposal:Table", expected, kind="parameter", title="t", voting_seconds=DAY,
                       changes=BARRED)

    @pytest.mark.parametrize("spec, expected", [
        ({"changes": {"no_such_rule": 1}}, "this change could never be applied: unknown parameter 'no_such_rule'"),
        ({"changes": {"import_barred_regions": "HB"}},
         "parameter import_barred_regions expects a list of region codes: got a string ('HB')"),
        ({"changes": {"credit_market_barred": ["purple"]}}, "item 0 must be a level (green, blue, yellow or red)"),
        ({"changes": {"quorum_permille": 0}}, "parameter quorum_permille expects a whole number of per mille"),
        ({"changes": {"voting_min_seconds": 200 * DAY}},
         "the minimum 17280000 would exceed the maximum 7776000"),
        ({"changes": {"station_tolerance_permille": 100.5}}, "changes.station_tolerance_permille is a fraction"),
        ({"changes": {"pollutants": None}}, "changes.pollutants must not be null"),
        ({"changes": {}}, "changes must be a non-empty object"),
        ({"changes": None}, "changes must be a non-empty object"),
        ({"changes": BARRED, "voting_seconds": 60}, "the voting period must lie between 3600 and 7776000 seconds"),
        ({"changes": BARRED, "voting_seconds": 91 * DAY}, "got 7862400"),
        ({"changes": BARRED, "voting_seconds": "7d"}, "whole number of seconds"),
        ({"kind": "decree"}, "kind must be one of parameter, standard, membership, resolution, got 'decree'"),
        ({"title": " "}, "title must be a non-empty string"),
        ({"kind": "standard", "changes": BARRED}, "a standard proposal needs the document fingerprint"),
        ({"changes": BARRED, "document": "ABC"}, "document must be a SHA-256 fingerprint"),
        ({"kind": "resolution"}, "text must be a non-empty string"),
        ({"kind": "resolution", "text": "t", "changes": BARRED}, "a resolution proposal takes no changes"),
        ({"changes": BARRED, "text": "t"}, "a parameter proposal takes no text"),
        ({"kind": "membership", "membership": {"action": "admit", "region": "TJ"}},
         "region TJ is already a member (TJMSP)"),
        ({"kind": "membership", "membership": {"action": "remove", "region": "SD"}},
         "region SD is not a member region"),
        ({"kind": "membership", "membership": {"action": "remove", "region": "CO"}},
         "region CO is not a member region"),
        ({"kind": "membership", "membership": {"action": "admit", "region": "sd"}}, "membership.region must be"),
        ({"kind": "membership", "membership": {"action": "merge", "region": "SD"}},
         "membership.action must be one of admit, remove"),
        ({"kind": "membership", "membership": {"action": "admit", "region": "SD", "seats": 2}},
         "membership has unknown field(s) seats"),
    ])
    def test_a_proposal_that_could_never_be_applied_is_refused_at_once(self, gworld, spec, expected):
        args = {"kind": "parameter", "title": "t", "voting_seconds": DAY, **spec}
        gworld.refused(ADMIN["BJ"], "Proposal:Table", expected, **args)


class TestVote:
    def test_each_organization_votes_once_and_may_change_its_vote(self, gworld):
        proposal = gworld.table(changes=BARRED)
        first = gworld.vote("TJ", proposal, "no")
        assert first["changed"] is True and first["tally"]["no"] == 1
        changed = gworld.vote("TJ", proposal, "yes")
        assert changed["previous"] == "no" and changed["tally"] == {
            "rule": "majority", "electorate": 4, "quorum": 2, "yes": 1, "no": 0, "abstain": 0, "not_voted": 3,
            "quorum_reached": False}
        shown = gworld.show(proposal)
        assert {msp: vote["choice"] for msp, vote in shown["votes"].items()} == {"TJMSP": "yes"}
        assert shown["running"]["yes"] == 1

    def test_a_delegate_votes_for_its_organization(self, gworld):
        proposal = gworld.table(changes=BARRED)
        result = gworld.ok(DELEGATE_TJ, "Proposal:Vote", proposal_id=proposal["id"], choice="abstain")
        assert result["msp_id"] == "TJMSP"

    def test_the_same_vote_again_is_counted_once_and_writes_nothing(self, gworld):
        proposal = gworld.table(changes=BARRED)
        gworld.vote("HB", proposal, "yes")
        before = gworld.snapshot()
        again = gworld.ok(DELEGATE_TJ, "Proposal:Vote", proposal_id=proposal["id"], choice="yes")
        repeat = gworld.vote("HB", proposal, "yes")
        assert repeat["changed"] is False and repeat["tally"]["yes"] == 2
        assert again["changed"] is True  # Tianjin's first vote
        assert gworld.show(proposal)["running"]["yes"] == 2
        assert before.state != gworld.snapshot().state  # only Tianjin's vote was written

    def test_a_vote_at_or_after_the_deadline_is_refused(self, gworld):
        proposal = gworld.table(changes=BARRED, voting_seconds=HOUR)
        gworld.after_deadline(proposal)
        gworld.refused(ADMIN["TJ"], "Proposal:Vote", f"voting on proposal {proposal['id']} ended at "
                       f"{proposal['deadline']}; votes after the deadline are refused",
                       proposal_id=proposal["id"], choice="yes")

    def test_an_organization_admitted_after_tabling_is_not_in_the_electorate(self, gworld):
        proposal = gworld.table(changes=BARRED)
        gworld.ledger.state[MEMBER_KEYS.key("SDMSP")] = canonical.dumps(
            {"msp_id": "SDMSP", "code": "SD", "name": "Shandong", "kind": "region"})
        newcomer = make_identity("SDMSP", "admin-sd", ou="admin")
        gworld.refused(newcomer, "Proposal:Vote", "organization SDMSP was not a member when proposal "
                       f"{proposal['id']} was tabled; the electorate is BJMSP, COMSP, HBMSP, TJMSP",
                       proposal_id=proposal["id"], choice="yes")

    @pytest.mark.parametrize("who, choice, expected", [
        (REGULATOR["TJ"], "yes", "Proposal:Vote needs an admin of a member organization or an identity with role "
                                 "'delegate'"),
        (OUTSIDER_ADMIN, "yes", "organization SHMSP is not a registered consortium member"),
        (ADMIN["TJ"], "maybe", "choice must be one of yes, no, abstain, got 'maybe'"),
    ])
    def test_refusals(self, gworld, who, choice, expected):
        proposal = gworld.table(changes=BARRED)
        gworld.refused(who, "Proposal:Vote", expected, proposal_id=proposal["id"], choice=choice)

    def test_an_unknown_or_closed_proposal_takes_no_vote(self, gworld):
        gworld.refused(ADMIN["TJ"], "Proposal:Vote", "proposal P-0000000000000000 does not exist",
                       proposal_id="P-0000000000000000", choice="yes")
        gworld.refused(ADMIN["TJ"], "Proposal:Vote", "proposal_id must be an id like P-",
                       proposal_id="X-1", choice="yes")
        adopted = gworld.adopt(changes=BARRED)
        gworld.refused(ADMIN["CO"], "Proposal:Vote", f"proposal {adopted['id']} is closed (adopted)",
                       proposal_id=adopted["id"], choice="no")


class TestClose:
    def test_an_adopted_parameter_change_applies_in_the_closing_transaction(self, gworld):
        proposal = gworld.table(changes=BARRED)
        for code in ("BJ", "TJ", "HB"):
            gworld.vote(code, proposal, "yes")
        gworld.ledger.events.clear()
        closed = gworld.close(proposal, who=ENTERPRISE[BJ_STEEL])  # anyone in the consortium closes
        assert closed["status"] == "adopted" and closed["result"]["early"] is True
        assert closed["result"]["applied"] == ["credit_market_barred"]
        assert closed["tally"]["yes"] == 3 and closed["closed"]["by"]["name"] == "bj-steel"
        assert gworld.parameter("credit_market_barred") == ["red", "yellow"]
        assert gworld.ledger.events == [
            ("ParameterChanged", {"name": "credit_market_barred", "old": None, "new": ["red", "yellow"],
                                  "proposal": proposal["id"], "tx_id": gworld.ledger.events[0][1]["tx_id"]}),
            ("ProposalClosed", {"proposal": proposal["id"], "kind": "parameter", "status": "adopted",
                                "tally": closed["tally"], "early": True,
                                "tx_id": gworld.ledger.events[0][1]["tx_id"]})]

    def test_the_owning_domain_enforces_the_new_rule_at_once(self, gworld):
        gworld.ok(REGULATOR["BJ"], "Permit:Issue", entity=BJ_STEEL, pollutant="PM", vintage=2025, quantity=10)
        gworld.adopt(changes={"pollutants": ["SO2", "NOx", "COD", "NH3-N", "VOCs"]})
        gworld.refused(REGULATOR["BJ"], "Permit:Issue", "PM", entity=BJ_STEEL, pollutant="PM", vintage=2025,
                       quantity=10)

    def test_before_the_deadline_an_undecided_proposal_stays_open(self, gworld):
        proposal = gworld.table(changes=BARRED)
        gworld.vote("BJ", proposal, "yes")
        gworld.vote("TJ", proposal, "yes")
        gworld.refused(ADMIN["CO"], "Proposal:Close", f"voting on proposal {proposal['id']} is open until "
                       f"{proposal['deadline']}; it closes earlier only once adopted whatever the 2 organization(s) "
                       f"that have not voted do (2 yes, 0 no, 0 abstain; quorum 2)", proposal_id=proposal["id"])

    def test_a_tie_at_the_deadline_is_rejected_and_nothing_applies(self, gworld):
        proposal = gworld.table(changes=BARRED)
        for code, choice in (("BJ", "yes"), ("TJ", "yes"), ("HB", "no"), ("CO", "no")):
            gworld.vote(code, proposal, choice)
        gworld.after_deadline(proposal)
        closed = gworld.close(proposal)
        assert closed["status"] == "rejected" and closed["result"]["early"] is False
        assert closed["result"]["reason"] == "2 yes, 2 no, 0 abstain: more yes than no, not carried"
        assert gworld.parameter("credit_market_barred") == ["red"]

    def test_without_quorum_at_the_deadline_it_is_rejected(self, gworld):
        proposal = gworld.table(changes=BARRED)
        gworld.vote("BJ", proposal, "yes")
        gworld.after_deadline(proposal)
        closed = gworld.close(proposal)
        assert closed["status"] == "rejected"
        assert closed["result"]["reason"].startswith("no quorum: 1 yes or abstain of the 2 needed")

    def test_abstentions_make_the_quorum_and_a_single_yes_carries_at_the_deadline(self, gworld):
        proposal = gworld.table(changes=BARRED)
        gworld.vote("BJ", proposal, "yes")
        gworld.vote("CO", proposal, "abstain")
        gworld.after_deadline(proposal)
        assert gworld.close(proposal)["status"] == "adopted"

    def test_closing_twice_is_refused(self, gworld):
        adopted = gworld.adopt(changes=BARRED)
        gworld.refused(ADMIN["HB"], "Proposal:Close", f"proposal {adopted['id']} is already closed (adopted in "
                       f"transaction {adopted['closed']['tx_id']})", proposal_id=adopted["id"])

    def test_outsiders_cannot_close(self, gworld):
        proposal = gworld.table(changes=BARRED)
        gworld.refused(OUTSIDER_ADMIN, "Proposal:Close", "organization SHMSP is not a registered consortium member",
                       proposal_id=proposal["id"])

    def test_a_change_made_invalid_by_another_adopted_proposal_fails_cleanly(self, gworld):
        longer_minimum = gworld.table(changes={"voting_min_seconds": 5 * DAY})
        shorter_maximum = gworld.adopt(changes={"voting_max_seconds": 2 * DAY})
        assert shorter_maximum["status"] == "adopted" and gworld.parameter("voting_max_seconds") == 2 * DAY
        for code in ("BJ", "TJ", "HB"):
            gworld.vote(code, longer_minimum, "yes")
        closed = gworld.close(longer_minimum)
        assert closed["status"] == "failed"
        assert closed["result"]["reason"] == (
            "adopted, but the change can no longer be applied: voting_min_seconds, voting_max_seconds: the minimum "
            "432000 would exceed the maximum 172800 (a voting period's minimum is at most its maximum)")
        assert gworld.parameter("voting_min_seconds") == 3600
        assert gworld.query(ADMIN["BJ"], "Proposal:List", status="failed")[0]["id"] == longer_minimum["id"]

    def test_a_value_changed_meanwhile_but_still_valid_applies_and_is_reported(self, gworld):
        first = gworld.table(changes=BARRED)
        gworld.adopt(changes={"credit_market_barred": ["red", "blue"]})
        for code in ("BJ", "TJ", "HB"):
            gworld.vote(code, first, "yes")
        closed = gworld.close(first)
        assert closed["status"] == "adopted" and closed["result"]["changed_since_tabling"] == ["credit_market_barred"]
        assert gworld.parameter("credit_market_barred") == ["red", "yellow"]

    def test_a_membership_decision_is_recorded_and_exposed_to_other_domains(self, gworld):
        proposal = gworld.adopt(kind="membership", membership={"action": "admit", "region": "SD",
                                                               "name": "Shandong"})
        assert proposal["status"] == "adopted" and proposal["result"]["membership"] == "admit"
        decision = _api(gworld, lambda ctx: api.membership_decision(ctx, "SD"))
        assert {k: decision[k] for k in ("region", "decision", "msp_id", "name", "proposal")} == {
            "region": "SD", "decision": "admit", "msp_id": "SDMSP", "name": "Shandong", "proposal": proposal["id"]}
        assert _api(gworld, lambda ctx: api.admitted(ctx, "SD")) is True
        assert _api(gworld, lambda ctx: api.admitted(ctx, "ZJ")) is False
        assert _api(gworld, lambda ctx: api.adopted(ctx, proposal["id"])) is True
        assert "MembershipDecided" in gworld.event_names()
        members = {m["msp_id"]: m for m in gworld.query(ADMIN["BJ"], "Registry:Members")}
        assert members["SDMSP"] == {"msp_id": "SDMSP", "code": "SD", "name": "Shandong", "kind": "region"}
        gworld.refused(ADMIN["BJ"], "Proposal:Table", "region SD is already a member (SDMSP)",
                       kind="membership", title="again", voting_seconds=DAY,
                       membership={"action": "admit", "region": "SD"})
        removal = gworld.table(kind="membership", membership={"action": "remove", "region": "SD"})
        for code in ("BJ", "TJ", "HB", "CO"):  # SD is a member now: two thirds of five
            gworld.vote(code, removal, "yes")
        removed = gworld.close(removal)
        assert removed["status"] == "adopted" and removed["membership"]["msp_id"] == "SDMSP"
        assert _api(gworld, lambda ctx: api.admitted(ctx, "SD")) is False
        assert "SDMSP" not in {m["msp_id"] for m in gworld.query(ADMIN["BJ"], "Registry:Members")}

    def test_a_membership_decision_carries_the_channel_update_voted_for(self, gworld):
        proposal = gworld.adopt(kind="membership", membership={"action": "admit", "region": "SD",
                                                               "config_sha256": SHA, "config_sequence": 7})
        decision = _api(gworld, lambda ctx: api.membership_decision(ctx, "SD"))
        assert (decision["config_sha256"], decision["config_sequence"], decision["proposal"]) == (SHA, 7, proposal["id"])
        for membership, expected in [
            ({"config_sha256": SHA}, "membership.config_sha256 and membership.config_sequence go together"),
            ({"config_sha256": "x", "config_sequence": 1}, "membership.config_sha256 must be a SHA-256 fingerprint"),
            ({"config_sha256": SHA, "config_sequence": -1}, "membership.config_sequence must be a whole number"),
        ]:
            gworld.refused(ADMIN["BJ"], "Proposal:Table", expected, kind="membership", title="t", voting_seconds=DAY,
                           membership={"action": "admit", "region": "ZJ", **membership})

    def test_a_resolution_has_no_effect_on_the_rules(self, gworld):
        before = gworld.query(ADMIN["BJ"], "Registry:Parameters")
        closed = gworld.adopt(kind="resolution", text="Joint inspections every quarter", document=SHA)
        assert closed["status"] == "adopted" and "applied" not in closed["result"]
        assert gworld.query(ADMIN["BJ"], "Registry:Parameters") == before


class TestList:
    def test_lists_by_status_through_the_index_and_pages(self, gworld):
        opened = [gworld.table(changes=BARRED, title=f"p{i}") for i in range(3)]
        adopted = gworld.adopt(changes={"concern_threshold": 4})
        assert {p["id"] for p in gworld.query(COORDINATOR, "Proposal:List", status="open")} == {p["id"] for p in opened}
        assert [p["id"] for p in gworld.query(COORDINATOR, "Proposal:List", status="adopted")] == [adopted["id"]]
        page = gworld.page(ENTERPRISE[BJ_STEEL], "Proposal:List", limit=2)
        assert len(page["items"]) == 2 and page["more"] is True
        assert len(gworld.query(REGULATOR["HB"], "Proposal:List")) == 4
        gworld.query_refused(ADMIN["BJ"], "Proposal:List", "status must be one of open, adopted, rejected, failed",
                             status="won")
        gworld.query_refused(OUTSIDER_ADMIN, "Proposal:Show", "not a registered consortium member",
                             proposal_id=adopted["id"])


def _api(gworld, call):
    """Call a governance api function on the committed ledger, as another domain's transaction would."""
    from chaincode.runtime.memory import _MemoryStub

    stub = _MemoryStub(gworld.ledger, "api", "ecoledger", gworld.ledger.clock, "BJMSP", ADMIN["BJ"].cert_pem)
    return call(TxContext(stub))
