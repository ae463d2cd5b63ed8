"""Router: names, argument checking, and what each outcome does to the ledger."""

from __future__ import annotations

import logging

import pytest

from chaincode.runtime.errors import Conflict
from chaincode.runtime.memory import MemoryLedger, make_identity
from chaincode.runtime.router import STATUS_FAILED, STATUS_OK, STATUS_REFUSED, Contract, Router, transaction

CLERK = make_identity("BJMSP", "clerk", role="regulator", region="BJ")


class Lots(Contract):
    name = "Lots"

    @transaction
    def issue_lot(self, ctx, lot_id: str, tons: int, note: str = "") -> dict:
        ctx.put_json(f"lot:{lot_id}", {"tons": tons, "note": note})
        ctx.emit("LotIssued", {"lot_id": lot_id})
        return {"lot_id": lot_id, "tons": tons, "note": note}

    @transaction
    def count(self, ctx) -> int:
        return sum(1 for _ in ctx.scan("lot:"))

    @transaction
    def freeze_after_writing(self, ctx, lot_id: str) -> None:
        ctx.put_json(f"lot:{lot_id}", {"frozen": True})
        ctx.emit("LotFrozen", {"lot_id": lot_id})
        raise Conflict(f"lot {lot_id} is under audit")

    @transaction
    def crash_after_writing(self, ctx) -> None:
        ctx.put_json("lot:crash", {"tons": 1})
        raise KeyError("tons")

    def helper_not_a_transaction(self, ctx) -> None:
        ctx.put_json("lot:helper", 1)


@pytest.fixture
def ledger() -> MemoryLedger:
    return MemoryLedger(Router([Lots()]))


def test_exposes_only_marked_methods_with_camel_case_names():
    assert Router([Lots()]).functions == ["Lots:Count", "Lots:CrashAfterWriting", "Lots:FreezeAfterWriting",
                                          "Lots:IssueLot"]


def test_success_returns_200_with_deterministic_json_and_commits(ledger):
    response = ledger.submit(CLERK, "Lots:IssueLot", lot_id="L-1", tons=12)
    assert response.status == STATUS_OK
    assert response.payload == b'{"lot_id":"L-1","note":"","tons":12}'
    assert ledger.state == {"lot:L-1": b'{"note":"","tons":12}'}
    assert ledger.events == [("LotIssued", {"lot_id": "L-1"})]


def test_a_function_without_parameters_accepts_no_argument(ledger):
    assert ledger.result(ledger.evaluate(CLERK, "Lots:Count")) == 0


def test_unknown_function_is_refused_listing_the_known_ones(ledger):
    response = ledger.submit(CLERK, "Lots:HelperNotATransaction")
    assert response.status == STATUS_REFUSED
    assert response.message.startswith("unknown function 'Lots:HelperNotATransaction'; known: Lots:Count,")
    assert ledger.state == {}


def test_unknown_field_is_refused_naming_it_and_the_accepted_ones(ledger):
    response = ledger.submit(CLERK, "Lots:IssueLot", lot_id="L-1", tons=3, tonnes=3)
    assert response.status == STATUS_REFUSED
    assert response.message == "Lots:IssueLot: unknown field(s) tonnes; accepted: lot_id, tons, note"
    assert ledger.state == {}


def test_missing_field_is_refused_naming_it(ledger):
    response = ledger.submit(CLERK, "Lots:IssueLot", lot_id="L-1")
    assert response.status == STATUS_REFUSED
    assert response.message == "Lots:IssueLot: missing field(s) tons"


@pytest.mark.parametrize("args, expected", [
    ([b"not json"], "Lots:IssueLot: argument is not valid JSON"),
    ([b'["L-1", 3]'], "Lots:IssueLot: argument must be a JSON object"),
    ([b"{}", b"{}"], "Lots:IssueLot takes one JSON object argument, got 2 arguments"),
])
def test_malformed_arguments_are_refused_before_the_contract_runs(args, expected):
    response = Router([Lots()]).invoke(stub=None, function="Lots:IssueLot", args=args)  # never reaches the stub
    assert response.status == STATUS_REFUSED
    assert response.message.startswith(expected)


def test_a_refusal_returns_400_and_writes_nothing(ledger):
    response = ledger.submit(CLERK, "Lots:FreezeAfterWriting", lot_id="L-7")
    assert response.status == STATUS_REFUSED
    assert response.message == "lot L-7 is under audit"
    assert response.payload == b""
    assert ledger.state == {}
    assert ledger.events == []


def test_a_bug_returns_500_names_the_function_writes_nothing_and_logs_the_traceback(ledger, caplog):
    with caplog.at_level(logging.ERROR, logger="chaincode.runtime.router"):
        response = ledger.submit(CLERK, "Lots:CrashAfterWriting")
    assert response.status == STATUS_FAILED
    assert response.message == "internal error in Lots:CrashAfterWriting: 'tons'"
    assert ledger.state == {}
    assert any(record.exc_info and record.exc_info[0] is KeyError for record in caplog.records)


def test_signatures_are_resolved_once_when_the_router_is_built(monkeypatch):
    import inspect

    built = Router([Lots()])
    calls: list[object] = []
    monkeypatch.setattr(inspect, "signature", lambda *args, **kwargs: calls.append(args) or 1 / 0)
    ledger = MemoryLedger(built)
    assert ledger.submit(CLERK, "Lots:IssueLot", lot_id="L-9", tons=1).status == STATUS_OK
    refused = ledger.submit(CLERK, "Lots:IssueLot", lot_id="L-9", tonnes=1)
    assert refused.message == "Lots:IssueLot: unknown field(s) tonnes; accepted: lot_id, tons, note"
    assert ledger.submit(CLERK, "Lots:IssueLot", lot_id="L-9").message == "Lots:IssueLot: missing field(s) tons"
    assert calls == []
    route = built.route("Lots:IssueLot")
    assert (route.names, route.required) == (("lot_id", "tons", "note"), ("lot_id", "tons"))
