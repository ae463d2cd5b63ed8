"""Ecological compensation on the real network, through the CLI: Hebei (upstream) and Beijing (downstream).

Hebei's regulator proposes an agreement for the Chaohe section on the pair
channel ``bj-hb``; its key carries a key-level endorsement policy requiring
both regions' peers, so a signature endorsed by Beijing's peer alone is
invalidated at commit with ENDORSEMENT_POLICY_FAILURE (the peer's validator
names the agreement key's policy) and changes nothing; signed through the
gateway normally, it is in force. Both regions' monitors submit monthly means:
a clean month (P ≤ 1, Beijing pays Hebei) and a dirty one (P > 1, Hebei pays
Beijing) settle the right way round; one is confirmed paid and received, the
other (the agreement gives no days to pay) is overdue. A month whose two
measurements differ beyond the tolerance is disputed and cannot settle until
both regulators sign the same values. Tianjin cannot read the agreement on any
channel. Refusals print one clear line and leave the ledger unchanged. Finally
the per-region variant on the all-members channel: Beijing, Tianjin and Hebei
submit their COD discharge against the standard, the coordinator settles, and
rewards and penalties balance through its pool.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterator

import pytest

from client.gateway import CommitError, GatewayError
from client.retry import RetryPolicy, wait_for
from network.bootstrap import Network

from .conftest import Cli
from .permits_world import COORDINATOR, BjHbWorld

PAIR = "bj-hb"
HB_REG, BJ_REG, TJ_REG = "comp-hb-regulator", "comp-bj-regulator", "comp-tj-regulator"
HB_MON, BJ_MON = "comp-hb-monitor", "comp-bj-monitor"
LOW = "CODMn=3.1,NH3-N=0.42,TN=1.1,TP=0.05"      # P = 0.6442291667: Beijing pays Hebei
HIGH = "CODMn=8,NH3-N=1,TN=2.4,TP=0.2"           # P = 1.7: Hebei pays Beijing
AGREEMENT_YAML = """\
k0: 0.85
period: month
tolerance: 0.1
arbiter: none
due_days: 0            # payment is due at once, so an unconfirmed settlement shows as overdue
pollutants:
  CODMn: 4
  NH3-N: 0.5
  TN: 1.2
  TP: 0.1
amounts: {downstream_pays: 100_000_000, upstream_pays: 60_000_000}
"""


def months_ago(count: int) -> str:
    today = date.today()
    index = today.year * 12 + today.month - 1 - count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


CLEAN, DIRTY, DISPUTED = months_ago(3), months_ago(2), months_ago(1)
LAST_YEAR = str(date.today().year - 1)


class PairWorld(BjHbWorld):
    """The world of the compensation tests on the bj-hb pair channel."""

    def statement(self, agreement: str) -> Any:
        return self.query(HB_REG, "compensation", "statement", agreement, "--all")

    def refused_here(self, who: str, *args: str, agreement: str, expected: str) -> str:
        """A refusal on the pair channel: one error line, and the agreement's statement unchanged."""
        before = self.statement(agreement)
        output = self.fails(who, *args)
        error = output.splitlines()[-1] if output else ""
        assert error.startswith("error: ") and expected in error, (
            f"ecoledger --as {who} {' '.join(args)}:\n{output}\nexpected: {expected}")
        self.sync()
        assert self.statement(agreement) == before, f"ecoledger --as {who} {' '.join(args)} changed the ledger"
        return error


@pytest.fixture(scope="module")
def world(ecoledger: Cli, network: Network) -> Iterator[PairWorld]:
    world = PairWorld(ecoledger, network)
    world.regulator("HB", HB_REG)
    world.regulator("BJ", BJ_REG)
    world.regulator("TJ", TJ_REG)
    for org, name in (("HB", HB_MON), ("BJ", BJ_MON)):
        world.cli.ok("identity", "register", "--org", org, "--name", name, "--role", "monitor",
                     "--attr", f"station={org} Chaohe section")
    world.wait_for_pair_discovery()
    yield world
    world.close()


