"""Reading list transactions page by page, following the chaincode's bookmarks.

The list transactions (``Enterprise:List``, ``Permit:Lots``,
``Permit:Surrenders``, ``Market:Offers``, ``Market:Trades``) take two optional
argument fields, ``limit`` (1 to 500, default 50) and ``bookmark`` (opaque,
``""`` for the start), and answer ``{"items": [...], "bookmark": "...",
"more": true|false}``; the bookmark of the last page is ``""``. A page may
hold fewer than ``limit`` items while ``more`` is true (the chaincode bounds
how much one call reads when a filter skips many records).

A chaincode that still answers with a bare list is one complete page, and the
fields are sent only when they differ from the defaults, so the same calls
work against it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PagingError(Exception):
    """A page request out of range, or a list answer that is neither a page nor a list."""


@dataclass(frozen=True)
class Page:
    items: list[Any] = field(default_factory=list)
    bookmark: str = ""  # where the next page starts; "" when there is none
    more: bool = False

    @classmethod
    def parse(cls, answer: Any) -> Page:
        """A page from a list transaction's answer: a page object, or a bare list (one complete page)."""
        if isinstance(answer, list):
            return cls(list(answer))
        if isinstance(answer, Mapping) and isinstance(answer.get("items"), list):
            bookmark = answer.get("bookmark") or ""
            if not isinstance(bookmark, str):
                raise PagingError(f"a page's bookmark must be a string, got {type(bookmark).__name__}")
            more = bool(answer.get("more", bool(bookmark)))
            return cls(list(answer["items"]), bookmark if more else "", more and bool(bookmark))
        raise PagingError(f"expected a page of items or a list, got {type(answer).__name__}")


def page_arguments(args: Mapping[str, Any] | None, limit: int = DEFAULT_LIMIT, bookmark: str = "") -> dict[str, Any]:
    """The transaction's argument object with ``limit`` and ``bookmark`` added when not the defaults."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise PagingError(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {limit!r}")
    request = dict(args or {})
    if limit != DEFAULT_LIMIT:
        request["limit"] = limit
    if bookmark:
        request["bookmark"] = bookmark
    return request


def fetch_page(contract: Any, function: str, args: Mapping[str, Any] | None = None, limit: int = DEFAULT_LIMIT,
               bookmark: str = "") -> Page:
    """One page of ``function`` (evaluated, not submitted) from ``bookmark`` (``""``: the start)."""
    return Page.parse(contract.evaluate(function, page_arguments(args, limit, bookmark)))


def iterate_pages(contract: Any, function: str, args: Mapping[str, Any] | None = None,
                  page_size: int = DEFAULT_LIMIT, bookmark: str = "") -> Iterator[Page]:
    """Every page from ``bookmark`` to the end, each fetched when the previous one is used up."""
    seen = set()
    while True:
        page = fetch_page(contract, function, args, page_size, bookmark)
        yield page
        if not page.more:
            return
        if page.bookmark in seen or page.bookmark == bookmark:
            raise PagingError(f"{function} returned bookmark {page.bookmark[:24]!r} twice; stopping")
        seen.add(page.bookmark)
        bookmark = page.bookmark


def iterate_all(contract: Any, function: str, args: Mapping[str, Any] | None = None,
                page_size: int = DEFAULT_LIMIT, *, bookmark: str = "",
                on_page: Callable[[Page], None] | None = None) -> Iterator[Any]:
    """Every item of ``function``, following bookmarks to the end; ``on_page`` sees each page as it arrives."""
    for page in iterate_pages(contract, function, args, page_size, bookmark):
        if on_page is not None:
            on_page(page)
        yield from page.items
