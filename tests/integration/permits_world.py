"""What the permit and market tests on the real network share: identities, credit codes, snapshots.

:class:`World` drives the ``ecoledger`` CLI as named wallet identities. After
every committed write it waits until each organization's peer has reached the
same block height, because a commit is reported by the gateway peer of the
writer's organization while the next command may read through another
organization's peer. ``refused`` checks a refusal's message and that the
ledger, as the coordinator sees it, did not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from common.credit_code import complete
from client.gateway import GatewayError
from client.retry import RetryPolicy, wait_for
from client.session import Session
from network.bootstrap import Network
from network.onboarding import wallet_of

from .conftest import Cli

DIVISION = {"BJ": "110000", "TJ": "120000", "HB": "130000"}
COORDINATOR = "admin-co"
SYNC_TIMEOUT = 30.0
DISCOVERY_TIMEOUT = 180.0
SYNC_POLL = 0.05


def credit_code(region: str, tag: str, number: int) -> str:
    """A valid unified social credit code of ``region``; ``tag`` is five characters that name the test module."""
    return complete(f"91{DIVISION[region]}{tag}{number:04d}")


@dataclass
class World:
    cli: Cli
    network: Network
    session: Session = field(init=False)

    def __post_init__(self) -> None:
        self.session = Session(self.network)
        self.wait_for_discovery()

    def close(self) -> None:
        self.session.close()

    # -- identities ------------------------------------------------------------------------------
    def regulator(self, org: str, name: str) -> str:
        self.cli.ok("identity", "register", "--org", org, "--name", name, "--role", "regulator")
        return name

    def enterprise(self, org: str, name: str, entity: str) -> str:
        self.cli.ok("identity", "register", "--org", org, "--name", name, "--role", "enterprise",
                    "--attr", f"entity={entity}")
        return name

    def without_role(self, org: str, name: str) -> str:
        """An identity whose certificate carries no attributes at all (issued straight by the org's CA)."""
        wallet = wallet_of(self.network)
        if name not in wallet:
            organization = self.network.consortium.org(org)
            enrollment = self.network.cas[organization.code].issue(
                name, "client", self.network.layout.org_dir(organization) / "users" / name)
            wallet.put(name, organization.msp_id, organization.code, enrollment.cert.read_bytes(),
                       enrollment.key.read_bytes(), {})
        return name

    # -- commands --------------------------------------------------------------------------------
    def write(self, who: str, *args: str) -> Any:
        """A write that must commit; returns its JSON output once every peer has the block."""
        result = self.cli.json("--as", who, *args)
        self.sync()
        return result

    def query(self, who: str, *args: str) -> Any:
        return self.cli.json("--as", who, *args)

    def fails(self, who: str, *args: str) -> str:
        return self.cli.fails("--as", who, *args)

    def refused(self, who: str, *args: str, expected: str) -> str:
        """A command that must be refused with ``expected`` in its one error line, changing nothing."""
        before = self.snapshot()
        output = self.fails(who, *args)
        error = output.splitlines()[-1] if output else ""
        assert error.startswith("error: ") and expected in error, (
            f"ecoledger --as {who} {' '.join(args)}:\n{output}\nexpected: {expected}")
        self.sync()
        assert self.snapshot() == before, f"ecoledger --as {who} {' '.join(args)} changed the ledger"
        return error

    def snapshot(self) -> dict[str, Any]:
        """Everything the coordinator can list: totals, lots, offers, trades, enterprises."""
        return {
            "totals": self.query(COORDINATOR, "permit", "totals"),
            "lots": self.query(COORDINATOR, "permit", "list", "--all"),
            "offers": self.query(COORDINATOR, "market", "offers", "--all"),
            "trades": self.query(COORDINATOR, "market", "trades", "--all"),
            "enterprises": self.query(COORDINATOR, "enterprise", "list", "--all"),
        }

    # -- peers -----------------------------------------------------------------------------------
    def wait_for_discovery(self) -> None:
        """Wait until each organization's gateway knows a peer of every organization.

        Prices make the client name its endorsing organizations, which needs
        the gateway to know them all; gossip may still be spreading
        membership right after the network came up.
        """
        orgs = self.network.consortium.organizations
        pending = {(me.code, other.msp_id) for me in orgs for other in orgs}

        def probe() -> set[tuple[str, str]]:
            for me, other in sorted(pending):
                try:
                    self.session.contract(f"admin-{me.lower()}").evaluate(
                        "Registry:Members", endorsing_organizations=[other])
                    pending.discard((me, other))
                except GatewayError:
                    pass
            return pending

        wait_for(probe, RetryPolicy.polling(1.0, DISCOVERY_TIMEOUT), until=lambda missing: not missing,
                 describe=lambda missing: f"gateways still miss peers of other organizations: {sorted(missing or ())}")

    def heights(self) -> dict[str, int]:
        channel = self.network.consortium.channel
        return {org.code: self.session.gateway(f"admin-{org.code.lower()}").get_network(channel)
                .query_chain_info().height for org in self.network.consortium.organizations}

    def sync(self) -> None:
        """Wait until every organization's peer has every block any of them had when called."""
        target = max(self.heights().values())
        wait_for(self.heights, RetryPolicy.polling(SYNC_POLL, SYNC_TIMEOUT),
                 until=lambda heights: min(heights.values()) >= target,
                 describe=lambda heights: f"peers did not reach block height {target}: {heights}")

    # -- totals ----------------------------------------------------------------------------------
    def totals(self, pollutant: str, vintage: int) -> dict[str, Any]:
        [row] = [r for r in self.query(COORDINATOR, "permit", "totals", "--pollutant", pollutant)
                 if r["vintage"] == vintage]
        return row

    def assert_conservation(self) -> None:
        """issued = held + escrowed + retired for every (pollutant, vintage) on the ledger."""
        rows = self.query(COORDINATOR, "permit", "totals")
        assert rows, "no allowances on the ledger"
        for row in rows:
            assert row["issued"] == row["held"] + row["escrowed"] + row["retired"], row
            assert row["balanced"] is True, row


PAIR_BJ_HB = "bj-hb"


class BjHbWorld(World):
    """The permit tests' world, also waiting for the peers of the bj-hb pair channel."""

    def pair_heights(self) -> dict[str, int]:
        return {org: self.session.gateway(f"admin-{org.lower()}").get_network(PAIR_BJ_HB).query_chain_info().height
                for org in ("BJ", "HB")}

    def sync(self) -> None:
        super().sync()
        target = max(self.pair_heights().values())
        wait_for(self.pair_heights, RetryPolicy.polling(SYNC_POLL, SYNC_TIMEOUT),
                 until=lambda heights: min(heights.values()) >= target,
                 describe=lambda heights: f"{PAIR_BJ_HB} peers did not reach block height {target}: {heights}")

    def wait_for_pair_discovery(self) -> None:
        pending = {("bj", "HBMSP"), ("hb", "BJMSP")}

        def probe() -> set[tuple[str, str]]:
            for me, other in sorted(pending):
                try:
                    self.session.contract(f"admin-{me}", PAIR_BJ_HB).evaluate(
                        "Registry:Members", endorsing_organizations=[other])
                    pending.discard((me, other))
                except GatewayError:
                    pass
            return pending

        wait_for(probe, RetryPolicy.polling(1.0, 180.0), until=lambda missing: not missing,
                 describe=lambda missing: f"{PAIR_BJ_HB} gateways still miss peers: {sorted(missing or ())}")
