"""Paged list commands: ``--limit``, ``--after BOOKMARK``, ``--all`` and the ``more rows:`` line.

A list command shows one page (``--limit`` rows, 50 by default) from the
start or from ``--after``; when the ledger has more, a last line says how to
get them: ``more rows: ecoledger permit list --pollutant SO2 --after <bookmark>``
(on stderr with ``--json``, so stdout stays the JSON list of the rows shown).
``--all`` follows the bookmarks to the end, with a row count on a terminal.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

import click
from click.core import ParameterSource

from client.cli.options import GlobalOption, globals_of
from client.cli.progress import counting
from client.paging import DEFAULT_LIMIT, MAX_LIMIT, Page, fetch_page, iterate_pages, page_arguments

if TYPE_CHECKING:
    from client.cli.context import AppContext

PAGING_PARAMS = ("limit", "after", "all_pages")


def paging_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--limit``, ``--after`` and ``--all`` (passed as ``limit``, ``after``, ``all_pages``)."""
    options = [
        click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=DEFAULT_LIMIT, show_default=True,
                     help=f"Rows per page (1 to {MAX_LIMIT})."),
        click.option("--after", metavar="BOOKMARK", help="Continue after this bookmark (from a 'more rows:' line)."),
        click.option("--all", "all_pages", is_flag=True, help="Follow the bookmarks to the last row."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@dataclass(frozen=True)
class Rows:
    items: list[Any]
    bookmark: str  # where the rows not shown start; "" when they were all shown


def fetch_rows(app: AppContext, function: str, args: Mapping[str, Any], *, limit: int, after: str | None,
               all_pages: bool) -> Rows:
    """One page of ``function`` as the acting identity, or with ``all_pages`` every page from there on."""
    contract = app.contract()
    if not all_pages:
        page = fetch_page(contract, function, args, limit, after or "")
        return Rows(page.items, page.bookmark)
    items: list[Any] = []
    with counting(f"fetching {function}") as tick:
        for number, page in enumerate(iterate_pages(contract, function, args, limit, after or ""), start=1):
            items.extend(page.items)
            tick(len(items), number)
    return Rows(items, "")


def fetch_answer(app: AppContext, function: str, args: Mapping[str, Any], *, limit: int, after: str | None,
                 all_pages: bool) -> tuple[Any, Rows | None]:
    """For a transaction that answers an object around its page (``Permit:History``): the first answer as
    it came, and the rows of the pages asked for; ``None`` rows when the answer is not paged at all."""
    contract = app.contract()
    answer = contract.evaluate(function, page_arguments(args, limit, after or ""))
    if not isinstance(answer, Mapping) or "items" not in answer:
        return answer, None
    first = Page.parse(answer)
    if not all_pages or not first.more:
        return answer, Rows(first.items, first.bookmark)
    items = list(first.items)
    with counting(f"fetching {function}") as tick:
        tick(len(items), 1)
        for number, page in enumerate(iterate_pages(contract, function, args, limit, first.bookmark), start=2):
            items.extend(page.items)
            tick(len(items), number)
    return answer, Rows(items, "")


def more_rows(rows: Rows, as_json: bool) -> None:
    """After the output of a page: how to see the rest, when there is more."""
    if rows.bookmark:
        click.echo(f"more rows: {resume_command(click.get_current_context(), rows.bookmark)}", err=as_json)


def resume_command(ctx: click.Context, bookmark: str) -> str:
    """The current command line as given (options from the environment left out), continuing after ``bookmark``."""
    words = ctx.command_path.split()
    for param in ctx.command.params:
        if isinstance(param, GlobalOption) or param.name in PAGING_PARAMS or param.name is None:
            continue
        if ctx.get_parameter_source(param.name) is not ParameterSource.COMMANDLINE:
            continue
        words += _spelled(param, ctx.params.get(param.name))
    for flag, value in globals_of(ctx).command_line.items():
        if value is True:
            words.append(flag)
        elif value not in (None, False, ""):
            words += [flag, str(value)]
    limit = ctx.params.get("limit")
    if ctx.get_parameter_source("limit") is ParameterSource.COMMANDLINE:
        words += ["--limit", str(limit)]
    words += ["--after", bookmark]
    return " ".join(shlex.quote(word) for word in words)


def _spelled(param: click.Parameter, value: Any) -> list[str]:
    if not isinstance(param, click.Option):
        values = value if isinstance(value, (list, tuple)) else [value]
        return [str(v) for v in values if v is not None]
    flag = param.opts[0]
    if param.is_flag:
        return [flag] if value else []
    values = value if param.multiple else [value]
    return [part for v in values if v is not None for part in (flag, str(v))]
