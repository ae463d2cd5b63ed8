"""Daily reports from HJ 212 messages: µg and grams exactly, validity, loads, batches, licences, submission."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from client.monitoring import reports
from client.monitoring.hj212 import build_frame, build_packets, data_frame, parse_frame
from client.monitoring.licence import LicenceError, concentration_ug, format_ug, licence_from, load_licence
from client.monitoring.reports import Batch, Collector, day_report, grams, micrograms, read_frames
from client.monitoring.service import (
    MonitoringClient, MonitoringError, RawArchive, region_msp, report_endorsers, report_id, stream_submitter,
)
from common import canonical

MN = "BJSTEEL0000000000000001"
DAY = datetime(2026, 5, 1)


def hour(h: int) -> datetime:
    return DAY + timedelta(hours=h)


def batch_of(*raws: bytes) -> Batch:
    batch = Batch(MN, DAY.date())
    for raw in raws:
        batch.add(parse_frame(raw))
    return batch


def air_hour(h: int, so2: str, flow: str = "12.5", flag: str = "N", **extra: dict[str, str]) -> bytes:
    readings = {"a21026": {"Avg": so2, "Flag": flag}, "a00000": {"Avg": flow, "Flag": "N"}, **extra}
    return data_frame("2061", MN, hour(h), readings)


def pollutant(report: reports.DayReport, code: str) -> dict[str, Any]:
    [found] = [p for p in report.details["pollutants"] if p["factor"] == code]
    return found


class TestUnits:
    @pytest.mark.parametrize("mg, ug", [("35", 35000), ("2.697", 2697), ("2.69700", 2697), ("0.001", 1),
                                        ("0.0125", 12), ("0.0135", 14), ("0.0126", 13), ("-0.0005", 0)])
    def test_milligrams_become_whole_micrograms_exactly_or_rounded_half_to_even(self, mg, ug):
        assert micrograms(Decimal(mg)) == ug

    def test_kilograms_become_grams_rounded_half_to_even(self):
        assert (grams(Decimal("1.0005")), grams(Decimal("1.0015")), grams(Decimal("33.913125"))) == (1000, 1002,
                                                                                                        33913)


class TestHourlyAir:
    def test_a_day_of_hourly_data_gives_load_maximum_and_completeness(self):
        frames = [air_hour(h, "52.125" if h == 10 else "30.5") for h in range(24)]
        report = day_report(batch_of(*frames), medium="air")
        so2 = pollutant(report, "a21026")
        # 30.5 mg/m³ × 12.5 m³/s × 3600 s × 1e-6 = 1.3725 kg for 23 hours, 52.125 × 45000 × 1e-6 for one
        exact = (Decimal("30.5") * 23 + Decimal("52.125")) * Decimal("12.5") * 3600 / 10**6
        assert exact == Decimal("33.913125")  # kg
        assert so2["load_g"] == 33913
        assert (so2["max_hourly_ug"], so2["hours_valid"], so2["hours_total"]) == (52125, 24, 24)
        assert so2["hourly"][10] == {"hour": "2026050110", "mean_ug": 52125, "valid": True}
        assert so2["pollutant"] == "SO2" and report.period == "2026-05-01" and report.notes == []
        assert [p["factor"] for p in report.details["pollutants"]] == ["a21026"]  # flow is not a pollutant

    def test_details_are_canonical_json_without_floats(self):
        report = day_report(batch_of(air_hour(0, "30.5")), medium="air")
        text = canonical.dumps(report.details).decode()
        assert "." not in text.replace('"', "")
        assert json.loads(text) == report.details

    @pytest.mark.parametrize("flag, valid", [("N", True), ("S", True), ("F", False), ("M", False), ("D", False),
                                             ("C", False), ("T", False), ("B", False)])
    def test_only_n_and_s_hours_are_valid_and_count_toward_the_load(self, flag, valid):
        report = day_report(batch_of(air_hour(0, "10"), air_hour(1, "99", flag=flag)), medium="air")
        so2 = pollutant(report, "a21026")
        assert so2["hourly"][1] == {"hour": "2026050101", "mean_ug": 99000, "valid": valid}
        assert so2["hours_valid"] == (2 if valid else 1)
        assert so2["max_hourly_ug"] == (99000 if valid else 10000)
        assert so2["load_g"] == (450 + 4455 if valid else 450)

    def test_the_converted_concentration_is_reported_and_the_measured_one_makes_the_load(self):
        frame = air_hour(0, "40", a21026={"Avg": "40", "ZsAvg": "48.5", "Flag": "N"})
        so2 = pollutant(day_report(batch_of(frame), medium="air"), "a21026")
        assert so2["hourly"][0]["mean_ug"] == 48500 and so2["max_hourly_ug"] == 48500
        assert so2["load_g"] == 1800  # 40 × 12.5 × 3600 × 1e-6 kg

    def test_the_devices_own_cumulative_load_wins(self):
        frame = air_hour(0, "40", a21026={"Avg": "40", "Cou": "1.2345678", "Flag": "N"})
        assert pollutant(day_report(batch_of(frame), medium="air"), "a21026")["load_g"] == 1235

    def test_the_flow_volume_wins_over_the_mean_flow(self):
        frame = air_hour(0, "40", a00000={"Avg": "12.5", "Cou": "40000", "Flag": "N"})
        assert pollutant(day_report(batch_of(frame), medium="air"), "a21026")["load_g"] == 1600

    def test_an_hour_without_flow_has_no_load_and_says_so(self):
        frame = data_frame("2061", MN, hour(0), {"a21026": {"Avg": "40", "Flag": "N"}})
        report = day_report(batch_of(frame), medium="air")
        assert pollutant(report, "a21026")["load_g"] == 0
        assert report.notes == ["a21026 (SO2): 1 valid period(s) without a flow or -Cou value; their load is not "
                                "counted"]

    def test_a_negative_concentration_is_invalid_and_reported_as_zero(self):
        so2 = pollutant(day_report(batch_of(air_hour(0, "-0.3")), medium="air"), "a21026")
        assert so2["hourly"][0] == {"hour": "2026050100", "mean_ug": 0, "valid": False}
        assert so2["max_hourly_ug"] is None and so2["load_g"] == 0

    def test_a_repeated_message_counts_once(self):
        report = day_report(batch_of(air_hour(0, "10"), air_hour(0, "10")), medium="air")
        assert pollutant(report, "a21026")["load_g"] == 450
        assert "1 repeated message(s)" in report.notes[0]

    def test_the_ledgers_factor_list_decides_what_is_reported(self):
        frame = air_hour(0, "10", a99999={"Avg": "2", "Flag": "N"}, a21002={"Avg": "20", "Flag": "N"})
        report = day_report(batch_of(frame), medium="air", pollutants={"a21026": "SO2", "a99999": "Hg"})
        assert report.pollutants == ["SO2", "Hg"]
        assert pollutant(report, "a99999")["load_g"] == 90
        assert report.notes == ["factors not reported (not monitored pollutants): a21002"]

    def test_factors_outside_the_catalogue_and_of_the_other_medium_are_left_out_with_a_note(self):
        frame = air_hour(0, "10", a99999={"Avg": "1"}, w01018={"Avg": "3"}, a21002={"Avg": "20", "Flag": "N"})
        report = day_report(batch_of(frame), medium="air")
        assert report.pollutants == ["NOx", "SO2"]
        assert "factors not reported (not monitored pollutants): a99999" in report.notes
        assert "w01018 not reported: not air factors" in report.notes


class TestWater:
    def test_wastewater_load_is_flow_times_time_times_concentration(self):
        frame = data_frame("2061", MN, hour(0), {"w01018": {"Avg": "50", "Flag": "N"},
                                                 "w00000": {"Avg": "20", "Flag": "N"}})
        cod = pollutant(day_report(batch_of(frame), medium="water"), "w01018")
        # Q(L/s) × T(s) × 1e-3 × C(mg/L) × 1e-3 = 20 × 3600 × 1e-3 × 50 × 1e-3 = 3.6 kg
        assert cod["load_g"] == 3600 and cod["hourly"][0]["mean_ug"] == 50000

    def test_the_wastewater_volume_is_in_cubic_metres(self):
        frame = data_frame("2061", MN, hour(0), {"w21003": {"Avg": "2.5", "Flag": "N"},
                                                 "w00000": {"Avg": "20", "Cou": "80", "Flag": "N"}})
        assert pollutant(day_report(batch_of(frame), medium="water"), "w21003")["load_g"] == 200  # 2.5 × 80 × 1e-3 kg


class TestMinuteAndRealTime:
    def minutes(self, start: datetime, count: int, step: int, value: str, flags: list[str] | None = None,
                flow: str = "10") -> list[bytes]:
        flags = flags or ["N"] * count
        return [data_frame("2051", MN, start + timedelta(minutes=step * i),
                           {"a21026": {"Avg": value, "Flag": flags[i]}, "a00000": {"Avg": flow, "Flag": "N"}})
                for i in range(count)]

    def test_minute_data_makes_a_valid_hour_with_its_mean_and_load(self):
        frames = self.minutes(hour(3), 6, 10, "20")
        so2 = pollutant(day_report(batch_of(*frames), medium="air"), "a21026")
        assert so2["hourly"] == [{"hour": "2026050103", "mean_ug": 20000, "valid": True}]
        assert so2["load_g"] == 720  # 20 mg/m³ × 10 m³/s × 3600 s × 1e-6

    @pytest.mark.parametrize("valid_slots, valid", [(9, True), (8, False)])
    def test_an_hour_needs_45_valid_minutes(self, valid_slots, valid):
        flags = ["N"] * valid_slots + ["M"] * (12 - valid_slots)
        frames = self.minutes(hour(3), 12, 5, "20", flags)
        so2 = pollutant(day_report(batch_of(*frames), medium="air"), "a21026")
        assert so2["hourly"][0]["valid"] is valid and so2["hours_valid"] == int(valid)
        assert so2["load_g"] == (valid_slots * 5 * 60 * 20 * 10 // 1000 if valid else 0)

    def test_the_mean_of_minutes_is_rounded_half_to_even_to_a_microgram(self):
        frames = self.minutes(hour(3), 6, 10, "0.001")
        frames[0] = self.minutes(hour(3), 1, 10, "0.004")[0]
        so2 = pollutant(day_report(batch_of(*frames), medium="air"), "a21026")
        assert so2["hourly"][0]["mean_ug"] == 2  # (4 + 5 × 1) / 6 = 1.5 µg → 2 (half to even)

    def test_a_minute_message_covers_the_most_common_gap(self):
        frames = self.minutes(hour(3), 5, 10, "20")  # 03:00 to 03:40, each covering 10 minutes: 50 valid minutes
        so2 = pollutant(day_report(batch_of(*frames), medium="air"), "a21026")
        assert so2["hours_valid"] == 1 and so2["load_g"] == 600  # 20 × 10 m³/s × 3000 s × 1e-6 kg

    def test_a_single_minute_message_covers_the_given_interval(self):
        frames = self.minutes(hour(3), 1, 10, "20")
        assert pollutant(day_report(batch_of(*frames), medium="air", minute_interval=60), "a21026")["load_g"] == 720
        assert pollutant(day_report(batch_of(*frames), medium="air", minute_interval=10), "a21026")["hours_valid"] == 0

    def test_real_time_samples_fill_their_minutes(self):
        frames = [data_frame("2011", MN, hour(5) + timedelta(seconds=30 * i),
                             {"a21026": {"Rtd": "10" if i % 2 else "20", "Flag": "N"},
                              "a00000": {"Rtd": "10", "Flag": "N"}}) for i in range(120)]
        so2 = pollutant(day_report(batch_of(*frames), medium="air"), "a21026")
        assert so2["hourly"] == [{"hour": "2026050105", "mean_ug": 15000, "valid": True}]
        assert so2["load_g"] == 540  # 15 mg/m³ × 10 m³/s × 3600 s × 1e-6

    def test_real_time_samples_for_44_minutes_do_not_make_a_valid_hour(self):
        frames = [data_frame("2011", MN, hour(5) + timedelta(minutes=i), {"a21026": {"Rtd": "10", "Flag": "N"}})
                  for i in range(44)]
        assert pollutant(day_report(batch_of(*frames), medium="air"), "a21026")["hours_valid"] == 0

    def test_hourly_data_wins_over_minute_data_for_the_same_hour(self):
        frames = self.minutes(hour(3), 6, 10, "20") + [air_hour(3, "30", flow="10")]
        so2 = pollutant(day_report(batch_of(*frames), medium="air"), "a21026")
        assert so2["hourly"] == [{"hour": "2026050103", "mean_ug": 30000, "valid": True}]


class TestDaily:
    def test_a_pollutant_with_daily_data_only_reports_the_day(self):
        frame = data_frame("2031", MN, DAY, {"a21002": {"Avg": "80", "Flag": "N"},
                                             "a00000": {"Avg": "10", "Flag": "N"}})
        nox = pollutant(day_report(batch_of(frame), medium="air"), "a21002")
        assert nox == {"factor": "a21002", "pollutant": "NOx", "load_g": 69120, "max_hourly_ug": None,
                       "hours_valid": 0, "hours_total": 0, "hourly": []}  # 80 × 10 × 86400 × 1e-6 kg

    def test_daily_data_is_ignored_for_a_pollutant_with_hours(self):
        frames = [air_hour(0, "10"), data_frame("2031", MN, DAY, {"a21026": {"Avg": "99", "Cou": "999"}})]
        assert pollutant(day_report(batch_of(*frames), medium="air"), "a21026")["load_g"] == 450


class TestReadingFrames:
    def test_good_frames_are_kept_and_bad_ones_reported_by_line(self):
        good = [air_hour(h, "10") for h in range(3)]
        bad_crc = good[1].replace(b"Avg=10", b"Avg=11")
        text = good[0] + b"\xff\xfenoise\r\n" + bad_crc + good[2] + build_frame(cn="9014", mn=MN, st="91")
        intake = read_frames(text)
        assert [m.data_time.hour for m in intake.messages] == [0, 2]
        [refused] = intake.refused
        assert (refused.line, refused.check) == (3, "crc") and refused.excerpt.startswith("##")
        [skipped] = intake.skipped
        assert (skipped.line, skipped.size) == (2, 9)
        assert intake.other_commands == {"9014": 1}

    def test_split_packets_are_joined_and_a_missing_packet_is_refused(self):
        items = [{"DataTime": hour(0)}, {"a21026-Avg": "10", "a21026-Flag": "N"},
                 {"a00000-Avg": "12.5", "a00000-Flag": "N"}]
        built = build_packets(cn="2061", mn=MN, items=items, qn="20260501010000000", max_data=140)
        assert len(built) == 3
        whole = read_frames(b"".join(built))
        assert len(whole.messages) == 1 and whole.refused == []
        broken = read_frames(built[0] + built[2])
        assert broken.messages == [] and "incomplete split message" in broken.refused[0].reason

    def test_line_endings_converted_to_lf_are_tolerated_in_files(self):
        text = b"".join(air_hour(h, "10")[:-2] + b"\n" for h in range(2))
        assert len(read_frames(text).messages) == 2


class TestCollector:
    def test_a_file_groups_messages_by_device_and_day(self):
        frames = [parse_frame(air_hour(h, "10")) for h in (0, 1)]
        other = parse_frame(data_frame("2061", "OTHER", hour(1), {"a21026": {"Avg": "1"}}))
        next_day = parse_frame(data_frame("2061", MN, hour(25), {"a21026": {"Avg": "1"}}))
        batches = reports.group_days([frames[0], next_day, other, frames[1]])
        assert [(b.mn, b.period, len(b.messages)) for b in batches] == [
            (MN, "2026-05-01", 2), (MN, "2026-05-02", 1), ("OTHER", "2026-05-01", 1)]
        assert batches[0].raw == bytes(frames[0].raw + frames[1].raw)

    def test_a_later_day_or_the_daily_message_completes_a_day(self):
        collector = Collector()
        assert collector.add(parse_frame(air_hour(0, "10")), now=1.0) == []
        [done] = collector.add(parse_frame(air_hour(24, "10")), now=2.0)
        assert done.period == "2026-05-01" and len(collector) == 1
        [daily] = collector.add(parse_frame(data_frame("2031", MN, hour(24), {"a21026": {"Avg": "1"}})), now=3.0)
        assert daily.period == "2026-05-02" and len(daily.messages) == 2 and len(collector) == 0

    def test_idle_batches_are_taken_by_their_last_arrival(self):
        collector = Collector()
        collector.add(parse_frame(air_hour(0, "10")), now=10.0)
        collector.add(parse_frame(data_frame("2061", "OTHER", hour(0), {"a21026": {"Avg": "1"}})), now=20.0)
        assert [b.mn for b in collector.idle(15.0)] == [MN]
        assert [b.mn for b in collector.take_all()] == ["OTHER"]


def test_fingerprints_are_sha256_and_size(tmp_path):
    data = b"##0101...\r\n" * 1000
    path = tmp_path / "raw.hj212"
    path.write_bytes(data)
    expected = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert reports.fingerprint(data) == expected == reports.file_fingerprint(path, chunk=7)


class TestLicence:
    DOCUMENT = {"number": "91110000600037341L001P", "valid_from": "2026-01-01", "valid_to": "2030-12-31",
                "outlets": [{"id": "DA001", "medium": "air", "kind": "main",
                             "limits": [{"pollutant": "SO2", "limit": "35 mg/m3", "annual": "120t"},
                                        {"factor": "a21002", "limit": Decimal("50.5"), "annual": 80000}]},
                            {"id": "DW001", "medium": "water", "kind": "general",
                             "limits": [{"pollutant": "COD", "limit": "0.05 mg/L"}]}]}

    def test_a_licence_is_converted_to_micrograms_and_kilograms(self):
        licence = licence_from(self.DOCUMENT)
        assert licence == {"number": "91110000600037341L001P", "valid_from": "2026-01-01", "valid_to": "2030-12-31",
                           "outlets": [{"id": "DA001", "medium": "air", "kind": "main", "limits": [
                               {"factor": "a21026", "pollutant": "SO2", "limit_ug": 35000, "annual_kg": 120000},
                               {"factor": "a21002", "pollutant": "NOx", "limit_ug": 50500, "annual_kg": 80000}]},
                               {"id": "DW001", "medium": "water", "kind": "general", "limits": [
                                   {"factor": "w01018", "pollutant": "COD", "limit_ug": 50, "annual_kg": None}]}]}

    def test_a_general_outlet_may_have_an_annual_quantity_and_a_ledger_factor_needs_its_pollutant(self):
        document = json.loads(json.dumps(self.DOCUMENT, default=str))
        document["outlets"][1]["limits"].append({"factor": "w20111", "pollutant": "Hg", "limit": "0.001 mg/L",
                                                 "annual": "2kg"})
        limits = licence_from(document)["outlets"][1]["limits"]
        assert limits[1] == {"factor": "w20111", "pollutant": "Hg", "limit_ug": 1, "annual_kg": 2}
        document["outlets"][1]["limits"][1].pop("pollutant")
        with pytest.raises(LicenceError, match="needs its pollutant too"):
            licence_from(document)

    @pytest.mark.parametrize("value, medium, ug", [("35", "air", 35000), ("35 mg/m³", "air", 35000),
                                                   ("200 ug/m3", "air", 200), ("1.5 mg/L", "water", 1500),
                                                   (Decimal("0.001"), "air", 1), (7, "water", 7000)])
    def test_concentrations_as_people_write_them(self, value, medium, ug):
        assert concentration_ug(value, medium, "limit") == ug

    @pytest.mark.parametrize("value, medium, words", [
        ("0.0005 mg/m3", "air", "0.5 µg; the ledger holds whole µg"),
        ("35 mg/L", "air", "mg/L is a unit for water"),
        ("35 ppm", "air", "unknown unit 'ppm'"),
        (35.5, "air", "binary float"),
        ("0", "air", "above zero"),
    ])
    def test_concentrations_that_cannot_be_exact_are_refused(self, value, medium, words):
        with pytest.raises(LicenceError, match=words):
            concentration_ug(value, medium, "limit")

    @pytest.mark.parametrize("change, words", [
        (lambda d: d["outlets"][0]["limits"][1].pop("annual"), "outlets[0].limits[1].annual: a main outlet's "
                                                               "licence fixes the permitted annual quantity of NOx"),
        (lambda d: d["outlets"][0].update(id="da001"), "1 to 16 capital letters and digits"),
        (lambda d: d["outlets"][1].update(medium="air"), "outlet DW001 discharges to water by its code (DW)"),
        (lambda d: d["outlets"][0]["limits"][0].update(factor="w99999", pollutant="Hg"), "w99999 is a water factor"),
        (lambda d: d["outlets"][0]["limits"][0].update(factor="a21002"), "factor a21002 is NOx, not SO2"),
        (lambda d: d["outlets"][0]["limits"][0].update(pollutant="COD", factor=None), "COD (w01018) is a water"),
        (lambda d: d["outlets"][0]["limits"][0].update(annual="1.5kg"), "not a whole number of kilograms"),
        (lambda d: d.update(valid_to="2025-12-31"), "valid_to: 2025-12-31 is before valid_from"),
        (lambda d: d.update(valid_from="2026-02-30"), "not a real date"),
        (lambda d: d["outlets"].append(dict(d["outlets"][0])), "outlet DA001 is listed twice"),
        (lambda d: d["outlets"][0].update(kind="major"), "must be main or general"),
        (lambda d: d.update(extra=1), "unknown field(s) extra"),
    ])
    def test_a_bad_licence_is_refused_naming_the_field(self, change, words):
        document = json.loads(json.dumps(self.DOCUMENT, default=str))
        change(document)
        with pytest.raises(LicenceError) as caught:
            licence_from(document)
        assert words in str(caught.value)

    def test_a_yaml_file_keeps_decimals_and_dates_exact(self, tmp_path):
        path = tmp_path / "licence.yaml"
        path.write_text("number: L-1\nvalid_from: 2026-01-01\nvalid_to: 2026-12-31\noutlets:\n"
                        "  - id: DA001\n    medium: air\n    kind: main\n    limits:\n"
                        "      - {pollutant: PM, limit: 0.123, annual: 2.5t}\n", encoding="utf-8")
        licence = load_licence(path)
        assert licence["valid_from"] == "2026-01-01"
        assert licence["outlets"][0]["limits"][0] == {"factor": "a34013", "pollutant": "PM", "limit_ug": 123,
                                                      "annual_kg": 2500}

    def test_bad_yaml_is_one_line(self, tmp_path):
        path = tmp_path / "licence.yaml"
        path.write_text("number: [\n", encoding="utf-8")
        with pytest.raises(LicenceError, match="not valid YAML"):
            load_licence(path)

    def test_micrograms_print_as_exact_milligrams(self):
        assert (format_ug(35000, "air"), format_ug(50, "water"), format_ug(100000, "air")) == (
            "35 mg/m³", "0.05 mg/L", "100 mg/m³")


# -- the service over a fake contract ---------------------------------------------------------------------


@dataclass(frozen=True)
class Org:
    code: str
    msp_id: str
    kind: str


MEMBERS = SimpleNamespace(name="jingjinji", organizations=[Org("BJ", "BJMSP", "region"), Org("TJ", "TJMSP", "region"),
                                                           Org("HB", "HBMSP", "region"),
                                                           Org("CO", "COMSP", "coordinator")])
DEVICE = {"mn": MN, "entity": "91110000600037341L", "outlet": "DA001", "region": "HB", "medium": "air",
          "kind": "main"}


FACTORS = {"a21026": "SO2", "a21002": "NOx", "w01018": "COD"}


class FakeContract:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any, dict[str, Any]]] = []

    def evaluate(self, function: str, args: Any = None, **kwargs: Any) -> Any:
        self.calls.append(("evaluate", function, args, kwargs))
        if function == "Monitor:Device":
            return DEVICE
        if function == "Registry:Parameters":
            return {"factor_pollutants": FACTORS}
        if function == "Report:Verify":
            return {"matches": [{"report": "R-1"}]} if args["size"] == 3 else {"matches": []}
        raise AssertionError(function)

    def submit(self, function: str, args: Any = None, **kwargs: Any) -> Any:
        self.calls.append(("submit", function, args, kwargs))
        return SimpleNamespace(result={"report": {"id": "R-9"}, "violations": ["V-1"]}, tx_id="a" * 64,
                               block_number=7)


class TestService:
    def test_endorsers_are_the_region_the_coordinator_and_a_majority(self):
        assert report_endorsers(MEMBERS, "BJ") == ["BJMSP", "COMSP", "TJMSP"]
        assert report_endorsers(MEMBERS, "HBMSP") == ["HBMSP", "COMSP", "BJMSP"]
        assert region_msp(MEMBERS, "TJ") == "TJMSP"
        with pytest.raises(MonitoringError, match="region 'SH' is not an organization"):
            report_endorsers(MEMBERS, "SH")

    def test_report_ids_come_from_a_record_or_an_id(self):
        assert (report_id({"report": {"id": "R-1"}}), report_id({"report": "R-2"}), report_id({})) == (
            "R-1", "R-2", "")

    def test_a_day_is_submitted_with_private_details_and_named_endorsers(self):
        contract = FakeContract()
        client = MonitoringClient(contract, MEMBERS)
        batch = batch_of(air_hour(0, "10"), air_hour(1, "60"))
        done = client.submit_day(batch, {"sha256": "f" * 64, "size": 10, "ignored": 1}, file="raw.hj212")
        [device, parameters, (kind, function, args, kwargs)] = contract.calls
        assert (device[1], parameters[1]) == ("Monitor:Device", "Registry:Parameters")
        assert (kind, function) == ("submit", "Report:Submit")
        assert args == {"mn": MN, "period": "2026-05-01", "fingerprint": {"sha256": "f" * 64, "size": 10}}
        assert kwargs["endorsing_organizations"] == ["HBMSP", "COMSP", "BJMSP"]
        details = canonical.loads(kwargs["transient"]["details"])
        assert details == day_report(batch, medium="air").details
        assert kwargs["transient"]["details"] == canonical.dumps(details)
        assert (done.report, done.violations, done.block, done.entity, done.outlet) == (
            "R-9", ["V-1"], 7, DEVICE["entity"], "DA001")
        client.submit_day(batch, {"sha256": "f" * 64, "size": 10})
        asked = [c[1] for c in contract.calls]
        assert asked.count("Monitor:Device") == asked.count("Registry:Parameters") == 1  # asked once each

    def test_a_day_without_monitored_pollutants_is_refused_before_sending(self):
        contract = FakeContract()
        batch = batch_of(data_frame("2061", MN, hour(0), {"a99999": {"Avg": "1"}}))
        with pytest.raises(MonitoringError, match="no monitored pollutant to report .factors not reported"):
            MonitoringClient(contract, MEMBERS).submit_day(batch, {"sha256": "0" * 64, "size": 1})
        assert [c[0] for c in contract.calls] == ["evaluate", "evaluate"]

    def test_without_the_ledger_parameter_the_catalogue_applies(self):
        class Older(FakeContract):
            def evaluate(self, function: str, args: Any = None, **kwargs: Any) -> Any:
                if function == "Registry:Parameters":
                    raise RuntimeError("unknown function")
                return super().evaluate(function, args, **kwargs)

        client = MonitoringClient(Older(), MEMBERS)
        assert client.factor_pollutants()["a24088"] == "VOCs"

    def test_verify_file_sends_only_the_hash(self, tmp_path):
        path = tmp_path / "x"
        path.write_bytes(b"abc")
        contract = FakeContract()
        fingerprint, matches = MonitoringClient(contract, MEMBERS).verify_file(path)
        assert matches == [{"report": "R-1"}]
        assert contract.calls[0][2] == {"sha256": hashlib.sha256(b"abc").hexdigest(), "size": 3}

    def test_the_archive_keeps_each_batch_in_its_own_file(self, tmp_path):
        archive = RawArchive(tmp_path / "raw")
        batch = batch_of(air_hour(0, "10"))
        first, second = archive.keep(batch), archive.keep(batch)
        assert (first.name, second.name) == (f"{MN}_2026-05-01.hj212", f"{MN}_2026-05-01-2.hj212")
        assert first.read_bytes() == bytes(batch.raw)

    def test_the_stream_submitter_reports_the_archived_file(self, tmp_path):
        contract = FakeContract()
        batch = batch_of(air_hour(0, "10"))
        done = stream_submitter(MonitoringClient(contract, MEMBERS), RawArchive(tmp_path))(batch)
        assert done.fingerprint == reports.file_fingerprint(done.file)
        assert contract.calls[-1][2]["fingerprint"] == done.fingerprint


class TestTheChaincodeAcceptsTheDetails:
    """The details the client computes pass the chaincode's own check of ``Report:Submit`` (same bytes)."""

    def test_hourly_minute_and_daily_data_make_details_the_chaincode_accepts(self):
        chaincode_reports = pytest.importorskip("chaincode.monitoring.reports")
        periods = pytest.importorskip("chaincode.monitoring.periods")
        parameters = pytest.importorskip("chaincode.monitoring.parameters")
        frames = [air_hour(h, "52.125" if h == 10 else "30.5", flag="M" if h == 3 else "N",
                           a21002={"Avg": "60", "Flag": "N"}) for h in range(23)]
        frames += [data_frame("2051", MN, hour(23) + timedelta(minutes=10 * i),
                              {"a21026": {"Avg": "20", "Flag": "N"}, "a00000": {"Avg": "10"}}) for i in range(6)]
        frames.append(data_frame("2031", MN, DAY, {"a34013": {"Avg": "5"}, "a00000": {"Avg": "12.5"}}))
        report = day_report(batch_of(*frames), medium="air")
        raw = canonical.dumps(report.details)
        _, value = chaincode_reports.details_from_transient({"details": raw}, "Report:Submit")
        rules = parameters.load_rules(lambda name: None)
        entries = chaincode_reports.check_details(value, periods.parse_period(report.period), "air", rules)
        assert {(e["factor"], e["hours_valid"], e["hours_total"]) for e in entries} == {
            ("a21002", 23, 24), ("a21026", 23, 24), ("a34013", 0, 0)}
