"""Domain behaviour the runtime makes possible: index reads, bounded records, batches, several events."""

from __future__ import annotations

from typing import Any

from chaincode.facts import violations
from chaincode.runtime.context import TxContext
from chaincode.runtime.stamps import IdSequence, stamp_for
from common import canonical
from test_permit_world import (
    BJ_POWER, BJ_STEEL, COORDINATOR, ENTERPRISE, HB_CEMENT, REGULATOR, TJ_CHEMICAL,
)


def test_an_enterprises_first_page_reads_only_its_own_index_whatever_else_is_on_the_ledger(world):
    world.issue(BJ_STEEL, 100)
    reads_before = _range_reads(world, ENTERPRISE[BJ_STEEL], "Permit:Lots")
    world.ok(REGULATOR["BJ"], "Permit:IssueBatch",
             lots=[{"entity": BJ_POWER, "pollutant": "SO2", "vintage": 2025, "quantity": 1}] * 300)
    assert _range_reads(world, ENTERPRISE[BJ_STEEL], "Permit:Lots") == reads_before == 1
    page = world.page(ENTERPRISE[BJ_STEEL], "Permit:Lots")
    assert [lot["owner"] for lot in page["items"]] == [BJ_STEEL] and page["more"] is False


def test_lists_page_with_a_limit_and_a_bookmark(world):
    world.ok(REGULATOR["BJ"], "Permit:IssueBatch",
             lots=[{"entity": BJ_POWER, "pollutant": "SO2", "vintage": 2025, "quantity": q} for q in range(1, 8)])
    first = world.page(REGULATOR["BJ"], "Permit:Lots", owner=BJ_POWER, limit=3)
    assert len(first["items"]) == 3 and first["more"] is True
    second = world.page(REGULATOR["BJ"], "Permit:Lots", owner=BJ_POWER, limit=3, bookmark=first["bookmark"])
    third = world.page(REGULATOR["BJ"], "Permit:Lots", owner=BJ_POWER, limit=3, bookmark=second["bookmark"])
    quantities = [lot["quantity"] for page in (first, second, third) for lot in page["items"]]
    assert sorted(quantities) == list(range(1, 8)) and third["more"] is False and third["bookmark"] == ""
    world.query_refused(REGULATOR["BJ"], "Permit:Lots", "bookmark belongs to another list",
                        owner=BJ_STEEL, limit=3, bookmark=first["bookmark"])
    world.query_refused(REGULATOR["BJ"], "Market:Offers", "limit must be a whole number from 1 to 500", limit=0)


def test_issue_batch_is_all_or_nothing_and_names_the_bad_entry(world):
    good = {"entity": BJ_POWER, "pollutant": "SO2", "vintage": 2025, "quantity": 5}
    world.refused(REGULATOR["BJ"], "Permit:IssueBatch", "lots[1].quantity must be positive",
                  lots=[good, {**good, "quantity": 0}])
    world.refused(REGULATOR["BJ"], "Permit:IssueBatch", f"enterprise {HB_CEMENT} is not registered in region BJ",
                  lots=[good, {**good, "entity": HB_CEMENT}])
    world.refused(REGULATOR["BJ"], "Permit:IssueBatch", "lots must be a list of 1 to 500", lots=[good] * 501)
    world.refused(ENTERPRISE[BJ_STEEL], "Permit:IssueBatch", "role 'regulator' is required", lots=[good])
    result = world.ok(REGULATOR["BJ"], "Permit:IssueBatch", lots=[good, good])
    assert result["count"] == 2 and result["kilograms"] == {"SO2": 10}
    world.assert_invariants()


