"""The ``credit`` commands and the client helpers, wired to a fake gateway."""

from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace
from typing import Any

import pytest

from client.cli.context import AppContext
from client.credit import service
from client.credit.service import CreditError
from client.gateway.testing import FakeGatewayService
from test_monitor_cli import CONSORTIUM, STAMP, STEEL, FakeSession, one_error_line, run, sent

V1, V2 = "V-00000000000000A1", "V-00000000000000A2"
STANDING = {"entity": STEEL, "name": "Beijing Steel Works", "region": "BJ", "level": "red", "level_name": "不良",
            "points": 16, "veto": [V2], "since": {"tx_id": "a" * 64, "at": "2026-05-01T16:00:00.000Z",
                                                   "date": "2026-05-02"},
            "valid_until": "2027-05-01T16:00:00.000Z", "thresholds": {"blue_max": 3, "red_from": 12},
            "window_days": 365}
FACT = {"violation": V1, "kind": "inspection_finding", "severity": "serious", "source": "inspection",
        "year": 2026, "recorded": "2026-04-01T00:00:00.000Z", "status": "open", "veto": False, "table_points": 4,
        "points": 4, "state": "counting", "counts_until": "2027-04-01T00:00:00.000Z", "repair": None,
        "repairable_from": "2026-06-30T00:00:00.000Z"}
VETO_FACT = {**FACT, "violation": V2, "kind": "hidden_discharge_pipe", "severity": "severe", "veto": True,
             "table_points": 12, "points": 0, "state": "repaired", "repair": "CR-0000000000000001"}
REPAIR = {"id": "CR-0000000000000001", "entity": STEEL, "region": "BJ", "facts": [V1], "status": "pending",
          "evidence": {"sha256": "c" * 64, "size": 9, "name": "fix.pdf"}, "note": None, "applied": STAMP,
          "decision": None, "level_before": "red", "level_after": None}
BOARD = {"year": 2026, "at": "2026-05-03T00:00:00.000Z", "regions": [
    {"region": "BJ", "enterprises": 2, "levels": {"green": 1, "blue": 0, "yellow": 0, "red": 1}, "violations": 2,
     "veto_violations": 1, "violations_per_100": "100.0", "compliant": 1, "compliance_rate_percent": "50.0",
     "trend": [{"month": "2026-01", "violations": 0}, {"month": "2026-05", "violations": 2}]},
    {"region": "HB", "enterprises": 0, "levels": {"green": 0, "blue": 0, "yellow": 0, "red": 0}, "violations": 0,
     "veto_violations": 0, "violations_per_100": None, "compliant": 0, "compliance_rate_percent": None,
     "trend": [{"month": "2026-01", "violations": 0}, {"month": "2026-05", "violations": 0}]}]}
ANSWERS: dict[str, Any] = {
    "Credit:Show": STANDING,
    "Credit:Explain": {**STANDING, "facts": [FACT, VETO_FACT]},
    "Credit:List": {"items": [{k: STANDING[k] for k in ("entity", "name", "region", "level", "level_name",
                                                        "points", "since")}], "bookmark": "", "more": False},
    "Credit:Board": BOARD,
    "Credit:RepairApply": REPAIR,
    "Credit:RepairApprove": {**REPAIR, "status": "approved", "level_after": "yellow",
                             "decision": {**STAMP, "outcome": "approved", "reason": "site visit"}},
    "Credit:RepairRefuse": {**REPAIR, "status": "refused",
                            "decision": {**STAMP, "outcome": "refused", "reason": "still leaking"}},
    "Credit:Repairs": {"items": [REPAIR], "bookmark": "", "more": False},
    "Credit:Repair": REPAIR,
}


def answer(invocation) -> bytes:
    if invocation.chaincode_name == "qscc":
        from fabric_protos.common import common_pb2

        return common_pb2.Block(header=common_pb2.BlockHeader(number=12)).SerializeToString()
    return json.dumps(ANSWERS.get(invocation.function, {})).encode()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch):
    session = FakeSession(FakeGatewayService(answer, block_number=42))
    monkeypatch.setattr(AppContext, "session", property(lambda self: session))
    monkeypatch.setattr(AppContext, "network", property(lambda self: SimpleNamespace(consortium=CONSORTIUM)))
    yield session
    session.close()


