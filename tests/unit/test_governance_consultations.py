"""Concerns about an area; the threshold-th open concern opens a consultation; a resolution closes them."""

from __future__ import annotations

import pytest

from governance_world import ADMIN, DAY, DELEGATE_TJ, OUTSIDER_ADMIN, SHA, gworld  # noqa: F401 (fixture)
from monitoring_world import STATION
from waste_world import wworld  # noqa: F401 (fixture)
from test_permit_world import BJ_STEEL, COORDINATOR, ENTERPRISE, HB_CEMENT, NO_ROLE, REGULATOR


def raise_concern(gworld, who=None, area="haihe", text="black water at the Sanchakou section", **extra):
    return gworld.ok(who or REGULATOR["TJ"], "Concern:Raise", area=area, text=text, **extra)


def violation(gworld, entity=BJ_STEEL, region="BJ"):
    return gworld.ok(REGULATOR[region], "Violation:Record", entity=entity, kind="inspection_finding",
                     severity="general", evidence="bypass found")


class TestRaise:
    def test_regulators_enterprises_and_stations_raise_concerns_about_a_basin(self, gworld):
        by_regulator = raise_concern(gworld, evidence=SHA)["concern"]
        assert {k: by_regulator[k] for k in ("area", "regions", "status", "consultation", "evidence", "links",
                                             "raised_by")} == {
            "area": "haihe", "regions": ["BJ", "HB", "TJ"], "status": "open", "consultation": None,
            "evidence": SHA, "links": [], "raised_by": {"role": "regulator", "region": "TJ"}}
        by_enterprise = raise_concern(gworld, ENTERPRISE[HB_CEMENT], area="jingjinji-air")["concern"]
        assert by_enterprise["raised_by"] == {"role": "enterprise", "region": "HB", "entity": HB_CEMENT}
        by_station = raise_concern(gworld, STATION["BJ"], area="BJ")["concern"]
        assert by_station["regions"] == ["BJ"] and by_station["raised_by"]["station"] == "BJ supervisory station 1"
        assert gworld.event_names() == ["ConcernRaised"] * 3

    def test_a_concern_links_violations_of_the_area(self, gworld):
        found = violation(gworld)
        concern = raise_concern(gworld, links=[found["id"]])["concern"]
        assert concern["links"] == [found["id"]]

    def test_a_concern_links_manifests_that_start_or_end_in_the_area(self, gworld, wworld):
        manifest = wworld.create()  # Beijing to Hebei
        assert (manifest["origin"], manifest["destination"]) == ("BJ", "HB")
        concern = raise_concern(gworld, area="HB", links=[manifest["id"]])["concern"]
        assert concern["links"] == [manifest["id"]]
        gworld.refused(REGULATOR["TJ"], "Concern:Raise", f"manifest {manifest['id']} goes between BJ and HB, "
                       "outside area TJ (TJ)", area="TJ", text="t", links=[manifest["id"]])

    @pytest.mark.parametrize("who, expected", [
        (NO_ROLE, "role 'regulator', 'enterprise' or 'monitor' is required for Concern:Raise; bj-clerk@BJMSP has no role"),
        (ADMIN["BJ"], "admin-bj@BJMSP has no role"),
        (DELEGATE_TJ, "has role 'delegate'"),
        (COORDINATOR, "has role 'auditor'"),
        (OUTSIDER_ADMIN, "has no role"),
    ])
    def test_other_roles_are_refused(self, gworld, who, expected):
        gworld.refused(who, "Concern:Raise", expected, area="haihe", text="t")

    def test_bad_input_is_refused(self, gworld):
        found = violation(gworld, entity=HB_CEMENT, region="HB")
        for args, expected in [
            ({"area": "yangtze"}, "area 'yangtze' is neither a member region nor a basin of the parameters "
                                  "air_basin or river_basin (known areas: BJ, HB, TJ, haihe, jingjinji-air)"),
            ({"area": "CO"}, "area 'CO' is neither a member region"),
            ({"text": ""}, "text must be a non-empty string"),
            ({"evidence": "x"}, "evidence must be a SHA-256 fingerprint"),
            ({"links": ["V-0000000000000000"]}, "violation V-0000000000000000 does not exist"),
            ({"links": ["M-1"]}, "link 'M-1' is neither a violation id (V-...) nor a manifest number (14 digits)"),
            ({"links": ["20269900000001"]}, "manifest 20269900000001 does not exist"),
            ({"links": "V-1"}, "links must be a list"),
            ({"area": "BJ", "links": [found["id"]]}, f"violation {found['id']} is in region HB, outside area BJ (BJ)"),
            ({"links": [found["id"], found["id"]]}, "links must not repeat"),
        ]:
            gworld.refused(REGULATOR["TJ"], "Concern:Raise", expected, **{"area": "haihe", "text": "t", **args})


