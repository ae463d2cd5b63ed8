"""Violations by hand, contests and resolutions; station-versus-enterprise discrepancies; closing periods."""

from __future__ import annotations

import pytest

from monitoring_world import (  # noqa: F401  (mworld is a fixture)
    CO_MONITOR, MN_CEMENT_AIR, MN_STATION_STEEL, MN_STEEL_AIR, MN_STEEL_WATER, STATION, TRANSPORTER, clean_day,
    details, entry, mworld,
)
from test_permit_world import (
    BJ_POWER, BJ_STEEL, COORDINATOR, COORDINATOR_OFFICIAL, ENTERPRISE, HB_CEMENT, IMPOSTOR, NO_ROLE, OUTSIDER,
    REGULATOR, TJ_CHEMICAL, UNREGISTERED,
)

FINDING = {"entity": BJ_STEEL, "kind": "inspection_finding", "severity": "serious",
           "evidence": "dust collector bypassed during the 2025-12-30 inspection"}


def record(world, **changes):
    return world.ok(REGULATOR["BJ"], "Violation:Record", **{**FINDING, **changes})


class TestRecord:
    def test_a_regulator_records_a_finding_by_hand(self, mworld):
        violation = record(mworld)
        assert {k: violation[k] for k in ("entity", "region", "year", "kind", "source", "severity", "veto",
                                          "evidence", "status", "contest", "resolution")} == {
            "entity": BJ_STEEL, "region": "BJ", "year": 2026, "kind": "inspection_finding", "source": "inspection",
            "severity": "serious", "veto": False, "evidence": FINDING["evidence"], "status": "open", "contest": None,
            "resolution": None}
        assert violation["by"] == {"msp_id": "BJMSP", "name": "bj-regulator", "role": "regulator"}
        assert mworld.ledger.events == [("ViolationRecorded", {
            "violation": violation["id"], "entity": BJ_STEEL, "region": "BJ", "year": 2026,
            "kind": "inspection_finding", "severity": "serious", "source": "inspection", "tx_id": violation["tx_id"]})]

    def test_one_vote_veto_kinds_are_always_severe(self, mworld):
        for kind in ("environmental_crime", "unapproved_construction", "hidden_discharge_pipe"):
            violation = record(mworld, kind=kind, severity="severe", evidence={"case": "2025-BJ-001", "pipe": "DW9"})
            assert violation["veto"] is True and violation["evidence"]["pipe"] == "DW9"
        mworld.refused(REGULATOR["BJ"], "Violation:Record", "kind hidden_discharge_pipe is a one-vote veto "
                       "violation; its severity is severe, not serious", **{**FINDING, "kind": "hidden_discharge_pipe"})

    @pytest.mark.parametrize("who, changes, message", [
        (ENTERPRISE[BJ_STEEL], {}, "role 'regulator' is required for Violation:Record; bj-steel@BJMSP has role "
                                   "'enterprise'"),
        (STATION["BJ"], {}, "role 'regulator' is required for Violation:Record"),
        (COORDINATOR_OFFICIAL, {}, "reads but does not regulate"),
        (OUTSIDER, {}, "organization SHMSP is not a registered consortium member"),
        (REGULATOR["HB"], {}, f"enterprise {BJ_STEEL} is not registered in region HB"),
        (REGULATOR["BJ"], {"entity": UNREGISTERED}, f"enterprise {UNREGISTERED} is not registered"),
        (REGULATOR["BJ"], {"kind": "concentration_exceedance"}, "kind must be one of inspection_finding, "
                                                                "unpermitted_discharge"),
        (REGULATOR["BJ"], {"severity": "huge"}, "severity must be one of minor, general, serious, severe"),
        (REGULATOR["BJ"], {"evidence": ""}, "evidence must be a non-empty string"),
        (REGULATOR["BJ"], {"evidence": {}}, "evidence must be a non-empty text or a non-empty JSON object"),
        (REGULATOR["BJ"], {"evidence": ["photo"]}, "evidence must be a non-empty text or a non-empty JSON object"),
        (REGULATOR["BJ"], {"evidence": {"text": "x" * 16_000}}, "evidence must be at most 16000 bytes"),
    ])
    def test_refusals(self, mworld, who, changes, message):
        mworld.refused(who, "Violation:Record", message, **{**FINDING, **changes})


