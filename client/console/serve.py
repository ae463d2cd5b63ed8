"""The console's server settings: plain HTTP on localhost, a token guard, or mutual TLS (client certificates)."""

from __future__ import annotations

import ssl
from typing import Any

from client.console.security import Access, TokenMiddleware


def server_config(app: Any, *, port: int, access: Access, tls_cert: str | None = None, tls_key: str | None = None,
                  client_ca: str | None = None, log_level: str = "warning") -> Any:
    """A ``uvicorn.Config`` for ``app`` as ``access`` allows it (see ``security.check_binding``)."""
    import uvicorn

    asgi = TokenMiddleware(app, access.token) if access.token else app
    tls: dict[str, Any] = {}
    if access.mutual_tls:
        tls = {"ssl_certfile": tls_cert, "ssl_keyfile": tls_key, "ssl_ca_certs": client_ca,
               "ssl_cert_reqs": ssl.CERT_REQUIRED}
    return uvicorn.Config(asgi, host=access.host, port=port, log_level=log_level, **tls)
