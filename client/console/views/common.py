"""What every view uses: the console's context, request errors, HTML helpers (everything escaped)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy.engine import Engine

NAME = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
TX_ID = re.compile(r"^[0-9a-f]{64}$")


class BadRequest(ValueError):
    """400: a parameter that is not what the view accepts (the message is shown as is)."""


class NotFound(LookupError):
    """404: nothing of that name in this organization's index."""


@dataclass
class ConsoleContext:
    """What a view may read: the index, and who the console serves."""

    engine: Engine
    identity: str
    org: str  # organization code, e.g. BJ
    msp_id: str
    channels: list[str]
    kind: str = "region"  # the organization's kind: "region" (its own region's records) or "coordinator" (all)
    peer_heights: Callable[[], dict[str, int]] = field(default=lambda: {})
    health: Callable[[], list[dict[str, Any]]] = field(default=lambda: [])
    # a live read through the Gateway as the console's identity: (function, args) -> answer; None: index only
    evaluate: Callable[[str, dict[str, Any]], Any] | None = None


def live(ctx: ConsoleContext, function: str, args: dict[str, Any]) -> tuple[Any, str | None]:
    """(answer, None), or (None, why) when the peer cannot be asked; a chaincode refusal is ``NotFound``."""
    if ctx.evaluate is None:
        return None, "live reads are off"
    try:
        return ctx.evaluate(function, args), None
    except Exception as err:  # the gateway's errors: the page still shows the index
        refusal = getattr(err, "chaincode_message", None)
        if refusal:
            raise NotFound(refusal) from None
        return None, f"the peer did not answer ({type(err).__name__})"


def live_or_refusal(ctx: ConsoleContext, function: str, args: dict[str, Any]) -> tuple[Any, str | None]:
    """Like ``live``, but a chaincode refusal is shown on the page (``(None, "refused: ...")``) instead of a 404."""
    try:
        return live(ctx, function, args)
    except NotFound as refusal:
        return None, f"{function} refused: {refusal}"


def region_scope(ctx: ConsoleContext) -> str | None:
    """The region whose records a region-scoped view shows (the organization's own); None: all (coordinator)."""
    return None if ctx.kind == "coordinator" else ctx.org


def param(params: Any, key: str, *, pattern: re.Pattern[str] = NAME, default: str | None = None) -> str | None:
    """A query parameter matched against ``pattern`` (a name by default), else ``BadRequest``."""
    value = params.get(key)
    if value is None or value == "":
        return default
    if not pattern.match(value):
        raise BadRequest(f"parameter {key!r} is not valid")
    return value


def channel_param(ctx: ConsoleContext, params: Any) -> str | None:
    channel = param(params, "channel")
    if channel is not None and channel not in ctx.channels:
        raise NotFound(f"no channel {channel!r} for organization {ctx.org}")
    return channel


def int_param(params: Any, key: str, default: int, *, low: int = 0, high: int = 10**12) -> int:
    value = params.get(key)
    if value is None or value == "":
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise BadRequest(f"parameter {key!r} must be a whole number from {low} to {high}")
    return int(value)


def h(value: Any) -> str:
    return escape("" if value is None else str(value))


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, empty: str = "(none)",
          raw: Sequence[int] = ()) -> str:
    """A table; cells are escaped except columns whose index is in ``raw`` (already HTML)."""
    body = ["<tr>" + "".join(f"<td>{c if i in raw else h(c)}</td>" for i, c in enumerate(row)) + "</tr>"
            for row in rows]
    if not body:
        return f'<p class="empty">{h(empty)}</p>'
    head = "".join(f"<th>{h(x)}</th>" for x in headers)
    return f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def link(path: str, text: Any, **query: Any) -> str:
    from urllib.parse import urlencode

    q = urlencode({k: v for k, v in query.items() if v is not None})
    return f'<a href="{h(path + ("?" + q if q else ""))}">{h(text)}</a>'


def section(title: str, body: str) -> str:
    return f"<section><h2>{h(title)}</h2>{body}</section>"
