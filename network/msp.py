"""MSP folders: normalize what fabric-ca-client writes and add the NodeOU configuration.

With NodeOUs, the CA's ``--id.type`` (client, peer, admin, orderer) becomes the
certificate's OU and decides the identity's role in every policy, so no
``admincerts`` folder is needed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

NODE_OUS = ("client", "peer", "admin", "orderer")


def node_ou_config(ca_file: str = "cacerts/ca.pem") -> str:
    identifiers = {"client": "Client", "peer": "Peer", "admin": "Admin", "orderer": "Orderer"}
    lines = ["NodeOUs:", "  Enable: true"]
    for ou, label in identifiers.items():
        lines += [f"  {label}OUIdentifier:", f"    Certificate: {ca_file}", f"    OrganizationalUnitIdentifier: {ou}"]
    return "\n".join(lines) + "\n"


def _single(folder: Path, pattern: str = "*") -> Path:
    files = sorted(p for p in folder.glob(pattern) if p.is_file())
    if len(files) != 1:
        raise FileNotFoundError(f"expected exactly one file in {folder}, found {len(files)}")
    return files[0]


def normalize_local_msp(msp_dir: Path) -> None:
    """Rename the CA cert to cacerts/ca.pem and the key to keystore/key.pem, then add config.yaml."""
    ca = _single(msp_dir / "cacerts")
    if ca.name != "ca.pem":
        ca.rename(ca.with_name("ca.pem"))
    key = _single(msp_dir / "keystore")
    if key.name != "key.pem":
        key.rename(key.with_name("key.pem"))
    (msp_dir / "config.yaml").write_text(node_ou_config())


def write_tls_folder(tls_msp_dir: Path, tls_dir: Path) -> None:
    """server.crt / server.key / ca.crt from a TLS-profile enrollment."""
    tls_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_single(tls_msp_dir / "signcerts"), tls_dir / "server.crt")
    shutil.copyfile(_single(tls_msp_dir / "keystore"), tls_dir / "server.key")
    shutil.copyfile(_single(tls_msp_dir / "tlscacerts"), tls_dir / "ca.crt")
    (tls_dir / "server.key").chmod(0o600)


def write_org_msp(org_msp_dir: Path, ca_cert: Path) -> None:
    """The organization's MSP as channel configuration references it."""
    for sub in ("cacerts", "tlscacerts"):
        (org_msp_dir / sub).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ca_cert, org_msp_dir / sub / "ca.pem")
    (org_msp_dir / "config.yaml").write_text(node_ou_config())
