"""Restoration projects: started by a consultation or adopted proposal, reported by the responsible party,
verified by a regulator of another region."""

from __future__ import annotations

import pytest

from governance_world import ADMIN, DAY, SHA, gworld  # noqa: F401 (fixture)
from test_permit_world import BJ_STEEL, ENTERPRISE, HB_CEMENT, REGULATOR

MILESTONES = [{"name": "dredge 2 km", "due": "2026-06-30"}, {"name": "wetland buffer", "due": "2026-12-31"}]


@pytest.fixture
def source(gworld):
    return gworld.adopt(kind="resolution", text="Restore the Chaobai river bank")["id"]


def start(gworld, source, responsible="HB", who=None, **extra):
    args = {"source": source, "title": "Chaobai bank restoration", "responsible": responsible,
            "budget_fen": 250_000_000, "milestones": MILESTONES, **extra}
    return gworld.ok(who or ADMIN["BJ"], "Project:Start", **args)


def test_a_region_reports_and_a_regulator_of_another_region_verifies_until_complete(gworld, source):
    project = start(gworld, source)
    assert project["status"] == "active" and project["responsible"] == {"kind": "region", "id": "HB", "region": "HB"}
    assert [m["status"] for m in project["milestones"]] == ["planned", "planned"]
    pid = project["id"]
    gworld.ok(REGULATOR["HB"], "Project:Report", project_id=pid, milestone=0, text="2.1 km dredged", evidence=SHA)
    rejected = gworld.ok(REGULATOR["TJ"], "Project:Verify", project_id=pid, milestone=0, accept=False,
                         note="only 1.5 km seen on site")
    assert rejected["milestones"][0]["status"] == "rejected"
    gworld.ok(REGULATOR["HB"], "Project:Report", project_id=pid, milestone=0, text="now 2.1 km")
    gworld.ok(REGULATOR["BJ"], "Project:Verify", project_id=pid, milestone=0)
    gworld.ok(REGULATOR["HB"], "Project:Report", project_id=pid, milestone=1, text="buffer planted")
    done = gworld.ok(REGULATOR["TJ"], "Project:Verify", project_id=pid, milestone=1)
    assert done["status"] == "completed" and done["completed"]["by"]["name"] == "tj-regulator"
    assert [p["id"] for p in gworld.query(ADMIN["CO"], "Project:List", status="completed")] == [pid]
    assert [p["id"] for p in gworld.query(ADMIN["CO"], "Project:List", source=source)] == [pid]
    assert gworld.event_names()[-1] == "ProjectMilestoneVerified"


def test_an_enterprise_responsible_reports_its_own_project(gworld, source):
    project = start(gworld, source, responsible=BJ_STEEL)
    gworld.refused(REGULATOR["BJ"], "Project:Report", f"project {project['id']} is the responsibility of enterprise "
                   f"{BJ_STEEL}", project_id=project["id"], milestone=0, text="t")
    gworld.refused(ENTERPRISE[HB_CEMENT], "Project:Report", "may not report its progress",
                   project_id=project["id"], milestone=0, text="t")
    gworld.ok(ENTERPRISE[BJ_STEEL], "Project:Report", project_id=project["id"], milestone=0, text="done")
    gworld.refused(REGULATOR["BJ"], "Project:Verify", f"project {project['id']} is carried out in region BJ; a "
                   f"regulator of another region verifies its progress", project_id=project["id"], milestone=0)


def test_a_consultation_starts_a_project(gworld):
    gworld.adopt(changes={"concern_threshold": 1})
    consultation = gworld.ok(REGULATOR["BJ"], "Concern:Raise", area="haihe", text="t")["consultation"]
    project = start(gworld, consultation["id"], who=ADMIN["TJ"])
    assert project["origin"] == {"kind": "consultation", "id": consultation["id"], "area": "haihe"}


def test_start_refusals(gworld, source):
    open_proposal = gworld.table(kind="resolution", text="x")
    for args, who, expected in [
        ({}, REGULATOR["BJ"], "Project:Start needs an admin of a member organization or an identity with role"),
        ({"source": open_proposal["id"]}, None, f"proposal {open_proposal['id']} is open; only an adopted proposal"),
        ({"source": "X-1"}, None, "source must be a consultation (CS-...) or a proposal (P-...)"),
        ({"source": "CS-0000000000000000"}, None, "consultation CS-0000000000000000 does not exist"),
        ({"responsible": "SD"}, None, "responsible region SD is not a member region"),
        ({"responsible": "not-a-code"}, None, "responsible enterprise 'not-a-code' is not a valid"),
        ({"budget_fen": -1}, None, "budget_fen must be a whole number of fen"),
        ({"budget_fen": 1.5}, None, "budget_fen must be a whole number of fen"),
        ({"milestones": []}, None, "milestones must be a list of 1 to 50"),
        ({"milestones": [{"name": "x", "due": "2026-13-01"}]}, None, "milestones[0].due must be a date YYYY-MM-DD"),
        ({"milestones": [{"name": "x"}]}, None, "milestones[0] must be an object with exactly name and due"),
    ]:
        base = {"source": source, "title": "t", "responsible": "HB", "budget_fen": 1, "milestones": MILESTONES}
        gworld.refused(who or ADMIN["BJ"], "Project:Start", expected, **{**base, **args})


def test_report_and_verify_refusals(gworld, source):
    pid = start(gworld, source)["id"]
    gworld.refused(REGULATOR["TJ"], "Project:Report", f"project {pid} is the responsibility of region HB; only its "
                   f"regulators report progress, not tj-regulator@TJMSP", project_id=pid, milestone=0, text="t")
    gworld.refused(REGULATOR["HB"], "Project:Report", "milestone must be a number from 0 to 1", project_id=pid,
                   milestone=2, text="t")
    gworld.refused(REGULATOR["TJ"], "Project:Verify", "milestone 0 of project", project_id=pid, milestone=0)
    gworld.ok(REGULATOR["HB"], "Project:Report", project_id=pid, milestone=0, text="t")
    gworld.refused(REGULATOR["HB"], "Project:Report", f"milestone 0 of project {pid} is already reported",
                   project_id=pid, milestone=0, text="again")
    gworld.refused(REGULATOR["HB"], "Project:Verify", "a regulator of another region verifies its progress",
                   project_id=pid, milestone=0)
    gworld.refused(ADMIN["TJ"], "Project:Verify", "role 'regulator' is required for Project:Verify",
                   project_id=pid, milestone=0)
    gworld.refused(REGULATOR["TJ"], "Project:Verify", "note must be a non-empty string", project_id=pid,
                   milestone=0, accept=False)
    gworld.refused(REGULATOR["TJ"], "Project:Verify", "accept must be true or false", project_id=pid,
                   milestone=0, accept="yes")
