"""Binary installation: versions are read from the commands themselves; missing Go is a clear error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from network import binaries
from network.errors import ToolError


def _fake_command(folder: Path, name: str, output: str) -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\ncat <<'OUT'\n{output}\nOUT\n")
    path.chmod(0o755)
    return path


def test_installed_version_reads_the_version_line(tmp_path: Path) -> None:
    peer = _fake_command(tmp_path, "peer", "peer:\n Version: 3.1.1\n Commit SHA: x")
    assert binaries.installed_version(peer) == "3.1.1"
    assert binaries.installed_version(tmp_path / "missing") is None


def test_osnadmin_has_no_version_flag_so_presence_counts(tmp_path: Path) -> None:
    osnadmin = _fake_command(tmp_path, "osnadmin", "usage: osnadmin")
    assert binaries.installed_version(osnadmin) == "present"


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tools folder where every command reports the pinned version."""
    monkeypatch.setenv("ECOLEDGER_TOOLS", str(tmp_path))
    (tmp_path / "bin").mkdir()
    for toolset in binaries.TOOLSETS:
        for name in toolset.commands:
            _fake_command(tmp_path / "bin", name, f"{name}:\n Version: {toolset.version}")
    (tmp_path / "config").mkdir()
    for name in ("core.yaml", "orderer.yaml"):
        (tmp_path / "config" / name).write_text("{}")
    return tmp_path


def test_nothing_is_built_when_every_command_has_the_right_version(installed: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(binaries, "_build", lambda *args: pytest.fail("nothing should be rebuilt"))
    messages: list[str] = []
    versions = binaries.install(messages.append)
    assert versions["peer"] == binaries.FABRIC_VERSION and versions["fabric-ca-server"] == binaries.FABRIC_CA_VERSION
    assert all("already installed" in m for m in messages)


def test_a_wrong_version_is_rebuilt(installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_command(installed / "bin", "peer", "peer:\n Version: 2.5.0")
    built: list[list[str]] = []
    monkeypatch.setattr(binaries, "_build", lambda toolset, missing, progress: built.append(missing))
    binaries.install(lambda message: None)
    assert built == [["peer"]]


def test_missing_go_is_named_as_the_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ToolError, match="Go is not installed or not on PATH"):
        binaries._go()


def test_a_missing_binary_tells_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOLEDGER_TOOLS", str(tmp_path))
    with pytest.raises(ToolError, match="peer is not installed .* run 'ecoledger network install'"):
        binaries.binary("peer")


def test_tool_modules_pin_the_versions_the_installer_expects() -> None:
    fabric_mod = (binaries.paths.PACKAGE_DIR / "tools" / "fabric" / "go.mod").read_text()
    ca_mod = (binaries.paths.PACKAGE_DIR / "tools" / "fabric-ca" / "go.mod").read_text()
    assert "github.com/hyperledger/fabric v1.4.0-rc1.0.20250510200036-435a7f1a780a" in fabric_mod
    assert f"github.com/hyperledger/fabric-ca v{binaries.FABRIC_CA_VERSION}" in ca_mod
    assert os.path.exists(binaries.paths.PACKAGE_DIR / "tools" / "fabric" / "go.sum")
