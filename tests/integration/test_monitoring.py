"""Monitoring on the real network, through the CLI: a licence, a data logger over TCP, a report, a violation.

Beijing's regulator records Beijing Smelter's discharge licence (SO2 at most
35 mg/m³ at outlet DA001) and binds the smelter's HJ 212 device to that
outlet. ``ecoledger monitor listen`` runs as its own process, as the
enterprise; a simulated data logger connects over TCP and sends a day of
hourly frames (one hour at 52.125 mg/m³) and the day's daily frame, each
asking for a 9014 reply. The listener reports the day: the report is on the
ledger with the fingerprint of the raw file it kept, the exceedance is a
violation raised in the same transaction, and both events are in that
transaction's envelope. ``report verify`` finds the kept file and nothing
for a copy with one byte changed; Tianjin's regulator may verify the file but
not read the detailed values. A second day arrives as a log file through
``monitor ingest``, whose bad line is reported and skipped.

Then the rest of the year's duties: Beijing's supervisory station reports the
same outlet and day with loads far from the enterprise's (a discrepancy for
the regulator); the regulator closes an unreported day (a missing report);
and a day of last year, reported but never covered by surrendered
allowances, is a shortfall with a penalty at year-end verification.

Finally the raw file of the day is shared by authorization: Hebei's admin
registers its organization's data-sharing key, the smelter shares the file
with Hebei's organization, a Hebei identity opens it and gets the exact
bytes, a Tianjin identity cannot (one clear error, nothing written), and once
the smelter revokes a grant Hebei can no longer open that file.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest

from client.monitoring.hj212 import FrameSplitter, data_frame, parse_frame
from client.monitoring.reports import file_fingerprint
from network.bootstrap import Network

from .conftest import Cli
from .permits_world import COORDINATOR, World, credit_code

ROOT = Path(__file__).resolve().parents[2]
SMELTER = credit_code("BJ", "MNTRG", 1)
MN = "BJSMELTER0000000000001"
STATION_MN = "BJSTATION0000000000001"
LIMIT_MG = "35"
OVER_HOUR = 10
OVER_MG = "52.125"
# A recent day (reports for days that have not begun are refused), inside the licence's validity.
DAY = date.today() - timedelta(days=3)
NEXT_DAY = DAY + timedelta(days=1)
UNREPORTED_DAY = DAY - timedelta(days=1)
LAST_YEAR_DAY = date(DAY.year - 1, 12, 1)
LISTEN_TIMEOUT = 60.0
REPORT_TIMEOUT = 240.0


def licence_yaml() -> str:
    return (f"number: {SMELTER}001P\n"
            f"valid_from: {DAY.year - 1}-01-01\n"
            f"valid_to: {DAY.year + 5}-12-31\n"
            "outlets:\n"
            "  - id: DA001\n    medium: air\n    kind: main\n    limits:\n"
            f"      - {{pollutant: SO2, limit: {LIMIT_MG} mg/m3, annual: 120t}}\n"
            "      - {pollutant: NOx, limit: 100 mg/m3, annual: 200t}\n")


def hourly_frames(day: date, answer: bool, mn: str = MN, so2: str | None = None) -> list[bytes]:
    """A day of hourly data: SO2 30.5 mg/m³ but 52.125 in hour 10 (or ``so2`` every hour), NOx 60, 12.5 m³/s."""
    start = datetime(day.year, day.month, day.day)
    return [data_frame("2061", mn, start + timedelta(hours=h),
                       {"a21026": {"Avg": so2 or (OVER_MG if h == OVER_HOUR else "30.5"), "Flag": "N"},
                        "a21002": {"Avg": "60", "Flag": "N"},
                        "a00000": {"Avg": "12.5", "Flag": "N"}},
                       qn=datetime.now(), answer=answer) for h in range(24)]


def daily_frame(day: date) -> bytes:
    return data_frame("2031", MN, datetime(day.year, day.month, day.day),
                      {"a21026": {"Avg": "31.4", "Flag": "N"}, "a21002": {"Avg": "60", "Flag": "N"}},
                      qn=datetime.now(), answer=True)


@pytest.fixture(scope="module")
def world(ecoledger: Cli, network: Network, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = World(ecoledger, network)
    world.regulator("BJ", "mon-bj-regulator")
    world.regulator("TJ", "mon-tj-regulator")
    world.enterprise("BJ", "mon-smelter", SMELTER)
    world.cli.ok("identity", "register", "--org", "BJ", "--name", "mon-bj-station", "--role", "monitor",
                 "--attr", "station=BJ-S1")
    world.write("mon-bj-regulator", "enterprise", "register", "--entity", SMELTER, "--name", "Beijing Smelter")
    path = tmp_path_factory.mktemp("licence") / "licence.yaml"
    path.write_text(licence_yaml(), encoding="utf-8")
    world.write("mon-bj-regulator", "licence", "set", "--entity", SMELTER, "--file", str(path))
    world.write("mon-bj-regulator", "monitor", "register-device", "--outlet", f"{SMELTER}/DA001", "--mn", MN)
    world.write("mon-bj-regulator", "monitor", "register-device", "--outlet", f"{SMELTER}/DA001",
                "--mn", STATION_MN)
    yield world
    world.close()


class Listening:
    """``ecoledger monitor listen`` in its own process; its output lines are read as they come."""

    def __init__(self, home: Path, data_dir: Path, identity: str) -> None:
        env = {**os.environ, "ECOLEDGER_HOME": str(home), "ECOLEDGER_IDENTITY": "", "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "client.cli.main", "--json", "--as", identity, "monitor", "listen", "--port", "0",
             "--data-dir", str(data_dir), "--idle", "600"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stdout: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        self._listening = threading.Event()
        self.port = 0
        threading.Thread(target=self._read, args=(self.process.stdout, self.stdout.put), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self._log), daemon=True).start()

    @staticmethod
    def _read(stream: Any, put: Any) -> None:
        for line in stream:
            put(line.rstrip("\n"))

    def _log(self, line: str) -> None:
        self.stderr.append(line)
        found = re.search(r"listening on [0-9.]+:([0-9]+)", line)
        if found:
            self.port = int(found.group(1))
            self._listening.set()

    def wait_listening(self) -> int:
        assert self._listening.wait(LISTEN_TIMEOUT), "monitor listen did not start:\n" + "\n".join(self.stderr)
        return self.port

    def next_json(self, timeout: float) -> dict[str, Any]:
        try:
            return json.loads(self.stdout.get(timeout=timeout))
        except queue.Empty:
            raise AssertionError("no output from monitor listen in time:\n" + "\n".join(self.stderr)) from None

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def data_logger(port: int, payload: bytes, replies: int) -> list[bytes]:
    """What a 数采仪 does: connect, send frames, read the 9014 data replies."""
    got: list[bytes] = []
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(payload)
        splitter = FrameSplitter()
        while len(got) < replies:
            data = connection.recv(4096)
            if not data:
                break
            got += [chunk.data for chunk in splitter.feed(data) if chunk.kind == "frame"]
    return got


@pytest.fixture(scope="module")
def listened(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A day sent by a data logger over TCP to ``monitor listen``; returns what the listener printed."""
    data_dir = tmp_path_factory.mktemp("hj212-data")
    listening = Listening(world.cli.home, data_dir, "mon-smelter")
    try:
        port = listening.wait_listening()
        frames = hourly_frames(DAY, answer=True) + [daily_frame(DAY)]
        replies = data_logger(port, b"\xff\xfe garbage before the first frame\r\n" + b"".join(frames), len(frames))
        report = listening.next_json(REPORT_TIMEOUT)
    finally:
        exit_code = listening.stop()
    stopped = listening.next_json(10)
    world.sync()
    return {"report": report, "replies": replies, "frames": frames, "exit_code": exit_code, "stopped": stopped,
            "log": listening.stderr, "data_dir": data_dir}