class TestContestAndResolve:
    def test_the_enterprise_contests_and_the_regulator_resolves(self, mworld):
        violation = record(mworld)
        contested = mworld.ok(ENTERPRISE[BJ_STEEL], "Violation:Contest", violation_id=violation["id"],
                              reason="the collector was under scheduled maintenance, reported in advance")
        assert contested["status"] == "contested"
        assert contested["contest"]["reason"].startswith("the collector") and contested["contest"]["by"]["name"] == \
            "bj-steel"
        assert mworld.ledger.events[-1][0] == "ViolationContested"
        mworld.refused(ENTERPRISE[BJ_STEEL], "Violation:Contest", f"violation {violation['id']} is contested; only "
                       f"an open violation can be contested", violation_id=violation["id"], reason="again")
        resolved = mworld.ok(REGULATOR["BJ"], "Violation:Resolve", violation_id=violation["id"],
                             reason="maintenance notice on file", outcome="dismissed")
        assert resolved["status"] == "resolved"
        assert (resolved["resolution"]["outcome"], resolved["resolution"]["reason"]) == (
            "dismissed", "maintenance notice on file")
        assert resolved["contest"] == contested["contest"]
        assert mworld.ledger.events[-1] == ("ViolationResolved", {
            "violation": violation["id"], "entity": BJ_STEEL, "region": "BJ", "outcome": "dismissed",
            "reason": "maintenance notice on file", "tx_id": resolved["resolution"]["tx_id"]})
        mworld.refused(REGULATOR["BJ"], "Violation:Resolve", f"violation {violation['id']} is already resolved "
                       f"(dismissed on", violation_id=violation["id"], reason="again")
        mworld.refused(ENTERPRISE[BJ_STEEL], "Violation:Contest", "is resolved; only an open violation can be "
                       "contested", violation_id=violation["id"], reason="late")
        assert mworld.query(ENTERPRISE[BJ_STEEL], "Violation:Show", violation_id=violation["id"]) == resolved

    def test_an_open_violation_is_resolved_as_upheld_by_default(self, mworld):
        violation = record(mworld)
        resolved = mworld.ok(REGULATOR["BJ"], "Violation:Resolve", violation_id=violation["id"],
                             reason="fined and rectified")
        assert (resolved["status"], resolved["contest"], resolved["resolution"]["outcome"]) == (
            "resolved", None, "upheld")

    @pytest.mark.parametrize("who, function, args, message", [
        (ENTERPRISE[BJ_POWER], "Violation:Contest", {}, "concerns enterprise {entity}; enterprise {power} contests "
                                                        "its own violations only"),
        (IMPOSTOR, "Violation:Contest", {}, "is not registered in region HB"),
        (REGULATOR["BJ"], "Violation:Contest", {}, "role 'enterprise' is required for Violation:Contest"),
        (ENTERPRISE[BJ_STEEL], "Violation:Contest", {"reason": " "}, "reason must be a non-empty string"),
        (ENTERPRISE[BJ_STEEL], "Violation:Contest", {"violation_id": "V-0000000000000000"},
         "violation V-0000000000000000 does not exist"),
        (ENTERPRISE[BJ_STEEL], "Violation:Contest", {"violation_id": "R-1"}, "violation_id must be an id like V-"),
        (REGULATOR["HB"], "Violation:Resolve", {}, "violation {id} is in region BJ; the regulator of region HB "
                                                   "resolves violations of region HB only"),
        (ENTERPRISE[BJ_STEEL], "Violation:Resolve", {}, "role 'regulator' is required for Violation:Resolve"),
        (STATION["BJ"], "Violation:Resolve", {}, "role 'regulator' is required for Violation:Resolve"),
        (COORDINATOR_OFFICIAL, "Violation:Resolve", {}, "reads but does not regulate"),
        (REGULATOR["BJ"], "Violation:Resolve", {"outcome": "forgiven"}, "outcome must be one of upheld, dismissed"),
        (REGULATOR["BJ"], "Violation:Resolve", {"reason": ""}, "reason must be a non-empty string"),
    ])
    def test_refusals(self, mworld, who, function, args, message):
        violation = record(mworld)
        arguments = {"violation_id": violation["id"], "reason": "because", **args}
        mworld.refused(who, function, message.format(entity=BJ_STEEL, power=BJ_POWER, id=violation["id"]),
                       **arguments)


