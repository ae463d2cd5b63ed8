"""Negotiated cooperation on the real network, through the CLI.

Beijing tables a rule change (Tianjin may no longer import allowances), the four organizations vote
(Hebei twice: counted once), the coordinator closes it early once it can no longer fail, and the
market refuses Tianjin's next purchase at once. Nobody — the coordinator's admin included — can set a
parameter any other way. With a shorter minimum voting period (itself a two-thirds change of the
voting rules), a proposal is rejected and a vote after its deadline refused. Three concerns about the
Hai river basin open a consultation by themselves; it concludes with a resolution that tables a
proposal, and a restoration project it started is reported by Hebei and verified by Tianjin. Each
refusal is one clear error line, and the ledger is unchanged.
"""

from __future__ import annotations

import json
import time
from typing import Any, Iterator

import pytest

from client.gateway import GatewayError
from network.bootstrap import Network

from .conftest import Cli
from .governance_steps import adopt
from .permits_world import COORDINATOR, World, credit_code

SELLER = credit_code("BJ", "GWRNC", 1)
BUYER = credit_code("TJ", "GWRNC", 2)
VINTAGE = 2027


class GovernanceWorld(World):
    def snapshot(self) -> dict[str, Any]:
        """What a refusal must leave alone: parameters, every governance list, and the permit world's lists."""
        return {
            **super().snapshot(),
            "parameters": self.query(COORDINATOR, "registry", "parameters"),
            "proposals": self.query(COORDINATOR, "proposal", "list", "--all"),
            "concerns": self.query(COORDINATOR, "concern", "list", "--all"),
            "consultations": self.query(COORDINATOR, "consultation", "list", "--all"),
            "projects": self.query(COORDINATOR, "project", "list", "--all"),
        }


@pytest.fixture(scope="module")
def world(ecoledger: Cli, network: Network) -> Iterator[GovernanceWorld]:
    world = GovernanceWorld(ecoledger, network)
    for org in ("BJ", "TJ", "HB"):
        world.regulator(org, f"gov-{org.lower()}-regulator")
    world.enterprise("BJ", "gov-seller", SELLER)
    world.enterprise("TJ", "gov-buyer", BUYER)
    ecoledger.ok("identity", "register", "--org", "TJ", "--name", "gov-tj-delegate", "--role", "delegate")
    ecoledger.ok("identity", "register", "--org", "HB", "--name", "gov-hb-station", "--role", "monitor",
                 "--attr", "station=Hebei supervisory station 3")
    world.write("gov-bj-regulator", "enterprise", "register", "--entity", SELLER, "--name", "Beijing Paper Mill")
    world.write("gov-tj-regulator", "enterprise", "register", "--entity", BUYER, "--name", "Tianjin Glassworks")
    yield world
    world.close()


def test_nobody_sets_a_parameter_directly(world: GovernanceWorld, network: Network) -> None:
    before = world.snapshot()
    usage = world.cli.run("--as", "admin-co", "registry", "set-parameter", "import_barred_regions", '["TJ"]')
    assert usage.exit_code != 0 and "No such command 'set-parameter'" in usage.output
    for who in ("admin-co", "admin-bj"):
        with pytest.raises(GatewayError) as refused:
            world.session.contract(who).submit("Registry:SetParameter",
                                               {"name": "import_barred_regions", "value": ["TJ"]})
        assert "unknown function 'Registry:SetParameter'" in str(refused.value)
    world.sync()
    assert world.snapshot() == before


