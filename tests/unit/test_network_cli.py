"""CLI behaviour that needs no running network: help, usage errors, clean one-line errors."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from client.cli.main import cli


def _run(tmp_path: Path, *args: str):
    return CliRunner().invoke(cli, list(args), env={"ECOLEDGER_HOME": str(tmp_path)})


def test_help_lists_the_command_groups(tmp_path: Path) -> None:
    result = _run(tmp_path, "--help")
    assert result.exit_code == 0
    for group in ("network", "identity", "ledger", "registry"):
        assert group in result.output


def test_network_up_help_explains_idempotence(tmp_path: Path) -> None:
    result = _run(tmp_path, "network", "up", "--help")
    assert result.exit_code == 0
    assert "Idempotent" in result.output and "--consensus [bft|raft]" in result.output


def test_an_unknown_consortium_is_one_clean_line(tmp_path: Path) -> None:
    result = _run(tmp_path, "--consortium", "atlantis", "network", "status")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: consortium file 'atlantis' not found (bundled: jingjinji, yangtze)"


def test_logs_of_an_unknown_node_name_the_known_ones(tmp_path: Path) -> None:
    result = _run(tmp_path, "network", "logs", "peer9.xx")
    assert result.exit_code == 1
    assert "no single node matches 'peer9.xx'; known: ca.bj.ecoledger" in result.stderr


def test_acting_without_an_identity_says_how_to_choose_one(tmp_path: Path) -> None:
    result = _run(tmp_path, "registry", "members")
    assert result.exit_code == 1
    assert "no identity chosen: pass --as NAME or set ECOLEDGER_IDENTITY" in result.stderr


def test_attributes_must_be_key_value(tmp_path: Path) -> None:
    result = _run(tmp_path, "identity", "register", "--org", "BJ", "--name", "a", "--role", "regulator",
                  "--attr", "oops")
    assert result.exit_code == 2
    assert "'oops' is not KEY=VALUE" in result.output


def test_unknown_roles_are_refused_by_the_parser(tmp_path: Path) -> None:
    result = _run(tmp_path, "identity", "register", "--org", "BJ", "--name", "a", "--role", "king")
    assert result.exit_code == 2
    assert "'king' is not one of" in result.output


def test_down_on_a_network_that_never_ran_stops_nothing(tmp_path: Path) -> None:
    result = _run(tmp_path, "--json", "network", "down")
    assert result.exit_code == 0
    assert '"stopped": 0' in result.output
    assert not (tmp_path / "jingjinji").exists() or not any((tmp_path / "jingjinji").iterdir())
