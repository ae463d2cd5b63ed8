"""The console in headless Chromium (the system's, never a downloaded one) over an index of made-up blocks."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path

import pytest

from client.console.app import create_app
from client.console.views import VIEWS
from client.console.views.common import ConsoleContext
from client.index import store
from client.index.follow import index_channel
from test_console import market_chain
from test_console_domains import GEN, M_CROSS, domain_chains, evaluate_as
from test_index_store import FakeGateway

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console-unit"


def serve(ctx):
    """A console for ``ctx`` on a free localhost port: yields its URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def console_url(tmp_path_factory):
    engine = store.open_engine(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'i.sqlite'}")
    chains = {"ecoledger": market_chain()}
    asyncio.run(index_channel(FakeGateway(chains), engine, "ecoledger", stop_at=len(chains["ecoledger"])))
    ctx = ConsoleContext(engine=engine, identity="bj-regulator", org="BJ", msp_id="BJMSP", channels=["ecoledger"])
    yield from serve(ctx)
    engine.dispose()


@pytest.fixture(scope="module")
def domain_url(tmp_path_factory):
    """A Beijing console over the made-up manifests, agreements, credit and governance of test_console_domains."""
    engine = store.open_engine(f"sqlite:///{tmp_path_factory.mktemp('browser-domains') / 'i.sqlite'}")
    chains = domain_chains()

    def index_all() -> None:  # in a thread of its own: Playwright's sync API may already run a loop in this one
        for name, chain in chains.items():
            asyncio.run(index_channel(FakeGateway(chains), engine, name, stop_at=len(chain)))

    worker = threading.Thread(target=index_all)
    worker.start()
    worker.join(timeout=60)
    ctx = ConsoleContext(engine=engine, identity="bj-regulator", org="BJ", msp_id="BJMSP",
                         channels=["ecoledger", "bj-tj", "bj-hb"], evaluate=evaluate_as("BJ"))
    yield from serve(ctx)
    engine.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "chromium is missing: run scripts/system-packages.sh"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.mark.parametrize("view", [v.slug for v in VIEWS])
def test_each_view_renders_without_console_errors(console_url, browser, view):
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(f"{console_url}/{view}")
    assert response is not None and response.status == 200
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{view}.png"), full_page=True)
    assert errors == []
    assert "控制台" in page.inner_text("header")
    # the stylesheet came from the console itself and applied
    assert page.evaluate("getComputedStyle(document.querySelector('header')).display") == "flex"
    page.close()


def test_search_form_finds_a_transaction_and_fingerprint_upload_matches(console_url, browser, tmp_path):
    page = browser.new_page()
    page.goto(f"{console_url}/search")
    page.fill("input[name=q]", "a2" * 32)
    page.click("button[type=submit]")
    assert "Market:Buy" in page.inner_text("main") and "hb-paper" in page.inner_text("main")
    sample = tmp_path / "day.txt"
    sample.write_bytes(b"hello")
    page.goto(f"{console_url}/monitoring")
    page.set_input_files("input[name=file]", str(sample))
    page.click("button[type=submit]")
    assert "matches 1 report(s) on the ledger" in page.inner_text("main")
    page.close()


@pytest.mark.parametrize("path, shows", [
    ("/manifests", "no signed receipt since pick-up"),
    (f"/manifests?manifest={M_CROSS}", f"Chain of custody of manifest {M_CROSS}"),
    ("/compensation", "永定河 section"),
    ("/compensation?agreement=CA-BJHB", "Agreement CA-BJHB"),
    ("/credit", "Levels by region"),
    (f"/credit?entity={GEN}", "北京化工 Beijing Chemicals"),
    ("/governance", "提高排放上限 raise the cap"),
    ("/governance?proposal=P-1", "waste_transit_max_days"),
    ("/regions", "Waste transfers"),
])
def test_domain_views_render_their_data_without_console_errors(domain_url, browser, path, shows):
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(f"{domain_url}{path}")
    assert response is not None and response.status == 200
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = path.strip("/").replace("?", "-").replace("=", "-").replace("&", "-")
    page.screenshot(path=str(ARTIFACTS / f"domain-{shot}.png"), full_page=True)
    assert errors == []
    assert shows in page.inner_text("main")
    # the diagrams and charts are laid out (every SVG has a width)
    assert all(box["width"] > 0 for box in page.eval_on_selector_all(
        "svg", "els => els.map(e => e.getBoundingClientRect().toJSON())"))
    page.close()
