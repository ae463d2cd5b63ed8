"""Readable tables for people, JSON for scripts: every command prints through here."""

from __future__ import annotations

import json
from typing import Any, Iterable, Sequence

import click


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str))


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    """A plain aligned text table (wide characters count as two columns)."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [_width(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], _width(value))

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (widths[i] - _width(v)) for i, v in enumerate(values)).rstrip()

    out = [line(list(headers)), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def show(value: Any, as_json: bool, rows: Iterable[Sequence[Any]] | None = None,
         headers: Sequence[str] = (), empty: str = "(none)") -> None:
    """Print ``value`` as JSON, or ``rows`` as a table (or ``empty`` when there are none)."""
    if as_json:
        emit_json(value)
        return
    materialized = list(rows) if rows is not None else None
    if materialized is None:
        click.echo(value)
    elif not materialized:
        click.echo(empty)
    else:
        click.echo(table(materialized, headers))


def record(value: dict[str, Any], as_json: bool) -> None:
    """One object as ``key: value`` lines."""
    if as_json:
        emit_json(value)
        return
    width = max((len(k) for k in value), default=0)
    for key, item in value.items():
        if isinstance(item, (dict, list)):
            item = json.dumps(item, ensure_ascii=False, sort_keys=True)
        click.echo(f"{key.ljust(width)}  {item}")
