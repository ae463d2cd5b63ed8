"""Paged list transactions: the client helper and the list commands' --limit, --after and --all."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from click.testing import CliRunner, Result

from client.cli.main import cli
from client.cli.options import Globals
from client.paging import DEFAULT_LIMIT, Page, PagingError, fetch_page, iterate_all, page_arguments


class PagedContract:
    """Serves ``items`` in pages of the requested size; the bookmark is the index of the next item."""

    def __init__(self, items: list[Any], bare: bool = False) -> None:
        self.items = items
        self.bare = bare
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def evaluate(self, function: str, args: dict[str, Any] | None = None, **_: Any) -> Any:
        args = dict(args or {})
        self.calls.append((function, args))
        if self.bare:
            return list(self.items)
        start = int(args.get("bookmark") or 0)
        end = start + args.get("limit", DEFAULT_LIMIT)
        more = end < len(self.items)
        return {"items": self.items[start:end], "bookmark": str(end) if more else "", "more": more}


class TestPages:
    def test_a_bare_list_is_one_complete_page(self):
        assert Page.parse([1, 2]) == Page([1, 2], "", False)

    def test_a_page_object_keeps_its_bookmark_only_while_there_is_more(self):
        assert Page.parse({"items": [1], "bookmark": "b1", "more": True}) == Page([1], "b1", True)
        assert Page.parse({"items": [1], "bookmark": "", "more": False}) == Page([1], "", False)
        assert Page.parse({"items": [1], "bookmark": "", "more": True}) == Page([1], "", False)

    @pytest.mark.parametrize("answer", [{"bookmark": "x"}, "text", None, {"items": [], "bookmark": 7}])
    def test_anything_else_is_refused(self, answer):
        with pytest.raises(PagingError):
            Page.parse(answer)

    def test_the_default_limit_and_the_first_bookmark_are_not_sent(self):
        assert page_arguments({"owner": "X"}) == {"owner": "X"}
        assert page_arguments({"owner": "X"}, 10, "b1") == {"owner": "X", "limit": 10, "bookmark": "b1"}

    @pytest.mark.parametrize("limit", [0, 501, True, "5"])
    def test_a_limit_out_of_range_is_refused_before_anything_is_sent(self, limit):
        contract = PagedContract([1])
        with pytest.raises(PagingError, match="limit must be a whole number from 1 to 500"):
            fetch_page(contract, "Permit:Lots", {}, limit)
        assert contract.calls == []

    def test_fetch_page_sends_limit_and_bookmark(self):
        contract = PagedContract(list(range(10)))
        page = fetch_page(contract, "Permit:Lots", {"owner": "X"}, 4, "4")
        assert page == Page([4, 5, 6, 7], "8", True)
        assert contract.calls == [("Permit:Lots", {"owner": "X", "limit": 4, "bookmark": "4"})]

    def test_iterate_all_follows_the_bookmarks_to_the_end(self):
        contract = PagedContract(list(range(7)))
        pages: list[Page] = []
        assert list(iterate_all(contract, "Market:Trades", {"status": "settled"}, 3, on_page=pages.append)) == \
            list(range(7))
        assert [args.get("bookmark") for _, args in contract.calls] == [None, "3", "6"]
        assert [len(p.items) for p in pages] == [3, 3, 1]

    def test_iterate_all_reads_lazily(self):
        contract = PagedContract(list(range(100)))
        items = iterate_all(contract, "Market:Trades", page_size=10)
        assert [next(items) for _ in range(12)] == list(range(12))
        assert len(contract.calls) == 2

    def test_iterate_all_over_a_bare_list_is_one_call(self):
        contract = PagedContract([1, 2, 3], bare=True)
        assert list(iterate_all(contract, "Permit:Lots", page_size=2)) == [1, 2, 3]
        assert contract.calls == [("Permit:Lots", {"limit": 2})]

    def test_a_bookmark_that_does_not_move_on_stops_the_iteration(self):
        class Stuck:
            def evaluate(self, function, args=None, **_):
                return {"items": [1], "bookmark": "same", "more": True}

        with pytest.raises(PagingError, match="twice"):
            list(iterate_all(Stuck(), "Permit:Lots"))


# -- the list commands ----------------------------------------------------------------------------

LOT = {"owner": "91110000MA01BJ0011", "owner_region": "BJ", "issuing_region": "BJ", "pollutant": "SO2",
       "vintage": 2026, "quantity": 1000, "status": "held", "frozen": None, "trade": None, "offer": None}
LOTS = [{**LOT, "id": f"L-{n:02d}"} for n in range(5)]


class FakeApp:
    def __init__(self, state: Globals, contract: PagedContract) -> None:
        self.identity, self.as_json, self.debug = state.identity, state.as_json, state.debug
        self._contract = contract

    def contract(self, channel: str | None = None) -> PagedContract:
        return self._contract

    def close(self) -> None:
        pass


@pytest.fixture
def ledger(monkeypatch: pytest.MonkeyPatch) -> Iterator[PagedContract]:
    contract = PagedContract(LOTS)
    monkeypatch.setattr(Globals, "app", property(lambda state: FakeApp(state, contract)))
    yield contract


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), env={"ECOLEDGER_IDENTITY": "", **(env or {})},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


class TestListCommands:
    def test_one_page_then_how_to_get_the_rest(self, ledger):
        result = run("--as", "bj-regulator", "permit", "list", "--pollutant", "SO2", "--limit", "2")
        lines = result.stdout.splitlines()
        assert [line.split()[0] for line in lines[2:4]] == ["L-00", "L-01"]
        assert lines[-1] == "more rows: ecoledger permit list --pollutant SO2 --as bj-regulator --limit 2 --after 2"
        assert ledger.calls == [("Permit:Lots", {"pollutant": "SO2", "limit": 2})]

    def test_after_continues_from_the_bookmark(self, ledger):
        result = run("permit", "list", "--limit", "2", "--after", "4", env={"ECOLEDGER_IDENTITY": "from-env"})
        assert "L-04" in result.stdout and "L-03" not in result.stdout
        assert "more rows" not in result.output
        assert ledger.calls == [("Permit:Lots", {"limit": 2, "bookmark": "4"})]

    def test_identity_from_the_environment_is_not_repeated_in_the_hint(self, ledger):
        result = run("permit", "list", "--limit", "3", env={"ECOLEDGER_IDENTITY": "from-env"})
        assert result.stdout.splitlines()[-1] == "more rows: ecoledger permit list --limit 3 --after 3"

    def test_with_json_stdout_is_the_list_of_rows_and_the_hint_goes_to_stderr(self, ledger):
        result = run("permit", "list", "--json", "--limit", "2")
        assert json.loads(result.stdout) == LOTS[:2]
        assert result.stderr == "more rows: ecoledger permit list --json --limit 2 --after 2\n"

    def test_all_follows_every_bookmark_and_prints_one_table(self, ledger):
        result = run("permit", "list", "--all", "--limit", "2")
        assert [line.split()[0] for line in result.stdout.splitlines()[2:]] == [lot["id"] for lot in LOTS]
        assert [args.get("bookmark") for _, args in ledger.calls] == [None, "2", "4"]
        assert result.stderr == ""  # no progress display when stderr is not a terminal
        assert json.loads(run("--json", "permit", "list", "--all", "--limit", "2").stdout) == LOTS

    def test_all_pages_with_the_default_size_send_no_paging_fields(self, ledger):
        run("permit", "list", "--all")
        assert ledger.calls == [("Permit:Lots", {})]

    def test_a_chaincode_answering_a_bare_list_prints_it_whole_without_a_hint(self, ledger):
        ledger.bare = True
        result = run("permit", "list")
        assert len(result.stdout.splitlines()) == 2 + len(LOTS) and "more rows" not in result.output
        assert json.loads(run("--json", "permit", "list").stdout) == LOTS

    def test_a_limit_out_of_range_is_a_usage_error(self, ledger):
        result = CliRunner().invoke(cli, ["permit", "list", "--limit", "501"])
        assert result.exit_code == 2 and "1<=x<=500" in result.stderr
        assert ledger.calls == []

    @pytest.mark.parametrize("line, function, filters", [
        (["enterprise", "list", "--region", "BJ"], "Enterprise:List", {"region": "BJ"}),
        (["permit", "list", "--owner", "X"], "Permit:Lots", {"owner": "X"}),
        (["permit", "surrenders", "--year", "2026"], "Permit:Surrenders", {"year": 2026}),
        (["market", "offers", "--status", "open"], "Market:Offers", {"status": "open"}),
        (["market", "trades", "--entity", "X"], "Market:Trades", {"entity": "X"}),
    ])
    def test_every_list_command_pages(self, ledger, line, function, filters):
        ledger.items = []
        result = run("--json", *line, "--limit", "7", "--after", "0")
        assert json.loads(result.stdout) == []
        assert ledger.calls == [(function, {**filters, "limit": 7, "bookmark": "0"})]

    def test_surrenders_print_one_row_each(self, ledger):
        ledger.items = [{"id": "S-1", "entity": "91130000MA01HB0011", "region": "HB", "pollutant": "SO2",
                         "year": 2026, "quantity": 150_000, "lots": [{"lot": "L-3", "vintage": 2026,
                                                                      "quantity": 150_000}],
                         "at": "2026-01-01T00:00:00.000Z", "tx_id": "f" * 64}]
        [row] = run("permit", "surrenders").stdout.splitlines()[2:]
        assert row.split()[:7] == ["S-1", "91130000MA01HB0011", "HB", "SO2", "2026", "150", "t"]
        assert row.split()[-1] == "f" * 12


class HistoryContract:
    """``Permit:History`` as the paged chaincode answers it: the lot, its root and depth around a page."""

    STAMP = {"at": "2026-01-01T00:00:00.000Z", "by": {"name": "bj-regulator", "msp_id": "BJMSP"}, "tx_id": "a" * 64}

    def __init__(self, entries: int, paged: bool = True) -> None:
        self.entries = [{**self.STAMP, "lot": "L-2" if n < 2 else "L-1", "action": f"step{n}", "owner": "X",
                         "quantity": 1000, "status": "held"} for n in range(entries)]
        self.paged = paged
        self.calls: list[dict[str, Any]] = []

    def evaluate(self, function: str, args: dict[str, Any] | None = None, **_: Any) -> Any:
        args = dict(args or {})
        self.calls.append(args)
        if not self.paged:
            return {"lot": "L-2", "root": "L-1", "lineage": ["L-2", "L-1"], "owners": ["X", "Y"],
                    "entries": self.entries}
        start = int(args.get("bookmark") or 0)
        end = start + args.get("limit", DEFAULT_LIMIT)
        more = end < len(self.entries)
        return {"lot": "L-2", "root": "L-1", "depth": 1, "items": self.entries[start:end],
                "bookmark": str(end) if more else "", "more": more}


class TestHistory:
    @pytest.fixture
    def history(self, monkeypatch: pytest.MonkeyPatch) -> HistoryContract:
        contract = HistoryContract(5)
        monkeypatch.setattr(Globals, "app", property(lambda state: FakeApp(state, contract)))
        return contract

    def test_one_page_of_entries_then_how_to_get_the_rest(self, history):
        lines = run("permit", "history", "L-2", "--limit", "2").stdout.splitlines()
        assert lines[0] == "lot L-2: issued as L-1, split depth 1"
        assert [line.split()[2] for line in lines[4:6]] == ["step0", "step1"]
        assert lines[-1] == "more rows: ecoledger permit history L-2 --limit 2 --after 2"
        assert history.calls == [{"lot_id": "L-2", "limit": 2}]

    def test_json_is_the_answer_with_the_entries_of_every_page_asked_for(self, history):
        result = run("--json", "permit", "history", "L-2", "--limit", "2", "--all")
        trail = json.loads(result.stdout)
        assert [e["action"] for e in trail["items"]] == [f"step{n}" for n in range(5)]
        assert (trail["root"], trail["bookmark"], trail["more"]) == ("L-1", "", False)
        assert [call.get("bookmark") for call in history.calls] == [None, "2", "4"] and result.stderr == ""
