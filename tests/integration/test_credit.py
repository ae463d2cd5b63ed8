"""Green credit on the real network, through the CLI: from green to red by ledger facts, punished by the
market, repaired, and read the same everywhere.

Beijing Zinc Works has a licence (SO2 at most 35 mg/m³ at DA001) and a data
logger. Two days of hourly data, each with one hour at 52.125 mg/m³, are
ingested: each report raises a concentration exceedance (2 points) in its own
transaction, and the same transaction moves the level — blue after the first
day, yellow after the second. Beijing's regulator then records a hidden
discharge pipe, a one-vote veto: red. As red, the works may neither buy from
another enterprise's offer nor list an offer of its own; both refusals name
the level, since when, and the rule, and change nothing. Tianjin's and Hebei's
regulators read exactly the level Beijing's regulator reads, and ``credit
explain`` lists the very violations the monitoring domain recorded. A repair
of the veto before its period is refused; once the consortium shortens the
period, the works applies with the fingerprint of its rectification report,
Beijing's regulator approves, the level is back to yellow and the same
purchase settles. The role matrix of repairs is refused with clear messages
and an unchanged ledger. Still yellow, the works buys from a Hebei offer: the
trade waits for Beijing's, Hebei's and the coordinator's approval. Manifests
are outside this test (another domain).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

from client.monitoring.hj212 import data_frame
from network.bootstrap import Network

from .conftest import Cli
from .governance_steps import adopt
from .permits_world import COORDINATOR, World, credit_code

WORKS = credit_code("BJ", "CREDT", 1)
SELLER = credit_code("BJ", "CREDT", 2)
HB_SELLER = credit_code("HB", "CREDT", 3)
MN = "BJZINC00000000000000001"
VINTAGE = 2030
DAY = date.today() - timedelta(days=3)
SECOND_DAY = DAY + timedelta(days=1)
TODAY_CST = lambda: datetime.now(timezone(timedelta(hours=8))).date().isoformat()  # noqa: E731


def licence_yaml() -> str:
    return (f"number: {WORKS}001P\n"
            f"valid_from: {DAY.year - 1}-01-01\n"
            f"valid_to: {DAY.year + 5}-12-31\n"
            "outlets:\n"
            "  - id: DA001\n    medium: air\n    kind: main\n    limits:\n"
            "      - {pollutant: SO2, limit: 35 mg/m3, annual: 120t}\n")


def day_log(day: date) -> bytes:
    """A day of hourly SO2 means: 30.5 mg/m³, but 52.125 in hour 10 (a general exceedance of 35)."""
    start = datetime(day.year, day.month, day.day)
    return b"".join(data_frame("2061", MN, start + timedelta(hours=h),
                               {"a21026": {"Avg": "52.125" if h == 10 else "30.5", "Flag": "N"},
                                "a00000": {"Avg": "12.5", "Flag": "N"}}, qn=datetime.now(), answer=False)
                    for h in range(24))


@pytest.fixture(scope="module")
def world(ecoledger: Cli, network: Network, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = World(ecoledger, network)
    for org in ("BJ", "TJ", "HB"):
        world.regulator(org, f"cr-{org.lower()}-regulator")
    world.enterprise("BJ", "cr-works", WORKS)
    world.enterprise("BJ", "cr-seller", SELLER)
    world.without_role("BJ", "cr-nobody")
    for entity, name in [(WORKS, "Beijing Zinc Works"), (SELLER, "Beijing Zinc Trader")]:
        world.write("cr-bj-regulator", "enterprise", "register", "--entity", entity, "--name", name)
    path = tmp_path_factory.mktemp("credit") / "licence.yaml"
    path.write_text(licence_yaml(), encoding="utf-8")
    world.write("cr-bj-regulator", "licence", "set", "--entity", WORKS, "--file", str(path))
    world.write("cr-bj-regulator", "monitor", "register-device", "--outlet", f"{WORKS}/DA001", "--mn", MN)
    for entity in (WORKS, SELLER):
        world.write("cr-bj-regulator", "permit", "issue", "--to", entity, "--pollutant", "SO2",
                    "--vintage", str(VINTAGE), "--quantity", "50t")
    yield world
    world.close()


@pytest.fixture(scope="module")
def offer(world: World) -> dict[str, Any]:
    return world.write("cr-seller", "market", "offer", "--pollutant", "SO2", "--vintage", str(VINTAGE),
                       "--quantity", "20t", "--price", "1200/t")


def show(world: World, who: str = "cr-bj-regulator") -> dict[str, Any]:
    return world.query(who, "credit", "show", WORKS)


def ingest(world: World, tmp_path: Path, day: date) -> None:
    path = tmp_path / f"{day.isoformat()}.log"
    path.write_bytes(day_log(day))
    result = world.cli.ok("--as", "cr-works", "monitor", "ingest", str(path))
    assert "1 report(s) recorded, 1 violation(s) raised" in result.stdout
    world.sync()


def credit_snapshot(world: World) -> dict[str, Any]:
    return {"explain": world.query(COORDINATOR, "credit", "explain", WORKS),
            "repairs": world.query(COORDINATOR, "credit", "repair", "list", "--all"),
            "violations": world.query(COORDINATOR, "violation", "list", "--entity", WORKS, "--all")}


def refused(world: World, who: str, *args: str, expected: str) -> str:
    """A refusal with ``expected`` in its error line that changes neither the market nor the credit records."""
    before = credit_snapshot(world)
    error = world.refused(who, *args, expected=expected)
    assert credit_snapshot(world) == before
    return error


def test_a_new_enterprise_is_green(world: World) -> None:
    standing = show(world)
    assert (standing["level"], standing["points"], standing["veto"]) == ("green", 0, [])
    assert "green (诚信)" in world.cli.ok("--as", "cr-works", "credit", "show", WORKS).stdout


def test_exceedances_drive_it_to_blue_then_yellow(world: World, tmp_path: Path) -> None:
    ingest(world, tmp_path, DAY)
    assert (show(world)["level"], show(world)["points"]) == ("blue", 2)
    ingest(world, tmp_path, SECOND_DAY)
    standing = show(world)
    assert (standing["level"], standing["points"]) == ("yellow", 4)
    assert standing["since"]["date"] == TODAY_CST()


def test_a_one_vote_veto_finding_makes_it_red(world: World) -> None:
    veto = world.write("cr-bj-regulator", "violation", "record", "--entity", WORKS, "--kind",
                       "hidden_discharge_pipe", "--evidence", "inspection 2026-118: pipe behind the cooling tower")
    standing = show(world)
    assert (standing["level"], standing["points"], standing["veto"]) == ("red", 16, [veto["id"]])
    assert standing["since"]["tx_id"] == veto["tx_id"]
    red = world.query("cr-hb-regulator", "credit", "list", "--level", "red", "--region", "BJ", "--all")
    assert WORKS in [row["entity"] for row in red]  # other modules' enterprises may be red too
    assert {(row["level"], row["region"]) for row in red} == {("red", "BJ")}


def test_every_region_reads_the_same_level(world: World) -> None:
    readings = [show(world, who) for who in ("cr-bj-regulator", "cr-tj-regulator", "cr-hb-regulator", COORDINATOR,
                                             "cr-works", "cr-seller")]
    assert all(reading == readings[0] for reading in readings)
    assert "red (不良)" in world.cli.ok("--as", "cr-tj-regulator", "credit", "show", WORKS).stdout


def test_explain_matches_the_recorded_violations(world: World) -> None:
    explained = world.query("cr-tj-regulator", "credit", "explain", WORKS)
    recorded = world.query("cr-bj-regulator", "violation", "list", "--entity", WORKS, "--all")
    assert sorted(f["violation"] for f in explained["facts"]) == sorted(v["id"] for v in recorded)
    kinds = sorted((f["kind"], f["points"], f["state"]) for f in explained["facts"])
    assert kinds == [("concentration_exceedance", 2, "counting"), ("concentration_exceedance", 2, "counting"),
                     ("hidden_discharge_pipe", 12, "counting")]
    assert sum(f["points"] for f in explained["facts"]) == explained["points"] == 16
    assert all("evidence" not in f for f in explained["facts"])
    text = world.cli.ok("--as", "cr-tj-regulator", "credit", "explain", WORKS).stdout
    assert "hidden_discharge_pipe [veto]" in text and "counts until" in text


def test_as_red_it_may_neither_buy_nor_offer(world: World, offer: dict[str, Any]) -> None:
    since = show(world)["since"]["date"]
    refused(world, "cr-works", "market", "buy", offer["id"], "--quantity", "1t",
            expected=f"enterprise {WORKS} is red (不良) since {since}: it may not buy allowances (joint punishment "
                     f"of green-credit level red, parameter credit_market_barred)")
    refused(world, "cr-works", "market", "offer", "--pollutant", "SO2", "--vintage", str(VINTAGE),
            "--quantity", "1t", "--price", "1000/t",
            expected=f"enterprise {WORKS} is red (不良) since {since}: it may not list offers")
    assert offer["seller_credit"] == "green"


def test_repair_refusals_are_clear_and_change_nothing(world: World, tmp_path: Path) -> None:
    evidence = tmp_path / "rectification.pdf"
    evidence.write_bytes(b"%PDF-1.7 pipe removed and sealed, photos attached")
    explained = world.query(COORDINATOR, "credit", "explain", WORKS)
    [veto] = [f for f in explained["facts"] if f["veto"]]
    [first, *_] = [f for f in explained["facts"] if not f["veto"]]
    refused(world, "cr-works", "credit", "repair", "apply", "--evidence", str(evidence), "--facts", veto["violation"],
            expected=f"one-vote-veto violation {veto['violation']} was recorded on")
    refused(world, "cr-works", "credit", "repair", "apply", "--evidence", str(evidence), "--facts",
            first["violation"], expected="(parameter credit_repair_min_days = 90 days)")
    refused(world, "cr-bj-regulator", "credit", "repair", "apply", "--evidence", str(evidence), "--facts",
            veto["violation"], expected="role 'enterprise' is required for Credit:RepairApply")
    refused(world, "cr-seller", "credit", "repair", "apply", "--evidence", str(evidence), "--facts",
            veto["violation"], expected=f"enterprise {SELLER} applies to repair its own violations only")
    refused(world, "cr-nobody", "credit", "show", WORKS,
            expected="role 'regulator' or 'enterprise' (or an identity of the coordinator organization) is required")


def test_an_approved_repair_restores_the_level_and_the_trade_settles(world: World, offer: dict[str, Any],
                                                                     tmp_path: Path) -> None:
    explained = world.query(COORDINATOR, "credit", "explain", WORKS)
    [veto] = [f["violation"] for f in explained["facts"] if f["veto"]]
    evidence = tmp_path / "rectification.pdf"
    evidence.write_bytes(b"%PDF-1.7 pipe removed and sealed, photos attached")
    adopt(world, {"credit_veto_repair_days": 0}, title="repairs of veto facts at once (test)")
    try:
        repair = world.write("cr-works", "credit", "repair", "apply", "--evidence", str(evidence), "--facts", veto,
                             "--note", "pipe removed")
        assert (repair["status"], repair["facts"], repair["level_before"]) == ("pending", [veto], "red")
        assert repair["evidence"]["size"] == evidence.stat().st_size
        refused(world, "cr-tj-regulator", "credit", "repair", "approve", repair["id"], "--reason", "ok",
                expected="the regulator of region TJ decides repairs of region TJ only")
        refused(world, "cr-works", "credit", "repair", "approve", repair["id"], "--reason", "ok",
                expected="role 'regulator' is required for Credit:RepairApprove")
        assert show(world)["level"] == "red"
        approved = world.write("cr-bj-regulator", "credit", "repair", "approve", repair["id"], "--reason",
                               "site visit confirms the pipe is removed")
        assert (approved["status"], approved["level_after"]) == ("approved", "yellow")
        refused(world, "cr-bj-regulator", "credit", "repair", "refuse", repair["id"], "--reason", "late",
                expected=f"credit repair {repair['id']} was approved already")
    finally:
        adopt(world, {"credit_veto_repair_days": 365}, title="repairs of veto facts after a year again")
    standing = show(world, "cr-hb-regulator")
    assert (standing["level"], standing["points"], standing["veto"]) == ("yellow", 4, [])
    facts = {f["violation"]: f for f in world.query("cr-works", "credit", "explain", WORKS)["facts"]}
    assert (facts[veto]["state"], facts[veto]["points"], facts[veto]["repair"]) == ("repaired", 0, repair["id"])
    trade = world.write("cr-works", "market", "buy", offer["id"], "--quantity", "1t")
    assert (trade["status"], trade["buyer"]) == ("settled", WORKS)


def test_the_board_gives_everyone_the_same_numbers(world: World) -> None:
    boards = [world.query(who, "credit", "board") for who in ("cr-bj-regulator", "cr-tj-regulator", "cr-works")]
    for board in boards:
        board.pop("at")
    assert all(board == boards[0] for board in boards)
    beijing = {row["region"]: row for row in boards[0]["regions"]}["BJ"]
    assert beijing["enterprises"] >= 2 and beijing["levels"]["yellow"] >= 1 and beijing["violations"] >= 3
    assert world.query("cr-bj-regulator", "credit", "board", "--year", str(DAY.year))["year"] == DAY.year


def test_as_yellow_its_cross_region_trade_also_waits_for_the_coordinator(world: World) -> None:
    world.enterprise("HB", "cr-hb-seller", HB_SELLER)
    world.cli.ok("identity", "register", "--org", "CO", "--name", "cr-co-official", "--role", "coordinator")
    world.write("cr-hb-regulator", "enterprise", "register", "--entity", HB_SELLER, "--name", "Hebei Zinc Trader")
    world.write("cr-hb-regulator", "permit", "issue", "--to", HB_SELLER, "--pollutant", "SO2",
                "--vintage", str(VINTAGE), "--quantity", "50t")
    offer = world.write("cr-hb-seller", "market", "offer", "--pollutant", "SO2", "--vintage", str(VINTAGE),
                        "--quantity", "10t", "--price", "1100/t")
    assert show(world)["level"] == "yellow"
    trade = world.write("cr-works", "market", "buy", offer["id"], "--quantity", "1t")
    assert (trade["status"], trade["approvals_required"]) == ("pending", ["BJ", "HB", "CO"])
    assert f"enterprise {WORKS} is yellow (警示): its cross-region trades need the approval of the coordinator CO" \
        in trade["extra_approval"]
    world.write("cr-bj-regulator", "market", "approve", trade["id"])
    assert world.write("cr-hb-regulator", "market", "approve", trade["id"])["status"] == "pending"
    settled = world.write("cr-co-official", "market", "approve", trade["id"])
    assert (settled["status"], sorted(settled["approvals"])) == ("settled", ["BJ", "CO", "HB"])