class TestConsultation:
    def test_the_threshold_th_concern_opens_a_consultation_with_the_open_concerns_as_agenda(self, gworld):
        first = raise_concern(gworld)["concern"]
        raise_concern(gworld, area="BJ")  # another area counts on its own
        second = raise_concern(gworld, ENTERPRISE[HB_CEMENT])["concern"]
        gworld.ledger.events.clear()
        third = raise_concern(gworld, STATION["BJ"])
        consultation = third["consultation"]
        assert consultation["agenda"] == sorted([first["id"], second["id"], third["concern"]["id"]])
        assert {k: consultation[k] for k in ("area", "regions", "notify", "threshold", "status")} == {
            "area": "haihe", "regions": ["BJ", "HB", "TJ"], "notify": ["BJMSP", "HBMSP", "TJMSP"], "threshold": 3,
            "status": "open"}
        assert [name for name, _ in gworld.ledger.events] == ["ConcernRaised", "ConsultationOpened"]
        opened = gworld.ledger.events[1][1]
        assert opened["notify"] == ["BJMSP", "HBMSP", "TJMSP"] and opened["consultation"] == consultation["id"]
        assert third["concern"]["status"] == "under_consultation"
        concerns = gworld.query(COORDINATOR, "Concern:List", area="haihe")
        assert {c["status"] for c in concerns} == {"under_consultation"}
        assert gworld.query(ADMIN["BJ"], "Concern:List", area="BJ", status="open")[0]["area"] == "BJ"

    def test_the_threshold_is_a_parameter_changed_by_proposal(self, gworld):
        gworld.adopt(changes={"concern_threshold": 1})
        assert raise_concern(gworld)["consultation"] is not None

    def test_a_concern_raised_during_a_consultation_joins_its_agenda(self, gworld):
        gworld.adopt(changes={"concern_threshold": 1})
        consultation = raise_concern(gworld)["consultation"]
        joined = raise_concern(gworld, ENTERPRISE[BJ_STEEL])
        assert joined["consultation"] is None and joined["concern"]["consultation"] == consultation["id"]
        shown = gworld.query(ADMIN["HB"], "Consultation:Show", consultation_id=consultation["id"])
        assert len(shown["concerns"]) == 2

    def test_a_resolution_concludes_it_closes_its_concerns_and_may_table_a_proposal(self, gworld):
        gworld.adopt(changes={"concern_threshold": 2})
        raise_concern(gworld)
        consultation = raise_concern(gworld)["consultation"]
        result = gworld.ok(DELEGATE_TJ, "Consultation:Conclude", consultation_id=consultation["id"],
                           resolution="Joint monitoring at the border section", document=SHA,
                           proposal={"kind": "parameter", "title": "Tighter station tolerance",
                                     "voting_seconds": 7 * DAY, "changes": {"station_tolerance_permille": 50}})
        concluded, proposal = result["consultation"], result["proposal"]
        assert concluded["status"] == "concluded" and concluded["conclusion"]["proposal"] == proposal["id"]
        assert proposal["consultation"] == consultation["id"] and proposal["status"] == "open"
        assert sorted(concluded["conclusion"]["resolved"]) == sorted(consultation["agenda"])
        assert {c["status"] for c in gworld.query(COORDINATOR, "Concern:List", area="haihe")} == {"resolved"}
        assert gworld.event_names()[-2:] == ["ProposalTabled", "ConsultationConcluded"]
        # the area is free again: new concerns count toward the next consultation
        assert raise_concern(gworld)["concern"]["status"] == "open"
        assert [c["id"] for c in gworld.query(ADMIN["CO"], "Consultation:List", status="concluded")] == \
            [consultation["id"]]
        assert gworld.query(ADMIN["CO"], "Consultation:List", area="haihe", status="open") == []

    def test_conclude_refusals(self, gworld):
        gworld.adopt(changes={"concern_threshold": 1})
        consultation = raise_concern(gworld, area="BJ")["consultation"]
        cid = consultation["id"]
        gworld.refused(ADMIN["TJ"], "Consultation:Conclude", f"consultation {cid} is about area BJ (BJ); TJMSP is "
                       f"not an organization of the area (nor the coordinator)", consultation_id=cid, resolution="r")
        gworld.refused(REGULATOR["BJ"], "Consultation:Conclude", "Consultation:Conclude needs an admin",
                       consultation_id=cid, resolution="r")
        gworld.refused(ADMIN["BJ"], "Consultation:Conclude", "resolution must be a non-empty string",
                       consultation_id=cid, resolution="")
        gworld.refused(ADMIN["BJ"], "Consultation:Conclude", "this change could never be applied",
                       consultation_id=cid, resolution="r",
                       proposal={"kind": "parameter", "title": "t", "voting_seconds": DAY,
                                 "changes": {"concern_threshold": 0}})
        gworld.ok(ADMIN["CO"], "Consultation:Conclude", consultation_id=cid, resolution="done")
        gworld.refused(ADMIN["BJ"], "Consultation:Conclude", f"consultation {cid} is already concluded",
                       consultation_id=cid, resolution="again")
        gworld.refused(ADMIN["BJ"], "Consultation:Conclude", "consultation CS-0000000000000000 does not exist",
                       consultation_id="CS-0000000000000000", resolution="r")


def test_concerns_of_every_area_list_by_status_through_an_index(gworld):
    gworld.adopt(changes={"concern_threshold": 2})
    raise_concern(gworld, area="BJ")
    raise_concern(gworld, area="haihe")
    raise_concern(gworld, area="haihe")  # the two haihe concerns go under consultation
    opened = gworld.query(ADMIN["CO"], "Concern:List", status="open")
    assert [c["area"] for c in opened] == ["BJ"]
    assert len(gworld.query(ADMIN["CO"], "Concern:List", status="under_consultation")) == 2
    assert len(gworld.query(ADMIN["CO"], "Concern:List")) == 3
