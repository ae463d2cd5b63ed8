"""Entry point of ``ecoledger``; expected errors become one clean line and a non-zero exit."""

from __future__ import annotations

from typing import Any

import click

from client.cli.context import AppContext
from client.cli.enterprise_commands import enterprise_group
from client.cli.errors import CommandError
from client.cli.events_commands import events_group
from client.cli.identity_commands import identity_group
from client.cli.ledger_commands import ledger_group, registry_group
from client.cli.market_commands import market_group
from client.cli.network_commands import network_group
from client.cli.permit_commands import permit_group
from client.gateway import GatewayError, WalletError
from network.errors import NetworkError

COMMAND_GROUPS = [network_group, identity_group, ledger_group, registry_group, enterprise_group, permit_group,
                  market_group, events_group]

# Errors that mean "your request failed", not "ecoledger has a bug".
EXPECTED_ERRORS = (NetworkError, GatewayError, WalletError, CommandError)


class EcoledgerGroup(click.Group):
    """Prints expected errors as ``error: <message>`` (the chaincode's own words for refusals)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EXPECTED_ERRORS as err:
            if ctx.obj is not None and ctx.obj.debug:
                raise
            click.echo(f"error: {getattr(err, 'chaincode_message', None) or err}", err=True)
            ctx.exit(1)


@click.group(cls=EcoledgerGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    cli(prog_name="ecoledger")


if __name__ == "__main__":
    main()
