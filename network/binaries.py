"""Install the pinned Fabric and Fabric CA binaries with ``go install``.

Versions are pinned by the Go modules under ``network/tools`` (go.mod + go.sum),
so the build is reproducible and verified against the checksum database. A
binary already present at the right version is not rebuilt. Fabric's default
``core.yaml`` and ``orderer.yaml`` are copied from the module cache, as the
official release archives ship them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from network import paths
from network.errors import ToolError

FABRIC_VERSION = "3.1.1"
FABRIC_CA_VERSION = "1.5.21"
FABRIC_MODULE = "github.com/hyperledger/fabric"
FABRIC_CA_MODULE = "github.com/hyperledger/fabric-ca"


@dataclass(frozen=True)
class ToolSet:
    """One Go module of ours that pins a group of commands."""

    module_dir: str
    module: str
    version: str
    commands: tuple[str, ...]
    cgo: bool
    ldflags: str = ""


TOOLSETS = (
    ToolSet("fabric", FABRIC_MODULE, FABRIC_VERSION,
            ("peer", "orderer", "configtxgen", "configtxlator", "osnadmin"), cgo=False,
            ldflags=f"-X {FABRIC_MODULE}/common/metadata.Version={FABRIC_VERSION}"),
    ToolSet("fabric-ca", FABRIC_CA_MODULE, FABRIC_CA_VERSION,
            ("fabric-ca-server", "fabric-ca-client"), cgo=True),
)


def binary(name: str) -> Path:
    """Path of an installed command; a clear error when it is missing."""
    path = paths.bin_dir() / name
    if not path.exists():
        raise ToolError(f"{name} is not installed in {paths.bin_dir()}; run 'ecoledger network install'")
    return path


# How each command reports its version; osnadmin has no version flag, so presence is enough.
VERSION_FLAGS: dict[str, tuple[str, ...] | None] = {"configtxgen": ("-version",), "osnadmin": None}


def installed_version(path: Path) -> str | None:
    """The version a command reports, "present" for commands without a version flag, None if absent."""
    if not path.exists():
        return None
    flag = VERSION_FLAGS.get(path.name, ("version",))
    if flag is None:
        return "present"
    try:
        out = subprocess.run([str(path), *flag], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in out.splitlines():
        if line.strip().startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return None


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise ToolError("Go is not installed or not on PATH; Fabric is built from source with 'go install' "
                        "(Go 1.24 or newer is needed)")
    return go


def _build(toolset: ToolSet, missing: list[str], progress: Callable[[str], None]) -> None:
    env = dict(os.environ, GOBIN=str(paths.bin_dir()), CGO_ENABLED="1" if toolset.cgo else "0",
               GOFLAGS="-mod=mod -buildvcs=false")
    packages = [f"{toolset.module}/cmd/{name}" for name in missing]
    command = [_go(), "install"]
    if toolset.ldflags:
        command += ["-ldflags", toolset.ldflags]
    progress(f"building {', '.join(missing)} ({toolset.module} {toolset.version}) with go install ...")
    result = subprocess.run(command + packages, cwd=paths.PACKAGE_DIR / "tools" / toolset.module_dir,
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise ToolError(f"go install of {toolset.module} {toolset.version} failed:\n{result.stderr.strip()}")


def _copy_default_configs(progress: Callable[[str], None]) -> None:
    target = paths.fabric_config_dir()
    if (target / "core.yaml").exists() and (target / "orderer.yaml").exists():
        return
    modcache = subprocess.run([_go(), "env", "GOMODCACHE"], capture_output=True, text=True).stdout.strip()
    listing = subprocess.run([_go(), "list", "-m", "-f", "{{.Dir}}", FABRIC_MODULE],
                             cwd=paths.PACKAGE_DIR / "tools" / "fabric", capture_output=True, text=True)
    source = Path(listing.stdout.strip() or modcache) / "sampleconfig"
    if not (source / "core.yaml").exists():
        raise ToolError(f"Fabric's default configs were not found in the module cache ({source})")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("core.yaml", "orderer.yaml"):
        shutil.copyfile(source / name, target / name)
        os.chmod(target / name, 0o644)
    progress(f"default Fabric configs copied to {target}")


def install(progress: Callable[[str], None] = print) -> dict[str, str]:
    """Build what is missing or at the wrong version; return {command: version}."""
    paths.bin_dir().mkdir(parents=True, exist_ok=True)
    versions: dict[str, str] = {}
    for toolset in TOOLSETS:
        missing = [name for name in toolset.commands
                   if installed_version(paths.bin_dir() / name) not in (toolset.version, "present")]
        if missing:
            _build(toolset, missing, progress)
        else:
            progress(f"{toolset.module} {toolset.version}: already installed")
        for name in toolset.commands:
            versions[name] = toolset.version
    _copy_default_configs(progress)
    return versions