def test_the_data_logger_gets_a_9014_reply_for_every_frame(listened: dict[str, Any]) -> None:
    assert len(listened["replies"]) == len(listened["frames"]) == 25
    for frame, reply in zip(listened["frames"], listened["replies"]):
        answer = parse_frame(reply)
        assert (answer.cn, answer.st, answer.mn, answer.qn) == ("9014", "91", MN, parse_frame(frame).qn)


def test_the_listener_logs_the_connection_and_the_skipped_garbage_and_exits_cleanly(listened: dict[str, Any]) -> None:
    log = "\n".join(listened["log"])
    assert "connected" in log and "skipped" in log
    assert listened["exit_code"] == 0, log
    assert listened["stopped"]["stopped"]["submitted"] == 1 and listened["stopped"]["stopped"]["failed"] == 0


def test_the_day_is_one_report_with_the_fingerprint_of_the_raw_file_kept(world: World,
                                                                          listened: dict[str, Any]) -> None:
    printed = listened["report"]
    kept = Path(printed["file"])
    assert kept.parent == listened["data_dir"] and kept.read_bytes() == b"".join(listened["frames"])
    assert printed["fingerprint"] == file_fingerprint(kept)
    report = world.query("mon-bj-regulator", "report", "show", printed["report"])
    assert (report["entity"], report["outlet"], report["mn"], report["period"], report["source"]) == (
        SMELTER, "DA001", MN, DAY.isoformat(), "enterprise")
    assert report["fingerprint"] == file_fingerprint(kept)
    so2 = next(row for row in report["totals"] if row["factor"] == "a21026")
    # (23 × 30.5 + 52.125) mg/m³ × 12.5 m³/s × 3600 s × 1e-6 = 33.913125 kg → 33,913 g
    assert (so2["load_g"], so2["hours_valid"], so2["hours_total"]) == (33913, 24, 24)
    listed = world.query("mon-bj-regulator", "report", "list", "--entity", SMELTER, "--period", DAY.isoformat())
    assert [r["id"] for r in listed] == [printed["report"]]


