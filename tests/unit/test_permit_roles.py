"""Role and region matrix: every role against every command, allowed or refused with a clear message.

A refused call must leave the ledger exactly as it was (state, key history,
private data and events); an allowed call must succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest

from common.credit_code import complete
from test_permit_world import (
    BJ_POWER, BJ_STEEL, COORDINATOR, COORDINATOR_OFFICIAL, ENTERPRISE, HB_CEMENT, IMPOSTOR, NO_ROLE, OUTSIDER,
    REGULATOR, TJ_CHEMICAL, UNREGISTERED, UNREGISTERED_ENTERPRISE, priced,
)

NEW_BJ_ENTERPRISE = complete("91110000MA01BJ777")

ROLES = {
    "bj-regulator": REGULATOR["BJ"],
    "hb-regulator": REGULATOR["HB"],
    "tj-regulator": REGULATOR["TJ"],
    "bj-steel (seller)": ENTERPRISE[BJ_STEEL],
    "bj-power": ENTERPRISE[BJ_POWER],
    "hb-cement (buyer)": ENTERPRISE[HB_CEMENT],
    "coordinator auditor": COORDINATOR,
    "coordinator official": COORDINATOR_OFFICIAL,
    "outsider organization": OUTSIDER,
    "no role": NO_ROLE,
    "impostor enterprise": IMPOSTOR,
    "unregistered enterprise": UNREGISTERED_ENTERPRISE,
}
REGULATORS = {"bj-regulator", "hb-regulator", "tj-regulator"}
ENTERPRISES = {"bj-steel (seller)", "bj-power", "hb-cement (buyer)"}


@dataclass(frozen=True)
class Command:
    function: str
    needs: str  # "regulator" or "enterprise"
    allowed: frozenset[str]
    args: Callable[[dict[str, str]], dict[str, Any]]
    special: dict[str, str]  # role → refusal message for a business or region reason
    priced: bool = False


COMMANDS = [
    Command("Enterprise:Register", "regulator", frozenset({"bj-regulator"}),
            lambda s: {"entity": NEW_BJ_ENTERPRISE, "name": "New Works", "region": "BJ"},
            {"hb-regulator": "the regulator of region HB registers enterprises of region HB only, not of region BJ",
             "tj-regulator": "registers enterprises of region TJ only, not of region BJ"}),
    Command("Enterprise:Freeze", "regulator", frozenset({"bj-regulator"}),
            lambda s: {"entity": BJ_STEEL, "reason": "inspection"},
            {"hb-regulator": f"enterprise {BJ_STEEL} is not registered in region HB",
             "tj-regulator": f"enterprise {BJ_STEEL} is not registered in region TJ"}),
    Command("Enterprise:Unfreeze", "regulator", frozenset({"tj-regulator"}),
            lambda s: {"entity": TJ_CHEMICAL, "reason": "rectified"},
            {"bj-regulator": f"enterprise {TJ_CHEMICAL} is not registered in region BJ",
             "hb-regulator": f"enterprise {TJ_CHEMICAL} is not registered in region HB"}),
    Command("Permit:Issue", "regulator", frozenset({"bj-regulator"}),
            lambda s: {"entity": BJ_STEEL, "pollutant": "NOx", "vintage": 2026, "quantity": 100},
            {"hb-regulator": f"enterprise {BJ_STEEL} is not registered in region HB",
             "tj-regulator": f"enterprise {BJ_STEEL} is not registered in region TJ"}),
    Command("Permit:Freeze", "regulator", frozenset({"bj-regulator"}),
            lambda s: {"lot_id": s["lot"], "reason": "disputed"},
            {"hb-regulator": "is held in region BJ, not in region HB",
             "tj-regulator": "is held in region BJ, not in region TJ"}),
    Command("Permit:Unfreeze", "regulator", frozenset({"bj-regulator"}),
            lambda s: {"lot_id": s["frozen_lot"], "reason": "resolved"},
            {"hb-regulator": "is held in region BJ, not in region HB",
             "tj-regulator": "is held in region BJ, not in region TJ"}),
    Command("Market:Approve", "regulator", frozenset({"bj-regulator", "hb-regulator"}),
            lambda s: {"trade_id": s["trade"]},
            {"tj-regulator": "does not touch region TJ; only the regulators of regions BJ and HB may approve it"}),
    Command("Market:Reject", "regulator", frozenset({"bj-regulator", "hb-regulator"}),
            lambda s: {"trade_id": s["trade"], "reason": "over the cap"},
            {"tj-regulator": "does not touch region TJ; only the regulators of regions BJ and HB may reject it"}),
    Command("Permit:Surrender", "enterprise", frozenset(ENTERPRISES),
            lambda s: {"pollutant": "SO2", "year": 2025, "quantity": 100}, {}),
    Command("Market:ListOffer", "enterprise", frozenset(ENTERPRISES),
            lambda s: {"pollutant": "SO2", "vintage": 2025, "quantity": 100}, {}, priced=True),
    Command("Market:Buy", "enterprise", frozenset({"bj-power", "hb-cement (buyer)"}),
            lambda s: {"offer_id": s["offer"], "quantity": 100},
            {"bj-steel (seller)": f"enterprise {BJ_STEEL} cannot buy its own offer"}, priced=True),
    Command("Market:CancelOffer", "enterprise", frozenset({"bj-steel (seller)"}),
            lambda s: {"offer_id": s["offer"]},
            {"bj-power": f"belongs to enterprise {BJ_STEEL}; only its seller may cancel it",
             "hb-cement (buyer)": f"belongs to enterprise {BJ_STEEL}; only its seller may cancel it"}),
]


def expected_refusal(command: Command, role: str) -> str:
    if role in command.special:
        return command.special[role]
    if role == "outsider organization":
        return "organization SHMSP is not a registered consortium member"
    if command.needs == "regulator":
        if role == "coordinator official":
            return f"role 'regulator' of a region organization is required for {command.function}"
        return f"role 'regulator' is required for {command.function}"
    if role == "impostor enterprise":
        return f"enterprise {BJ_STEEL} is not registered in region HB"
    if role == "unregistered enterprise":
        return f"enterprise {UNREGISTERED} is not registered; the regulator of its region registers it"
    return f"role 'enterprise' is required for {command.function}"


@pytest.fixture
def staged(world):
    """BJ steel holds SO2 and offers part of it, HB cement's purchase awaits approval, a lot and TJ are frozen."""
    lot = world.issue(BJ_STEEL, 10_000)
    frozen_lot = world.issue(BJ_STEEL, 500, vintage=2024)
    world.ok(REGULATOR["BJ"], "Permit:Freeze", lot_id=frozen_lot["id"], reason="disputed")
    world.issue(BJ_POWER, 1_000)
    world.issue(HB_CEMENT, 1_000)
    offer = world.list_offer(BJ_STEEL, 4_000)
    trade = world.buy(HB_CEMENT, offer["id"], 1_000)
    world.ok(REGULATOR["TJ"], "Enterprise:Freeze", entity=TJ_CHEMICAL, reason="audit")
    return world, {"lot": lot["id"], "frozen_lot": frozen_lot["id"], "offer": offer["id"], "trade": trade["id"]}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.function)
