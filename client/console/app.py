"""The console's ASGI app: one route per view (HTML, or JSON with ``?format=json``), a stylesheet, /metrics.

Read-only: the only POST is the fingerprint check, which hashes the uploaded
file in memory and looks the hash up in the index. Errors are one line of
text with a 4xx status; an unexpected failure is a bare 500 without details.
"""

from __future__ import annotations

import hashlib
import time
from html import escape
from pathlib import Path
from typing import Any, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from client.console.views import VIEWS, monitoring, query
from client.console.views.common import BadRequest, ConsoleContext, NotFound
from client.console.views.registry import View

STATIC = Path(__file__).parent / "static"
STYLES = {"console.css": (STATIC / "console.css").read_bytes()}  # read once: nothing else is served from disk
MAX_UPLOAD = 64 * 1024 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Metrics:
    """Request counts and latency per view, for /metrics (Prometheus text format)."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, int], int] = {}
        self.seconds: dict[str, float] = {}

    def observe(self, view: str, status: int, seconds: float) -> None:
        self.requests[(view, status)] = self.requests.get((view, status), 0) + 1
        self.seconds[view] = self.seconds.get(view, 0.0) + seconds


def page(ctx: ConsoleContext, current: View | None, title: str, body: str) -> str:
    menu = "".join(f'<a href="/{v.slug}"{" class=current" if v is current else ""}>{escape(v.title)}</a>'
                   for v in VIEWS)
    return (f'<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>{escape(title)} · ecoledger</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/console.css"></head><body>'
            f'<header><h1>ecoledger 控制台</h1><nav>{menu}</nav>'
            f'<span class="who">{escape(ctx.org)} · {escape(ctx.identity)}</span></header>'
            f'<main><h2 class="title">{escape(title)}</h2>{body}</main></body></html>')


def create_app(ctx: ConsoleContext) -> Starlette:
    metrics = Metrics()

    def respond(request: Request, view: View, data: dict[str, Any]) -> Response:
        fmt = request.query_params.get("format", "html")
        if fmt == "json":
            return JSONResponse(data)
        if fmt != "html":
            raise BadRequest("format must be html or json")
        return HTMLResponse(page(ctx, view, view.title, view.html(data)))

    def endpoint(view: View) -> Callable[[Request], Any]:
        def get(request: Request) -> Response:
            return respond(request, view, view.data(ctx, request.query_params))
        return get

    async def fingerprint(request: Request) -> Response:
        form = await request.form(max_files=1, max_fields=4, max_part_size=MAX_UPLOAD)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise BadRequest("send the raw file as the form field 'file'")
        digest = hashlib.sha256(await upload.read()).hexdigest()
        return respond(request, monitoring.VIEW, monitoring.data(ctx, request.query_params, fingerprint=digest))

    def stylesheet(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STYLES:
            raise NotFound("no such file")
        return Response(STYLES[name], media_type="text/css; charset=utf-8")

    def prometheus(request: Request) -> Response:
        lines = ["# HELP ecoledger_index_height Blocks in the index per channel.",
                 "# TYPE ecoledger_index_height gauge"]
        indexed = query.heights(ctx)
        peer = ctx.peer_heights()
        lines += [f'ecoledger_index_height{{channel="{c}"}} {n}' for c, n in indexed.items()]
        lines += ["# HELP ecoledger_index_lag_blocks Peer height minus indexed height.",
                  "# TYPE ecoledger_index_lag_blocks gauge"]
        lines += [f'ecoledger_index_lag_blocks{{channel="{c}"}} {max(0, peer[c] - n)}'
                  for c, n in indexed.items() if c in peer]
        lines += ["# HELP ecoledger_console_requests_total Console requests by view and status.",
                  "# TYPE ecoledger_console_requests_total counter"]
        lines += [f'ecoledger_console_requests_total{{view="{v}",status="{s}"}} {n}'
                  for (v, s), n in sorted(metrics.requests.items())]
        lines += ["# HELP ecoledger_console_request_seconds_total Time spent answering, by view.",
                  "# TYPE ecoledger_console_request_seconds_total counter"]
        lines += [f'ecoledger_console_request_seconds_total{{view="{v}"}} {s:.6f}'
                  for v, s in sorted(metrics.seconds.items())]
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    routes = [Route("/", endpoint(VIEWS[0]), methods=["GET"])]
    routes += [Route(f"/{v.slug}", endpoint(v), methods=["GET"]) for v in VIEWS]
    routes += [Route("/monitoring", fingerprint, methods=["POST"]),
               Route("/static/{name}", stylesheet, methods=["GET"]),
               Route("/metrics", prometheus, methods=["GET"])]

    def error_page(request: Request, status: int, message: str) -> Response:
        if request.query_params.get("format") == "json" or request.url.path == "/metrics":
            return JSONResponse({"error": message}, status_code=status)
        return HTMLResponse(page(ctx, None, f"{status}", f'<p class="error">{escape(message)}</p>'),
                            status_code=status)

    async def bad_request(request: Request, exc: Exception) -> Response:
        return error_page(request, 400, str(exc))

    async def not_found(request: Request, exc: Exception) -> Response:
        return error_page(request, 404, str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_page(request, exc.status_code, "not found" if exc.status_code == 404 else str(exc.detail))

    async def internal(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("internal error", status_code=500)

    async def headers_and_metrics(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        view = request.url.path.strip("/").split("/")[0] or VIEWS[0].slug
        metrics.observe(view if view in {v.slug for v in VIEWS} | {"static", "metrics"} else "other",
                        response.status_code, time.perf_counter() - started)
        return response

    return Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=headers_and_metrics)],
                     exception_handlers={BadRequest: bad_request, NotFound: not_found, HTTPException: http_error,
                                         Exception: internal})
