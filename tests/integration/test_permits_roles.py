"""Who may write what, on the real network: every role against every write command of the permit domain.

Roles: the Beijing and Hebei regulators, a Beijing and a Hebei enterprise,
the coordinator's admin and an identity whose certificate carries no role.
Each refusal must name the reason in one line and leave the ledger exactly as
it was (totals, lots, offers, trades and enterprises as the coordinator sees
them); each allowed call must commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

import pytest

from network.bootstrap import Network

from .conftest import Cli
from .permits_world import COORDINATOR, World, credit_code

VINTAGE = 2027
BJ_ENTITY = credit_code("BJ", "RQLE1", 1)
HB_ENTITY = credit_code("HB", "RQLE1", 1)

ROLES = {
    "bj-regulator": ("roles-bj-regulator", "BJMSP", "role 'regulator'"),
    "hb-regulator": ("roles-hb-regulator", "HBMSP", "role 'regulator'"),
    "bj-enterprise": ("roles-bj-enterprise", "BJMSP", "role 'enterprise'"),
    "hb-enterprise": ("roles-hb-enterprise", "HBMSP", "role 'enterprise'"),
    "coordinator-admin": (COORDINATOR, "COMSP", "role 'admin'"),
    "no-role": ("roles-nobody", "BJMSP", "no role"),
}
OK = None

Targets = dict[str, str]


def identity(role: str) -> str:
    return ROLES[role][0]


def needs(required: str, function: str) -> Callable[[str, Targets], str]:
    """The chaincode's refusal of a caller without the ``required`` role."""
    def message(role: str, targets: Targets) -> str:
        name, msp, has = ROLES[role]
        return f"role '{required}' is required for {function}; {name}@{msp} has {has}"
    return message


def fixed(template: str) -> Callable[[str, Targets], str]:
    return lambda role, targets: template.format(**targets)


@dataclass
class Command:
    """A write command, the targets it needs, and per role ``OK`` or the expected refusal."""

    name: str
    argv: Callable[[str, Targets], list[str]]
    expected: Expected
    prepare: Callable[[World], Targets] = field(default=lambda world: {})
    cleanup: Callable[[World], None] = field(default=lambda world: None)


def _offer(world: World, seller: str, quantity: str = "5t") -> str:
    return world.write(seller, "market", "offer", "--pollutant", "SO2", "--vintage", str(VINTAGE),
                       "--quantity", quantity, "--price", "1200/t")["id"]


def _pending_trade(world: World) -> str:
    offer = _offer(world, identity("bj-enterprise"))
    return world.write(identity("hb-enterprise"), "market", "buy", offer, "--quantity", "1t")["id"]


_fresh = iter(range(100, 1000))


def _register_targets(world: World) -> Targets:
    return {"bj_new": credit_code("BJ", "RQLE1", next(_fresh)), "hb_new": credit_code("HB", "RQLE1", next(_fresh))}


def _unfreeze(world: World) -> None:
    world.write(identity("bj-regulator"), "permit", "unfreeze", BJ_ENTITY, "--reason", "matrix cleanup")


def _frozen(world: World) -> Targets:
    world.write(identity("bj-regulator"), "permit", "freeze", BJ_ENTITY, "--reason", "matrix setup")
    return {}


def _two_offers(world: World) -> Targets:
    return {"bj_offer": _offer(world, identity("bj-enterprise")), "hb_offer": _offer(world, identity("hb-enterprise"))}


def _one_offer(world: World) -> Targets:
    return {"offer": _offer(world, identity("bj-enterprise"))}


def _one_trade(world: World) -> Targets:
    return {"trade": _pending_trade(world)}


def _two_trades(world: World) -> Targets:
    return {"bj_trade": _pending_trade(world), "hb_trade": _pending_trade(world)}


NOT_IN_HB = fixed(f"enterprise {BJ_ENTITY} is not registered in region HB (it is registered in region BJ)")
NO_READER = fixed("role 'regulator' or 'enterprise' (or an identity of the coordinator organization) is required "
                  "for Market:Offer; roles-nobody@BJMSP has no role")


Expected = dict[str, Callable[[str, Targets], str] | None]


def _for(required: str, function: str, overrides: Expected | None = None) -> Expected:
    """Both roles ``required`` (of BJ and HB) allowed, every other role refused for lack of it."""
    expected: Expected = {role: OK if role.endswith(required) else needs(required, function) for role in ROLES}
    return {**expected, **(overrides or {})}


