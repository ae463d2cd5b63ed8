"""Reports on the in-memory ledger: fingerprints, private details, automatic violations, readers, refusals."""

from __future__ import annotations

import hashlib

import pytest

from chaincode.runtime.memory import _MemoryStub
from common import canonical
from monitoring_world import (  # noqa: F401  (mworld is a fixture)
    CO_MONITOR, MN_CEMENT_AIR, MN_STATION_STEEL, MN_STEEL_AIR, MN_STEEL_PM, MN_STEEL_WATER, NAMELESS_STATION,
    STATION, TRANSPORTER, WRONG_REGION_STATION, Raw, clean_day, details, entry, hours, mworld, steel_licence,
)
from test_permit_world import (
    BJ_POWER, BJ_STEEL, COORDINATOR, COORDINATOR_OFFICIAL, ENTERPRISE, HB_CEMENT, IMPOSTOR, NO_ROLE, OUTSIDER,
    REGULATOR, TJ_CHEMICAL,
)

DAY = "2025-06-01"


def one_hour_over(day: str = DAY, hour: int = 5, value: int = 40_000, load_g: int = 1_000) -> dict:
    means = [20_000] * 24
    means[hour] = value
    return details(entry("a21026", load_g, hours(day, means)))


class TestSubmit:
    def test_a_clean_report_keeps_its_fingerprint_public_and_its_values_private(self, mworld):
        values = clean_day(DAY)
        raw = b"##0101QN=20250601000000000;ST=31;CN=2061;...\r\n"
        result = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, DAY, values, raw=raw)
        report = result["report"]
        assert result["violations"] == []
        assert report["id"].startswith("R-") and len(report["id"]) == 18
        assert {k: report[k] for k in ("entity", "region", "outlet", "mn", "medium", "period", "source", "station",
                                       "fingerprint", "details_hash", "late", "licence")} == {
            "entity": BJ_STEEL, "region": "BJ", "outlet": "DA001", "mn": MN_STEEL_AIR, "medium": "air",
            "period": DAY, "source": "enterprise", "station": None,
            "fingerprint": {"sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)},
            "details_hash": hashlib.sha256(canonical.dumps(values)).hexdigest(), "late": False,
            "licence": f"{BJ_STEEL}.v1"}
        assert report["totals"] == [{"factor": "a21026", "pollutant": "SO2", "load_g": 1_000, "hours_valid": 24,
                                     "hours_total": 24}]
        assert report["submitted"]["by"] == {"msp_id": "BJMSP", "name": "bj-steel", "role": "enterprise"}
        assert mworld.event_names() == ["ReportSubmitted"]
        assert mworld.ledger.events[0][1] == {
            "report": report["id"], "entity": BJ_STEEL, "region": "BJ", "outlet": "DA001", "mn": MN_STEEL_AIR,
            "period": DAY, "source": "enterprise", "station": None, "sha256": hashlib.sha256(raw).hexdigest(),
            "size": len(raw), "violations": 0, "tx_id": report["submitted"]["tx_id"]}
        private = {key: value for key, value in mworld.ledger.private.items() if key[1] == mworld.key("details",
                                                                                                     report["id"])}
        assert list(private) == [("monitoring_BJMSP", mworld.key("details", report["id"]))]
        assert list(private.values()) == [canonical.dumps(values)]
        public = b"".join(mworld.ledger.state.values()) + canonical.dumps(mworld.ledger.events)
        assert b"hourly" not in public and b"mean_ug" not in public
        assert mworld.query(COORDINATOR, "Report:Show", report_id=report["id"]) == report

    def test_one_hour_over_the_limit_is_exactly_one_violation_raised_in_the_same_transaction(self, mworld):
        result = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, DAY, one_hour_over())
        assert len(result["violations"]) == 1
        assert mworld.event_names() == ["ReportSubmitted", "ViolationRecorded"]
        (_, submitted), (_, recorded) = mworld.ledger.events
        assert submitted["violations"] == 1 and submitted["tx_id"] == recorded["tx_id"]
        assert recorded["violation"] == result["violations"][0] and recorded["kind"] == "concentration_exceedance"
        violation = mworld.query(REGULATOR["BJ"], "Violation:Show", violation_id=result["violations"][0])
        assert (violation["kind"], violation["severity"], violation["status"], violation["year"], violation["source"],
                violation["entity"], violation["region"]) == (
            "concentration_exceedance", "general", "open", 2025, "monitoring", BJ_STEEL, "BJ")
        assert violation["evidence"] == {"report": result["report"]["id"], "outlet": "DA001", "mn": MN_STEEL_AIR,
                                         "source": "enterprise", "factor": "a21026", "pollutant": "SO2",
                                         "hour": "2025060105", "value_ug": 40_000, "limit_ug": 35_000}
        assert violation["tx_id"] == result["report"]["submitted"]["tx_id"]

    def test_each_hour_over_is_its_own_violation_and_invalid_hours_never_count(self, mworld):
        means = [20_000] * 24
        means[1], means[2], means[3] = 70_000, 36_000, 99_000
        flags = [True] * 24
        flags[3] = False
        result = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, DAY,
                               details(entry("a21026", 10, hours(DAY, means, flags))))
        found = [mworld.query(COORDINATOR, "Violation:Show", violation_id=v) for v in result["violations"]]
        assert [(v["evidence"]["hour"], v["severity"]) for v in found] == [("2025060101", "serious"),
                                                                          ("2025060102", "general")]

    def test_a_station_reports_the_same_outlet_and_the_same_hour_is_not_recorded_twice(self, mworld):
        first = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, DAY, one_hour_over())
        station = mworld.submit(STATION["BJ"], MN_STATION_STEEL, DAY, one_hour_over(value=41_000))
        assert (station["report"]["source"], station["report"]["station"]) == ("station", "BJ supervisory station 1")
        assert station["violations"] == [] and len(first["violations"]) == 1
        other_hour = mworld.submit(STATION["BJ"], MN_STATION_STEEL, "2025-06-02",
                                   one_hour_over("2025-06-02", hour=7))
        assert len(other_hour["violations"]) == 1
        evidence = mworld.query(COORDINATOR, "Violation:Show", violation_id=other_hour["violations"][0])["evidence"]
        assert (evidence["source"], evidence["mn"], evidence["hour"]) == ("station", MN_STATION_STEEL, "2025060207")

    def test_the_report_that_takes_the_annual_load_above_the_permitted_quantity_raises_one_violation(self, mworld):
        # DA001 may emit 10,000 kg of SO2 a year
        assert mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-03-01",
                             clean_day("2025-03-01", so2_g=6_000_000))["violations"] == []
        assert mworld.submit(STATION["BJ"], MN_STATION_STEEL, "2025-03-09",
                             clean_day("2025-03-09", so2_g=9_000_000))["violations"] == []  # stations do not add
        assert mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-03-02",
                             clean_day("2025-03-02", so2_g=4_000_000))["violations"] == []  # exactly the quantity
        crossing = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-03-03", clean_day("2025-03-03", so2_g=1))
        assert len(crossing["violations"]) == 1
        violation = mworld.query(COORDINATOR, "Violation:Show", violation_id=crossing["violations"][0])
        assert (violation["kind"], violation["severity"], violation["year"]) == ("quantity_exceedance", "serious", 2025)
        assert violation["evidence"] == {"report": crossing["report"]["id"], "outlet": "DA001", "factor": "a21026",
                                         "pollutant": "SO2", "year": 2025, "total_g": 10_000_001,
                                         "permitted_g": 10_000_000, "annual_kg": 10_000, "reports": 3}
        assert mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-03-04",
                             clean_day("2025-03-04", so2_g=5_000_000))["violations"] == []  # once a year
        next_year = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2026-01-01",
                                  clean_day("2026-01-01", so2_g=10_000_001))
        assert len(next_year["violations"]) == 1
        row = mworld.state_json(mworld.key("load~annual", BJ_STEEL, 2025, "a21026", "DA001"))
        assert (row["load_g"], row["reports"], row["violation"]) == (15_000_001, 4, crossing["violations"][0])

    def test_a_month_report_and_a_day_inside_it_never_both_count(self, mworld):
        month = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_WATER, "2025-07",
                              details(entry("w01018", 30_000, [], hours_total=744)))
        assert month["report"]["period"] == "2025-07"
        mworld.submit_refused(ENTERPRISE[BJ_STEEL], MN_STEEL_WATER, "2025-07-09",
                              details(entry("w01018", 1, [])),
                              f"report {month['report']['id']} already covers outlet DW001 of enterprise {BJ_STEEL} "
                              f"for the whole month 2025-07 (source enterprise), which holds day 2025-07-09")
        day = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_WATER, "2025-08-09", details(entry("w01018", 1, [])))
        mworld.submit_refused(ENTERPRISE[BJ_STEEL], MN_STEEL_WATER, "2025-08", details(entry("w01018", 1, [])),
                              f"report {day['report']['id']} already covers a day of month 2025-08 for outlet DW001")
        mworld.submit(STATION["BJ"], MN_STEEL_WATER, "2025-08", details(entry("w01018", 1, [])))  # another source

    @pytest.mark.parametrize("who, mn, message", [
        (REGULATOR["BJ"], MN_STEEL_AIR, "role 'enterprise' (the outlet's owner) or 'monitor' (a station of the "
                                        "outlet's region) is required for Report:Submit; bj-regulator@BJMSP has "
                                        "role 'regulator'"),
        (TRANSPORTER, MN_STEEL_AIR, "bj-truck@BJMSP has role 'transporter'"),
        (COORDINATOR, MN_STEEL_AIR, "co-auditor@COMSP has role 'auditor'"),
        (NO_ROLE, MN_STEEL_AIR, "bj-clerk@BJMSP has no role"),
        (OUTSIDER, MN_STEEL_AIR, "has role 'regulator'"),
        (ENTERPRISE[BJ_POWER], MN_STEEL_AIR, f"device {MN_STEEL_AIR} measures outlet DA001 of enterprise {BJ_STEEL}; "
                                             f"enterprise {BJ_POWER} reports for its own outlets only"),
        (ENTERPRISE[HB_CEMENT], MN_STEEL_AIR, f"enterprise {HB_CEMENT} reports for its own outlets only"),
        (IMPOSTOR, MN_STEEL_AIR, f"enterprise {BJ_STEEL} is not registered in region HB"),
        (STATION["TJ"], MN_STEEL_AIR, f"station TJ supervisory station 1 of region TJ reports for outlets of region "
                                      f"TJ only; device {MN_STEEL_AIR} measures outlet DA001 in region BJ"),
        (STATION["HB"], MN_STEEL_AIR, "reports for outlets of region HB only"),
        (NAMELESS_STATION, MN_STEEL_AIR, "monitor bj-nameless@BJMSP has no usable 'station' attribute"),
        (WRONG_REGION_STATION, MN_STEEL_AIR, "has region attribute 'TJ', but BJMSP runs region BJ"),
        (CO_MONITOR, MN_STEEL_AIR, "role 'monitor' of a region organization is required for Report:Submit; COMSP is "
                                   "the coordinator organization"),
        (ENTERPRISE[BJ_STEEL], "UNKNOWN1", "device UNKNOWN1 is not registered"),
    ])
    def test_only_the_owner_or_a_station_of_the_region_reports(self, mworld, who, mn, message):
        mworld.submit_refused(who, mn, DAY, one_hour_over(), message)

    @pytest.mark.parametrize("period, values, extra, message", [
        ("2025-6-1", None, {}, "period must be a day YYYY-MM-DD or a month YYYY-MM"),
        ("2026-01-02", None, {}, "period 2026-01-02 has not begun (ledger date 2026-01-01, China Standard Time)"),
        ("2026-02", None, {}, "period 2026-02 has not begun"),
        ("2024-12-31", None, {}, f"the licence of enterprise {BJ_STEEL} (version 1, valid 2025-01-01 to 2027-12-31) "
                                 f"does not cover period 2024-12-31"),
        ("2024-12", None, {}, "does not cover period 2024-12"),
        (DAY, Raw(), {}, "Report:Submit needs the transient field details"),
        (DAY, Raw(details=b'{"pollutants": 1}'), {}, "transient details must be canonical JSON"),
        (DAY, Raw(details=b"\xff"), {}, "transient details is not valid JSON"),
        (DAY, one_hour_over(day="2025-06-02"), {}, "hour 2025060200 is outside period 2025-06-01"),
        (DAY, details(entry("w01018", 1, [])), {}, "factor w01018 is a water factor, but the device "
                                                   "measures an air outlet"),
        (DAY, None, {"fingerprint": {"sha256": "0" * 63, "size": 1}}, "fingerprint.sha256 must be 64 lowercase"),
        (DAY, None, {"mn": "bad mn"}, "mn must be an HJ 212 device id"),
        (DAY, None, {"extra": 1}, "Report:Submit: unknown field(s) extra"),
    ])
    def test_bad_input_is_refused_naming_the_field(self, mworld, period, values, extra, message):
        mworld.submit_refused(ENTERPRISE[BJ_STEEL], extra.pop("mn", MN_STEEL_AIR), period,
                              one_hour_over() if values is None else values, message, **extra)

    def test_a_second_report_of_the_same_outlet_period_and_source_is_a_conflict(self, mworld):
        first = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, DAY, clean_day(DAY))
        message = (f"report {first['report']['id']} already covers outlet DA001 of enterprise {BJ_STEEL} for period "
                   f"{DAY} (source enterprise); a report is never replaced")
        mworld.submit_refused(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, DAY, clean_day(DAY), message)
        mworld.submit_refused(ENTERPRISE[BJ_STEEL], MN_STATION_STEEL, DAY, clean_day(DAY), message)  # other device
        mworld.submit(STATION["BJ"], MN_STEEL_AIR, DAY, clean_day(DAY))
        mworld.submit_refused(STATION["BJ"], MN_STEEL_AIR, DAY, clean_day(DAY), "(source station)")

    def test_an_outlet_dropped_from_the_licence_takes_no_more_reports(self, mworld):
        licence = steel_licence(number="P-2")
        licence["outlets"] = licence["outlets"][:2]
        mworld.ok(REGULATOR["BJ"], "Licence:Set", entity=BJ_STEEL, licence=licence)
        mworld.submit_refused(ENTERPRISE[BJ_STEEL], MN_STEEL_WATER, DAY, details(entry("w01018", 1, [])),
                              f"outlet DW001 (device {MN_STEEL_WATER}) is not in the current licence of enterprise "
                              f"{BJ_STEEL} (version 2)")

    def test_limits_of_the_current_licence_apply(self, mworld):
        licence = steel_licence(number="P-2")
        licence["outlets"][1]["limits"][0]["limit_ug"] = 5_000
        mworld.ok(REGULATOR["BJ"], "Licence:Set", entity=BJ_STEEL, licence=licence)
        result = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_PM, DAY,
                               details(entry("a34013", 9, hours(DAY, [4_000, 5_001]))))
        assert len(result["violations"]) == 1 and result["report"]["licence"] == f"{BJ_STEEL}.v2"


