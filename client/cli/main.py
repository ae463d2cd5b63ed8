"""Entry point of ``ecoledger``; expected errors become one clean line and a non-zero exit.

Start-up stays quick: the command modules import only click and small pure
modules at load time; gRPC, protobuf, cryptography and rich are imported by a
command when it runs (``ecoledger --help`` never loads them).
"""

from __future__ import annotations

from typing import Any

import click

from client.cli.compensation_commands import compensation_group
from client.cli.credit_commands import credit_group
from client.cli.enterprise_commands import enterprise_group
from client.cli.errors import error_line, expected_errors
from client.cli.events_commands import events_group
from client.cli.governance_commands import GROUPS as GOVERNANCE_GROUPS
from client.cli.identity_commands import identity_group
from client.cli.index_commands import console as console_command
from client.cli.index_commands import index_group
from client.cli.ledger_commands import ledger_group, registry_group
from client.cli.market_commands import market_group
from client.cli.monitor_commands import GROUPS as MONITORING_GROUPS
from client.cli.network_commands import network_group
from client.cli.options import EcoledgerGroup, Globals, globals_of
from client.cli.org_commands import channel_group, org_group
from client.cli.permit_commands import permit_group
from client.cli.waste_commands import GROUPS as WASTE_GROUPS

COMMAND_GROUPS = [network_group, identity_group, ledger_group, registry_group, enterprise_group, permit_group,
                  market_group, events_group, *MONITORING_GROUPS, credit_group,
                  compensation_group, *WASTE_GROUPS,
                  *GOVERNANCE_GROUPS, index_group, console_command,
                  org_group, channel_group]


class EcoledgerRoot(EcoledgerGroup):
    """``ecoledger`` itself: prints expected errors as ``error: <message>``."""

    top = True

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as err:
            if not isinstance(err, expected_errors()):
                raise
            state = ctx.obj if isinstance(ctx.obj, Globals) else None
            if state is not None and state.debug:
                raise
            click.echo(f"error: {error_line(err, state)}", err=True)
            ctx.exit(1)


@click.group("ecoledger", cls=EcoledgerRoot,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """ecoledger: cross-regional environmental governance on a Hyperledger Fabric consortium.

    Consortium admins bring the network up and onboard identities; regulators
    and enterprises issue, trade and surrender emission allowances; everyone
    queries the ledger. Every command acts as the wallet identity given with --as.
    The global options work before or after the command (ecoledger permit list --json).
    """
    state = globals_of(ctx)
    ctx.call_on_close(state.close)


for group in COMMAND_GROUPS:
    cli.add_command(group)


def main() -> None:
    cli(prog_name="ecoledger")


if __name__ == "__main__":
    main()
