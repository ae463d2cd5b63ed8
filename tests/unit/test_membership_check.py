"""An admin's tool signs an admission only when the ledger holds an adopted membership proposal for it."""

from __future__ import annotations

from typing import Any

import pytest

from client.cli.org_commands import membership_check
from network.errors import NetworkError

DIGEST = "ab" * 32


class Ledger:
    def __init__(self, proposal: dict[str, Any]) -> None:
        self.proposal, self.asked = proposal, []

    def evaluate(self, function: str, args: dict[str, Any]) -> dict[str, Any]:
        self.asked.append((function, args))
        return self.proposal


def proposal(**changes: Any) -> dict[str, Any]:
    membership = {"action": "admit", "region": "SD", "msp_id": "SDMSP", "name": "Shandong",
                  "config_sha256": DIGEST, "config_sequence": 7}
    return {"id": "P-1", "kind": "membership", "status": "adopted", "membership": membership, **changes}


def test_an_adopted_proposal_holding_the_update_authorises_it():
    ledger = Ledger(proposal())
    membership_check(lambda: ledger, "P-1")(DIGEST, ["SDMSP"])
    assert ledger.asked == [("Proposal:Show", {"proposal_id": "P-1"})]


@pytest.mark.parametrize("changes, expected", [
    ({"status": "open"}, "proposal P-1 is a membership proposal, open; only an adopted membership proposal"),
    ({"status": "rejected"}, "rejected; only an adopted membership proposal authorises admitting"),
    ({"kind": "resolution", "membership": None}, "proposal P-1 is a resolution proposal, adopted"),
    ({"membership": {**proposal()["membership"], "config_sha256": "cd" * 32}},
     f"proposal P-1 holds channel update {'cd' * 32}, not this update ({DIGEST})"),
    ({"membership": {**proposal()["membership"], "msp_id": "HNMSP"}},
     "proposal P-1 decides to admit HNMSP; this update admits SDMSP"),
    ({"membership": {**proposal()["membership"], "action": "remove"}}, "decides to remove SDMSP"),
])
def test_anything_else_is_refused_with_the_reason(changes, expected):
    with pytest.raises(NetworkError) as refused:
        membership_check(lambda: Ledger(proposal(**changes)), "P-1")(DIGEST, ["SDMSP"])
    assert expected in str(refused.value)


def test_an_update_that_also_adds_the_regions_ordering_node_is_authorised_by_the_same_proposal():
    ledger = Ledger(proposal())
    membership_check(lambda: ledger, "P-1")(DIGEST, ["SDMSP", "SDOrdererMSP"])


@pytest.mark.parametrize("args, expected", [
    (["--consenter"], "say what the update changes: --batch-timeout DURATION or --admit DEFINITION.json"),
    (["--batch-timeout", "1s", "--consenter"], "--consenter goes with --admit DEFINITION.json"),
])
def test_a_consenter_is_proposed_only_with_the_organization_it_belongs_to(tmp_path, args, expected):
    from click.testing import CliRunner

    from client.cli.main import cli

    result = CliRunner().invoke(cli, ["channel", "propose", "ecoledger", *args, "-o", str(tmp_path / "u.json")],
                                env={"ECOLEDGER_IDENTITY": "", "ECOLEDGER_HOME": str(tmp_path)})
    assert result.exit_code != 0 and expected in result.output
    assert not (tmp_path / "u.json").exists()
