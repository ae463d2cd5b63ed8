"""The ledger index and the console on the real network.

Beijing's and Hebei's regulators issue allowances, Beijing Glass lists an
offer and Hebei Paper buys part of it across regions (the price is private
to BJ, HB and the coordinator). Beijing's regulator indexes its
organization's channels with ``ecoledger index run``, which is killed with
SIGKILL several times while it catches up and restarted; the database then
equals a fresh full re-index, on SQLite and on a real PostgreSQL server
started here. ``index status`` shows every channel caught up, with the last
indexed block's hash equal to the peer's. Then the console runs for the
Beijing regulator and for a Tianjin regulator and is driven by headless
Chromium: every view loads without console errors, shows what the CLI shows,
Tianjin's console does not know the bj-hb channel nor any price, screenshots
are saved under ``test-artifacts/console/``, and traversal and injection
attempts get 4xx without a stack trace.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from fabric_protos.peer.transaction_pb2 import TxValidationCode

from client.index import store
from network.bootstrap import Network

from .conftest import TEST_BASE_PORT, Cli
from .permits_world import World, credit_code

pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "console"
PG_PORT = TEST_BASE_PORT + 190
BJ_CONSOLE_PORT = TEST_BASE_PORT + 191
TJ_CONSOLE_PORT = TEST_BASE_PORT + 192
VINTAGE = 2030
GLASS = credit_code("BJ", "XCNLE", 1)
PAPER = credit_code("HB", "XCNLE", 1)
VALID, MVCC_READ_CONFLICT = TxValidationCode.VALID, TxValidationCode.MVCC_READ_CONFLICT
BJ_REG, TJ_REG, HB_REG = "idx-bj-regulator", "idx-tj-regulator", "idx-hb-regulator"


def items(listing: Any) -> list[dict[str, Any]]:
    return listing["items"] if isinstance(listing, dict) and "items" in listing else listing


@pytest.fixture(scope="module")
def world(ecoledger: Cli, network: Network) -> Iterator[World]:
    world = World(ecoledger, network)
    world.regulator("BJ", BJ_REG)
    world.regulator("TJ", TJ_REG)
    world.regulator("HB", HB_REG)
    world.enterprise("BJ", "idx-glass", GLASS)
    world.enterprise("HB", "idx-paper", PAPER)
    world.write(BJ_REG, "enterprise", "register", "--entity", GLASS, "--name", "北京玻璃 Beijing Glass")
    world.write(HB_REG, "enterprise", "register", "--entity", PAPER, "--name", "河北纸业 Hebei Paper")
    world.lots = [world.write(BJ_REG, "permit", "issue", "--to", GLASS, "--pollutant", "NOx",  # type: ignore
                              "--vintage", str(VINTAGE), "--quantity", f"{100 + i}t")["id"] for i in range(3)]
    world.write(HB_REG, "permit", "issue", "--to", PAPER, "--pollutant", "SO2", "--vintage", str(VINTAGE),
                "--quantity", "50t")
    offer = world.write("idx-glass", "market", "offer", "--pollutant", "NOx", "--vintage", str(VINTAGE),
                        "--quantity", "80t", "--price", "1350/t")
    world.write("idx-paper", "market", "buy", offer["id"], "--quantity", "20t")
    world.conflict = conflicting_pair(world)  # type: ignore[attr-defined]
    yield world
    world.close()


def conflicting_pair(world: World) -> tuple[str, str]:
    """Two freezes of the same enterprise, both endorsed before either is ordered: the second is MVCC-invalid."""
    contract = world.session.contract(BJ_REG)
    gateway = world.session.gateway(BJ_REG)
    args = {"entity": GLASS, "reason": "inspection"}
    first, second = (contract.endorse("Enterprise:Freeze", args) for _ in range(2))
    codes = []
    for tx in (first, second):
        commit = gateway.run(tx.submit())
        codes.append(gateway.run(commit.status()).code)
    assert codes == [VALID, MVCC_READ_CONFLICT], codes
    world.sync()
    return first.tx_id, second.tx_id


def cli_process(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "ECOLEDGER_HOME": str(home), "ECOLEDGER_IDENTITY": "", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "client.cli.main", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def cli_json(home: Path, *args: str) -> Any:
    proc = cli_process(home, "--json", *args)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out)


def indexed_blocks(url: str) -> int:
    engine = store.open_engine(url)
    try:
        return store.counts(engine)["blocks"]
    finally:
        engine.dispose()


def kill_and_resume(home: Path, url: str, identity: str, kills: int = 3) -> list[int]:
    """Index with SIGKILLs at random moments while it catches up; then finish. Returns blocks seen at each kill."""
    seen = []
    rng = random.Random(12)
    for _ in range(kills):
        before = indexed_blocks(url)
        proc = cli_process(home, "--as", identity, "index", "run", "--db", url, "--throttle", "0.15", "--quiet")
        deadline = time.monotonic() + 120
        while indexed_blocks(url) < before + 2:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the indexer made no progress"
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        seen.append(indexed_blocks(url))
    finished = cli_process(home, "--as", identity, "index", "run", "--db", url, "--once", "--quiet")
    out, err = finished.communicate(timeout=300)
    assert finished.returncode == 0, err
    return seen


def fresh_index(ecoledger: Cli, url: str, identity: str) -> None:
    ecoledger.ok("--as", identity, "index", "run", "--db", url, "--once", "--quiet")


def dump(url: str) -> dict[str, Any]:
    engine = store.open_engine(url)
    try:
        return store.dump(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def bj_index(world: World, fabric_home: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Beijing's index, built through three SIGKILLs."""
    url = f"sqlite:///{tmp_path_factory.mktemp('index') / 'bj-killed.sqlite'}"
    seen = kill_and_resume(fabric_home, url, BJ_REG)
    total = indexed_blocks(url)
    assert all(0 < n < total for n in seen), (seen, total)  # every kill landed before the end
    return url


