"""The shared runtime: composite keys, the namespace registry, pagination, the event envelope."""

from __future__ import annotations

import pytest

from chaincode.runtime import keys, pagination
from chaincode.runtime.errors import InvalidInput
from common import events as envelope

import chaincode.app  # noqa: F401  (declares every domain's namespaces)


def test_keys_follow_fabrics_composite_key_layout():
    lots = [ns for ns in keys.namespaces() if ns.name == "lot~owner"][0]
    assert lots.key("E1", "SO2", 2025, "L-1") == "\x00lot~owner\x00E1\x00SO2\x000000002025\x00L-1\x00"
    assert lots.split(lots.key("E1", "SO2", 2025, "L-1")) == ("E1", "SO2", "0000002025", "L-1")
    start, end = lots.span("E1", "SO2")
    assert lots.key("E1", "SO2", 2025, "L-1") > start and lots.key("E1", "SO2", 2025, "L-1") < end
    assert not start <= lots.key("E1", "SO2X", 2025, "L-1") < end  # a longer attribute is another prefix


def test_a_namespace_cannot_be_declared_twice_by_anyone():
    with pytest.raises(ValueError, match="namespace 'lot' is declared by permit; monitoring must choose another"):
        keys.namespace("lot", "id", owner="monitoring")


def test_every_domain_declares_its_namespaces_next_to_its_records():
    owners = {ns.name: ns.owner for ns in keys.namespaces()}
    assert owners["lot"] == owners["lot~held"] == owners["lot~entry"] == "permit"
    assert owners["offer"] == owners["trade~party"] == "market"
    assert owners["enterprise"] == "enterprise" and owners["member"] == "registry"
    assert owners["violation"] == "facts.violations" and owners["param"] == "runtime.parameters"


@pytest.mark.parametrize("value", ["", "a\x00b", None, 1.5, True])
def test_attributes_that_would_break_the_key_layout_are_refused(value):
    with pytest.raises(ValueError):
        keys.namespace("test~attr" + str(id(value)), "x", owner="test").key(value)


ROWS = [(f"k{i:03d}", i) for i in range(10)]


def rows(start, end):
    return iter([(k, v) for k, v in ROWS if start <= k < end])


def test_pages_follow_bookmarks_to_the_end_without_repeating_or_skipping():
    seen, bookmark = [], ""
    while True:
        page = pagination.read_page(rows, "k", "k\U0010ffff", 4, bookmark)
        seen.extend(page.items)
        if not page.more:
            assert page.bookmark == ""
            break
        bookmark = page.bookmark
    assert seen == list(range(10))


def test_a_filter_reads_at_most_a_bounded_number_of_keys_per_page():
    page = pagination.read_page(rows, "k", "k\U0010ffff", 1, "", lambda key, value: None)
    assert page.items == [] and page.more is False  # 10 keys < 20 × 1: everything read, nothing kept
    many = [(f"k{i:04d}", i) for i in range(100)]
    page = pagination.read_page(lambda s, e: iter(many), "k", "k\U0010ffff", 1, "",
                                lambda key, value: value if value == 99 else None)
    assert page.items == [] and page.more is True  # stopped after 20 keys; the bookmark resumes there
    assert bytes.fromhex(page.bookmark).decode() == "k0019"


@pytest.mark.parametrize("limit, message", [(0, "limit must be a whole number from 1 to 500"),
                                            (501, "got 501"), ("10", "got '10'"), (True, "got True")])
def test_bad_limits_are_refused(limit, message):
    with pytest.raises(InvalidInput, match=message):
        pagination.read_page(rows, "k", "k\U0010ffff", limit, "")


@pytest.mark.parametrize("bookmark, message", [
    ("zz", "is not one a previous page returned"),
    ("j000".encode().hex(), "bookmark belongs to another list"),
    (5, "bookmark must be the string a previous page returned"),
])
def test_foreign_or_forged_bookmarks_are_refused(bookmark, message):
    with pytest.raises(InvalidInput, match=message):
        pagination.read_page(rows, "k", "k\U0010ffff", 4, bookmark)


def test_the_envelope_carries_several_events_in_order_and_unpacks_them():
    name, payload = envelope.pack([("TradeSettled", {"trade": "T-1"}), ("OfferClosed", {"offer": "O-1"})])
    assert name == "TradeSettled,OfferClosed"
    assert envelope.unpack(name, payload) == [("TradeSettled", {"trade": "T-1"}), ("OfferClosed", {"offer": "O-1"})]


def test_an_event_that_is_not_an_envelope_comes_back_whole():
    assert envelope.unpack("Other", b'{"x":1}') == [("Other", {"x": 1})]
    assert envelope.unpack("Raw", b"not json") == [("Raw", "not json")]
    with pytest.raises(ValueError):
        envelope.pack([])
