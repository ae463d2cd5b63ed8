"""No back door: a parameter changes only when an adopted proposal closes, whoever asks otherwise.

The catalogue's :func:`~chaincode.runtime.parameters.apply` is the one writer of parameter keys; the
only callers are ``Registry:Bootstrap`` (the consortium file's values, once) and ``Proposal:Close``.
Every transaction of the chaincode is called here by every kind of identity, the coordinator's admin
first, with arguments that would set a parameter if anything took them: no parameter key changes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from chaincode.app import build_router
from chaincode.runtime.parameters import PARAMS
from governance_world import ADMIN, DAY, DELEGATE_TJ, gworld  # noqa: F401 (fixture)
from test_permit_world import (
    BJ_STEEL, COORDINATOR, COORDINATOR_OFFICIAL, ENTERPRISE, MEMBERS, PARAMETERS, REGULATOR,
)

CHAINCODE = Path(__file__).resolve().parents[2] / "chaincode"
WRITERS = {"chaincode/registry/contract.py", "chaincode/governance/contract.py"}
ATTEMPTS = [
    {"name": "credit_market_barred", "value": ["red", "yellow"]},
    {"parameters": {"credit_market_barred": ["red", "yellow"]}},
    {"changes": {"credit_market_barred": ["red", "yellow"]}},
    {"members": [{"msp_id": "COMSP", "code": "CO", "name": "CO", "kind": "coordinator"}],
     "parameters": {"credit_market_barred": ["red", "yellow"]}},
]


def parameter_keys(ledger) -> dict:
    prefix = PARAMS.prefix()
    return {key: value for key, value in ledger.state.items() if key.startswith(prefix)}


@pytest.mark.parametrize("who", [ADMIN["CO"], COORDINATOR, COORDINATOR_OFFICIAL, ADMIN["BJ"], DELEGATE_TJ,
                                 REGULATOR["HB"], ENTERPRISE[BJ_STEEL]])
def test_no_transaction_writes_a_parameter_for_anyone(gworld, who):
    deploy(gworld)
    before = parameter_keys(gworld.ledger)
    for function in build_router().functions:
        for args in ATTEMPTS:
            gworld.ledger.submit(who, function, **args)
    assert parameter_keys(gworld.ledger) == before


def deploy(gworld) -> None:
    """Bootstrap the seeded world as the deployment does (``network up``), with the same content."""
    result = gworld.ok(ADMIN["CO"], "Registry:Bootstrap", members=MEMBERS, parameters=PARAMETERS)
    assert result["changed"] is True


def test_bootstrap_once_more_cannot_change_a_parameter(gworld):
    deploy(gworld)
    gworld.refused(ADMIN["CO"], "Registry:Bootstrap", "parameters change only through adopted proposals",
                   members=MEMBERS, parameters={**PARAMETERS, "concern_threshold": 9})


def test_set_parameter_does_not_exist(gworld):
    gworld.refused(ADMIN["CO"], "Registry:SetParameter", "unknown function 'Registry:SetParameter'",
                   name="credit_market_barred", value=["red", "yellow"])


def test_only_a_closing_adopted_proposal_changes_one(gworld):
    before = parameter_keys(gworld.ledger)
    proposal = gworld.table(changes={"credit_market_barred": ["red", "yellow"]})
    for code in ("BJ", "TJ", "HB"):
        gworld.vote(code, proposal, "yes")
    assert parameter_keys(gworld.ledger) == before  # votes alone change nothing
    gworld.close(proposal)
    assert set(parameter_keys(gworld.ledger)) - set(before) == {PARAMS.key("credit_market_barred")}


def _calls(path: Path, name: str) -> list[int]:
    tree = ast.parse(path.read_text(), str(path))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == name
            and isinstance(node.func.value, ast.Name) and node.func.value.id in ("parameters", "catalogue")]


def test_the_catalogue_writer_is_called_by_bootstrap_and_proposal_close_only():
    callers = set()
    for path in CHAINCODE.rglob("*.py"):
        relative = str(path.relative_to(CHAINCODE.parent))
        if relative == "chaincode/runtime/parameters.py":
            continue
        if _calls(path, "apply"):
            callers.add(relative)
        text = path.read_text()
        assert "PARAMS.key" not in text or relative == "chaincode/registry/contract.py", (
            f"{relative} names parameter keys; parameters are written through parameters.apply only")
    assert callers == WRITERS
