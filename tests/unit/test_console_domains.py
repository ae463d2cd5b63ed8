"""The console's domain views (manifests, compensation, credit, governance, regions) over made-up index data.

Three consoles read one index: Beijing's (channels ecoledger, bj-tj, bj-hb),
Tianjin's (ecoledger, bj-tj, tj-hb) and the coordinator's (ecoledger). Each
must show what its organization may see and nothing else.
"""

from __future__ import annotations

import asyncio

import pytest
from starlette.testclient import TestClient

from client.console.app import create_app
from client.console.views.common import ConsoleContext
from client.index import store
from client.index.follow import index_channel
from index_blocks import Tx, make_block, make_chain
from test_index_store import FakeGateway

GEN, FAC, CARRIER, CARRIER2 = "91110000MA0000001X", "91130000MA0000002Y", "91110000MA0000003Z", "91130000MA0000004W"
TJ_GEN, TJ_FAC = "91120000MA0000005V", "91120000MA0000006U"
M_CROSS, M_TJ, M_SHORT, M_BACK = "20261101000001", "20261201000001", "20261101000002", "20261306000001"
T0 = 1_780_000_000


def _chain(channel: str, txs: list[Tx]) -> list:
    chain = make_chain(channel, [])
    for i, tx in enumerate(txs):
        chain.append(make_block(channel, i + 1, chain[-1], [tx]))
    return chain


def tx(n: int, function: str, *events: tuple[str, dict], creator=("BJMSP", "bj-regulator"), code: int = 0) -> Tx:
    return Tx(tx_id=f"{n:064x}", function=function, events=list(events), creator=creator, seconds=T0 + 86400 * n,
              code=code)


def ecoledger_chain() -> list:
    created = {"generator": GEN, "origin": "BJ", "destination": "HB", "code": "HW08-900-249-08", "quantity": 1200,
               "status": "pending", "approval": None}
    return _chain("ecoledger", [
        tx(1, "Manifest:Create", ("ManifestCreated", {"manifest": M_CROSS, **created})),
        tx(2, "Manifest:Approve", ("ManifestApproved", {"manifest": M_CROSS, "by": "origin", "status": "pending"})),
        tx(3, "Manifest:Consent", ("ManifestConsented", {"manifest": M_CROSS, "approval": "A-1",
                                                         "status": "scheduled"})),
        tx(4, "Manifest:Pickup", ("ManifestPickedUp", {"manifest": M_CROSS, "transporter": CARRIER,
                                                       "quantity": 1200})),
        tx(5, "Manifest:Handoff", ("ManifestHandedOff", {"manifest": M_CROSS, "from": CARRIER, "to": CARRIER2})),
        tx(6, "Manifest:Receive", ("ManifestReceived", {"manifest": M_CROSS, "receiver": FAC, "quantity": 1000,
                                                        "code": "HW08-900-249-08", "discrepancy": ["weight"],
                                                        "violation": "V-00000000000000A1"}),
           ("ViolationRecorded", {"violation": "V-00000000000000A1", "entity": GEN, "region": "BJ", "year": 2026,
                                  "kind": "manifest_discrepancy", "severity": "minor", "source": "waste"})),
        tx(7, "Manifest:Create", ("ManifestCreated", {**created, "manifest": M_TJ, "generator": TJ_GEN,
                                                      "origin": "TJ", "destination": "TJ", "quantity": 500})),
        tx(8, "Manifest:Create", ("ManifestCreated", {**created, "manifest": M_SHORT, "quantity": 300})),
        tx(9, "Manifest:Refuse", ("ManifestRefused", {"manifest": M_SHORT, "by": "destination",
                                                      "reason": "容量不足"})),
        tx(10, "Credit:RepairApply", ("CreditRepairApplied", {"repair": "R-1", "entity": GEN, "region": "BJ"})),
        tx(11, "Governance:Table", ("ProposalTabled", {
            "proposal": "P-1", "kind": "parameter", "title": "提高排放上限 raise the cap", "rule": "majority",
            "electorate": ["BJMSP", "TJMSP", "HBMSP"], "deadline": "2026-12-31T00:00:00Z",
            "changes": ["waste_transit_max_days"], "consultation": None})),
        tx(12, "Governance:Vote", ("ProposalVoted", {"proposal": "P-1", "msp_id": "BJMSP", "choice": "yes",
                                                     "previous": None}), creator=("BJMSP", "bj-admin")),
        tx(13, "Governance:Vote", ("ProposalVoted", {"proposal": "P-1", "msp_id": "TJMSP", "choice": "no",
                                                     "previous": None}), creator=("TJMSP", "tj-admin")),
        tx(14, "Governance:Vote", ("ProposalVoted", {"proposal": "P-1", "msp_id": "TJMSP", "choice": "yes",
                                                     "previous": "no"}), creator=("TJMSP", "tj-admin")),
        tx(15, "Governance:Close", ("ProposalClosed", {"proposal": "P-1", "kind": "parameter", "status": "adopted",
                                                       "tally": {"yes": 2, "no": 0, "abstain": 0},
                                                       "early": False}),
           ("ParameterChanged", {"name": "waste_transit_max_days", "old": 5, "new": 7, "proposal": "P-1"})),
        tx(16, "Governance:Table", ("ProposalTabled", {"proposal": "P-2", "kind": "text", "title": "second",
                                                       "rule": "majority", "electorate": [], "deadline": "",
                                                       "changes": [], "consultation": None})),
        tx(17, "Concern:Raise", ("ConcernRaised", {"concern": "C-1", "area": "air", "regions": ["BJ", "HB"],
                                                   "links": [], "consultation": None}),
           ("ConsultationOpened", {"consultation": "K-1", "area": "air", "regions": ["BJ", "HB"], "notify": [],
                                   "agenda": ["C-1"], "threshold": 1})),
        tx(18, "Market:Buy", ("TradeSettled", {"trade": "T-1", "offer": "O-1", "seller": GEN, "buyer": FAC,
                                               "seller_region": "BJ", "buyer_region": "HB", "pollutant": "NOx",
                                               "vintage": 2026, "quantity": 300, "status": "settled"})),
        tx(19, "Governance:Vote", ("ProposalVoted", {"proposal": "P-2", "msp_id": "HBMSP", "choice": "yes",
                                                     "previous": None}), code=11),  # invalid: not counted
        tx(20, "Manifest:Reject", ("ManifestRejected", {"manifest": M_CROSS, "quantity": 200, "to": "generator",
                                                        "linked": M_BACK, "full": False, "reason": "漏液 leaking"})),
        tx(21, "Manifest:Approve", ("ManifestApproved", {"manifest": M_BACK, "by": "origin", "status": "scheduled"})),
    ])


