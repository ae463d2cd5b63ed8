"""The proposal, concern, consultation and project commands, run against the in-memory ledger.

The CLI's client session is replaced by one whose contract submits to a
:class:`~chaincode.runtime.memory.MemoryLedger` as the ``--as`` identity, so
each test runs the command, the real chaincode and the output together. A
refusal reaches the CLI as the chaincode's message and is printed as one
``error:`` line.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from chaincode.runtime.router import STATUS_OK
from client.cli.context import AppContext
from client.cli.errors import CommandError
from client.cli.governance_commands import update_digest
from client.cli.main import cli
from client.gateway import SubmitResult
from client.governance.inputs import GovernanceError, assignment, duration_seconds, milestone, proposal_spec
from common import canonical
from governance_world import ADMIN, DELEGATE_TJ, GovernanceWorld
from monitoring_world import STATION
from network import config
from test_network_configupdate import needs_tools
from test_permit_world import BJ_STEEL, ENTERPRISE, REGULATOR, PermitWorld

CONSORTIUM = config.load("jingjinji")
IDENTITIES = {"admin-bj": ADMIN["BJ"], "admin-tj": ADMIN["TJ"], "admin-hb": ADMIN["HB"], "admin-co": ADMIN["CO"],
              "tj-delegate": DELEGATE_TJ, "bj-regulator": REGULATOR["BJ"], "hb-regulator": REGULATOR["HB"],
              "tj-regulator": REGULATOR["TJ"], "bj-station": STATION["BJ"], "bj-steel": ENTERPRISE[BJ_STEEL]}


class LedgerContract:
    """``submit``/``evaluate`` of a gateway contract, answered by the in-memory ledger."""

    def __init__(self, ledger: Any, who: Any, calls: list[str]) -> None:
        self.ledger, self.who, self.calls = ledger, who, calls

    def _answer(self, response: Any) -> Any:
        if response.status != STATUS_OK:
            raise CommandError(response.message)
        return canonical.loads(response.payload)

    def submit(self, function: str, args: Any = None, *, transient: Any = None,
               endorsing_organizations: Any = ()) -> SubmitResult:
        self.calls.append(function)
        result = self._answer(self.ledger.submit(self.who, function, **(args or {})))
        return SubmitResult(result, "f" * 64, len(self.calls))

    def evaluate(self, function: str, args: Any = None, **_: Any) -> Any:
        return self._answer(self.ledger.evaluate(self.who, function, **(args or {})))


@pytest.fixture
def run(world: PermitWorld, monkeypatch: pytest.MonkeyPatch):
    calls: list[str] = []

    class Session:
        def entry(self, name: str) -> Any:
            identity = IDENTITIES[name]
            return SimpleNamespace(identity=SimpleNamespace(msp_id=identity.msp_id))

        def contract(self, name: str, channel: str | None = None) -> LedgerContract:
            return LedgerContract(world.ledger, IDENTITIES[name], calls)

        def close(self) -> None:
            pass

    session = Session()
    monkeypatch.setattr(AppContext, "session", property(lambda self: session))
    monkeypatch.setattr(AppContext, "network", property(lambda self: SimpleNamespace(consortium=CONSORTIUM)))

    def invoke(who: str, *args: str, ok: bool = True) -> Any:
        result = CliRunner().invoke(cli, ["--as", who, *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code != 0, result.output
        return result

    invoke.calls = calls  # type: ignore[attr-defined]
    invoke.world = GovernanceWorld(world)  # type: ignore[attr-defined]
    return invoke


def as_json(result: Any) -> Any:
    return json.loads(result.stdout)


def test_a_parameter_change_tabled_voted_closed_and_applied(run):
    tabled = as_json(run("admin-bj", "--json", "proposal", "table", "--kind", "parameter", "--title", "Bar yellow",
                         "--set", 'credit_market_barred=["red","yellow"]', "--deadline", "7d"))
    pid = tabled["id"]
    assert tabled["voting_seconds"] == 7 * 86400 and tabled["changes"] == {"credit_market_barred": ["red", "yellow"]}
    for who in ("admin-bj", "tj-delegate", "admin-hb"):
        voted = run(who, "proposal", "vote", pid, "yes")
        assert "vote" in voted.stdout
    again = run("admin-hb", "proposal", "vote", pid, "yes")
    assert "no (the same vote was already counted)" in again.stdout
    shown = run("admin-co", "proposal", "show", pid).stdout
    assert "3 yes, 0 no, 0 abstain, 1 not voted" in shown
    assert [line.split()[:2] for line in shown.splitlines() if line.startswith("COMSP")] == [["COMSP", "-"]]
    closed = run("admin-co", "proposal", "close", pid).stdout
    assert "adopted" in closed and "credit_market_barred" in closed
    values = as_json(run("admin-tj", "--json", "registry", "parameters"))
    assert values["credit_market_barred"] == ["red", "yellow"]
    listed = run("bj-steel", "proposal", "list", "--status", "adopted").stdout
    assert pid in listed and "3/0/0" in listed


def test_there_is_no_set_parameter_command(run):
    result = run("admin-co", "registry", "set-parameter", "credit_market_barred", '["red"]', ok=False)
    assert "No such command 'set-parameter'" in result.output
    assert run.calls == []


def test_a_refusal_is_one_error_line_and_bad_input_sends_nothing(run):
    refused = run("bj-regulator", "proposal", "table", "--kind", "resolution", "--title", "t", "--text", "x",
                  ok=False)
    assert refused.stderr.strip().startswith("error: Proposal:Table needs an admin of a member organization")
    for args, expected in [
        (("--kind", "parameter", "--title", "t", "--set", "credit_market_barred", "--deadline", "1d"),
         "error: --set takes NAME=VALUE"),
        (("--kind", "parameter", "--title", "t", "--set", "a=1", "--deadline", "soon"),
         "error: a voting period is a positive number with d, h, m or s"),
        (("--kind", "membership", "--title", "t"), "error: a membership proposal takes exactly one of --admit"),
        (("--kind", "parameter", "--set", "a=1"), "error: a proposal needs --title"),
    ]:
        result = run("admin-bj", "proposal", "table", *args, ok=False)
        assert result.stderr.strip().startswith(expected), result.output
    assert run.calls == ["Proposal:Table"]


def test_concerns_open_a_consultation_that_concludes_with_a_proposal(run, tmp_path):
    evidence = tmp_path / "photo.jpg"
    evidence.write_bytes(b"black water")
    run("tj-regulator", "concern", "raise", "--area", "haihe", "--text", "black water", "--evidence", str(evidence))
    run("bj-steel", "concern", "raise", "--area", "haihe", "--text", "smell downstream")
    third = run("bj-station", "concern", "raise", "--area", "haihe", "--text", "fish kill").stdout
    assert "consultation opened" in third and "notifies BJMSP, HBMSP, TJMSP" in third
    [consultation] = as_json(run("admin-co", "--json", "consultation", "list", "--status", "open"))
    shown = run("admin-hb", "consultation", "show", consultation["id"]).stdout
    assert "fish kill" in shown and "under_consultation" in shown
    concluded = run("tj-delegate", "consultation", "conclude", consultation["id"], "--resolution", "joint patrols",
                    "--table-proposal", "parameter", "--title", "Tighter tolerance",
                    "--set", "station_tolerance_permille=50").stdout
    assert "resolved concerns  3" in concluded
    concerns = as_json(run("admin-co", "--json", "concern", "list", "--area", "haihe"))
    assert {c["status"] for c in concerns} == {"resolved"}
    [proposal] = as_json(run("admin-co", "--json", "proposal", "list", "--status", "open"))
    assert proposal["consultation"] == consultation["id"]


def test_a_project_is_started_reported_and_verified(run):
    source = run.world.adopt(kind="resolution", text="restore the bank")["id"]
    started = as_json(run("admin-bj", "--json", "project", "start", "--from", source, "--title", "Bank",
                          "--responsible", "HB", "--budget", "2500000.50", "--milestone", "2026-06-30:dredge 2 km"))
    assert started["budget_fen"] == 250_000_050 and started["milestones"][0]["name"] == "dredge 2 km"
    run("hb-regulator", "project", "report", started["id"], "--milestone", "0", "--text", "done")
    refused = run("hb-regulator", "project", "verify", started["id"], "--milestone", "0", ok=False)
    assert "a regulator of another region verifies its progress" in refused.stderr
    verified = run("tj-regulator", "project", "verify", started["id"], "--milestone", "0").stdout
    assert "completed" in verified
    shown = run("admin-co", "project", "show", started["id"]).stdout
    assert "¥2,500,000.50" in shown and "verified" in shown
    bad = run("admin-bj", "project", "start", "--from", source, "--title", "x", "--responsible", "HB",
              "--budget", "1.001", "--milestone", "2026-06-30:x", ok=False)
    assert "at most two decimals" in bad.stderr


class TestInputs:
    @pytest.mark.parametrize("text, seconds", [("7d", 604800), ("36h", 129600), ("90m", 5400), ("45s", 45),
                                               ("3600", 3600), (" 2D ", 172800)])
    def test_durations(self, text, seconds):
        assert duration_seconds(text) == seconds

    @pytest.mark.parametrize("text", ["", "0d", "7w", "1.5d", "-1h"])
    def test_bad_durations(self, text):
        with pytest.raises(GovernanceError):
            duration_seconds(text)

    def test_assignments_take_json_or_a_bare_string(self):
        assert assignment("a=true") == ("a", True)
        assert assignment('b=["x"]') == ("b", ["x"])
        assert assignment("c=haihe") == ("c", "haihe")
        assert assignment("d=5") == ("d", 5)

    def test_milestones(self):
        assert milestone("2026-06-30:dredge: 2 km") == {"due": "2026-06-30", "name": "dredge: 2 km"}
        with pytest.raises(GovernanceError):
            milestone("June:dredge")

    def test_a_kind_takes_only_its_own_options(self):
        with pytest.raises(GovernanceError, match="--text belongs to resolution proposals"):
            proposal_spec(kind="parameter", title="t", deadline="1d", sets=["a=1"], text="x")
        with pytest.raises(GovernanceError, match="--set a is given twice"):
            proposal_spec(kind="parameter", title="t", deadline="1d", sets=["a=1", "a=2"])
        assert proposal_spec(kind="membership", title="t", deadline="14d", admit="SD")["membership"] == {
            "action": "admit", "region": "SD"}
        with pytest.raises(GovernanceError, match="--config-update FILE and --config-sequence N go together"):
            proposal_spec(kind="membership", title="t", deadline="14d", admit="SD", config_sequence=3)
        with pytest.raises(GovernanceError, match="belong to membership proposals"):
            proposal_spec(kind="resolution", title="t", deadline="1d", text="x", config_sequence=3)

    @needs_tools
    def test_a_membership_proposal_carries_the_digest_the_signers_check(self, tmp_path):
        from network import configupdate as cu
        from test_network_configupdate import channel_config

        update = cu.propose("ecoledger", channel_config(), cu.set_batch_timeout("3s"))
        path = tmp_path / "admit.update.json"
        update.save(path)
        spec = proposal_spec(kind="membership", title="t", deadline="14d", admit="SD", config_update=str(path),
                             config_sequence=4, update_digest=update_digest)
        assert spec["membership"]["config_sha256"] == update.digest
        assert spec["membership"]["config_sequence"] == 4

    def test_a_file_that_is_not_a_channel_update_is_refused(self, tmp_path):
        other = tmp_path / "update.pb"
        other.write_bytes(b"config update")
        with pytest.raises(CommandError, match=r"--config-update: .*update.pb is not a channel update "
                                               r"file \(made by 'ecoledger channel propose'\)"):
            proposal_spec(kind="membership", title="t", deadline="14d", admit="SD", config_update=str(other),
                          config_sequence=4, update_digest=update_digest)


def test_the_readme_shows_every_governance_command():
    from pathlib import Path

    from client.cli.governance_commands import GROUPS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [f"{group.name} {name}" for group in GROUPS for name in group.commands
               if f"{group.name} {name}" not in readme]
    assert not missing, f"README.md does not show: {', '.join(missing)}"
