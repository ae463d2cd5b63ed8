"""Progress of long work on stderr: a live rich status on a terminal, plain lines elsewhere.

``network up`` and ``network install`` report what they do as lines
(``[channels]``, ``  peer0.bj ready``). On a terminal those lines scroll above a
spinner that names the current step and the time it has taken so far;
anywhere else (logs, pipes, tests) the lines are printed as they are, so
nothing changes for scripts. :func:`counting` shows how many rows a long
listing (``--all``) has fetched so far and :func:`bar` how far a bulk load
has got, both on a terminal only.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import click

from client.cli.output import is_terminal

Report = Callable[[str], None]


def _plain(message: str) -> None:
    click.echo(message, err=True)


def _progress(transient: bool = True) -> Any:
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(file=sys.stderr, highlight=False, emoji=False, markup=False)
    return Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn(),
                    console=console, transient=transient)


@contextmanager
def steps(title: str) -> Iterator[Report]:
    """A ``progress(message)`` callback for long work; a message ``[name]`` starts step ``name``."""
    if not is_terminal(err=True):
        yield _plain
        return
    with _progress() as progress:
        task = progress.add_task(title, total=None)

        def report(message: str) -> None:
            progress.console.print(message, markup=False, highlight=False, soft_wrap=True)
            stripped = message.strip()
            if stripped.startswith("[") and stripped.endswith("]"):
                progress.update(task, description=f"{title}: {stripped[1:-1]}")

        yield report


@contextmanager
def counting(title: str) -> Iterator[Callable[[int, int], None]]:
    """A ``tick(rows, pages)`` callback that shows ``title: N rows (P pages)`` on a terminal, else nothing."""
    if not is_terminal(err=True):
        yield lambda rows, pages: None
        return
    with _progress() as progress:
        task = progress.add_task(title, total=None)

        def tick(rows: int, pages: int) -> None:
            progress.update(task, description=f"{title}: {rows} rows ({pages} page{'s' if pages != 1 else ''})")

        yield tick


@contextmanager
def bar(title: str, total: int | None = None) -> Iterator[Callable[[], None]]:
    """An ``advance()`` callback for bulk work: a bar (``total`` known) or a counter on a terminal, else nothing."""
    if not is_terminal(err=True):
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn

    with _progress() as progress:
        if total is not None:
            progress.columns = (*progress.columns[:2], BarColumn(), MofNCompleteColumn(), progress.columns[2])
        task = progress.add_task(title, total=total)
        yield lambda: progress.advance(task)
