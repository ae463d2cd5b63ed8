"""The licence, monitor, report and violation commands, wired to a fake gateway.

The commands run through ``click.testing.CliRunner`` with the wallet and the
network replaced by fakes: the tests check which chaincode function is called
with which arguments, transient fields and endorsers, what is printed, and
that bad input ends in one ``error:`` line with nothing sent. ``monitor
listen`` runs on a real socket (127.0.0.1) with a simulated data logger.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner, Result

from client.cli.context import AppContext
from client.cli.main import cli
from client.gateway import SyncGateway, WalletEntry, WalletError, signer_from_pem
from client.gateway.testing import FakeChannel, FakeGatewayService, generate_identity
from client.monitoring.hj212 import FrameSplitter, data_frame, parse_frame
from client.monitoring.reports import fingerprint
from common import canonical
from fabric_protos.common import common_pb2
from network import config

CONSORTIUM = config.load("jingjinji")
STEEL = "91110000MA01BJ0011"
MN = "BJSTEEL000000000000001"
DAY = datetime(2026, 5, 1)


def entry(name: str, msp_id: str, org: str, **attrs: str) -> WalletEntry:
    identity, key = generate_identity(msp_id, name)
    return WalletEntry(name=name, identity=identity, signer=signer_from_pem(key), org=org, attrs=attrs)


ENTRIES = {e.name: e for e in [
    entry("bj-regulator", "BJMSP", "BJ", role="regulator", region="BJ"),
    entry("bj-steel", "BJMSP", "BJ", role="enterprise", region="BJ", entity=STEEL),
    entry("bj-station", "BJMSP", "BJ", role="monitor", region="BJ", station="S1"),
    entry("tj-regulator", "TJMSP", "TJ", role="regulator", region="TJ"),
]}

STAMP = {"tx_id": "e" * 64, "at": "2026-05-02T00:10:00.000Z", "by": {"msp_id": "BJMSP", "name": "bj-station",
                                                                       "role": "monitor"}}
LICENCE = {"number": "L-2026-001", "valid_from": "2026-01-01", "valid_to": "2030-12-31",
           "outlets": [{"id": "DA001", "medium": "air", "kind": "main", "limits": [
               {"factor": "a21026", "pollutant": "SO2", "limit_ug": 35000, "annual_kg": 120000}]}]}
DEVICE = {"mn": MN, "entity": STEEL, "outlet": "DA001", "region": "BJ", "medium": "air", "kind": "main"}
REPORT = {"id": "R-0000000000000001", "mn": MN, "entity": STEEL, "outlet": "DA001", "region": "BJ",
          "medium": "air", "period": "2026-05-01", "source": "station", "station": "S1",
          "fingerprint": {"sha256": "a" * 64, "size": 100}, "details_hash": "b" * 64, "late": False,
          "totals": [{"factor": "a21026", "pollutant": "SO2", "load_g": 33913, "hours_valid": 24, "hours_total": 24}],
          "licence": "LIC-1", "submitted": STAMP}
VIOLATION = {"id": "V-0000000000000007", "entity": STEEL, "region": "BJ", "year": 2026, "kind": "exceedance",
             "severity": "major", "status": "open", "source": "monitoring",
             "veto": False, "contest": None, "resolution": None,
             "evidence": {"report": REPORT["id"], "hour": "2026050110", "value_ug": 52125, "limit_ug": 35000},
             **STAMP}

ANSWERS: dict[str, Any] = {
    "Licence:Set": {"id": "LIC-1", "entity": STEEL, "region": "BJ", "version": 1, **LICENCE, "set": STAMP},
    "Licence:Show": {"id": "LIC-2", "entity": STEEL, "region": "BJ", "version": 2, **LICENCE, "set": STAMP},
    "Licence:History": {"items": [{"id": "LIC-2", "entity": STEEL, "version": 2, **LICENCE, "set": STAMP}],
                        "bookmark": "b2", "more": True},
    "Registry:Parameters": {"factor_pollutants": {"a21026": "SO2", "a21002": "NOx", "w01018": "COD"}},
    "Monitor:RegisterDevice": DEVICE,
    "Monitor:Device": DEVICE,
    "Report:Submit": {"report": REPORT, "violations": ["V-0000000000000007"]},
    "Report:List": {"items": [REPORT, {**REPORT, "id": "R-2", "outlet": "DA002", "violations": []}], "bookmark": "",
                    "more": False},
    "Report:Show": REPORT,
    "Report:Details": {"report": REPORT["id"], "details": {"pollutants": [
        {"factor": "a21026", "pollutant": "SO2", "load_g": 33913, "max_hourly_ug": 52125, "hours_valid": 24,
         "hours_total": 24, "hourly": []}]}},
    "Violation:List": {"items": [VIOLATION], "bookmark": "", "more": False},
    "Period:Close": {"region": "BJ", "period": "2026-04", "checked": 3,
                     "missing": [{"entity": STEEL, "outlet": "DA001", "violation": "V-0000000000000009"}],
                     "closed": STAMP},
    "Period:Show": {"region": "BJ", "period": "2026-05", "closed": None},
    "Compliance:Verify": {"entity": STEEL, "region": "BJ", "year": 2025, "pollutant": "SO2", "reported_g": 33913,
                          "verified_kg": 34, "basis": "reports", "owed_kg": 0, "required_kg": 34,
                          "surrendered_kg": 0, "shortfall_kg": 34, "penalty_fen_per_tonne": 1_000_000,
                          "penalty_fen": 34_000, "violation": "V-000000000000000A", "verified": STAMP},
    "Compliance:Show": {"entity": STEEL, "year": 2025, "pollutants": [
        {"pollutant": "NOx", "reported_g": 1500, "reported_kg": 2, "outlets": [], "verification": None},
        {"pollutant": "SO2", "reported_g": 33913, "reported_kg": 34, "outlets": [],
         "verification": {"verified_kg": 34, "surrendered_kg": 0, "shortfall_kg": 34, "penalty_fen": 34_000,
                          "violation": "V-000000000000000A"}}]},
    "Violation:Show": VIOLATION,
    "Violation:Record": {**VIOLATION, "kind": "inspection", "evidence": "hidden pipe"},
    "Violation:Contest": {**VIOLATION, "status": "contested", "contest": {**STAMP, "reason": "sensor fault"}},
    "Violation:Resolve": {**VIOLATION, "status": "resolved",
                          "resolution": {**STAMP, "reason": "fined", "outcome": "upheld"}},
}
VERIFIED: dict[str, Any] = {}  # sha256 → matches


class FakeSession:
    """The parts of :class:`client.session.Session` the commands use, over one fake gateway service."""

    def __init__(self, service: FakeGatewayService) -> None:
        self.service = service
        self.channels: list[FakeChannel] = []
        self.gateways: list[SyncGateway] = []

    def entry(self, name: str | None) -> WalletEntry:
        if not name:
            raise WalletError("no identity chosen: pass --as NAME")
        return ENTRIES[name]

    def _channel(self) -> FakeChannel:
        self.channels.append(FakeChannel(self.service))
        return self.channels[-1]

    def gateway(self, name: str | None, peer_index: int = 0) -> SyncGateway:
        found = self.entry(name)
        self.gateways.append(SyncGateway(self._channel, found.identity, found.signer))
        return self.gateways[-1]

    def contract(self, name: str | None, channel: str | None = None):
        return self.gateway(name).get_network(channel or CONSORTIUM.channel).get_contract(CONSORTIUM.chaincode_name)

    def requests(self, method: str) -> list[Any]:
        return [request for channel in self.channels for request in channel.requests(method)]

    def close(self) -> None:
        for gateway in self.gateways:
            gateway.close()


def answer(invocation) -> bytes:
    if invocation.chaincode_name == "qscc":
        assert invocation.function == "GetBlockByTxID" and invocation.args[0] == CONSORTIUM.channel.encode()
        return common_pb2.Block(header=common_pb2.BlockHeader(number=12)).SerializeToString()
    if invocation.function == "Report:Verify":
        args = json.loads(invocation.args[0])
        return json.dumps({"matches": VERIFIED.get(args["sha256"], [])}).encode()
    return json.dumps(ANSWERS.get(invocation.function, {})).encode()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch):
    session = FakeSession(FakeGatewayService(answer, block_number=42))
    monkeypatch.setattr(AppContext, "session", property(lambda self: session))
    monkeypatch.setattr(AppContext, "network", property(lambda self: SimpleNamespace(consortium=CONSORTIUM)))
    VERIFIED.clear()
    yield session
    session.close()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"ECOLEDGER_IDENTITY": ""}, catch_exceptions=False)


def sent(fake: FakeSession) -> list[tuple[str, Any]]:
    return [(i.function, json.loads(i.args[0]) if i.args else None) for i in fake.service.invocations
            if i.chaincode_name != "qscc"]


def one_error_line(result: Result, words: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert words in result.stderr, result.stderr


def day_of_frames(over_hour: int | None = 10, answer: bool = False) -> list[bytes]:
    return [data_frame("2061", MN, DAY + timedelta(hours=h),
                       {"a21026": {"Avg": "52.125" if h == over_hour else "30.5", "Flag": "N"},
                        "a00000": {"Avg": "12.5", "Flag": "N"}}, answer=answer) for h in range(24)]


# -- licence ---------------------------------------------------------------------------------------


LICENCE_YAML = """\
number: L-2026-001
valid_from: 2026-01-01
valid_to: 2030-12-31
outlets:
  - id: DA001
    medium: air
    kind: main
    limits:
      - pollutant: SO2
        limit: 35 mg/m3
        annual: 120t