def test_the_hour_over_the_limit_is_a_violation_raised_in_the_same_transaction(world: World,
                                                                                listened: dict[str, Any]) -> None:
    printed = listened["report"]
    [violation_id] = printed["violations"]
    violation = world.query("mon-bj-regulator", "violation", "show", violation_id)
    assert (violation["entity"], violation["kind"], violation["status"], violation["tx_id"]) == (
        SMELTER, "concentration_exceedance", "open", printed["tx_id"])
    evidence = violation["evidence"]
    assert (evidence["report"], evidence["hour"], evidence["value_ug"], evidence["limit_ug"]) == (
        printed["report"], f"{DAY:%Y%m%d}{OVER_HOUR:02d}", 52125, 35000)
    listed = world.query("mon-smelter", "violation", "list", "--status", "open")
    assert violation_id in [v["id"] for v in listed]


def test_the_report_and_the_violation_are_events_of_one_transaction(world: World, listened: dict[str, Any]) -> None:
    printed = listened["report"]
    result = world.cli.ok("--as", COORDINATOR, "--json", "events", "watch", "--from-block", str(printed["block"]),
                          "--limit", "2")
    events = [json.loads(line) for line in result.stdout.splitlines()]
    ours = [e for e in events if e["tx_id"] == printed["tx_id"]]
    assert [e["event"] for e in ours] == ["ReportSubmitted", "ViolationRecorded"]
    assert ours[0]["payload"]["report"] == printed["report"] and ours[1]["payload"]["kind"] == \
        "concentration_exceedance"


