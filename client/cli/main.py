"""Entry point of ``ecoledger``; expected errors become one clean line and a non-zero exit."""

from __future__ import annotations

import sys

import click

from client.cli.context import AppContext
from client.cli.network_commands import network_group
from network.errors import NetworkError

COMMAND_GROUPS = [network_group]


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean "your request failed", not "ecoledger has a bug"."""
    errors: list[type[BaseException]] = [NetworkError]
    try:
        from client.gateway import GatewayError, WalletError

        errors += [GatewayError, WalletError]
    except ImportError:  # pragma: no cover - gateway package always ships with the CLI
        pass
    from client.cli.errors import CommandError

    errors.append(CommandError)
    return tuple(errors)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--as", "identity", envvar="ECOLEDGER_IDENTITY", metavar="IDENTITY",
              help="Wallet identity to act as (env ECOLEDGER_IDENTITY); see 'ecoledger identity list'.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")
@click.option("--consortium", "consortium_file", envvar="ECOLEDGER_CONSORTIUM", metavar="NAME|FILE",
              help="Consortium to operate on: jingjinji (default), yangtze, or a YAML file.")
@click.option("--debug", is_flag=True, help="Show full tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, identity: str | None, as_json: bool, consortium_file: str | None, debug: bool) -> None:
    """ecoledger: cross-regional environmental governance on a Hyperledger Fabric consortium.

    Consortium admins bring the network up and onboard identities; regulators
    and enterprises issue, trade and surrender emission allowances; everyone
    queries the ledger. Every command acts as the wallet identity given with --as.
    """
    app = AppContext(consortium_file=consortium_file, identity=identity, as_json=as_json, debug=debug)
    ctx.obj = app
    ctx.call_on_close(app.close)


for group in COMMAND_GROUPS:
    cli.add_command(group)


def main() -> None:
    debug = "--debug" in sys.argv
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except _expected_errors() as err:
        if debug:
            raise
        click.echo(f"error: {err}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
