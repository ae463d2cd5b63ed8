"""Paginated reads: a page size and a bookmark in, a page and the next bookmark out.

Modelled on Fabric's ``GetStateByRangeWithPagination``: a list transaction
reads one range (an index or a record namespace) from the bookmark onward and
stops once it has ``limit`` items, so its cost does not grow with the number
of records on the ledger. The bookmark is the last key read, hex-encoded (opaque
to callers, ASCII on the command line); it is checked to lie inside the range
being listed, so a bookmark of one list cannot be replayed against another.

A page may hold fewer than ``limit`` items while ``more`` is true: when a
filter rejects many records, reading stops after :data:`SCAN_FACTOR` × ``limit``
keys, so one call is bounded whatever the filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from chaincode.runtime.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
SCAN_FACTOR = 20
MAX_BOOKMARK = 2048


@dataclass
class Page:
    items: list[Any] = field(default_factory=list)
    bookmark: str = ""
    more: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "bookmark": self.bookmark, "more": self.more}


def require_limit(limit: object) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {limit!r}")
    return limit


def encode_bookmark(key: str) -> str:
    return key.encode("utf-8").hex()


def decode_bookmark(bookmark: object, start: str, end: str) -> str | None:
    """The key to resume after, or ``None`` for the first page."""
    if bookmark in (None, ""):
        return None
    if not isinstance(bookmark, str) or len(bookmark) > MAX_BOOKMARK:
        raise InvalidInput("bookmark must be the string a previous page returned")
    try:
        key = bytes.fromhex(bookmark).decode("utf-8")
    except ValueError:
        raise InvalidInput(f"bookmark {bookmark[:24]!r}... is not one a previous page returned") from None
    if not start <= key < end:
        raise InvalidInput("bookmark belongs to another list (or other filters); start again without --after")
    return key


def read_page(rows: Callable[[str, str], Iterator[tuple[str, Any]]], start: str, end: str, limit: object,
              bookmark: object, convert: Callable[[str, Any], Any | None] = lambda key, value: value) -> Page:
    """One page of ``convert(key, value)`` over ``rows(start, end)`` from after ``bookmark``.

    ``convert`` returns ``None`` to skip a row (a filter); ``rows`` must yield keys in order
    and lazily, so reading stops as soon as the page is full.
    """
    size = require_limit(limit)
    after = decode_bookmark(bookmark, start, end)
    page = Page()
    budget = size * SCAN_FACTOR
    last = None
    for key, value in rows(after or start, end):
        if after is not None and key <= after:
            continue
        if len(page.items) == size or budget == 0:
            page.more = True
            break
        budget -= 1
        last = key
        item = convert(key, value)
        if item is not None:
            page.items.append(item)
    if page.more and last is not None:
        page.bookmark = encode_bookmark(last)
    return page