def test_report_verify_finds_the_original_file_and_nothing_for_a_one_byte_change(
        world: World, listened: dict[str, Any], tmp_path: Path) -> None:
    kept = Path(listened["report"]["file"])
    verified = world.query("mon-tj-regulator", "report", "verify", str(kept))
    [match] = verified["matches"]
    assert (match["report"], match["entity"], match["period"]) == (listened["report"]["report"], SMELTER,
                                                                   DAY.isoformat())
    assert match["submitted"]["tx_id"] == listened["report"]["tx_id"]
    assert match["block"] == listened["report"]["block"]
    changed = bytearray(kept.read_bytes())
    changed[len(changed) // 2] ^= 0x01
    copy = tmp_path / "changed.hj212"
    copy.write_bytes(bytes(changed))
    result = world.cli.run("--json", "--as", "mon-tj-regulator", "report", "verify", str(copy))
    assert result.exit_code == 1 and json.loads(result.stdout)["matches"] == []


def test_the_detailed_values_are_readable_in_the_region_and_by_the_coordinator_only(
        world: World, listened: dict[str, Any]) -> None:
    report_id = listened["report"]["report"]
    for reader in ("mon-bj-regulator", "mon-smelter", COORDINATOR):
        shown = world.query(reader, "report", "show", report_id, "--details")
        so2 = next(p for p in shown["details"]["details"]["pollutants"] if p["factor"] == "a21026")
        assert (so2["max_hourly_ug"], so2["load_g"]) == (52125, 33913)
        assert shown["details"]["matches_public_hash"] is True
    error = world.refused("mon-tj-regulator", "report", "show", report_id, "--details",
                          expected=f"report {report_id} is outside the data permission")
    assert "52125" not in error


def test_a_log_file_is_ingested_with_its_bad_line_reported(world: World, tmp_path: Path) -> None:
    frames = hourly_frames(NEXT_DAY, answer=False)
    bad = frames[5].replace(b"Avg=30.5", b"Avg=31.5")  # the CRC no longer matches
    path = tmp_path / "day.log"
    path.write_bytes(b"".join(frames[:5]) + bad + b"".join(frames[5:]))
    result = world.cli.ok("--as", "mon-smelter", "monitor", "ingest", str(path))
    assert "line 6: refused: crc:" in result.stderr
    assert "1 report(s) recorded, 1 violation(s) raised" in result.stdout
    world.sync()
    [match] = world.query("mon-bj-regulator", "report", "verify", str(path))["matches"]
    assert match["period"] == NEXT_DAY.isoformat()


def test_a_second_report_of_the_same_outlet_and_day_is_refused(world: World, listened: dict[str, Any],
                                                               tmp_path: Path) -> None:
    path = tmp_path / "again.log"
    path.write_bytes(b"".join(hourly_frames(DAY, answer=False)))
    result = world.cli.run("--as", "mon-smelter", "monitor", "ingest", str(path))
    assert result.exit_code == 1
    assert f"already covers outlet DA001 of enterprise {SMELTER} for period {DAY.isoformat()}" in result.stderr


def test_a_station_report_far_from_the_enterprises_is_a_discrepancy(world: World, listened: dict[str, Any],
                                                                    tmp_path: Path) -> None:
    path = tmp_path / "station.log"
    path.write_bytes(b"".join(hourly_frames(DAY, answer=False, mn=STATION_MN, so2="20")))
    printed = world.cli.json("--as", "mon-bj-station", "monitor", "ingest", str(path))
    world.sync()
    [report] = printed["reports"]
    [violation_id] = report["violations"]
    violation = world.query("mon-bj-regulator", "violation", "show", violation_id)
    assert violation["kind"] == "report_discrepancy"
    evidence = violation["evidence"]
    assert (evidence["enterprise_report"], evidence["station_report"], evidence["station"]) == (
        listened["report"]["report"], report["report"], "BJ-S1")
    # SO2: 33,913 g reported by the enterprise, 20 mg/m³ × 12.5 m³/s × 86,400 s = 21,600 g measured by the station
    assert [(f["factor"], f["enterprise_load_g"], f["station_load_g"]) for f in evidence["factors"]] == [
        ("a21026", 33913, 21600)]
    shown = world.query("mon-bj-regulator", "report", "show", report["report"])
    assert (shown["source"], shown["station"]) == ("station", "BJ-S1")


def test_closing_an_unreported_day_raises_a_missing_report(world: World) -> None:
    closed = world.write("mon-bj-regulator", "period", "close", "--period", UNREPORTED_DAY.isoformat())
    [missing] = [m for m in closed["missing"] if m["entity"] == SMELTER]
    assert missing["outlet"] == "DA001"
    violation = world.query("mon-bj-regulator", "violation", "show", missing["violation"])
    assert (violation["kind"], violation["evidence"]["period"]) == ("missing_report", UNREPORTED_DAY.isoformat())
    assert world.query("mon-smelter", "period", "show", "--period", UNREPORTED_DAY.isoformat())["closed"]


def test_a_year_reported_but_not_surrendered_is_a_shortfall_with_a_penalty(world: World, tmp_path: Path) -> None:
    path = tmp_path / "last-year.log"
    path.write_bytes(b"".join(hourly_frames(LAST_YEAR_DAY, answer=False)))
    world.cli.ok("--as", "mon-smelter", "monitor", "ingest", str(path))
    world.sync()
    year = str(LAST_YEAR_DAY.year)
    verified = world.write("mon-bj-regulator", "compliance", "verify", "--entity", SMELTER, "--year", year,
                           "--pollutant", "SO2")
    # 33,913 g reported → 34 kg verified, nothing surrendered: 34 kg short at ¥10,000 per tonne = 34,000 fen
    assert (verified["verified_kg"], verified["surrendered_kg"], verified["shortfall_kg"]) == (34, 0, 34)
    assert verified["penalty_fen"] == 34_000
    violation = world.query("mon-bj-regulator", "violation", "show", verified["violation"])
    assert (violation["kind"], violation["evidence"]["shortfall_kg"]) == ("allowance_shortfall", 34)
    year_view = world.query("mon-smelter", "compliance", "show", "--entity", SMELTER, "--year", year)
    so2 = next(row for row in year_view["pollutants"] if row["pollutant"] == "SO2")
    assert so2["reported_g"] == 33913 and so2["verification"]["shortfall_kg"] == 34


# -- sharing the raw file by authorization ---------------------------------------------------------


def share_day(world: World, listened: dict[str, Any], out: Path, *extra: str) -> dict[str, Any]:
    """The smelter shares the raw file of the listened day with Hebei's organization."""
    return world.write("mon-smelter", "report", "share", listened["report"]["report"], "--file",
                       listened["report"]["file"], "--to", "HB", "--out", str(out), *extra)


@pytest.fixture(scope="module")
def shared(world: World, listened: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Hebei's admin registered a data-sharing key; the smelter shared the day's raw file with Hebei."""
    world.regulator("HB", "mon-hb-regulator")
    registered = world.write("admin-hb", "sharing", "register-key", "--org", "HB")
    folder = tmp_path_factory.mktemp("shared")
    out = folder / "day.shared"
    grant = share_day(world, listened, out, "--expires", (date.today() + timedelta(days=30)).isoformat())
    return {"registered": registered, "grant": grant, "file": out, "folder": folder}


def test_hebeis_admin_registers_its_key_once(world: World, shared: dict[str, Any]) -> None:
    registered = shared["registered"]
    assert (registered["msp_id"], registered["action"], registered["key"]["type"]) == ("HBMSP", "registered",
                                                                                      "RSA-3072")
    private_key = Path(registered["private_key"])
    assert private_key == world.network.layout.wallet_dir / ".sharing" / "HBMSP.pem"
    assert private_key.stat().st_mode & 0o077 == 0
    again = world.query("admin-hb", "sharing", "register-key", "--org", "HB")
    assert (again["action"], again["tx_id"], again["key"]["fingerprint"]) == (
        "unchanged", None, registered["key"]["fingerprint"])
    [key] = [k for k in world.query("mon-tj-regulator", "sharing", "keys") if k["msp_id"] == "HBMSP"]
    assert key["fingerprint"] == registered["key"]["fingerprint"]


def test_the_grant_is_on_the_ledger_and_the_ciphertext_hides_the_data(world: World, listened: dict[str, Any],
                                                                       shared: dict[str, Any]) -> None:
    grant = shared["grant"]
    raw = Path(listened["report"]["file"]).read_bytes()
    assert (grant["report"], grant["entity"], grant["recipient"], grant["active"]) == (
        listened["report"]["report"], SMELTER, "HBMSP", True)
    assert grant["file"] == file_fingerprint(listened["report"]["file"])
    assert grant["ciphertext"] == file_fingerprint(shared["file"])
    assert raw not in shared["file"].read_bytes()
    seen = world.query("mon-hb-regulator", "sharing", "grants", "--report", listened["report"]["report"])
    assert [g["id"] for g in seen] == [grant["id"]]


def test_hebei_opens_the_shared_file_and_gets_the_exact_bytes(world: World, listened: dict[str, Any],
                                                              shared: dict[str, Any]) -> None:
    out = shared["folder"] / "opened-by-hb.hj212"
    opened = world.query("mon-hb-regulator", "report", "open", str(shared["file"]), "--out", str(out))
    assert out.read_bytes() == Path(listened["report"]["file"]).read_bytes()
    assert (opened["report"], opened["grant"]["id"]) == (listened["report"]["report"], shared["grant"]["id"])
    assert [m["report"] for m in opened["matches"]] == [listened["report"]["report"]]


def test_tianjin_cannot_open_it_and_nothing_is_written(world: World, listened: dict[str, Any],
                                                       shared: dict[str, Any]) -> None:
    out = shared["folder"] / "opened-by-tj.hj212"
    result = world.cli.run("--as", "mon-tj-regulator", "report", "open", str(shared["file"]), "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "was shared with HBMSP, not with TJMSP" in result.stderr
    assert not out.exists()
    assert world.query("mon-tj-regulator", "sharing", "grants", "--report", listened["report"]["report"]) == []


def test_once_revoked_hebei_can_no_longer_open_the_file(world: World, listened: dict[str, Any],
                                                       shared: dict[str, Any]) -> None:
    out = shared["folder"] / "revoked.shared"
    grant = share_day(world, listened, out)
    first = shared["folder"] / "before-revoke.hj212"
    world.cli.ok("--as", "mon-hb-regulator", "report", "open", str(out), "--out", str(first))
    assert first.read_bytes() == Path(listened["report"]["file"]).read_bytes()
    revoked = world.write("mon-smelter", "sharing", "revoke", grant["id"], "--reason", "the inquiry is over")
    assert (revoked["status"], revoked["active"]) == ("revoked", False)
    after = shared["folder"] / "after-revoke.hj212"
    error = world.fails("mon-hb-regulator", "report", "open", str(out), "--out", str(after))
    assert error.startswith("error: ") and f"grant {grant['id']} was revoked" in error, error
    assert not after.exists()
    assert world.query("mon-hb-regulator", "sharing", "show", shared["grant"]["id"])["active"] is True