class TestReading:
    def test_show_names_the_level_since_and_rule(self, fake):
        result = run("--as", "tj-regulator", "credit", "show", STEEL)
        assert sent(fake) == [("Credit:Show", {"entity": STEEL})]
        assert "red (不良)" in result.stdout and "2026-05-02" in result.stdout and V2 in result.stdout
        assert "0 green, 1-3 blue, up to 11 yellow, 12+ or a one-vote veto red; facts count 365 days" in result.stdout

    def test_show_json_is_the_chaincode_answer(self, fake):
        assert json.loads(run("--as", "tj-regulator", "credit", "show", STEEL, "--json").stdout) == STANDING

    def test_explain_lists_every_fact_with_points_state_and_end(self, fake):
        result = run("--as", "bj-steel", "credit", "explain", STEEL)
        assert sent(fake) == [("Credit:Explain", {"entity": STEEL})]
        lines = result.stdout.splitlines()
        [first] = [line for line in lines if line.startswith(V1)]
        assert first.split() == [V1, "inspection_finding", "serious", "inspection", "2026-04-01", "4", "counting",
                                 "2027-04-01"]
        [second] = [line for line in lines if line.startswith(V2)]
        assert "hidden_discharge_pipe [veto]" in second and "repaired (CR-0000000000000001)" in second

    def test_list_sends_its_filters(self, fake):
        result = run("--as", "bj-regulator", "credit", "list", "--region", "BJ", "--level", "red")
        assert sent(fake) == [("Credit:List", {"region": "BJ", "level": "red"})]
        assert STEEL in result.stdout and "red (不良)" in result.stdout

    def test_a_level_outside_the_four_is_refused_before_sending(self, fake):
        assert run("--as", "bj-regulator", "credit", "list", "--level", "purple").exit_code == 2
        assert fake.service.invocations == []

    def test_board_prints_regions_and_the_trend(self, fake):
        result = run("--as", "bj-steel", "credit", "board", "--year", "2026")
        assert sent(fake) == [("Credit:Board", {"year": 2026})]
        rows = [line.split() for line in result.stdout.splitlines()]
        assert ["BJ", "2", "1", "0", "0", "1", "2", "100.0", "50.0", "%"] in rows
        assert ["HB", "0", "0", "0", "0", "0", "0", "-", "-"] in rows
        assert ["2026-05", "2", "0"] in rows


class TestRepair:
    def test_apply_sends_the_fingerprint_of_the_evidence_not_the_file(self, fake, tmp_path):
        evidence = tmp_path / "fix.pdf"
        evidence.write_bytes(b"rectified")
        result = run("--as", "bj-steel", "credit", "repair", "apply", "--evidence", str(evidence),
                     "--facts", f"{V1}, {V2}")
        assert result.exit_code == 0, result.output
        assert sent(fake) == [("Credit:RepairApply", {"facts": [V1, V2], "evidence": {
            "sha256": hashlib.sha256(b"rectified").hexdigest(), "size": 9, "name": "fix.pdf"}})]
        assert "CR-0000000000000001" in result.stdout and "(block 42)" in result.stdout

    @pytest.mark.parametrize("facts, words", [("", "--facts needs at least one violation id"),
                                              ("V-1", "'V-1' is not a violation id like V-0123456789ABCDEF"),
                                              (f"{V1},{V1}", "--facts names a violation twice")])
    def test_bad_facts_are_refused_before_sending(self, fake, tmp_path, facts, words):
        evidence = tmp_path / "fix.pdf"
        evidence.write_bytes(b"x")
        one_error_line(run("--as", "bj-steel", "credit", "repair", "apply", "--evidence", str(evidence),
                           "--facts", facts), words)
        assert fake.service.invocations == []

    def test_a_missing_or_empty_evidence_file_is_refused_before_sending(self, fake, tmp_path):
        one_error_line(run("--as", "bj-steel", "credit", "repair", "apply", "--evidence", str(tmp_path / "no"),
                           "--facts", V1), "cannot read evidence file")
        (tmp_path / "empty").write_bytes(b"")
        one_error_line(run("--as", "bj-steel", "credit", "repair", "apply", "--evidence", str(tmp_path / "empty"),
                           "--facts", V1), "is empty")
        assert fake.service.invocations == []

    @pytest.mark.parametrize("command, function, words", [
        ("approve", "Credit:RepairApprove", "approved: site visit"),
        ("refuse", "Credit:RepairRefuse", "refused: still leaking")])
    def test_decisions_need_a_reason_and_send_it(self, fake, command, function, words):
        assert run("--as", "bj-regulator", "credit", "repair", command, REPAIR["id"]).exit_code == 2
        result = run("--as", "bj-regulator", "credit", "repair", command, REPAIR["id"], "--reason", "because")
        assert sent(fake) == [(function, {"repair_id": REPAIR["id"], "reason": "because"})]
        assert words in result.stdout

    def test_list_and_show(self, fake):
        result = run("--as", "bj-regulator", "credit", "repair", "list", "--status", "pending")
        assert REPAIR["id"] in result.stdout
        shown = run("--as", "bj-regulator", "credit", "repair", "show", REPAIR["id"])
        assert "fix.pdf sha256 " + "c" * 64 in shown.stdout
        assert sent(fake) == [("Credit:Repairs", {"status": "pending"}), ("Credit:Repair", {"repair_id": REPAIR["id"]})]


class TestHelpers:
    def test_level_labels(self):
        assert [service.level_label(level) for level in ("green", "blue", "yellow", "red", None)] == [
            "green (诚信)", "blue (良好)", "yellow (警示)", "red (不良)", "-"]

    def test_too_many_facts(self):
        with pytest.raises(CreditError, match="a repair names at most 20"):
            service.parse_facts(",".join(f"V-{n:016X}" for n in range(21)))
