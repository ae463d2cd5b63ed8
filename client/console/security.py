"""Who may see the console: localhost freely; any other address only with mutual TLS or a token.

``check_binding`` runs before the server starts and refuses a non-loopback
address that has neither a client-certificate setup (``--tls-cert``,
``--tls-key``, ``--client-ca``: the consortium's CA roots) nor a token
(``--token`` or ``ECOLEDGER_CONSOLE_TOKEN``, at least 32 characters). With a
token, every request must carry ``Authorization: Bearer <token>`` or the
``ecoledger_console`` cookie that ``/login?token=<token>`` sets.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

MIN_TOKEN = 32
COOKIE = "ecoledger_console"


class BindingRefused(ValueError):
    """The console would be reachable from other machines without client authentication."""


@dataclass(frozen=True)
class Access:
    host: str
    token: str | None = None
    mutual_tls: bool = False


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_binding(host: str, *, token: str | None, tls_cert: str | None, tls_key: str | None,
                  client_ca: str | None) -> Access:
    tls_parts = [tls_cert, tls_key, client_ca]
    if any(tls_parts) and not all(tls_parts):
        raise BindingRefused("mutual TLS needs all of --tls-cert, --tls-key and --client-ca")
    if token is not None and len(token) < MIN_TOKEN:
        raise BindingRefused(f"the console token must be at least {MIN_TOKEN} characters")
    mutual = all(tls_parts)
    if not is_loopback(host) and not mutual and not token:
        raise BindingRefused(
            f"refusing to serve the console on {host}: outside localhost it needs client certificates "
            "(--tls-cert, --tls-key, --client-ca) or a token (--token / ECOLEDGER_CONSOLE_TOKEN)")
    return Access(host=host, token=token, mutual_tls=mutual)


class TokenMiddleware:
    """ASGI middleware: 401 unless the request carries the token (header or cookie)."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.token = token.encode()

    def _ok(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode(), self.token)

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from starlette.requests import Request
        from starlette.responses import PlainTextResponse, RedirectResponse

        request = Request(scope)
        if request.url.path == "/login" and self._ok(request.query_params.get("token")):
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(COOKIE, self.token.decode(), httponly=True, samesite="strict")
            return await response(scope, receive, send)
        header = request.headers.get("authorization", "")
        bearer = header[7:] if header.lower().startswith("bearer ") else None
        if self._ok(bearer) or self._ok(request.cookies.get(COOKIE)):
            return await self.app(scope, receive, send)
        return await PlainTextResponse("unauthorized: a console token is required", status_code=401)(
            scope, receive, send)
