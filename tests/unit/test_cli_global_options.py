"""--as, --json, --consortium and --debug work anywhere on the command line, at every depth, and from the env."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import click
import pytest
from click.testing import CliRunner, Result

from client.cli.main import cli
from client.cli.options import GLOBAL_FLAGS, GlobalOption, Globals
from network.errors import NetworkError

ROOT = Path(__file__).resolve().parents[2]
LOTS = [{"id": "L-1", "owner": "91110000MA01BJ0011", "owner_region": "BJ", "issuing_region": "BJ",
         "pollutant": "SO2", "vintage": 2026, "quantity": 1000, "status": "held", "frozen": None, "trade": None,
         "offer": None}]


class FakeContract:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.failure: Exception | None = None

    def evaluate(self, function: str, args: Any = None, **_: Any) -> Any:
        self.calls.append((function, args))
        if self.failure is not None:
            raise self.failure
        return LOTS


class FakeApp:
    """What a command sees of the invocation: the effective global options."""

    def __init__(self, state: Globals, contract: FakeContract) -> None:
        self.identity = state.identity
        self.as_json = state.as_json
        self.consortium_file = state.consortium_file
        self.debug = state.debug
        self._contract = contract

    def contract(self, channel: str | None = None) -> FakeContract:
        return self._contract

    def close(self) -> None:
        pass


@pytest.fixture
def apps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[FakeApp]]:
    built: list[FakeApp] = []
    contract = FakeContract()

    def app(state: Globals) -> FakeApp:
        built.append(FakeApp(state, contract))
        return built[-1]

    monkeypatch.setattr(Globals, "app", property(app))
    yield built


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    environment = {"ECOLEDGER_IDENTITY": "", "ECOLEDGER_CONSORTIUM": "", **(env or {})}
    return CliRunner().invoke(cli, list(args), env=environment, catch_exceptions=False)


def effective(apps: list[FakeApp]) -> dict[str, Any]:
    [app] = apps
    return {"identity": app.identity, "as_json": app.as_json, "consortium": app.consortium_file, "debug": app.debug}


GLOBALS = ["--json", "--as", "capital-steel", "--consortium", "yangtze", "--debug"]
EXPECTED = {"identity": "capital-steel", "as_json": True, "consortium": "yangtze", "debug": True}


class TestAnywhereOnTheLine:
    @pytest.mark.parametrize("line", [
        [*GLOBALS, "permit", "list"],
        ["permit", *GLOBALS, "list"],
        ["permit", "list", *GLOBALS],
        ["--json", "permit", "--as", "capital-steel", "list", "--consortium", "yangtze", "--debug"],
    ], ids=["before the group", "between group and command", "after the command", "spread out"])
    def test_every_position_means_the_same(self, apps, line):
        result = run(*line)
        assert result.exit_code == 0, result.output
        assert effective(apps) == EXPECTED
        assert json.loads(result.stdout) == LOTS

    @pytest.mark.parametrize("flag, value, key, expected", [
        ("--as", "capital-steel", "identity", "capital-steel"),
        ("--consortium", "yangtze", "consortium", "yangtze"),
        ("--json", None, "as_json", True),
        ("--debug", None, "debug", True),
    ])
    @pytest.mark.parametrize("where", ["root", "group", "command"])
    def test_each_global_option_at_each_depth(self, apps, flag, value, key, expected, where):
        option = [flag] + ([value] if value else [])
        line = {"root": [*option, "permit", "list"], "group": ["permit", *option, "list"],
                "command": ["permit", "list", *option]}[where]
        result = run(*line)
        assert result.exit_code == 0, result.output
        assert effective(apps)[key] == expected

    def test_the_example_from_the_help_no_longer_fails_with_no_such_option(self, apps):
        after = run("permit", "list", "--json", "--as", "capital-steel")
        before = run("--json", "--as", "capital-steel", "permit", "list")
        assert after.exit_code == before.exit_code == 0
        assert after.stdout == before.stdout
        assert "No such option" not in after.output

    def test_the_json_output_is_the_same_bytes_wherever_json_is_given(self, apps):
        expected = json.dumps(LOTS, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        assert run("--json", "permit", "list").stdout == expected
        assert run("permit", "list", "--json").stdout == expected

    def test_the_option_given_last_wins(self, apps):
        run("--as", "first", "permit", "--as", "second", "list", "--as", "third")
        run("--as", "first", "permit", "--as", "second", "list")
        assert [app.identity for app in apps] == ["third", "second"]

    def test_a_deeper_debug_shows_the_traceback(self, apps, monkeypatch):
        contract = FakeContract()
        contract.failure = NetworkError("peer unreachable")
        monkeypatch.setattr(FakeApp, "contract", lambda self, channel=None: contract)
        result = run("--as", "x", "permit", "list")
        assert (result.exit_code, result.stderr) == (1, "error: peer unreachable\n")
        with pytest.raises(NetworkError):
            run("--as", "x", "permit", "list", "--debug")


class TestEnvironment:
    def test_the_environment_gives_identity_and_consortium(self, apps):
        run("permit", "list", env={"ECOLEDGER_IDENTITY": "env-user", "ECOLEDGER_CONSORTIUM": "yangtze"})
        assert effective(apps) == {"identity": "env-user", "as_json": False, "consortium": "yangtze", "debug": False}

    @pytest.mark.parametrize("line", [["--as", "cli-user", "permit", "list"], ["permit", "list", "--as", "cli-user"]])
    def test_the_command_line_beats_the_environment_at_any_depth(self, apps, line):
        run(*line, env={"ECOLEDGER_IDENTITY": "env-user"})
        assert effective(apps)["identity"] == "cli-user"

    def test_an_empty_variable_is_no_value(self, apps):
        run("permit", "list", env={"ECOLEDGER_IDENTITY": ""})
        assert effective(apps)["identity"] is None


def walk(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))


ALL_COMMANDS = list(walk(cli))


class TestEveryCommand:
    @pytest.mark.parametrize("path, command", ALL_COMMANDS, ids=[" ".join(p) or "ecoledger" for p, _ in ALL_COMMANDS])
    def test_every_command_takes_the_global_options_and_lists_them_in_its_help(self, path, command):
        flags = {opt for param in command.params for opt in param.opts}
        assert GLOBAL_FLAGS <= flags
        result = run(*path, "--help")
        assert result.exit_code == 0
        section = result.stdout.split("Global options (anywhere on the line):")[1]
        own = {opt for param in command.params if not isinstance(param, GlobalOption) for opt in param.opts}
        for flag in GLOBAL_FLAGS - own:
            assert flag in section

    def test_a_command_with_an_option_of_the_same_name_keeps_its_own(self):
        up = cli.commands["network"].commands["up"]  # type: ignore[attr-defined]
        consortium = [param for param in up.params if "--consortium" in param.opts]
        assert len(consortium) == 1 and not isinstance(consortium[0], GlobalOption)
        assert "Idempotent" in run("network", "up", "--help").stdout


class TestStartUp:
    HEAVY = ("grpc", "google.protobuf", "cryptography", "fabric_protos", "rich", "yaml")

    def loaded_after(self, code: str) -> list[str]:
        script = (f"import sys\n{code}\n"
                  f"print(' '.join(m for m in {self.HEAVY!r} if m in sys.modules), file=sys.stderr)")
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
        return done.stderr.split()

    def test_importing_the_cli_loads_no_grpc_protobuf_cryptography_or_rich(self):
        assert self.loaded_after("import client.cli.main") == []

    def test_help_of_a_group_loads_none_of_them_either(self):
        code = ("from client.cli.main import cli\n"
                "try:\n    cli(['permit', '--help'], prog_name='ecoledger')\nexcept SystemExit:\n    pass")
        assert self.loaded_after(code) == []