class TestReading:
    @pytest.fixture
    def recorded(self, mworld):
        steel = record(mworld)
        veto = record(mworld, kind="environmental_crime", severity="severe")
        cement = mworld.ok(REGULATOR["HB"], "Violation:Record", **{**FINDING, "entity": HB_CEMENT})
        mworld.ok(REGULATOR["BJ"], "Violation:Resolve", violation_id=veto["id"], reason="case closed")
        exceeded = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-06-01",
                                 clean_day("2025-06-01", so2_ug=36_000))["violations"]
        return {"steel": steel["id"], "veto": veto["id"], "cement": cement["id"], "hours": exceeded}

    def test_each_reader_lists_what_its_permission_covers(self, mworld, recorded):
        def ids(who, **filters):
            return {v["id"] for v in mworld.violations(who, **filters)}

        bj = {recorded["steel"], recorded["veto"], *recorded["hours"]}
        assert len(recorded["hours"]) == 24
        assert ids(COORDINATOR) == bj | {recorded["cement"]}
        assert ids(REGULATOR["BJ"]) == ids(STATION["BJ"]) == ids(ENTERPRISE[BJ_STEEL]) == bj
        assert ids(REGULATOR["HB"]) == ids(ENTERPRISE[HB_CEMENT]) == {recorded["cement"]}
        assert ids(ENTERPRISE[BJ_POWER]) == ids(REGULATOR["TJ"]) == set()
        assert ids(COORDINATOR, status="resolved") == {recorded["veto"]}
        assert ids(REGULATOR["BJ"], year=2025) == set(recorded["hours"])
        assert ids(COORDINATOR, year=2026) == {recorded["steel"], recorded["veto"], recorded["cement"]}
        assert ids(COORDINATOR, kind="inspection_finding") == {recorded["steel"], recorded["cement"]}
        assert ids(COORDINATOR, region="HB") == ids(COORDINATOR, entity=HB_CEMENT) == {recorded["cement"]}
        page = mworld.page(ENTERPRISE[BJ_STEEL], "Violation:List", limit=10)
        assert len(page["items"]) == 10 and page["more"] is True

    @pytest.mark.parametrize("who, args, message", [
        (ENTERPRISE[BJ_STEEL], {"entity": HB_CEMENT}, f"enterprise {BJ_STEEL} may read its own violations only"),
        (REGULATOR["BJ"], {"region": "TJ"}, "bj-regulator@BJMSP reads the violations of region BJ only"),
        (STATION["HB"], {"region": "BJ"}, "reads the violations of region HB only"),
        (TRANSPORTER, {}, "is required for Violation:List"),
        (COORDINATOR, {"status": "closed"}, "status must be one of open, contested, resolved"),
        (COORDINATOR, {"year": 20}, "year must be a year between"),
        (COORDINATOR, {"entity": "x"}, "is not a valid unified social credit code"),
    ])
    def test_list_refusals(self, mworld, recorded, who, args, message):
        mworld.query_refused(who, "Violation:List", message, **args)

    def test_show_follows_the_same_permission(self, mworld, recorded):
        for who in (ENTERPRISE[BJ_POWER], REGULATOR["HB"], STATION["TJ"], ENTERPRISE[TJ_CHEMICAL]):
            mworld.query_refused(who, "Violation:Show", f"violation {recorded['steel']} is outside the data "
                                 f"permission", violation_id=recorded["steel"])
        mworld.query_refused(NO_ROLE, "Violation:Show", "is required for Violation:Show",
                             violation_id=recorded["steel"])