def agreement_chain(channel: str, agreement: str, up: str, down: str, ps: list[str]) -> list:
    txs = [tx(1, "Compensation:Propose", ("CompensationProposed", {
        "agreement": agreement, "upstream": up, "downstream": down, "section": "永定河 section", "by": up})),
        tx(2, "Compensation:Sign", ("CompensationSigned", {"agreement": agreement, "by": down}))]
    for i, p in enumerate(ps):
        period = f"2026-{i + 1:02d}"
        txs += [tx(3 + 3 * i, "Compensation:Submit", ("CompensationMeansSubmitted", {
                    "agreement": agreement, "period": period, "region": up})),
                tx(4 + 3 * i, "Compensation:Submit", ("CompensationMeansSubmitted", {
                    "agreement": agreement, "period": period, "region": down}),
                   ("CompensationPeriodAgreed", {"agreement": agreement, "period": period, "official": {}})),
                tx(5 + 3 * i, "Compensation:Settle", ("CompensationSettled", {
                    "agreement": agreement, "period": period, "settlement": f"S-{agreement}-{i}", "p": p,
                    "payer": up if p > "1" else down, "payee": down if p > "1" else up,
                    "amount_yuan": 1_000_000}))]
    txs.append(tx(3 + 3 * len(ps), "Compensation:Confirm", ("CompensationConfirmed", {
        "settlement": f"S-{agreement}-0", "step": "paid", "by": up})))
    return _chain(channel, txs)


def domain_chains() -> dict[str, list]:
    return {"ecoledger": ecoledger_chain(),
            "bj-hb": agreement_chain("bj-hb", "CA-BJHB", "BJ", "HB", ["1.25", "0.80", "1.10"]),
            "tj-hb": agreement_chain("tj-hb", "CA-TJHB", "TJ", "HB", ["0.90"]),
            "bj-tj": make_chain("bj-tj", [])}


