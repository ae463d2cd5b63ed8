"""The console over an index: every view as HTML and JSON, bad parameters as 4xx, and who may connect."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from starlette.testclient import TestClient

from client.console.app import create_app
from client.console.security import BindingRefused, TokenMiddleware, check_binding
from client.console.views import VIEWS
from client.console.views.common import ConsoleContext
from client.index import store
from client.index.follow import index_channel
from index_blocks import Tx, make_block, make_chain
from test_index_store import FakeGateway

SELLER, BUYER = "91110000MA0000001X", "91130000MA0000002Y"
REPORT_SHA = hashlib.sha256(b"hello").hexdigest()


def market_chain():
    chain = make_chain("ecoledger", [2])
    txs = [
        Tx(tx_id="a1" * 32, function="Market:Offer", events=[("OfferListed", {
            "offer": "O-1", "seller": SELLER, "region": "BJ", "pollutant": "NOx", "vintage": 2026, "quantity": 800,
            "price_hash": "ff"})]),
        Tx(tx_id="a2" * 32, function="Market:Buy", creator=("HBMSP", "hb-paper"), events=[("TradeSettled", {
            "trade": "T-1", "offer": "O-1", "seller": SELLER, "buyer": BUYER, "seller_region": "BJ",
            "buyer_region": "HB", "pollutant": "NOx", "vintage": 2026, "quantity": 300, "status": "settled",
            "price_hash": "ff"})]),
        Tx(tx_id="a3" * 32, function="Monitor:Report", events=[("ReportSubmitted", {
            "report": "R-1", "entity": SELLER, "region": "BJ", "outlet": "DA001", "period": "2026-05-01",
            "source": "enterprise", "sha256": REPORT_SHA, "size": 5, "violations": 1}),
            ("ViolationRecorded", {"violation": "V-1", "entity": SELLER, "region": "BJ", "year": 2026,
                                   "kind": "exceedance", "severity": "minor", "source": "monitoring"})]),
        Tx(tx_id="a4" * 32, function="Market:Buy", code=11, events=[("TradeSettled", {"trade": "T-X"})]),
    ]
    chain.append(make_block("ecoledger", 2, chain[-1], txs))
    return chain


class Refused(Exception):
    chaincode_message = "no lot L-404"


def fake_evaluate(function, args):
    """The peer's answers to the console's live reads."""
    if function == "Permit:Holdings":
        return [{"owner": SELLER, "region": "BJ", "pollutant": "NOx", "vintage": 2026, "held": 3700, "frozen": 0,
                 "escrowed": 500, "pending": 0, "retired": 0}]
    if function == "Permit:History" and args["lot_id"] == "L-1-0":
        return {"lot": "L-1-0", "root": "L-1-0", "depth": 1, "bookmark": "", "items": [
            {"lot": "L-1-0", "at": "2026-05-02", "action": "transferred", "owner": BUYER, "quantity": 300,
             "status": "active"},
            {"lot": "L-1-0", "at": "2026-05-01", "action": "issued", "owner": SELLER, "quantity": 1000,
             "status": "active"}]}
    if function == "Permit:History" and args["lot_id"] == "L-down":
        raise ConnectionError("peer down")
    raise Refused()


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    engine = store.open_engine(f"sqlite:///{tmp_path_factory.mktemp('console') / 'i.sqlite'}")
    chains = {"ecoledger": market_chain(), "bj-tj": make_chain("bj-tj", [1])}
    for name, chain in chains.items():
        asyncio.run(index_channel(FakeGateway(chains), engine, name, stop_at=len(chain)))
    ctx = ConsoleContext(engine=engine, identity="bj-regulator", org="BJ", msp_id="BJMSP",
                         channels=["ecoledger", "bj-tj"], peer_heights=lambda: {"ecoledger": 5, "bj-tj": 2},
                         health=lambda: [{"node": "peer0.bj", "status": "OK"}], evaluate=fake_evaluate)
    with TestClient(create_app(ctx), raise_server_exceptions=False) as c:
        yield c
    engine.dispose()


@pytest.mark.parametrize("view", [v.slug for v in VIEWS])
def test_every_view_serves_html_and_the_same_data_as_json(client, view):
    page = client.get(f"/{view}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text and "http://" not in page.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    data = client.get(f"/{view}", params={"format": "json"})
    assert data.status_code == 200 and isinstance(data.json(), dict)


def test_overview_shows_heights_lag_health_and_latest_blocks(client):
    d = client.get("/overview?format=json").json()
    assert d["channels"] == [{"channel": "ecoledger", "indexed": 3, "peer": 5, "lag": 2},
                             {"channel": "bj-tj", "indexed": 2, "peer": 2, "lag": 0}]
    assert d["validation"] == {"VALID": 8, "MVCC_READ_CONFLICT": 1}
    assert d["health"] == [{"node": "peer0.bj", "status": "OK"}]
    assert {(b["channel"], b["number"]) for b in d["latest_blocks"]} >= {("ecoledger", 2), ("bj-tj", 1)}
    assert "<svg" in client.get("/").text


def test_search_decodes_a_transaction_and_a_block(client):
    [tx] = client.get("/search", params={"q": "a2" * 32, "format": "json"}).json()["transactions"]
    assert (tx["function"], tx["creator_msp"], tx["creator_name"], tx["validation"]) == (
        "Market:Buy", "HBMSP", "hb-paper", "VALID")
    assert tx["endorsers"] == ["BJMSP", "TJMSP"] and tx["events"][0]["name"] == "TradeSettled"
    blocks = client.get("/search", params={"q": "1", "format": "json"}).json()["blocks"]
    assert sorted(b["channel"] for b in blocks) == ["bj-tj", "ecoledger"]
    only = client.get("/search", params={"q": "2", "channel": "ecoledger", "format": "json"}).json()["blocks"]
    assert [t["validation"] for t in only[0]["transactions"]][-1] == "MVCC_READ_CONFLICT"
    assert "Market:Buy" in client.get("/search", params={"q": "a2" * 32}).text


def test_allowances_holdings_offers_trades_and_a_flow_diagram(client):
    d = client.get("/allowances?format=json").json()
    assert d["totals"] == [{"region": "BJ", "pollutant": "NOx", "vintage": "2026", "issued_kg": 4000}]
    seller = next(x for x in d["holdings"] if x["entity"] == SELLER)
    assert (seller["issued"], seller["sold"], seller["net"]) == (4000, 300, 3700)
    buyer = next(x for x in d["holdings"] if x["entity"] == BUYER)
    assert (buyer["bought"], buyer["net"]) == (300, 300)
    one = client.get("/allowances", params={"channel": "bj-tj", "format": "json"}).json()
    assert one["totals"][0]["issued_kg"] == 1000 and one["trades"] == []
    assert [(o["offer"], o["status"]) for o in d["offers"]] == [("O-1", "open")]
    assert [t["trade"] for t in d["trades"]] == ["T-1"]  # the invalid transaction's event is not there
    assert 'class="diagram"' in client.get("/allowances").text
    assert client.get("/allowances", params={"entity": BUYER, "format": "json"}).json()["offers"] == []


def test_monitoring_reports_violations_chart_and_fingerprint_check(client):
    d = client.get("/monitoring?format=json").json()
    assert [r["report"] for r in d["reports"]] == ["R-1"]
    assert [(v["violation"], v["state"]) for v in d["violations"]] == [("V-1", "recorded")]
    hit = client.post("/monitoring?format=json", files={"file": ("day.txt", b"hello")}).json()
    assert [r["report"] for r in hit["fingerprint"]["matches"]] == ["R-1"]
    miss = client.post("/monitoring", files={"file": ("day.txt", b"hellO")})
    assert miss.status_code == 200 and "matches no report on the ledger" in miss.text


@pytest.mark.parametrize("path", [
    "/static/../../../../etc/passwd", "/static/..%2f..%2fetc%2fpasswd", "/static/%2e%2e/app.py", "/static/app.py",
    "/..%2f..%2fetc/passwd", "/search?q=1%27%20OR%201%3D1--", "/search?q=<script>alert(1)</script>",
    "/search?q=" + "9" * 80, "/search?q=1&channel=../../x", "/search?q=1&channel=bj-hb",
    "/allowances?entity=x%27%3B%20DROP%20TABLE%20blocks%3B--", "/monitoring?outlet=%00", "/overview?format=xml",
    "/search?q=99999", "/nope", "/search?q=" + "1" * 64, "/search?q=" + "9" * 19, "/search?q=-1", "/monitoring?entity=" + "A" * 65,
])
def test_traversal_and_injection_get_4xx_without_a_traceback(client, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower()
    assert "<script>" not in response.text
    assert client.get("/search?q=1&format=json").status_code == 200  # nothing dropped


def test_upload_without_a_file_is_400(client):
    assert client.post("/monitoring", data={"x": "1"}).status_code == 400


def test_metrics_expose_index_height_lag_and_request_counts(client):
    client.get("/overview")
    text = client.get("/metrics").text
    assert 'ecoledger_index_height{channel="ecoledger"} 3' in text
    assert 'ecoledger_index_lag_blocks{channel="ecoledger"} 2' in text
    assert 'ecoledger_console_requests_total{view="overview",status="200"}' in text


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_localhost_needs_no_client_authentication(host):
    assert check_binding(host, token=None, tls_cert=None, tls_key=None, client_ca=None).host == host


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "console.example"])
def test_other_addresses_are_refused_without_mutual_tls_or_token(host):
    with pytest.raises(BindingRefused, match=f"refusing to serve the console on {host}"):
        check_binding(host, token=None, tls_cert=None, tls_key=None, client_ca=None)
    assert check_binding(host, token="t" * 32, tls_cert=None, tls_key=None, client_ca=None).token
    assert check_binding(host, token=None, tls_cert="c", tls_key="k", client_ca="ca").mutual_tls
    with pytest.raises(BindingRefused, match="needs all of"):
        check_binding(host, token=None, tls_cert="c", tls_key="k", client_ca=None)
    with pytest.raises(BindingRefused, match="at least 32"):
        check_binding(host, token="short", tls_cert=None, tls_key=None, client_ca=None)


def test_token_is_required_on_every_request(client):
    token = "s" * 40
    guarded = TestClient(TokenMiddleware(client.app, token))
    assert guarded.get("/overview").status_code == 401
    assert guarded.get("/overview", headers={"Authorization": "Bearer " + "x" * 40}).status_code == 401
    assert guarded.get("/overview", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert guarded.get(f"/login?token={token}").status_code == 200  # redirected to / with the cookie set
    assert guarded.get("/overview").status_code == 200


def test_allowances_read_holdings_and_a_lots_provenance_live(client):
    d = client.get("/allowances?format=json").json()
    assert d["live_holdings"][0]["held"] == 3700 and d["live_error"] is None and d["provenance"] is None
    lot = client.get("/allowances", params={"lot": "L-1-0", "format": "json"}).json()["provenance"]
    assert [e["action"] for e in lot["items"]] == ["transferred", "issued"]
    page = client.get("/allowances", params={"lot": "L-1-0"}).text
    assert "Provenance of lot L-1-0" in page and "1. issued" in page and "2. transferred" in page
    refused = client.get("/allowances", params={"lot": "L-404"})
    assert refused.status_code == 404 and "no lot L-404" in refused.text
    down = client.get("/allowances", params={"lot": "L-down"})
    assert down.status_code == 200 and "the peer did not answer (ConnectionError)" in down.text
