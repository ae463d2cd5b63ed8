"""Completing an endorsement failure: the organizations the Gateway did not try are asked one by one."""

from __future__ import annotations

from client.gateway.errors import EndorseError, EndorsementPolicy, ErrorDetail, EvaluateError
from client.session import unreachable_organizations


class FakeContract:
    """Answers a single-organization evaluate, or fails like a gateway whose peers of that org are down."""

    def __init__(self, down: set[str], refusing: set[str] = frozenset()) -> None:
        self.down, self.refusing, self.asked = down, refusing, []

    def evaluate(self, function, args=None, *, endorsing_organizations=()):
        [msp_id] = endorsing_organizations
        self.asked.append((function, msp_id))
        if msp_id in self.down:
            raise EvaluateError(f"evaluate failed: UNAVAILABLE: failed to connect to all addresses for {msp_id}")
        if msp_id in self.refusing:
            raise EvaluateError("evaluate failed: chaincode response 400, refused")
        return {"msp_id": msp_id}


def test_each_organization_is_asked_alone_and_only_unreachable_ones_are_reported():
    contract = FakeContract(down={"TJMSP"}, refusing={"COMSP"})
    down = unreachable_organizations(contract, ["BJMSP", "TJMSP", "COMSP"])
    assert list(down) == ["TJMSP"]
    assert contract.asked == [("Registry:WhoAmI", "BJMSP"), ("Registry:WhoAmI", "TJMSP"),
                              ("Registry:WhoAmI", "COMSP")]


def test_the_explanation_names_every_organization_down_and_the_policy():
    error = EndorseError("endorse failed", details=[
        ErrorDetail("127.0.0.1:28050", "HBMSP", "failed to connect to all addresses; connection refused")])
    text = error.explain(EndorsementPolicy(4), None, {"TJMSP": ["connection refused"]})
    assert text.startswith("endorsement failed: organizations HBMSP, TJMSP could not endorse (")
    assert text.endswith("the chaincode's endorsement policy needs a majority of the channel's 4 organizations (3)")
    assert error.explain(EndorsementPolicy(4)).startswith("endorsement failed: organization HBMSP could not")


def test_a_gateway_that_names_nobody_still_gets_the_organizations_found_down():
    """A gateway that dropped the stopped peers from discovery only says no layout satisfies the policy."""
    error = EndorseError("endorse failed: no combination of peers can be derived which satisfy the endorsement "
                         "policy: required chaincodes are not installed on sufficient peers")
    assert error.explain(EndorsementPolicy(4)) == ("endorsement failed: no set of the peers the gateway knows "
                                                   "satisfies the endorsement policy; the chaincode's endorsement "
                                                   "policy needs a majority of the channel's 4 organizations (3)")
    text = error.explain(EndorsementPolicy(4), None, {"TJMSP": ["no peer"], "HBMSP": ["no peer"]})
    assert text == ("endorsement failed: organizations TJMSP, HBMSP could not endorse (no peer; no peer); "
                    "the chaincode's endorsement policy needs a majority of the channel's 4 organizations (3)")