def test_a_rule_change_voted_by_the_four_organizations_is_enforced_at_once(world: GovernanceWorld) -> None:
    world.write("gov-bj-regulator", "permit", "issue", "--to", SELLER, "--pollutant", "SO2", "--vintage",
                str(VINTAGE), "--quantity", "10t")
    offer = world.write("gov-seller", "market", "offer", "--pollutant", "SO2", "--vintage", str(VINTAGE),
                        "--quantity", "4t", "--price", "900/t")
    world.write("gov-buyer", "market", "buy", offer["id"], "--quantity", "1t")  # allowed before the change

    tabled = world.write("admin-bj", "proposal", "table", "--kind", "parameter", "--title",
                         "Tianjin missed its PM2.5 target", "--rationale", "no imports until it is met",
                         "--set", 'import_barred_regions=["TJ"]', "--deadline", "7d")
    pid = tabled["id"]
    assert tabled["rule"] == "majority" and tabled["electorate"] == ["BJMSP", "COMSP", "HBMSP", "TJMSP"]
    for who, choice in (("admin-bj", "yes"), ("gov-tj-delegate", "no"), ("admin-hb", "yes")):
        assert world.write(who, "proposal", "vote", pid, choice)["changed"] is True
    again = world.write("admin-hb", "proposal", "vote", pid, "yes")
    assert again["changed"] is False and again["tally"]["yes"] == 2
    world.write("admin-co", "proposal", "vote", pid, "yes")
    shown = world.query("gov-buyer", "proposal", "show", pid)
    assert {msp: vote["choice"] for msp, vote in shown["votes"].items()} == {
        "BJMSP": "yes", "COMSP": "yes", "HBMSP": "yes", "TJMSP": "no"}
    assert (shown["running"]["yes"], shown["running"]["no"]) == (3, 1)

    closed = world.write("gov-tj-regulator", "proposal", "close", pid)
    assert closed["status"] == "adopted" and closed["result"]["early"] is True
    assert closed["result"]["applied"] == ["import_barred_regions"]
    assert world.query("admin-hb", "registry", "parameters")["import_barred_regions"] == ["TJ"]
    events = [json.loads(line) for line in world.cli.ok(
        "--as", COORDINATOR, "--json", "events", "watch", "--from-block", str(closed["block"]), "--limit", "2"
    ).stdout.splitlines()]
    assert [e["event"] for e in events] == ["ParameterChanged", "ProposalClosed"]
    assert events[0]["tx_id"] == closed["tx_id"] and events[0]["payload"]["proposal"] == pid
    try:
        world.refused("gov-buyer", "market", "buy", offer["id"], "--quantity", "1t",
                      expected="region TJ is barred from importing allowances (parameter import_barred_regions)")
        world.refused("admin-co", "proposal", "close", pid, expected=f"proposal {pid} is already closed (adopted")
    finally:
        adopt(world, {"import_barred_regions": []}, "Tianjin met its target")


def test_a_rejected_proposal_and_a_vote_after_the_deadline(world: GovernanceWorld) -> None:
    shorter = adopt(world, {"voting_min_seconds": 10}, "Short votes for drills")
    assert shorter["rule"] == "two_thirds"
    try:
        tabled = world.write("admin-hb", "proposal", "table", "--kind", "resolution", "--title", "Close all kilns",
                             "--text", "every lime kiln in the basin closes this winter", "--deadline", "90s")
        pid = tabled["id"]
        for who, choice in (("admin-bj", "yes"), ("gov-tj-delegate", "no"), ("admin-hb", "no"),
                            ("admin-co", "abstain")):
            world.write(who, "proposal", "vote", pid, choice)
        world.refused("admin-co", "proposal", "close", pid, expected=f"voting on proposal {pid} is open until")
        time.sleep(max(0.0, tabled["deadline_ts"] - time.time()) + 2.0)
        world.refused("admin-co", "proposal", "vote", pid, "yes",
                      expected=f"voting on proposal {pid} ended at {tabled['deadline']}; votes after the deadline "
                               f"are refused")
        closed = world.write("admin-bj", "proposal", "close", pid)
        assert closed["status"] == "rejected" and closed["result"]["early"] is False
        assert closed["result"]["reason"] == "1 yes, 2 no, 1 abstain: more yes than no, not carried"
        assert closed["tally"]["abstain"] == 1  # the late vote was not counted
        assert pid in [p["id"] for p in world.query("admin-tj", "proposal", "list", "--status", "rejected")]
    finally:
        adopt(world, {"voting_min_seconds": 3600}, "Votes last an hour at least")