class TestVerify:
    RAW = (b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;"
           b"CP=&&RtdInterval=30&&1C80\r\n")

    def test_a_file_matches_the_reports_that_recorded_it_and_a_changed_byte_matches_nothing(self, mworld):
        report = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, DAY, clean_day(DAY), raw=self.RAW)["report"]
        station = mworld.submit(STATION["BJ"], MN_STATION_STEEL, DAY, clean_day(DAY), raw=self.RAW)["report"]
        digest = hashlib.sha256(self.RAW).hexdigest()
        for who in (TRANSPORTER, NO_ROLE, ENTERPRISE[TJ_CHEMICAL], COORDINATOR, STATION["HB"]):
            answer = mworld.query(who, "Report:Verify", sha256=digest, size=len(self.RAW))
            assert sorted(match["report"] for match in answer["matches"]) == sorted([report["id"], station["id"]])
        match = next(m for m in answer["matches"] if m["report"] == report["id"])
        assert match == {"report": report["id"], "entity": BJ_STEEL, "region": "BJ", "outlet": "DA001",
                         "mn": MN_STEEL_AIR, "period": DAY, "source": "enterprise", "station": None,
                         "size": len(self.RAW), "submitted": report["submitted"]}
        changed = bytearray(self.RAW)
        changed[10] ^= 1
        assert mworld.query(NO_ROLE, "Report:Verify", sha256=hashlib.sha256(changed).hexdigest())["matches"] == []
        assert mworld.query(NO_ROLE, "Report:Verify", sha256=digest, size=len(self.RAW) + 1)["matches"] == []
        assert len(mworld.query(NO_ROLE, "Report:Verify", sha256=digest)["matches"]) == 2

    def test_bad_input_and_outsiders_are_refused(self, mworld):
        mworld.query_refused(NO_ROLE, "Report:Verify", "sha256 must be 64 lowercase hexadecimal digits",
                             sha256="A" * 64)
        mworld.query_refused(NO_ROLE, "Report:Verify", "size must be a whole number of bytes", sha256="a" * 64,
                             size=-1)
        mworld.query_refused(OUTSIDER, "Report:Verify", "organization SHMSP is not a registered consortium member",
                             sha256="a" * 64)


