"""Where things live: installed tools under the project, network data under a home folder."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def tools_dir() -> Path:
    """Fabric binaries and their default configs (``ECOLEDGER_TOOLS`` overrides)."""
    return Path(os.environ.get("ECOLEDGER_TOOLS", PROJECT_ROOT / ".tools"))


def bin_dir() -> Path:
    return tools_dir() / "bin"


def fabric_config_dir() -> Path:
    """Fabric's shipped core.yaml / orderer.yaml, copied from the installed module."""
    return tools_dir() / "config"


def home_dir() -> Path:
    """Root of all network data, wallets and logs (``ECOLEDGER_HOME`` overrides)."""
    return Path(os.environ.get("ECOLEDGER_HOME", PROJECT_ROOT / ".ecoledger"))


def consortia_dir() -> Path:
    return PACKAGE_DIR / "consortia"