class TestDiscrepancy:
    def test_station_and_enterprise_loads_beyond_the_tolerance_are_flagged_for_the_regulator(self, mworld):
        day = "2025-06-01"
        enterprise = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, day, clean_day(day, so2_g=1_000))
        assert enterprise["violations"] == []
        station = mworld.submit(STATION["BJ"], MN_STATION_STEEL, day, clean_day(day, so2_g=1_200))
        assert len(station["violations"]) == 1
        assert mworld.event_names()[-2:] == ["ReportSubmitted", "ViolationRecorded"]
        violation = mworld.query(REGULATOR["BJ"], "Violation:Show", violation_id=station["violations"][0])
        assert (violation["kind"], violation["severity"], violation["year"], violation["entity"]) == (
            "report_discrepancy", "general", 2025, BJ_STEEL)
        assert violation["evidence"] == {
            "outlet": "DA001", "period": day, "enterprise_report": enterprise["report"]["id"],
            "station_report": station["report"]["id"], "station": "BJ supervisory station 1",
            "tolerance_permille": 100,
            "factors": [{"factor": "a21026", "pollutant": "SO2", "enterprise_load_g": 1_000,
                         "station_load_g": 1_200, "difference_g": 200}]}

    def test_within_the_tolerance_nothing_is_flagged_and_the_order_does_not_matter(self, mworld):
        assert mworld.submit(STATION["BJ"], MN_STATION_STEEL, "2025-06-01",
                             clean_day("2025-06-01", so2_g=1_100))["violations"] == []
        assert mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-06-01",
                             clean_day("2025-06-01", so2_g=1_000))["violations"] == []
        mworld.submit(STATION["BJ"], MN_STATION_STEEL, "2025-06-02", clean_day("2025-06-02", so2_g=1_300))
        flagged = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-06-02", clean_day("2025-06-02", so2_g=1_000))
        assert len(flagged["violations"]) == 1
        mworld.set_parameter("station_tolerance_permille", 300)
        mworld.submit(STATION["BJ"], MN_STATION_STEEL, "2025-06-03", clean_day("2025-06-03", so2_g=1_300))
        assert mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-06-03",
                             clean_day("2025-06-03", so2_g=1_000))["violations"] == []


