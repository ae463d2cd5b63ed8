"""The console's domain views on the real network: they show what the CLI shows for the same identity.

Through the CLI: Beijing Chemicals (a BJ generator) ships waste to a Hebei
facility with a Beijing transporter; both regulators approve, the transporter
picks up, and the facility signs receipt of less than was picked up (a
discrepancy, and a violation). Beijing's regulator records a second
violation by inspection; Beijing's administrator tables a proposal (in
Chinese) and Tianjin's votes on it; Hebei's regulator raises a concern; Hebei
and Beijing agree and settle a month of compensation on their pair channel.
Then Beijing's and Tianjin's regulators index their organizations' channels
and run consoles, which headless Chromium visits: every new view loads
without console errors, the manifests, credit, governance and compensation
views show what ``manifest``, ``credit``, ``proposal`` and ``compensation``
commands show for the same identity, and Tianjin's console shows neither the
Beijing–Hebei manifest nor the Beijing–Hebei agreement. Screenshots are saved
under ``test-artifacts/console-domains/``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Iterator

import pytest

from network.bootstrap import Network

from .conftest import TEST_BASE_PORT, Cli
from .permits_world import BjHbWorld, credit_code
from .test_index_console import Console, items, regulators_consoles
from .test_index_console import visit as visit_page

pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "console-domains"
BJ_CONSOLE_PORT, TJ_CONSOLE_PORT = TEST_BASE_PORT + 193, TEST_BASE_PORT + 194
PAIR = "bj-hb"
OIL = "HW08 900-249-08"
GENERATOR = credit_code("BJ", "CNDLM", 1)
TRUCK = credit_code("BJ", "CNDLM", 2)
FACILITY = credit_code("HB", "CNDLM", 3)
UNTIL = f"{date.today().year + 2}-12-31"
BJ_REG, TJ_REG, HB_REG = "cd-bj-regulator", "cd-tj-regulator", "cd-hb-regulator"
BJ_MON, HB_MON = "cd-bj-monitor", "cd-hb-monitor"
TITLE = "永定河生态补水 Yongding river water release"
LOW = "CODMn=3.1,NH3-N=0.42,TN=1.1,TP=0.05"
AGREEMENT_YAML = """\
k0: 0.85
period: month
tolerance: 0.1
arbiter: none
due_days: 30
pollutants:
  CODMn: 4
  NH3-N: 0.5
  TN: 1.2
  TP: 0.1
amounts: {downstream_pays: 100_000_000, upstream_pays: 60_000_000}
"""


def last_month() -> str:
    today = date.today()
    index = today.year * 12 + today.month - 2
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class DomainWorld(BjHbWorld):
    """The world of the console's domain views."""


