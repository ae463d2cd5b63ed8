"""``ecoledger identity ...``: onboard regulators, enterprises and other users."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from client.cli.options import EcoledgerGroup, pass_app
from client.cli.output import record, show
from common.names import ROLES

if TYPE_CHECKING:
    from client.cli.context import AppContext


def _pairs(values: tuple[str, ...]) -> dict[str, str]:
    result = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--attr")
        result[key.strip()] = value.strip()
    return result


@click.group("identity", cls=EcoledgerGroup)
def identity_group() -> None:
    """Identities issued by each organization's CA, kept in the local wallet."""


@identity_group.command("register")
@click.option("--org", "org_code", required=True, help="Organization code whose CA issues it (e.g. BJ).")
@click.option("--name", required=True, help="Enrollment id, also the wallet name used with --as.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="Functional role in chaincode.")
@click.option("--attr", "attrs", multiple=True, metavar="KEY=VALUE",
              help="Extra certificate attribute, e.g. entity=<credit code>; region defaults to the org's region.")
@pass_app
def register(app: AppContext, org_code: str, name: str, role: str, attrs: tuple[str, ...]) -> None:
    """Register NAME with the org's CA (attributes in the certificate) and enroll it into the wallet.

    \b
    Example:
      ecoledger identity register --org BJ --name bj-regulator --role regulator
      ecoledger identity register --org BJ --name steelco --role enterprise \\
          --attr entity=91110000600037341L
    """
    from network import onboarding

    result = onboarding.register(app.network, org_code, name, role, _pairs(attrs))
    if app.as_json:
        record(result, True)
        return
    verb = "registered" if result["created"] else "already registered"
    click.echo(f"{name} {verb} with {result['msp_id']}: " +
               ", ".join(f"{k}={v}" for k, v in sorted(result["attrs"].items())))


@identity_group.command("list")
@pass_app
def list_identities(app: AppContext) -> None:
    """Identities in the wallet, with their organization and certificate attributes."""
    rows = [app.session.describe(name) for name in app.session.wallet.list()]
    show(rows, app.as_json, rows=[(r["name"], r["org"], r["msp_id"], r.get("role", ""), r.get("region", ""),
                                   r.get("entity", "")) for r in rows],
         headers=("name", "org", "msp", "role", "region", "entity"), empty="(wallet is empty)")
