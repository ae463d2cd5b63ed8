"""The console behind mutual TLS: a client certificate of the consortium's CA gets in, others do not."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from client.console.app import create_app
from client.console.security import check_binding
from client.console.serve import server_config
from client.console.views.common import ConsoleContext
from client.index import store

NOW = datetime.datetime.now(datetime.timezone.utc)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def issue(folder: Path, stem: str, cn: str, ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
          *, is_ca: bool = False, server: bool = False) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_cert, issuer_key = ca if ca else (None, key)
    builder = (x509.CertificateBuilder().subject_name(_name(cn))
               .issuer_name(issuer_cert.subject if issuer_cert else _name(cn)).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(NOW - datetime.timedelta(minutes=5))
               .not_valid_after(NOW + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                        critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())
    (folder / f"{stem}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / f"{stem}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    return cert, key


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    import uvicorn

    pki = tmp_path_factory.mktemp("pki")
    consortium = issue(pki, "ca", "consortium CA", None, is_ca=True)
    issue(pki, "server", "console", consortium, server=True)
    issue(pki, "member", "bj-regulator", consortium)
    stranger_ca = issue(pki, "other-ca", "someone else's CA", None, is_ca=True)
    issue(pki, "stranger", "stranger", stranger_ca)
    engine = store.open_engine(f"sqlite:///{pki / 'i.sqlite'}")
    ctx = ConsoleContext(engine=engine, identity="bj-regulator", org="BJ", msp_id="BJMSP", channels=["ecoledger"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    access = check_binding("127.0.0.1", token=None, tls_cert=str(pki / "server.crt"), tls_key=str(pki / "server.key"),
                           client_ca=str(pki / "ca.crt"))
    server = uvicorn.Server(server_config(create_app(ctx), port=port, access=access, tls_cert=str(pki / "server.crt"),
                                          tls_key=str(pki / "server.key"), client_ca=str(pki / "ca.crt")))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield f"https://127.0.0.1:{port}", pki
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def fetch(url: str, pki: Path, client: str | None) -> int:
    context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    if client:
        context.load_cert_chain(str(pki / f"{client}.crt"), str(pki / f"{client}.key"))
    with urllib.request.urlopen(url + "/overview?format=json", context=context, timeout=10) as response:
        return response.status


def test_a_consortium_client_certificate_is_admitted(served):
    url, pki = served
    assert fetch(url, pki, "member") == 200


@pytest.mark.parametrize("client", [None, "stranger"])
def test_no_or_a_foreign_client_certificate_is_turned_away(served, client):
    url, pki = served
    with pytest.raises((ssl.SSLError, ConnectionError, urllib.error.URLError)):
        fetch(url, pki, client)