BOARD = {"year": 2026, "at": "2026-12-01T00:00:00Z", "regions": [
    {"region": "BJ", "enterprises": 3, "levels": {"green": 1, "blue": 1, "yellow": 0, "red": 1}, "violations": 2,
     "veto_violations": 0, "violations_per_100": "66.7", "compliant": 1, "compliance_rate_percent": "33.3",
     "trend": [{"month": f"2026-{m:02d}", "violations": 1 if m == 11 else 0} for m in range(1, 13)]},
    {"region": "TJ", "enterprises": 1, "levels": {"green": 1, "blue": 0, "yellow": 0, "red": 0}, "violations": 0,
     "veto_violations": 0, "violations_per_100": "0.0", "compliant": 1, "compliance_rate_percent": "100.0",
     "trend": [{"month": f"2026-{m:02d}", "violations": 0} for m in range(1, 13)]}]}
EXPLAINED = {"entity": GEN, "name": "北京化工 Beijing Chemicals", "region": "BJ", "level": "blue", "level_name": "良好",
             "points": 2, "veto": [], "since": {"date": "2026-11-06"}, "valid_until": "2027-11-06",
             "thresholds": {"blue_max": 3, "red_from": 12}, "window_days": 365,
             "facts": [{"violation": "V-00000000000000A1", "kind": "manifest_discrepancy", "severity": "minor",
                        "source": "waste", "recorded": "2026-11-06T00:00:00Z", "points": 2, "state": "counted",
                        "counts_until": "2027-11-06T00:00:00Z"}]}
ALERTS = {"alerts": {"in_transit": {"items": [], "bookmark": "", "more": False},
                     "no_receipt": {"items": [{"kind": "no_receipt", "manifest": M_CROSS, "status": "in_transit",
                                               "what": "no signed receipt since pick-up", "days": 40,
                                               "level": "contact"}], "bookmark": "", "more": False}}}


class Refused(Exception):
    chaincode_message = "enterprise 91110000MA00000000 is not registered"


def evaluate_as(org: str):
    def evaluate(function, args):
        if function == "Credit:Board":
            return BOARD
        if function == "Credit:Explain" and args["entity"] == GEN:
            return EXPLAINED
        if function == "Manifest:Alerts":
            return ALERTS if org == "BJ" else {"alerts": {}}
        if function == "Manifest:Trace":
            return {"manifest": args["manifest_id"], "root": {"id": args["manifest_id"], "visible": True,
                                                              "links": [{"id": "20261101000009", "links": []}]}}
        if function == "Manifest:Down":
            raise ConnectionError("down")
        raise Refused()
    return evaluate


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = store.open_engine(f"sqlite:///{tmp_path_factory.mktemp('domains') / 'i.sqlite'}")
    chains = domain_chains()
    for name, chain in chains.items():
        asyncio.run(index_channel(FakeGateway(chains), engine, name, stop_at=len(chain)))
    yield engine
    engine.dispose()