"""


class TestLicence:
    def test_set_reads_yaml_and_sends_micrograms_and_kilograms(self, fake, tmp_path):
        path = tmp_path / "licence.yaml"
        path.write_text(LICENCE_YAML, encoding="utf-8")
        result = run("--as", "bj-regulator", "licence", "set", "--entity", STEEL, "--file", str(path))
        assert result.exit_code == 0, result.output
        assert sent(fake) == [("Licence:Set", {"entity": STEEL, "licence": LICENCE})]
        assert "L-2026-001" in result.stdout and "DA001 (air, main)" in result.stdout and "(block 42)" in result.stdout

    def test_a_limit_finer_than_a_microgram_is_one_error_line_and_nothing_is_sent(self, fake, tmp_path):
        path = tmp_path / "licence.yaml"
        path.write_text(LICENCE_YAML.replace("35 mg/m3", "35.0005 mg/m3"), encoding="utf-8")
        result = run("--as", "bj-regulator", "licence", "set", "--entity", STEEL, "--file", str(path))
        one_error_line(result, f"{path}: outlets[0].limits[0].limit: 35.0005 mg/m3 is 35000.5 µg")
        assert fake.service.invocations == []

    def test_show_prints_limits_in_milligrams_and_quantities_in_tonnes(self, fake):
        result = run("--as", "bj-steel", "licence", "show", STEEL)
        assert sent(fake) == [("Licence:Show", {"entity": STEEL})]
        assert "L-2026-001" in result.stdout and "2026-01-01 to 2030-12-31" in result.stdout
        [row] = [line for line in result.stdout.splitlines() if line.startswith("DA001")]
        assert row.split() == ["DA001", "air", "main", "a21026", "SO2", "35", "mg/m³", "120", "t"]
        assert json.loads(run("--json", "--as", "bj-steel", "licence", "show", STEEL).stdout) == \
            ANSWERS["Licence:Show"]

    def test_history_pages(self, fake):
        result = run("--as", "bj-regulator", "licence", "history", STEEL, "--limit", "1")
        assert sent(fake) == [("Licence:History", {"entity": STEEL, "limit": 1})]
        assert "L-2026-001" in result.stdout
        assert f"more rows: ecoledger licence history {STEEL} --as bj-regulator --limit 1 --after b2" in result.stdout


# -- monitor ---------------------------------------------------------------------------------------


class TestRegisterDevice:
    @pytest.mark.parametrize("args", [["--outlet", f"{STEEL}/DA001"], ["--outlet", "DA001", "--entity", STEEL]])
    def test_an_outlet_is_entity_slash_outlet_or_an_outlet_with_entity(self, fake, args):
        result = run("--as", "bj-regulator", "monitor", "register-device", *args, "--mn", MN)
        assert result.exit_code == 0, result.output
        assert sent(fake) == [("Monitor:RegisterDevice", {"entity": STEEL, "outlet": "DA001", "mn": MN})]
        assert f"{STEEL}/DA001" in result.stdout

    @pytest.mark.parametrize("args, words", [
        (["--outlet", "DA001"], "name the outlet as ENTITY/OUTLET"),
        (["--outlet", f"{STEEL}/DA001", "--entity", "91110000MA01BJ0029"], "but --entity is"),
    ])
    def test_an_outlet_without_its_enterprise_is_refused(self, fake, args, words):
        one_error_line(run("--as", "bj-regulator", "monitor", "register-device", *args, "--mn", MN), words)
        assert fake.service.invocations == []


class TestIngest:
    def write(self, tmp_path: Path, content: bytes) -> Path:
        path = tmp_path / "day.log"
        path.write_bytes(content)
        return path

    def test_a_days_log_becomes_one_report_with_private_details_and_named_endorsers(self, fake, tmp_path):
        frames = day_of_frames()
        bad = frames[3].replace(b"Avg=30.5", b"Avg=31.5")
        content = b"".join(frames[:3]) + bad + b"noise line\r\n" + b"".join(frames[3:])
        path = self.write(tmp_path, content)
        result = run("--as", "bj-station", "monitor", "ingest", str(path))
        assert result.exit_code == 0, result.output
        assert [f for f, _ in sent(fake)] == ["Monitor:Device", "Registry:Parameters", "Report:Submit"]
        submit = fake.service.invocations[-1]
        assert json.loads(submit.args[0]) == {"mn": MN, "period": "2026-05-01", "fingerprint": fingerprint(content)}
        details = canonical.loads(submit.transient["details"])
        [so2] = details["pollutants"]
        assert (so2["load_g"], so2["max_hourly_ug"], so2["hours_valid"], so2["hours_total"]) == (33913, 52125, 24, 24)
        [endorse] = fake.requests("Endorse")
        assert list(endorse.endorsing_organizations) == ["BJMSP", "COMSP", "TJMSP"]
        assert "line 4: refused: crc: CRC" in result.stderr
        assert "line 5: skipped 12 byte(s)" in result.stderr
        assert REPORT["id"] in result.stdout and "V-0000000000000007" in result.stdout
        assert "1 report(s) recorded, 1 violation(s) raised" in result.stdout

    def test_json_output_lists_reports_refusals_and_the_fingerprint(self, fake, tmp_path):
        frames = day_of_frames()
        content = b"".join(frames) + b"##0010bad\r\n"
        path = self.write(tmp_path, content)
        printed = json.loads(run("--json", "--as", "bj-station", "monitor", "ingest", str(path)).stdout)
        assert printed["fingerprint"] == fingerprint(content)
        assert printed["frames"]["messages"] == 24 and printed["refused"][0]["line"] == 25
        [report] = printed["reports"]
        assert (report["report"], report["violations"], report["block"]) == (REPORT["id"], ["V-0000000000000007"], 42)

    def test_one_report_per_device_and_day(self, fake, tmp_path):
        second_day = [data_frame("2061", MN, DAY + timedelta(days=1, hours=h), {"a21026": {"Avg": "1"}})
                      for h in range(2)]
        path = self.write(tmp_path, b"".join(day_of_frames()) + b"".join(second_day))
        result = run("--json", "--as", "bj-station", "monitor", "ingest", str(path))
        periods = [args["period"] for function, args in sent(fake) if function == "Report:Submit"]
        assert periods == ["2026-05-01", "2026-05-02"]
        assert len(json.loads(result.stdout)["reports"]) == 2

    def test_check_computes_the_reports_and_sends_nothing(self, fake, tmp_path):
        path = self.write(tmp_path, b"".join(day_of_frames()))
        result = run("--as", "bj-station", "monitor", "ingest", str(path), "--check")
        assert result.exit_code == 0 and fake.service.invocations == []
        [row] = [line for line in result.stdout.splitlines() if line.startswith(MN)]
        assert row.split() == [MN, "2026-05-01", "a21026", "SO2", "33.913", "kg", "52125", "24/24"]

    def test_a_file_without_frames_is_one_error_line(self, fake, tmp_path):
        path = self.write(tmp_path, b"nothing here\n")
        result = run("--as", "bj-station", "monitor", "ingest", str(path))
        assert result.exit_code == 1
        assert result.stderr.splitlines() == ["warning: line 1: skipped 13 byte(s): no frame header '##'",
                                              f"error: {path}: no data message to report (0 frame(s) refused)"]
        assert fake.service.invocations == []

    def test_a_refused_report_is_named_and_the_command_fails(self, fake, tmp_path):
        fake.service.refuse("Report:Submit", f"device {MN} is not bound to an outlet of your region")
        path = self.write(tmp_path, b"".join(day_of_frames()))
        result = run("--as", "bj-station", "monitor", "ingest", str(path))
        assert result.exit_code == 1
        assert result.stderr.splitlines()[-1] == (f"error: 1 of 1 report(s) not recorded: MN {MN} 2026-05-01: device "
                                                  f"{MN} is not bound to an outlet of your region")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DataLogger(threading.Thread):
    """Connects (retrying until the server listens), sends frames, reads the 9014 replies, then sends SIGTERM
    to this process, where ``monitor listen`` is serving in the main thread."""

    def __init__(self, port: int, payload: bytes, replies: int) -> None:
        super().__init__(daemon=True)
        self.port, self.payload, self.replies = port, payload, replies
        self.got: list[bytes] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        deadline = time.monotonic() + 15
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                break
            except OSError as err:
                if time.monotonic() > deadline:
                    self.error = err
                    return  # the server never listened: nothing to stop
                time.sleep(0.05)
        try:  # the server is listening, so its SIGTERM handler is in place
            with connection:
                connection.sendall(self.payload)
                splitter = FrameSplitter()
                while len(self.got) < self.replies:
                    data = connection.recv(4096)
                    if not data:
                        break
                    self.got += [c.data for c in splitter.feed(data) if c.kind == "frame"]
            time.sleep(0.3)  # let the day's report go out before asking to stop
        except BaseException as err:  # noqa: BLE001 - reported by the test
            self.error = err
        finally:
            os.kill(os.getpid(), signal.SIGTERM)


class TestListen:
    def test_a_data_logger_sends_a_day_gets_its_replies_and_the_day_is_reported_and_kept_on_disk(self, fake,
                                                                                                   tmp_path):
        frames = day_of_frames(answer=True) + [data_frame("2031", MN, DAY, {"a21026": {"Avg": "31"}}, answer=True)]
        port = free_port()
        logger = DataLogger(port, b"##0010garbage\r\n" + b"".join(frames), replies=25)
        logger.start()
        result = run("--json", "--as", "bj-station", "monitor", "listen", "--port", str(port), "--data-dir",
                     str(tmp_path / "raw"), "--duration", "30")
        logger.join(5)
        assert logger.error is None and result.exit_code == 0, (logger.error, result.output)
        assert [parse_frame(reply).cn for reply in logger.got] == ["9014"] * 25
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        report, stopped = lines
        assert (report["report"], report["period"], report["violations"]) == (REPORT["id"], "2026-05-01",
                                                                              ["V-0000000000000007"])
        assert report["committed_at"] >= report["last_frame_at"] >= report["first_frame_at"] > 0
        kept = Path(report["file"])
        assert kept.parent == tmp_path / "raw" and kept.read_bytes() == b"".join(frames)
        submit = [i for i in fake.service.invocations if i.function == "Report:Submit"][0]
        assert json.loads(submit.args[0])["fingerprint"] == fingerprint(kept.read_bytes())
        assert stopped["stopped"]["refused"] == 1 and stopped["stopped"]["submitted"] == 1
        assert "listening on 127.0.0.1:" in result.stderr and "connected" in result.stderr
        assert "refused frame at byte 0" in result.stderr and "stopping: reporting the open days" in result.stderr

    def test_a_port_in_use_is_one_error_line(self, fake, tmp_path):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            result = run("--as", "bj-station", "monitor", "listen", "--port", str(port), "--data-dir",
                         str(tmp_path), "--duration", "1")
        one_error_line(result, f"cannot listen on 127.0.0.1:{port}")


# -- report ----------------------------------------------------------------------------------------


class TestReport:
    def test_verify_names_the_matching_report_and_exits_zero(self, fake, tmp_path):
        path = tmp_path / "raw.hj212"
        path.write_bytes(b"".join(day_of_frames()))
        VERIFIED[fingerprint(path.read_bytes())["sha256"]] = [{"report": REPORT["id"], "entity": STEEL,
                                                               "outlet": "DA001", "period": "2026-05-01",
                                                               "source": "monitor", "submitted": STAMP}]
        result = run("--as", "tj-regulator", "report", "verify", str(path))
        assert result.exit_code == 0, result.output
        assert sent(fake) == [("Report:Verify", fingerprint(path.read_bytes()))]
        assert "matches 1 report(s)" in result.stdout and REPORT["id"] in result.stdout
        assert "bj-station@BJMSP" in result.stdout and "e" * 12 in result.stdout
        [row] = [line for line in result.stdout.splitlines() if line.startswith(REPORT["id"])]
        assert row.split()[-1] == "12"  # the block, from the peer's qscc
        printed = json.loads(run("--json", "--as", "tj-regulator", "report", "verify", str(path)).stdout)
        assert printed["matches"][0]["block"] == 12

    def test_a_changed_byte_matches_nothing_and_exits_one(self, fake, tmp_path):
        path = tmp_path / "raw.hj212"
        path.write_bytes(b"".join(day_of_frames()))
        VERIFIED[fingerprint(path.read_bytes())["sha256"]] = [{"report": REPORT["id"]}]
        changed = bytearray(path.read_bytes())
        changed[100] ^= 1
        path.write_bytes(bytes(changed))
        result = run("--as", "tj-regulator", "report", "verify", str(path))
        assert result.exit_code == 1 and "matches no report" in result.stdout
        printed = json.loads(run("--json", "--as", "tj-regulator", "report", "verify", str(path)).stdout)
        assert printed["matches"] == [] and printed["fingerprint"] == fingerprint(bytes(changed))

    def test_list_passes_its_filters_with_the_outlet_split_from_its_enterprise(self, fake):
        result = run("--as", "bj-regulator", "report", "list", "--period", "2026-05", "--outlet", f"{STEEL}/DA001",
                     "--source", "station")
        assert sent(fake) == [("Report:List", {"entity": STEEL, "outlet": "DA001", "period": "2026-05",
                                               "source": "station"})]
        assert REPORT["id"] in result.stdout and "SO2 33.913 kg (24/24 h)" in result.stdout

    def test_show_with_details_reads_the_private_values(self, fake):
        result = run("--as", "bj-regulator", "report", "show", REPORT["id"], "--details")
        assert sent(fake) == [("Report:Show", {"report_id": REPORT["id"]}),
                              ("Report:Details", {"report_id": REPORT["id"]})]
        assert "sha256 " + "a" * 64 in result.stdout
        assert ["station", "S1"] in [line.split() for line in result.stdout.splitlines()]
        [row] = [line for line in result.stdout.splitlines() if line.startswith("a21026")]
        assert row.split() == ["a21026", "SO2", "33.913", "kg", "52.125", "mg/m³", "24/24"]

    def test_details_refused_to_another_region_is_one_error_line(self, fake):
        fake.service.refuse("Report:Details", f"the details of {REPORT['id']} are readable by region BJ and the "
                                              f"coordinator only")
        one_error_line(run("--as", "tj-regulator", "report", "show", REPORT["id"], "--details"),
                       "readable by region BJ and the coordinator only")


# -- violation -------------------------------------------------------------------------------------


class TestViolation:
    def test_list_sends_its_filters(self, fake):
        result = run("--as", "bj-regulator", "violation", "list", "--entity", STEEL, "--status", "open",
                     "--year", "2026")
        assert sent(fake) == [("Violation:List", {"entity": STEEL, "status": "open", "year": 2026})]
        assert VIOLATION["id"] in result.stdout and "exceedance" in result.stdout

    def test_show_prints_the_evidence(self, fake):
        result = run("--as", "bj-regulator", "violation", "show", VIOLATION["id"])
        assert sent(fake) == [("Violation:Show", {"violation_id": VIOLATION["id"]})]
        assert '"limit_ug": 35000' in result.stdout and "open" in result.stdout

    def test_record_grades_veto_kinds_severe_and_others_general_unless_told(self, fake):
        for kind, extra in [("inspection_finding", []), ("hidden_discharge_pipe", []),
                            ("inspection_finding", ["--severity", "serious"])]:
            result = run("--as", "bj-regulator", "violation", "record", "--entity", STEEL, "--kind", kind,
                         "--evidence", "record 2026-17", *extra)
            assert result.exit_code == 0, result.output
        assert [args["severity"] for _, args in sent(fake)] == ["general", "severe", "serious"]
        assert sent(fake)[0] == ("Violation:Record", {"entity": STEEL, "kind": "inspection_finding",
                                                      "severity": "general", "evidence": "record 2026-17"})

    def test_an_unknown_severity_is_refused_by_the_cli(self, fake):
        result = run("--as", "bj-regulator", "violation", "record", "--entity", STEEL, "--kind", "x",
                     "--evidence", "y", "--severity", "veto")
        assert result.exit_code == 2 and fake.service.invocations == []

    def test_resolve_sends_the_outcome_when_given(self, fake):
        result = run("--as", "bj-regulator", "violation", "resolve", VIOLATION["id"], "--reason", "sensor fault",
                     "--outcome", "dismissed")
        assert sent(fake) == [("Violation:Resolve", {"violation_id": VIOLATION["id"], "reason": "sensor fault",
                                                     "outcome": "dismissed"})]
        assert "upheld: fined" in result.stdout

    @pytest.mark.parametrize("command, function, status", [("contest", "Violation:Contest", "contested"),
                                                           ("resolve", "Violation:Resolve", "resolved")])
    def test_contest_and_resolve_need_a_reason_and_send_it(self, fake, command, function, status):
        assert run("--as", "bj-steel", "violation", command, VIOLATION["id"]).exit_code != 0
        result = run("--as", "bj-steel", "violation", command, VIOLATION["id"], "--reason", "because")
        assert sent(fake) == [(function, {"violation_id": VIOLATION["id"], "reason": "because"})]
        assert status in result.stdout and "(block 42)" in result.stdout


# -- period and compliance -------------------------------------------------------------------------


class TestPeriodAndCompliance:
    def test_close_names_the_missing_reports(self, fake):
        result = run("--as", "bj-regulator", "period", "close", "--period", "2026-04")
        assert sent(fake) == [("Period:Close", {"period": "2026-04"})]
        assert f"{STEEL}/DA001 (V-0000000000000009)" in result.stdout and "(block 42)" in result.stdout

    def test_show_says_when_a_period_is_open(self, fake):
        result = run("--as", "bj-regulator", "period", "show", "--period", "2026-05")
        assert sent(fake) == [("Period:Show", {"period": "2026-05"})]
        assert ["closed", "no"] in [line.split() for line in result.stdout.splitlines()]

    def test_verify_sends_kilograms_only_when_given_and_prints_the_penalty(self, fake):
        run("--as", "bj-regulator", "compliance", "verify", "--entity", STEEL, "--year", "2025",
            "--pollutant", "SO2")
        result = run("--as", "bj-regulator", "compliance", "verify", "--entity", STEEL, "--year", "2025",
                     "--pollutant", "SO2", "--quantity", "1.5t")
        assert sent(fake) == [
            ("Compliance:Verify", {"entity": STEEL, "year": 2025, "pollutant": "SO2"}),
            ("Compliance:Verify", {"entity": STEEL, "year": 2025, "pollutant": "SO2", "quantity": 1500})]
        assert "340.00 yuan" in result.stdout and "V-000000000000000A" in result.stdout

    def test_show_lists_each_pollutant_with_its_verification(self, fake):
        result = run("--as", "bj-steel", "compliance", "show", "--entity", STEEL, "--year", "2025")
        assert sent(fake) == [("Compliance:Show", {"entity": STEEL, "year": 2025})]
        rows = {line.split()[0]: line for line in result.stdout.splitlines()[2:]}
        assert "not verified" in rows["NOx"] and "340.00 yuan" in rows["SO2"]