@pytest.fixture(scope="module")
def world(ecoledger: Cli, network: Network, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DomainWorld]:
    world = DomainWorld(ecoledger, network)
    for org, name in (("BJ", BJ_REG), ("TJ", TJ_REG), ("HB", HB_REG)):
        world.regulator(org, name)
    world.enterprise("BJ", "cd-chemicals", GENERATOR)
    for org, name, role, attr in (("BJ", "cd-truck", "transporter", f"entity={TRUCK}"),
                                  ("HB", "cd-facility", "facility", f"entity={FACILITY}"),
                                  ("BJ", BJ_MON, "monitor", "station=BJ Yongding"),
                                  ("HB", HB_MON, "monitor", "station=HB Yongding")):
        ecoledger.ok("identity", "register", "--org", org, "--name", name, "--role", role, "--attr", attr)
    world.write(BJ_REG, "enterprise", "register", "--entity", GENERATOR, "--name", "北京化工 Beijing Chemicals")
    world.write(HB_REG, "facility", "licence", "--entity", FACILITY, "--codes", OIL, "--capacity", "500t",
                "--until", UNTIL)
    # a manifest from Beijing to Hebei, received short: a discrepancy and a violation
    number = world.write("cd-chemicals", "manifest", "create", "--code", OIL, "--quantity", "12t", "--form", "bulk",
                         "--facility", FACILITY, "--transporter", TRUCK)["id"]
    world.write(BJ_REG, "manifest", "approve", number)
    world.write(HB_REG, "manifest", "consent", number)
    world.write("cd-truck", "manifest", "pickup", number, "--quantity", "12t")
    world.write("cd-facility", "manifest", "receive", number, "--quantity", "10.56t")
    world.manifest = number  # type: ignore[attr-defined]
    # a violation found by inspection
    world.write(BJ_REG, "violation", "record", "--entity", GENERATOR, "--kind", "hidden_discharge_pipe",
                "--evidence", "检查记录 2026-07: pipe behind the boiler house")
    # governance: a proposal, a vote, a concern
    tabled = world.write("admin-bj", "proposal", "table", "--kind", "resolution", "--title", TITLE,
                         "--text", "release 50 million m3 in spring", "--deadline", "1d")
    world.write("admin-tj", "proposal", "vote", tabled["id"], "yes")
    # area HB, not a basin: the governance tests count the concerns of haihe on the same network
    world.write(HB_REG, "concern", "raise", "--area", "HB", "--text", "low flow at Guanting")
    world.proposal = tabled["id"]  # type: ignore[attr-defined]
    # compensation on the bj-hb pair channel
    world.wait_for_pair_discovery()
    path = tmp_path_factory.mktemp("compensation") / "yongding.yaml"
    path.write_text(AGREEMENT_YAML, encoding="utf-8")
    agreement = world.write(HB_REG, "compensation", "propose", "--channel", PAIR, "--upstream", "HB",
                            "--downstream", "BJ", "--section", "永定河 Guanting", "--file", str(path))["id"]
    world.write(BJ_REG, "compensation", "sign", agreement)
    world.write(HB_MON, "compensation", "submit", agreement, "--period", last_month(), "--values", LOW)
    world.write(BJ_MON, "compensation", "submit", agreement, "--period", last_month(), "--values", LOW)
    world.write(BJ_REG, "compensation", "settle", agreement, "--period", last_month())
    world.agreement = agreement  # type: ignore[attr-defined]
    yield world
    world.close()


@pytest.fixture(scope="module")
def consoles(world: DomainWorld, fabric_home: Path, ecoledger: Cli,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Console]]:
    folder = tmp_path_factory.mktemp("domain-index")
    yield from regulators_consoles(ecoledger, fabric_home, {
        "BJ": (BJ_REG, f"sqlite:///{folder / 'bj.sqlite'}", BJ_CONSOLE_PORT),
        "TJ": (TJ_REG, f"sqlite:///{folder / 'tj.sqlite'}", TJ_CONSOLE_PORT)})


def visit(browser: Any, url: str, shot: str) -> str:
    """The page's main text, after checking it loaded without console errors; a screenshot."""
    text, errors = visit_page(browser, url, shot, ARTIFACTS)
    assert errors == [], (url, errors)
    return text


def test_every_domain_view_loads_in_chromium_without_console_errors(consoles: dict[str, Console], browser: Any):
    for org, console in consoles.items():
        for slug, title in (("manifests", "Manifests"), ("compensation", "Compensation"), ("credit", "Credit"),
                            ("governance", "Governance"), ("regions", "Regions")):
            text = visit(browser, f"{console.url}/{slug}", f"{org.lower()}-{slug}")
            assert title in text and "控制台" in text


def test_manifests_view_shows_what_manifest_list_and_show_show(consoles: dict[str, Console], browser: Any,
                                                               world: DomainWorld):
    bj = consoles["BJ"]
    number = world.manifest  # type: ignore[attr-defined]
    listed = {m["id"]: m["status"] for m in items(world.query(BJ_REG, "manifest", "list", "--all"))}
    board = bj.json("/manifests")
    assert {m["manifest"]: m["status"] for m in board["manifests"]} == listed == {number: "received"}
    assert [a["manifest"] for a in board["attention"]] == [number]  # the discrepancy found on receipt
    alerts = world.query(BJ_REG, "manifest", "alerts")
    assert {kind: page["items"] for kind, page in board["alerts"].items()} == alerts and board["live_error"] is None
    shown = world.query(BJ_REG, "manifest", "show", number)
    custody = bj.json(f"/manifests?manifest={number}")["custody"]
    assert custody["transporters"] == [e["party"] for e in shown["custody"] if e["step"] in ("pickup", "handoff")]
    assert custody["receiver"] == shown["receiver"]["entity"] == FACILITY
    text = visit(browser, f"{bj.url}/manifests?manifest={number}", "bj-manifest-custody")
    assert f"Chain of custody of manifest {number}" in text and "discrepancy on receipt" in text