@pytest.fixture
def reported(mworld):
    """Reports of two BJ outlets in June and July, a station report, and one of Hebei Cement."""
    made = {
        "steel-june-1": mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-06-01", clean_day("2025-06-01")),
        "steel-june-2": mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-06-02", clean_day("2025-06-02")),
        "steel-july": mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_WATER, "2025-07", details(entry("w01018", 5, []))),
        "station-june-1": mworld.submit(STATION["BJ"], MN_STATION_STEEL, "2025-06-01", clean_day("2025-06-01")),
        "cement-june-1": mworld.submit(ENTERPRISE[HB_CEMENT], MN_CEMENT_AIR, "2025-06-01", clean_day("2025-06-01")),
    }
    return {name: result["report"]["id"] for name, result in made.items()}


class TestReaders:
    @staticmethod
    def ids(items, reported):
        names = {report_id: name for name, report_id in reported.items()}
        return sorted(names[item["id"]] for item in items)

    def test_each_reader_lists_what_its_permission_covers(self, mworld, reported):
        everything = sorted(reported)
        bj = sorted(name for name in reported if not name.startswith("cement"))
        assert self.ids(mworld.query(COORDINATOR, "Report:List"), reported) == everything
        assert self.ids(mworld.query(COORDINATOR_OFFICIAL, "Report:List", region="HB"), reported) == ["cement-june-1"]
        assert self.ids(mworld.query(REGULATOR["BJ"], "Report:List"), reported) == bj
        assert self.ids(mworld.query(STATION["BJ"], "Report:List"), reported) == bj
        assert self.ids(mworld.query(ENTERPRISE[BJ_STEEL], "Report:List"), reported) == bj
        assert mworld.query(ENTERPRISE[BJ_POWER], "Report:List") == []
        assert self.ids(mworld.query(REGULATOR["HB"], "Report:List"), reported) == ["cement-june-1"]
        assert mworld.query(REGULATOR["TJ"], "Report:List") == []

    def test_filters_by_period_prefix_outlet_source_and_entity(self, mworld, reported):
        query = mworld.query
        assert self.ids(query(REGULATOR["BJ"], "Report:List", period="2025-06"), reported) == [
            "station-june-1", "steel-june-1", "steel-june-2"]
        assert self.ids(query(REGULATOR["BJ"], "Report:List", period="2025-06-01", source="enterprise"),
                        reported) == ["steel-june-1"]
        assert self.ids(query(COORDINATOR, "Report:List", period="2025"), reported) == sorted(reported)
        assert self.ids(query(COORDINATOR, "Report:List", period="2025-06-01"), reported) == [
            "cement-june-1", "station-june-1", "steel-june-1"]
        assert self.ids(query(ENTERPRISE[BJ_STEEL], "Report:List", outlet="DW001"), reported) == ["steel-july"]
        assert self.ids(query(COORDINATOR, "Report:List", entity=HB_CEMENT), reported) == ["cement-june-1"]
        assert query(REGULATOR["BJ"], "Report:List", entity=HB_CEMENT) == []

    def test_pages_follow_bookmarks(self, mworld, reported):
        first = mworld.page(REGULATOR["BJ"], "Report:List", limit=2)
        second = mworld.page(REGULATOR["BJ"], "Report:List", limit=2, bookmark=first["bookmark"])
        assert (first["more"], second["more"], second["bookmark"]) == (True, False, "")
        seen = [item["id"] for page in (first, second) for item in page["items"]]
        assert len(seen) == len(set(seen)) == 4
        mworld.query_refused(REGULATOR["BJ"], "Report:List", "bookmark belongs to another list", period="2025-07",
                             bookmark=first["bookmark"])

    @pytest.mark.parametrize("who, args, message", [
        (ENTERPRISE[BJ_STEEL], {"entity": BJ_POWER}, f"enterprise {BJ_STEEL} may read its own reports only, not "
                                                     f"those of {BJ_POWER}"),
        (REGULATOR["BJ"], {"region": "HB"}, "bj-regulator@BJMSP reads the reports of region BJ only, not of region HB"),
        (STATION["BJ"], {"region": "TJ"}, "bj-station@BJMSP reads the reports of region BJ only"),
        (TRANSPORTER, {}, "role 'regulator', 'enterprise' or 'monitor' (or an identity of the coordinator "
                          "organization) is required for Report:List"),
        (OUTSIDER, {}, "organization SHMSP is not a registered consortium member"),
        (COORDINATOR, {"period": "2025-6"}, "period must be a year YYYY, a month YYYY-MM or a day YYYY-MM-DD"),
        (COORDINATOR, {"source": "satellite"}, "source must be one of enterprise, station"),
        (COORDINATOR, {"outlet": "da1"}, "outlet must be an outlet id"),
        (COORDINATOR, {"limit": 0}, "limit must be a whole number from 1 to 500"),
    ])
    def test_list_refusals(self, mworld, reported, who, args, message):
        mworld.query_refused(who, "Report:List", message, **args)

    def test_show_follows_the_same_permission(self, mworld, reported):
        steel = reported["steel-june-1"]
        for who in (ENTERPRISE[BJ_STEEL], REGULATOR["BJ"], STATION["BJ"], COORDINATOR):
            assert mworld.query(who, "Report:Show", report_id=steel)["id"] == steel
        for who in (ENTERPRISE[BJ_POWER], REGULATOR["TJ"], STATION["HB"]):
            mworld.query_refused(who, "Report:Show", f"report {steel} is outside the data permission of",
                                 report_id=steel)
        mworld.query_refused(COORDINATOR, "Report:Show", "report R-0000000000000000 does not exist",
                             report_id="R-0000000000000000")
        mworld.query_refused(COORDINATOR, "Report:Show", "report_id must be an id like R-0123456789ABCDEF",
                             report_id="V-1")

    def test_details_are_read_by_the_enterprise_its_region_and_the_coordinator_only(self, mworld, reported):
        steel = reported["steel-june-1"]
        for who in (ENTERPRISE[BJ_STEEL], REGULATOR["BJ"], STATION["BJ"], COORDINATOR):
            answer = mworld.query(who, "Report:Details", report_id=steel)
            assert answer["details"] == clean_day("2025-06-01")
            assert (answer["collection"], answer["matches_public_hash"]) == ("monitoring_BJMSP", True)
        for who in (REGULATOR["TJ"], ENTERPRISE[TJ_CHEMICAL], STATION["HB"], ENTERPRISE[BJ_POWER]):
            mworld.query_refused(who, "Report:Details", f"report {steel} is outside the data permission",
                                 report_id=steel)
        mworld.query_refused(TRANSPORTER, "Report:Details", "is required for Report:Details", report_id=steel)

    def test_a_peer_outside_the_collection_answers_not_found_with_a_clear_message(self, mworld, reported):
        class HashOnlyStub(_MemoryStub):
            def get_private_data(self, collection, key):
                raise RuntimeError("private data matching public hash version is not available")

        steel = reported["steel-june-1"]
        stub = HashOnlyStub(mworld.ledger, "q", "ecoledger", mworld.ledger.clock, COORDINATOR.msp_id,
                            COORDINATOR.cert_pem)
        response = mworld.ledger.router.invoke(stub, "Report:Details", [canonical.dumps({"report_id": steel})])
        assert response.status == 400
        assert response.message.startswith(f"the details of report {steel} are not held by this peer: collection "
                                           f"monitoring_BJMSP is stored only on peers of its member organizations")
        mworld.ledger.private.clear()
        mworld.query_refused(COORDINATOR, "Report:Details", f"the details of report {steel} are not stored on this "
                             f"peer (collection monitoring_BJMSP)", report_id=steel)