def test_index_after_kills_equals_a_fresh_reindex(bj_index: str, ecoledger: Cli, tmp_path: Path):
    fresh = f"sqlite:///{tmp_path / 'bj-fresh.sqlite'}"
    fresh_index(ecoledger, fresh, BJ_REG)
    killed, clean = dump(bj_index), dump(fresh)
    assert killed == clean
    assert {row[0] for row in killed["checkpoints"]} == {"ecoledger", "bj-tj", "bj-hb"}
    functions = {row[9] for row in killed["transactions"]}
    assert {"Permit:Issue", "Market:ListOffer", "Market:Buy"} <= functions, functions
    assert all(row[11] == "VALID" for row in killed["transactions"] if row[9] == "Market:Buy")


def test_an_invalid_transaction_is_recorded_with_its_code_and_without_events(bj_index: str, world: World):
    valid_id, invalid_id = world.conflict  # type: ignore[attr-defined]
    rows = {row[3]: row for row in dump(bj_index)["transactions"] if row[3] in (valid_id, invalid_id)}
    assert (rows[valid_id][9], rows[valid_id][10], rows[valid_id][11]) == ("Enterprise:Freeze", 0, "VALID")
    assert (rows[invalid_id][9], rows[invalid_id][10], rows[invalid_id][11]) == (
        "Enterprise:Freeze", MVCC_READ_CONFLICT, "MVCC_READ_CONFLICT")
    events = {row[4]: row[5] for row in dump(bj_index)["events"] if row[4] in (valid_id, invalid_id)}
    assert events == {valid_id: "EnterpriseFrozen"}


def test_status_shows_every_channel_caught_up_with_the_peers_hash(bj_index: str, ecoledger: Cli):
    rows = ecoledger.json("--as", BJ_REG, "index", "status", "--db", bj_index)
    assert sorted(r["channel"] for r in rows) == ["bj-hb", "bj-tj", "ecoledger"]
    for row in rows:
        assert row["indexed"] == row["peer"] and row["lag"] == 0, row
        assert row["hash_matches"] is True, row  # our block hash is the peer's
    text = ecoledger.ok("--as", BJ_REG, "index", "status", "--db", bj_index).stdout
    assert "ecoledger" in text and "lag" in text


def test_a_tianjin_index_has_only_tianjins_channels(world: World, ecoledger: Cli, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'tj.sqlite'}"
    fresh_index(ecoledger, url, TJ_REG)
    assert {row[0] for row in dump(url)["checkpoints"]} == {"ecoledger", "bj-tj", "tj-hb"}
    error = ecoledger.fails("--as", TJ_REG, "index", "run", "--db", url, "--once", "--channel", "bj-hb")
    assert "not on channel(s) bj-hb" in error


# -- PostgreSQL ---------------------------------------------------------------------------------------