def test_a_lot_record_stays_the_same_size_however_often_it_is_listed_and_its_history_pages(world):
    lot = world.issue(BJ_STEEL, 1_000)
    size_after_issue = len(world.ledger.state[world.key("lot", lot["id"])])
    for _ in range(30):
        world.list_offer(BJ_STEEL, 1)
    record = world.lot(lot["id"])
    assert record["entries"] == 31  # issued + 30 splits, each a separate ledger entry
    assert len(world.ledger.state[world.key("lot", lot["id"])]) <= size_after_issue + 8
    page = world.page(COORDINATOR, "Permit:History", lot_id=lot["id"], limit=5)
    assert [entry["action"] for entry in page["items"]] == ["split"] * 5 and page["more"] is True
    everything = world.history(COORDINATOR, lot["id"], limit=7)
    assert [entry["action"] for entry in everything["entries"]] == ["issued"] + ["split"] * 30
    world.query_refused(COORDINATOR, "Permit:History", "bookmark is not one a previous page",
                        lot_id=lot["id"], bookmark="nothex")


def test_the_last_purchase_of_an_offer_emits_the_settlement_and_the_closing_in_one_transaction(world):
    world.issue(BJ_STEEL, 100)
    offer = world.list_offer(BJ_STEEL, 100)
    world.buy(BJ_POWER, offer["id"], 100)
    assert world.event_names()[-2:] == ["TradeSettled", "OfferClosed"]
    assert world.ledger.events[-1][1]["offer"] == offer["id"]


def test_violations_have_one_writer_and_one_reader(world):
    world.ok(REGULATOR["BJ"], "Enterprise:Freeze", entity=BJ_POWER, reason="warm-up")  # a transaction to reuse
    stub = _Stub(world)
    ctx = TxContext(stub)
    ids = IdSequence("tx-v")
    for kind in ("exceedance", "shortfall"):
        violations.record(ctx, ids, stamp_for(ctx), entity=TJ_CHEMICAL, region="TJ", year=2026,
                          kind=kind, source="test", evidence={"n": 1}, severity="serious")
    ctx.emit("ReportFiled", {"n": 1})
    ctx.flush()
    assert [name for name, _ in ctx.events] == ["ViolationRecorded", "ViolationRecorded", "ReportFiled"]
    assert stub.event[0] == "ViolationRecorded,ViolationRecorded,ReportFiled"
    world.ledger.state.update(stub.writes)
    reader = TxContext(_Stub(world))
    page = violations.page_of(reader, entity=TJ_CHEMICAL, year=2026)
    assert sorted(v["kind"] for v in page.items) == ["exceedance", "shortfall"]
    assert {(v["status"], v["severity"], v["evidence"]["n"]) for v in page.items} == {("open", "serious", 1)}
    assert violations.count(reader, TJ_CHEMICAL, 2026) == 2 and violations.count(reader, BJ_STEEL, 2026) == 0
    assert violations.page_of(reader, region="BJ").items == []


class _Stub:
    """A transaction stub over the world's committed state (writes kept apart)."""

    def __init__(self, world):
        self.world = world
        self.tx_id, self.channel_id, self.timestamp = "tx-v", "ecoledger", 1_767_225_700.0
        self.creator_msp, self.creator_cert = REGULATOR["TJ"].msp_id, REGULATOR["TJ"].cert_pem
        self.transient: dict[str, bytes] = {}
        self.writes: dict[str, bytes] = {}
        self.event = None

    def get_state(self, key):
        return self.world.ledger.state.get(key)

    def put_state(self, key, value):
        self.writes[key] = value

    def get_state_by_range(self, start, end):
        for key in sorted(self.world.ledger.state):
            if start <= key < end:
                yield key, self.world.ledger.state[key]

    def set_event(self, name, payload):
        self.event = (name, canonical.loads(payload))


def _range_reads(world, who, function: str, **args: Any) -> int:
    """How many keys a query reads through range queries on the in-memory ledger."""
    from chaincode.runtime import memory

    counted = []
    original = memory._MemoryStub.get_state_by_range

    def counting(self, start, end):
        for item in original(self, start, end):
            counted.append(item[0])
            yield item

    memory._MemoryStub.get_state_by_range = counting
    try:
        world.query(who, function, **args)
    finally:
        memory._MemoryStub.get_state_by_range = original
    return len(counted)
