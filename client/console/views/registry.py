"""A console view: a URL, a title in the menu, its data (also served as JSON) and its HTML."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from client.console.views.common import ConsoleContext


@dataclass(frozen=True)
class View:
    slug: str  # served at /<slug>; the first view is also /
    title: str  # the menu entry
    data: Callable[[ConsoleContext, Any], dict[str, Any]]  # (context, query params) -> JSON-able dict
    html: Callable[[dict[str, Any]], str]  # that dict -> the page body (escape every text: common.h)