def test_a_consultation_opens_itself_on_the_third_concern_and_ends_with_a_resolution(world: GovernanceWorld) -> None:
    world.write("gov-tj-regulator", "concern", "raise", "--area", "haihe", "--text", "black water at Sanchakou")
    world.write("gov-seller", "concern", "raise", "--area", "haihe", "--text", "our intake smells of sulphide")
    third = world.write("gov-hb-station", "concern", "raise", "--area", "haihe", "--text", "fish kill downstream")
    consultation = third["consultation"]
    assert consultation["notify"] == ["BJMSP", "HBMSP", "TJMSP"] and len(consultation["agenda"]) == 3
    events = [json.loads(line) for line in world.cli.ok(
        "--as", COORDINATOR, "--json", "events", "watch", "--from-block", str(third["block"]), "--limit", "2"
    ).stdout.splitlines()]
    assert [e["event"] for e in events] == ["ConcernRaised", "ConsultationOpened"]
    assert events[1]["payload"]["notify"] == ["BJMSP", "HBMSP", "TJMSP"]
    cid = consultation["id"]

    world.refused("gov-bj-regulator", "consultation", "conclude", cid, "--resolution", "r",
                  expected="Consultation:Conclude needs an admin of a member organization or an identity with role "
                           "'delegate'; gov-bj-regulator@BJMSP has role 'regulator'")
    concluded = world.write("admin-hb", "consultation", "conclude", cid, "--resolution",
                            "joint monitoring at the border section", "--table-proposal", "resolution",
                            "--title", "Joint monitoring", "--text", "stations of both sides measure together")
    assert concluded["consultation"]["status"] == "concluded"
    assert sorted(concluded["consultation"]["conclusion"]["resolved"]) == sorted(consultation["agenda"])
    assert concluded["proposal"]["consultation"] == cid
    assert {c["status"] for c in world.query("admin-bj", "concern", "list", "--area", "haihe")} == {"resolved"}

    project = world.write("gov-tj-delegate", "project", "start", "--from", cid, "--title", "Sanchakou wetland",
                          "--responsible", "HB", "--budget", "1200000", "--milestone", "2027-06-30:buffer planted")
    world.write("gov-hb-regulator", "project", "report", project["id"], "--milestone", "0", "--text", "planted")
    world.refused("gov-hb-regulator", "project", "verify", project["id"], "--milestone", "0",
                  expected=f"project {project['id']} is carried out in region HB; a regulator of another region "
                           f"verifies its progress")
    verified = world.write("gov-tj-regulator", "project", "verify", project["id"], "--milestone", "0")
    assert verified["status"] == "completed"


@pytest.mark.parametrize("who, args, expected", [
    ("gov-seller", ["proposal", "table", "--kind", "resolution", "--title", "t", "--text", "x"],
     "Proposal:Table needs an admin of a member organization or an identity with role 'delegate'; "
     "gov-seller@BJMSP has role 'enterprise'"),
    ("admin-co", ["concern", "raise", "--area", "haihe", "--text", "t"],
     "role 'regulator', 'enterprise' or 'monitor' is required for Concern:Raise; admin-co@COMSP has role 'admin'"),
    ("gov-bj-regulator", ["concern", "raise", "--area", "yangtze", "--text", "t"],
     "area 'yangtze' is neither a member region nor a basin"),
    ("admin-tj", ["proposal", "table", "--kind", "membership", "--admit", "HB", "--title", "t"],
     "region HB is already a member (HBMSP)"),
    ("admin-co", ["proposal", "table", "--kind", "parameter", "--title", "t",
                  "--set", "voting_min_seconds=99999999"],
     "this change could never be applied: parameter voting_min_seconds expects a whole number of seconds"),
])
def test_role_matrix_refusals(world: GovernanceWorld, who: str, args: list[str], expected: str) -> None:
    world.refused(who, *args, expected=expected)


def test_a_regulator_cannot_vote_for_its_organization(world: GovernanceWorld) -> None:
    tabled = world.write("admin-tj", "proposal", "table", "--kind", "resolution", "--title", "Data within a day",
                         "--text", "flood data reaches every region within a day")
    world.refused("gov-bj-regulator", "proposal", "vote", tabled["id"], "yes",
                  expected="Proposal:Vote needs an admin of a member organization or an identity with role "
                           "'delegate'; gov-bj-regulator@BJMSP has role 'regulator'")