def console(engine, org: str, channels: list[str], kind: str = "region", live: bool = True) -> TestClient:
    ctx = ConsoleContext(engine=engine, identity=f"{org.lower()}-regulator", org=org, msp_id=f"{org}MSP",
                         channels=channels, kind=kind, evaluate=evaluate_as(org) if live else None)
    return TestClient(create_app(ctx), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def bj(engine):
    return console(engine, "BJ", ["ecoledger", "bj-tj", "bj-hb"])


@pytest.fixture(scope="module")
def tj(engine):
    return console(engine, "TJ", ["ecoledger", "bj-tj", "tj-hb"])


@pytest.fixture(scope="module")
def co(engine):
    return console(engine, "CO", ["ecoledger"], kind="coordinator")


# -- manifests ------------------------------------------------------------------------------------------------

def test_manifest_board_counts_the_regions_manifests_by_status(bj):
    d = bj.get("/manifests?format=json").json()
    assert {m["manifest"]: m["status"] for m in d["manifests"]} == {M_CROSS: "received", M_SHORT: "refused",
                                                                    M_BACK: "scheduled"}
    assert d["board"] == [{"status": "received", "count": 1}, {"status": "refused", "count": 1},
                          {"status": "scheduled", "count": 1}]
    assert {a["manifest"]: a["why"] for a in d["attention"]} == {M_CROSS: "discrepancy on receipt: weight",
                                                                M_SHORT: "refused"}
    assert d["alerts"]["no_receipt"]["items"][0]["manifest"] == M_CROSS
    page = bj.get("/manifests").text
    assert "no signed receipt since pick-up" in page and "manifests by status" in page


def test_a_region_sees_only_manifests_from_or_to_it_and_the_coordinator_sees_all(bj, tj, co):
    assert [m["manifest"] for m in tj.get("/manifests?format=json").json()["manifests"]] == [M_TJ]
    assert tj.get(f"/manifests?manifest={M_CROSS}").status_code == 404
    assert M_CROSS not in tj.get("/manifests").text
    assert {m["manifest"] for m in co.get("/manifests?format=json").json()["manifests"]} == {
        M_CROSS, M_TJ, M_SHORT, M_BACK}
    assert [m["manifest"] for m in bj.get("/manifests?format=json&status=refused").json()["manifests"]] == [M_SHORT]
    assert [m["manifest"] for m in bj.get(f"/manifests?format=json&entity={CARRIER2}").json()["manifests"]] == [
        M_CROSS]


def test_chain_of_custody_is_a_diagram_from_generator_through_carriers_to_receiver(bj):
    d = bj.get(f"/manifests?manifest={M_CROSS}&format=json").json()
    custody = d["custody"]
    assert custody["transporters"] == [CARRIER, CARRIER2] and custody["receiver"] == FAC
    assert [s["step"] for s in custody["steps"]] == ["created", "approved", "consented", "picked up", "handed off",
                                                    "received", "rejected"]
    assert custody["links"] == [M_BACK]
    back = bj.get(f"/manifests?manifest={M_BACK}&format=json").json()["custody"]
    assert (back["origin"], back["destination"], back["quantity"], back["original"], back["status"]) == (
        "HB", "BJ", 200, M_CROSS, "scheduled")
    page = bj.get(f"/manifests?manifest={M_CROSS}").text
    assert f"Chain of custody of manifest {M_CROSS}" in page and 'class="diagram"' in page
    assert (f"generator {GEN} → 1. carrier {CARRIER} → 2. carrier {CARRIER2} → receiver {FAC}"
            in page.replace("&rarr;", "→"))
    assert "20261101000009" in page  # a linked manifest from the live trace


def test_manifests_without_live_reads_still_serve_the_index(engine):
    offline = console(engine, "BJ", ["ecoledger"], live=False)
    d = offline.get("/manifests?format=json").json()
    assert d["alerts"] is None and d["live_error"] == "live reads are off" and len(d["manifests"]) == 3
    assert "live reads are off" in offline.get("/manifests").text


# -- compensation ---------------------------------------------------------------------------------------------

def test_compensation_shows_p_per_period_and_settlements_of_the_orgs_pair_channels(bj):
    d = bj.get("/compensation?format=json").json()
    [a] = d["agreements"]
    assert (a["agreement"], a["channel"], a["upstream"], a["downstream"], a["status"]) == (
        "CA-BJHB", "bj-hb", "BJ", "HB", "in_force")
    assert [(p["period"], p["p"], p["status"]) for p in a["periods"]] == [
        ("2026-01", "1.25", "settled"), ("2026-02", "0.80", "settled"), ("2026-03", "1.10", "settled")]
    assert [(s["settlement"], s["payer"], s["payee"], s["status"]) for s in d["settlements"]] == [
        ("S-CA-BJHB-0", "BJ", "HB", "paid"), ("S-CA-BJHB-1", "HB", "BJ", "awaiting_payment"),
        ("S-CA-BJHB-2", "BJ", "HB", "awaiting_payment")]
    page = bj.get("/compensation?agreement=CA-BJHB").text
    assert "P per period, agreement CA-BJHB" in page and "<polyline" in page and "永定河 section" in page


def test_a_tianjin_console_never_shows_a_beijing_hebei_agreement(tj, co):
    d = tj.get("/compensation?format=json").json()
    assert [a["agreement"] for a in d["agreements"]] == ["CA-TJHB"]
    assert all(s["agreement"] == "CA-TJHB" for s in d["settlements"])
    assert "CA-BJHB" not in tj.get("/compensation").text and "CA-BJHB" not in tj.get("/regions").text
    assert tj.get("/compensation?agreement=CA-BJHB").status_code == 404
    assert tj.get("/compensation?channel=bj-hb").status_code == 404
    assert co.get("/compensation?format=json").json()["agreements"] == []


# -- credit ---------------------------------------------------------------------------------------------------

def test_credit_levels_by_region_live_and_violations_from_the_index(bj):
    d = bj.get("/credit?format=json").json()
    assert d["board_rows"][0] == ["BJ", 3, 1, 1, 0, 1, 2, "66.7", "33.3 %"]
    assert d["violations_by_region"] == [{"region": "BJ", "count": 1}]
    page = bj.get("/credit").text
    assert "enterprises per level and region" in page and "violations per month and region" in page


def test_an_enterprises_explanation_and_timeline(bj):
    d = bj.get(f"/credit?entity={GEN}&format=json").json()
    assert d["summary"]["level"] == "blue (良好)" and d["summary"]["points"] == 2
    assert d["explain_rows"] == [["V-00000000000000A1", "manifest_discrepancy", "minor", "waste", "2026-11-06", 2,
                                  "counted", "2027-11-06"]]
    assert [t["what"] for t in d["timeline"]] == ["violation recorded", "repair applied"]
    page = bj.get(f"/credit?entity={GEN}").text
    assert "北京化工 Beijing Chemicals" in page and "blue (良好)" in page and "repair applied" in page
    refused = bj.get("/credit?entity=91110000MA00000000")
    assert refused.status_code == 404 and "is not registered" in refused.text


def test_credit_without_live_reads_says_so(engine):
    offline = console(engine, "BJ", ["ecoledger"], live=False)
    d = offline.get("/credit?format=json").json()
    assert d["board"] is None and d["live_error"] == "live reads are off"
    assert d["violations_by_region"] == [{"region": "BJ", "count": 1}]


# -- governance -----------------------------------------------------------------------------------------------

def test_governance_proposals_with_latest_votes_outcome_and_consultations(tj):
    d = tj.get("/governance?format=json").json()
    p1, p2 = d["proposals"]
    assert (p1["proposal"], p1["status"], p1["votes"]) == ("P-1", "adopted", {"BJMSP": "yes", "TJMSP": "yes"})
    assert p1["tally"] == {"yes": 2, "no": 0, "abstain": 0}
    assert (p2["status"], p2["votes"]) == ("open", {})  # the invalid transaction's vote is not there
    assert d["changes"] == [{"name": "waste_transit_max_days", "old": 5, "new": 7, "proposal": "P-1",
                             "at": d["changes"][0]["at"]}]
    assert [(c["consultation"], c["status"], c["agenda"]) for c in d["consultations"]] == [("K-1", "open", ["C-1"])]
    assert [(c["concern"], c["status"], c["consultation"]) for c in d["concerns"]] == [
        ("C-1", "under_consultation", "K-1")]
    one = tj.get("/governance?proposal=P-1&format=json").json()
    assert [v["choice"] for v in one["votes"]] == ["yes", "no", "yes"] and one["consultations"] == []
    page = tj.get("/governance").text
    assert "提高排放上限 raise the cap" in page and "BJMSP yes, TJMSP yes" in page
    assert tj.get("/governance?proposal=P-9").status_code == 404
    assert [p["proposal"] for p in tj.get("/governance?status=open&format=json").json()["proposals"]] == ["P-2"]


# -- regions --------------------------------------------------------------------------------------------------

def test_regions_flows_of_trades_waste_and_payments(bj, tj):
    d = bj.get("/regions?format=json").json()
    flows = {(f["kind"], f["from"], f["to"]): (f["count"], f["amount"]) for f in d["flows"]}
    assert flows == {("trade", "BJ", "HB"): (1, "300"), ("waste", "BJ", "HB"): (1, "1200"),
                     ("waste", "HB", "BJ"): (1, "200"),
                     ("payment", "BJ", "HB"): (2, "2000000"), ("payment", "HB", "BJ"): (1, "1000000")}
    t = {(f["kind"], f["from"], f["to"]) for f in tj.get("/regions?format=json").json()["flows"]}
    assert t == {("trade", "BJ", "HB"), ("waste", "TJ", "TJ"), ("payment", "HB", "TJ")}
    assert 'class="diagram"' in bj.get("/regions").text
    assert [f["kind"] for f in bj.get("/regions?region=TJ&format=json").json()["flows"]] == []


@pytest.mark.parametrize("path", [
    "/manifests?manifest=../../etc/passwd", "/manifests?status=%27%20OR%201%3D1--", "/compensation?agreement=<x>",
    "/credit?entity=" + "9" * 65, "/credit?year=abc", "/credit?year=99999", "/governance?proposal=%00",
    "/regions?region=a%20b", "/regions?channel=bj-hb-x", "/manifests?format=xml",
])
def test_bad_parameters_of_the_domain_views_are_4xx(tj, path):
    response = tj.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert "Traceback" not in response.text and "<x>" not in response.text
