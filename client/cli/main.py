"""Entry point of ``ecoledger``; expected errors become one clean line and a non-zero exit.

Start-up stays quick: the command modules import only click and small pure
modules at load time; gRPC, protobuf, cryptography and rich are imported by a
command when it runs (``ecoledger --help`` never loads them).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from client.cli.credit_commands import credit_group
from client.cli.enterprise_commands import enterprise_group
from client.cli.errors import CommandError
from client.cli.events_commands import events_group
from client.cli.identity_commands import identity_group
from client.cli.ledger_commands import ledger_group, registry_group
from client.cli.market_commands import market_group
from client.cli.monitor_commands import GROUPS as MONITORING_GROUPS
from client.cli.network_commands import network_group
from client.cli.options import EcoledgerGroup, Globals, globals_of
from client.cli.org_commands import channel_group, org_group
from client.cli.permit_commands import permit_group
from network.errors import NetworkError

COMMAND_GROUPS = [network_group, identity_group, ledger_group, registry_group, enterprise_group, permit_group,
                  market_group, events_group, *MONITORING_GROUPS, credit_group]
COMMAND_GROUPS += [org_group, channel_group]

# Errors that mean "your request failed", not "ecoledger has a bug". The gateway's own
# (GatewayError, WalletError) are looked up only once their module is loaded: an
# error of a module that was never imported cannot have been raised.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (NetworkError, CommandError)
LAZY_EXPECTED_ERRORS = (("client.gateway.errors", ("GatewayError", "WalletError")),)


def expected_errors() -> tuple[type[Exception], ...]:
    found = list(EXPECTED_ERRORS)
    for module_name, names in LAZY_EXPECTED_ERRORS:
        module = sys.modules.get(module_name)
        if module is not None:
            found += [getattr(module, name) for name in names]
    return tuple(found)


def error_line(err: Exception, state: Globals | None) -> str:
    """The chaincode's own words for a refusal; for organizations that could not endorse, who and what
    the endorsement policy needs; otherwise the error as it reads."""
    refusal = getattr(err, "chaincode_message", None)
    if refusal:
        return refusal
    explain = getattr(err, "explain", None)
    if callable(explain):
        policy, peer_orgs = _endorsement_facts(state)
        also_down = _other_organizations_down(err, state, peer_orgs)
        explained = explain(policy, peer_orgs, also_down)
        if explained:
            return explained
    return str(err)


def _other_organizations_down(err: Exception, state: Globals | None,
                              peer_orgs: dict[str, str] | None) -> dict[str, list[str]] | None:
    """Ask the organizations the Gateway did not name, one by one, whether their peers endorse.

    Also when it named none: a gateway that already dropped unreachable peers from discovery only
    says no set of the peers it knows satisfies the policy."""
    unavailable = getattr(err, "unavailable_organizations", None)
    app = state.opened if state is not None else None
    if app is None or not callable(unavailable) or getattr(err, "chaincode_message", None) is not None:
        return None
    try:
        named = unavailable(peer_orgs)
        from client.session import unreachable_organizations

        consortium = app.network.consortium
        members = next(c for c in consortium.channels if c.name == consortium.channel).orgs
        return unreachable_organizations(app.contract(), [o.msp_id for o in members if o.msp_id not in named])
    except Exception:  # the diagnosis only completes the message; never hide the original error
        return None


def _endorsement_facts(state: Globals | None) -> tuple[Any, dict[str, str] | None]:
    """The all-members channel's endorsement policy (a majority of its organizations) and who owns which peer."""
    app = state.opened if state is not None else None
    if app is None:
        return None, None
    try:
        from client.gateway.errors import EndorsementPolicy

        consortium = app.network.consortium
        members = next(c for c in consortium.channels if c.name == consortium.channel).orgs
        peers = {peer.address: org.msp_id for org in members for peer in org.peers}
        return EndorsementPolicy(len(members)), peers
    except Exception:  # the facts only decorate the message; never hide the original error
        return None, None


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
