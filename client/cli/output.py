"""Readable tables for people, JSON for scripts: every command prints through here.

Tables are laid out by ``rich``, which measures wide characters (Chinese
enterprise names) by the columns they take on a terminal. On a terminal a
table gets rich's styling and wraps to the window; anywhere else (pipes,
files, tests) it is plain text without colour codes or trailing blanks: a
header line, a dashed line and one line per row, columns two spaces apart.
``--json`` output does not pass through rich at all.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Any, Iterable, Sequence

import click

PLAIN_WIDTH = 100_000  # never wrap plain output; a pipe has no window


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str))


def is_terminal(err: bool = False) -> bool:
    """Whether stdout (or stderr) is an interactive terminal that takes colour (``NO_COLOR``, ``TERM=dumb``: no)."""
    stream = sys.stderr if err else sys.stdout
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return interactive and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def render_table(rows: Iterable[Sequence[Any]], headers: Sequence[str], *, terminal: bool | None = None,
                 right: Sequence[int] = (), title: str | None = None) -> str:
    """``rows`` under ``headers`` as text; columns whose index is in ``right`` are right-aligned."""
    from rich import box
    from rich.table import Table

    styled = is_terminal() if terminal is None else terminal
    table = Table(box=box.SIMPLE_HEAD if styled else _plain_box(), show_edge=False, pad_edge=False,
                  padding=(0, 1, 0, 0) if not styled else (0, 1), header_style="bold" if styled else "",
                  title=title, title_justify="left", title_style="bold" if styled else "")
    for index, header in enumerate(headers):
        table.add_column(str(header), justify="right" if index in right else "left", overflow="fold")
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    return _render(table, styled)


def _plain_box() -> Any:
    from rich.box import Box

    # top, head, head row, mid, row, foot row, foot, bottom: only the line under the header is drawn.
    return Box("    \n    \n -  \n    \n    \n    \n    \n    \n", ascii=True)


def _render(renderable: Any, styled: bool) -> str:
    from rich.console import Console

    width = shutil.get_terminal_size().columns if styled else PLAIN_WIDTH
    console = Console(width=width, force_terminal=styled, no_color=not styled, color_system="auto" if styled else None,
                      highlight=False, emoji=False, markup=False, soft_wrap=False, legacy_windows=False)
    with console.capture() as captured:
        console.print(renderable)
    return "\n".join(line.rstrip() for line in captured.get().rstrip("\n").split("\n"))


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    """A table for stdout: styled on a terminal, plain text elsewhere."""
    return render_table(rows, headers)


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