@pytest.fixture(scope="module")
def agreement(world: PairWorld, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("compensation") / "chaohe.yaml"
    path.write_text(AGREEMENT_YAML, encoding="utf-8")
    proposed = world.write(HB_REG, "compensation", "propose", "--channel", PAIR, "--upstream", "HB",
                           "--downstream", "BJ", "--section", "Chaohe at Gubeikou", "--file", str(path))
    assert proposed["status"] == "proposed" and proposed["channel"] == PAIR
    return proposed["id"]


def test_a_signature_endorsed_by_one_region_only_is_invalidated_by_the_key_level_policy(world: PairWorld,
                                                                                          agreement: str) -> None:
    shown = world.query(BJ_REG, "compensation", "show", agreement)
    assert shown["ledger_policy"] == "AND('BJMSP.peer', 'HBMSP.peer')"
    one_sided = world.session.contract(BJ_REG, PAIR)
    with pytest.raises(CommitError) as invalid:
        one_sided.submit("Compensation:Sign", {"agreement": agreement}, endorsing_organizations=["BJMSP"])
    assert invalid.value.validation_code_name == "ENDORSEMENT_POLICY_FAILURE"
    assert invalid.value.block_number is not None
    # The validator names the failed policy: the agreement key's own, not the chaincode's.
    peer = world.network.consortium.org("BJ").peers[0]
    log = world.network.processes.log_path(peer.name)
    mark = f"txId = {invalid.value.tx_id} returned error: validation of key"
    lines, _ = wait_for(lambda: [line for line in log.read_text(errors="replace").splitlines() if mark in line],
                        RetryPolicy.polling(0.2, 30.0), until=bool,
                        describe=lambda found: f"{log} has no line with {mark!r}")
    assert "comp~agreement" in lines[0] and agreement in lines[0]
    assert "validation of endorsement policy for chaincode" not in lines[0]
    world.sync()
    assert world.query(HB_REG, "compensation", "show", agreement)["status"] == "proposed"


def test_the_agreement_is_in_force_once_beijing_signs(world: PairWorld, agreement: str) -> None:
    world.refused_here(HB_REG, "compensation", "sign", agreement, agreement=agreement,
                       expected="comes into force when the BJ regulator signs it")
    signed = world.write(BJ_REG, "compensation", "sign", agreement)
    assert signed["status"] == "in_force"
    assert [a["id"] for a in world.query(HB_MON, "compensation", "list")] == [agreement]


def test_a_clean_month_and_a_dirty_month_settle_the_right_way_round(world: PairWorld, agreement: str) -> None:
    world.write(HB_MON, "compensation", "submit", agreement, "--period", CLEAN, "--values", LOW)
    agreed = world.write(BJ_MON, "compensation", "submit", agreement, "--period", CLEAN, "--values", LOW)
    assert agreed["status"] == "agreed"
    clean = world.write(BJ_REG, "compensation", "settle", agreement, "--period", CLEAN)
    assert (clean["payer"], clean["payee"], clean["amount_yuan"], clean["index"]["p"]) == (
        "BJ", "HB", 100_000_000, "0.6442291667")
    world.write(HB_MON, "compensation", "submit", agreement, "--period", DIRTY, "--values", HIGH)
    world.write(BJ_MON, "compensation", "submit", agreement, "--period", DIRTY, "--values", HIGH)
    dirty = world.write(HB_REG, "compensation", "settle", agreement, "--period", DIRTY)
    assert (dirty["payer"], dirty["payee"], dirty["amount_yuan"], dirty["index"]["p"]) == (
        "HB", "BJ", 60_000_000, "1.7")
    world.refused_here(HB_REG, "compensation", "confirm", clean["id"], "--paid", agreement=agreement,
                       expected="only the payer BJ confirms")
    assert world.write(BJ_REG, "compensation", "confirm", clean["id"], "--paid")["status"] == "paid"
    assert world.write(HB_REG, "compensation", "confirm", clean["id"], "--received")["status"] == "received"
    periods = {p["period"]: p for p in world.statement(agreement)["periods"]}
    assert periods[CLEAN]["settlement"]["status"] == "received"
    assert periods[CLEAN]["settlement"]["overdue"] is False
    assert periods[DIRTY]["settlement"]["status"] == "awaiting_payment"
    assert periods[DIRTY]["settlement"]["overdue"] is True
    table = world.cli.ok("--as", BJ_REG, "compensation", "statement", agreement).stdout
    assert "awaiting_payment (OVERDUE)" in table and "0.6442291667" in table


def test_a_disputed_month_cannot_settle_until_both_regulators_agree(world: PairWorld, agreement: str) -> None:
    world.write(HB_MON, "compensation", "submit", agreement, "--period", DISPUTED, "--values", LOW)
    disputed = world.write(BJ_MON, "compensation", "submit", agreement, "--period", DISPUTED,
                           "--values", "CODMn=3.1,NH3-N=0.42,TN=1.1,TP=0.08")
    assert disputed["status"] == "disputed"
    assert disputed["differences"] == [{"pollutant": "TP", "HB": "0.05", "BJ": "0.08", "gap": "0.03"}]
    world.refused_here(BJ_REG, "compensation", "settle", agreement, "--period", DISPUTED, agreement=agreement,
                       expected="is disputed and cannot settle until both regulators resolve it")
    agreed_values = "CODMn=3.1,NH3-N=0.42,TN=1.1,TP=0.065"
    assert world.write(HB_REG, "compensation", "resolve", agreement, "--period", DISPUTED,
                       "--values", agreed_values)["status"] == "disputed"
    resolved = world.write(BJ_REG, "compensation", "resolve", agreement, "--period", DISPUTED,
                           "--values", agreed_values)
    assert resolved["status"] == "resolved" and resolved["official"]["TP"] == "0.065"
    assert world.write(BJ_REG, "compensation", "settle", agreement, "--period", DISPUTED)["payer"] == "BJ"


def test_the_role_matrix_refuses_with_one_line_and_changes_nothing(world: PairWorld, agreement: str) -> None:
    world.refused_here(HB_REG, "compensation", "submit", agreement, "--period", CLEAN, "--values", LOW,
                       agreement=agreement, expected="role 'monitor' of a region is required")
    world.refused_here(HB_MON, "compensation", "submit", agreement, "--period", CLEAN, "--values", LOW,
                       agreement=agreement, expected=f"HB already submitted its means for period {CLEAN}")
    world.refused_here(BJ_MON, "compensation", "settle", agreement, "--period", CLEAN, agreement=agreement,
                       expected="role 'regulator' is required")
    world.refused_here(HB_REG, "compensation", "settle", agreement, "--period", CLEAN, agreement=agreement,
                       expected="is already settled")
    world.refused_here(HB_MON, "compensation", "submit", agreement, "--period", months_ago(-1), "--values", LOW,
                       agreement=agreement, expected="has not ended yet")


def test_tianjin_cannot_read_the_agreement_on_any_channel(world: PairWorld, agreement: str) -> None:
    error = world.fails(TJ_REG, "compensation", "statement", agreement).splitlines()[-1]
    assert error == (f"error: agreement {agreement} is on none of the channels of your organization "
                     f"(bj-tj, tj-hb); name one with --channel")
    for channel in ("bj-tj", "tj-hb", "ecoledger"):
        error = world.fails(TJ_REG, "compensation", "show", agreement, "--channel", channel).splitlines()[-1]
        assert f"compensation agreement {agreement} does not exist" in error
    error = world.fails(TJ_REG, "compensation", "show", agreement, "--channel", PAIR).splitlines()[-1]
    assert error.startswith("error: ") and "Chaohe" not in error
    with pytest.raises(GatewayError):
        world.session.contract(TJ_REG, PAIR).evaluate("Compensation:Show", {"agreement": agreement})
    assert world.query(TJ_REG, "compensation", "list") == []


def test_a_region_statement_adds_up_the_year(world: PairWorld, agreement: str) -> None:
    years = {period[:4] for period in (CLEAN, DIRTY, DISPUTED)}
    totals = {"paid": 0, "received": 0}
    for year in sorted(years):
        answer = world.query(BJ_REG, "compensation", "statement", "--region", "BJ", "--year", year)
        totals["paid"] += answer["paid_yuan"]
        totals["received"] += answer["received_yuan"]
    assert totals == {"paid": 200_000_000, "received": 60_000_000}


def test_the_per_region_variant_balances_through_the_coordinator_s_pool(world: PairWorld) -> None:
    for who, value in ((BJ_REG, "16"), (HB_REG, "30")):
        world.write(who, "compensation", "regional", "--period", LAST_YEAR, "--pollutant", "COD", "--value", value)
    before = world.query(TJ_REG, "compensation", "regional", "--period", LAST_YEAR, "--pollutant", "COD")
    assert [s["region"] for s in before["submissions"]] == ["BJ", "HB"] and before["result"] is None
    for who, expected in ((COORDINATOR, "TJ has not submitted its discharge"),
                          (BJ_REG, "is for the coordinator organization")):
        error = world.fails(who, "compensation", "regional", "--period", LAST_YEAR, "--pollutant", "COD",
                            "--settle").splitlines()[-1]
        assert error.startswith("error: ") and expected in error, error
        world.sync()
        assert world.query(TJ_REG, "compensation", "regional", "--period", LAST_YEAR, "--pollutant", "COD") == before
    world.write(TJ_REG, "compensation", "regional", "--period", LAST_YEAR, "--pollutant", "COD", "--value", "24")
    result = world.write(COORDINATOR, "compensation", "regional", "--period", LAST_YEAR, "--pollutant", "COD",
                         "--settle")
    rows = {r["region"]: (r["kind"], r["computed_yuan"], r["amount_yuan"]) for r in result["regions"]}
    # against COD 20 mg/L: BJ 20 % below (reward 2,000,000), TJ 20 % above (2,000,000), HB 50 % above
    # (5,000,000, the cap); the pool pays out the 2,000,000 of rewards and takes in as much, pro rata
    assert rows == {"BJ": ("reward", 2_000_000, 2_000_000), "TJ": ("penalty", 2_000_000, 571_429),
                    "HB": ("penalty", 5_000_000, 1_428_571)}
    assert result["pool"] == {"in_yuan": 2_000_000, "out_yuan": 2_000_000, "balance_yuan": 0}
    shown = world.query(TJ_REG, "compensation", "regional", "--period", LAST_YEAR, "--pollutant", "COD")
    assert shown["result"]["pool"]["balance_yuan"] == 0
