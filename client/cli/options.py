"""Global options that work anywhere on the command line, and the command classes that carry them.

``--as``, ``--json``, ``--consortium`` and ``--debug`` belong to ``ecoledger``
itself, but people type them where they think of them:
``ecoledger permit list --json --as capital-steel`` means the same as
``ecoledger --json --as capital-steel permit list``. So every group and
command of the CLI is built from :class:`EcoledgerGroup` / :class:`EcoledgerCommand`,
which add the global options to their own (listed under "Global options" in
``--help``). Values given on the command line land in the one :class:`Globals`
of the invocation, the deepest (rightmost) one winning; the environment
(``ECOLEDGER_IDENTITY``, ``ECOLEDGER_CONSORTIUM``) is read once, at the top.
A command that has an option of the same name itself (``network up
--consortium``) keeps its own.

Nothing here imports the gateway client: the :class:`~client.cli.context.AppContext`
(which opens wallets and gRPC channels) is built only when a command runs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import click
from click.core import ParameterSource

if TYPE_CHECKING:
    from client.cli.context import AppContext


@dataclass(frozen=True)
class GlobalSpec:
    dest: str
    flag: str
    help: str
    is_flag: bool = False
    envvar: str | None = None
    metavar: str | None = None


GLOBAL_SPECS = (
    GlobalSpec("identity", "--as", "Wallet identity to act as (env ECOLEDGER_IDENTITY); see 'ecoledger identity list'.",
               envvar="ECOLEDGER_IDENTITY", metavar="IDENTITY"),
    GlobalSpec("as_json", "--json", "Machine-readable JSON output.", is_flag=True),
    GlobalSpec("consortium_file", "--consortium",
               "Consortium to operate on: jingjinji (default), yangtze, or a YAML file (env ECOLEDGER_CONSORTIUM).",
               envvar="ECOLEDGER_CONSORTIUM", metavar="NAME|FILE"),
    GlobalSpec("debug", "--debug", "Show full tracebacks for errors.", is_flag=True),
)
GLOBAL_FLAGS = frozenset(spec.flag for spec in GLOBAL_SPECS)


@dataclass
class Globals:
    """The global options of one invocation and, once a command needs it, its :class:`AppContext`."""

    identity: str | None = None
    as_json: bool = False
    consortium_file: str | None = None
    debug: bool = False
    command_line: dict[str, Any] = field(default_factory=dict)  # flag -> value given on the command line
    _app: AppContext | None = None

    @property
    def app(self) -> AppContext:
        if self._app is None:
            from client.cli.context import AppContext

            self._app = AppContext(consortium_file=self.consortium_file, identity=self.identity,
                                   as_json=self.as_json, debug=self.debug)
        return self._app

    @property
    def opened(self) -> AppContext | None:
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


def globals_of(ctx: click.Context) -> Globals:
    root = ctx.find_root()
    if not isinstance(root.obj, Globals):
        root.obj = Globals()
    return root.obj


class GlobalOption(click.Option):
    """One global option on one command; ``top`` is the instance on ``ecoledger`` itself."""

    def __init__(self, spec: GlobalSpec, top: bool) -> None:
        self.spec = spec
        self.top = top
        super().__init__(
            [spec.flag, f"global_{spec.dest}"], is_flag=spec.is_flag, default=False if spec.is_flag else None,
            envvar=spec.envvar if top else None, metavar=spec.metavar, help=spec.help, expose_value=False,
            callback=self._store)

    def _store(self, ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        state = globals_of(ctx)
        source = ctx.get_parameter_source(self.name)  # type: ignore[arg-type]
        given = source is ParameterSource.COMMANDLINE
        if given:
            state.command_line[self.spec.flag] = value
        if given or (self.top and value not in (None, "")):
            setattr(state, self.spec.dest, value)
        return value


def _global_options(existing: list[click.Parameter], top: bool) -> list[click.Parameter]:
    taken = {opt for param in existing for opt in param.opts}
    return [GlobalOption(spec, top) for spec in GLOBAL_SPECS if spec.flag not in taken]


class _GlobalHelp:
    """Help with the command's own options first and the global ones in a section of their own."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        own, shared = [], []
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            record = param.get_help_record(ctx)
            if record is not None:
                (shared if isinstance(param, GlobalOption) else own).append(record)
        if own:
            with formatter.section("Options"):
                formatter.write_dl(own)
        if shared:
            with formatter.section("Global options (anywhere on the line)"):
                formatter.write_dl(shared)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


class EcoledgerCommand(_GlobalHelp, click.Command):
    """A command that also takes the global options."""

    top = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(_global_options(self.params, self.top))


class EcoledgerGroup(_GlobalHelp, click.Group):
    """A group whose subcommands and subgroups (at any depth) also take the global options."""

    top = False
    command_class = EcoledgerCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(_global_options(self.params, self.top))


EcoledgerGroup.group_class = type  # subgroups are of the same class as their parent


def pass_app(function: Callable[..., Any]) -> Callable[..., Any]:
    """Pass the invocation's :class:`AppContext` (built on first use) as the first argument."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        return function(globals_of(click.get_current_context()).app, *args, **kwargs)

    return run
