"""One Fabric CA per organization: it issues every identity of that organization.

Identities (nodes, admins, regulators, enterprises) are registered with
attributes that land in the certificate (``role``, ``region``, ``entity``), which
is how chaincode enforces functional and data permissions.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from network import binaries, msp
from network.commands import run
from network.config import Organization
from network.errors import ToolError
from network.processes import NodeSpec

BOOTSTRAP_ADMIN = "admin"


def tls_hosts(org: Organization) -> str:
    """Names a TLS server certificate of ``org`` holds: its host address, and loopback."""
    hosts = [org.host, "127.0.0.1", "localhost"]
    return ",".join(dict.fromkeys(hosts))


@dataclass(frozen=True)
class Enrollment:
    """Where an enrolled identity's files are."""

    msp_dir: Path
    tls_dir: Path | None

    @property
    def cert(self) -> Path:
        return self.msp_dir / "signcerts" / "cert.pem"

    @property
    def key(self) -> Path:
        return self.msp_dir / "keystore" / "key.pem"


class OrgCA:
    """The CA of one organization, and the folders of the identities it issued."""

    def __init__(self, org: Organization, org_home: Path) -> None:
        self.org = org
        self.home = org_home
        self.server_dir = org_home / "ca"
        self.name = f"ca-{org.code.lower()}"

    @property
    def url_host(self) -> str:
        return self.org.address(self.org.ca_port)

    @property
    def tls_cert(self) -> Path:
        """The CA server's TLS certificate, trusted by its clients."""
        return self.server_dir / "tls-cert.pem"

    @property
    def root_cert(self) -> Path:
        return self.server_dir / "ca-cert.pem"

    @property
    def org_msp_dir(self) -> Path:
        return self.home / "msp"

    @property
    def _secret_file(self) -> Path:
        return self.server_dir / "bootstrap-secret"

    def ensure_bootstrap_secret(self) -> None:
        """Create the bootstrap admin's password once, before the CA first starts."""
        if not self._secret_file.exists():
            self.server_dir.mkdir(parents=True, exist_ok=True)
            self._secret_file.write_text(secrets.token_hex(12))
            self._secret_file.chmod(0o600)

    def _bootstrap_password(self) -> str:
        return self._secret_file.read_text().strip() if self._secret_file.exists() else ""

    def node_spec(self) -> NodeSpec:
        env = {
            "FABRIC_CA_SERVER_HOME": str(self.server_dir),
            "FABRIC_CA_SERVER_CA_NAME": self.name,
            "FABRIC_CA_SERVER_PORT": str(self.org.ca_port),
            "FABRIC_CA_SERVER_ADDRESS": self.org.host,
            "FABRIC_CA_SERVER_TLS_ENABLED": "true",
            "FABRIC_CA_SERVER_CSR_CN": f"ca.{self.org.domain}",
            "FABRIC_CA_SERVER_CSR_HOSTS": tls_hosts(self.org),
            "FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS": self.org.address(self.org.ca_operations_port),
            "FABRIC_CA_SERVER_METRICS_PROVIDER": "disabled",
            "PATH": "/usr/bin:/bin",
        }
        command = [str(binaries.binary("fabric-ca-server")), "start",
                   "-b", f"{BOOTSTRAP_ADMIN}:{self._bootstrap_password()}"]
        return NodeSpec(name=f"ca.{self.org.domain}", kind="ca", command=command, env=env,
                        cwd=self.server_dir, ports=(self.org.ca_port, self.org.ca_operations_port),
                        health_url=f"http://{self.org.address(self.org.ca_operations_port)}/healthz",
                        host=self.org.host)

    # -- client side -----------------------------------------------------------
    def _client(self, args: list[str], client_home: Path, what: str) -> str:
        client_home.mkdir(parents=True, exist_ok=True)
        return run([binaries.binary("fabric-ca-client"), *args, "--caname", self.name,
                    "--tls.certfiles", str(self.tls_cert)],
                   env={"FABRIC_CA_CLIENT_HOME": str(client_home)}, what=what)

    @property
    def registrar_home(self) -> Path:
        return self.home / "registrar"

    def enroll_registrar(self) -> None:
        """Enroll the CA's bootstrap admin, which registers every other identity."""
        if (self.registrar_home / "msp" / "signcerts" / "cert.pem").exists():
            return
        self._client(["enroll", "-u", f"https://{BOOTSTRAP_ADMIN}:{self._bootstrap_password()}@{self.url_host}"],
                     self.registrar_home, f"enrolling the bootstrap admin of {self.name}")
        msp.write_org_msp(self.org_msp_dir, self.root_cert)

    def register(self, name: str, id_type: str, attrs: dict[str, str] | None = None) -> str:
        """Register an identity; returns its one-time enrollment secret."""
        secret = secrets.token_hex(10)
        args = ["register", "--id.name", name, "--id.secret", secret, "--id.type", id_type]
        if attrs:
            args += ["--id.attrs", ",".join(f"{k}={v}:ecert" for k, v in attrs.items())]
        try:
            self._client(args, self.registrar_home, f"registering {name} with {self.name}")
        except ToolError as err:
            if "already registered" in str(err):
                raise ToolError(f"identity {name!r} is already registered with {self.name}") from None
            raise
        return secret

    def enroll(self, name: str, secret: str, target: Path, tls: bool = False) -> Enrollment:
        """Enroll into ``target/msp`` (and ``target/tls`` with a TLS certificate for the organization's host)."""
        url = f"https://{name}:{secret}@{self.url_host}"
        self._client(["enroll", "-u", url, "-M", str(target / "msp")], target, f"enrolling {name}")
        msp.normalize_local_msp(target / "msp")
        tls_dir = None
        if tls:
            self._client(["enroll", "-u", url, "-M", str(target / "tls-msp"), "--enrollment.profile", "tls",
                          "--csr.hosts", tls_hosts(self.org)], target, f"enrolling {name} for TLS")
            tls_dir = target / "tls"
            msp.write_tls_folder(target / "tls-msp", tls_dir)
        (target / "identity.json").write_text(json.dumps({"name": name, "msp_id": self.org.msp_id}))
        return Enrollment(target / "msp", tls_dir)

    def issue(self, name: str, id_type: str, target: Path, tls: bool = False,
              attrs: dict[str, str] | None = None) -> Enrollment:
        """Register and enroll, unless ``target`` already holds this identity (idempotent)."""
        existing = Enrollment(target / "msp", target / "tls" if tls else None)
        if existing.cert.exists() and (not tls or (target / "tls" / "server.crt").exists()):
            return existing
        secret = self.register(name, id_type, attrs)
        return self.enroll(name, secret, target, tls=tls)