def test_credit_view_shows_what_credit_board_and_explain_show(consoles: dict[str, Console], browser: Any,
                                                              world: DomainWorld):
    from client.credit.service import board_rows, explain_rows

    bj = consoles["BJ"]
    explained = world.query(BJ_REG, "credit", "explain", GENERATOR)
    page = bj.json(f"/credit?entity={GENERATOR}")
    assert page["explain_rows"] == [list(r) for r in explain_rows(explained)] and page["explain_rows"]
    assert (page["explanation"]["level"], page["explanation"]["points"]) == (explained["level"], explained["points"])
    recorded = {v["id"] for v in items(world.query(BJ_REG, "violation", "list", "--entity", GENERATOR, "--all"))}
    assert {t["violation"] for t in page["timeline"] if t["what"] == "violation recorded"} == recorded
    assert page["board_rows"] == [list(r) for r in board_rows(world.query(BJ_REG, "credit", "board"))]
    text = visit(browser, f"{bj.url}/credit?entity={GENERATOR}", "bj-credit-explain")
    assert "北京化工 Beijing Chemicals" in text and "red (不良)" in text


def test_governance_view_shows_what_proposal_list_and_show_show(consoles: dict[str, Console], browser: Any,
                                                                world: DomainWorld):
    proposal = world.proposal  # type: ignore[attr-defined]
    for org, identity in (("BJ", BJ_REG), ("TJ", TJ_REG)):
        console = consoles[org]
        listed = {p["id"]: p["status"] for p in items(world.query(identity, "proposal", "list", "--all"))}
        assert {p["proposal"]: p["status"] for p in console.json("/governance")["proposals"]} == listed
        shown = world.query(identity, "proposal", "show", proposal)
        one = console.json(f"/governance?proposal={proposal}")["proposals"][0]
        assert one["votes"] == {msp: v["choice"] for msp, v in shown["votes"].items()} == {"TJMSP": "yes"}
        assert one["title"] == shown["title"] == TITLE
        concerns = {c["id"]: c["status"] for c in items(world.query(identity, "concern", "list", "--all"))}
        assert {c["concern"]: c["status"] for c in console.json("/governance")["concerns"]} == concerns
    text = visit(browser, f"{consoles['TJ'].url}/governance", "tj-governance")
    assert TITLE in text


def test_compensation_is_shown_to_its_pair_only(consoles: dict[str, Console], browser: Any, world: DomainWorld):
    agreement = world.agreement  # type: ignore[attr-defined]
    statement = world.query(BJ_REG, "compensation", "statement", agreement, "--all")
    bj = consoles["BJ"].json("/compensation")
    # the compensation tests' agreements are on the same pair channel: look at this module's
    [mine] = [a for a in bj["agreements"] if a["agreement"] == agreement]
    [period] = mine["periods"]
    [settlement] = [s for s in bj["settlements"] if s["agreement"] == agreement]
    assert mine["status"] == statement["agreement"]["status"] == "in_force"
    [row] = [r for r in statement["periods"] if r["period"] == period["period"]]
    assert (period["p"], period["status"]) == (row["index"]["p"], row["status"])
    assert (settlement["settlement"], settlement["status"]) == (row["settlement"]["id"], row["settlement"]["status"])
    assert (settlement["payer"], settlement["payee"]) == ("BJ", "HB")  # P ≤ 1: downstream pays
    text = visit(browser, f"{consoles['BJ'].url}/compensation?agreement={agreement}", "bj-compensation")
    assert "永定河 Guanting" in text
    tj = consoles["TJ"]
    assert tj.json("/compensation")["agreements"] == [] and tj.json("/compensation")["settlements"] == []
    for path in ("/compensation", "/regions", "/manifests"):
        status, body = tj.get(path)
        assert status == 200 and agreement not in body and world.manifest not in body  # type: ignore[attr-defined]
    assert tj.get(f"/compensation?agreement={agreement}")[0] == 404
    assert tj.json("/manifests")["manifests"] == []


def test_regions_view_shows_the_waste_transfer_and_the_payment(consoles: dict[str, Console]):
    flows = {(f["kind"], f["from"], f["to"]): f for f in consoles["BJ"].json("/regions")["flows"]}
    assert flows[("waste", "BJ", "HB")]["amount"] == "12000"
    assert flows[("payment", "BJ", "HB")]["count"] >= 1  # this module's; other modules settle on bj-hb too