def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    assert found, f"{name} not found: run scripts/system-packages.sh"
    return str(found[-1])


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throw-away PostgreSQL cluster on this test's port, owned by an unprivileged user."""
    base = Path(tempfile.mkdtemp(prefix="ecoledger-pg-"))  # outside pytest's root-only folders
    data = base / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root: run them as the postgres user
        shutil.chown(base, user="postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*prefix, _pg_bin("initdb"), "-D", str(data), "-U", "ecoledger", "--auth=trust", "-E", "UTF8",
                    "--no-locale"], check=True, capture_output=True)
    log = base / "pg.log"
    subprocess.run([*prefix, _pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o",
                    f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories={base}", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://ecoledger@127.0.0.1:{PG_PORT}/postgres"
    finally:
        subprocess.run([*prefix, _pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_postgresql_index_after_kills_equals_the_sqlite_reindex(postgres: str, bj_index: str, fabric_home: Path,
                                                                ecoledger: Cli, tmp_path: Path):
    kill_and_resume(fabric_home, postgres, BJ_REG, kills=2)
    fresh = f"sqlite:///{tmp_path / 'bj-fresh.sqlite'}"
    fresh_index(ecoledger, fresh, BJ_REG)
    assert dump(postgres) == dump(fresh)
    rows = ecoledger.json("--as", BJ_REG, "index", "status", "--db", postgres)
    assert all(r["lag"] == 0 and r["hash_matches"] for r in rows)


# -- The console in a browser ---------------------------------------------------------------------------

class Console:
    def __init__(self, home: Path, identity: str, db: str, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.home = home
        self.process = cli_process(home, "--as", identity, "console", "--db", db, "--port", str(port))
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                assert self.process.poll() is None, self.process.stderr.read() if self.process.stderr else ""
                assert time.monotonic() < deadline, "console did not start"
                time.sleep(0.2)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def json(self, path: str) -> Any:
        status, body = self.get(path + ("&" if "?" in path else "?") + "format=json")
        assert status == 200, body
        return json.loads(body)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def consoles(bj_index: str, world: World, fabric_home: Path, ecoledger: Cli,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Console]]:
    tj_db = f"sqlite:///{tmp_path_factory.mktemp('tjindex') / 'tj.sqlite'}"
    yield from regulators_consoles(ecoledger, fabric_home, {"BJ": (BJ_REG, bj_index, BJ_CONSOLE_PORT),
                                                            "TJ": (TJ_REG, tj_db, TJ_CONSOLE_PORT)})


def regulators_consoles(ecoledger: Cli, home: Path,
                        specs: dict[str, tuple[str, str, int]]) -> Iterator[dict[str, Console]]:
    """A console per organization (its regulator, index database and port) on a fresh index, stopped after."""
    for identity, db, _ in specs.values():
        fresh_index(ecoledger, db, identity)
    running = {code: Console(home, identity, db, port) for code, (identity, db, port) in specs.items()}
    yield running
    for console in running.values():
        console.stop()


def visit(browser: Any, url: str, shot: str, artifacts: Path = ARTIFACTS) -> tuple[str, list[str]]:
    """The page's text and its console errors; a screenshot under ``artifacts`` (test-artifacts/console/)."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, url
    artifacts.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(artifacts / f"{shot}.png"), full_page=True)
    text = page.inner_text("body")
    page.close()
    return text, errors


def test_every_view_loads_in_chromium_without_console_errors(consoles: dict[str, Console], browser: Any):
    from client.console.views import VIEWS

    for org, console in consoles.items():
        for view in VIEWS:
            text, errors = visit(browser, f"{console.url}/{view.slug}", f"{org.lower()}-{view.slug}")
            assert errors == [], (org, view.slug, errors)
            assert view.title in text and "控制台" in text


def test_views_show_what_the_cli_shows(consoles: dict[str, Console], browser: Any, world: World, ecoledger: Cli):
    bj = consoles["BJ"]
    # in a subprocess: Playwright's sync API keeps an event loop running in this thread
    status = {r["channel"]: r for r in cli_json(bj.home, "--as", BJ_REG, "index", "status", "--db", _db_of(bj))}
    overview = bj.json("/overview")
    assert {c["channel"]: c["indexed"] for c in overview["channels"]} == {c: r["indexed"] for c, r in status.items()}
    assert all(h["status"] == "OK" for h in overview["health"]) and overview["health"]

    offers = {o["id"] for o in items(world.query(BJ_REG, "market", "offers", "--all"))}
    trades = {(t["id"], t["status"]) for t in items(world.query(BJ_REG, "market", "trades", "--all"))}
    allowances = bj.json("/allowances")
    assert {o["offer"] for o in allowances["offers"]} >= offers
    assert {(t["trade"], t["status"]) for t in allowances["trades"]} >= trades
    text, _ = visit(browser, f"{bj.url}/allowances?entity={GLASS}", "bj-allowances-glass")
    # other test modules on the same network list offers too: the page of one enterprise shows its own
    glass_offers = {o["id"] for o in items(world.query(BJ_REG, "market", "offers", "--all")) if o["seller"] == GLASS}
    assert glass_offers
    for offer in glass_offers:
        assert offer in text

    holdings = world.query(BJ_REG, "permit", "holdings")
    assert bj.json("/allowances")["live_holdings"] == holdings
    lot = world.lots[0]  # type: ignore[attr-defined]
    history = world.query(BJ_REG, "permit", "history", lot)
    assert bj.json(f"/allowances?lot={lot}")["provenance"]["items"] == history["items"]
    text, errors = visit(browser, f"{bj.url}/allowances?lot={lot}", "bj-allowances-provenance")
    assert f"Provenance of lot {lot}" in text and not errors

    last = overview["latest_blocks"][0]
    found = bj.json(f"/search?q={last['number']}&channel={last['channel']}")
    assert found["blocks"][0]["header_hash"] == last["header_hash"]
    tx_id = found["blocks"][0]["transactions"][0]["tx_id"]
    text, errors = visit(browser, f"{bj.url}/search?q={tx_id}", "bj-search-tx")
    assert tx_id in text and not errors


def _db_of(console: Console) -> str:
    args = console.process.args
    return args[args.index("--db") + 1]


def test_tianjin_sees_neither_the_bj_hb_channel_nor_prices(consoles: dict[str, Console], browser: Any):
    tj = consoles["TJ"]
    assert [c["channel"] for c in tj.json("/overview")["channels"]] == ["ecoledger", "bj-tj", "tj-hb"]
    status, body = tj.get("/search?q=1&channel=bj-hb")
    assert status == 404 and "Traceback" not in body
    text, _ = visit(browser, f"{tj.url}/allowances", "tj-allowances-privacy")
    allowances = tj.json("/allowances")
    assert allowances["trades"], "the trade itself is public"
    assert "1350" not in text and "price" not in json.dumps(allowances)


@pytest.mark.parametrize("path", [
    "/static/../../../../etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd", "/..%2f..%2fetc%2fpasswd",
    "/static/%2e%2e%2fapp.py", "/search?q=1%27%20OR%20%271%27%3D%271", "/search?q=%3Cscript%3E",
    "/allowances?entity=%27%3BDROP%20TABLE%20blocks%3B--", "/monitoring?outlet=..%2F..%2F",
    "/search?q=1&channel=%2e%2e", "/overview?format=%7B%7B7*7%7D%7D",
])
def test_attacks_on_the_running_console_get_4xx(consoles: dict[str, Console], path: str):
    status, body = consoles["BJ"].get(path)
    assert 400 <= status < 500, (path, status)
    assert "Traceback" not in body and "File \"" not in body


def test_non_localhost_binding_without_client_auth_is_refused(ecoledger: Cli, bj_index: str):
    error = ecoledger.fails("--as", BJ_REG, "console", "--db", bj_index, "--host", "0.0.0.0", "--port",
                            str(TEST_BASE_PORT + 193))
    assert "refusing to serve the console on 0.0.0.0" in error


def test_network_metrics_prints_the_figures_from_every_node(world: World, ecoledger: Cli):
    summary = ecoledger.json("network", "metrics")
    assert summary["unreachable"] == []
    assert summary["heights"]["ecoledger"]["max"] > 5
    assert summary["transactions_by_validation_code"].get("VALID", 0) > 0
    assert summary["broadcast_status"].get("SUCCESS", 0) > 0
    assert summary["endorsement_duration"]["count"] > 0
    assert set(summary["participation_status"]["ecoledger"].values()) == {"active"}
    text = ecoledger.ok("network", "metrics").stdout
    for figure in ("heights", "transactions by validation code", "broadcast status", "participation status"):
        assert figure in text
