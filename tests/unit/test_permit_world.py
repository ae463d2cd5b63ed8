"""A small 京津冀 world for the emission-permit tests: members, parameters, identities, enterprises.

:class:`PermitWorld` wraps an in-memory ledger seeded with the consortium's
members and parameters (written straight into ``ledger.state``, as
``Registry:Bootstrap`` would). Its ``ok``/``refused`` helpers submit a call and
assert the outcome; ``refused`` also asserts that nothing on the ledger
changed. The fixtures ``empty_world`` and ``world`` (four registered
enterprises) live in ``conftest.py``; test modules import the names below.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from chaincode.runtime import keys, memory
from common import canonical as serialization
from chaincode.app import build_router
from chaincode.permit.store import HELD, LOTS
from chaincode.registry.store import MEMBERS as MEMBER_KEYS
from chaincode.runtime import parameters
from chaincode.runtime.parameters import PARAMS
from chaincode.runtime.memory import MemoryLedger, make_identity
from common.credit_code import complete, is_valid
from chaincode.runtime.router import STATUS_OK, STATUS_REFUSED

MEMBERS = [
    {"msp_id": "BJMSP", "code": "BJ", "name": "Beijing", "kind": "region"},
    {"msp_id": "TJMSP", "code": "TJ", "name": "Tianjin", "kind": "region"},
    {"msp_id": "HBMSP", "code": "HB", "name": "Hebei", "kind": "region"},
    {"msp_id": "COMSP", "code": "CO", "name": "Jing-Jin-Ji Coordination Office", "kind": "coordinator"},
]
PARAMETERS = {
    "pollutants": ["SO2", "NOx", "COD", "NH3-N", "VOCs", "PM"],
    "air_pollutants": ["SO2", "NOx", "VOCs", "PM"],
    "water_pollutants": ["COD", "NH3-N"],
    "air_basin": {"BJ": "jingjinji-air", "TJ": "jingjinji-air", "HB": "jingjinji-air"},
    "river_basin": {"BJ": "haihe", "TJ": "haihe", "HB": "haihe"},
    "import_barred_regions": [],
}

BJ_STEEL = complete("91110000MA01BJ001")
BJ_POWER = complete("91110000MA01BJ002")
HB_CEMENT = complete("91130000MA01HB001")
TJ_CHEMICAL = complete("91120000MA01TJ001")
UNREGISTERED = complete("91110000MA01BJ999")

ENTERPRISES = {
    BJ_STEEL: ("Beijing Steel Works", "BJ"),
    BJ_POWER: ("Beijing Power Plant", "BJ"),
    HB_CEMENT: ("Hebei Cement Group", "HB"),
    TJ_CHEMICAL: ("Tianjin Chemical Co.", "TJ"),
}
LOGIN = {BJ_STEEL: "bj-steel", BJ_POWER: "bj-power", HB_CEMENT: "hb-cement", TJ_CHEMICAL: "tj-chemical"}


def _regulator(region: str) -> memory.TestIdentity:
    return make_identity(f"{region}MSP", f"{region.lower()}-regulator", role="regulator", region=region)


def _enterprise(entity: str, region: str, name: str) -> memory.TestIdentity:
    return make_identity(f"{region}MSP", name, role="enterprise", region=region, entity=entity)


REGULATOR = {region: _regulator(region) for region in ("BJ", "TJ", "HB")}
ENTERPRISE = {entity: _enterprise(entity, region, LOGIN[entity]) for entity, (_, region) in ENTERPRISES.items()}
COORDINATOR = make_identity("COMSP", "co-auditor", role="auditor")
COORDINATOR_OFFICIAL = make_identity("COMSP", "co-official", role="regulator", region="CO")
OUTSIDER = make_identity("SHMSP", "sh-regulator", role="regulator", region="SH")
NO_ROLE = make_identity("BJMSP", "bj-clerk")
IMPOSTOR = make_identity("HBMSP", "fake-steel", role="enterprise", region="HB", entity=BJ_STEEL)
UNREGISTERED_ENTERPRISE = _enterprise(UNREGISTERED, "BJ", "bj-newcomer")

SALT = "0123456789abcdef-salt"


def priced(price: int | str, salt: str = SALT) -> dict[str, bytes]:
    """Transient map carrying a private price."""
    return {"price": str(price).encode(), "salt": salt.encode()}


@dataclass
class Snapshot:
    state: dict[str, bytes]
    private: dict[tuple[str, str], bytes]
    events: list[tuple[str, Any]]
    history: dict[str, list[Any]] = field(default_factory=dict)


@dataclass
class PermitWorld:
    ledger: MemoryLedger

    # -- calls ---------------------------------------------------------------------------------
    def ok(self, who: memory.TestIdentity, function: str, transient: dict[str, bytes] | None = None,
           **args: Any) -> Any:
        response = self.ledger.submit(who, function, transient=transient, **args)
        assert response.status == STATUS_OK, f"{function} refused: {response.message}"
        return serialization.loads(response.payload)

    def refused(self, who: memory.TestIdentity, function: str, expected: str,
                transient: dict[str, bytes] | None = None, **args: Any) -> str:
        """Submit a call that must be refused with ``expected`` in its message and change nothing."""
        before = self.snapshot()
        response = self.ledger.submit(who, function, transient=transient, **args)
        assert response.status == STATUS_REFUSED, f"{function} was not refused: {response}"
        assert expected in response.message, response.message
        assert self.snapshot() == before
        return response.message

    def query(self, who: memory.TestIdentity, function: str, **args: Any) -> Any:
        """The result of a query; a paginated list is followed to its end and returned as its items."""
        result = self.ledger.result(self.ledger.evaluate(who, function, **args))
        if isinstance(result, dict) and {"items", "bookmark", "more"} <= set(result) and "bookmark" not in args:
            items = list(result["items"])
            while result["more"]:
                result = self.ledger.result(self.ledger.evaluate(who, function, **args, bookmark=result["bookmark"]))
                items.extend(result["items"])
            return items if function != "Permit:History" else {**result, "items": items}
        return result

    def page(self, who: memory.TestIdentity, function: str, **args: Any) -> dict[str, Any]:
        """One page of a list query, as the chaincode returns it."""
        return self.ledger.result(self.ledger.evaluate(who, function, **args))

    def history(self, who: memory.TestIdentity, lot_id: str, **args: Any) -> dict[str, Any]:
        """A lot's whole history, oldest entry first, with the lineage and owners it passes through."""
        result = self.query(who, "Permit:History", lot_id=lot_id, **args)
        entries = list(reversed(result["items"]))
        lineage = list(dict.fromkeys(entry["lot"] for entry in result["items"]))
        owners: list[str] = []
        for entry in entries:
            if not owners or owners[-1] != entry["owner"]:
                owners.append(entry["owner"])
        return {"root": result["root"], "depth": result["depth"], "lineage": lineage, "owners": owners,
                "entries": entries}

    def query_refused(self, who: memory.TestIdentity, function: str, expected: str, **args: Any) -> str:
        response = self.ledger.evaluate(who, function, **args)
        assert response.status == STATUS_REFUSED, f"{function} was not refused: {response}"
        assert expected in response.message, response.message
        return response.message

    def snapshot(self) -> Snapshot:
        return Snapshot(dict(self.ledger.state), dict(self.ledger.private), copy.deepcopy(self.ledger.events),
                        {key: list(mods) for key, mods in self.ledger.history.items()})

    # -- shortcuts -----------------------------------------------------------------------------
    def issue(self, entity: str, quantity: int, pollutant: str = "SO2", vintage: int = 2025) -> dict[str, Any]:
        region = ENTERPRISES[entity][1]
        return self.ok(REGULATOR[region], "Permit:Issue", entity=entity, pollutant=pollutant, vintage=vintage,
                       quantity=quantity)

    def list_offer(self, entity: str, quantity: int, price: int = 250, pollutant: str = "SO2",
                   vintage: int = 2025) -> dict[str, Any]:
        return self.ok(ENTERPRISE[entity], "Market:ListOffer", transient=priced(price), pollutant=pollutant,
                       vintage=vintage, quantity=quantity)

    def buy(self, entity: str, offer_id: str, quantity: int, price: int = 250) -> dict[str, Any]:
        return self.ok(ENTERPRISE[entity], "Market:Buy", transient=priced(price), offer_id=offer_id,
                       quantity=quantity)

    def lot(self, lot_id: str) -> dict[str, Any]:
        return serialization.loads(self.ledger.state[LOTS.key(lot_id)])

    @staticmethod
    def key(namespace: str, *attributes: Any) -> str:
        """The ledger key of a declared namespace, e.g. ``key("offer", "O-1")``."""
        [declared] = [ns for ns in keys.namespaces() if ns.name == namespace]
        return declared.key(*attributes)

    def state_json(self, key: str) -> Any:
        raw = self.ledger.state.get(key)
        return None if raw is None else serialization.loads(raw)

    def totals(self) -> list[dict[str, Any]]:
        return self.query(COORDINATOR, "Permit:Totals")

    def set_parameter(self, name: str, value: Any) -> None:
        """Write a parameter as an adopted proposal would: through the catalogue, which checks it first.

        (On the ledger only ``Proposal:Close`` does this; tests of other domains take the short cut.)"""
        parameters.apply(self.state_json, lambda key, item: self.ledger.state.__setitem__(key, serialization.dumps(item)),
                         {name: value})

    def event_names(self) -> list[str]:
        return [name for name, _ in self.ledger.events]

    def assert_invariants(self, issued: dict[tuple[str, int], int] | None = None) -> None:
        """Conservation per (pollutant, vintage), positive lots, and a held index that matches the lots."""
        lot_prefix = LOTS.namespace.prefix()
        lots = [serialization.loads(raw) for key, raw in self.ledger.state.items() if key.startswith(lot_prefix)]
        for row in self.totals():
            assert row["issued"] == row["held"] + row["escrowed"] + row["retired"], row
            assert row["balanced"] is True
            if issued is not None:
                assert row["issued"] == issued[(row["pollutant"], row["vintage"])]
        assert all(lot["quantity"] > 0 for lot in lots)
        held_index = {key for key in self.ledger.state if key.startswith(HELD.prefix())}
        expected = {HELD.key(lot["owner"], lot["pollutant"], lot["vintage"], lot["id"])
                    for lot in lots if lot["status"] == "held"}
        assert held_index == expected


def seeded_ledger() -> MemoryLedger:
    ledger = MemoryLedger(build_router())
    for record in MEMBERS:
        ledger.state[MEMBER_KEYS.key(record["msp_id"])] = serialization.dumps(record)
    for name, value in PARAMETERS.items():
        ledger.state[PARAMS.key(name)] = serialization.dumps(value)
    return ledger


def test_the_seeded_world_knows_four_members_and_the_basin_parameters():
    ledger = seeded_ledger()
    assert serialization.loads(ledger.state[MEMBER_KEYS.key("COMSP")])["kind"] == "coordinator"
    assert serialization.loads(ledger.state[PARAMS.key("air_basin")])["HB"] == "jingjinji-air"


def test_the_fixture_enterprises_carry_valid_credit_codes():
    assert all(is_valid(code) for code in [*ENTERPRISES, UNREGISTERED])
