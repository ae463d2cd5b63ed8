"""The wallet's file format, shared by the network (which enrolls identities) and the client (which signs).

An identity is a folder ``<wallet>/<name>/`` holding ``cert.pem``, ``key.pem``
(owner-only) and ``identity.json`` (``{msp_id, org, attrs}``). This module
reads and writes those files only; turning a key into a signer is the client's
business (:class:`client.gateway.Wallet`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Mapping

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")


class WalletFileError(ValueError):
    """A wallet folder or identity that cannot be used."""


class WalletFiles:
    """Identities in ``<dir>/<name>/{cert.pem,key.pem,identity.json}``."""

    error: type[Exception] = WalletFileError

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def _folder(self, name: str) -> Path:
        if not NAME.match(name):
            raise self.error(f"invalid identity name {name!r}")
        return self.directory / name

    def put(self, name: str, msp_id: str, org: str, cert_pem: bytes, key_pem: bytes,
            attrs: Mapping[str, Any] | None = None) -> None:
        """Store (or replace) an identity; the key file is owner-only."""
        folder = self._folder(name)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cert.pem").write_bytes(cert_pem)
        key_path = folder / "key.pem"
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as key_file:
            key_file.write(key_pem)
        os.chmod(key_path, 0o600)
        meta = {"msp_id": msp_id, "org": org, "attrs": dict(attrs or {})}
        (folder / "identity.json").write_text(json.dumps(meta, sort_keys=True, indent=2) + "\n", encoding="utf-8")

    def read(self, name: str) -> tuple[bytes, bytes, dict[str, Any]]:
        """``(cert_pem, key_pem, meta)`` of an identity, or the wallet's error naming what is missing."""
        folder = self._folder(name)
        if not folder.is_dir():
            raise self.error(f"no identity {name!r} in wallet {self.directory}")
        try:
            cert_pem = (folder / "cert.pem").read_bytes()
            key_pem = (folder / "key.pem").read_bytes()
            meta = json.loads((folder / "identity.json").read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise self.error(f"identity {name!r} is incomplete: {Path(exc.filename).name} is missing") from exc
        except (OSError, json.JSONDecodeError) as exc:
            raise self.error(f"identity {name!r} is unreadable: {exc}") from exc
        if not isinstance(meta, dict) or not {"msp_id", "org"} <= set(meta):
            raise self.error(f"identity {name!r} is invalid: identity.json needs msp_id and org")
        return cert_pem, key_pem, meta

    def describe(self, name: str) -> dict[str, Any]:
        """``{msp_id, org, attrs}`` of an identity."""
        _, _, meta = self.read(name)
        return {"msp_id": meta["msp_id"], "org": meta["org"], "attrs": dict(meta.get("attrs") or {})}

    def list(self) -> list[str]:
        """Names of the stored identities, sorted."""
        if not self.directory.is_dir():
            return []
        return sorted(p.name for p in self.directory.iterdir() if p.is_dir() and (p / "identity.json").is_file())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.list()
