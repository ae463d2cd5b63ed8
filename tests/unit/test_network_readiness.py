"""Readiness covers every endpoint a later step uses, not only the operations /healthz."""

from __future__ import annotations

import http.server
import socket
import threading
from pathlib import Path
from typing import Iterator

import pytest

from network.processes import NodeSpec, is_healthy, readiness


@pytest.fixture
def health_url() -> Iterator[str]:
    class Healthy(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"status":"OK"}')

        def log_message(self, *args) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Healthy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/healthz"
    server.shutdown()
    server.server_close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _orderer(health_url: str, admin_port: int) -> NodeSpec:
    return NodeSpec(name="orderer.bj.test", kind="orderer", command=["true"], env={}, cwd=Path("."),
                    ports=(int(health_url.split(":")[2].split("/")[0]), admin_port), health_url=health_url)


def test_a_healthy_orderer_whose_admin_port_does_not_listen_yet_is_not_ready(health_url: str) -> None:
    admin_port = _free_port()
    spec = _orderer(health_url, admin_port)
    assert readiness(spec) == f"port {admin_port} not listening"
    assert not is_healthy(spec)


def test_it_is_ready_once_every_port_listens(health_url: str) -> None:
    with socket.socket() as admin:
        admin.bind(("127.0.0.1", 0))
        admin.listen()
        spec = _orderer(health_url, admin.getsockname()[1])
        assert readiness(spec) == "OK"
        assert is_healthy(spec)


def test_an_unhealthy_node_reports_its_health_first() -> None:
    port = _free_port()
    spec = NodeSpec(name="peer0.bj.test", kind="peer", command=["true"], env={}, cwd=Path("."), ports=(port,),
                    health_url=f"http://127.0.0.1:{port}/healthz")
    assert readiness(spec).startswith("unreachable")