@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_is_allowed_or_refused_with_a_message_that_names_what_is_missing(staged, command, role):
    world, stage = staged
    transient = priced(250) if command.priced else None
    args = command.args(stage)
    if role in command.allowed:
        world.ok(ROLES[role], command.function, transient=transient, **args)
        world.assert_invariants()
    else:
        world.refused(ROLES[role], command.function, expected_refusal(command, role), transient=transient, **args)


QUERIES = [
    ("Permit:Lots", lambda s: {}),
    ("Permit:Show", lambda s: {"lot_id": s["lot"]}),
    ("Permit:History", lambda s: {"lot_id": s["lot"]}),
    ("Permit:Holdings", lambda s: {}),
    ("Permit:Surrenders", lambda s: {}),
    ("Permit:Totals", lambda s: {}),
    ("Market:Offers", lambda s: {}),
    ("Market:Offer", lambda s: {"offer_id": s["offer"]}),
    ("Market:Trades", lambda s: {}),
    ("Market:Trade", lambda s: {"trade_id": s["trade"]}),
    ("Market:Price", lambda s: {"id": s["trade"]}),
    ("Enterprise:List", lambda s: {}),
    ("Enterprise:Show", lambda s: {"entity": BJ_STEEL}),
]

# Readers who see the named object; everyone else with a role is refused on data permission.
SEES_STEEL_LOT = {"bj-regulator", "bj-steel (seller)", "coordinator auditor", "coordinator official"}
SEES_TRADE = {"bj-regulator", "hb-regulator", "bj-steel (seller)", "hb-cement (buyer)", "coordinator auditor",
              "coordinator official"}
OBJECT_READERS = {
    "Permit:Show": SEES_STEEL_LOT,
    "Permit:History": SEES_STEEL_LOT,
    "Market:Trade": SEES_TRADE,
    "Market:Price": SEES_TRADE,
    "Enterprise:Show": SEES_STEEL_LOT,
    "Permit:Totals": REGULATORS | {"coordinator auditor", "coordinator official"},
}
NOT_READERS = {
    "outsider organization": "organization SHMSP is not a registered consortium member",
    "no role": "role 'regulator' or 'enterprise' (or an identity of the coordinator organization) is required",
    "impostor enterprise": f"enterprise {BJ_STEEL} is not registered in region HB",
    "unregistered enterprise": f"enterprise {UNREGISTERED} is not registered",
}


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q[0])
@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_reads_only_within_its_data_permission(staged, query, role):
    world, stage = staged
    function, args = query
    if role in NOT_READERS:
        world.query_refused(ROLES[role], function, NOT_READERS[role], **args(stage))
    elif function in OBJECT_READERS and role not in OBJECT_READERS[function]:
        message = world.query_refused(ROLES[role], function, "", **args(stage))
        assert any(phrase in message for phrase in (
            "outside the data permission", "is readable by", "role 'regulator' (or an identity of the coordinator"))
    else:
        world.query(ROLES[role], function, **args(stage))


def test_queries_change_nothing(staged):
    world, stage = staged
    before = world.snapshot()
    for role in ROLES.values():
        for function, args in QUERIES:
            world.ledger.evaluate(role, function, **args(stage))
    assert world.snapshot() == before