class TestPeriodClose:
    def test_main_outlets_without_an_enterprise_report_get_a_missing_report_violation(self, mworld):
        day = "2025-06-01"
        mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, day, clean_day(day))
        mworld.submit(STATION["BJ"], MN_STEEL_WATER, day, details(entry("w01018", 5, [])))  # a station's: no excuse
        mworld.ledger.events.clear()
        closed = mworld.ok(REGULATOR["BJ"], "Period:Close", period=day)
        assert (closed["region"], closed["period"], closed["checked"]) == ("BJ", day, 1)
        [missing] = closed["missing"]
        assert (missing["entity"], missing["outlet"]) == (BJ_STEEL, "DW001")
        assert mworld.event_names() == ["PeriodClosed", "ViolationRecorded"]
        assert mworld.ledger.events[0][1] == {"region": "BJ", "period": day, "checked": 1, "missing": 1,
                                              "tx_id": closed["closed"]["tx_id"]}
        violation = mworld.query(ENTERPRISE[BJ_STEEL], "Violation:Show", violation_id=missing["violation"])
        assert (violation["kind"], violation["severity"], violation["year"]) == ("missing_report", "minor", 2025)
        assert violation["evidence"] == {"period": day, "outlet": "DW001", "licence": f"{BJ_STEEL}.v1",
                                         "number": "91110000MA01BJ001-001P"}
        mworld.refused(REGULATOR["BJ"], "Period:Close", f"period {day} of region BJ was closed already (transaction "
                       f"{closed['closed']['tx_id']}", period=day)
        late = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_WATER, day, details(entry("w01018", 5, [])))
        assert late["report"]["late"] is True
        assert mworld.query(STATION["BJ"], "Period:Show", period=day) == closed
        assert mworld.query(ENTERPRISE[BJ_POWER], "Period:Show", period=day)["missing"] == []
        assert mworld.query(COORDINATOR, "Period:Show", period="2025-06-02", region="BJ")["closed"] is None

    def test_a_month_is_covered_by_its_month_report_or_a_report_for_every_day(self, mworld):
        for number in range(1, 29):
            day = f"2025-02-{number:02d}"
            mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, day, clean_day(day))
        mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_WATER, "2025-02", details(entry("w01018", 5, [])))
        assert mworld.ok(REGULATOR["BJ"], "Period:Close", period="2025-02")["missing"] == []
        mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_WATER, "2025-03", details(entry("w01018", 5, [])))
        for number in range(1, 31):  # March 31 missing
            day = f"2025-03-{number:02d}"
            mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, day, clean_day(day))
        missing = mworld.ok(REGULATOR["BJ"], "Period:Close", period="2025-03")["missing"]
        assert [(row["entity"], row["outlet"]) for row in missing] == [(BJ_STEEL, "DA001")]
        assert mworld.ok(REGULATOR["BJ"], "Period:Close", period="2025-03-09")["missing"] == []  # the month covers
        late = mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-03-31", clean_day("2025-03-31"))
        assert late["report"]["late"] is True

    def test_each_region_closes_its_own_enterprises_and_only_licences_that_cover_the_period(self, mworld):
        closed = mworld.ok(REGULATOR["HB"], "Period:Close", period="2025-06-01")
        assert [(row["entity"], row["outlet"]) for row in closed["missing"]] == [(HB_CEMENT, "DA001")]
        assert mworld.ok(REGULATOR["BJ"], "Period:Close", period="2024-12-31") == {
            **mworld.query(REGULATOR["BJ"], "Period:Show", period="2024-12-31"), "checked": 0, "missing": []}
        assert mworld.ok(REGULATOR["TJ"], "Period:Close", period="2025-06-01")["checked"] == 0
        mworld.submit(ENTERPRISE[HB_CEMENT], MN_CEMENT_AIR, "2025-06-01", clean_day("2025-06-01"))

    @pytest.mark.parametrize("who, period, message", [
        (REGULATOR["BJ"], "2026-01-01", "period 2026-01-01 has not ended (ledger date 2026-01-01, China Standard "
                                        "Time); it can be closed from 2026-01-02 on"),
        (REGULATOR["BJ"], "2026-01", "it can be closed from 2026-02-01 on"),
        (REGULATOR["BJ"], "2025-13", "period must be a day YYYY-MM-DD or a month YYYY-MM"),
        (ENTERPRISE[BJ_STEEL], "2025-06", "role 'regulator' is required for Period:Close"),
        (STATION["BJ"], "2025-06", "role 'regulator' is required for Period:Close"),
        (COORDINATOR_OFFICIAL, "2025-06", "reads but does not regulate"),
        (CO_MONITOR, "2025-06", "role 'regulator' is required for Period:Close"),
        (OUTSIDER, "2025-06", "organization SHMSP is not a registered consortium member"),
    ])
    def test_refusals(self, mworld, who, period, message):
        mworld.ledger.clock = 1_767_225_600.0 - 8 * 3600 + 30  # 2026-01-01 00:00:30 China Standard Time
        mworld.refused(who, "Period:Close", message, period=period)

    def test_period_show_refusals(self, mworld):
        mworld.query_refused(REGULATOR["BJ"], "Period:Show", "reads the periods of region BJ only", period="2025-06",
                             region="HB")
        mworld.query_refused(COORDINATOR, "Period:Show", "region is required", period="2025-06")
        mworld.query_refused(TRANSPORTER, "Period:Show", "is required for Period:Show", period="2025-06")
