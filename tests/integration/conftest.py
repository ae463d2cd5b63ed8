"""One real Fabric network per test session: brought up before the first test, purged after the last.

It lives in its own home folder and port range (``ECOLEDGER_TEST_BASE_PORT``,
default 27000), so a network started by ``make demo`` is never touched.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner, Result

from client.cli.main import cli
from client.gateway import Wallet
from client.session import Session, endorsement_probe
from network import bootstrap
from network.bootstrap import Network

TEST_BASE_PORT = int(os.environ.get("ECOLEDGER_TEST_BASE_PORT", "27000"))


@dataclass
class Cli:
    """Runs ``ecoledger`` in-process; ``ok`` and ``fails`` check the exit code."""

    home: Path

    def run(self, *args: str) -> Result:
        env = {"ECOLEDGER_HOME": str(self.home), "ECOLEDGER_IDENTITY": ""}
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    def ok(self, *args: str) -> Result:
        result = self.run(*args)
        assert result.exit_code == 0, f"ecoledger {' '.join(args)} failed:\n{result.output}"
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.ok("--json", *args).stdout)

    def fails(self, *args: str) -> str:
        """Run a command that must be refused; return its error line."""
        result = self.run(*args)
        assert result.exit_code != 0, f"ecoledger {' '.join(args)} unexpectedly succeeded:\n{result.output}"
        return result.stderr.strip()


@pytest.fixture(scope="session")
def fabric_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("ecoledger-home")
    previous = os.environ.get("ECOLEDGER_HOME")
    os.environ["ECOLEDGER_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("ECOLEDGER_HOME", None)
    else:
        os.environ["ECOLEDGER_HOME"] = previous


@pytest.fixture(scope="session")
def network(fabric_home: Path) -> Iterator[Network]:
    """The 京津冀 consortium on BFT, up for the whole session."""
    net = Network(bootstrap.resolve("jingjinji", base_port=TEST_BASE_PORT))
    try:
        with Session(net.layout.profiles_dir, Wallet(net.layout.wallet_dir)) as probing:
            net.up(progress=lambda message: print(message, flush=True), discovery_probe=endorsement_probe(probing))
        yield net
    finally:
        net.down(purge=True, progress=lambda message: None)


@pytest.fixture(scope="session")
def ecoledger(network: Network, fabric_home: Path) -> Cli:
    return Cli(fabric_home)


CHROMIUM = "/usr/bin/chromium"  # Debian's, installed by scripts/system-packages.sh; never a downloaded browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for the console tests, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "chromium not installed: run scripts/system-packages.sh"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()