COMMANDS = [
    Command("enterprise register",
            lambda role, t: ["enterprise", "register", "--entity", t["hb_new" if role == "hb-regulator" else "bj_new"],
                             "--name", f"registered by {role}"],
            _for("regulator", "Enterprise:Register"), prepare=_register_targets),
    Command("permit issue",
            lambda role, t: ["permit", "issue", "--to", BJ_ENTITY, "--pollutant", "SO2", "--vintage", str(VINTAGE),
                             "--quantity", "10t"],
            _for("regulator", "Permit:Issue", {"hb-regulator": NOT_IN_HB})),
    Command("permit surrender",
            lambda role, t: ["permit", "surrender", "--pollutant", "SO2", "--year", str(VINTAGE), "--quantity", "1t"],
            _for("enterprise", "Permit:Surrender")),
    Command("permit freeze",
            lambda role, t: ["permit", "freeze", BJ_ENTITY, "--reason", f"frozen by {role}"],
            _for("regulator", "Enterprise:Freeze", {"hb-regulator": NOT_IN_HB}), cleanup=_unfreeze),
    Command("permit unfreeze",
            lambda role, t: ["permit", "unfreeze", BJ_ENTITY, "--reason", f"unfrozen by {role}"],
            _for("regulator", "Enterprise:Unfreeze", {"hb-regulator": NOT_IN_HB}), prepare=_frozen),
    Command("market offer",
            lambda role, t: ["market", "offer", "--pollutant", "SO2", "--vintage", str(VINTAGE), "--quantity", "1t",
                             "--price", "1200/t"],
            _for("enterprise", "Market:ListOffer")),
    Command("market buy",
            lambda role, t: ["market", "buy", t["offer"], "--quantity", "1t"],
            _for("enterprise", "Market:Buy", {
                "bj-enterprise": fixed(f"enterprise {BJ_ENTITY} cannot buy its own offer {{offer}}"),
                "no-role": NO_READER}),
            prepare=_one_offer),
    Command("market cancel",
            lambda role, t: ["market", "cancel", t["hb_offer" if role == "hb-enterprise" else "bj_offer"]],
            _for("enterprise", "Market:CancelOffer"), prepare=_two_offers),
    Command("market approve",
            lambda role, t: ["market", "approve", t["trade"]],
            _for("regulator", "Market:Approve"), prepare=_one_trade),
    Command("market reject",
            lambda role, t: ["market", "reject", t["hb_trade" if role == "hb-regulator" else "bj_trade"],
                             "--reason", f"rejected by {role}"],
            _for("regulator", "Market:Reject"), prepare=_two_trades),
]


@pytest.fixture(scope="module")
def world(ecoledger: Cli, network: Network) -> Iterator[World]:
    world = World(ecoledger, network)
    world.regulator("BJ", identity("bj-regulator"))
    world.regulator("HB", identity("hb-regulator"))
    world.enterprise("BJ", identity("bj-enterprise"), BJ_ENTITY)
    world.enterprise("HB", identity("hb-enterprise"), HB_ENTITY)
    world.without_role("BJ", identity("no-role"))
    world.write(identity("bj-regulator"), "enterprise", "register", "--entity", BJ_ENTITY, "--name", "BJ matrix")
    world.write(identity("hb-regulator"), "enterprise", "register", "--entity", HB_ENTITY, "--name", "HB matrix")
    world.write(identity("bj-regulator"), "permit", "issue", "--to", BJ_ENTITY, "--pollutant", "SO2",
                "--vintage", str(VINTAGE), "--quantity", "100t")
    world.write(identity("hb-regulator"), "permit", "issue", "--to", HB_ENTITY, "--pollutant", "SO2",
                "--vintage", str(VINTAGE), "--quantity", "100t")
    yield world
    world.close()


def test_the_matrix_covers_every_role_for_every_write_command() -> None:
    assert all(set(command.expected) == set(ROLES) for command in COMMANDS)
    assert all(any(e is OK for e in command.expected.values()) for command in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_each_role_is_allowed_or_refused_by_name_without_changing_the_ledger(world: World,
                                                                             command: Command) -> None:
    targets = command.prepare(world)
    refusals = {role: e for role, e in command.expected.items() if e is not OK}
    for role, expected in refusals.items():
        world.refused(identity(role), *command.argv(role, targets), expected=expected(role, targets))
    for role in [role for role, e in command.expected.items() if e is OK]:
        world.write(identity(role), *command.argv(role, targets))
        command.cleanup(world)
    world.assert_conservation()


def test_an_enterprise_cannot_cancel_another_enterprises_offer(world: World) -> None:
    offer = _offer(world, identity("bj-enterprise"))
    world.refused(identity("hb-enterprise"), "market", "cancel", offer,
                  expected=f"offer {offer} belongs to enterprise {BJ_ENTITY}; only its seller may cancel it")


def test_a_regulator_of_a_third_region_cannot_approve(world: World) -> None:
    trade = _pending_trade(world)
    world.regulator("TJ", "roles-tj-regulator")
    world.refused("roles-tj-regulator", "market", "approve", trade,
                  expected=f"trade {trade} does not touch region TJ; only the regulators of regions BJ and HB may "
                           "approve it")
